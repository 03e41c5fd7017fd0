"""A stand-in for an open xlwings Book: the few attributes ExcelBook uses, behaving like Excel.

Like Excel, a text value written into a cell that is not formatted as Text turns into a
number when it looks like one (so a code's leading zeros would be lost), a value starting
with "=" becomes a formula, and a leading apostrophe is a prefix that is not part of the
value. That is what lets the tests catch the adapter writing cells the wrong way.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import python_calamine as pc

_A1 = re.compile(r"^([A-Z]+)(\d+)$")


class Formula(str):
    """A value Excel would have evaluated as a formula."""


def _rc(address: str) -> tuple[int, int]:
    match = _A1.match(address)
    assert match, address
    col = 0
    for ch in match.group(1):
        col = col * 26 + ord(ch) - 64
    return int(match.group(2)), col


class _Font:
    def __init__(self) -> None:
        self.bold = False
        self.color: Any = None


class FakeRange:
    def __init__(self, sheet: FakeSheet, first: tuple[int, int], last: tuple[int, int]) -> None:
        self.sheet, self.first, self.last = sheet, first, last
        self.font = _Font()

    @property
    def row(self) -> int:
        return self.first[0]

    @property
    def column(self) -> int:
        return self.first[1]

    def cells(self) -> list[tuple[int, int]]:
        (r1, c1), (r2, c2) = self.first, self.last
        return [(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]

    def options(self, **_: Any) -> FakeRange:
        return self

    @property
    def value(self) -> list[list[Any]]:
        (r1, c1), (r2, c2) = self.first, self.last
        return [
            [self.sheet.cells.get((r, c)) for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)
        ]

    @value.setter
    def value(self, data: Any) -> None:
        if not isinstance(data, list):
            data = [[data]]
        elif data and not isinstance(data[0], list):
            data = [data]
        r0, c0 = self.first
        for i, row in enumerate(data):
            for j, item in enumerate(row):
                self.sheet.put(r0 + i, c0 + j, item)

    @property
    def number_format(self) -> str:
        return self.sheet.formats.get(self.first, "General")

    @number_format.setter
    def number_format(self, fmt: str) -> None:
        for cell in self.cells():
            self.sheet.formats[cell] = fmt

    @property
    def color(self) -> Any:
        return self.sheet.colors.get(self.first)

    @color.setter
    def color(self, rgb: Any) -> None:
        for cell in self.cells():
            if rgb is None:
                self.sheet.colors.pop(cell, None)
            else:
                self.sheet.colors[cell] = rgb


class FakeTable:
    """An Excel Table (ListObject) as xlwings shows it: a name and a range."""

    def __init__(self, name: str, area: FakeRange) -> None:
        self.name, self.range = name, area

    def resize(self, area: FakeRange) -> None:
        self.range = area


class FakeTables(list):  # type: ignore[type-arg]
    """``sheet.tables``: Excel Tables on a sheet; ``add`` makes one over a range."""

    def add(self, source: FakeRange, name: str, **_: Any) -> FakeTable:
        table = FakeTable(name, source)
        self.append(table)
        return table


class FakeSheet:
    def __init__(self, book: FakeBook, name: str) -> None:
        self.book, self.name = book, name
        self.cells: dict[tuple[int, int], Any] = {}
        self.formats: dict[tuple[int, int], str] = {}
        self.colors: dict[tuple[int, int], Any] = {}
        self.tables = FakeTables()

    def put(self, row: int, col: int, item: Any, *, typed: bool = True) -> None:
        """Store ``item`` as Excel would when it is typed or written (``typed``), or as a
        value already in the file."""
        if isinstance(item, str) and typed:
            if item.startswith("'"):
                item = item[1:]
            elif item.startswith("="):
                item = Formula(item)
            elif self.formats.get((row, col)) != "@" and re.fullmatch(r"-?\d+(\.\d+)?", item):
                item = float(item)  # Excel's General format takes "00123" as 123
        if isinstance(item, date) and not isinstance(item, datetime):
            item = datetime(item.year, item.month, item.day)
        if item is None or item == "":
            self.cells.pop((row, col), None)
        else:
            self.cells[(row, col)] = item

    def range(self, first: Any, last: Any = None) -> FakeRange:
        def point(spec: Any) -> tuple[tuple[int, int], tuple[int, int]]:
            if isinstance(spec, tuple):
                return spec, spec
            if ":" in spec:
                a, b = spec.split(":")
                return _rc(a), _rc(b)
            return _rc(spec), _rc(spec)

        start, end = point(first)
        if last is not None:
            end = point(last)[1]
        return FakeRange(self, start, end)

    @property
    def used_range(self) -> FakeRange:
        if not self.cells:
            return FakeRange(self, (1, 1), (1, 1))
        rows = [r for r, _ in self.cells]
        cols = [c for _, c in self.cells]
        return FakeRange(self, (min(rows), min(cols)), (max(rows), max(cols)))

    def clear(self) -> None:
        """Like Excel's Clear on the whole sheet: values, formats and its Tables go."""
        self.cells.clear()
        self.formats.clear()
        self.colors.clear()
        self.tables.clear()

    def autofit(self) -> None:
        pass

    def grid(self) -> list[list[Any]]:
        """The sheet's values from A1, as calamine would give them ("" for empty)."""
        if not self.cells:
            return []
        height = max(r for r, _ in self.cells)
        width = max(c for _, c in self.cells)
        return [
            [self.cells.get((r, c), "") for c in range(1, width + 1)] for r in range(1, height + 1)
        ]


class FakeSheets:
    def __init__(self, book: FakeBook) -> None:
        self.book = book
        self.items: list[FakeSheet] = []

    def __iter__(self) -> Any:
        return iter(list(self.items))

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, key: int | str) -> FakeSheet:
        if isinstance(key, int):
            return self.items[key]
        for sheet in self.items:
            if sheet.name.casefold() == key.casefold():
                return sheet
        raise KeyError(key)

    def add(self, name: str, after: FakeSheet | None = None) -> FakeSheet:
        sheet = FakeSheet(self.book, name)
        index = self.items.index(after) + 1 if after is not None else 0
        self.items.insert(index, sheet)
        return sheet


class FakeApp:
    def __init__(self) -> None:
        self.alerts: list[str] = []
        self.api = self
        self.chosen: Any = False

    def alert(self, text: str, title: str = "") -> None:
        self.alerts.append(text)

    def GetOpenFilename(self, *args: Any) -> Any:  # noqa: N802 - Excel's name
        return self.chosen


class FakeBook:
    """A workbook as Excel holds it in memory, loaded from a file's values."""

    def __init__(self, fullname: Path | str) -> None:
        self.fullname = str(fullname)
        self.sheets = FakeSheets(self)
        self.app = FakeApp()
        self.saved = 0

    def save(self) -> None:
        """Excel saving the open workbook (the test counts it)."""
        self.saved += 1

    @classmethod
    def open(cls, path: Path) -> FakeBook:
        book = cls(path)
        workbook = pc.CalamineWorkbook.from_path(str(path), load_tables=True)
        tables: dict[str, list[tuple[str, Any]]] = {}
        for table_name in workbook.table_names or ():
            found = workbook.get_table_by_name(table_name)
            tables.setdefault(found.sheet, []).append((table_name, found))
        for name in workbook.sheet_names:
            sheet = book.sheets.add(
                name, after=book.sheets.items[-1] if book.sheets.items else None
            )
            for r, row in enumerate(workbook.get_sheet_by_name(name).to_python(), start=1):
                for c, value in enumerate(row, start=1):
                    if value != "":
                        sheet.formats[(r, c)] = "@" if isinstance(value, str) else "General"
                        sheet.put(r, c, value, typed=False)
            for table_name, found in tables.get(name, []):
                # calamine gives the first and last data cells, 0-based: the header is above
                (r1, c1), (r2, c2) = found.start, found.end
                area = FakeRange(sheet, (r1, c1 + 1), (r2 + 1, c2 + 1))
                sheet.tables.add(area, table_name)
        return book
