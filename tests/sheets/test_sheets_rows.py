"""The fast row renderer writes exactly what cell_xml writes, cell for cell, in any column.

Result sheets of 100,000 lines are rendered a block of rows at a time with one renderer per
column (repeated values cached); these tests hold it to the one-cell-at-a-time reference.
"""

from __future__ import annotations

import enum
import re
import threading
import zipfile
import zlib
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addin.errors import OutputError
from addin.models import Column, ResultTable
from addin.sheets.package import LEVEL, Package, _Packed
from addin.sheets.sheetxml import (
    ROW_BLOCK,
    SheetStyles,
    cell_xml,
    col_letter,
    rows_xml,
    worksheet_chunks,
    worksheet_xml,
)

KINDS = ["text", "code", "link", "money", "date", "int", "number", "percent"]
STYLES = SheetStyles(text=0, code=3, money=4, date=5, int_=6, number=0, percent=7, dxf={})


class Status(str, enum.Enum):  # noqa: UP042 - the mixin is the point
    """A str-mixin enum: equal to its value, but str() is 'Status.OPEN'."""

    OPEN = "open"


ODD = [
    None, "", " ", "open", Status.OPEN, "=SUM(A1:A9)", "+1", "-1", "@cmd", "a & b <c> \"d\"",
    "tab\there", "line\nbreak", "bell\x07", "_x0041_", "\ud800", "\ufffe", "é ü 中文",
    "x" * 40_000, 0, 1, -7, True, False, 0.0, -0.0, 1.5, float("inf"), float("nan"),
    Decimal("0"), Decimal("-0.00"), Decimal("1.0"), Decimal("1.00"), Decimal("125.50"),
    Decimal("1E+3"), Decimal("NaN"), Decimal("Infinity"), date(2026, 3, 4), date(1900, 2, 1),
    datetime(2026, 3, 4, 13, 30), ["a", "list"],
]  # fmt: skip


def reference_rows(rows: list[list[Any]], columns: list[Column], styles: SheetStyles) -> str:
    """The rows as the writer wrote them before: cell_xml for each non-empty cell."""
    letters = [col_letter(i) for i in range(max(len(columns), 1))]
    out = []
    for r, values in enumerate(rows, start=2):
        cells = [
            cell_xml(f"{letters[i]}{r}", value, columns[i], styles)
            for i, value in enumerate(values[: len(columns)])
            if value is not None and value != ""
        ]
        out.append(f'<row r="{r}">' + "".join(cells) + "</row>")
    return "".join(out)


def _rendered(rows: list[list[Any]], columns: list[Column], styles: SheetStyles) -> str:
    letters = [col_letter(i) for i in range(max(len(columns), 1))]
    return "".join(rows_xml(rows, columns, letters, styles))


def test_every_kind_and_odd_value_renders_as_cell_xml() -> None:
    columns = [Column(name=k, kind=k) for k in KINDS]  # type: ignore[arg-type]
    # each odd value in every column, in blocks past one block, repeated (the cache)
    rows = [[ODD[(i + k) % len(ODD)] for k in range(len(KINDS))] for i in range(ROW_BLOCK * 2 + 7)]
    assert _rendered(rows, columns, STYLES) == reference_rows(rows, columns, STYLES)


SAME_TYPE = {
    "text": ["V1", "", "=1+1", "a & b", "_x0041_", "bell\x07", "V1", None],
    "clean text": ["V1", "a & b", "<x>", None, "V1", "Z99.89", "=A1", "x" * 40_000],
    "plain text": ["V1", "V2", "Aetna", "E11.9"],
    "int": [0, 7, -3, 7, None],
    "date": [date(2026, 3, 4), date(1900, 1, 1), None, date(2026, 3, 4)],
    "decimal": [Decimal("125.50"), Decimal("-0.00"), Decimal("1E+3"), None, Decimal("1.0")],
    "decimal nan": [Decimal("1.00"), Decimal("NaN"), None],
    "float": [1.5, -0.0, float("inf"), None],
}


def test_columns_of_one_type_take_their_fast_path_to_the_same_bytes() -> None:
    for name, values in SAME_TYPE.items():
        columns = [Column(name=k, kind=k) for k in KINDS]  # type: ignore[arg-type]
        rows = [[values[(i + k) % len(values)] for k in range(len(KINDS))] for i in range(600)]
        assert _rendered(rows, columns, STYLES) == reference_rows(rows, columns, STYLES), name


def test_1904_dates_short_and_long_rows_and_no_columns() -> None:
    styles = SheetStyles(text=0, code=3, money=4, date=5, int_=6, number=0, percent=7, dxf={},
                         date1904=True)  # fmt: skip
    columns = [Column(name="D", kind="date"), Column(name="M", kind="money")]
    rows = [[date(2026, 1, 2)], [], [date(2026, 1, 2), Decimal("3.10"), "past the last column"]]
    assert _rendered(rows, columns, styles) == reference_rows(rows, columns, styles)
    assert _rendered(rows, [], styles) == reference_rows(rows, [], styles)


def test_text_that_looks_like_a_formula_stays_text() -> None:
    columns = [Column(name=k, kind=k) for k in KINDS]  # type: ignore[arg-type]
    rows = [['=HYPERLINK("http://x")'] * len(KINDS)] * 3
    xml = _rendered(rows, columns, STYLES)
    assert "<f>" not in xml and "<f " not in xml
    assert xml.count('t="inlineStr"') == 3 * len(KINDS)


def test_the_whole_part_is_its_chunks() -> None:
    columns = [Column(name=k, kind=k, highlight={"open": "FFC7CE"}) for k in KINDS]  # type: ignore[arg-type]
    styles = SheetStyles(text=0, code=3, money=4, date=5, int_=6, number=0, percent=7,
                         dxf={"FFC7CE": 0})  # fmt: skip
    rows = [[ODD[(3 * i + k) % len(ODD)] for k in range(len(KINDS))] for i in range(1500)]
    table = ResultTable(sheet="Claims", columns=columns, rows=rows)
    whole = worksheet_xml(table, styles, "rId1", "rId2")
    chunks = list(worksheet_chunks(table, styles, "rId1", "rId2"))
    assert len(chunks) > 3 and "".join(chunks) == whole
    body = re.search(r"<sheetData>.*?</row>(.*)</sheetData>", whole, re.S)
    assert body is not None and body.group(1) == reference_rows(rows, columns, styles)


_values = st.one_of(
    st.none(), st.text(max_size=12), st.integers(-10**12, 10**12), st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True), st.decimals(places=2),
    st.decimals(allow_nan=True, allow_infinity=True), st.dates(), st.datetimes(),
    st.sampled_from(ODD[:20]),
)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=5),
    rows=st.lists(st.lists(_values, max_size=6), max_size=40),
)
def test_any_values_render_as_cell_xml(kinds: list[str], rows: list[list[Any]]) -> None:
    columns = [Column(name=f"c{i}", kind=k) for i, k in enumerate(kinds)]  # type: ignore[arg-type]
    assert _rendered(rows, columns, STYLES) == reference_rows(rows, columns, STYLES)


_UNIFORM = {  # a column of one type with no empty cell: rendered by a join and a split
    "text": st.text(min_size=1, max_size=12),
    "plain": st.text(alphabet="abc _x<&>0", min_size=1, max_size=6),
    "int": st.integers(-(10**12), 10**12),
    "decimal": st.decimals(allow_nan=True, allow_infinity=True),
    "money": st.decimals(places=2, allow_nan=False, allow_infinity=False),
}


@settings(max_examples=80, deadline=None)
@given(
    kind=st.sampled_from(KINDS),
    values=st.sampled_from(sorted(_UNIFORM)).flatmap(
        lambda name: st.lists(_UNIFORM[name], min_size=1, max_size=30)
    ),
)
def test_a_column_of_one_type_renders_as_cell_xml(kind: str, values: list[Any]) -> None:
    columns = [Column(name="c", kind=kind)]  # type: ignore[arg-type]
    rows = [[v] for v in values]
    assert _rendered(rows, columns, STYLES) == reference_rows(rows, columns, STYLES)


def _saved(pkg: Package, path: Path) -> bytes:
    with path.open("wb") as fh:
        pkg.write(fh)
    return path.read_bytes()


def test_a_streamed_part_is_written_as_the_whole_string_would_be(tmp_path: Path) -> None:
    columns = [Column(name=k, kind=k) for k in KINDS]  # type: ignore[arg-type]
    rows = [[ODD[(5 * i + k) % len(ODD)] for k in range(len(KINDS))] for i in range(3000)]
    table = ResultTable(sheet="Claims", columns=columns, rows=rows)
    whole, streamed = Package(parts={"a.xml": b"<a/>"}), Package(parts={"a.xml": b"<a/>"})
    whole.set("xl/worksheets/sheet1.xml", worksheet_xml(table, STYLES, "rId1"))
    streamed.stream("xl/worksheets/sheet1.xml", worksheet_chunks(table, STYLES, "rId1"))
    assert streamed.read("xl/worksheets/sheet1.xml") == whole.read("xl/worksheets/sheet1.xml")
    first = _saved(whole, tmp_path / "whole.xlsx")
    assert _saved(streamed, tmp_path / "streamed.xlsx") == first
    with zipfile.ZipFile(tmp_path / "streamed.xlsx") as book:
        assert book.testzip() is None


def test_streaming_a_part_s_own_content_again_keeps_its_original_bytes(tmp_path: Path) -> None:
    table = ResultTable(sheet="S", columns=[Column(name="A")], rows=[["x"]] * 2000)
    path = tmp_path / "book.xlsx"
    _saved(Package(parts={"s.xml": worksheet_xml(table, STYLES, "rId1").encode()}), path)
    raw = zipfile.ZipFile(path).read("s.xml")
    pkg = Package(path)
    pkg.stream("s.xml", worksheet_chunks(table, STYLES, "rId1"))
    assert pkg.changed() == []
    pkg.stream("s.xml", ["<other/>"])
    assert pkg.changed() == ["s.xml"] and pkg.read("s.xml") == b"<other/>"
    pkg.stream("s.xml", worksheet_chunks(table, STYLES, "rId1"))
    assert pkg.changed() == [] and pkg.read("s.xml") == raw
    pkg.close()


def test_untouched_parts_are_copied_from_the_file_not_held(tmp_path: Path) -> None:
    # the original compressed bytes are read from the package file when written (a big
    # workbook's 14-40 MB of them are never held); a file cut short meanwhile stops the save
    big = "<a>" + "".join(f"<c>{i}</c>" for i in range(400_000)) + "</a>"
    path = tmp_path / "book.xlsx"
    _saved(Package(parts={"a.xml": big.encode(), "b.xml": b"<b/>"}), path)
    pkg = Package(path)
    pkg.set("b.xml", "<b>new</b>")
    assert not any(isinstance(v, bytes) for e in pkg._entries.values() for v in vars(e).values())
    _saved(pkg, tmp_path / "again.xlsx")
    assert zipfile.ZipFile(tmp_path / "again.xlsx").read("a.xml") == big.encode()
    pkg.close()
    pkg = Package(path)
    with path.open("r+b") as fh:
        fh.truncate(path.stat().st_size // 2)
    with pytest.raises(OutputError, match="changed on disk"):
        _saved(pkg, tmp_path / "cut.xlsx")
    pkg.close()


def test_a_part_made_again_at_the_save_is_written_as_a_streamed_one(tmp_path: Path) -> None:
    # stream_again keeps only the part's checksum and makes it again into the file (its
    # deflated bytes never held): the file is byte for byte the one stream() gives, also
    # through a file object that cannot seek (the part is deflated in memory then)
    table = ResultTable(sheet="S", columns=[Column(name="A")], rows=[["x"]] * 3000)
    path = tmp_path / "book.xlsx"
    _saved(Package(parts={"s.xml": worksheet_xml(table, STYLES, "rId1").encode()}), path)
    new = ResultTable(sheet="S", columns=[Column(name="A")], rows=[["y"], ["zé"]] * 90_000)
    made = 0

    def make() -> Iterator[str]:
        nonlocal made
        made += 1
        assert pkg.is_original("s.xml") or made > 1
        return worksheet_chunks(new, STYLES, "rId1")

    expected = Package(path)
    expected.stream("s.xml", worksheet_chunks(new, STYLES, "rId1"))
    want = _saved(expected, tmp_path / "want.xlsx")
    pkg = Package(path)
    pkg.stream_again("s.xml", make)
    assert made == 1 and pkg.changed() == ["s.xml"] and not pkg.is_original("s.xml")
    assert pkg.checksum("s.xml") == expected.checksum("s.xml")
    assert b"".join(pkg.chunks("s.xml") or []) == pkg.read("s.xml") == expected.read("s.xml")
    assert _saved(pkg, tmp_path / "got.xlsx") == want

    class Unseekable:
        def __init__(self) -> None:
            self.parts: list[bytes] = []

        def write(self, data: bytes) -> None:
            self.parts.append(bytes(data))

    sink = Unseekable()
    pkg.write(sink)  # type: ignore[arg-type]
    assert b"".join(sink.parts) == want
    # its own content again keeps the original bytes, as stream() does
    pkg.stream_again("s.xml", lambda: worksheet_chunks(table, STYLES, "rId1"))
    assert pkg.changed() == [] and pkg.is_original("s.xml")
    expected.close()
    pkg.close()


def test_text_set_on_a_part_is_written_as_its_utf8_bytes(tmp_path: Path) -> None:
    text = "<a>" + "é中 & x" * 300_000 + "</a>"  # past one chunk, not ASCII
    as_text, as_bytes = Package(parts={"a.xml": b"<a/>"}), Package(parts={"a.xml": b"<a/>"})
    as_text.set("a.xml", text)
    as_bytes.set("a.xml", text.encode("utf-8"))
    assert as_text.text("a.xml") is text and as_text.read("a.xml") == text.encode("utf-8")
    assert _saved(as_text, tmp_path / "t.xlsx") == _saved(as_bytes, tmp_path / "b.xlsx")
    # the same text again over the saved part: the part keeps its original bytes
    pkg = Package(tmp_path / "t.xlsx")
    pkg.set("a.xml", text)
    assert pkg.changed() == []
    pkg.close()


@pytest.mark.parametrize("sizes", [[], [10], [1 << 20], [1 << 20, 1], [5, 1 << 20, 7, 3 << 20]])
def test_a_part_deflated_inline_or_on_a_thread_is_one_deflate_of_its_pieces(
    sizes: list[int],
) -> None:
    # one chunk is deflated in the caller's thread, more on a second thread: either way the
    # bytes are those of a single deflate over the joined text
    pieces: list[str | bytes] = []
    for i, size in enumerate(sizes):
        text = ("<c>" + str(i) + "é</c>") * (size // 9 + 1)
        pieces.append(text if i % 2 == 0 else text.encode("utf-8"))
    joined = b"".join(p if isinstance(p, bytes) else p.encode("utf-8") for p in pieces)
    packed = _Packed.of(iter(pieces), LEVEL)
    deflate = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    assert b"".join(packed.pieces) == deflate.compress(joined) + deflate.flush()
    assert packed.raw_size == len(b"".join(packed.pieces))
    assert (packed.crc, packed.size) == (zlib.crc32(joined), len(joined))
    assert b"".join(packed.chunks()) == joined


def test_a_failing_renderer_leaves_no_deflating_thread_behind() -> None:
    def pieces() -> Iterator[str]:
        yield "x" * (2 << 20)  # past a chunk: the second thread has started
        raise ValueError("renderer failed")

    before = threading.active_count()
    with pytest.raises(ValueError, match="renderer failed"):
        _Packed.of(pieces(), LEVEL)
    assert threading.active_count() == before
