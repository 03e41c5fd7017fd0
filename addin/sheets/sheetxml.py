"""A ResultTable as worksheet and table XML: typed cells, formats, dropdowns, highlights."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import repeat
from typing import Any

from addin.models import Column, ResultTable
from addin.sheets.package import DOC_REL, MAIN_NS
from addin.sheets.values import MAC_OFFSET, date_to_serial

MAX_ROW = 1_048_576  # Excel's last row: dropdowns and highlights cover rows added later
MAX_CELL_TEXT = 32767  # Excel's limit; longer text would make Excel repair the file
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\r]|_(?=x[0-9A-Fa-f]{4}_)")
_SURROGATE = re.compile(r"[\ud800-\udfff\ufffe\uffff]")
MONEY_FORMAT = '"$"#,##0.00_);[Red]\\("$"#,##0.00\\)'
TEXT_FMT, DATE_FMT, INT_FMT, PERCENT_FMT = 49, 14, 1, 10
DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def col_letter(index: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def col_index(letters: str) -> int:
    """Excel letters -> 0-based column index."""
    number = 0
    for char in letters.upper():
        number = number * 26 + ord(char) - 64
    return number - 1


def _escape_char(match: re.Match[str]) -> str:
    char = match.group(0)
    if char == "_":
        return "_x005F_"  # a literal _xHHHH_ in the text must not decode as an escape
    return f"_x{ord(char):04X}_"


def xml_text(value: str) -> str:
    """Text for a <t> element: XML-escaped, control characters as Excel's _xHHHH_ escapes.

    Lone surrogates and the XML non-characters U+FFFE/U+FFFF cannot be stored (readers do
    not return them); they become U+FFFD. Text over Excel's 32,767-character cell limit is
    cut with an ellipsis rather than making Excel repair the file.
    """
    if value.isascii() and value.isprintable() and "_x" not in value:
        # the common cell (a code, a name, a date as text): nothing to replace but &, <, >
        if len(value) <= MAX_CELL_TEXT:
            return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = _SURROGATE.sub("\ufffd", value)
    if len(value) > MAX_CELL_TEXT:
        value = value[: MAX_CELL_TEXT - 1] + "\u2026"
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _ILLEGAL.sub(_escape_char, value)


def xml_attr(value: str) -> str:
    return xml_text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


@dataclass
class SheetStyles:
    """Cell format indexes (cellXfs) the writer uses, and dxf ids per highlight colour."""

    text: int
    code: int
    money: int
    date: int
    int_: int
    number: int
    percent: int
    dxf: dict[str, int]
    date1904: bool = False


def _inline(ref: str, text: str, style: int, p: str = "") -> str:
    s = f' s="{style}"' if style else ""
    return (
        f'<{p}c r="{ref}"{s} t="inlineStr"><{p}is><{p}t xml:space="preserve">{xml_text(text)}'
        f"</{p}t></{p}is></{p}c>"
    )


def _number_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else None
    return None


def _as_text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def cell_xml(ref: str, value: Any, column: Column, styles: SheetStyles, p: str = "") -> str:
    """One typed cell: text and codes inline (never a formula), money, dates, numbers.

    ``p`` is the namespace prefix of the sheet part the cell goes into ('' or 'x:')."""
    kind = column.kind
    if kind in ("text", "code", "link"):
        style = styles.code if kind == "code" else styles.text
        return _inline(ref, _as_text(value), style, p)
    if isinstance(value, bool):
        return f'<{p}c r="{ref}" t="b"><{p}v>{int(value)}</{p}v></{p}c>'
    if kind == "date" and isinstance(value, date):
        serial = date_to_serial(value) - (MAC_OFFSET if styles.date1904 else 0)
        return f'<{p}c r="{ref}" s="{styles.date}"><{p}v>{serial!r}</{p}v></{p}c>'
    number = _number_text(value)
    if number is None:
        return _inline(ref, _as_text(value), styles.text, p)
    style = {
        "money": styles.money,
        "int": styles.int_,
        "percent": styles.percent,
        "date": styles.date,
    }.get(kind, styles.number)
    s = f' s="{style}"' if style else ""
    return f'<{p}c r="{ref}"{s}><{p}v>{number}</{p}v></{p}c>'


_cell = cell_xml


def unique_headers(columns: list[Column]) -> list[str]:
    """Table column names must be unique (case-insensitive) and non-empty."""
    seen: set[str] = set()
    names: list[str] = []
    for i, column in enumerate(columns):
        base = " ".join(column.name.split()) or f"Column{i + 1}"
        name, n = base, 2
        while name.casefold() in seen:
            name, n = f"{base} {n}", n + 1
        seen.add(name.casefold())
        names.append(name)
    return names


def _width(column: Column, header: str, rows: list[list[Any]], index: int) -> float:
    if column.width:
        return column.width
    longest = len(header) + 3  # room for the filter button
    for row in rows[:500]:  # a sample is enough to size a column
        if index < len(row) and row[index] is not None:
            value = row[index]
            size = 14 if column.kind == "money" else (11 if column.kind == "date" else 0)
            longest = max(longest, size or len(_as_text(value)))
    return float(min(max(longest + 2, 8), 60))


# Excel keeps at most 65,530 hyperlinks on a worksheet; past that the cells stay plain text.
MAX_HYPERLINKS = 65_530
_LOCATION = re.compile(
    r"^(?:'(?:[^']|'')+'|[A-Za-z_][\w.]*)!"
    r"(?:\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?|\$?\d+:\$?\d+)$"
)


def _hyperlinks(table: ResultTable, letters: list[str]) -> list[str]:
    """In-workbook links for ``link`` columns whose value is a cell reference.

    A link is a ``location`` inside the workbook (no relationship, nothing external); a
    value that is not a reference such as ``'Encounters'!F12`` stays plain text.
    """
    link_columns = [i for i, c in enumerate(table.columns) if c.kind == "link"]
    links: list[str] = []
    for r, values in enumerate(table.rows, start=2):
        for i in link_columns:
            value = values[i] if i < len(values) else None
            if isinstance(value, str) and _LOCATION.match(value):
                if len(links) >= MAX_HYPERLINKS:
                    return links
                target = xml_attr(value)
                links.append(
                    f'<hyperlink ref="{letters[i]}{r}" location="{target}" display="{target}"/>'
                )
    return links


# -- the rows of a result table, fast ----------------------------------------------------
# A cell's XML is '<c r="' + its reference + a tail that depends only on the value and the
# column, so each column gets a renderer that decides its fast paths once, and a value seen
# before in the column (a code, a payer, a status, a date of service) costs one look-up.
# Anything unusual goes through cell_xml itself: the bytes are cell_xml's, cell for cell.

ROW_BLOCK = 512  # rows rendered together: enough to amortise, few enough to stream
CACHE_LIMIT = 50_000  # distinct values remembered per column (unique ids gain nothing)
_PROBE = "A1"
_KEYED = frozenset({str, int, date, type(None)})
_DECIMALS = frozenset({Decimal, type(None)})
_TEXTS = frozenset({str, type(None)})


class _ColumnCells:
    """One result column's cells: ``tail(value)`` is the XML after ``<c r="REF``."""

    def __init__(self, letter: str, column: Column, styles: SheetStyles) -> None:
        self.column, self.styles = column, styles
        self.head = f'<c r="{letter}'
        self.cut = len(f'<c r="{_PROBE}')
        kind = column.kind
        self.text_kind = kind in ("text", "code", "link")
        style = styles.code if kind == "code" else styles.text
        s = f' s="{style}"' if style else ""
        self.text_open = f'"{s} t="inlineStr"><is><t xml:space="preserve">'
        number = {
            "money": styles.money,
            "int": styles.int_,
            "percent": styles.percent,
            "date": styles.date,
        }.get(kind, styles.number)
        n = f' s="{number}"' if number else ""
        self.number_open = f'"{n}><v>'
        self.date_open = f'" s="{styles.date}"><v>' if kind == "date" else None
        self.date_offset = MAC_OFFSET if styles.date1904 else 0
        self.texts: dict[str, str] = {}
        self.dates: dict[date, str] = {}

    def slow(self, value: Any) -> str:
        return cell_xml(_PROBE, value, self.column, self.styles)[self.cut :]

    def tail(self, value: Any) -> str | None:
        """The cell's XML after its reference; None for an empty cell (None or '')."""
        kind = type(value)
        if kind is str:
            if not value:
                return None
            tail = self.texts.get(value)
            if tail is None:
                if self.text_kind:
                    tail = self.text_open + xml_text(value) + "</t></is></c>"
                else:
                    tail = self.slow(value)
                if len(self.texts) < CACHE_LIMIT:
                    self.texts[value] = tail
            return tail
        if value is None:
            return None
        if not self.text_kind:
            if kind is Decimal:
                if value.is_finite():
                    return self.number_open + format(value, "f") + "</v></c>"
            elif kind is int:
                return self.number_open + str(value) + "</v></c>"
            elif kind is float:
                if math.isfinite(value):
                    return self.number_open + repr(value) + "</v></c>"
            elif kind is date:
                tail = self.dates.get(value)
                if tail is None:
                    if self.date_open is None:
                        tail = self.slow(value)
                    else:
                        serial = date_to_serial(value) - self.date_offset
                        tail = f"{self.date_open}{serial!r}</v></c>"
                    if len(self.dates) < CACHE_LIMIT:
                        self.dates[value] = tail
                return tail
        if value == "":
            return None
        return self.slow(value)

    def _learn_texts(self, distinct: set[str | None]) -> None:
        """Cache the tails of a block's new texts at once when, together, they hold nothing
        xml_text would change but &, < and > (ids, names, codes: nearly always)."""
        new = [v for v in distinct if v and v not in self.texts]
        if not new or len(self.texts) + len(new) > CACHE_LIMIT:
            return
        joined = "".join(new)
        # "_x" across two values only sends the block the slow way
        if not (joined.isascii() and joined.isprintable() and "_x" not in joined):
            return
        if max(map(len, new)) > MAX_CELL_TEXT:
            return
        opening, closing = self.text_open, "</t></is></c>"
        if "&" in joined or "<" in joined or ">" in joined:
            for v in new:
                text = v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                self.texts[v] = opening + text + closing
        else:
            self.texts.update({v: opening + v + closing for v in new})

    def cells(self, values: Sequence[Any]) -> list[str]:
        """This column's cell in each row ('' where the cell is empty), with ROW_NUMBER
        where the row's number goes."""
        head, tail = self.head + ROW_NUMBER, self.tail
        types = set(map(type, values))
        if len(types) == 1 and all(values):  # one type, no empty cell: the common column
            kind = next(iter(types))
            if kind is str and self.text_kind:
                flat = "".join(values)
                # what xml_text leaves as it is ("_x" across two values only sends the
                # block the slower way)
                if (
                    flat.isascii() and flat.isprintable() and "_x" not in flat
                    and "&" not in flat and "<" not in flat and ">" not in flat
                    and (len(flat) <= MAX_CELL_TEXT or max(map(len, values)) <= MAX_CELL_TEXT)
                ):  # fmt: skip
                    return _spliced(head + self.text_open, "</t></is></c>", values)
            elif kind is Decimal and not self.text_kind:
                if all(map(Decimal.is_finite, values)):
                    texts = list(map(format, values, repeat("f")))
                    return _spliced(head + self.number_open, "</v></c>", texts)
            elif kind is int and not self.text_kind:
                return _spliced(head + self.number_open, "</v></c>", list(map(str, values)))
        if types <= _KEYED:
            # no value of one of these types equals one of another: a dict keyed by value
            # renders each distinct value of the block once, and a C loop looks each up
            distinct = set(values)
            if self.text_kind and types <= _TEXTS:
                self._learn_texts(distinct)
            known = self.texts.get  # None for any value not a cached text
            whole = {
                value: head + t if (t := known(value) or tail(value)) else "" for value in distinct
            }
            return list(map(whole.__getitem__, values))
        if types <= _DECIMALS and not self.text_kind:
            if all(map(Decimal.is_finite, filter(None, values))):  # None (and 0) left out
                opening = head + self.number_open
                return ["" if v is None else f"{opening}{v:f}</v></c>" for v in values]
        return [head + t if (t := tail(v)) else "" for v in values]


_SPLIT = "\x02"  # between cells while a column is made whole (XML cannot hold it either)


def _spliced(opening: str, closing: str, texts: Sequence[str]) -> list[str]:
    """``opening + text + closing`` for each text, made by two C loops (a join and a split)
    rather than a Python step per cell; no text may hold _SPLIT."""
    return (opening + (closing + _SPLIT + opening).join(texts) + closing).split(_SPLIT)


# Where a row's number goes in its cells as they are rendered: a block of rows is rendered a
# column at a time with no row numbers, and each row's text then has its number put in at
# once. XML cannot hold U+0001 (xml_text writes it as _x0001_), so no cell text holds one.
ROW_NUMBER = "\x01"


def rows_xml(
    rows: Sequence[Sequence[Any]],
    columns: Sequence[Column],
    letters: Sequence[str],
    styles: SheetStyles,
    first: int = 2,
) -> Iterator[str]:
    """The ``<row>`` elements of ``rows`` (the first numbered ``first``), a block at a time;
    values past the last column are left out, as are empty cells (None or '')."""
    renderers = [_ColumnCells(letters[i], c, styles) for i, c in enumerate(columns)]
    width = len(columns)
    for start in range(0, len(rows), ROW_BLOCK):
        block = rows[start : start + ROW_BLOCK]
        numbers = [str(n) for n in range(first + start, first + start + len(block))]
        if not width:
            yield "".join(f'<row r="{n}"></row>' for n in numbers)
            continue
        padded = [r if len(r) >= width else [*r, *[None] * (width - len(r))] for r in block]
        by_column = list(zip(*padded, strict=False))[:width]
        cells = [
            [f'<row r="{ROW_NUMBER}">'] * len(block),
            *(render.cells(by_column[i]) for i, render in enumerate(renderers)),
            ["</row>"] * len(block),
        ]
        yield "".join(
            [
                "".join(row).replace(ROW_NUMBER, n)
                for n, row in zip(numbers, zip(*cells, strict=True), strict=True)
            ]
        )


def worksheet_xml(
    table: ResultTable, styles: SheetStyles, table_rid: str, drawing_rid: str | None = None
) -> str:
    """The whole worksheet part for a result table (header row 1, data from row 2)."""
    return "".join(worksheet_chunks(table, styles, table_rid, drawing_rid))


def worksheet_chunks(
    table: ResultTable, styles: SheetStyles, table_rid: str, drawing_rid: str | None = None
) -> Iterator[str]:
    """:func:`worksheet_xml` in pieces (a block of rows each), for writing without holding
    the whole part in memory."""
    columns = table.columns
    headers = unique_headers(columns)
    ncols = max(len(columns), 1)
    last_row = max(len(table.rows) + 1, 2)
    last_col = col_letter(ncols - 1)
    letters = [col_letter(i) for i in range(ncols)]
    parts: list[str] = [
        DECLARATION,
        f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{DOC_REL}">',
        f'<dimension ref="A1:{last_col}{last_row}"/>',
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
        'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A2" '
        'sqref="A2"/></sheetView></sheetViews>',
        '<sheetFormatPr defaultRowHeight="15"/>',
        "<cols>",
    ]
    for i, column in enumerate(columns):
        width = _width(column, headers[i], table.rows, i)
        style = styles.code if column.kind == "code" else 0
        s = f' style="{style}"' if style else ""
        parts.append(f'<col min="{i + 1}" max="{i + 1}" width="{width:.2f}"{s} customWidth="1"/>')
    parts.append("</cols><sheetData>")
    parts.append(
        '<row r="1">'
        + "".join(_inline(f"{letters[i]}1", h, styles.text) for i, h in enumerate(headers))
        + "</row>"
    )
    yield "".join(parts)
    yield from rows_xml(table.rows, columns, letters, styles)
    parts = ["</sheetData>"]
    priority = 1
    rules: list[str] = []
    for i, column in enumerate(columns):
        column_rules = []
        for value, colour in (column.highlight or {}).items():
            dxf = styles.dxf.get(colour.upper().lstrip("#"))
            if dxf is None:
                continue
            formula = '"' + value.replace('"', '""') + '"'
            column_rules.append(
                f'<cfRule type="cellIs" dxfId="{dxf}" priority="{priority}" operator="equal">'
                f"<formula>{xml_text(formula)}</formula></cfRule>"
            )
            priority += 1
        if column_rules:
            rules.append(
                f'<conditionalFormatting sqref="{letters[i]}2:{letters[i]}{MAX_ROW}">'
                + "".join(column_rules)
                + "</conditionalFormatting>"
            )
    parts.extend(rules)
    validations = []
    for i, column in enumerate(columns):
        if not column.choices:
            continue
        listed = ",".join(c.replace('"', '""') for c in column.choices)
        if len(listed) > 255 or any("," in c for c in column.choices):
            continue  # Excel's inline lists hold 255 characters and no commas
        validations.append(
            f'<dataValidation type="list" allowBlank="1" showErrorMessage="1" '
            f'sqref="{letters[i]}2:{letters[i]}{MAX_ROW}"><formula1>"{xml_text(listed)}"'
            "</formula1></dataValidation>"
        )
    if validations:
        parts.append(f'<dataValidations count="{len(validations)}">')
        parts.extend(validations)
        parts.append("</dataValidations>")
    links = _hyperlinks(table, letters)
    if links:
        parts.append("<hyperlinks>" + "".join(links) + "</hyperlinks>")
    parts.append(
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    )
    if drawing_rid is not None:
        parts.append(f'<drawing r:id="{drawing_rid}"/>')
    parts.append(f'<tableParts count="1"><tablePart r:id="{table_rid}"/></tableParts>')
    parts.append("</worksheet>")
    yield "".join(parts)


def table_xml(table: ResultTable, table_id: int, name: str, style: str) -> str:
    """The table part (an Excel Table over the whole result)."""
    headers = unique_headers(table.columns)
    last = f"{col_letter(max(len(headers), 1) - 1)}{max(len(table.rows) + 1, 2)}"
    cols = "".join(
        f'<tableColumn id="{i + 1}" name="{xml_attr(h)}"/>' for i, h in enumerate(headers)
    )
    return (
        f'{DECLARATION}<table xmlns="{MAIN_NS}" id="{table_id}" name="{name}" '
        f'displayName="{name}" ref="A1:{last}" totalsRowShown="0">'
        f'<autoFilter ref="A1:{last}"/><tableColumns count="{len(headers)}">{cols}'
        f'</tableColumns><tableStyleInfo name="{style}" showFirstColumn="0" '
        'showLastColumn="0" showRowStripes="1" showColumnStripes="0"/></table>'
    )
