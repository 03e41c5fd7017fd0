"""Editing cells of a large sheet by jumping to the rows and cells that name themselves gives
the same part as walking every row and cell (as sheets without ``r`` attributes need)."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest

from addin.sheets import marks
from addin.sheets.marks import edit_cells

HEAD = '<worksheet xmlns="main"><dimension ref="A1:D9"/><sheetData>'
ROWS = (
    '<row r="1" spans="1:4"><c r="A1" t="inlineStr"><is><t>Encounter ID</t></is></c>'
    '<c r="B1" s="2"><v>7</v></c><c r="D1"/></row>'
    '<row r="2"><c r="A2"><v>1</v></c><c r="C2" s="1" t="s"><v>0</v></c></row>'
    '<row r="3" s="4" customFormat="1"/>'
    '<row r="5"><c r="B5"><f>A2*2</f><v>2</v></c><c r="D5" t="inlineStr"><is><t>x &lt;c r="A5"'
    "</t></is></c></row>"
    '<row r="7" spans="2:2"><c r="B7"><v>3</v></c></row>'
)
TAIL = '</sheetData><pageMargins left="0.7"/></worksheet>'
IMPLICIT = re.sub(r' r="[A-Z]+\d+"', "", ROWS)  # cells take their column from their order


def _edit(existing: str | None, row_style: int, ref: str, key: Any) -> str:
    return f'<c r="{ref}" s="{row_style}" k="{key}"{"/" if existing is None else ""}>' + (
        "" if existing is None else existing[existing.find(">") + 1 :]
    )


def _walked(xml: str, cells: dict[tuple[int, int], Any], create: bool) -> str:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(marks, "_named_cells", lambda *_: None)
        patch.setattr(marks, "_rows", lambda xml, p, s, e, *_: marks._row_pattern(p).finditer(
            xml, s, e))  # fmt: skip
        return edit_cells(xml, cells, _edit, create)


SPOTS = [(1, 0), (1, 2), (2, 2), (2, 3), (3, 1), (4, 0), (5, 3), (5, 0), (7, 1), (9, 9)]


@pytest.mark.parametrize("body", [ROWS, IMPLICIT, ROWS.replace("<row", "<row ", 1)])
@pytest.mark.parametrize("prefix", ["", "x:"])
@pytest.mark.parametrize("create", [True, False])
def test_jumping_to_named_rows_and_cells_edits_as_walking_does(
    body: str, prefix: str, create: bool
) -> None:
    xml = HEAD + body + TAIL
    if prefix:
        xml = re.sub(r"<(/?)(?=[a-z])", rf"<\1{prefix}", xml).replace("xmlns=", "xmlns:x=")
    for n in range(1, 4):
        for chosen in itertools.combinations(SPOTS, n):
            cells = {cell: i for i, cell in enumerate(chosen)}
            assert edit_cells(xml, cells, _edit, create) == _walked(xml, cells, create), chosen
