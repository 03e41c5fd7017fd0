"""Look inside a workbook package before python-calamine reads it, so no writer's file aborts it.

calamine trusts what a package declares: it reserves memory for the shared-strings count
(a count of 999,999,999 reserves 24 GB and aborts the process, which no ``except`` can
catch), allocates the rectangle from A1 to the farthest cell of a sheet, and refuses a
workbook that lists an Excel 4 macro sheet or a dialog sheet. Each is found here from the
package itself: a lying count is checked against the part's size and dropped (the counts are
optional), a sheet calamine cannot read is left out of the copy it reads (the file is never
changed: the writer keeps every part), and a sheet too large to hold is refused by name.
The fixed copy lives in memory only, never on disk (it holds patient data).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from addin.errors import ClaimbookError, WorkbookError
from addin.files.text import looks_like

REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
# Every <si> takes at least this many bytes ("<si/>"), so a part of N bytes holds <= N/5.
_MIN_SI_BYTES = 5
# calamine holds a sheet as a rectangle of cells (32 bytes each) before Python sees a row.
MAX_CELLS = 30_000_000
_READABLE_SHEETS = ("/worksheet", "/chartsheet")
_SHEET_KIND = {
    "xlMacrosheet": "an Excel 4 macro sheet",
    "xlIntlMacrosheet": "an international macro sheet",
    "dialogsheet": "a dialog sheet",
}
DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*\bref=\"([A-Z]+)?(\d+)?(?::([A-Z]+)(\d+))?\"")
# below this many bytes a sheet is measured cell by cell (a few milliseconds)
SCAN_BYTES = 4_000_000


@dataclass
class Checked:
    """What was found: the bytes calamine should read (None: the file as it is), sheets left
    out (name -> what it is), and whether the workbook counts dates from 1904."""

    fixed: bytes | None = None
    skipped: dict[str, str] = field(default_factory=dict)
    date1904: bool = False
    notes: list[str] = field(default_factory=list)
    parts: dict[str, str] = field(default_factory=dict)  # worksheet name -> its part
    table_sheets: list[str] = field(default_factory=list)  # sheets that hold Excel Tables
    # each Excel Table: (name, sheet, header row, first column, last column, last row), all
    # 0-based, read from the table parts (calamine's load_tables would read each sheet whole)
    tables: list[tuple[str, str, int, int, int, int]] = field(default_factory=list)
    sized: set[str] = field(default_factory=set)  # sheets whose extent was checked
    strings: str | None = None  # the shared-strings part, when the package has one


def save_advice(path: Path) -> str:
    """How to re-save a workbook without losing what it holds (macros stay in .xlsm)."""
    if path.suffix.lower() == ".xlsm":
        return "open it in Excel and save it again as .xlsm (Excel Macro-Enabled Workbook)"
    return "open it in Excel and save it again as .xlsx"


def refuse_misnamed(path: Path, head: bytes, error: type[ClaimbookError] = WorkbookError) -> None:
    """A file whose bytes are not what its extension says, refused with what it is."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xlsb", ".ods") and head.startswith(b"PK"):
        return
    if suffix == ".xls" and head.startswith(b"\xd0\xcf\x11\xe0"):
        return
    what = looks_like(head)
    if what is None:
        text = head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \r\n\t").lower()
        if text.startswith((b"<html", b"<!doctype html", b"<table", b"<meta")):
            what = "an HTML page (many portals save their 'Excel' export this way)"
        elif not head.strip(b"\x00 \r\n\t"):
            what = "empty" if not head else "blank"
            raise error(
                f"{path}: the file is {what}; it holds no workbook (was it saved or copied "
                "completely?)"
            )
        elif b"\x00" not in head[:512] or head.startswith((b"\xff\xfe", b"\xfe\xff")):
            what = "text (CSV or tab-separated)"
    if what is None:
        raise error(
            f"{path}: is not a workbook (its first bytes are not a {suffix} file's); "
            f"{save_advice(path)}"
        )
    if what.startswith("a zip") and suffix == ".xls":
        raise error(f"{path}: is an .xlsx/.xlsm package named .xls; rename it to .xlsx")
    if what.startswith("an old binary") and suffix in (".xlsx", ".xlsm"):
        raise error(
            f"{path}: is an old binary Excel file (.xls) named {suffix}; rename it to .xls, or "
            f"{save_advice(path)}"
        )
    hint = "rename it to .csv" if what.startswith("text") else "save it from Excel as .xlsx"
    raise error(f"{path}: is {what}, not a {suffix} workbook; {hint}")


def check_package(
    path: Path, data: bytes | None = None, error: type[ClaimbookError] = WorkbookError
) -> Checked:
    """Inspect an .xlsx/.xlsm package (the file at ``path``, or ``data`` named ``path``, such
    as a member of a zip); see the module docstring. Raises ``error``."""
    try:
        if data is None:
            with open(path, "rb") as fh:
                head = fh.read(4096)
        else:
            head = data[:4096]
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror or exc})") from None
    refuse_misnamed(path, head, error)
    try:
        zf = zipfile.ZipFile(path if data is None else io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise error(
            f"{path}: the workbook's zip package is damaged or cut off ({exc}); copy it again, "
            f"or {save_advice(path)}"
        ) from None
    with zf:
        return _Inspector(path, zf, error).run()


def check_sheet(
    path: Path,
    checked: Checked,
    sheet: str,
    data: bytes | None = None,
    error: type[ClaimbookError] = WorkbookError,
    package: zipfile.ZipFile | None = None,
) -> None:
    """Refuse ``sheet`` if calamine would allocate gigabytes for it (see MAX_CELLS); call it
    before calamine loads the sheet. Each sheet is measured once. ``package``: the file's zip
    already open (a reader of many sheets opens it once)."""
    part = checked.parts.get(sheet)
    if part is None or sheet in checked.sized:
        return
    if package is not None:
        _Inspector(path, package, error).sheet_size(sheet, part)
    else:
        with zipfile.ZipFile(path if data is None else io.BytesIO(data)) as zf:
            _Inspector(path, zf, error).sheet_size(sheet, part)
    checked.sized.add(sheet)


def open_calamine(
    path: Path, data: bytes | None = None, error: type[ClaimbookError] = WorkbookError
) -> tuple[Any, Checked]:
    """A python-calamine workbook for an .xlsx/.xlsm (file or bytes) after check_package;
    the checks' findings come with it. Raises ``error``, never lets calamine abort."""
    import python_calamine as pc

    checked = check_package(path, data, error)
    # callers read the first sheet; the Tables' extents come from checked.tables (calamine's
    # load_tables would read every sheet holding a Table whole, Encounters included, once
    # more than the read itself)
    first = next(iter(checked.parts), None)
    if first:
        check_sheet(path, checked, first, data, error)
    source = checked.fixed if checked.fixed is not None else data
    try:
        if source is not None:
            return pc.CalamineWorkbook.from_filelike(io.BytesIO(source)), checked
        return pc.CalamineWorkbook.from_path(str(path)), checked
    except pc.PasswordError:
        raise error(
            f"{path}: the workbook is password-protected; save an unprotected copy"
        ) from None
    except (pc.CalamineError, OSError, ValueError) as exc:
        raise error(f"{path}: cannot be read as a workbook ({exc}); {save_advice(path)}") from None


class _Inspector:
    def __init__(self, path: Path, zf: zipfile.ZipFile, error: type[ClaimbookError]) -> None:
        self.path = path
        self.zf = zf
        self.error = error
        # member names as written (some writers use backslashes) by their OPC name
        self.names = {i.filename.replace("\\", "/").lstrip("/"): i for i in zf.infolist()}
        self.lower = {n.lower(): n for n in self.names}
        self.patches: dict[str, bytes] = {}
        self.result = Checked()

    def read(self, name: str, limit: int = -1, sheet: str | None = None) -> bytes:
        """The bytes of part ``name`` (of ``sheet``, named in the error when given)."""
        info = self.names[self.lower[name.lower()]]
        try:
            with self.zf.open(info) as fh:
                return fh.read(limit)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, RuntimeError,
                NotImplementedError) as exc:  # fmt: skip
            raise self.error(
                f"{self.path}: part {name}{f' (sheet {sheet!r})' if sheet else ''} of the "
                f"workbook cannot be unpacked ({exc}); the file "
                f"is damaged or cut off: copy it again, or {save_advice(self.path)}"
            ) from None

    def has(self, name: str) -> bool:
        return name.lower() in self.lower

    def rels(self, part: str) -> dict[str, tuple[str, str]]:
        folder, base = posixpath.split(part)
        rels_name = posixpath.join(folder, "_rels", base + ".rels") if part else "_rels/.rels"
        if not self.has(rels_name):
            return {}
        try:
            root = ElementTree.fromstring(self.read(rels_name))
        except ElementTree.ParseError as exc:
            raise self.error(
                f"{self.path}: part {rels_name} is not well-formed XML ({exc}); "
                f"{save_advice(self.path)}"
            ) from None
        found: dict[str, tuple[str, str]] = {}
        for rel in root.iter(f"{{{REL_NS}}}Relationship"):
            target = rel.get("Target", "").replace("\\", "/")
            if rel.get("TargetMode") == "External":
                continue
            name = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join(folder, target))  # fmt: skip
            found[rel.get("Id", "")] = (rel.get("Type", ""), name)
        return found

    def run(self) -> Checked:
        main = next((t for ty, t in self.rels("").values() if ty.endswith("/officeDocument")), None)
        if main is None or not self.has(main):
            if self.has("xl/workbook.xml"):
                main = "xl/workbook.xml"
            else:
                raise self.error(
                    f"{self.path}: the package holds no workbook part (not an Excel file, or "
                    f"damaged); {save_advice(self.path)}"
                )
        wb_rels = self.rels(main)
        self._sheets(main, wb_rels)
        self._shared_strings(main, wb_rels)
        if self.patches:
            self.result.fixed = self._copy()
        return self.result

    def _sheets(self, main: str, wb_rels: dict[str, tuple[str, str]]) -> None:
        xml = self.read(main)
        self.result.date1904 = re.search(rb'date1904="(1|true)"', xml[:8192]) is not None
        drop: list[bytes] = []
        for match in re.finditer(rb"<(?:\w+:)?sheet\b[^>]*?/>", xml):
            element = match.group(0)
            rid = re.search(rb'\s\w+:id="([^"]*)"', element)
            name = re.search(rb'\sname="([^"]*)"', element)
            shown = _unescape(name.group(1)) if name else "?"
            rel_type, target = wb_rels.get(rid.group(1).decode() if rid else "", ("", ""))
            if rel_type.endswith(_READABLE_SHEETS):
                if rel_type.endswith("/worksheet") and self.has(target):
                    self.result.parts[shown] = target
                    parts = [t for ty, t in self.rels(target).values() if ty.endswith("/table")]
                    if parts:
                        self.result.table_sheets.append(shown)
                    for part in parts:
                        self._table(shown, part)
                continue
            kind = rel_type.rsplit("/", 1)[-1]
            self.result.skipped[shown] = _SHEET_KIND.get(kind, f"a sheet of type {kind!r}")
            drop.append(element)
        if drop:
            for element in drop:
                xml = xml.replace(element, b"", 1)
            self.patches[main] = xml

    def _table(self, sheet: str, part: str) -> None:
        """An Excel Table's name and extent from the start of its part (``ref="A1:Q9"``)."""
        if not self.has(part):
            return
        head = self.read(part, 4096)
        element = re.search(rb"<(?:\w+:)?table\b[^>]*>", head)
        if element is None:
            return
        name = re.search(rb'\sdisplayName="([^"]*)"', element.group(0)) or re.search(
            rb'\sname="([^"]*)"', element.group(0)
        )
        ref = re.search(rb'\sref="\$?([A-Z]+)\$?(\d+):\$?([A-Z]+)\$?(\d+)"', element.group(0))
        if name is None or ref is None:
            return
        first, top, last, bottom = ref.groups()
        self.result.tables.append(
            (_unescape(name.group(1)), sheet, int(top) - 1, _column(first), _column(last),
             int(bottom) - 1)
        )  # fmt: skip

    def sheet_size(self, sheet: str, part: str) -> None:
        """Refuse a sheet whose farthest cell would make calamine allocate gigabytes.

        The sheet's own <dimension> is trusted for parts over SCAN_BYTES (Excel, LibreOffice
        and openpyxl write it); smaller parts, and any without one or with a huge one, are
        measured from their cell references.
        """
        info = self.names[self.lower[part.lower()]]
        head = self.read(part, 16384, sheet)
        found = DIMENSION.search(head)
        if found is not None and found.group(3) and info.file_size > SCAN_BYTES:
            if int(found.group(4)) * _col_number(found.group(3)) <= MAX_CELLS:
                return
        data = head if info.file_size <= len(head) else self.read(part, sheet=sheet)
        rows, far = _extent(data)
        if far is not None:
            letters, row = far
            raise self.error(
                f"{self.path}: sheet {sheet!r} has a value in cell {letters}{row}, so the sheet "
                f"spans {max(rows, row):,} rows x {_col_number(letters):,} columns, too large "
                "to read; a stray value far from the data does this: press Ctrl+End in Excel "
                "to find it, delete the rows and columns after your data, and save"
            )

    def _shared_strings(self, main: str, wb_rels: dict[str, tuple[str, str]]) -> None:
        part = next((t for ty, t in wb_rels.values() if ty.endswith("/sharedStrings")), None)
        if part is None or not self.has(part):
            part = "xl/sharedStrings.xml" if self.has("xl/sharedStrings.xml") else None
        if part is None:
            return
        info = self.names[self.lower[part.lower()]]
        self.result.strings = info.filename
        head = self.read(part, 4096)
        sst = re.search(rb"<(?:\w+:)?sst\b[^>]*>", head)
        if sst is None:
            return
        declared = [int(n) for n in re.findall(rb'\s(?:uniqueCount|count)="(\d+)"', sst.group(0))]
        if not declared or max(declared) <= info.file_size // _MIN_SI_BYTES + 16:
            return
        # the counts are optional: without them calamine reserves nothing in advance
        element = re.sub(rb'\s(?:uniqueCount|count)="\d+"', b"", sst.group(0))
        self.patches[part] = head.replace(sst.group(0), element, 1) + self.read(part)[len(head) :]
        self.result.notes.append(
            f"the shared-strings part declares {max(declared):,} strings but its "
            f"{info.file_size:,} bytes hold at most {info.file_size // _MIN_SI_BYTES:,}; the "
            "count was ignored"
        )

    def _copy(self) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as out:
            for name in self.names:
                patched = next(
                    (data for part, data in self.patches.items() if part.lower() == name.lower()),
                    None,
                )
                out.writestr(name, patched if patched is not None else self.read(name))
        return buffer.getvalue()


_REF = re.compile(rb' r="([A-Z]{1,3})([0-9]{1,7})"')


def _cell_at(data: bytes, start: int) -> tuple[str, int] | None:
    """The reference (letters, row) at ``data[start:]`` (`` r="A1"``) if it is a cell holding
    something; a self-closing cell (``<c r="X9" s="1"/>``) is formatting only, which
    calamine does not allocate for."""
    found = _REF.match(data, start)
    if found is None:
        return None
    close = data.find(b">", found.end())
    if close < 0 or data[close - 1] == 47:  # "/>"
        return None
    return found[1].decode(), int(found[2])


def _last_value(data: bytes, start: int, end: int) -> tuple[str, int] | None:
    """The last cell holding a value between ``start`` and ``end`` (a row's content)."""
    pos = data.rfind(b' r="', start, end)
    while pos >= 0:
        cell = _cell_at(data, pos)
        if cell is not None:
            return cell
        pos = data.rfind(b' r="', start, pos)
    return None


def _extent(data: bytes) -> tuple[int, tuple[str, int] | None]:
    """The last row holding a value, and a value cell too far right for that many rows.

    Cells are in column order within a row and rows in order in every writer's sheets, so
    only the last value cell of each row is read: one find and one rfind per row.
    """
    last = _last_value(data, 0, len(data))
    rows = last[1] if last else 0
    allowed = MAX_CELLS // max(rows, 1)
    if allowed >= 16384:
        return rows, None
    limit = _letters(allowed).encode()
    width = len(limit)
    find, rfind, match = data.find, data.rfind, _REF.match
    start = 0
    end = find(b"row>")
    while end >= 0:
        # the common case in C: the row's last reference is not past the limit
        at = rfind(b' r="', start, end)
        found = match(data, at) if at >= 0 else None
        if found is not None:
            letters = found[1]
            if len(letters) > width or (len(letters) == width and letters > limit):
                cell = _last_value(data, start, end)
                if cell is not None and _col_number(cell[0]) > allowed:
                    return rows, cell
        start = end + 4
        end = find(b"row>", start)
    return rows, None


def _letters(number: int) -> str:
    """Column number -> letters (28 -> AB)."""
    text = ""
    while number:
        number, rest = divmod(number - 1, 26)
        text = chr(65 + rest) + text
    return text


def _col_number(letters: bytes | str) -> int:
    number = 0
    for ch in letters if isinstance(letters, str) else letters.decode():
        number = number * 26 + ord(ch) - 64
    return number


def _unescape(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'")):
        text = text.replace(entity, char)
    return text.replace("&amp;", "&")


# how far into a worksheet part its first row is looked for before giving up (a sheet's
# views, columns and merges come first; a few kilobytes in any writer's file)
_FIRST_ROW_BYTES = 4 << 20
_CHUNK = 1 << 16


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _events(parser: Any) -> Iterator[tuple[str, ElementTree.Element]]:
    """The parser's events so far, each with its element."""
    for found in parser.read_events():
        if isinstance(found[1], ElementTree.Element):
            yield found[0], found[1]


def first_row(zf: zipfile.ZipFile, part: str, strings: str | None) -> list[str] | None:
    """Row 1 of worksheet ``part`` as the text of each cell from column A (a blank cell:
    ''), read from the start of the part without parsing the rest of the sheet; shared
    strings are looked up in ``strings`` as far as the row needs. None when it cannot be
    told this way (phonetic text, a string index the part lacks, row 1 far into the part):
    the caller then reads the sheet whole, as it would have."""
    cells: dict[int, tuple[str, str]] = {}  # 0-based column -> (cell type, raw text)
    following = 0  # the column of a cell written without a reference
    parser: Any = ElementTree.XMLPullParser(events=("start", "end"))
    done = False
    with zf.open(part) as fh:
        seen = 0
        while not done:
            chunk = fh.read(_CHUNK)
            seen += len(chunk)
            if not chunk or seen > _FIRST_ROW_BYTES:
                return None
            parser.feed(chunk)
            for event, element in _events(parser):
                name = _local(element.tag)
                if event == "start":
                    if name == "row" and element.get("r", "1") != "1":
                        done = True  # the first row written is below row 1: row 1 is empty
                        break
                    continue
                if name == "sheetData" or name == "row":
                    done = True
                    break
                if name == "c":
                    found = _cell_text(element)
                    if found is None:
                        return None
                    ref = re.match(r"[A-Z]+", element.get("r", ""))
                    # a cell without a reference is the one after the cell before it
                    column = _col_number(ref.group(0)) - 1 if ref else following
                    cells[column] = (element.get("t", "n"), found)
                    following = column + 1
    if not cells:
        return []
    wanted = {int(raw) for kind, raw in cells.values() if kind == "s"}
    shared = _shared_texts(zf, strings, wanted) if wanted else {}
    if shared is None:
        return None
    row = [""] * (max(cells) + 1)
    for column, (kind, raw) in cells.items():
        row[column] = shared[int(raw)] if kind == "s" else raw
    return row


def _cell_text(cell: ElementTree.Element) -> str | None:
    """A cell's raw text: its value, or an inline string's runs; None for phonetic text."""
    parts: list[str] = []
    for child in cell:
        name = _local(child.tag)
        if name == "v":
            parts.append(child.text or "")
        elif name == "is":
            texts = _string_item(child)
            if texts is None:
                return None
            parts.append(texts)
    text = "".join(parts)
    if cell.get("t") == "s" and not text.strip().isdigit():
        return None
    return text


def _string_item(item: ElementTree.Element) -> str | None:
    """The text of a shared or inline string (``<t>`` and rich-text runs); None when it has
    phonetic runs, whose reading a reader may or may not add."""
    texts: list[str] = []
    for child in item:
        name = _local(child.tag)
        if name == "t":
            texts.append(child.text or "")
        elif name == "r":
            texts.extend(g.text or "" for g in child if _local(g.tag) == "t")
        elif name == "rPh":
            return None
    return "".join(texts)


def _shared_texts(zf: zipfile.ZipFile, part: str | None, wanted: set[int]) -> dict[int, str] | None:
    """The shared strings at ``wanted`` indexes, streamed only as far as the last one."""
    if part is None:
        return None
    found: dict[int, str] = {}
    last = max(wanted)
    index = -1
    parser: Any = ElementTree.XMLPullParser(events=("end",))
    with zf.open(part) as fh:
        while index < last:
            chunk = fh.read(_CHUNK)
            if not chunk:
                return None
            parser.feed(chunk)
            for _, element in _events(parser):
                if _local(element.tag) != "si":
                    continue
                index += 1
                if index in wanted:
                    text = _string_item(element)
                    if text is None:
                        return None
                    found[index] = text
                element.clear()
                if index >= last:
                    break
    return found


__all__ = [
    "MAX_CELLS",
    "Checked",
    "check_package",
    "first_row",
    "open_calamine",
    "refuse_misnamed",
    "save_advice",
]


def _column(letters: bytes) -> int:
    """0-based column index of ``b"AU"`` (46)."""
    index = 0
    for char in letters.decode("ascii"):
        index = index * 26 + ord(char) - 64
    return index - 1
