"""Text into empty cells of the user's sheets (CellValue): only those cells of its part change."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from addin.models import CellMark
from addin.sheets.cellmarks import resolve_columns
from addin.sheets.marks import CellEdit, PendingEdit, edit_pieces
from addin.sheets.package import Package, root_prefix
from addin.sheets.rowstream import edit_part, probe_part
from addin.sheets.sheetxml import col_index, col_letter

_REF = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)")
# Excel reads _xHHHH_ in a string as an escaped character; a literal one escapes its "_"
_X_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
# characters XML 1.0 cannot hold at all; Excel writes them as _xHHHH_
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class CellValue:
    """Text to put into an empty cell of the user's sheet (e.g. a suggested Dx code).

    ``row`` is the Excel row number; ``column`` the header text as written (or a canonical
    name such as "Dx 1"), or a 1-based column number. A cell that already holds a value is
    never overwritten.
    """

    sheet: str
    row: int
    column: str | int
    text: str


@dataclass
class ValuesWritten:
    """What became of each CellValue: written (with its A1 address) or skipped with why."""

    written: list[tuple[CellValue, str]]
    skipped: list[tuple[CellValue, str]]


def holds_value(cell: str) -> bool:
    """Whether a <c> element's text holds a value or a formula (an empty <v/> does not)."""
    if re.search(r"<(\w+:)?f[\s>/]", cell):
        return True
    found = re.search(r"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>", cell)
    if found and found.group(1).strip() != "":
        return True
    inline = re.search(r"<(?:\w+:)?is\b.*?</(?:\w+:)?is>", cell, re.S)
    return bool(inline and re.sub(r"<[^>]*>", "", inline.group(0)).strip())


def inline_text(p: str, text: str) -> str:
    """``<is><t>text</t></is>``: XML-escaped, Excel's _xHHHH_ escapes kept literal."""
    text = _X_ESCAPE.sub(r"_x005F_\1", text)
    text = _CONTROL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f"<{p}is><{p}t{space}>{text}</{p}t></{p}is>"


def _cell_with_text(p: str, existing: str | None, row_style: int, ref: str, text: str) -> str:
    if existing is None:
        style = f' s="{row_style}"' if row_style >= 0 else ""
        return f'<{p}c r="{ref}"{style} t="inlineStr">{inline_text(p, text)}</{p}c>'
    head = existing[: existing.find(">") + 1]
    head = head[:-2].rstrip() + ">" if head.endswith("/>") else head
    # the old type (t="s", t="n" on an empty cell) would misread the inline string
    head = re.sub(r'\st="[^"]*"', "", head, count=1)
    head = head[:-1] + ' t="inlineStr">'
    return f"{head}{inline_text(p, text)}</{p}c>"


def fill_part(xml: str, cells: dict[tuple[int, int], str]) -> tuple[str, set[tuple[int, int]]]:
    """Put text into each empty (row, 0-based col) cell of a sheet part; cells holding a value
    are left alone and returned. The <dimension> grows to cover the new cells."""
    if not cells:
        return xml, set()
    pieces, held = fill_pieces(xml, cells)
    return "".join(pieces), held


def fill_pieces(
    xml: str, cells: dict[tuple[int, int], str]
) -> tuple[Iterator[str], set[tuple[int, int]]]:
    """:func:`fill_part` in pieces, for :meth:`Package.stream`."""
    pending, held = plan_fill(xml, cells)
    return pending.pieces(), held


def plan_fill(
    xml: str, cells: dict[tuple[int, int], str]
) -> tuple[PendingEdit, set[tuple[int, int]]]:
    """The edit that puts text into each empty (row, 0-based col) cell of ``cells`` of the
    sheet part ``xml``, not made yet, and the cells that hold a value (left alone). A first
    walk over the cells finds those (the <dimension> at the top depends on what is
    filled)."""
    held: set[tuple[int, int]] = set()
    probe, edit = _fill_edits(root_prefix(xml, "worksheet"), held)
    keyed = {cell: (cell, text) for cell, text in cells.items()}
    for _ in edit_pieces(xml, keyed, probe, create=False):
        pass
    return _planned(xml, keyed, edit, held, root_prefix(xml, "worksheet")), held


def plan_fill_part(
    pkg: Package, part: str, cells: dict[tuple[int, int], str]
) -> tuple[PendingEdit, set[tuple[int, int]]]:
    """:func:`plan_fill` of a part of ``pkg``, its cells looked at as the part streams from
    its compressed bytes (the part is not held as text; the edit is then made the same way)."""
    held: set[tuple[int, int]] = set()
    keyed = {cell: (cell, text) for cell, text in cells.items()}
    prefix: list[str] = []

    def probe_for(text: str) -> CellEdit:
        held.clear()  # a streamed walk given up and done again on the text
        prefix[:] = [root_prefix(text, "worksheet")]
        return _fill_edits(prefix[0], held)[0]

    text = probe_part(pkg, part, keyed, probe_for)
    return _planned(text, keyed, _fill_edits(prefix[0], held)[1], held, prefix[0]), held


def _fill_edits(p: str, held: set[tuple[int, int]]) -> tuple[CellEdit, CellEdit]:
    """The walk that notes the cells holding a value into ``held``, and the fill."""

    def probe(
        existing: str | None, row_style: int, ref: str, key: tuple[tuple[int, int], str]
    ) -> str:
        if existing is not None and holds_value(existing):
            held.add(key[0])
        return ""

    def edit(
        existing: str | None, row_style: int, ref: str, key: tuple[tuple[int, int], str]
    ) -> str:
        cell, text = key
        if existing is not None and holds_value(existing):
            return existing
        return _cell_with_text(p, existing, row_style, ref, text)

    return probe, edit


def _planned(
    xml: str | None,
    keyed: dict[tuple[int, int], tuple[tuple[int, int], str]],
    edit: CellEdit,
    held: set[tuple[int, int]],
    p: str,
) -> PendingEdit:
    filled = {cell for cell in keyed if cell not in held}
    return PendingEdit(xml, keyed, edit, lambda head: _grow_dimension(head, p, filled))


def _grow_dimension(xml: str, p: str, cells: set[tuple[int, int]]) -> str:
    found = re.search(rf'<{re.escape(p)}dimension\b[^>]*?\sref="([^"]*)"', xml)
    if found is None or not cells:
        return xml
    corners = [_REF.fullmatch(part) for part in found.group(1).split(":")]
    if not all(corners):
        return xml
    rows = [int(m.group(2)) for m in corners if m] + [r for r, _ in cells]
    cols = [col_index(m.group(1)) for m in corners if m] + [c for _, c in cells]
    top, bottom = min(rows), max(rows)
    left, right = min(cols), max(cols)
    ref = f"{col_letter(left)}{top}" + (
        f":{col_letter(right)}{bottom}" if (top, left) != (bottom, right) else ""
    )
    if ref == found.group(1):
        return xml
    return xml[: found.start(1)] + ref + xml[found.end(1) :]


def fill_values(
    pkg: Package, sheet_parts: dict[str, tuple[str, str]], source: Path, values: Sequence[CellValue]
) -> ValuesWritten:
    """Write ``values`` into their sheets' parts (``sheet_parts``: casefolded sheet name ->
    (name, part)); returns what was written and what was skipped and why."""
    done, pending = plan_values(pkg, sheet_parts, source, values)
    write_pending(pkg, pending)
    return done


def write_pending(pkg: Package, pending: dict[str, PendingEdit]) -> None:
    """Make the edits :func:`plan_values` planned."""
    for part, planned in pending.items():  # streamed: the Encounters sheet is 140 MB
        edit_part(pkg, part, planned.cells, partial(_given, planned.edit), True,
                  planned.head, planned.xml)  # fmt: skip


def _given(edit: CellEdit, xml: str) -> CellEdit:
    return edit  # made for the part already


def plan_values(
    pkg: Package, sheet_parts: dict[str, tuple[str, str]], source: Path, values: Sequence[CellValue]
) -> tuple[ValuesWritten, dict[str, PendingEdit]]:
    """As :func:`fill_values`, with the edits planned and not made: part -> its edit (only
    parts where some cell is filled). :func:`write_pending` makes them, or
    :func:`~addin.sheets.cellmarks.replace_marks` folds them into its marks."""
    result = ValuesWritten([], [])
    pending: dict[str, PendingEdit] = {}
    by_sheet: dict[str, list[CellValue]] = {}
    for value in values:
        by_sheet.setdefault(value.sheet.casefold(), []).append(value)
    for key, sheet_values in by_sheet.items():
        if key not in sheet_parts:
            result.skipped += [(v, f"there is no sheet {v.sheet!r}") for v in sheet_values]
            continue
        name, part = sheet_parts[key]
        probes = [CellMark(sheet=name, row=v.row, column=v.column) for v in sheet_values]
        columns = resolve_columns(source, name, probes)
        wanted: dict[tuple[int, int], str] = {}
        placed: list[tuple[CellValue, tuple[int, int]]] = []
        for value in sheet_values:
            col = columns.get(value.column)
            if col is None:
                result.skipped.append((value, f"sheet {name!r} has no column {value.column!r}"))
                continue
            cell = (value.row, col)
            if cell in wanted:
                result.skipped.append((value, "another value goes into the same cell"))
                continue
            wanted[cell] = value.text
            placed.append((value, cell))
        held: set[tuple[int, int]] = set()
        if wanted:
            edit, held = plan_fill_part(pkg, part, wanted)
            if len(held) < len(wanted):
                pending[part] = edit
        for value, (row, col) in placed:
            address = f"{col_letter(col)}{row}"
            if (row, col) in held:
                result.skipped.append((value, f"{name}!{address} already holds a value"))
            else:
                result.written.append((value, address))
    return result, pending
