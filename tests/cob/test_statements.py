"""Patient statements: the patient's part after both payers, less what the patient paid."""

from __future__ import annotations

import shutil
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_cob_runs import ERA, TODAY, add_coverage, clinic, secondary_era, write  # noqa: E402,F401

from addin import runs  # noqa: E402


def add_payments(book: Path, rows: list[list[object]]) -> None:
    wb = openpyxl.load_workbook(book)
    sheet = wb.create_sheet("Patient Payments")
    sheet.append(["Date", "Patient", "Amount", "Method", "Reference"])
    for row in rows:
        sheet.append(row)
    wb.save(book)


def billed_and_paid(book: Path, tmp_path: Path, secondary: bool = True) -> None:
    runs.claims(book, today=TODAY)
    era = write(tmp_path / "dl" / "aetna.835", ERA)
    runs.cycle(book, runs.Inputs(remittances=[era]), today=TODAY)
    if secondary:
        paid = write(tmp_path / "dl" / "medigap.835",
                     secondary_era("V1-S", "2", "16.00", "4.00", "117.50"))  # fmt: skip
        runs.cycle(book, runs.Inputs(remittances=[paid]), today=date(2026, 4, 21))


def test_statement_is_what_both_payers_left_less_payments(clinic: Path, tmp_path: Path) -> None:  # noqa: F811
    add_payments(clinic, [["2026-04-22", "Garcia, Maria", 1.50, "card", "R1"],
                          ["2026-04-22", "Nobody, Known", 5, "cash", ""]])  # fmt: skip
    billed_and_paid(clinic, tmp_path)
    out = runs.run(clinic, None, date(2026, 5, 1), steps=("statements",))
    data = out.to_json()["statements"]
    [row] = data["statements"]
    assert row["Patient"] == "Garcia, Maria"
    assert (row["Patient Responsibility"], row["Payments"], row["Balance"]) == (
        "4.00", "1.50", "2.50")  # fmt: skip
    assert row["Statements Sent"] == 1 and row["Next Action"] == "send second statement"
    # the sheet's totals: patient responsibility posted less patient payments, to the cent
    assert data["totals"]["balance"] == f"{Decimal('4.00') - Decimal('1.50'):.2f}"
    [problem] = data["findings"]
    assert "Patient Payments!Patient row 3" in problem["message"]
    assert "unknown patient" in problem["message"] and "Nobody, Known" in problem["message"]
    document = Path(data["workbook"])
    wb = openpyxl.load_workbook(document)
    [sheet] = wb.worksheets
    assert sheet.print_area and sheet.page_setup.orientation == "portrait"
    values = [c.value for r in sheet.iter_rows() for c in r if c.value is not None]
    assert "Riverside Family Medicine" in values and "Total due" in values
    assert "Springfield, IL 62701-1234" in values  # ZIP+4 as a letter shows it
    # patient A/R beside insurance A/R: the Patients row on Aging and on the Dashboard
    tables = {t.sheet: t for t in out.tables}
    aging = {r[0]: r for r in tables["Aging"].rows}
    assert aging["Patients"][6] == Decimal("2.50")  # Total, after the 1.50 paid
    board = tables["Dashboard"]
    block = board.rows[board.charts[0].first_row : board.charts[0].last_row]
    assert ["Aging by payer", "Patients", Decimal("2.50")] == block[-1][:3]
    # the same day again counts no second statement
    again = runs.run(clinic, None, date(2026, 5, 1), steps=("statements",))
    assert again.to_json()["statements"]["statements"][0]["Statements Sent"] == 1
    later = runs.run(clinic, None, date(2026, 6, 1), steps=("statements",))
    assert later.to_json()["statements"]["statements"][0]["Statements Sent"] == 2


def test_waiting_for_the_secondary_then_a_credit(clinic: Path, tmp_path: Path) -> None:  # noqa: F811
    add_payments(clinic, [["2026-04-22", "Maria Garcia", 10, "check", "1001"]])
    billed_and_paid(clinic, tmp_path, secondary=False)
    out = runs.run(clinic, None, TODAY, steps=("statements",), write=False)
    [row] = out.to_json()["statements"]["statements"]
    # V1 waits for Medigap, so the patient owes nothing yet and the 10.00 is a credit
    assert row["Balance"] == "-10.00" and row["Next Action"] == "refund credit"
    assert out.to_json()["statements"]["totals"]["credits"] == "10.00"


@pytest.mark.libreoffice
def test_statement_pdf(clinic: Path, tmp_path: Path) -> None:  # noqa: F811
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed; `make sysdeps` installs it")
    billed_and_paid(clinic, tmp_path)
    out = runs.run(clinic, runs.Inputs(pdf_dir=tmp_path / "pdf"), date(2026, 5, 1),
                   steps=("statements",))  # fmt: skip
    pdf = Path(out.to_json()["statements"]["pdf"])
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF")
