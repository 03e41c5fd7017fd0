"""Carrying what staff typed on a result sheet into its next version, by row key."""

from __future__ import annotations

from datetime import date

import pytest

from addin.errors import WorkbookError
from addin.models import Column, ResultTable, SheetRows
from addin.runs.carry import Carry, carry_over

COLUMNS = [Column(name="Claim ID"), Column(name="Line", kind="int"), Column(name="Note")]
NEW = ResultTable(sheet="Claims", columns=COLUMNS, rows=[["C1", 1, "new"], ["C2", 1, "new"]])


def _old(headers: list[str], *rows: list[object], ours: bool = True) -> SheetRows:
    return SheetRows(name="Claims", headers=headers, rows=[(i + 2, list(r)) for i, r in
                                                           enumerate(rows)], ours=ours)  # fmt: skip


def test_nothing_typed_gives_the_new_rows_and_drops_rows_gone() -> None:
    old = _old(["Claim ID", "Line", "Note"], ["C1", 1, "old"], ["C9", 1, "old"])
    out = carry_over(NEW, old, Carry(key=("Claim ID", "Line"), orphan=("Note", "gone")))
    assert out.rows == NEW.rows and out.columns == NEW.columns


def test_a_column_a_user_added_follows_its_row_and_keeps_a_row_gone() -> None:
    old = _old(
        ["Claim ID", "Line", "Note", "My Memo"],
        ["C2", 1, "old", "call Tue"],
        ["C9", 1, "old", "refund?"],
        ["C8", 1, "old", None],
    )
    out = carry_over(NEW, old, Carry(key=("Claim ID", "Line"), orphan=("Note", "gone")))
    assert [c.name for c in out.columns] == ["Claim ID", "Line", "Note", "My Memo"]
    assert out.rows == [
        ["C1", 1, "new", None],
        ["C2", 1, "new", "call Tue"],
        ["C9", 1, "gone", "refund?"],  # typed into: kept, marked; C8 had nothing typed
    ]


def test_a_staff_column_takes_the_typed_value() -> None:
    old = _old(["Claim ID", "Line", "Note"], ["C1", 1, "disputed"], ["C7", 1, "paid by phone"])
    out = carry_over(NEW, old, Carry(key=("Claim ID", "Line"), staff=("Note",),
                                     orphan=("Note", "gone")))  # fmt: skip
    assert out.rows[:2] == [["C1", 1, "disputed"], ["C2", 1, "new"]]
    assert out.rows[2] == ["C7", 1, "gone"]


def test_a_sheet_not_ours_or_without_the_keys_carries_nothing() -> None:
    spec = Carry(key=("Claim ID", "Line"))
    mine = _old(["Claim ID", "Line", "Memo"], ["C1", 1, "x"], ours=False)
    assert carry_over(NEW, mine, spec).rows == NEW.rows
    untyped = _old(["Line", "Note"], [1, "old"])  # a key column gone, nothing typed
    assert carry_over(NEW, untyped, spec).rows == NEW.rows


def test_what_was_typed_on_a_sheet_that_lost_its_key_header_is_never_dropped() -> None:
    """Rebuilt without its key column, the sheet would lose the Memo (and the column whose
    header was typed over): the run stops and says which header to put back."""
    spec = Carry(key=("Claim ID", "Line"), staff=("Note",))
    keyless = _old(["Claim", "Line", "Memo"], ["C1", 1, "x"])
    with pytest.raises(WorkbookError) as refused:
        carry_over(NEW, keyless, spec)
    message = str(refused.value)
    assert "Claims: row 1 has no 'Claim ID' column" in message
    assert "'Claim', 'Memo' in row 1 is not a header Claimbook wrote" in message
    assert "writes nothing" in message and "Type 'Claim ID' back into row 1" in message
    staff_typed = _old(["Line", "Note"], [1, "called the payer"])  # a staff column typed
    with pytest.raises(WorkbookError, match="no 'Claim ID' column"):
        carry_over(NEW, staff_typed, spec)
    dated = _old(["Claim ID", "Line", "Follow-up"], ["C1", 1, date(2026, 12, 1)])
    out = carry_over(NEW, dated, spec)
    assert out.columns[-1].kind == "date" and out.rows[0][-1] == date(2026, 12, 1)
