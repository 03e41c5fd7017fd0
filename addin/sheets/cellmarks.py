"""Marks on the user's cells, replaced run to run: a ledger part remembers the styles before.

A run with marks first takes the previous run's fills off (each cell gets its earlier style
back, unless the user restyled it since), then fills the new cells, and records both styles
in a custom XML part of the package (customXml/itemN.xml, root <claimbookMarks>), which
Excel keeps when it saves the workbook. The ledger also records each marked sheet part's
CRC-32 and size as the run left it: when the part is still exactly that and the run puts the
same marks on the same cells (a week that changed nothing, a run done again), the sheet is
left as it is instead of being taken apart and marked again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from addin.models import CellMark
from addin.sheets.headers import ENCOUNTER_HEADERS, alias_index, header_key
from addin.sheets.marks import CellEdit, PendingEdit, mark_edit
from addin.sheets.package import DOC_REL, Package
from addin.sheets.rowstream import edit_part
from addin.sheets.sheetxml import DECLARATION, col_index, col_letter
from addin.sheets.source import head_rows
from addin.sheets.styles import Styles

MARKS_NS = "urn:claimbook:marks"
SEVERITY_FILL = {"error": "FFC7CE", "warning": "FFEB9C", "info": "DDEBF7"}
_RANK = {"info": 0, "warning": 1, "error": 2}
# sheet part -> (row, 0-based column) -> (style before the mark, the mark's style)
Ledger = dict[str, dict[tuple[int, int], tuple[int, int]]]
# sheet part -> (CRC-32, size) of its content as the run that marked it left it
Stamps = dict[str, tuple[int, int]]


def _ledger_part(pkg: Package, wb_part: str) -> str | None:
    for rel_type, target in pkg.rels(wb_part).values():
        if rel_type.endswith("/customXml") and target in pkg:
            if MARKS_NS.encode() in pkg.read(target)[:512]:
                return target
    return None


def read_ledger(pkg: Package, wb_part: str, stamps: Stamps | None = None) -> Ledger:
    """The marks the last run left; each sheet part's stamp goes into ``stamps``."""
    part = _ledger_part(pkg, wb_part)
    ledger: Ledger = {}
    if part is None:
        return ledger
    root = ElementTree.fromstring(pkg.read(part))
    for sheet in root.iter(f"{{{MARKS_NS}}}sheet"):
        cells = ledger.setdefault(sheet.get("part", ""), {})
        crc, size = sheet.get("crc", ""), sheet.get("size", "")
        if stamps is not None and crc.isdigit() and size.isdigit():
            stamps[sheet.get("part", "")] = (int(crc), int(size))
        for cell in sheet.iter(f"{{{MARKS_NS}}}c"):
            found = re.fullmatch(r"([A-Z]+)(\d+)", cell.get("r", ""))
            if found:
                key = (int(found.group(2)), col_index(found.group(1)))
                cells[key] = (int(cell.get("s", "0")), int(cell.get("m", "0")))
    return ledger


def _stamp(pkg: Package, part: str) -> str:
    found = pkg.checksum(part)
    return f' crc="{found[0]}" size="{found[1]}"' if found else ""


def write_ledger(pkg: Package, wb_part: str, ledger: Ledger) -> None:
    part = _ledger_part(pkg, wb_part)
    if part is None and not any(ledger.values()):
        return
    sheets = "".join(
        f'<sheet part="{name}"{_stamp(pkg, name)}>'
        + "".join(
            f'<c r="{col_letter(c)}{r}" s="{s}" m="{m}"/>'
            for (r, c), (s, m) in sorted(cells.items())
        )
        + "</sheet>"
        for name, cells in sorted(ledger.items())
        if cells
    )
    xml = f'{DECLARATION}<claimbookMarks xmlns="{MARKS_NS}">{sheets}</claimbookMarks>'
    if part is None:
        part = pkg.free_name("customXml/item{}.xml")
        pkg.add_rel(wb_part, f"{DOC_REL}/customXml", part)
        if 'Extension="xml"' not in pkg.text("[Content_Types].xml"):
            pkg.add_override(part, "application/xml")
    pkg.set(part, xml)


def replace_marks(
    pkg: Package,
    styles: Styles,
    wb_part: str,
    sheet_parts: dict[str, tuple[str, str]],
    source: Path,
    marks: Sequence[CellMark],
    pending: dict[str, PendingEdit] | None = None,
) -> None:
    """Take the previous run's marks off, put ``marks`` on; ``sheet_parts`` maps a casefolded
    sheet name to (name, part). ``pending`` are edits planned for sheet parts (the values
    a run puts in): each is made in the same walk as the part's marks, first, as if it had
    been made before, so every part is walked, inflated and deflated once."""
    pending = pending or {}
    stamps: Stamps = {}
    old = read_ledger(pkg, wb_part, stamps)
    fills = {sev: styles.fill(rgb) for sev, rgb in SEVERITY_FILL.items()}
    cache: dict[tuple[int, str], int] = {}
    new: Ledger = {}
    by_sheet: dict[str, list[CellMark]] = {}
    for mark in marks:
        by_sheet.setdefault(mark.sheet.casefold(), []).append(mark)

    def style_for(old_style: int, severity: str) -> int:
        cached = (old_style, severity)
        if cached not in cache:
            cache[cached] = styles.xf_with_fill(max(old_style, 0), fills[severity])
        return cache[cached]

    wanted_by_part: dict[str, dict[tuple[int, int], str]] = {}
    for key, sheet_marks in by_sheet.items():
        if key not in sheet_parts:
            continue  # a mark on a sheet that is not there marks nothing
        name, part = sheet_parts[key]
        columns = resolve_columns(source, name, sheet_marks)
        wanted: dict[tuple[int, int], str] = {}
        for mark in sheet_marks:
            col = columns.get(mark.column)
            if col is None:
                continue
            before = wanted.get((mark.row, col))
            if before is None or _RANK[mark.severity] > _RANK[before]:
                wanted[(mark.row, col)] = mark.severity
        wanted_by_part[part] = wanted
    restore: Ledger = {}
    for part, cells in old.items():
        if part in pkg and cells:
            if part not in pending and _as_left(
                pkg, part, cells, stamps, wanted_by_part, style_for
            ):
                new[part] = cells  # the same marks on the sheet as the last run left it
                del wanted_by_part[part]
                continue
            restore[part] = cells
    for part in dict.fromkeys([*pending, *restore, *wanted_by_part]):
        wanted = wanted_by_part.get(part, {})
        recording = partial(_record, style_for, new.setdefault(part, {}))
        first = pending.get(part)
        keys = _keys(first, restore.get(part, {}), wanted)
        edit_part(
            pkg, part, keys, partial(_edit, first=first, recording=recording),
            create=first is not None or bool(wanted),
            head=first.head if first is not None else None,
            text=first.xml if first is not None else None,  # read whole already, or never
            again=True,  # the same cells, styles and ledger each time it is made
        )  # fmt: skip
    write_ledger(pkg, wb_part, {part: cells for part, cells in new.items() if cells})


def _keys(
    first: PendingEdit | None,
    restore: dict[tuple[int, int], tuple[int, int]],
    wanted: dict[tuple[int, int], str],
) -> dict[tuple[int, int], tuple[Any, Any, Any]]:
    """Each cell's (``first``'s key, the last run's (style before, mark), the mark wanted)."""
    keys: dict[tuple[int, int], tuple[Any, Any, Any]] = {}
    for cell, key in (first.cells if first is not None else {}).items():
        keys[cell] = (key, None, None)
    for cell, before in restore.items():
        keys[cell] = (keys.get(cell, (None,))[0], before, None)
    for cell, severity in wanted.items():
        known = keys.get(cell, (None, None))
        keys[cell] = (known[0], known[1], (cell, severity))
    return keys


def _edit(xml: str, *, first: PendingEdit | None, recording: Callable[[int, Any], int]) -> CellEdit:
    """The edit of a sheet part (``xml``: its text, or its start) that makes, cell by cell,
    ``first``'s edit, takes the last run's mark off (back to the earlier style only where
    the mark is still what that run left there; a cell that is not there is not made) and
    puts the wanted mark on: the bytes of the three made one after the other, in one walk
    of the part (:func:`_keys` says which for each cell)."""
    unmark = mark_edit(xml, _restore)
    mark = mark_edit(xml, recording)
    put = first.edit if first is not None else None

    def edit(existing: str | None, row_style: int, ref: str, key: tuple[Any, Any, Any]) -> str:
        value, before, severity = key
        cell = existing
        if value is not None and put is not None:
            cell = put(cell, row_style, ref, value)
        if before is not None and cell is not None:
            cell = unmark(cell, row_style, ref, before)
        if severity is not None:
            cell = mark(cell, row_style, ref, severity)
        return cell or ""

    return edit


def _as_left(
    pkg: Package,
    part: str,
    cells: dict[tuple[int, int], tuple[int, int]],
    stamps: Stamps,
    wanted: dict[str, dict[tuple[int, int], str]],
    style_for: Callable[[int, str], int],
) -> bool:
    """Whether taking the last run's marks off ``part`` and putting this run's on would give
    the part back byte for byte: its content is what that run left (same CRC-32 and size, so
    no one restyled or typed in it since), and the same cells get the same mark styles."""
    stamp = stamps.get(part)
    if stamp is None or part not in wanted or pkg.checksum(part) != stamp:
        return False
    now = wanted[part]
    if now.keys() != cells.keys():
        return False
    return all(style_for(before, now[cell]) == mark for cell, (before, mark) in cells.items())


def _record(
    style_for: Callable[[int, str], int],
    record: dict[tuple[int, int], tuple[int, int]],
    old_style: int,
    key: tuple[tuple[int, int], str],
) -> int:
    """The mark's style for a cell, noting the style it had before."""
    cell, severity = key
    mark_style = style_for(old_style, severity)
    record[cell] = (old_style, mark_style)
    return mark_style


def _restore(current: int, key: tuple[int, int]) -> int:
    before, mark = key
    return before if current == mark else current


def resolve_columns(path: Path, sheet: str, marks: list[CellMark]) -> dict[str | int, int]:
    """Mark columns (header text, canonical name or 1-based number) -> 0-based index."""
    result: dict[str | int, int] = {}
    wanted = {m.column for m in marks if isinstance(m.column, str)}
    for m in marks:
        if isinstance(m.column, int) and m.column >= 1:
            result[m.column] = m.column - 1
    if not wanted:
        return result
    result.update(_header_columns(head_rows(path, sheet), wanted))
    return result


def _header_columns(grid: list[list[Any]], wanted: set[str]) -> dict[str | int, int]:
    aliases = alias_index(ENCOUNTER_HEADERS)
    best: dict[str | int, int] = {}
    for cells in grid:
        keys = {header_key(c): i for i, c in reversed(list(enumerate(cells))) if c != ""}
        canon = {header_key(aliases[k]): i for k, i in keys.items() if k in aliases}
        found: dict[str | int, int] = {}
        for column in wanted:
            k = header_key(column)
            if k in keys:
                found[column] = keys[k]
            elif k in canon:
                found[column] = canon[k]
        if len(found) > len(best):
            best = dict(found)
    return best
