"""read_book / read_table: headers by alias, grouping, normalisation findings, errors."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.table import Table

from addin.errors import WorkbookError
from addin.models import RULES_COLUMNS, Encounter
from addin.sheets import PAYER_HEADERS, read_book, read_table
from addin.sheets.values import date_to_serial, serial_to_date

HEADERS = ["Notes", "CPT", "Visit ID", "DOS", "DX1", "dx 2", "Gender", "ZIP", "Charge",
           "Payer", "Last Name", "Mod 1", "NPI", "POS", "Dx Pointer", "Units", "DOB"]  # fmt: skip

FIDELITY = Path(__file__).resolve().parents[1] / "data" / "workbooks" / "fidelity"


def _book(path: Path, rows: list[list[object]], *, start_row: int = 1, table: bool = False) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Jan Visits"
    for _ in range(start_row - 1):
        ws.append(["Clinic export"])
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    if table:
        last = start_row + len(rows)
        ws.add_table(Table(displayName="Visits", ref=f"A{start_row}:Q{last}"))
    settings = wb.create_sheet("Settings")
    settings.append(["Setting", "Value"])
    settings.append(["billing  npi", 1234567893])
    settings.append(["Tax ID", 12345678])
    settings.append(["Receiver Name", "\u00a0ACME  CLEARING "])
    payers = wb.create_sheet("Payers")
    payers.append(["Payor", "CFI", "Payer ID", "Phone"])
    payers.append(["Aetna", "ci", 60054, "800-555-0100"])
    fees = wb.create_sheet("Fee Schedule")
    fees.append(["HCPCS", "Modifier", "Fee"])
    fees.append(["0001A", None, 40])
    fees.append([99213, "25", "$1,125.50"])
    contracts = wb.create_sheet("Contracts")
    contracts.append(["Payer", "Code", "Allowed Amount"])
    contracts.append(["Aetna", 99213.0, 88.123])
    rules = wb.create_sheet("Rules")
    rules.append(list(reversed(RULES_COLUMNS)))
    rules.append(["Y", "Needs 25", *[""] * (len(RULES_COLUMNS) - 3), "R-25"])
    wb.save(path)
    return path


ROWS: list[list[object]] = [
    ["", 99213, "E1", "01/05/2026", "e119", "I10", "Female", 2134, 125.0, "Aetna", "Doe",
     "25", 1234567893, 2, "1,2", 1, datetime(1980, 2, 29)],
    ["", "36415", "E1", 46027, "E11.9", None, "F", "02134", "12.5", "Aetna", "Doe",
     None, "1234567893", "11", "A", None, None],
    [None] * 17,
    ["", "0001A", 1002, "2026-13-01", "Z23", None, "Q", "12345", "abc", "Medicare", "Roe",
     None, None, "11", "9x", "two", "1/22/1990"],
]  # fmt: skip


def test_reads_table_anywhere_with_aliases_and_groups_rows(tmp_path: Path) -> None:
    path = _book(tmp_path / "b.xlsx", ROWS, start_row=4, table=True)
    book = read_book(path)
    assert [e.encounter_id for e in book.encounters] == ["E1", "1002"]
    e1, e2 = book.encounters
    assert e1.rows == [5, 6] and [line.row for line in e1.lines] == [5, 6]
    assert e2.rows == [8]
    assert [line.procedure_code for line in e1.lines] == ["99213", "36415"]
    assert e1.diagnoses == ["E11.9", "I10"]
    assert e1.patient.sex == "F" and e1.patient.dob == date(1980, 2, 29)
    assert e1.lines[1].date_of_service == date(2026, 1, 5)  # serial 46027
    assert e1.lines[0].charge == Decimal("125.00") and e1.lines[1].charge == Decimal("12.50")
    assert e1.lines[0].dx_pointers == [1, 2] and e1.lines[1].dx_pointers == [1]
    assert e1.place_of_service == "02"  # Excel turned 02 into 2: read back, with a note
    assert e1.rendering_npi == "1234567893"
    assert e2.patient.dob == date(1990, 1, 22)  # text, month first: 22 cannot be a month
    # '01/05/2026' reads as 5 January or 1 May: a finding, never a guess
    assert e1.lines[0].date_of_service is None
    assert any(
        f.rule == "READ-DATE-AMBIGUOUS" and f.row == 5 and f.value == "01/05/2026"
        for f in book.findings
    )
    assert book.headers["Jan Visits"]["Procedure Code"] == "CPT"
    assert book.headers["Jan Visits"]["Dx 2"] == "dx 2"
    # built without validation for speed: validating what we built must change nothing
    for enc in book.encounters:
        assert Encounter.model_validate(enc.model_dump()) == enc
        # every field counts as given, as validation would say (one set shared per class)
        for model in (enc, enc.patient, *enc.lines):
            assert model.model_fields_set == set(type(model).model_fields)
    # an assignment on one model changes that model alone
    e1.lines[0].units = Decimal(3)
    e1.patient.city = "Elsewhere"
    assert e1.lines[1].units == Decimal(1) and e2.patient.city != "Elsewhere"
    copied = e1.model_copy(update={"payer": "Other"})
    assert copied.payer == "Other" and e1.payer != "Other"
    assert copied.model_fields_set == set(Encounter.model_fields)


def test_problems_become_row_numbered_findings(tmp_path: Path) -> None:
    book = read_book(_book(tmp_path / "b.xlsx", ROWS))
    got = {(f.rule, f.row, f.column) for f in book.findings}
    assert ("READ-ZIP-LEADING-ZERO", 2, "ZIP") in got
    assert ("READ-POS-LEADING-ZERO", 2, "POS") in got
    assert ("READ-EMPTY-ROW", 4, None) in got
    assert ("READ-DATE", 5, "DOS") in got
    assert ("READ-SEX", 5, "Gender") in got
    assert ("READ-MONEY", 5, "Charge") in got
    assert ("READ-POINTER", 5, "Dx Pointer") in got
    assert ("READ-NUMBER", 5, "Units") in got
    assert ("READ-LEADING-ZERO", 3, "Tax ID") in got
    # 'Female' vs 'F', 'e119' vs 'E11.9', 2134 vs '02134' are the same value, not a conflict
    assert not [f for f in book.findings if f.rule == "READ-INCONSISTENT"]
    date_finding = next(f for f in book.findings if f.rule == "READ-DATE")
    assert date_finding.value == "2026-13-01" and date_finding.sheet == "Jan Visits"
    assert "row 5" in date_finding.message and date_finding.fix


def test_encounter_level_values_that_differ_are_flagged(tmp_path: Path) -> None:
    rows = [list(r) for r in ROWS[:2]]
    rows[1][9] = "Medicare"
    book = read_book(_book(tmp_path / "b.xlsx", rows))
    bad = [f for f in book.findings if f.rule == "READ-INCONSISTENT"]
    assert [(f.row, f.column, f.value, f.encounter_id) for f in bad] == [
        (3, "Payer", "Medicare", "E1")
    ]
    assert book.encounters[0].payer == "Aetna"


def test_configuration_sheets(tmp_path: Path) -> None:
    book = read_book(_book(tmp_path / "b.xlsx", ROWS))
    assert book.settings["Billing NPI"] == "1234567893"
    assert book.settings["Receiver Name"] == "ACME CLEARING"
    assert book.settings["Tax ID"] == "12345678"
    payer = book.payer("  aetna ")
    assert payer is not None and payer.payer_id == "60054"
    assert payer.claim_filing_indicator == "CI" and payer.extra == {"Phone": "800-555-0100"}
    assert [(f.code, f.modifier, f.charge) for f in book.fees] == [
        ("0001A", "", Decimal("40.00")),
        ("99213", "25", Decimal("1125.50")),
    ]
    assert book.contracts[0].code == "99213" and book.contracts[0].allowed == Decimal("88.12")
    assert any(f.rule == "READ-MONEY-CENTS" and f.sheet == "Contracts" for f in book.findings)
    assert book.rules[0].values["Rule ID"] == "R-25" and book.rules[0].row == 2


def test_csv_is_the_encounters_sheet(tmp_path: Path) -> None:
    path = tmp_path / "visits.csv"
    path.write_text(
        "Encounter ID;Procedure Code;Patient ZIP;Date of Service\n"
        "A1;0001A;02134;2026-01-05\nA1;99213;02134;01/16/2026\n",
        encoding="utf-8",
    )
    book = read_book(path)
    (enc,) = book.encounters
    assert enc.patient.zip == "02134"
    assert [line.procedure_code for line in enc.lines] == ["0001A", "99213"]
    assert enc.lines[1].date_of_service == date(2026, 1, 16)
    assert not book.findings


def test_missing_encounters_or_required_header_is_a_workbook_error(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Encounters"
    ws.append(["Visit", "DOS"])
    wb.save(tmp_path / "a.xlsx")
    with pytest.raises(WorkbookError, match=r"a\.xlsx.*'Encounters'.*'Procedure Code'"):
        read_book(tmp_path / "a.xlsx")
    ws.title = "Other"
    wb.save(tmp_path / "b.xlsx")
    with pytest.raises(WorkbookError, match=r"b\.xlsx: no sheet named 'Encounters'"):
        read_book(tmp_path / "b.xlsx")
    with pytest.raises(WorkbookError, match="no such file"):
        read_book(tmp_path / "missing.xlsx")


def test_read_table_finds_a_table_by_headers(tmp_path: Path) -> None:
    path = _book(tmp_path / "b.xlsx", ROWS)
    table = read_table(path, PAYER_HEADERS, sheet="payers", required=("Payer",))
    assert table.sheet == "Payers" and table.header_row == 1
    assert table.headers == {
        "Payer": "Payor",
        "Claim Filing Indicator": "CFI",
        "Payer ID": "Payer ID",
    }
    assert [(row, table.get(cells, "Payer ID")) for row, cells in table.rows] == [(2, 60054)]
    with pytest.raises(WorkbookError, match="no sheet named 'Nope'"):
        read_table(path, PAYER_HEADERS, sheet="Nope")


@pytest.mark.parametrize(
    "headers", [["Encounter ID", "CPT"], ["Encounter ID", "CPT", "Payer"]], ids=["bare", "payer"]
)
def test_minimal_sheets_group_rows(tmp_path: Path, headers: list[str]) -> None:
    path = tmp_path / "min.csv"
    extra = ",Aetna" if len(headers) == 3 else ""
    path.write_text(",".join(headers) + f"\nA,99213{extra}\nA,36415{extra}\nB,99214{extra}\n")
    book = read_book(path)
    assert [(e.encounter_id, len(e.lines), e.rows) for e in book.encounters] == [
        ("A", 2, [2, 3]),
        ("B", 1, [4]),
    ]
    assert not book.findings


@pytest.mark.libreoffice
def test_xls_reads_like_the_xlsx(libreoffice: Any, tmp_path: Path) -> None:
    src = FIDELITY / "openpyxl_charts_comments.xlsx"
    libreoffice.convert([src], "xls:MS Excel 97", tmp_path)
    old = read_book(tmp_path / "openpyxl_charts_comments.xls")
    new = read_book(src)
    assert old.encounters == new.encounters and len(old.encounters) == 2
    assert old.payers == new.payers and old.findings == new.findings


def test_merged_encounter_cells_count_for_every_row(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Encounters"
    ws.append(["Encounter ID", "Patient Last Name", "CPT"])
    ws.append(["E1", "Doe", "99213"])
    ws.append([None, None, "36415"])
    ws.append(["E2", "Roe", "99214"])
    ws.merge_cells("A2:A3")
    ws.merge_cells("B2:B3")
    wb.save(tmp_path / "merged.xlsx")
    book = read_book(tmp_path / "merged.xlsx")
    assert [(e.encounter_id, e.rows, e.patient.last_name) for e in book.encounters] == [
        ("E1", [2, 3], "Doe"),
        ("E2", [4], "Roe"),
    ]
    assert not book.findings


@pytest.mark.parametrize(
    ("day", "serial"),
    [
        (date(1900, 1, 1), 1),
        (date(1900, 2, 28), 59),
        (date(1900, 3, 1), 61),
        (date(2026, 1, 5), 46027),
    ],  # fmt: skip
)
def test_excel_serials_follow_excels_1900_calendar(day: date, serial: int) -> None:
    assert date_to_serial(day) == serial
    assert serial_to_date(serial) == day


def test_one_name_column_is_split(tmp_path: Path) -> None:
    path = tmp_path / "names.csv"
    path.write_text(
        "Visit ID,CPT,Name,Insured Name\n"
        'A,99213,"Doe, Jane A",\n'
        "B,99213,Mary Ann Smith,John Smith\n"
        "B,36415,,\n"
        "C,99213,Prince,\n"
    )
    book = read_book(path)
    people = [(e.patient.last_name, e.patient.first_name) for e in book.encounters]
    assert people == [("Doe", "Jane A"), ("Smith", "Mary Ann"), ("Prince", "")]
    subscriber = book.encounters[1].subscriber
    assert subscriber is not None and (subscriber.last_name, subscriber.first_name) == (
        "Smith",
        "John",
    )
    assert book.encounters[0].subscriber is None and not book.findings


def test_two_columns_for_one_meaning_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("Encounter ID,CPT,Procedure Code\nA,99213,99214\n")
    book = read_book(path)
    assert book.encounters[0].lines[0].procedure_code == "99213"
    (dup,) = book.findings
    assert (dup.rule, dup.row, dup.value) == ("READ-DUPLICATE-COLUMN", 1, "Procedure Code")
    assert "'CPT' is read" in dup.message


def test_a_save_finds_the_header_rows_a_read_already_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Marks and values look their columns up in the first rows the run's read kept; a
    fresh read gives the same rows, and a file saved since is read again."""
    from addin.sheets import source

    path = _book(tmp_path / "book.xlsx", ROWS, start_row=3)
    wb = openpyxl.load_workbook(path)
    for n in range(12):  # a run reads its registers and result sheets after the encounters
        wb.create_sheet(f"Result {n}").append(["Claim ID", n])
    wb.save(path)
    monkeypatch.setattr(source, "_HEADS", {})
    fresh = source.head_rows(path, "Jan Visits")
    monkeypatch.setattr(source, "_HEADS", {})
    read_book(path)
    later = source.Source(path)
    for n in range(12):
        later.grid(f"Result {n}")
    later.close()
    monkeypatch.setattr(source.Source, "_read", None)  # no parse: the read's rows serve
    assert source.head_rows(path, "Jan Visits") == fresh
    assert fresh[2][:3] == HEADERS[:3] and len(fresh) == 2 + 1 + len(ROWS)
    monkeypatch.undo()
    _book(path, ROWS[:1], start_row=1)  # saved again: another size
    assert source.head_rows(path, "Jan Visits")[0][:3] == HEADERS[:3]


def test_a_patients_encounters_share_one_person_and_a_later_fill_stays_its_own(
    tmp_path: Path,
) -> None:
    path = tmp_path / "patients.csv"
    path.write_text(
        "Encounter ID,Patient Last Name,Patient DOB,Patient ZIP,Patient City,CPT\n"
        "A,Doe,1980-02-01,03060,Nashua,99213\n"
        "B,Doe,1980-02-01,03060,Nashua,99214\n"
        "C,,1980-02-01,03060,Nashua,99213\n"
        "C,Roe,,,,36415\n"
        "D,,1980-02-01,03060,Nashua,99212\n"
        "E,Poe,1990-03-04,3060,Nashua,99212\n"
        "F,Poe,1990-03-04,3060,Nashua,99212\n"
        "G,TRUE,1990-03-04,03060,Nashua,99212\n"
        "H,1,1990-03-04,03060,Nashua,99212\n"
    )
    book = read_book(path)
    by_id = {e.encounter_id: e for e in book.encounters}
    # the same cells: one Person, equal to a Person read on its own
    assert by_id["A"].patient is by_id["B"].patient
    assert by_id["A"].patient.last_name == "Doe" and by_id["A"].patient.zip == "03060"
    # a name first given on a later row of C is C's alone, not D's (the same cells on row 1)
    assert by_id["C"].patient.last_name == "Roe"
    assert by_id["D"].patient.last_name == ""
    assert by_id["C"].patient is not by_id["D"].patient
    # a text ZIP has no finding; a CSV value is text, so no person here has one
    assert [f.rule for f in book.findings] == []
    # TRUE and 1 are different cells
    assert by_id["G"].patient.last_name == "TRUE" and by_id["H"].patient.last_name == "1"


def test_a_person_read_with_a_finding_names_every_row(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Encounters"
    ws.append(["Encounter ID", "Patient Last Name", "Patient ZIP", "Patient Sex", "CPT"])
    ws.append(["A", "Doe", 3060, "M", "99213"])
    ws.append(["B", "Doe", 3060, "M", "99213"])
    ws.append(["C", "Doe", "03060", True, "99213"])
    ws.append(["D", "Doe", "03060", 1, "99213"])
    wb.save(tmp_path / "zip.xlsx")
    book = read_book(tmp_path / "zip.xlsx")
    assert [(f.rule, f.row, f.column, f.value) for f in book.findings] == [
        ("READ-ZIP-LEADING-ZERO", 2, "Patient ZIP", "3060"),
        ("READ-ZIP-LEADING-ZERO", 3, "Patient ZIP", "3060"),
        ("READ-SEX", 4, "Patient Sex", "TRUE"),
        ("READ-SEX", 5, "Patient Sex", "1"),
    ]
    a, b, c, d = book.encounters
    assert a.patient == b.patient and a.patient is not b.patient  # read with a finding


def test_a_sheet_claimbook_wrote_keeps_rows_with_any_cell_filled(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Encounters"
    ws.append(["Encounter ID", "CPT"])
    ws.append(["E1", "99213"])
    claims = wb.create_sheet("Claims")
    claims.append(["Claim ID", "Note", "Amount"])
    for row in (["C1", "", 5], ["", "typed", None], ["\ufeff", " ", None], [" ", None, 0],
                [None, None, None], [0, None, None], [False, None, None]):  # fmt: skip
        claims.append(row)
    wb.save(tmp_path / "own.xlsx")
    sheet = read_book(tmp_path / "own.xlsx", own=("Claims",)).own["Claims"]
    assert [(row, values[:3]) for row, values in sheet.rows] == [
        (2, ["C1", "", 5.0]),
        (3, ["", "typed", ""]),
        (5, ["", "", 0.0]),
        (7, [0.0, "", ""]),
        (8, [False, "", ""]),
    ]
