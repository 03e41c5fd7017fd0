"""CellValues go into empty cells of the user's sheet only; every other byte stays."""

from __future__ import annotations

import csv
import re
import warnings
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.table import Table

from addin.sheets import CellValue, read_book, write_book
from addin.sheets.cellvalues import fill_part, holds_value

FIDELITY = Path(__file__).resolve().parents[1] / "data" / "workbooks" / "fidelity"
CORPUS = sorted(FIDELITY.glob("*.xls*"))
FORMULA = '=HYPERLINK("http://example.com","x")'
ODD = " a<b & _x0041_ "
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _values(sheet: str) -> list[CellValue]:
    return [
        CellValue(sheet, 2, "Dx 1", "Z00.00"),  # holds E11.9, typed by a person
        CellValue(sheet, 4, "Dx 2", FORMULA),  # a missing cell in an existing row
        CellValue(sheet, 3, 18, ODD),  # column R: missing, between or after cells
        CellValue(sheet, 7, "Dx 1", "R05.9"),  # a row that is not there
    ]


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _without(xml: str, refs: set[str], new_rows: set[int]) -> str:
    """The part with the given cells and (now empty) new rows taken out, rows in one form."""
    for ref in refs:
        pattern = rf'<(?:\w+:)?c\b[^>]*\sr="{ref}"[^>]*?(/>|>.*?</(?:\w+:)?c>)'
        xml = re.sub(pattern, "", xml, flags=re.S)
    xml = re.sub(r"<((\w+:)?row\b[^>]*?)\s*/>", r"<\1></\2row>", xml)
    for row in new_rows:
        xml = re.sub(rf'<(?:\w+:)?row r="{row}"></(?:\w+:)?row>', "", xml)
    return re.sub(r'(<(\w+:)?dimension ref=")[^"]*"', r'\1"', xml)


def _sheet_part(parts: dict[str, bytes], changed: set[str]) -> str:
    (name,) = changed
    assert name.startswith("xl/worksheets/sheet"), changed
    return name


@pytest.mark.parametrize("src", CORPUS, ids=lambda p: p.name)
def test_values_change_only_their_cells(src: Path, tmp_path: Path) -> None:
    sheet = next(iter(read_book(src).headers))
    before = _parts(src)
    done = write_book(src, [], out=tmp_path / src.name, values=_values(sheet))
    after = _parts(done.path)
    assert set(after) == set(before)
    changed = {n for n in before if before[n] != after[n]}
    name = _sheet_part(before, changed)
    old, new = before[name].decode(), after[name].decode()
    had_row_7 = re.search(r'<(\w+:)?row r="7"', old) is not None
    assert _without(new, {"L4", "R3", "K7"}, set() if had_row_7 else {7}) == _without(
        old, {"L4", "R3", "K7"}, set()
    )
    assert re.search(r'r="L4"', old) is None  # it really was missing
    assert [(v.text, where) for v, where in done.values.written] == [
        (FORMULA, "L4"), (ODD, "R3"), ("R05.9", "K7")]  # fmt: skip
    assert [why for _, why in done.values.skipped] == [f"{sheet}!K2 already holds a value"]
    # the written cells are inline strings; the dimension, when there is one, covers them
    assert re.search(r'<(\w+:|)c [^>]*r="L4"[^>]*t="inlineStr"><\1is><\1t>=HYPERLINK', new)
    dim = re.search(r'<(?:\w+:)?dimension ref="([^"]*)"', new)
    if dim is not None:
        assert dim.group(1).split(":")[-1] in ("R7", "R500", "S7"), dim.group(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # openpyxl: x14 extensions it drops
        ws = openpyxl.load_workbook(done.path)[sheet]
    assert ws["K2"].value == "E11.9"
    assert ws["L4"].value == FORMULA and ws["L4"].data_type == "s"
    assert ws["K7"].value == "R05.9"


def test_a_cell_holding_anything_is_kept() -> None:
    assert holds_value('<c r="A1" t="s"><v>0</v></c>')
    assert holds_value('<c r="A1"><f>1+1</f><v></v></c>')
    assert holds_value('<c r="A1" t="inlineStr"><is><t>x</t></is></c>')
    assert holds_value('<c r="A1" t="n"><v>0</v></c>')
    assert not holds_value('<c r="A1" s="3"/>')
    assert not holds_value('<c r="A1" t="s"><v></v></c>')
    assert not holds_value('<c r="A1" t="inlineStr"><is><t></t></is></c>')


def test_empty_cells_keep_their_style_and_lose_a_stale_type() -> None:
    xml = (
        f'<worksheet {NS}><dimension ref="A1:C2"/><sheetData><row r="1"><c r="A1" t="s"><v>0</v>'
        '</c></row><row r="2" s="9" customFormat="1"><c r="A2" s="3"/><c r="B2" s="4" t="s">'
        '</c><c r="C2" t="n"><v>5</v></c></row></sheetData></worksheet>'
    )
    out, held = fill_part(xml, {(2, 0): "I10", (2, 1): "E11.9", (2, 2): "x", (2, 4): "Z23"})
    assert held == {(2, 2)}
    assert '<c r="A2" s="3" t="inlineStr"><is><t>I10</t></is></c>' in out
    assert '<c r="B2" s="4" t="inlineStr"><is><t>E11.9</t></is></c>' in out
    assert '<c r="C2" t="n"><v>5</v></c>' in out
    # a new cell in a row with its own style takes the row's style, as Excel shows it
    assert '<c r="E2" s="9" t="inlineStr"><is><t>Z23</t></is></c></row>' in out
    assert '<dimension ref="A1:E2"/>' in out


def test_text_is_escaped_and_a_prefixed_part_keeps_its_prefix() -> None:
    xml = (
        '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<x:sheetData/></x:worksheet>"
    )
    out, held = fill_part(xml, {(3, 1): ODD, (1, 0): "=1+1"})
    assert held == set()
    assert out == (
        '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<x:sheetData><x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>=1+1</x:t></x:is></x:c>'
        '</x:row><x:row r="3"><x:c r="B3" t="inlineStr"><x:is><x:t xml:space="preserve"> '
        "a&lt;b &amp; _x005F_x0041_ </x:t></x:is></x:c></x:row></x:sheetData></x:worksheet>"
    )


def test_nothing_to_write_leaves_the_file_identical(tmp_path: Path) -> None:
    src = CORPUS[0]
    sheet = next(iter(read_book(src).headers))
    done = write_book(src, [], out=tmp_path / src.name, values=[_values(sheet)[0]])
    assert done.values.written == []
    assert _parts(done.path) == _parts(src)


@pytest.mark.libreoffice
def test_libreoffice_reads_the_filled_cells(libreoffice: Any, tmp_path: Path) -> None:
    outs = []
    for src in CORPUS:
        sheet = next(iter(read_book(src).headers))
        outs.append(write_book(src, [], out=tmp_path / "in" / src.name, values=_values(sheet)).path)
    libreoffice.csv_all_sheets(outs, tmp_path / "csv")
    for out in outs:
        with open(tmp_path / "csv" / f"{out.stem}-Encounters.csv", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        assert rows[1][10] == "E11.9", out.name  # K2: the typed code stays
        assert rows[3][11] == FORMULA, out.name  # L4: text, not a formula
        assert rows[2][17] == ODD, out.name  # R3: escapes undone, spaces kept
        assert rows[6][10] == "R05.9", out.name  # K7: the new row


def _clinic_with_table(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Encounters"
    ws.append(
        [
            "Encounter ID",
            "Patient Last Name",
            "Patient First Name",
            "Payer",
            "Date of Service",
            "Dx 1",
            "Dx 2",
            "Diagnosis Text",
            "Procedure Code",
            "Charge",
        ]
    )
    ws.append(["A1", "Doe", "Jane", "Aetna", "2026-03-04", None, None, "HTN; UTI", "99213", 90])
    ws.append(["A2", "Roe", "Rick", "Aetna", "2026-03-05", "E11.9", None, "DM2", "99213", 90])
    ws.append(["A3", "Poe", "Ann", "Aetna", "2026-03-06", None, None, "earwax", "69210", 60])
    ws.add_table(Table(displayName="Visits", ref="A1:J4"))
    wb.save(path)
    return path


@pytest.mark.libreoffice
def test_suggested_codes_open_in_libreoffice(libreoffice: Any, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from addin.cli import app

    src = _clinic_with_table(tmp_path / "visits.xlsx")
    out = tmp_path / "in" / "visits.xlsx"
    result = CliRunner().invoke(app, ["suggest-missing", str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    before, after = _parts(src), _parts(out)
    assert after["xl/tables/table1.xml"] == before["xl/tables/table1.xml"]
    libreoffice.csv_all_sheets([out], tmp_path / "csv")
    with open(tmp_path / "csv" / "visits-Encounters.csv", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert [r[5:7] for r in rows[1:]] == [["I10", "N39.0"], ["E11.9", ""], ["H61.20", ""]]
    # only the filled cells got the info fill; the typed E11.9 did not
    ws = openpyxl.load_workbook(out)["Encounters"]
    fills = {c.coordinate for row in ws.iter_rows() for c in row if c.fill.fill_type == "solid"}
    assert fills == {"F2", "G2", "F4"}
