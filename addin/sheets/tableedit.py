"""Rows appended to a sheet's Excel Table and cells updated in it: nothing else in the part moves.

Registers are never rebuilt: a run appends its new rows below the Table and changes only the
cells it owns in earlier rows (a claim's status, say). Every other cell, row, style and
column the user added keeps its bytes. The Table's ``ref`` (and its autoFilter) and the
sheet's ``<dimension>`` grow with the rows; a register's own columns missing from an older
sheet are added at the right of the Table.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from addin.errors import OutputError
from addin.models import Column
from addin.sheets.marks import CellEdit
from addin.sheets.package import Package, root_prefix
from addin.sheets.rowstream import edit_part
from addin.sheets.sheetxml import SheetStyles, cell_xml, col_index, col_letter, xml_attr

_REF = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?")


@dataclass
class TableRows:
    """Rows for a Table: appended below it, and (Excel row, column name) -> new value."""

    columns: Sequence[Column]
    append: list[list[Any]] = field(default_factory=list)
    updates: dict[tuple[int, str], Any] = field(default_factory=dict)


def table_ref(pkg: Package, table_part: str) -> tuple[int, int, int, int]:
    """(first col, header row, last col, last row) of the Table, 0-based columns."""
    head = pkg.read(table_part)[:4096].decode("utf-8", "replace")
    found = re.search(r'<(?:\w+:)?table\b[^>]*?\sref="([^"]*)"', head)
    match = _REF.fullmatch(found.group(1)) if found else None
    if match is None or match.group(3) is None:
        raise OutputError(f"{table_part}: the Table has no range; the workbook looks damaged")
    return (
        col_index(match.group(1)),
        int(match.group(2)),
        col_index(match.group(3)),
        int(match.group(4)),
    )


def table_headers(pkg: Package, table_part: str) -> list[str]:
    """The Table's column names, in order."""
    xml = pkg.text(table_part)
    return [
        _unescape(name)
        for name in re.findall(r'<(?:\w+:)?tableColumn\b[^>]*?\sname="([^"]*)"', xml)
    ]


def _unescape(text: str) -> str:
    return (
        text.replace("&quot;", '"')
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#10;", "\n")
        .replace("&amp;", "&")
    )


def edit_table(
    pkg: Package, sheet_part: str, table_part: str, rows: TableRows, styles: SheetStyles
) -> int:
    """Append ``rows.append`` below the Table and apply ``rows.updates``; returns how many
    cells changed. Columns are matched by name (case- and space-insensitively), so the user
    may reorder them or add their own; a register column the sheet lacks is added."""
    first, header_row, last, last_row = table_ref(pkg, table_part)
    names = table_headers(pkg, table_part)
    position = {" ".join(n.split()).casefold(): first + i for i, n in enumerate(names)}
    cells: dict[tuple[int, int], tuple[Any, Column]] = {}
    added: list[str] = []
    for column in rows.columns:
        key = " ".join(column.name.split()).casefold()
        if key not in position:
            last += 1
            position[key] = last
            added.append(column.name)
            cells[(header_row, last)] = (column.name, Column(name=column.name, kind="text"))
    by_name = {" ".join(c.name.split()).casefold(): c for c in rows.columns}
    sheet: str | None = None  # read once: a register's part is tens of MB at 100,000 lines
    if rows.append and last_row == header_row + 1:
        sheet = pkg.text(sheet_part)
    if sheet is not None and _blank_row(sheet, last_row):
        last_row = header_row  # a new Table's one empty row: fill it rather than skip it
    new_last = last_row
    for offset, values in enumerate(rows.append, start=1):
        row = last_row + offset
        new_last = row
        for column, value in zip(rows.columns, values, strict=False):
            if value is None or value == "":
                continue
            cells[(row, position[" ".join(column.name.split()).casefold()])] = (value, column)
    for (row, name), value in rows.updates.items():
        key = " ".join(name.split()).casefold()
        if key not in position or key not in by_name:
            continue
        if not header_row < row <= last_row:
            raise OutputError(
                f"{sheet_part}: row {row} is outside the Table (rows {header_row + 1}-"
                f"{last_row}); the sheet changed while Claimbook worked - run again"
            )
        cells[(row, position[key])] = (value, by_name[key])
    if not cells:
        return 0
    last_ref = f"{col_letter(first)}{header_row}:{col_letter(last)}{max(new_last, header_row + 1)}"
    prefix: list[str] = []

    def make(xml: str) -> CellEdit:
        p = root_prefix(xml, "worksheet")
        prefix[:] = [p]

        def put(existing: str | None, row_style: int, ref: str, key: tuple[Any, Column]) -> str:
            value, column = key
            if value is None or value == "":
                if existing is None:
                    return ""
                head = existing[: existing.find(">") + 1]
                style = re.search(r'\ss="(\d+)"', head)
                s = f' s="{style.group(1)}"' if style else ""
                return f'<{p}c r="{ref}"{s}/>'
            return cell_xml(ref, value, column, styles, p)

        return put

    # streamed from the part's compressed bytes: the rows appended go at its end, and the
    # register (tens of MB at 100,000 lines) is not held as text
    edit_part(pkg, sheet_part, cells, make, head=lambda head: _set_dimension(
        head, prefix[0], last_ref), text=sheet)  # fmt: skip
    table = pkg.text(table_part)
    table = re.sub(r'(<(?:\w+:)?table\b[^>]*?\sref=")[^"]*(")', rf"\g<1>{last_ref}\g<2>", table,
                   count=1)  # fmt: skip
    table = re.sub(r'(<(?:\w+:)?autoFilter\b[^>]*?\sref=")[^"]*(")', rf"\g<1>{last_ref}\g<2>",
                   table, count=1)  # fmt: skip
    if added:
        table = _add_table_columns(table, added)
    pkg.set(table_part, table)
    return len(cells)


def _set_dimension(xml: str, p: str, ref: str) -> str:
    found = re.search(rf'<{re.escape(p)}dimension\b[^>]*?\sref="([^"]*)"', xml)
    if found is None:
        return xml
    old = _REF.fullmatch(found.group(1))
    new = _REF.fullmatch(ref)
    if old is None or new is None or old.group(3) is None or new.group(3) is None:
        return xml
    left = min(col_index(old.group(1)), col_index(new.group(1)))
    top = min(int(old.group(2)), int(new.group(2)))
    right = max(col_index(old.group(3)), col_index(new.group(3)))
    bottom = max(int(old.group(4)), int(new.group(4)))
    merged = f"{col_letter(left)}{top}:{col_letter(right)}{bottom}"
    return xml[: found.start(1)] + merged + xml[found.end(1) :]


def _add_table_columns(table: str, names: list[str]) -> str:
    count = re.search(r'<(?:\w+:)?tableColumns\b[^>]*?\scount="(\d+)"', table)
    ids = [int(i) for i in re.findall(r'<(?:\w+:)?tableColumn\b[^>]*?\sid="(\d+)"', table)]
    close = re.search(r"</((?:\w+:)?)tableColumns>", table)
    if count is None or close is None:
        raise OutputError("a Claimbook Table has no column list; the workbook looks damaged")
    prefix = close.group(1)
    top = max(ids, default=0)
    new = "".join(
        f'<{prefix}tableColumn id="{top + i}" name="{xml_attr(name)}"/>'
        for i, name in enumerate(names, start=1)
    )
    table = table[: close.start()] + new + table[close.start() :]
    total = int(count.group(1)) + len(names)
    return table[: count.start(1)] + str(total) + table[count.end(1) :]


def _blank_row(xml: str, number: int) -> bool:
    """Whether row ``number`` of a sheet part holds no value (or is not there at all)."""
    from addin.sheets.cellvalues import holds_value

    found = re.search(rf'<(?:\w+:)?row\b[^>]*\sr="{number}"[^>]*?(/>|>(.*?)</(?:\w+:)?row>)', xml,
                      re.S)  # fmt: skip
    if found is None or found.group(1) == "/>":
        return True
    cells = re.findall(r"<(?:\w+:)?c\b[^>]*?/>|<(?:\w+:)?c\b[^>]*?>.*?</(?:\w+:)?c>",
                       found.group(2) or "", re.S)  # fmt: skip
    return not any(holds_value(cell) for cell in cells)
