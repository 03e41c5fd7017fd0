"""The one adapter over an open xlwings Book: snapshot its values, write result sheets back.

Everything else the buttons do runs on a snapshot file through addin.runs,
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

from addin.errors import InputError, OutputError
from addin.models import RegisterEdit, ResultTable
from addin.runs import Outcome
from addin.sheets import CellValue
from addin.sheets.sheetxml import MONEY_FORMAT, col_letter

# Claimbook's sheets: registers and result sheets, each with Claimbook's own Excel Table
OWN_NAMES = (
    "Claim Register", "Remittance Register", "Acknowledgments", "Findings", "Suggestions",
    "Claims", "Remittance", "Reconciliation", "Denials", "Aging", "Dashboard",
)  # fmt: skip

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

    def own_sheets(self) -> list[str]:
        """The sheets that are Claimbook's: its Excel Table (named cb...) is on them."""
        found = []
        for sheet in self.book.sheets:
            tables = getattr(sheet, "tables", None)
            names = [str(getattr(t, "name", "")) for t in tables] if tables is not None else []
            if any(n.casefold().startswith("cb") for n in names):
                found.append(str(sheet.name))
        return found

    def _foreign(self, sheet: Any) -> str | None:
        """What a sheet holds that Claimbook did not write (None: it is Claimbook's or empty)."""
        if str(sheet.name) in self.own_sheets():
            return None
        for kind, label in (("charts", "a chart"), ("pictures", "a picture"),
                            ("shapes", "a shape or object")):  # fmt: skip
            items = getattr(sheet, kind, None)
            if items is not None and len(items):
                return label
        values = sheet.used_range.options(ndim=2).value or []
        cells = [v for row in values for v in row if v not in (None, "")]
        if len(cells) == 1 and str(cells[0]).startswith("Claimbook writes the "):
            return None
        return f"{len(cells)} cell(s) of data" if cells else None

    def _chart_sheets(self) -> list[str]:
        try:
            charts = self.book.api.Charts
            return [str(charts(i + 1).Name) for i in range(int(charts.Count))]
        except Exception:  # not on this platform, or a stand-in book
            return []

    def guard(self, names: list[str]) -> None:
        """Stop before anything is written when a sheet of one of these names is the user's."""
        charts = {n.casefold() for n in self._chart_sheets()}
        existing = {str(s.name).casefold(): s for s in self.book.sheets}
        for name in names:
            why = "a chart sheet" if name.casefold() in charts else None
            sheet = existing.get(name.casefold())
            if why is None and sheet is not None:
                why = self._foreign(sheet)
            if why:
                raise OutputError(
                    f"sheet {name!r} holds {why}, which Claimbook did not write; Claimbook "
                    f"writes its own {name} sheet, so rename yours (e.g. '{name} (mine)') and "
                    "run again; nothing was written"
                )

    def save(self) -> None:
        """Save the open workbook (after claims were sent: the register must be kept)."""
        self.book.save()

    def write(self, outcome: Outcome) -> None:
        """Append register rows, replace each result sheet, fill the marked cells.

        The fills of the previous check (the cells its Findings sheet lists) are cleared
        first when they still have our colours, so a fixed cell does not stay red.
        """
        self.guard([t.sheet for t in outcome.tables] + [r.sheet for r in outcome.registers])
        stale = self.previous_marks() if any(t.sheet == "Findings" for t in outcome.tables) else []
        for register in outcome.registers:
            self.write_register(register)
        for table in outcome.tables:
            self.write_table(table)
        self.write_values(outcome)
        fresh: set[tuple[str, str]] = set()
        for mark in outcome.marks or []:
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
        if skipped:
            outcome.skipped = skipped
            gone = {(v.sheet, v.row, v.column) for v, _ in skipped}
            outcome.marks = [
                m for m in outcome.marks or [] if (m.sheet, m.row, m.column) not in gone
            ]
            outcome.summary.append(
                f"{len(skipped)} not written: " + "; ".join(why for _, why in skipped)
            )

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

    def _own_table(self, sheet: Any, name: str, rows: int, width: int) -> None:
        """Claimbook's Excel Table over the sheet's rows (how the next run knows the sheet
        is Claimbook's): made when missing, stretched when rows were added."""
        tables = getattr(sheet, "tables", None)
        if tables is None:
            return
        area = sheet.range((1, 1), (max(rows, 2), max(width, 1)))
        try:
            for table in tables:
                if str(table.name).casefold().startswith("cb"):
                    table.resize(area)
                    return
            tables.add(source=area, name="cb" + re.sub(r"[^0-9A-Za-z_]", "", name),
                       table_style_name="TableStyleMedium2")  # fmt: skip
        except Exception:  # an Excel without Tables on this platform: the sheet still works
            return

    def write_register(self, register: RegisterEdit) -> None:
        """Append the register's rows below it and update its own cells; create it when
        it is not there. Nothing else on the sheet changes."""
        names = [str(s.name) for s in self.book.sheets]
        existing = next((n for n in names if n.casefold() == register.sheet.casefold()), None)
        if existing is None:
            self.write_table(
                ResultTable(sheet=register.sheet, columns=register.columns, rows=register.append)
            )
            return
        sheet = self.book.sheets[existing]
        rows = sheet.used_range.options(ndim=2).value or [[]]
        header = list(rows[0]) if int(sheet.used_range.row) == 1 else []
        position = {" ".join(str(h or "").split()).casefold(): i for i, h in enumerate(header)}
        for column in register.columns:
            key = " ".join(column.name.split()).casefold()
            if key not in position:
                position[key] = len(position)
                sheet.range((1, position[key] + 1)).value = column.name
        used = sheet.used_range
        last = int(used.row) + len(used.options(ndim=2).value or [[]]) - 1
        kinds = {" ".join(c.name.split()).casefold(): c.kind for c in register.columns}
        for offset, values in enumerate(register.append, start=1):
            for column, value in zip(register.columns, values, strict=False):
                key = " ".join(column.name.split()).casefold()
                self._put(sheet, last + offset, position[key], value, column.kind)
        for update in register.updates:
            key = " ".join(update.column.split()).casefold()
            if key in position:
                self._put(sheet, update.row, position[key], update.value, kinds.get(key, "text"))
        self._own_table(sheet, register.sheet, last + len(register.append), len(position))

    def _put(self, sheet: Any, row: int, col: int, value: Any, kind: str) -> None:
        cell = sheet.range(f"{col_letter(col)}{row}")
        fmt = NUMBER_FORMATS.get(kind)
        if fmt is not None:
            cell.number_format = fmt
        cell.value = cell_value(value, kind)

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
        self._own_table(sheet, table.sheet, len(table.rows) + 1, width)
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
