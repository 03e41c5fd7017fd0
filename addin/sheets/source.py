"""Open a workbook or CSV for reading and find a table in it by its headers."""

from __future__ import annotations

import io
import threading
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import python_calamine as pc

from addin.errors import WorkbookError
from addin.files.text import read_delimited
from addin.files.workbook import (
    DIMENSION,
    Checked,
    check_sheet,
    first_row,
    open_calamine,
    refuse_misnamed,
    save_advice,
)
from addin.sheets.headers import alias_index, header_key
from addin.sheets.values import is_blank

HEADER_SCAN_ROWS = 20
# a sheet part over this many bytes is parsed ahead only once Encounters' parse is let go
HOLD_BYTES = 8_000_000
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
TEXT_SUFFIXES = {".csv", ".txt", ".tsv"}
CSV_SHEET = "Encounters"  # a CSV file is read as (and written back as) the Encounters sheet
Row = list[Any]
# (file, size, modification time) -> sheet -> its first HEADER_SCAN_ROWS rows as a Source
# read them, for every sheet a run read: a save that puts marks or values on the user's
# cells finds their columns here instead of parsing the whole sheet again (python-calamine
# parses a sheet whole even for its first rows). A file saved since has another size or
# time, so it is never mistaken for the one read.
_HEADS: dict[tuple[str, int, int], dict[str, list[Row]]] = {}
_KEEP_FILES = 4


@dataclass
class TableSpot:
    """An Excel Table's position: sheet, header row and columns (0-based), last data row."""

    name: str
    sheet: str
    header_row: int
    first_col: int
    last_col: int
    last_row: int


class _Ahead:
    """One sheet parsed ahead on the prefetch thread: ready once parsed (or failed)."""

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.sheet: Any = None  # the parsed python-calamine sheet
        self.error: BaseException | None = None
        self.cancelled = False
        self.held = False  # a big sheet: parsed once the Source says go()


class Source:
    """Read access to one workbook (python-calamine) or CSV file (as a single sheet).

    ``encoding`` and ``delimiter`` say how a CSV was read; ``skipped`` names sheets that are
    not read (an Excel 4 macro sheet: kept in the file, never read or changed); ``notes``
    what was odd about the package and how it was handled.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._stamp: tuple[str, int, int] | None = None
        self._grids: dict[str, list[Row]] = {}
        self._parsed: dict[str, Any] = {}  # sheets calamine parsed for a head, not read yet
        self.tables: list[TableSpot] = []
        self._book: pc.CalamineWorkbook | None = None
        self._checked: Checked | None = None
        self._zip: zipfile.ZipFile | None = None  # the package, opened once for its sheets
        # sheets a second thread parses while this one reads another (see prefetch)
        self._ahead: dict[str, _Ahead] = {}
        self._worker: threading.Thread | None = None
        self._go = threading.Event()  # the big sheets asked for ahead may be parsed now
        self.encoding: str | None = None
        self.delimiter: str | None = None
        self.skipped: dict[str, str] = {}
        self.notes: list[str] = []
        suffix = self.path.suffix.lower()
        if not self.path.is_file():
            what = "a folder, not a file" if self.path.is_dir() else "no such file"
            raise WorkbookError(f"{self.path}: {what}; check the path")
        stat = self.path.stat()  # before reading: a save meanwhile gives another stamp
        self._stamp = (str(self.path.resolve()), stat.st_size, stat.st_mtime_ns)
        if suffix in TEXT_SUFFIXES:
            self.sheet_names = [CSV_SHEET]
            text = read_delimited(self.path, WorkbookError)
            self.encoding, self.delimiter = text.encoding, text.delimiter
            self._grids[CSV_SHEET] = list(text.rows)
            return
        if suffix not in EXCEL_SUFFIXES:
            raise WorkbookError(
                f"{self.path}: {suffix or 'no extension'} is not a workbook; "
                "use .xlsx, .xlsm, .xls or .csv"
            )
        tables = suffix in {".xlsx", ".xlsm"}
        if tables:
            self._book, checked = open_calamine(self.path)
            self._checked = checked
            self.skipped, self.notes = checked.skipped, checked.notes
            self.date1904 = checked.date1904
        else:
            try:
                with open(self.path, "rb") as fh:
                    refuse_misnamed(self.path, fh.read(4096))
                self._book = pc.CalamineWorkbook.from_path(str(self.path))
            except OSError as exc:
                raise WorkbookError(f"{self.path}: cannot be read ({exc.strerror})") from None
            except pc.PasswordError:
                raise WorkbookError(
                    f"{self.path}: the workbook is password-protected; save an unprotected copy"
                ) from None
            except (pc.CalamineError, ValueError) as exc:
                raise WorkbookError(
                    f"{self.path}: cannot be read as a workbook ({exc}); {save_advice(self.path)}"
                ) from None
        self.sheet_names = list(self._book.sheet_names)
        if tables and self._checked is not None:
            self.tables = [TableSpot(*spot) for spot in self._checked.tables]

    date1904: bool = False

    @property
    def is_csv(self) -> bool:
        return self._book is None

    def find_sheet(self, *names: str) -> str | None:
        """The workbook's sheet whose name matches one of ``names`` (case/space-insensitive)."""
        wanted = {header_key(n) for n in names}
        for sheet in self.sheet_names:
            if header_key(sheet) in wanted:
                return sheet
        return None

    def grid(self, sheet: str) -> list[Row]:
        """The sheet's cells from A1 (row index + 1 = Excel row number); blanks are ''."""
        if sheet not in self._grids:
            self._grids[sheet] = self._read(sheet, None)
        grid = self._grids[sheet]
        if self._stamp is not None and sheet not in _HEADS.get(self._stamp, {}):
            _remember(self._stamp, sheet, grid)
        return grid

    def release(self, sheet: str) -> None:
        """Let go of a sheet's grid once it is read (a 100,000-row sheet's is hundreds of
        MB, and the read goes on with other sheets); a later :meth:`grid` parses it again.
        A CSV file's only grid is kept."""
        if not self.is_csv:
            self._grids.pop(sheet, None)

    def head(self, sheet: str, rows: int) -> list[Row]:
        """The first ``rows`` rows of the sheet (what a header search needs). calamine parses
        a sheet whole whatever rows are asked for, so the parsed sheet is kept for the read
        that may follow the header search (one parse of Encounters, not two)."""
        if sheet in self._grids:
            return self._grids[sheet][:rows]
        return self._read(sheet, rows)

    def declared_rows(self, sheet: str) -> int | None:
        """The last row the sheet's ``<dimension>`` declares (Excel, LibreOffice and openpyxl
        write it), read from the package without parsing a cell; None when it has none."""
        part = self._checked.parts.get(sheet) if self._checked is not None else None
        if part is None:
            return None
        try:
            with self._package().open(part) as fh:
                head = fh.read(16384)
        except (OSError, KeyError, RuntimeError, zipfile.BadZipFile, zlib.error):
            return None
        found = DIMENSION.search(head)
        if found is None:
            return None
        last = found.group(4) or found.group(2)
        return int(last) if last else None

    @property
    def stamp(self) -> tuple[str, int, int] | None:
        """The file as read: (resolved path, size, modification time in ns)."""
        return self._stamp

    def header_row(self, sheet: str) -> list[str] | None:
        """Row 1 of ``sheet`` as text (blank cells ''), from the start of its part without
        parsing the sheet (calamine parses a sheet whole for any row). None when it cannot
        be told that way (a CSV, an .xls, a package read from a fixed copy, phonetic text):
        read the sheet whole instead."""
        if self._checked is None or self._checked.fixed is not None:
            return None
        part = self._checked.parts.get(sheet)
        if part is None:
            return None
        try:
            return first_row(self._package(), part, self._checked.strings)
        except (OSError, KeyError, EOFError, ValueError, RuntimeError, NotImplementedError,
                zipfile.BadZipFile, zlib.error, ParseError):  # fmt: skip
            return None  # the whole read says what is wrong

    def prefetch(self, sheets: Iterable[str]) -> None:
        """Parse ``sheets`` on a second thread, in order, while this thread reads another
        (python-calamine parses without holding the GIL): on two cores a workbook's
        registers and result sheets are parsed while its Encounters sheet is. The grid a
        later :meth:`grid` returns is the same as without; an error is raised there, as it
        would have been. Only for .xlsx/.xlsm; each sheet is measured first (a stray far
        cell is refused before calamine sees the sheet).

        A sheet whose part is over HOLD_BYTES (a register or result sheet of a big clinic)
        is parsed after the small ones, once :meth:`go` is called (or a read asks for it):
        the reader calls it when Encounters' parsed sheet is let go, so no big parsed sheet
        sits beside Encounters' (the read of a 100,000-line week's saved book peaked at
        585-608 MB that way, 469-515 MB this way), and they are parsed while Encounters'
        rows become models (which lets each row go once read)."""
        if self._checked is None or self._worker is not None:
            return
        wanted = [s for s in dict.fromkeys(sheets)
                  if s in self.sheet_names and s not in self._grids]  # fmt: skip
        if not wanted:
            return
        for at, sheet in enumerate(wanted):  # before calamine sees it
            try:
                self._measure(sheet)
            except WorkbookError:  # refused: raised by its plain read, in the read's order
                wanted = wanted[:at]
                break
        if not wanted:
            return
        try:  # its own workbook: one calamine workbook must not be used by two threads
            data = self._checked.fixed
            book = (
                pc.CalamineWorkbook.from_filelike(io.BytesIO(data)) if data is not None
                else pc.CalamineWorkbook.from_path(str(self.path))
            )  # fmt: skip
        except (pc.CalamineError, OSError, ValueError):
            return  # the plain read says what is wrong
        slots = [(sheet, _Ahead()) for sheet in wanted]  # the thread's own list: a read
        for sheet, slot in slots:
            slot.held = self._part_size(sheet) > HOLD_BYTES
        slots.sort(key=lambda s: s[1].held)  # the small ones first, each kind in order
        self._ahead.update(slots)  # takes its sheet out of _ahead while the thread goes on
        go = self._go

        def parse() -> None:
            try:
                for sheet, slot in slots:
                    try:
                        if slot.held:
                            go.wait()
                        if not slot.cancelled:
                            slot.sheet = book.get_sheet_by_name(sheet)
                    except BaseException as exc:  # noqa: BLE001  (raised by grid())
                        slot.error = exc
                    finally:
                        slot.ready.set()
            finally:
                book.close()

        self._worker = threading.Thread(target=parse, name="claimbook-prefetch", daemon=True)
        self._worker.start()

    def go(self) -> None:
        """Let the prefetch thread parse the big sheets it holds (see :meth:`prefetch`)."""
        self._go.set()

    def _part_size(self, sheet: str) -> int:
        """The uncompressed size of the sheet's part (0 when it cannot be told)."""
        part = self._checked.parts.get(sheet) if self._checked is not None else None
        if part is None or self._checked is None or self._checked.fixed is not None:
            return 0
        try:
            return self._package().getinfo(part).file_size
        except (OSError, KeyError, zipfile.BadZipFile):
            return 0

    def _measure(self, sheet: str) -> None:
        assert self._checked is not None
        try:
            package = self._package()
        except (OSError, zipfile.BadZipFile):
            package = None  # measured from a fresh open, which says what is wrong
        check_sheet(self.path, self._checked, sheet, package=package)

    def _read(self, sheet: str, rows: int | None) -> list[Row]:
        assert self._book is not None
        ahead = self._ahead.pop(sheet, None)
        if ahead is not None:
            if ahead.held:
                self._go.set()  # asked for now: no reason to hold it
            ahead.ready.wait()
            if ahead.sheet is not None:
                self._parsed.setdefault(sheet, ahead.sheet)
            elif isinstance(ahead.error, pc.CalamineError):
                raise WorkbookError(
                    f"{self.path}: sheet {sheet!r} cannot be read ({ahead.error})"
                ) from None
            # any other failure there: this thread reads the sheet as it always did
        if self._checked is not None:  # a stray far cell would make calamine abort
            self._measure(sheet)
        try:
            found = self._parsed.pop(sheet, None) or self._book.get_sheet_by_name(sheet)
            if rows is not None:
                self._parsed[sheet] = found  # the whole read may follow: parse once
            grid: list[Row] = found.to_python(skip_empty_area=False, nrows=rows)
            _fill_merged(grid, found.merged_cell_ranges or [])
            return grid
        except pc.CalamineError as exc:
            raise WorkbookError(f"{self.path}: sheet {sheet!r} cannot be read ({exc})") from None

    def _package(self) -> zipfile.ZipFile:
        if self._zip is None:
            self._zip = zipfile.ZipFile(self.path)
        return self._zip

    def close(self) -> None:
        for slot in self._ahead.values():
            slot.cancelled = True  # sheets no one asked for after all: not parsed
        self._go.set()  # a held sheet is cancelled now: the thread ends
        if self._worker is not None:
            self._worker.join()  # at most the sheet being parsed now
            self._worker = None
        self._ahead.clear()
        self._parsed.clear()
        if self._zip is not None:
            self._zip.close()
            self._zip = None
        if self._book is not None:
            self._book.close()


def _remember(stamp: tuple[str, int, int], sheet: str, grid: list[Row]) -> None:
    if stamp not in _HEADS:
        while len(_HEADS) >= _KEEP_FILES:
            _HEADS.pop(next(iter(_HEADS)))
        _HEADS[stamp] = {}
    _HEADS[stamp][sheet] = [list(row) for row in grid[:HEADER_SCAN_ROWS]]


def head_rows(path: Path, sheet: str) -> list[Row]:
    """The first HEADER_SCAN_ROWS rows of ``sheet`` (of a CSV file: its only sheet), as a
    Source reads them: from what a Source read of the same file unchanged, or read now."""
    path = Path(path)
    if path.suffix.lower() in TEXT_SUFFIXES:
        sheet = CSV_SHEET
    stat = path.stat()
    stamp = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if sheet not in _HEADS.get(stamp, {}):
        source = Source(path)  # the same checks and fixes as every read (no calamine abort)
        try:
            _remember(stamp, sheet, source.head(sheet, HEADER_SCAN_ROWS))
        finally:
            source.close()
    return [list(row) for row in _HEADS[stamp][sheet]]


def _fill_merged(grid: list[Row], ranges: list[tuple[tuple[int, int], tuple[int, int]]]) -> None:
    """A merged block means its top-left value for every cell (e.g. one Encounter ID merged
    down the rows of a visit); Excel stores it once."""
    for (top, left), (bottom, right) in ranges:
        if top >= len(grid) or left >= len(grid[top]):
            continue
        value = grid[top][left]
        for r in range(top, min(bottom, len(grid) - 1) + 1):
            row = grid[r]
            for c in range(left, min(right, len(row) - 1) + 1):
                row[c] = value


@dataclass
class SheetTable:
    """A table found by its headers: where it is and its non-empty data rows.

    ``columns`` maps canonical names to 0-based column indexes; ``headers`` maps them to the
    header text as written; ``other`` keeps unrecognised headers (text -> index).
    ``rows`` holds (Excel row number, cells) for each non-empty row, every row at least as
    wide as the header row; ``gaps`` the runs of empty rows between data rows (first, last
    Excel row). In a CSV file ``ragged`` lists the rows with fewer or more values than the
    header (row number, values in the row); ``width`` is the header's.
    """

    path: Path
    sheet: str
    header_row: int
    columns: dict[str, int]
    headers: dict[str, str]
    other: dict[str, int] = field(default_factory=dict)
    rows: list[tuple[int, Row]] = field(default_factory=list)
    gaps: list[tuple[int, int]] = field(default_factory=list)
    table_name: str | None = None
    date1904: bool = False
    width: int = 0
    ragged: list[tuple[int, int]] = field(default_factory=list)

    def duplicates(self, headers: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
        """Other columns that mean a recognised one: header as written -> canonical."""
        index = alias_index(headers)
        return {
            written: index[header_key(written)]
            for written in self.other
            if index.get(header_key(written)) in self.columns
        }

    def get(self, cells: Row, canonical: str) -> Any:
        index = self.columns.get(canonical)
        if index is None or index >= len(cells):
            return None
        return cells[index]


def _match_row(
    cells: Row, index: dict[str, str], first: int = 0, last: int | None = None
) -> tuple[dict[str, int], dict[str, str], dict[str, int]]:
    columns: dict[str, int] = {}
    headers: dict[str, str] = {}
    other: dict[str, int] = {}
    stop = len(cells) if last is None else min(len(cells), last + 1)
    for col in range(first, stop):
        cell = cells[col]
        if is_blank(cell):
            continue
        canonical = index.get(header_key(cell))
        written = " ".join(str(cell).split())
        if canonical is not None and canonical not in columns:
            columns[canonical] = col
            headers[canonical] = written
        else:
            # a second column for the same meaning stays visible as an "other" column
            other[written] = col
    return columns, headers, other


def find_table(
    source: Source,
    sheet: str,
    headers: Mapping[str, tuple[str, ...]],
    required: tuple[str, ...] = (),
) -> SheetTable | None:
    """Find the header row on ``sheet`` (an Excel Table's, else the best of the first 20 rows).

    Returns None when no row holds all ``required`` headers (or, with none required, at least
    one known header).
    """
    index = alias_index(headers)
    grid = source.grid(sheet)
    best: tuple[int, int, dict[str, int], dict[str, str], dict[str, int], TableSpot | None]
    best = (0, -1, {}, {}, {}, None)
    candidates: list[tuple[int, TableSpot | None]] = [
        (t.header_row, t) for t in source.tables if t.sheet == sheet
    ]
    candidates += [(r, None) for r in range(min(HEADER_SCAN_ROWS, len(grid)))]
    for row_index, spot in candidates:
        if row_index >= len(grid):
            continue
        first, last = (spot.first_col, spot.last_col) if spot else (0, None)
        columns, names, other = _match_row(grid[row_index], index, first, last)
        if not all(r in columns for r in required) or not columns:
            continue
        # an Excel Table beats a plain range with the same headers
        score = len(columns) * 2 + (1 if spot else 0)
        if score > best[0]:
            best = (score, row_index, columns, names, other, spot)
    score, header_index, columns, names, other, spot = best
    if score == 0:
        return None
    table = SheetTable(
        path=source.path,
        sheet=sheet,
        header_row=header_index + 1,
        columns=columns,
        headers=names,
        other=other,
        table_name=spot.name if spot else None,
        date1904=source.date1904,
    )
    last_row = spot.last_row if spot else len(grid) - 1
    used = sorted(set(columns.values()) | set(other.values()))
    header_cells = grid[header_index]
    width = len(header_cells)
    while width and is_blank(header_cells[width - 1]):
        width -= 1
    table.width = width = max(width, used[-1] + 1)
    first_used = used[0]
    gap_start: int | None = None
    for row_index in range(header_index + 1, min(last_row + 1, len(grid))):
        cells = grid[row_index]
        if len(cells) < width:
            if source.is_csv and cells:
                table.ragged.append((row_index + 1, len(cells)))
            cells.extend([""] * (width - len(cells)))
        elif source.is_csv and len(cells) > width and any(not is_blank(c) for c in cells[width:]):
            table.ragged.append((row_index + 1, len(cells)))
        # every row is at least ``width`` wide here; most rows fill their first column
        if is_blank(cells[first_used]) and all(is_blank(cells[c]) for c in used):
            if gap_start is None:
                gap_start = row_index + 1
            continue
        if gap_start is not None and table.rows:
            table.gaps.append((gap_start, row_index))
        gap_start = None
        table.rows.append((row_index + 1, cells))
    return table


def read_table(
    path: Path | str,
    headers: Mapping[str, tuple[str, ...]],
    *,
    sheet: str | None = None,
    required: tuple[str, ...] = (),
) -> SheetTable:
    """Find and read a table by its headers in ``sheet`` (or the first sheet that has it).

    Raises WorkbookError naming the file and sheet when no such table exists.
    """
    source = Source(Path(path))
    try:
        return locate(source, headers, sheet=sheet, required=required)
    finally:
        source.close()


def locate(
    source: Source,
    headers: Mapping[str, tuple[str, ...]],
    *,
    sheet: str | None = None,
    required: tuple[str, ...] = (),
) -> SheetTable:
    """Like :func:`read_table` on an open Source."""
    if sheet is not None and not source.is_csv:
        found = source.find_sheet(sheet)
        if found is None:
            raise WorkbookError(
                f"{source.path}: no sheet named {sheet!r} (sheets: "
                f"{', '.join(source.sheet_names)}); add it or rename a sheet"
            )
        sheets = [found]
    else:
        sheets = list(source.sheet_names)
    for name in sheets:
        table = find_table(source, name, headers, required)
        if table is not None:
            return table
    need = ", ".join(required) if required else ", ".join(list(headers)[:5])
    where = f"sheet {sheets[0]!r}" if len(sheets) == 1 else "any sheet"
    raise WorkbookError(
        f"{source.path}: {where} has no header row with {need} in the first "
        f"{HEADER_SCAN_ROWS} rows; add those headers (any order, e.g. 'CPT' for Procedure Code)"
    )
