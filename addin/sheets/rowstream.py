"""Cell edits on a sheet part streamed from its compressed bytes: the part is never text whole.

:func:`~addin.sheets.marks.edit_pieces` edits a sheet part held as one string; at 100,000
lines the Encounters sheet is 140 MB of it. Here the part comes in as inflated chunks, the
stretches between the rows to edit go on as the bytes they are (never decoded), and only
those rows are decoded and edited, by the same code. The bytes are those of
``edit_pieces``, which takes this path whenever every row to edit names itself and is found
so (``<row r="12"``, as Excel, LibreOffice and openpyxl write) or is past the last row (rows
appended to a register); when one is not (another row to create, rows without ``r``),
:class:`NotStreamed` says so and the caller edits the whole text.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from typing import Any

from addin.sheets.marks import CellEdit, _new_row, edit_pieces, edited_row
from addin.sheets.package import Package, root_prefix

_DATA = re.compile(rb"<(\w+:)?sheetData\b[^>]*?(/?)>")
_TAG_END = re.compile(rb"[^>]*>")


class NotStreamed(Exception):  # noqa: N818 - a signal between two paths, not an error
    """A row to edit is not where the streamed path looks (the whole text is edited)."""


def stream_pieces(
    chunks: Iterable[bytes],
    cells: dict[tuple[int, int], Any],
    edit: CellEdit,
    create: bool = True,
    head: Callable[[str], str] | None = None,
) -> Iterator[bytes | str]:
    """The sheet part of ``chunks`` with ``cells`` edited as ``edit_pieces`` edits them;
    ``head`` rewrites the text before the first row (a <dimension> that grows). Raises
    NotStreamed when a row to edit is not found by its reference (perhaps after pieces
    were taken: the caller drops them)."""
    source = iter(chunks)
    buf = b""
    while (data := _DATA.search(buf)) is None:
        chunk = next(source, None)
        if chunk is None:
            raise NotStreamed
        buf += chunk
    text = buf[: data.end()].decode("utf-8")
    p = root_prefix(text, "worksheet")
    if data.group(2) or (data.group(1) or b"").decode() != p:
        raise NotStreamed  # an empty sheetData: rows to create
    by_row: dict[int, dict[int, Any]] = {}
    for (row, col), key in cells.items():
        by_row.setdefault(row, {})[col] = key
    wanted = sorted(by_row)
    row_open = f"<{p}row r=".encode()
    close = f"</{p}row>".encode()
    body_end = f"</{p}sheetData>".encode()
    yield head(text) if head is not None else text
    pos = data.end()  # what is before pos in buf has gone out
    # the longest thing looked for must be seen whole across two chunks
    keep = max(len(body_end), len(row_open) + 12)
    last: int | None = 0  # the number of the last row gone out (None: it has no r)
    for i, number in enumerate(wanted):
        needle = row_open + f'"{number}"'.encode()
        while (at := buf.find(needle, pos)) < 0:
            if (stop := buf.find(body_end, pos)) >= 0:
                last = _last_row(buf, pos, stop, row_open, last)
                if not create or last is None or number <= last:
                    raise NotStreamed  # the row is not there (to create) or has no r
                # the rows left are past the last row (appended): they go at the end
                yield buf[pos:stop]
                yield from (_new_row(p, n, by_row[n], edit) for n in wanted[i:])
                yield buf[stop:]
                yield from source
                return
            chunk = next(source, None)
            if chunk is None:
                raise NotStreamed
            # out goes what is before the last tag that starts before the kept tail: no
            # tag is cut in two (the last row gone out is known by its whole tag)
            cut = max(pos, buf.rfind(b"<", pos, max(pos, len(buf) - keep) + 1))
            if cut > pos:
                last = _last_row(buf, pos, cut, row_open, last)
                yield buf[pos:cut]
            buf, pos = buf[cut:] + chunk, 0
        if buf.find(body_end, pos, at) >= 0:
            raise NotStreamed
        if at > pos:
            yield buf[pos:at]
        while (tag := _TAG_END.match(buf, at + len(row_open))) is None or (
            buf[tag.end() - 2 : tag.end()] != b"/>" and buf.find(close, tag.end()) < 0
        ):  # the whole row, up to its end tag
            chunk = next(source, None)
            if chunk is None:
                raise NotStreamed
            buf, at = buf[at:] + chunk, 0
        if buf[tag.end() - 2 : tag.end()] == b"/>":
            end = tag.end()
        else:
            end = buf.find(close, tag.end()) + len(close)
        yield edited_row(p, number, buf[at:end].decode("utf-8"), by_row[number], edit, create)
        pos, last = end, number
    yield buf[pos:]
    yield from source


def _last_row(buf: bytes, start: int, end: int, row_open: bytes, last: int | None) -> int | None:
    """The number of the last row that starts in ``buf[start:end]`` (``last`` when none
    does; None when it has no r first)."""
    found = buf.rfind(row_open[:-3], start, end)  # "<row" (the tag may run past end)
    if found < 0:
        return last
    if not buf.startswith(row_open + b'"', found):
        return None
    digits = found + len(row_open) + 1
    quote = buf.find(b'"', digits, digits + 12)
    number = buf[digits:quote]
    return int(number) if quote > digits and number.isdigit() else None


def edit_part(
    pkg: Package,
    part: str,
    cells: dict[tuple[int, int], Any],
    make: Callable[[str], CellEdit],
    create: bool = True,
    head: Callable[[str], str] | None = None,
    text: str | None = None,
    again: bool = False,
) -> None:
    """Edit ``cells`` of the sheet part ``part`` in ``pkg`` by the edit ``make`` gives for
    the part's text (its start is enough: the edit needs the namespace prefix), streamed
    from the part's compressed bytes when that can be done, else on its whole ``text``
    (read now when not given). ``again``: the edit gives the same each time it is made,
    so a part as read is made again as the package is written (Package.stream_again)
    rather than held deflated."""
    if again and text is None and pkg.is_original(part):
        # the package keeps this maker: a weak reference back, so the two make no cycle
        # (a run pauses the cyclic collector: the package would outlive the run)
        package = weakref.ref(pkg)

        def anew() -> Iterator[bytes | str]:
            owner = package()
            source = owner.original(part) if owner is not None else None
            if source is None:
                raise NotStreamed
            first = next(source, b"")
            edit = make(first[:4096].decode("utf-8", "replace"))
            return stream_pieces(chain([first], source), cells, edit, create, head)

        try:
            pkg.stream_again(part, anew)
            return
        except NotStreamed:
            pass  # nothing was set: the whole text is edited below
    chunks = pkg.chunks(part) if text is None else None
    if chunks is not None:
        first = next(chunks, b"")
        edit = make(first[:4096].decode("utf-8", "replace"))
        try:
            pkg.stream(part, stream_pieces(chain([first], chunks), cells, edit, create, head))
            return
        except NotStreamed:
            pass  # what the stream made is dropped; the whole text is edited instead
    text = pkg.text(part) if text is None else text
    made = edit_pieces(text, cells, make(text), create)
    pkg.stream(part, chain([head(next(made))], made) if head is not None else made)


def probe_part(
    pkg: Package, part: str, cells: dict[tuple[int, int], Any], make: Callable[[str], CellEdit]
) -> str | None:
    """Walk the cells of ``cells`` with the edit ``make`` gives (to look at them; nothing is
    made); returns the part's text when it had to be read whole (for the edit to come),
    None when the walk was streamed."""
    chunks = pkg.chunks(part)
    if chunks is not None:
        first = next(chunks, b"")
        edit = make(first[:4096].decode("utf-8", "replace"))
        try:
            for _ in stream_pieces(chain([first], chunks), cells, edit, create=False):
                pass
            return None
        except NotStreamed:
            pass
    text = pkg.text(part)
    for _ in edit_pieces(text, cells, make(text), create=False):
        pass
    return text
