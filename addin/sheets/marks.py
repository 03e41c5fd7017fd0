"""Fills on the user's cells (CellMark): only style references in that sheet's part change."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from addin.errors import OutputError
from addin.sheets.package import root_prefix
from addin.sheets.sheetxml import col_index, col_letter


@functools.lru_cache(maxsize=16)
def _attr_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf'\s{name}="([^"]*)"')


def _attr(tag: str, name: str) -> str | None:
    found = _attr_pattern(name).search(tag)
    return found.group(1) if found else None


_STYLE = re.compile(r'\ss="\d*"')


def _with_style(tag: str, style: int) -> str:
    """A <c ...> open (or empty) tag with its s attribute set, everything else unchanged.

    Style -1 means no attribute (what the cell had before a mark, when it had none), so
    taking a mark off gives back the original text."""
    found = _STYLE.search(tag)
    if style < 0:
        return tag if found is None else tag[: found.start()] + tag[found.end() :]
    if found is not None:
        return f'{tag[: found.start() + 1]}s="{style}"{tag[found.end() :]}'
    # last, before the tag closes: taking the mark off (above) then putting it back gives
    # the same text, so a rerun leaves the part byte-identical
    end = len(tag) - (2 if tag.endswith("/>") else 1)
    return tag[:end].rstrip() + f' s="{style}"' + tag[end:]


def apply_marks(
    xml: str,
    cells: dict[tuple[int, int], Any],
    style_for: Callable[[int, Any], int],
    create: bool = True,
) -> str:
    """Set the style of each (row, 0-based col) in ``cells`` to ``style_for(old, key)``.

    Cells that do not exist yet are added (empty, styled) unless ``create`` is False; rows
    likewise. Nothing else in the part changes.
    """
    return edit_cells(xml, cells, mark_edit(xml, style_for), create)


def mark_edit(xml: str, style_for: Callable[[int, Any], int]) -> CellEdit:
    """The CellEdit of :func:`apply_marks` for the sheet part ``xml``."""
    p = root_prefix(xml, "worksheet")

    def mark(existing: str | None, row_style: int, ref: str, key: Any) -> str:
        if existing is None:
            return f'<{p}c r="{ref}" s="{style_for(row_style, key)}"/>'
        head_end = existing.find(">") + 1
        head = existing[:head_end]
        old = int(_attr(head, "s") or -1)  # -1: no attribute (style 0, implied)
        return _with_style(head, style_for(old, key)) + existing[head_end:]

    return mark


# (the cell's XML or None when it is missing, the row's style or -1, its A1 ref, the key)
CellEdit = Callable[[str | None, int, str, Any], str]


@dataclass
class PendingEdit:
    """Cell edits planned for a sheet part and not made yet, so that the next edit of the
    same part makes them in the same walk (the Encounters sheet is walked, inflated and
    deflated once for its values and its marks, not once for each).

    ``head`` rewrites the part's text before <sheetData> (a <dimension> that grows)."""

    xml: str | None  # the part's text, when it was read whole to plan the edit
    cells: dict[tuple[int, int], Any]
    edit: CellEdit
    head: Callable[[str], str]

    def pieces(self) -> Iterator[str]:
        """The part with these edits alone, in pieces (of the text it was planned on)."""
        assert self.xml is not None
        made = edit_pieces(self.xml, self.cells, self.edit)
        yield self.head(next(made))
        yield from made


def edit_cells(
    xml: str, cells: dict[tuple[int, int], Any], edit: CellEdit, create: bool = True
) -> str:
    """Replace each (row, 0-based col) cell of ``cells`` in a sheet part by ``edit``'s text.

    A missing cell is inserted in column order (a missing row in row order) unless
    ``create`` is False; every other byte of the part stays as it was.
    """
    if not cells:
        return xml
    return "".join(edit_pieces(xml, cells, edit, create))


def edit_pieces(
    xml: str,
    cells: dict[tuple[int, int], Any],
    edit: CellEdit,
    create: bool = True,
) -> Iterator[str]:
    """:func:`edit_cells` in pieces, for :meth:`Package.stream`: the edited part is never
    held whole next to the original.

    A missing row whose cells all come back from ``edit`` as '' is not created (an edit
    that only changes cells that are there)."""
    if not cells:
        yield xml
        return
    p = root_prefix(xml, "worksheet")
    data = re.search(rf"<{re.escape(p)}sheetData\b[^>]*?(/?)>", xml)
    if data is None:
        raise OutputError("the sheet part has no <sheetData>; the workbook looks damaged")
    if data.group(1):
        xml = xml[: data.start()] + f"<{p}sheetData></{p}sheetData>" + xml[data.end() :]
        body_start = body_end = data.start() + len(f"<{p}sheetData>")
    else:
        body_start = data.end()
        body_end = xml.find(f"</{p}sheetData>", body_start)
    by_row: dict[int, dict[int, Any]] = {}
    for (row, col), key in cells.items():
        by_row.setdefault(row, {})[col] = key
    wanted = sorted(by_row)
    yield xml[:body_start]
    pos = body_start
    # only the rows with cells to edit are taken apart; on a sheet whose rows name
    # themselves the others are not even matched
    next_row = 1
    w = 0
    for match in _rows(xml, p, body_start, body_end, wanted, create):
        r_attr = match.group(1)
        number = int(r_attr) if r_attr else next_row
        next_row = number + 1
        if w == len(wanted):
            break  # every row to edit is done: the rest of the sheet is copied as it is
        if wanted[w] > number:
            continue
        while w < len(wanted) and wanted[w] < number:
            yield xml[pos : match.start()]
            pos = match.start()
            if create:
                yield _new_row(p, wanted[w], by_row[wanted[w]], edit)
            w += 1
        if w < len(wanted) and wanted[w] == number:
            if match.group(2):
                end = match.end()
            else:
                end = xml.find(f"</{p}row>", match.end())
                if end < 0:
                    raise OutputError(f"row {number} of a sheet part has no end; the workbook "
                                      "looks damaged")  # fmt: skip
                end += len(f"</{p}row>")
            yield xml[pos : match.start()]
            yield edited_row(p, number, xml[match.start() : end], by_row[number], edit, create)
            pos = end
            w += 1
    yield xml[pos:body_end]
    while w < len(wanted) and create:
        yield _new_row(p, wanted[w], by_row[wanted[w]], edit)
        w += 1
    yield xml[body_end:]


def edited_row(
    p: str, number: int, row: str, cols: dict[int, Any], edit: CellEdit, create: bool
) -> str:
    """One whole row element (its open tag to its end tag, or an empty ``<row .../>``) with
    the cells of ``cols`` (0-based column -> key) edited."""
    match = _row_pattern(p).match(row)
    assert match is not None  # the caller found the row by this pattern or its reference
    if match.group(2):
        body = ""
        open_tag = match.group(0)[:-2].rstrip() + ">"
    else:
        body = row[match.end() : len(row) - len(f"</{p}row>")]
        open_tag = match.group(0)
    row_style = int(_attr(open_tag, "s") or -1) if _attr(open_tag, "customFormat") in (
        "1", "true") else -1  # fmt: skip
    return open_tag + _edit_row(p, number, body, cols, edit, row_style, create) + f"</{p}row>"


@functools.lru_cache(maxsize=8)
def _row_pattern(p: str) -> re.Pattern[str]:
    """A row's open tag; group 1 its r attribute (if any), group 2 '/' when it is empty."""
    q = re.escape(p)
    return re.compile(rf'<{q}row\b(?=(?:[^>]*?\sr="(\d*)")?)[^>]*?(/?)>')


@functools.lru_cache(maxsize=8)
def _cell_pattern(p: str) -> re.Pattern[str]:
    """A whole cell; group 1 the column letters of its r attribute (if any)."""
    q = re.escape(p)
    ref = r'(?=(?:[^>]*?\sr="([A-Z]+)\d+")?)'
    return re.compile(rf"<{q}c\b{ref}(?:[^>]*?/>|[^>]*?>.*?</{q}c>)", re.S)


@functools.lru_cache(maxsize=4096)
def _column(letters: str) -> int:
    return col_index(letters)


def _named(xml: str, p: str, start: int, end: int) -> bool:
    return xml.count(f"<{p}row", start, end) == xml.count(f'<{p}row r="', start, end)


def _rows(
    xml: str, p: str, start: int, end: int, wanted: list[int], create: bool
) -> Iterator[re.Match[str]]:
    """The rows of sheetData that edit_cells must look at, in order.

    When every row to edit names itself (``<row r="12"``, as Excel, LibreOffice and
    openpyxl write) and is found so, in order, those are the rows, and the rows between
    are skipped unseen: a row without ``r`` elsewhere numbers only itself and the rows
    without ``r`` after it, none of which is one found by its reference. Otherwise the
    sheet is counted through: when every row names itself, a row to create goes before
    the next one there is; else every row is matched, as the numbering of rows without
    ``r`` needs."""
    row_re = _row_pattern(p)
    spots: list[int] = []
    pos = start
    for number in wanted:
        found = xml.find(f'<{p}row r="{number}"', pos, end)
        if found < 0:
            break
        spots.append(found)
        pos = found + 1
    else:
        matches = [row_re.match(xml, found, end) for found in spots]
        if all(matches):  # always: the pattern matches any row tag
            yield from (m for m in matches if m is not None)
            return
    if not _named(xml, p, start, end):
        yield from row_re.finditer(xml, start, end)
        return
    pos = start
    for number in wanted:
        found = xml.find(f'<{p}row r="{number}"', pos, end)
        if found < 0:
            if create:  # a new row goes before the next one: walk on from here
                yield from row_re.finditer(xml, pos, end)
                return
            continue
        match = row_re.match(xml, found, end)
        if match is None:  # cannot be: the pattern matches any row tag
            yield from row_re.finditer(xml, pos, end)
            return
        yield match
        pos = match.end()


def _new_row(p: str, number: int, cols: dict[int, Any], edit: CellEdit) -> str:
    cells = [edit(None, -1, f"{col_letter(c)}{number}", cols[c]) for c in sorted(cols)]
    if not any(cells):
        return ""
    return f'<{p}row r="{number}">{"".join(cells)}</{p}row>'


def _edit_row(
    p: str,
    number: int,
    body: str,
    cols: dict[int, Any],
    edit: CellEdit,
    row_style: int,
    create: bool,
) -> str:
    cell_re = _cell_pattern(p)
    fast = _named_cells(cell_re, p, number, body, cols)
    if fast is not None:
        pos, parts = 0, []
        for start, stop, col in fast:
            parts += [body[pos:start], edit(body[start:stop], row_style,
                                            f"{col_letter(col)}{number}", cols[col])]  # fmt: skip
            pos = stop
        parts.append(body[pos:])
        return "".join(parts)
    todo = dict(cols)
    out: list[str] = []
    pos = 0
    next_col = 0
    for match in cell_re.finditer(body):
        if not todo:
            break  # every cell to edit is done: the rest of the row stays as it is
        letters = match.group(1)
        col = _column(letters) if letters else next_col
        next_col = col + 1
        if col not in todo and not (create and min(todo) < col):
            continue
        cell = match.group(0)
        # cells missing before this one go in column order
        for missing in sorted(c for c in todo if c < col and create):
            out.append(body[pos : match.start()])
            pos = match.start()
            out.append(edit(None, row_style, f"{col_letter(missing)}{number}", todo.pop(missing)))
        if col in todo:
            out.append(body[pos : match.start()])
            out.append(edit(cell, row_style, f"{col_letter(col)}{number}", todo.pop(col)))
            pos = match.end()
    out.append(body[pos:])
    for missing in sorted(todo) if create else ():
        out.append(edit(None, row_style, f"{col_letter(missing)}{number}", todo[missing]))
    return "".join(out)


def _named_cells(
    cell_re: re.Pattern[str], p: str, number: int, body: str, cols: dict[int, Any]
) -> list[tuple[int, int, int]] | None:
    """(start, end, column) of each cell to edit when every one of them is there and names
    itself first (``<c r="F12"``), in column order; None when the row must be walked."""
    if body.count(f"<{p}c") != body.count(f'<{p}c r="'):
        return None  # a cell without r takes its column from the one before: walk the row
    spots: list[tuple[int, int, int]] = []
    pos = 0
    for col in sorted(cols):
        found = body.find(f'<{p}c r="{col_letter(col)}{number}"', pos)
        match = cell_re.match(body, found) if found >= 0 else None
        if match is None:
            return None
        spots.append((found, match.end(), col))
        pos = match.end()
    return spots
