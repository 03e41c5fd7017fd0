"""`claimbook check` on a real workbook: JSON rows/columns as written, Findings sheet, fills."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from scrub_helpers import BILLING, RENDERING
from typer.testing import CliRunner

import addin
from addin.cli import app

ENCOUNTER_HEADERS = [
    "Visit ID", "Last Name", "First Name", "DOB", "Sex", "Address", "City", "State", "ZIP",
    "Payer", "Member ID", "Relationship", "Rendering NPI", "POS", "DOS", "DX1", "Dx 2",
    "CPT", "Mod 1", "Mod 2", "Units", "Charge", "Dx Pointer", "NDC",
]  # fmt: skip

BASE = {
    "Visit ID": "V1", "Last Name": "Rivera", "First Name": "Ana", "DOB": date(1980, 5, 17),
    "Sex": "F", "Address": "12 Elm St", "City": "Albany", "State": "NY", "ZIP": "12207",
    "Payer": "Aetna", "Member ID": "W1", "Relationship": "Self", "Rendering NPI": RENDERING,
    "POS": "11", "DOS": date(2026, 3, 2), "DX1": "I10", "CPT": "99213", "Units": 1,
    "Charge": 100, "Dx Pointer": "A",
}  # fmt: skip

ROWS = [
    {},  # row 2: clean
    {"Visit ID": "V2", "DX1": "E11", "Rendering NPI": "1234567890"},  # row 3
    {"Visit ID": "V3", "CPT": "99214", "Mod 1": "25", "DX1": "M17.11"},  # row 4: E/M + procedure
    {"Visit ID": "V3", "CPT": "20610", "Mod 1": "LT", "DX1": "M17.11"},  # row 5
    {"Visit ID": "V4", "Payer": "Cigna", "POS": "30", "Dx Pointer": "C"},  # row 6
    {"Visit ID": "V5", "Sex": "M", "DX1": "O80", "Mod 1": "95", "POS": "10",
     "Payer": "Medicare"},  # row 7
]  # fmt: skip


def build(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Encounters"
    ws.append(ENCOUNTER_HEADERS)
    for extra in ROWS:
        values = {**BASE, **extra}
        ws.append([values.get(h) for h in ENCOUNTER_HEADERS])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.number_format = "@"
    settings = wb.create_sheet("Settings")
    for key, value in (
        ("Billing Provider Name", "Elm Street Family Practice"),
        ("Billing NPI", BILLING),
        ("Tax ID", "123456789"),
        ("Taxonomy Code", "207Q00000X"),
        ("Billing Address", "100 Elm St"),
        ("Billing City", "Albany"),
        ("Billing State", "NY"),
        ("Billing ZIP", "122071234"),
    ):
        settings.append([key, value])
    payers = wb.create_sheet("Payers")
    payers.append(["Payer", "Payer ID", "Claim Filing Indicator"])
    payers.append(["Aetna", "60054", "CI"])
    payers.append(["Medicare", "13282", "MB"])
    rules = wb.create_sheet("Rules")
    rules.append(["Rule ID", "Payer", "Procedure Codes", "Place of Service", "Requirement",
                  "Requirement Value", "Severity", "Message", "Active"])  # fmt: skip
    rules.append(["MCR-TELE", "Medicare", "99202-99215", "02, 10", "require_modifier", "GT",
                  "warning", "this MAC wants GT on telehealth", "Yes"])  # fmt: skip
    rules.append(["BROKEN", "", "99215-99202", "", "require_modifier", "", "", "", ""])
    wb.save(path)
    return path


def test_check_json_names_rows_and_columns_as_written(tmp_path: Path) -> None:
    book = build(tmp_path / "clinic.xlsx")
    before = book.read_bytes()
    result = CliRunner().invoke(
        app, ["check", str(book), "--json", "--dry-run", "--today", "2026-06-01"]
    )
    assert result.exit_code == 1, result.output  # errors present
    data = json.loads(result.stdout)
    found = {(f["rule"], f["sheet"], f["row"], f["column"]) for f in data["findings"]}
    expected = {
        ("ICD-BILLABLE", "Encounters", 3, "DX1"),
        ("NPI-CHECKDIGIT", "Encounters", 3, "Rendering NPI"),
        ("MOD-LATERALITY", "Encounters", 5, "Mod 1"),
        ("PAYER-UNKNOWN", "Encounters", 6, "Payer"),
        ("POS-UNKNOWN", "Encounters", 6, "POS"),
        ("DXPTR-INVALID", "Encounters", 6, "Dx Pointer"),
        ("ICD-SEX", "Encounters", 7, "DX1"),
        ("PAYER-RULE:MCR-TELE", "Encounters", 7, "Mod 1"),
        ("RULES-SHEET", "Rules", 3, "Procedure Codes"),
    }
    assert expected <= found
    assert not [f for f in data["findings"] if f["row"] == 2]
    assert data["summary"]["rows"] == 6
    assert data["summary"]["errors"] == sum(f["severity"] == "error" for f in data["findings"])
    assert book.read_bytes() == before and data["written"] is None  # a dry run writes nothing


def test_check_writes_findings_sheet_and_marks(tmp_path: Path) -> None:
    book = build(tmp_path / "clinic.xlsx")
    out = tmp_path / "checked.xlsx"
    result = CliRunner().invoke(app, ["check", str(book), "--out", str(out), "--today",
                                      "2026-06-01"])  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "wrote" in result.stdout
    wb = openpyxl.load_workbook(out)
    sheet = wb["Findings"]
    rows = list(sheet.iter_rows(values_only=True))
    header_row = next(i for i, r in enumerate(rows) if r and r[0] == "Sheet")
    assert list(rows[header_row]) == [
        "Sheet", "Cell", "Column", "Severity", "Rule", "Message", "Value", "Fix",
    ]  # fmt: skip
    body = [r for r in rows[header_row + 1 :] if r and r[0]]
    cells = {(r[1], r[4]) for r in body}
    # DX1 is column P of the Encounters table above; the link names that cell.
    assert ("'Encounters'!P3", "ICD-BILLABLE") in cells
    assert ("'Encounters'!N6", "POS-UNKNOWN") in cells
    encounters = wb["Encounters"]
    assert encounters["P3"].fill.fgColor.rgb.endswith("FFC7CE")  # error fill
    assert encounters["A2"].fill.fgColor.rgb in (None, "00000000")  # untouched
    # A second run replaces the Findings sheet rather than adding another.
    again = CliRunner().invoke(app, ["check", str(out), "--in-place", "--today", "2026-06-01"])
    assert again.exit_code == 1, again.output
    assert openpyxl.load_workbook(out).sheetnames.count("Findings") == 1


def test_library_check_reads_a_path(tmp_path: Path) -> None:
    findings = addin.check(build(tmp_path / "clinic.xlsx"), today=date(2026, 6, 1))
    assert any(f.rule == "ICD-BILLABLE" and f.row == 3 for f in findings)


@pytest.mark.libreoffice
def test_findings_sheet_renders_in_libreoffice(tmp_path: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed; `make sysdeps` installs it")
    out = tmp_path / "checked.xlsx"
    book = build(tmp_path / "clinic.xlsx")
    CliRunner().invoke(app, ["check", str(book), "--out", str(out), "--today", "2026-06-01"])
    subprocess.run(
        [soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to",
         "pdf", "--outdir", str(tmp_path), str(out)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    pdf = tmp_path / "checked.pdf"
    assert pdf.stat().st_size > 1000
    text = (
        subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=False
        ).stdout
        if shutil.which("pdftotext")
        else ""
    )
    if text:
        assert "ICD-BILLABLE" in text


def test_a_zip_that_lost_its_zero_is_one_finding_not_two(tmp_path: Path) -> None:
    path = build(tmp_path / "clinic.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["Encounters"]
    zip_cell = ws.cell(row=2, column=ENCOUNTER_HEADERS.index("ZIP") + 1)
    zip_cell.value = 2134  # typed as a number: Excel shows 2134 for 02134
    zip_cell.number_format = "General"
    wb.save(path)
    on_cell = [
        f.rule for f in addin.check(path) if (f.sheet, f.row, f.column) == ("Encounters", 2, "ZIP")
    ]
    assert on_cell == ["ZIP-LEADING-ZERO"]


def test_settings_findings_point_at_the_row_of_their_key(tmp_path: Path) -> None:
    path = build(tmp_path / "clinic.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["Settings"]
    tax_row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Tax ID")
    ws.cell(tax_row, 2).value = "12-34567"
    wb.save(path)
    tax = [f for f in addin.check(path) if f.rule == "TAXID-FORMAT"]
    assert [(f.sheet, f.row, f.column) for f in tax] == [("Settings", tax_row, "Tax ID")]
    assert tax[0].message.startswith(f"Settings row {tax_row} (Tax ID): ")
