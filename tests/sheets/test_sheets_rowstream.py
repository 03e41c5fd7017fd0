"""Cell edits streamed from a part's compressed bytes give the bytes of the edit on its whole
text; a row the stream cannot find by its reference sends the edit to the whole text."""

from __future__ import annotations

import itertools
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from addin.sheets.marks import edit_cells
from addin.sheets.package import Package
from addin.sheets.rowstream import NotStreamed, edit_part, stream_pieces

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_sheets_marks_fast import HEAD, IMPLICIT, ROWS, SPOTS, TAIL, _edit  # noqa: E402


def _prefixed(xml: str, prefix: str) -> str:
    if not prefix:
        return xml
    return re.sub(r"<(/?)(?=[a-z])", rf"<\1{prefix}", xml).replace("xmlns=", "xmlns:x=")


def _chunked(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def _streamed(xml: str, cells: dict[tuple[int, int], Any], create: bool, size: int) -> str:
    pieces = stream_pieces(_chunked(xml.encode(), size), cells, _edit, create)
    return b"".join(p.encode() if isinstance(p, str) else p for p in pieces).decode()


UNNAMED_LAST = ROWS + '<row><c r="A8"><v>1</v></c></row>'  # row 8, by its place


@pytest.mark.parametrize(
    "body", [ROWS, IMPLICIT, ROWS.replace("<row", "<row ", 1), UNNAMED_LAST, ""]
)
@pytest.mark.parametrize("prefix", ["", "x:"])
@pytest.mark.parametrize("create", [True, False])
@pytest.mark.parametrize("size", [1, 7, 64, 4096])
def test_a_streamed_edit_is_the_edit_of_the_whole_text_or_says_it_is_not(
    body: str, prefix: str, create: bool, size: int
) -> None:
    xml = _prefixed(HEAD + body + TAIL, prefix)
    named = {int(r) for r in re.findall(r'<(?:x:)?row r="(\d+)"', xml)}
    for n in range(1, 3):
        for chosen in itertools.combinations([*SPOTS, (8, 0), (12, 1)], n):
            cells = {cell: i for i, cell in enumerate(chosen)}
            try:
                got = _streamed(xml, cells, create, size)
            except NotStreamed:  # only when some row to edit is not found by its reference
                assert not {row for row, _ in chosen} <= named, chosen
                continue
            assert got == edit_cells(xml, cells, _edit, create), chosen
            # rows not there are made only past the last row, when it names itself
            assert {row for row, _ in chosen} <= named or (create and body != UNNAMED_LAST)


def test_text_that_is_not_ascii_streams_as_it_is() -> None:
    xml = HEAD + ROWS.replace("Encounter ID", "Encuentro ñandú 中文") + TAIL
    cells = {(1, 1): "a", (5, 3): "b"}
    for size in (1, 3, 50):
        assert _streamed(xml, cells, True, size) == edit_cells(xml, cells, _edit, True)


@pytest.mark.parametrize("cells", [{(2, 1): 1, (7, 0): 2}, {(2, 1): 1, (6, 0): 2}])
def test_edit_part_streams_a_zip_part_or_falls_back_to_its_text(
    tmp_path: Path, cells: dict[tuple[int, int], Any]
) -> None:
    xml = HEAD + ROWS + TAIL
    book = tmp_path / "book.zip"
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", xml)
    pkg = Package(book)
    grow = "<!--grown-->"
    edit_part(pkg, "xl/worksheets/sheet1.xml", cells, lambda _: _edit, True, lambda h: h + grow)
    whole = edit_cells(xml, cells, _edit, True)
    at = whole.find("<sheetData>") + len("<sheetData>")
    assert pkg.text("xl/worksheets/sheet1.xml") == whole[:at] + grow + whole[at:]
    pkg.close()
