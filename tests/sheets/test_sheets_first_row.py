"""A sheet's row 1 read from the start of its part, as calamine reads it whole."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from spoilt_packages import rezip, with_shared_strings  # noqa: E402

from addin.files.workbook import first_row  # noqa: E402
from addin.sheets.reader import _header_texts, read_book  # noqa: E402
from addin.sheets.source import Source  # noqa: E402


def _shared(path: Path, edit_sst: dict[bytes, bytes] | None = None) -> None:
    """``path`` saved again with its strings shared, as Excel saves them; ``edit_sst``
    replaces string items (rich text, phonetic runs)."""

    def edit(name: str, blob: bytes) -> tuple[str, bytes]:
        if name == "xl/sharedStrings.xml":
            for old, new in (edit_sst or {}).items():
                assert old in blob
                blob = blob.replace(old, new)
        return name, blob

    path.write_bytes(rezip(with_shared_strings(path.read_bytes()), edit))
    with zipfile.ZipFile(path) as zf:
        assert b't="s"' in zf.read("xl/worksheets/sheet2.xml")


def _headers_both_ways(path: Path, sheet: str) -> tuple[list[str] | None, list[str]]:
    source = Source(path)
    try:
        skimmed = source.header_row(sheet)
        grid = source.grid(sheet)
        return skimmed, _header_texts(grid[0]) if grid else []
    finally:
        source.close()


def test_shared_and_rich_strings_with_gaps_match_the_whole_read(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.title = "Other"
    for row in range(1, 3001):  # the header's strings come late in the shared list
        book.active.cell(row=row, column=1, value=f"other {row}")
    ws = book.create_sheet("Claims")
    ws["A1"] = "Claim ID"
    ws["B1"] = "  Claim   Total "  # spaces as typed: both reads tidy them the same way
    ws["D1"] = CellRichText([TextBlock(InlineFont(b=True), "Called"), " Payer"])
    ws["E1"] = "Notes & <follow-up>"
    for row in range(2, 2000):  # shared strings after the header's
        ws.cell(row=row, column=1, value=f"C{row}")
        ws.cell(row=row, column=5, value=f"note {row % 7}")
    path = tmp_path / "shared.xlsx"
    book.save(path)
    _shared(path, {b'<si><t xml:space="preserve">Claim ID</t></si>':
                   b'<si><r><rPr><b/></rPr><t>Claim</t></r><r><t xml:space="preserve"> ID</t>'
                   b"</r></si>"})  # fmt: skip
    skimmed, whole = _headers_both_ways(path, "Claims")
    assert skimmed is not None
    assert _header_texts(skimmed) == whole
    assert whole == ["Claim ID", "Claim Total", "", "Called Payer", "Notes & <follow-up>"]


def test_an_empty_row_1_is_no_header(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active["B3"] = "below"
    path = tmp_path / "low.xlsx"
    book.save(path)
    skimmed, whole = _headers_both_ways(path, book.active.title)
    assert skimmed == [] and whole == []


def test_phonetic_text_is_left_to_the_whole_read(tmp_path: Path) -> None:
    """A string with phonetic runs (Japanese Excel adds them) may read either way: the
    sheet is read whole rather than guessed at."""
    book = openpyxl.Workbook()
    book.active.title = "Encounters"
    book.active.append(["Encounter ID", "Procedure Code"])
    ws = book.create_sheet("Claims")
    ws["A1"] = "Encounter ID"
    ws["B1"] = "Claim ID"
    ws["A2"] = "V1"
    path = tmp_path / "phonetic.xlsx"
    book.save(path)
    plain = b'<t xml:space="preserve">Claim ID</t>'
    _shared(path, {plain: plain + b'<rPh sb="0" eb="5"><t>kana</t></rPh>'})
    with zipfile.ZipFile(path) as zf:
        assert first_row(zf, "xl/worksheets/sheet2.xml", "xl/sharedStrings.xml") is None
    read = read_book(path, own=["Claims"], skim=["Claims"])
    sheet = read.own["Claims"]
    assert not sheet.skimmed and [v for _, v in sheet.rows] == [["V1", ""]]


@pytest.mark.parametrize("suffix", [".csv"])
def test_a_csv_has_no_parts_to_skim(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"book{suffix}"
    path.write_text("Encounter ID,Claim ID\nV1,C1\n", encoding="utf-8")
    source = Source(path)
    try:
        assert source.header_row(source.sheet_names[0]) is None
    finally:
        source.close()


def test_cells_without_a_reference_follow_the_cell_before(tmp_path: Path) -> None:
    """Some writers leave out a cell's r="..."; the cell is then the one after the last."""
    book = openpyxl.Workbook()
    book.active.title = "Encounters"
    ws = book.create_sheet("Claims")
    ws["A1"], ws["C1"], ws["D1"], ws["A2"] = "Claim ID", "Line", "Memo", "C1"
    path = tmp_path / "noref.xlsx"
    book.save(path)

    def edit(name: str, blob: bytes) -> tuple[str, bytes]:
        if name == "xl/worksheets/sheet2.xml":
            assert b' r="A1"' in blob and b' r="D1"' in blob
            blob = blob.replace(b' r="A1"', b"").replace(b' r="D1"', b"")
        return name, blob

    path.write_bytes(rezip(path.read_bytes(), edit))
    skimmed, whole = _headers_both_ways(path, "Claims")
    assert skimmed is not None
    assert _header_texts(skimmed) == whole == ["Claim ID", "", "Line", "Memo"]
