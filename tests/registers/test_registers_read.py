"""The register read-back a column at a time gives what reading it row by row gave."""

from __future__ import annotations

import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addin.errors import WorkbookError
from addin.models import SheetRows
from addin.registers.acks import ACK_COLUMNS, AckRecord, read_ack_register
from addin.registers.cells import as_date, as_int, as_money, as_text, columns, dates, texts
from addin.registers.claims import (
    CLAIM_COLUMNS,
    ClaimRecord,
    SentLine,
    parse_lines,
    read_claim_register,
)
from addin.registers.remits import REMIT_COLUMNS, PostingRecord, read_remit_register
from addin.sheets import read_book


def _as_text_by_split(value: Any) -> str:
    """``as_text`` as it was before its fast path for plain text."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return " ".join(str(value).split())


def _read_by_rows(sheet: SheetRows) -> list[ClaimRecord]:
    """The Claim Register read a row at a time through ``records()`` (the slow path)."""
    out: list[ClaimRecord] = []
    known = {c.name for c in CLAIM_COLUMNS}
    for row, cells in sheet.records():
        claim_id = as_text(cells.get("Claim ID"))
        if not claim_id:
            continue
        out.append(
            ClaimRecord(
                submission=as_text(cells.get("Submission")) or f"{claim_id}/?",
                claim_id=claim_id,
                encounter_id=as_text(cells.get("Encounter ID")),
                patient=as_text(cells.get("Patient")),
                payer=as_text(cells.get("Payer")),
                payer_id=as_text(cells.get("Payer ID")),
                frequency=as_text(cells.get("Frequency")) or "1",
                replaces=as_text(cells.get("Replaces")),
                first_service=as_date(cells.get("Date of Service")),
                billed=as_money(cells.get("Billed")),
                line_count=as_int(cells.get("Lines")),
                lines=as_text(cells.get("Lines Billed")),
                fingerprint=as_text(cells.get("Fingerprint")),
                file=as_text(cells.get("837P File")),
                isa13=as_text(cells.get("ISA13")),
                gs06=as_text(cells.get("GS06")),
                st02=as_text(cells.get("ST02")),
                sent=as_date(cells.get("Sent")),
                status=as_text(cells.get("Status")) or "sent",
                status_date=as_date(cells.get("Status Date")),
                payer_claim_number=as_text(cells.get("Payer Claim Number")),
                history=as_text(cells.get("History")),
                row=row,
                extra={k: v for k, v in cells.items() if k not in known},
            )
        )
    return out


# every character Python counts as whitespace, and some that look like it but are not
SPACES = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
ODD = ["\u200b", "\ufeff", "\u00ad", "\x00", "\x7f", "é", "中", "\U0001f600"]


def test_as_text_of_text_is_its_words_joined_by_one_space() -> None:
    words = ["", "a", "RB00123", "Doe, Jane", "E11.9", "0042", *ODD]
    for space in [" ", "  ", *SPACES]:
        for left in words:
            for right in words:
                for text in (f"{left}{space}{right}", f"{space}{left}", f"{left}{space}"):
                    assert as_text(text) == _as_text_by_split(text), repr(text)


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from([*SPACES, *ODD, "a", "0", ",", ".", "-"]), max_size=12))
def test_as_text_of_any_text(text: str) -> None:
    assert as_text(text) == _as_text_by_split(text)
    assert texts([text]) == [_as_text_by_split(text)]


def test_as_text_and_as_date_of_other_values() -> None:
    values: list[Any] = [None, "", 1001.0, 1001.5, 7, True, False, -0.0, 1e20, date(2026, 7, 1),
                         datetime(2026, 7, 1, 13, 5), float("nan")]  # fmt: skip
    for value in values:
        assert as_text(value) == _as_text_by_split(value)
    assert texts(values) == [_as_text_by_split(v) for v in values]
    assert dates(values) == [as_date(v) for v in values]


HEADERS = [c.name for c in CLAIM_COLUMNS]


def _row(n: int, **cells: Any) -> list[Any]:
    values: dict[str, Any] = {
        "Submission": f"RB{n:05d}/1", "Claim ID": f"RB{n:05d}", "Encounter ID": f"E{n}",
        "Patient": "Doe, Jane", "Payer": "Aetna", "Payer ID": "60054", "Frequency": "1",
        "Replaces": "", "Date of Service": date(2026, 7, 1), "Billed": 380.0, "Lines": 2.0,
        "Lines Billed": "99214 x1 230.00 2026-07-01 @11; 20610:RT x1 150.00 2026-07-01 @11",
        "Fingerprint": "ab12cd34", "837P File": "week-000000001.837", "ISA13": "000000001",
        "GS06": "1", "ST02": "0001", "Sent": date(2026, 10, 30), "Status": "sent",
        "Status Date": date(2026, 10, 30), "Payer Claim Number": "",
        "History": "2026-10-30 sent (original) in week-000000001.837",
    }  # fmt: skip
    values.update(cells)
    return [values[h] for h in HEADERS]


# the cells a workbook may give back: Excel retypes codes as numbers and dates as text,
# staff blank cells, type spaces, and add columns of their own
ODD_ROWS = [
    _row(1),
    _row(2, **{"Claim ID": 1002.0, "Encounter ID": 1002, "Payer ID": 60054.0, "ISA13": 1.0}),
    _row(3, **{"Claim ID": "", "Submission": "RB00003/1"}),  # no Claim ID: not a claim
    _row(4, **{"Claim ID": None, "Patient": None}),
    _row(5, Submission="", Frequency="", Status="", Billed="", Lines=""),
    _row(6, Patient="\u00a0Doe,\tJane  A ", Payer="  Blue\nCross ", History="x\r\ny"),
    _row(7, **{"Date of Service": "2026-07-01", "Sent": datetime(2026, 10, 30, 9, 15),
               "Status Date": "not a date", "Billed": "$1,250.50", "Lines": "3"}),
    _row(8, **{"Billed": "abc", "Lines": "two", "Status Date": 46000.0, "Sent": ""}),
    _row(9, **{"Billed": 110.00000000000001, "Lines": 2.5, "Payer Claim Number": 12345678901.0}),
    _row(10, **{"Claim ID": "  RB00010 ", "Frequency": 7.0, "Replaces": "0042"}),
    _row(11, Status=True, History=False, Fingerprint=0.5),
    _row(12, **{"Encounter ID": "007", "Patient": "\ufeff", "Payer": "\u200bAetna"}),
]  # fmt: skip


def _sheet(headers: list[str], rows: list[list[Any]]) -> SheetRows:
    return SheetRows(name="Claim Register", headers=headers, rows=[
        (n, list(cells)) for n, cells in enumerate(rows, start=2)
    ], ours=True)  # fmt: skip


def test_claim_register_by_columns_is_the_register_by_rows() -> None:
    sheet = _sheet(HEADERS, ODD_ROWS)
    got = read_claim_register(sheet)
    assert got == _read_by_rows(sheet)
    assert [r.row for r in got] == [2, 3, 6, 7, 8, 9, 10, 11, 12, 13]
    assert got[1].claim_id == "1002" and got[1].payer_id == "60054"
    assert got[2].submission == "RB00005/?" and got[2].status == "sent"
    assert got[3].patient == "Doe, Jane A" and got[3].payer == "Blue Cross"
    assert got[4].billed == as_money("$1,250.50") and got[4].line_count == 3


def test_claim_register_with_staff_columns_short_rows_and_odd_headers() -> None:
    # a column staff added, an empty header, a second 'Status' (the last one is read, as
    # records() reads it), rows shorter than the header (a hand-built sheet)
    headers = [*HEADERS[:5], "", "Note", *HEADERS[5:], "Status", "Follow-up"]
    rows = []
    for n, cells in enumerate(ODD_ROWS):
        wide = [
            *cells[:5],
            f"hidden {n}",
            f"note {n}",
            *cells[5:],
            f"again {n}",
            date(2026, 11, n + 1),
        ]
        rows.append(wide[: len(wide) - (n % 4)])  # some rows lack the last cells
    sheet = _sheet(headers, rows)
    got = read_claim_register(sheet)
    assert got == _read_by_rows(sheet)
    assert got[0].status == "again 0" and got[0].extra == {
        "Note": "note 0",
        "Follow-up": date(2026, 11, 1),
    }
    assert got[1].extra == {"Note": "note 1", "Follow-up": None}


def test_claim_register_without_its_columns_or_rows() -> None:
    assert read_claim_register(None) == []
    assert read_claim_register(_sheet(HEADERS, [])) == []
    assert read_claim_register(_sheet([], [])) == []  # a blank sheet: an empty register
    with_memo = _sheet([*HEADERS, "Memo"], [[*(["x"] * len(HEADERS)), "a"], [None] * 3])
    assert read_claim_register(with_memo) == _read_by_rows(with_memo)  # short rows too


def test_a_register_that_lost_a_key_header_is_refused_never_read_as_empty() -> None:
    """Read without its Claim ID, Submission or Fingerprint column, the register looks empty
    (or every claim changed): the next run would bill every claim again."""
    only_ids = _sheet(["Claim ID", "Memo"], [["RB1", "a"], [2.0, None], [None, "b"]])
    with pytest.raises(WorkbookError, match=r"no 'Submission' or 'Fingerprint' or 'Billed'"):
        read_claim_register(only_ids)
    # what was billed, which every payment is reconciled against to the cent
    unbilled = [("Amount" if h == "Billed" else h) for h in HEADERS]
    with pytest.raises(WorkbookError, match=r"no 'Billed' column \('Amount' in row 1"):
        read_claim_register(_sheet(unbilled, [["RB1"] * len(HEADERS)]))
    retyped = [("Claim Id" if h == "Claim ID" else h) for h in HEADERS]
    with pytest.raises(WorkbookError) as refused:
        read_claim_register(_sheet(retyped, [["RB1"] * len(HEADERS)]))
    message = str(refused.value)
    assert "Claim Register: row 1 has no 'Claim ID' column" in message
    assert "'Claim Id' in row 1 is not a header Claimbook wrote" in message
    assert "writes nothing" in message and "Type 'Claim ID' back into row 1" in message
    header_only = _sheet(retyped, [])  # no rows yet, but a header the writer cannot use
    with pytest.raises(WorkbookError):
        read_claim_register(header_only)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(
            st.one_of(
                st.none(), st.just(""), st.text(max_size=6), st.floats(allow_nan=False),
                st.integers(-5, 10**12), st.booleans(), st.dates(),
                st.datetimes(min_value=datetime(1900, 1, 1)),
            ),
            min_size=len(HEADERS), max_size=len(HEADERS),
        ),
        max_size=8,
    )
)  # fmt: skip
def test_any_register_cells_read_by_columns_as_by_rows(rows: list[list[Any]]) -> None:
    for cells in rows:
        cells[1] = cells[1] if cells[1] not in (None, "") else "RB1"  # mostly claims
    sheet = _sheet(HEADERS, rows)
    assert read_claim_register(sheet) == _read_by_rows(sheet)


def test_columns_pick_what_records_keys() -> None:
    sheet = _sheet(["A", "", "B", "A"], [[1, 2, 3, 4], [5, 6], [7, 8, 9, 10]])
    a, b, missing = columns(sheet, ["A", "B", "C"])
    records = [cells for _, cells in sheet.records()]
    assert list(a) == [r.get("A") for r in records] == [4, None, 10]
    assert list(b) == [r.get("B") for r in records] == [3, None, 9]
    assert list(missing) == [None, None, None]


def test_a_count_that_is_no_count_reads_as_zero() -> None:
    for value in ("abc", "inf", float("inf"), float("-inf"), float("nan"), None, ""):
        assert as_int(value) == 0
    for value in ("abc", float("inf"), float("nan"), 1e300, "1e300", None, ""):
        assert as_money(value) == 0
    sheet = _sheet(HEADERS, [_row(1, Lines="inf", Billed=float("inf"))])
    assert read_claim_register(sheet)[0].line_count == 0


def test_a_register_sheet_is_read_as_written_with_each_text_kept_once(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    del wb["Sheet"]
    encounters = wb.create_sheet("Encounters")
    encounters.append(["Encounter ID", "Procedure Code"])
    encounters.append(["E1", "99213"])
    ws = wb.create_sheet("Claim Register")
    ws.append(["Claim ID", "Status", "Flag", "Sent", "Count", None, "  Staff   note "])
    typed = [
        ["RB1", "sent", True, date(2026, 10, 30), 1, None, "a"],
        ["RB2", "sent", 1, datetime(2026, 10, 30, 9, 5), 1.0, None, None],
        [None, None, None, None, None, None, None],  # an empty row: not kept
        ["RB3", "sent", "1", "2026-10-30", 1.5, "under no header", "  two  spaces "],
        ["RB4", "paid", False, date(2026, 10, 30), 0, None, ""],
    ]
    for row in typed:
        ws.append(row)
    wb.save(tmp_path / "b.xlsx")
    sheet = read_book(tmp_path / "b.xlsx", own=["Claim Register"]).own["Claim Register"]
    assert sheet.headers == ["Claim ID", "Status", "Flag", "Sent", "Count", "", "Staff note"]
    assert [row for row, _ in sheet.rows] == [2, 3, 5, 6]
    kept = [cells for _, cells in sheet.rows]
    assert [c[:5] for c in kept] == [
        ["RB1", "sent", True, date(2026, 10, 30), 1.0],
        ["RB2", "sent", 1.0, datetime(2026, 10, 30, 9, 5), 1.0],
        ["RB3", "sent", "1", "2026-10-30", 1.5],
        ["RB4", "paid", False, date(2026, 10, 30), 0.0],
    ]
    # True stays True and 1 stays a number though they are equal
    assert kept[0][2] is True and type(kept[1][2]) is not bool and kept[3][2] is False
    assert kept[0][1] is kept[1][1] is kept[2][1]  # one 'sent'
    assert kept[0][3] is kept[3][3] and type(kept[1][3]) is datetime  # one date
    assert kept[2][5] == "under no header" and kept[2][6] == "  two  spaces "
    assert SheetRows.model_validate(sheet.model_dump()) == sheet


def test_lines_billed_read_back_and_a_damaged_line_left_out() -> None:
    text = (
        "99214 x1 230.00 2026-07-06 @11; 20610:RT:59 x1.5 180.00 2026-07-06;"
        " junk; 99213 x1 10.00 2026-13-45 @11;  J3301 x2 -12.50 2026-07-07 @02 "
    )
    got = parse_lines(text)
    assert got == [
        SentLine("99214", [], Decimal(1), Decimal("230.00"), date(2026, 7, 6), "11"),
        SentLine("20610", ["RT", "59"], Decimal("1.5"), Decimal("180.00"), date(2026, 7, 6)),
        SentLine("J3301", [], Decimal(2), Decimal("-12.50"), date(2026, 7, 7), "02"),
    ]
    # a line read again is the same (read-only) line
    assert parse_lines("99214 x1 230.00 2026-07-06 @11")[0] is got[0]
    assert parse_lines("") == [] and parse_lines("99213 x1 10.00 2026-02-30") == []


def _remits_by_rows(sheet: SheetRows) -> list[PostingRecord]:
    """The Remittance Register read a row at a time through ``records()`` (the slow path)."""
    out: list[PostingRecord] = []
    for row, cells in sheet.records():
        posting = as_text(cells.get("Posting"))
        if not posting:
            continue
        out.append(
            PostingRecord(
                posting=posting,
                kind=as_text(cells.get("Kind")),
                payer=as_text(cells.get("Payer")),
                payer_id=as_text(cells.get("Payer ID")),
                trace=as_text(cells.get("Check/EFT")),
                amount=as_money(cells.get("Amount")),
                payment_date=as_date(cells.get("Payment Date")),
                claims=as_int(cells.get("Claims")),
                claims_paid=as_money(cells.get("Claims Paid")),
                file=as_text(cells.get("File")),
                received_as=as_text(cells.get("Received As")),
                set_index=as_int(cells.get("Set")),
                content_hash=as_text(cells.get("Content Hash")),
                posted_on=as_date(cells.get("Posted On")),
                status=as_text(cells.get("Status")) or "posted",
                note=as_text(cells.get("Note")),
                row=row,
            )
        )
    return out


def _acks_by_rows(sheet: SheetRows) -> list[AckRecord]:
    """The Acknowledgments register read a row at a time through ``records()``."""
    out: list[AckRecord] = []
    for row, cells in sheet.records():
        kind = as_text(cells.get("Kind"))
        if not kind:
            continue
        out.append(
            AckRecord(
                received=as_date(cells.get("Received")),
                kind=kind,
                acknowledges=as_text(cells.get("Acknowledges")),
                result=as_text(cells.get("Result")),
                accepted=as_int(cells.get("Claims Accepted")),
                rejected=as_int(cells.get("Claims Rejected")),
                file=as_text(cells.get("File")),
                received_as=as_text(cells.get("Received As")),
                set_index=as_int(cells.get("Set")),
                content_hash=as_text(cells.get("Content Hash")),
                note=as_text(cells.get("Note")),
                row=row,
            )
        )
    return out


ODD_CELLS = st.one_of(
    st.none(), st.just(""), st.sampled_from(["posted", " duplicate ", "999", "\u00a0a  b"]),
    st.text(max_size=6), st.floats(allow_nan=False), st.integers(-5, 10**12), st.booleans(),
    st.dates(), st.datetimes(min_value=datetime(1900, 1, 1)),
)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_remittance_and_ack_registers_read_by_columns_as_by_rows(data: st.DataObject) -> None:
    for headers, by_columns, by_rows in (
        ([c.name for c in REMIT_COLUMNS], read_remit_register, _remits_by_rows),
        ([c.name for c in ACK_COLUMNS], read_ack_register, _acks_by_rows),
    ):
        # the register's own columns, sometimes one of a staff member's, sometimes short rows
        if data.draw(st.booleans()):
            headers = [*headers[:3], "Memo", *headers[3:]]
        rows = data.draw(
            st.lists(st.lists(ODD_CELLS, min_size=len(headers) - 2, max_size=len(headers)),
                     max_size=6)
        )  # fmt: skip
        sheet = _sheet(headers, rows)
        assert by_columns(sheet) == by_rows(sheet)
    assert read_remit_register(None) == [] and read_ack_register(None) == []
