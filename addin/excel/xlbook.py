"""The one adapter over an open xlwings Book: snapshot its values, write result sheets back.

Everything else the buttons do runs on files through addin.sheets (addin.excel.operations),
so this is the only code that needs Excel; tests drive it with a stand-in Book object that
has the same few attributes.
"""

from __future__ import annotations

import re
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from addin.errors import InputError
from addin.excel.operations import Outcome, note_skipped
from addin.models import ResultTable
from addin.sheets import CellValue
from addin.sheets.sheetxml import MONEY_FORMAT, col_letter

SEVERITY_RGB = {"error": (255, 199, 206), "warning": (255, 235, 156), "info": (221, 235, 247)}
HEADER_RGB = (31, 78, 120)
NUMBER_FORMATS = {
    "money": MONEY_FORMAT.replace('\\"', '"'),
    "date": "yyyy-mm-dd",
    "int": "0",
    "percent": "0.0%",
    "code": "@",
    "text": "@",
    "link": "@",
}
# A text cell starting with one of these would become a formula (or be read as one); a
# leading apostrophe would be taken as Excel's text prefix and vanish.
_FORMULA_START = ("=", "+", "-", "@", "'")
# A Findings cell address: 'Encounters'!F12 (a whole row, 12:12, is not a mark)
_CELL = re.compile(r"^'((?:[^']|'')+)'!([A-Z]{1,3}[0-9]+)$")
# text Excel would read as a number or date when typed into a General cell
_LOOKS_NUMERIC = re.compile(r"^\s*[-+.\d]")


def cell_value(value: Any, kind: str) -> Any:
    """A library value as Excel should hold it: money as a number, text never a formula."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date | bool | int | float):
        return value
    text = str(value)
    if text.startswith(_FORMULA_START) and kind not in ("money", "int", "number", "percent"):
        return "'" + text  # Excel keeps the apostrophe as a prefix, not in the value
    return text


class ExcelBook:
    """The caller's workbook as the buttons see it."""

    def __init__(self, book: Any) -> None:
        self.book = book

    @classmethod
    def caller(cls) -> ExcelBook:
        """The workbook whose button or ribbon ran the macro (Windows and macOS)."""
        import xlwings as xw

        return cls(xw.Book.caller())

    @property
    def path(self) -> Path:
        """Where the workbook is saved (an unsaved workbook cannot have 837P/remittance files)."""
        return Path(str(self.book.fullname))

    def grids(self) -> dict[str, list[list[Any]]]:
        """Every sheet's used range as a 2-D list of values, from cell A1."""
        found: dict[str, list[list[Any]]] = {}
        for sheet in self.book.sheets:
            used = sheet.used_range
            values = used.options(ndim=2).value or []
            # the used range may start below or right of A1: pad so rows and columns line up
            top, left = int(used.row) - 1, int(used.column) - 1
            rows = [[None] * (left + len(values[0] if values else []))] * top
            found[str(sheet.name)] = rows + [[None] * left + list(r) for r in values]
        return found

    def snapshot(self, folder: Path) -> Path:
        """The open workbook's values as an .xlsx in ``folder`` (same name, so files that
        the operations name after the workbook, like the 837P, keep its name)."""
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell

        target = folder / f"{self.path.stem}.xlsx"
        out = Workbook(write_only=True)
        for name, rows in self.grids().items():
            sheet = out.create_sheet(title=name)
            for row in rows:
                cells: list[Any] = []
                for value in row:
                    cell = WriteOnlyCell(sheet, value=value)
                    if isinstance(value, str):
                        cell.data_type = "s"  # text stays text, even "=..."
                    cells.append(cell)
                sheet.append(cells)
        out.save(target)
        return target

    def write(self, outcome: Outcome) -> None:
        """Replace each result sheet and fill the marked cells; nothing else changes.

        The fills of the previous check (the cells its Findings sheet lists) are cleared
        first when they still have our colours, so a fixed cell does not stay red.
        """
        stale = self.previous_marks() if any(t.sheet == "Findings" for t in outcome.tables) else []
        for table in outcome.tables:
            self.write_table(table)
        self.write_values(outcome)
        fresh: set[tuple[str, str]] = set()
        for mark in outcome.marks:
            letters = outcome.letters.get(mark.sheet, {})
            column = mark.column
            letter = col_letter(column - 1) if isinstance(column, int) else letters.get(column)
            if letter is None:
                continue
            fresh.add((mark.sheet, f"{letter}{mark.row}"))
            sheet = self.book.sheets[mark.sheet]
            sheet.range(f"{letter}{mark.row}").color = SEVERITY_RGB[mark.severity]
        ours = {tuple(c) for c in SEVERITY_RGB.values()}
        for name, address in stale:
            if (name, address) in fresh or name not in self.sheet_names():
                continue
            cell = self.book.sheets[name].range(address)
            if cell.color is not None and tuple(cell.color) in ours:
                cell.color = None

    def write_values(self, outcome: Outcome) -> None:
        """Put each CellValue into its cell when the cell is empty; a cell holding anything
        is left alone, its mark dropped and the summary says so (as addin.sheets does)."""
        skipped: list[tuple[CellValue, str]] = []
        names = self.sheet_names()
        for value in outcome.values:
            letters = outcome.letters.get(value.sheet, {})
            column = value.column
            letter = col_letter(column - 1) if isinstance(column, int) else letters.get(column)
            if letter is None or value.sheet not in names:
                skipped.append((value, f"sheet {value.sheet!r} has no column {column!r}"))
                continue
            cell = self.book.sheets[value.sheet].range(f"{letter}{value.row}")
            current = cell.options(ndim=2).value
            if current and current[0] and current[0][0] not in (None, ""):
                skipped.append((value, f"{value.sheet}!{letter}{value.row} already holds a value"))
                continue
            if _LOOKS_NUMERIC.match(value.text):
                cell.number_format = "@"  # else Excel would turn "0123" or "3-4" into a number
            cell.value = cell_value(value.text, "code")
        note_skipped(outcome, skipped)

    def sheet_names(self) -> list[str]:
        return [str(s.name) for s in self.book.sheets]

    def previous_marks(self) -> list[tuple[str, str]]:
        """(sheet, A1 address) of each cell the current Findings sheet points at."""
        if "Findings" not in self.sheet_names():
            return []
        rows = self.book.sheets["Findings"].used_range.options(ndim=2).value or []
        if not rows or "Cell" not in rows[0]:
            return []
        index = rows[0].index("Cell")
        found = []
        for row in rows[1:]:
            match = _CELL.match(str(row[index] or "")) if index < len(row) else None
            if match:
                found.append((match.group(1).replace("''", "'"), match.group(2)))
        return found

    def write_table(self, table: ResultTable) -> None:
        names = [str(s.name) for s in self.book.sheets]
        existing = next((n for n in names if n.casefold() == table.sheet.casefold()), None)
        if existing is None:
            sheet = self.book.sheets.add(table.sheet, after=self.book.sheets[len(names) - 1])
        else:
            sheet = self.book.sheets[existing]
            sheet.clear()
        width = len(table.columns)
        for index, column in enumerate(table.columns):
            letter = col_letter(index)
            fmt = NUMBER_FORMATS.get(column.kind)
            if fmt is not None and table.rows:
                # before the values go in, so codes keep leading zeros
                sheet.range(f"{letter}2:{letter}{len(table.rows) + 1}").number_format = fmt
        header = sheet.range((1, 1), (1, width))
        header.value = [c.name for c in table.columns]
        header.color = HEADER_RGB
        header.font.bold = True
        header.font.color = (255, 255, 255)
        if table.rows:
            kinds = [c.kind for c in table.columns]
            values = [[cell_value(v, kinds[i]) for i, v in enumerate(row)] for row in table.rows]
            sheet.range((2, 1)).value = values
        sheet.autofit()

    def alert(self, text: str, title: str = "Claimbook") -> None:
        """Tell the user what happened (a message box on Windows and macOS)."""
        self.book.app.alert(text, title=title)

    def pick_files(self) -> list[Path]:
        """Ask for remittance files with Excel's Open dialog through COM (Windows only; on
        macOS the button's VBA asks and passes the files)."""
        if sys.platform != "win32":
            raise InputError(
                "choose the remittance files with the Import remittance button or ribbon "
                "(its VBA opens Excel's Open dialog)"
            )
        chosen = self.book.app.api.GetOpenFilename(
            "Remittances (*.835;*.txt;*.edi;*.csv;*.xlsx),*.835;*.txt;*.edi;*.csv;*.xlsx",
            1,
            "Import remittance files",
            None,
            True,
        )
        if not chosen or chosen is False:
            return []
        items = chosen if isinstance(chosen, list | tuple) else [chosen]
        return [Path(str(p)) for p in items]
