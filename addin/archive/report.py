"""``claimbook report ARCHIVE``: the archive's answers as a workbook with a chart each."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from addin.archive.queries import TITLES
from addin.files.folders import make_folder

# the column each sheet's chart draws, and the column that labels it
CHARTED = {
    "denial_rate_by_payer": ("payer", "denial_rate"),
    "denial_rate_by_reason": ("reason", "denied_lines"),
    "denial_rate_by_procedure": ("procedure_code", "denial_rate"),
    "days_to_pay_by_payer": ("payer", "average_days"),
    "underpayment_by_payer": ("payer", "short"),
    "first_pass_by_clinic": ("clinic", "first_pass_resolution_rate"),
    "ar_by_clinic": ("clinic", "total"),
}
SHEETS = {
    "denial_rate_by_payer": "Denials by Payer",
    "denial_rate_by_reason": "Denials by Reason",
    "denial_rate_by_procedure": "Denials by Procedure",
    "days_to_pay_by_payer": "Days to Pay",
    "underpayment_by_payer": "Underpayment",
    "first_pass_by_clinic": "First Pass",
    "ar_by_clinic": "AR by Clinic",
}
CHART_ROWS = 25  # a chart shows the first 25 rows (the sheet has them all)


def _cell(value: Any) -> Any:
    """A value as a cell: money stays exact to the cent, text never becomes a formula."""
    if isinstance(value, Decimal):
        return float(value)  # money cells are formatted 0.00; the JSON keeps the Decimal
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def write_report(answers: dict[str, list[dict[str, Any]]], out: Path, as_of: date) -> Path:
    """The report workbook: About, then one sheet per question with a bar chart."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font

    wb = Workbook()
    about = wb.active
    assert about is not None
    about.title = "About"
    about.append(["Claimbook archive report"])
    about["A1"].font = Font(bold=True, size=14)
    about.append([f"A/R as of {as_of.isoformat()}"])
    for name, title in TITLES.items():
        about.append([SHEETS[name], title, len(answers.get(name, []))])
    for name, rows in answers.items():
        ws = wb.create_sheet(SHEETS[name])
        columns = list(rows[0]) if rows else [CHARTED[name][0], CHARTED[name][1]]
        ws.append(columns)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([_cell(row[c]) for c in columns])
        for index, column in enumerate(columns, start=1):
            letter = ws.cell(row=1, column=index).column_letter
            ws.column_dimensions[letter].width = max(12, len(column) + 2)
            money = any(isinstance(r[column], Decimal) for r in rows)
            for cell in ws[letter][1:]:
                if money:
                    cell.number_format = "#,##0.00"
                elif "rate" in column:
                    cell.number_format = "0.0%"
        if not rows:
            continue
        label, value = CHARTED[name]
        last = min(len(rows), CHART_ROWS) + 1
        chart = BarChart()
        chart.type = "bar" if len(rows) > 8 else "col"
        chart.title = TITLES[name]
        chart.legend = None
        chart.height, chart.width = 9, 18
        data = Reference(ws, min_col=columns.index(value) + 1, min_row=1, max_row=last)
        cats = Reference(ws, min_col=columns.index(label) + 1, min_row=2, max_row=last)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(cats)
        ws.add_chart(chart, f"{ws.cell(row=1, column=len(columns) + 2).column_letter}2")
    make_folder(out.parent, out)
    temporary = out.with_name(f".{out.name}.tmp")
    wb.save(temporary)
    os.replace(temporary, out)
    return out


__all__ = ["SHEETS", "write_report"]
