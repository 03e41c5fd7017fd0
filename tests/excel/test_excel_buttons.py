"""The buttons write the same sheets as the command line on the same workbook."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import python_calamine as pc
from clinic_sample import ERA
from excel_clinic import make_clinic
from excel_fakes import FakeBook, Formula
from typer.testing import CliRunner

from addin import runs
from addin.cli import app
from addin.excel import macros
from addin.excel.xlbook import ExcelBook
from addin.models import CellMark
from addin.sheets import CellValue, write_book
from addin.x12.x837p.reader import read_837p

RESULT_SHEETS = ("Remittance", "Reconciliation", "Denials", "Aging", "Dashboard")


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    return make_clinic(tmp_path / "clinic")


@pytest.fixture
def era(tmp_path: Path) -> Path:
    path = tmp_path / "inbox" / "aetna-0401.835"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ERA, encoding="ascii")
    return path


def _norm(value: Any) -> Any:
    assert not isinstance(value, Formula), f"{value!r} became a formula"
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    return value


def _trim(grid: list[list[Any]]) -> list[list[Any]]:
    rows = [[_norm(v) for v in row] for row in grid]
    rows = [row[: max((i + 1 for i, v in enumerate(row) if v != ""), default=0)] for row in rows]
    while rows and not rows[-1]:
        rows.pop()
    return rows


def file_sheet(path: Path, sheet: str) -> list[list[Any]]:
    book = pc.CalamineWorkbook.from_path(str(path))
    return _trim(book.get_sheet_by_name(sheet).to_python())


def fake_sheet(book: FakeBook, sheet: str) -> list[list[Any]]:
    return _trim(book.sheets[sheet].grid())


def filled_cells(path: Path, sheet: str) -> set[tuple[int, int]]:
    ws = openpyxl.load_workbook(path)[sheet]
    return {
        (c.row, c.column)
        for row in ws.iter_rows()
        for c in row
        if c.fill is not None and c.fill.fill_type == "solid"
    }


def cli(*args: str) -> None:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code in (0, 1), result.output


def test_check_button_matches_the_cli(clinic: Path, tmp_path: Path) -> None:
    expected = tmp_path / "cli.xlsx"
    cli("check", str(clinic), "--out", str(expected), "--today", date.today().isoformat())
    book = FakeBook.open(clinic)
    before = fake_sheet(book, "Encounters")
    outcome = macros.check_encounters(book=book)
    assert outcome is not None
    findings = fake_sheet(book, "Findings")
    assert findings == file_sheet(expected, "Findings")
    assert any("E11" in str(cell) for row in findings for cell in row)
    assert any("Nobody Insurance" in str(cell) for row in findings for cell in row)
    # the same Encounters cells are filled, and their values did not change
    assert set(book.sheets["Encounters"].colors) == filled_cells(expected, "Encounters")
    assert book.sheets["Encounters"].colors
    assert fake_sheet(book, "Encounters") == before
    assert book.app.alerts == [f"Check encounters: {outcome.message}"]
    assert "errors" in outcome.message


def test_checking_again_clears_the_fills_of_fixed_cells(clinic: Path) -> None:
    book = FakeBook.open(clinic)
    macros.check_encounters(book=book)
    sheet = book.sheets["Encounters"]
    header = [sheet.cells.get((1, c)) for c in range(1, 40)]
    dx1 = header.index("Dx 1") + 1
    category = next(r for (r, c), v in sheet.cells.items() if c == dx1 and v == "E11")
    assert (category, dx1) in sheet.colors
    user_colour = (1, 2)  # a header cell the user coloured themselves
    sheet.colors[user_colour] = (255, 199, 206)
    sheet.put(category, dx1, "E11.9")  # the biller fixes the code
    macros.check_encounters(book=book)
    assert (category, dx1) not in sheet.colors
    assert sheet.colors[user_colour] == (255, 199, 206)  # not one of ours: kept
    assert sheet.colors  # the payer nobody knows is still marked
    findings = fake_sheet(book, "Findings")
    assert not any("E11 is a category" in str(cell) for row in findings for cell in row)


def test_the_button_and_the_command_are_one_run(clinic: Path, tmp_path: Path) -> None:
    """Both faces call addin.runs.run: on the same file, the same sheets come out."""
    expected = tmp_path / "cli.xlsx"
    cli("check", str(clinic), "--out", str(expected))
    direct = runs.check(clinic, out=tmp_path / "run.xlsx")
    assert direct.written is not None
    for sheet in ("Findings", "Encounters"):
        assert file_sheet(direct.written, sheet) == file_sheet(expected, sheet)


def _with_uncodable_rows(clinic: Path) -> Path:
    """The clinic plus an encounter whose DOS no loaded vintage covers, and one coded in part
    (one Dx for two phrases)."""
    wb = openpyxl.load_workbook(clinic)
    ws = wb["Encounters"]
    header = [c.value for c in ws[1]]
    v4 = [c.value for c in ws[6]]
    for key, dos, dx1 in (("V6", "2019-03-05", None), ("V7", "2026-03-11", "E11.9")):
        row = list(v4)
        row[header.index("Encounter ID")] = key
        row[header.index("Date of Service")] = dos
        row[header.index("Dx 1")] = dx1
        row[header.index("Diagnosis Text")] = "DM2; HTN" if dx1 else "HTN"
        ws.append(row)
    wb.save(clinic)
    return clinic


def test_suggest_button_matches_the_cli(clinic: Path, tmp_path: Path) -> None:
    clinic = _with_uncodable_rows(clinic)
    expected = tmp_path / "cli.xlsx"
    cli("suggest-missing", str(clinic), "--out", str(expected))
    book = FakeBook.open(clinic)
    outcome = macros.suggest_missing_codes(book=book)
    assert outcome is not None
    rows = fake_sheet(book, "Suggestions")
    assert rows == file_sheet(expected, "Suggestions")
    header = rows[0]
    code = header.index("Code")
    by_phrase = {(r[0], r[header.index("Phrase")], r[header.index("Rank")]): r for r in rows[1:]}
    filled = header.index("Filled")
    assert by_phrase[("V4", "flu shot", 1.0)][code] == "Z23"
    assert by_phrase[("V4", "flu shot", 1.0)][filled] == "filled Dx 1 (T6)"
    assert by_phrase[("V4", "HTN", 1.0)][code] == "I10"
    assert by_phrase[("V4", "HTN", 1.0)][filled] == "filled Dx 2 (U6)"
    alternative = by_phrase[("V4", "HTN", 2.0)]
    assert len(alternative) <= filled or not alternative[filled]  # no Filled: an alternative
    assert alternative[header.index("Why")]  # each suggestion says why
    assert 0 < by_phrase[("V4", "HTN", 2.0)][header.index("Score")] < 1
    # text that looks like a formula stays text (the fake turns "=..." into a Formula); its
    # best match is too weak to fill
    v5 = [r for r in rows[1:] if r[0] == "V5"]
    assert v5[0][header.index("Diagnosis Text")] == "=cmd|' /C calc'!A0"
    assert v5[0][filled].startswith("not filled: best score")
    (v6,) = [r for r in rows[1:] if r[0] == "V6"]
    assert v6[code] == "" and "no ICD-10-CM vintage covers the date of service 2019-03-05" in v6[
        filled]  # fmt: skip
    v7 = by_phrase[("V7", "HTN", 1.0)]
    assert v7[filled] == "not filled: the encounter already has Dx codes (E11.9); add by hand"
    # the Encounters sheet: the same two cells filled and marked by the button and the CLI
    encounters = fake_sheet(book, "Encounters")
    assert encounters == file_sheet(expected, "Encounters")
    dx1, dx2 = encounters[0].index("Dx 1"), encounters[0].index("Dx 2")
    assert [(r[0], r[dx1], r[dx2]) for r in encounters[5:]] == [
        ("V4", "Z23", "I10"), ("V5", "", ""), ("V6", "", ""), ("V7", "E11.9", "")]  # fmt: skip
    assert encounters[1:5] == file_sheet(clinic, "Encounters")[1:5]
    assert set(book.sheets["Encounters"].colors) == {(6, 20), (6, 21)}
    assert filled_cells(expected, "Encounters") == {(6, 20), (6, 21)}
    assert book.app.alerts == [f"Suggest codes: {outcome.message}"]
    assert "2 Dx cells filled" in outcome.message
    # a second run finds V4 coded: nothing more is filled, nothing is overwritten, and the
    # sheet is what the first run wrote (V4's rows say what was filled while the cells hold it)
    again = tmp_path / "again.xlsx"
    cli("suggest-missing", str(expected), "--out", str(again))
    assert file_sheet(again, "Encounters") == encounters
    assert file_sheet(again, "Suggestions") == file_sheet(expected, "Suggestions")
    assert filled_cells(again, "Encounters") == {(6, 20), (6, 21)}
    # once the biller changes a filled cell, the earlier fill is no longer claimed
    import openpyxl as xl

    wb = xl.load_workbook(again)
    wb["Encounters"].cell(row=6, column=20).value = "Z00.00"
    wb.save(again)
    third = tmp_path / "third.xlsx"
    cli("suggest-missing", str(again), "--out", str(third))
    assert {r[0] for r in file_sheet(third, "Suggestions")[1:]} == {"V5", "V6", "V7"}


def test_a_value_found_in_the_cell_is_never_overwritten(clinic: Path, tmp_path: Path) -> None:
    typed = CellValue("Encounters", 2, "Dx 1", "Z00.00")  # T2 holds E11.9
    empty = CellValue("Encounters", 6, "Dx 1", "Z23")
    marks = [CellMark(sheet=v.sheet, row=v.row, column=v.column, severity="info")
             for v in (typed, empty)]  # fmt: skip
    done = write_book(clinic, [], out=tmp_path / "op.xlsx", marks=marks, values=[typed, empty])
    written = done.path
    outcome = runs.Outcome(
        workbook=clinic, steps=("suggest",), tables=[], registers=[], marks=list(marks),
        values=[typed, empty], letters={"Encounters": {"Dx 1": "T"}}, summary=["done"],
    )  # fmt: skip
    book = FakeBook.open(clinic)
    ExcelBook(book).write(outcome)
    for sheet, fills in (
        (file_sheet(written, "Encounters"), filled_cells(written, "Encounters")),
        (fake_sheet(book, "Encounters"), set(book.sheets["Encounters"].colors)),
    ):
        assert sheet[1][19] == "E11.9" and sheet[5][19] == "Z23"
        assert fills == {(6, 20)}
    assert done.values.skipped == [(typed, "Encounters!T2 already holds a value")]
    assert outcome.skipped == [(typed, "Encounters!T2 already holds a value")]
    assert outcome.message == "done; 1 not written: Encounters!T2 already holds a value"


def test_claims_button_matches_the_cli(clinic: Path, tmp_path: Path) -> None:
    other = make_clinic(tmp_path / "cli")  # the same clinic, billed by the command
    x12 = tmp_path / "x12"
    cli("claims", str(other), "--x12-dir", str(x12))
    book = FakeBook.open(clinic)
    outcome = macros.build_claims(book=book)
    assert outcome is not None

    def masked(rows: list[list[Any]]) -> list[list[Any]]:  # the 837P names differ (ISA13)
        return [[v for i, v in enumerate(r) if i != 3] for r in rows]

    assert masked(fake_sheet(book, "Claims")) == masked(file_sheet(other, "Claims"))
    # the 837P goes into the folder beside the workbook, named after it, with the same claims
    (written,) = [p for p in outcome.files if p.suffix == ".837"]
    assert written.parent == clinic.parent / "clinic claims" and written.name.startswith("clinic-")
    (from_cli,) = x12.glob("*.837")
    ours, theirs = _segments(written, "CLM", "SV1", "HI"), _segments(from_cli, "CLM", "SV1", "HI")
    assert ours == theirs and any(s.startswith("CLM*V1*") for s in ours)
    assert read_837p(written).transactions()
    # the Claim Register is in the open workbook, and the workbook was saved to keep it
    register = fake_sheet(book, "Claim Register")
    assert [r[:13] for r in register] == [r[:13] for r in file_sheet(other, "Claim Register")]
    assert [r[1] for r in register[1:]] == ["V1", "V2"] and book.saved == 1
    assert "837P" in book.app.alerts[-1] and "saved" in book.app.alerts[-1]
    # V1 and V2 are billable; V3 has errors, V4 and V5 have no diagnosis yet
    assert outcome.message.startswith("2 claim(s) sent, 3 held; 837P: ")
    # the button again: nothing is sent twice, the workbook is not saved again
    again = macros.build_claims(book=book)
    assert again is not None and again.claims is not None and not again.claims.sent
    assert book.saved == 1 and len(list((clinic.parent / "clinic claims").glob("*.837"))) == 1


def _segments(path: Path, *ids: str) -> list[str]:
    text = path.read_text(encoding="ascii")
    return [s.strip() for s in text.split("~") if s.strip().split("*", 1)[0] in ids]


def test_remittance_buttons_match_the_cli(clinic: Path, era: Path, tmp_path: Path) -> None:
    other = make_clinic(tmp_path / "cli")
    cli("claims", str(other))
    cli("reconcile", str(other), str(era))
    book = FakeBook.open(clinic)
    assert macros.build_claims(book=book) is not None
    assert macros.import_remittance(str(era), book=book) is not None
    kept = sorted((clinic.parent / "clinic remittances").iterdir())
    assert [p.name for p in kept] == [era.name] and kept[0].read_bytes() == era.read_bytes()
    for sheet in RESULT_SHEETS:
        assert fake_sheet(book, sheet) == file_sheet(other, sheet), sheet
    # Reconcile again later: the posted files are read again, the sheets replaced, not added;
    # the payment is not posted twice
    assert macros.reconcile(book=book) is not None
    names = [s.name for s in book.sheets]
    assert sorted(n for n in names if n in RESULT_SHEETS) == sorted(RESULT_SHEETS)
    for sheet in RESULT_SHEETS:
        assert fake_sheet(book, sheet) == file_sheet(other, sheet), sheet
    assert macros.import_remittance(str(era), book=book) is not None
    assert [s.name for s in book.sheets] == names
    assert len(fake_sheet(book, "Remittance Register")) == 2  # header and one posting


def test_windows_dialog_when_the_vba_passes_no_files(
    clinic: Path, era: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mac = FakeBook.open(clinic)
    monkeypatch.setattr("sys.platform", "darwin")
    assert macros.import_remittance("", book=mac) is None
    assert "Import remittance button" in mac.app.alerts[-1]  # the VBA asks on a Mac
    monkeypatch.setattr("sys.platform", "win32")
    book = FakeBook.open(clinic)
    book.app.chosen = (str(era),)  # what GetOpenFilename(MultiSelect) returns
    assert macros.import_remittance("", book=book) is not None
    assert "Remittance" in [s.name for s in book.sheets]
    cancelled = FakeBook.open(clinic)
    assert macros.import_remittance("", book=cancelled) is None  # dialog cancelled
    assert cancelled.app.alerts == []


@pytest.mark.parametrize(
    ("button", "message"),
    [
        (macros.build_claims, "save the workbook to a folder on this computer first"),
        (macros.reconcile, "save the workbook to a folder on this computer first"),
    ],
)
def test_unsaved_workbook_is_a_message(button: Any, message: str, clinic: Path) -> None:
    book = FakeBook.open(clinic)
    book.fullname = "Book1"
    assert button(book=book) is None
    assert message in book.app.alerts[-1]


def test_problems_are_messages_not_tracebacks(clinic: Path, tmp_path: Path) -> None:
    book = FakeBook.open(clinic)
    assert macros.reconcile(book=book) is not None  # nothing sent, nothing posted: said so
    assert "none sent yet" in book.app.alerts[-1]
    missing = FakeBook.open(clinic)
    assert macros.import_remittance(str(tmp_path / "nope.835"), book=missing) is None
    assert "no such file" in missing.app.alerts[-1]
    empty = FakeBook(tmp_path / "empty.xlsx")
    empty.sheets.add("Sheet1")
    assert macros.check_encounters(book=empty) is None
    assert empty.app.alerts and "Traceback" not in empty.app.alerts[-1]


def test_text_cells_never_become_formulas_or_lose_zeros(tmp_path: Path) -> None:
    from addin.models import Column, ResultTable

    book = FakeBook(tmp_path / "x.xlsx")
    book.sheets.add("Encounters")
    table = ResultTable(
        sheet="Findings",
        columns=[Column(name="Code", kind="code"), Column(name="Note"),
                 Column(name="Paid", kind="money"), Column(name="On", kind="date")],
        rows=[["0001A", "=HYPERLINK(\"http://x\")", Decimal("12.50"), date(2026, 3, 4)],
              ["00123", "+1 call", Decimal("0.10"), None]],
    )  # fmt: skip
    ExcelBook(book).write(runs.Outcome(
        workbook=tmp_path / "x.xlsx", steps=(), tables=[table], registers=[], marks=None,
        values=[], letters={}, summary=["done"]))  # fmt: skip
    assert fake_sheet(book, "Findings") == [
        ["Code", "Note", "Paid", "On"],
        ["0001A", '=HYPERLINK("http://x")', 12.5, date(2026, 3, 4)],
        ["00123", "+1 call", 0.1],
    ]


def test_an_unexpected_failure_is_a_message_and_a_log_line_without_values(
    clinic: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("Garcia, Maria")

    monkeypatch.setattr("addin.runs.plan_fill", broken)
    book = FakeBook.open(clinic)
    with caplog.at_level("INFO", logger="addin.excel"):
        assert macros.suggest_missing_codes(book=book) is None
    assert book.app.alerts == [
        "Suggest codes stopped: KeyError. The Claimbook log has the details."
    ]
    assert "Suggest codes failed: KeyError at" in caplog.text and "Garcia" not in caplog.text
    assert "Suggestions" not in [s.name for s in book.sheets]  # nothing half-written


def test_suggest_missing_json_lists_the_filled_cells(clinic: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["suggest-missing", str(clinic), "--out", str(tmp_path / "o.xlsx"), "--json"]
    )  # (into a copy: the workbook itself is the default)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["filled"] == [
        {"sheet": "Encounters", "row": 6, "column": "Dx 1", "code": "Z23"},
        {"sheet": "Encounters", "row": 6, "column": "Dx 2", "code": "I10"},
    ]
    assert data["not_written"] == []
    assert data["suggestions"][0]["Filled"] == "filled Dx 1 (T6)"


def test_button_writes_values_as_text(clinic: Path) -> None:
    values = [CellValue("Encounters", 6, "Dx 1", "=1+1"), CellValue("Encounters", 6, 21, "0123")]
    outcome = runs.Outcome(
        workbook=clinic, steps=("suggest",), tables=[], registers=[], marks=[], values=values,
        letters={"Encounters": {"Dx 1": "T"}}, summary=["done"],
    )  # fmt: skip
    book = FakeBook.open(clinic)
    macros.ExcelBook(book).write(outcome)
    sheet = book.sheets["Encounters"]
    assert sheet.cells[(6, 20)] == "=1+1" and not isinstance(sheet.cells[(6, 20)], Formula)
    assert sheet.cells[(6, 21)] == "0123"  # the cell was made Text first: the zero stays
    assert outcome.skipped == []


def test_after_the_primary_buttons(clinic: Path, era: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(clinic)
    coverage = wb.create_sheet("Coverage")
    coverage.append(["Patient Last Name", "Patient First Name", "Patient DOB", "Order", "Payer",
                     "Member ID", "Relationship"])  # fmt: skip
    coverage.append(["Garcia", "Maria", "1980-05-17", "Secondary", "Medigap Plus", "MG1", "Self"])
    wb["Payers"].append(["Medigap Plus", "MGAP1", "CI"])
    wb.save(clinic)
    book = FakeBook.open(clinic)
    assert macros.build_claims(book=book) is not None
    assert macros.import_remittance(str(era), book=book) is not None
    outcome = macros.bill_secondary(book=book)
    assert outcome is not None and outcome.secondary is not None
    assert [c.claim.claim_id for c in outcome.secondary.sent] == ["V1-S"]
    register = fake_sheet(book, "Claim Register")
    assert [row[1] for row in register[1:]].count("V1-S") == 1
    assert "Secondary Claims" in [s.name for s in book.sheets]
    bank = tmp_path / "bank.csv"
    bank.write_text("Date,Description,Amount\n2026-04-02,ACH TRN*1*EFT777*1,90.00\n")
    assert macros.match_deposits(str(bank), book=book) is not None
    assert fake_sheet(book, "Deposits")[1][0] == "matched"
    assert macros.patient_statements(book=book) is not None
    assert "Statements" in [s.name for s in book.sheets]


def test_a_big_runs_message_box_stays_on_the_screen(
    clinic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A message box grows with its text until its OK button is off the screen: the first
    20 summary lines, each cut at 300 characters, and how many more."""
    real = runs.run

    def long_summary(*args: Any, **kwargs: Any) -> runs.Outcome:
        outcome = real(*args, **kwargs)
        outcome.summary += [f"line {i}: " + "x" * 5000 for i in range(40)]
        return outcome

    monkeypatch.setattr(runs, "run", long_summary)
    book = FakeBook.open(clinic)
    outcome = macros.check_encounters(book=book)
    assert outcome is not None and len(outcome.summary) > 40
    shown = book.app.alerts[-1]
    parts = shown.removeprefix("Check encounters: ").split("; ")
    assert len(parts) == 21 and all(len(part) <= 300 for part in parts)
    assert parts[-2].endswith("…")  # a long line, cut
    assert f"and {len(outcome.summary) - 20} more (see the result sheets)" in shown
    assert outcome.brief() in shown and len(outcome.message) > 200_000
