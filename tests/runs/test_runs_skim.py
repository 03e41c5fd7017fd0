"""Result sheets read as their header row: rows are read only when a column carries typing.

A week's Claims sheet holds a row per line sent; a run rebuilds it, so its rows are read
only when the header shows a column staff type into or one a user added. These tests hold
that nothing typed is lost on the way: a user's column outside the Table and inside it, a
staff column, a workbook saved by another program (shared strings), a file saved meanwhile.
"""

from __future__ import annotations

import sys
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.table import TableColumn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clinic_sample import ERA  # noqa: E402
from spoilt_packages import with_shared_strings  # noqa: E402

from addin import runs  # noqa: E402
from addin.errors import WorkbookError  # noqa: E402
from addin.sheets import reader  # noqa: E402
from addin.sheets.reader import read_book, read_own_sheet  # noqa: E402
from addin.sheets.source import Source  # noqa: E402
from addin.sheets.typing import type_into  # noqa: E402

TODAY = date(2026, 4, 10)
V3_ROW = 5  # V3 (held: an unknown payer and a category code) is Encounters row 5


def whole_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sheets a run reads whole after skimming them, in order."""
    seen: list[str] = []
    real = reader._read_whole

    def spy(path: Path, stamp: tuple[str, int, int], sheet: str) -> Any:
        seen.append(sheet)
        return real(path, stamp, sheet)

    monkeypatch.setattr(reader, "_read_whole", spy)
    return seen


def fix_v3(clinic: Path) -> None:
    """V3 made billable, so the next claims run sends it and rebuilds the Claims sheet."""
    type_into(clinic, cells=[("Encounters", V3_ROW, "Payer", "Aetna"),
                             ("Encounters", V3_ROW, "Dx 1", "E11.9")])  # fmt: skip


def claims_rows(clinic: Path) -> list[dict[str, Any]]:
    sheet = read_book(clinic, own=["Claims"]).own["Claims"]
    assert not sheet.skimmed
    return [values for _, values in sheet.records()]


def test_an_untouched_claims_sheet_is_rebuilt_without_reading_its_rows(
    clinic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs.claims(clinic, today=TODAY)
    before = {str(r["Encounter ID"]): r["Status"] for r in claims_rows(clinic)}
    assert before["V3"] == "Held" and before["V1"] == "Sent"
    fix_v3(clinic)
    seen = whole_reads(monkeypatch)
    outcome = runs.claims(clinic, today=TODAY)
    assert outcome.claims is not None and [c.claim_id for c in outcome.claims.sent] == ["V3"]
    assert seen == []  # no result sheet had a column to carry: none read past row 1
    after = {str(r["Encounter ID"]): r["Status"] for r in claims_rows(clinic)}
    assert after == {**before, "V3": "Sent"}


def add_user_column(clinic: Path, sheet: str, header: str, key: str | tuple[str, ...],
                    value: str, in_table: bool = False) -> None:  # fmt: skip
    """A user's column typed beside (or, widening the Table, inside) a result sheet, with
    ``value`` on the rows whose first cells are ``key``, saved the way another program
    saves it (openpyxl, then every string shared as Excel does)."""
    keys = (key,) if isinstance(key, str) else key
    book = openpyxl.load_workbook(clinic)
    ws = book[sheet]
    width = max(c.column for c in ws[1] if c.value is not None)
    column = width + 1
    ws.cell(row=1, column=column, value=header)
    typed = 0
    for row in range(2, ws.max_row + 1):
        if tuple(str(ws.cell(row=row, column=i + 1).value) for i in range(len(keys))) == keys:
            ws.cell(row=row, column=column, value=value)
            typed += 1
    assert typed, f"no row of {sheet} starts with {keys}"
    if in_table:
        table = next(iter(ws.tables.values()))
        letter = openpyxl.utils.get_column_letter(column)
        first, last = table.ref.split(":")
        table.ref = f"{first}:{letter}{''.join(ch for ch in last if ch.isdigit())}"
        if table.autoFilter is not None:
            table.autoFilter.ref = table.ref
        table.tableColumns.append(TableColumn(id=column, name=header))
    book.save(clinic)
    clinic.write_bytes(with_shared_strings(clinic.read_bytes()))


@pytest.mark.parametrize("in_table", [False, True], ids=["beside the table", "in the table"])
def test_a_column_a_user_added_to_claims_survives_the_rebuild(
    clinic: Path, monkeypatch: pytest.MonkeyPatch, in_table: bool
) -> None:
    runs.claims(clinic, today=TODAY)
    add_user_column(clinic, "Claims", "Called Payer", "V1", "yes, 4/9", in_table)
    fix_v3(clinic)
    seen = whole_reads(monkeypatch)
    outcome = runs.claims(clinic, today=TODAY)
    assert outcome.claims is not None and [c.claim_id for c in outcome.claims.sent] == ["V3"]
    assert seen == ["Claims"]  # the header showed the user's column: the rows were read
    rows = claims_rows(clinic)
    assert [r["Status"] for r in rows if r["Encounter ID"] == "V3"] == ["Sent"]
    typed = [(str(r["Encounter ID"]), r["Called Payer"]) for r in rows]
    assert typed == [("V1", "yes, 4/9"), ("V1", "yes, 4/9"), ("V2", ""), ("V3", ""),
                     ("V4", ""), ("V5", "")]  # fmt: skip


def test_a_book_saved_by_another_program_is_still_skimmed(clinic: Path) -> None:
    runs.claims(clinic, today=TODAY)
    book = openpyxl.load_workbook(clinic)
    book.save(clinic)
    clinic.write_bytes(with_shared_strings(clinic.read_bytes()))  # as Excel saves strings
    with zipfile.ZipFile(clinic) as zf:
        assert "xl/sharedStrings.xml" in zf.namelist()
    read = read_book(clinic, own=["Claims", "Findings"], skim=["Claims", "Findings"])
    source = Source(clinic)
    try:
        for name in ("Claims", "Findings"):
            sheet = read.own[name]
            assert sheet.skimmed and sheet.rows == [] and sheet.ours
            full = read_own_sheet(source, name)
            assert full is not None and full.rows
            assert sheet.headers == full.headers
            whole = sheet.whole()
            assert not whole.skimmed and whole.ours
            assert (whole.headers, whole.rows) == (full.headers, full.rows)
    finally:
        source.close()


def test_rows_from_a_later_save_are_refused(clinic: Path) -> None:
    runs.claims(clinic, today=TODAY)
    read = read_book(clinic, own=["Claims"], skim=["Claims"])
    fix_v3(clinic)  # saved by someone else after the header row was read
    with pytest.raises(WorkbookError) as caught:
        read.own["Claims"].whole()
    message = str(caught.value)
    assert str(clinic) in message and "'Claims'" in message and "run again" in message


def test_a_staff_note_on_deposits_survives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          clinic: Path) -> None:  # fmt: skip
    runs.claims(clinic, today=TODAY)
    era = tmp_path / "dl" / "aetna.835"
    era.parent.mkdir(parents=True, exist_ok=True)
    era.write_text(ERA, encoding="ascii")
    runs.reconcile(clinic, runs.Inputs(remittances=[era]), today=TODAY)
    bank = tmp_path / "dl" / "bank.csv"
    bank.write_text(
        "Date,Description,Amount,Reference\n"
        "2026-04-02,ACH CREDIT HCCLAIMPMT TRN*1*EFT777*1999999999,90.00,B1\n",
        encoding="utf-8",
    )
    runs.run(clinic, runs.Inputs(bank=[bank]), TODAY, steps=("deposits",))
    sheet = read_book(clinic, own=["Deposits"]).own["Deposits"]
    row = sheet.rows[0][0]
    type_into(clinic, cells=[("Deposits", row, "Note", "asked bank for detail")])
    more = tmp_path / "dl" / "bank2.csv"
    more.write_text(
        "Date,Description,Amount,Reference\n2026-04-06,ACH CREDIT PAYER X,42.10,B2\n",
        encoding="utf-8",
    )
    seen = whole_reads(monkeypatch)
    out = runs.run(clinic, runs.Inputs(bank=[more]), TODAY, steps=("deposits",))
    assert out.changed
    assert seen == ["Deposits"]  # a staff column: read whole to carry what was typed
    after = read_book(clinic, own=["Deposits"]).own["Deposits"].records()
    notes = [v["Note"] for _, v in after if v.get("Note")]
    assert notes == ["asked bank for detail"]
    assert len(after) == len(sheet.rows) + 1  # B2 added


def test_a_damaged_result_sheet_is_refused_by_name_as_before(clinic: Path) -> None:
    """A part whose compressed bytes are damaged cannot give its header row: the sheet is
    read whole, which names the file and the sheet (zlib's own error never reaches anyone)."""
    runs.claims(clinic, today=TODAY)
    source = Source(clinic)
    try:
        assert source._checked is not None
        part = source._checked.parts["Claims"]
    finally:
        source.close()
    data = bytearray(clinic.read_bytes())
    with zipfile.ZipFile(clinic) as zf:
        info = zf.getinfo(part)
    assert info.compress_type == zipfile.ZIP_DEFLATED
    # the member's data follows its local header (30 bytes, its name, its extra field)
    name_len = int.from_bytes(data[info.header_offset + 26 : info.header_offset + 28], "little")
    extra_len = int.from_bytes(data[info.header_offset + 28 : info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_len + extra_len
    data[start : start + 64] = b"\xff" * 64
    clinic.write_bytes(bytes(data))
    source = Source(clinic)
    try:
        assert source.header_row("Claims") is None
    finally:
        source.close()
    with pytest.raises(WorkbookError) as caught:
        read_book(clinic, own=["Claims"], skim=["Claims"])
    assert str(clinic) in str(caught.value) and "'Claims'" in str(caught.value)
