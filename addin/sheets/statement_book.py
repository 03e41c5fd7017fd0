"""Printable patient statements: a new workbook, one sheet per statement, and its PDF.

Statements are documents to mail, kept beside the clinic's workbook (``BOOK statements/``)
like the 837Ps, never written into it. Each sheet has its print area, portrait page setup
fitted to one page wide, and the practice's name and address from Settings. Text from the
workbook (names, addresses) is written as text, never as a formula. The PDF is rendered by
LibreOffice (``soffice``) when it is installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from addin.errors import OutputError
from addin.files.folders import make_folder
from addin.remit.statements import BUCKETS, Statement

MONEY = "#,##0.00;[Red]-#,##0.00"
THIN = Side(style="thin", color="999999")


def _put(ws: Worksheet, ref: str, value: Any, **style: Any) -> None:
    cell = ws[ref]
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # outside text is never a formula, whatever its first character
    if isinstance(value, Decimal):
        cell.number_format = MONEY
    elif isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    for key, val in style.items():
        setattr(cell, key, val)


def _sheet_title(index: int, statement: Statement) -> str:
    ident = statement.patient.patient_id or statement.patient.name
    clean = "".join(ch for ch in ident if ch not in "[]:*?/\\'")[:20].strip() or "Patient"
    return f"{index:03d} {clean}"[:31]


def _zip(value: str) -> str:
    """A nine-digit ZIP as a letter shows it (ZIP+4 with its hyphen)."""
    digits = value.strip()
    return f"{digits[:5]}-{digits[5:]}" if len(digits) == 9 and digits.isdigit() else digits


def _statement_sheet(ws: Worksheet, st: Statement, settings: dict[str, str], today: date) -> None:
    bold = Font(bold=True)
    city = ", ".join(x for x in (settings.get("Billing City", ""),
                                 settings.get("Billing State", "")) if x)  # fmt: skip
    _put(ws, "A1", settings.get("Billing Provider Name", ""), font=Font(bold=True, size=14))
    _put(ws, "A2", settings.get("Billing Address", ""))
    _put(ws, "A3", f"{city} {_zip(settings.get('Billing ZIP', ''))}".strip())
    if settings.get("Submitter Phone"):
        _put(ws, "A4", f"Phone {settings['Submitter Phone']}")
    _put(ws, "E1", "STATEMENT", font=Font(bold=True, size=14))
    _put(ws, "E2", "Statement date")
    _put(ws, "F2", today)
    _put(ws, "E3", "Account")
    _put(ws, "F3", st.patient.patient_id or st.patient.name)
    _put(ws, "A6", st.patient.name, font=bold)
    _put(ws, "A7", st.patient.address)
    town = ", ".join(x for x in (st.patient.city, st.patient.state) if x)
    _put(ws, "A8", f"{town} {_zip(st.patient.zip)}".strip())
    heads = ["Date of Service", "Visit", "Billed", "Insurance Paid", "Insurance Adjusted",
             "You Owe"]  # fmt: skip
    row = 10
    for col, head in enumerate(heads, start=1):
        cell = ws.cell(row=row, column=col, value=head)
        cell.font = bold
        cell.border = Border(bottom=THIN)
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
    for visit in st.visits:
        row += 1
        values: list[Any] = [visit.date_of_service, visit.encounter_id, visit.billed,
                             visit.insurance_paid, visit.insurance_adjusted,
                             "waiting for " + visit.waiting if visit.waiting
                             else visit.patient_owes]  # fmt: skip
        for col, value in enumerate(values, start=1):
            _put(ws, f"{'ABCDEF'[col - 1]}{row}", value)
    for pay in st.payments:
        row += 1
        _put(ws, f"A{row}", pay.day)
        _put(ws, f"B{row}", f"Payment {pay.method}".strip())
        _put(ws, f"F{row}", -pay.amount)
    row += 2
    label = "Credit to be refunded" if st.is_credit else "Total due"
    _put(ws, f"E{row}", label, font=bold)
    _put(ws, f"F{row}", st.balance, font=bold)
    row += 2
    for col, bucket in enumerate(BUCKETS, start=1):
        _put(ws, f"{'ABCD'[col - 1]}{row}", bucket + (" days" if bucket != "Current" else ""),
             font=bold)  # fmt: skip
        _put(ws, f"{'ABCD'[col - 1]}{row + 1}", st.aging.get(bucket, Decimal("0.00")))
    row += 3
    _put(ws, f"A{row}", "Please pay the total due, quoting your account. Thank you.")
    for letter, width in zip("ABCDEF", (15, 16, 12, 14, 18, 14), strict=True):
        ws.column_dimensions[letter].width = width
    ws.print_area = f"A1:F{row}"
    ws.page_setup.orientation = "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_LETTER
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5


def write_statements(
    path: Path, statements: Sequence[Statement], settings: dict[str, str], today: date
) -> Path:
    """A workbook of printable statements (one sheet each), written atomically."""
    wb = openpyxl.Workbook()
    first = wb.active
    for index, st in enumerate(statements, start=1):
        ws = wb.create_sheet(_sheet_title(index, st))
        _statement_sheet(ws, st, settings, today)
    if first is not None and statements:
        wb.remove(first)
    make_folder(path.parent, path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".xlsx", dir=path.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def statements_pdf(workbook: Path, folder: Path) -> Path | None:
    """The statements as one PDF in ``folder`` (each statement on its own page), or None
    when LibreOffice is not installed (``make sysdeps`` installs it)."""
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="claimbook-lo-") as profile:
        try:
            done = subprocess.run(
                [binary, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                 "--convert-to", "pdf", "--outdir", str(folder), str(workbook)],
                capture_output=True, text=True, timeout=300, check=False,
            )  # fmt: skip
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise OutputError(f"{workbook}: LibreOffice could not render the PDF ({exc})") from None
    pdf = folder / (workbook.stem + ".pdf")
    if done.returncode != 0 or not pdf.is_file():
        raise OutputError(
            f"{workbook}: LibreOffice could not render the PDF ({done.stderr.strip()[:200]})"
        )
    return pdf
