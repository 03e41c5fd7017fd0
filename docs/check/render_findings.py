"""Render what `claimbook check` gives a biller: the demo workbook with a few typical
mistakes typed in, checked, and its Findings and Encounters sheets printed by LibreOffice.

Run: .venv/bin/python docs/check/render_findings.py  (needs soffice and pdftoppm)
Writes docs/check/findings.png and docs/check/encounters.png.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from addin.checkbook import check_workbook  # noqa: E402

HERE = Path(__file__).resolve().parent

# (header, value): mistakes billers make, one per kind of rule, each typed on the first row
# of a different encounter (claim-level values are read from an encounter's first row).
MISTAKES = [
    ("Dx 1", "E11"),  # a category, not billable
    ("Rendering NPI", "1234567890"),  # check digit
    ("Place of Service", "30"),  # not a POS code
    ("Patient ZIP", "2134"),  # lost its leading zero
    ("Dx Pointer", "C"),  # points at no diagnosis
    ("Dx 2", "S93.402"),  # needs a 7th character
    ("Modifier 1", "ZZ"),  # unknown modifier
    ("Payer", "Cigna PPO"),  # not on the Payers sheet
    ("Patient DOB", date(2026, 7, 1)),  # after the date of service
    ("Units", 0),  # not a positive whole number
]


LAST_ROW = 100  # the printout of Encounters stops here


def seed(path: Path) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb["Encounters"]
    headers = {str(c.value).strip(): c.column for c in ws[1] if c.value is not None}
    ids = [c.value for c in ws["A"]] + [None]
    # Rows that are a whole encounter, so a claim-level value is not contradicted by its
    # other rows (the reader would rightly flag that too).
    single = [r for r in range(2, len(ids)) if ids[r - 1] not in (ids[r - 2], ids[r])]
    for (header, value), row in zip(MISTAKES, single, strict=False):
        assert row <= LAST_ROW, "not enough one-row encounters near the top to show"
        cell = ws.cell(row=row, column=headers[header])
        cell.value = value
        if isinstance(value, str):
            cell.number_format = "@"
    wb.save(path)


def render(xlsx: Path, sheet: str, png: Path, work: Path) -> None:
    """Print one sheet: a copy holding only that sheet, to PDF, first page to PNG."""
    wb = openpyxl.load_workbook(xlsx)
    for name in wb.sheetnames:
        if name != sheet:
            del wb[name]
    only = wb[sheet]
    if sheet == "Findings":  # wrap the long columns so the printout shows whole messages
        for letter, width in (("B", 15), ("C", 14), ("E", 24), ("F", 60), ("G", 12), ("H", 42)):
            only.column_dimensions[letter].width = width
        for row in only.iter_rows():
            lines = 1
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                width = only.column_dimensions[cell.column_letter].width or 10
                lines = max(lines, -(-len(str(cell.value or "")) // int(width * 1.1)))
            only.row_dimensions[row[0].row].height = 13 * lines + 2
    if sheet == "Encounters":  # the columns the mistakes are in, down to the last one
        keep = {"Encounter ID", "Patient Last Name", "Patient DOB", "Patient ZIP", "Payer",
                "Rendering NPI", "Place of Service", "Date of Service", "Dx 1", "Dx 2",
                "Procedure Code", "Modifier 1", "Units", "Charge", "Dx Pointer"}  # fmt: skip
        for cell in only[1]:
            if cell.value not in keep:
                only.column_dimensions[cell.column_letter].hidden = True
        only.print_area = f"A1:AU{LAST_ROW}"
    only.page_setup.orientation = "landscape"
    only.page_setup.fitToWidth = 1
    only.page_setup.fitToHeight = 0
    only.sheet_properties.pageSetUpPr.fitToPage = True
    single = work / f"{sheet}.xlsx"
    wb.save(single)
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{work}/lo", "--convert-to",
         "pdf", "--outdir", str(work), str(single)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    subprocess.run(
        ["pdftoppm", "-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile",
         str(work / f"{sheet}.pdf"), str(png.with_suffix(""))],
        check=True, timeout=120,
    )  # fmt: skip


def main() -> None:
    if not (shutil.which("soffice") and shutil.which("pdftoppm")):
        sys.exit("needs LibreOffice (soffice) and pdftoppm (poppler-utils)")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        book = work / "demo.xlsx"
        shutil.copy(ROOT / "workbooks" / "claimbook_demo.xlsx", book)
        seed(book)
        result = check_workbook(book, out=work / "checked.xlsx", today=date(2026, 6, 1))
        print(result.to_json()["summary"])
        assert result.written is not None
        render(result.written, "Findings", HERE / "findings.png", work)
        render(result.written, "Encounters", HERE / "encounters.png", work)


if __name__ == "__main__":
    main()
