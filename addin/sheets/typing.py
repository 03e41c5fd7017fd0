"""What a person types into a workbook: rows added to a sheet's Table, cells changed.

The demo's office (the biller adding the week's visits and fixing cells, staff working the
worklist) and the tests type into workbooks Claimbook has written, between runs, the way
someone would in Excel: through the package, so every other part stays as it was. The
product itself never changes a cell that holds a value; this is the person's side.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import python_calamine as pc

from addin.errors import OutputError
from addin.models import Column
from addin.sheets.marks import edit_cells
from addin.sheets.package import Package, root_prefix
from addin.sheets.sheetxml import cell_xml
from addin.sheets.tableedit import TableRows, edit_table, table_headers, table_ref
from addin.sheets.writer import _Editor, save_package

Kind = Literal["text", "code", "money", "date", "number"]


def _kind(value: Any) -> Kind:
    if isinstance(value, date):
        return "date"
    if isinstance(value, Decimal):
        return "money"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "number"
    return "code"


def _sheet_and_table(pkg: Package, editor: _Editor, sheet: str) -> tuple[str, str | None]:
    for name, _, rid in editor._sheets():
        if name.casefold() == sheet.casefold():
            part = editor.wb_rels[rid][1]
            for kind, target in pkg.rels(part).values():
                if kind.endswith("/table") and target in pkg:
                    return part, target
            return part, None
    raise OutputError(f"no sheet {sheet!r}")


def _plain_headers(path: Path, sheet: str) -> list[str]:
    """Row 1 of a sheet without an Excel Table, as text."""
    book = pc.CalamineWorkbook.from_path(str(path))
    try:
        rows = book.get_sheet_by_name(sheet).to_python(nrows=1)
    finally:
        book.close()
    return [str(c) for c in rows[0]] if rows else []


def type_into(
    path: Path,
    *,
    append: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    cells: Sequence[tuple[str, int, str, Any]] = (),
) -> dict[str, list[int]]:
    """Add rows (dicts by header) below each named sheet's Table, then set ``cells`` (sheet,
    Excel row, header, value; None clears it). Returns each sheet's new row numbers."""
    pkg = Package(path)
    added: dict[str, list[int]] = {}
    try:
        editor = _Editor(pkg, path)
        styles = editor._sheet_styles([])
        for sheet, rows in (append or {}).items():
            part, table = _sheet_and_table(pkg, editor, sheet)
            if table is None:
                raise OutputError(f"sheet {sheet!r} has no Excel Table to add rows to")
            headers = table_headers(pkg, table)
            _, _, _, last = table_ref(pkg, table)
            columns = [Column(name=h, kind="code") for h in headers]
            values = []
            for row in rows:
                for h, v in row.items():
                    if v is not None and h in headers:
                        columns[headers.index(h)] = Column(name=h, kind=_kind(v))
                values.append([row.get(h) for h in headers])
            edit_table(pkg, part, table, TableRows(columns, values), styles)
            added[sheet] = list(range(last + 1, last + 1 + len(rows)))
        by_sheet: dict[str, dict[tuple[int, int], tuple[Any, Column]]] = {}
        for sheet, number, header, value in cells:
            part, table = _sheet_and_table(pkg, editor, sheet)
            if table is None:
                names, first = [h.casefold() for h in _plain_headers(path, sheet)], 0
            else:
                names = [h.casefold() for h in table_headers(pkg, table)]
                first = table_ref(pkg, table)[0]
            if header.casefold() not in names:
                raise OutputError(f"sheet {sheet!r} has no column {header!r}")
            col = first + names.index(header.casefold())
            column = Column(name=header, kind=_kind(value))
            by_sheet.setdefault(part, {})[(number, col)] = (value, column)
        for part, wanted in by_sheet.items():
            p = root_prefix(pkg.text(part), "worksheet")

            def put(existing: str | None, row_style: int, ref: str, key: Any, p: str = p) -> str:
                value, column = key
                if value is None or value == "":
                    return f'<{p}c r="{ref}"/>'
                return cell_xml(ref, value, column, styles, p)

            pkg.set(part, edit_cells(pkg.text(part), wanted, put))
        pkg.set(editor.wb_part, editor.wb_xml)
        pkg.set(editor.styles_part or "", editor.styles.xml)
        save_package(pkg, path)
    finally:
        pkg.close()
    return added
