"""Fidelity corpus: read, then write result sheets; every untouched part stays byte-identical.

The corpus (tests/data/workbooks/fidelity/, built by build_corpus.py there) holds a VBA
project, a button shape with a macro, a picture, sparklines, x14 list validation to another
sheet, x14 data bars, charts, comments, Excel Tables, defined names, a pivot cache, dynamic
arrays, custom XML, an external link, a LibreOffice-saved file and prefixed SpreadsheetML.
"""

from __future__ import annotations

import csv
import posixpath
import re
import warnings
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import openpyxl
import pytest

from addin.models import Book, CellMark, ChartSpec, Column, ResultTable
from addin.sheets import read_book, write_tables

FIDELITY = Path(__file__).resolve().parents[1] / "data" / "workbooks" / "fidelity"
CORPUS = sorted(FIDELITY.glob("*.xls*"))
ADDITIVE = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"}
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"


def test_corpus_has_the_features_it_claims() -> None:
    assert len(CORPUS) >= 8
    names = {n for path in CORPUS for n in zipfile.ZipFile(path).namelist()}
    blobs = b"".join(
        zipfile.ZipFile(p).read(n) for p in CORPUS for n in zipfile.ZipFile(p).namelist()
    )
    assert "xl/vbaProject.bin" in names
    assert any(n.startswith("xl/pivotCache/pivotCacheDefinition") for n in names)
    assert any(n.startswith("xl/charts/chart") for n in names)
    assert any(n.startswith("xl/media/") for n in names)
    assert any(n.startswith("xl/comments") for n in names)
    assert any(n.startswith("xl/tables/") for n in names)
    assert "xl/metadata.xml" in names
    for feature in (b'macro="[0]!SampleCall"', b"x14:sparklineGroup", b"<xm:f>Payers!$A$2",
                    b"<definedName", b"x14:dataBar", b'cm="1"', b"<x:worksheet"):  # fmt: skip
        assert feature in blobs, feature


def _results(book: Book) -> list[ResultTable]:
    findings = ResultTable(
        sheet="Findings",
        columns=[
            Column(name="Rule"),
            Column(name="Row", kind="int"),
            Column(
                name="Severity", choices=["error", "warning", "info"], highlight={"error": "FFC7CE"}
            ),
            Column(name="Value"),
        ],  # fmt: skip
        rows=[["CHECK-NAME", 4, "error", "=Smith"], ["CHECK-ZIP", 2, "warning", "@02134"]],
    )
    claims = ResultTable(
        sheet="Claims",
        charts=[ChartSpec(title="Charges", category="Encounter ID", values=["Charge"])],
        columns=[
            Column(name="Encounter ID", kind="code"),
            Column(name="Patient"),
            Column(name="Charge", kind="money"),
            Column(name="DOS", kind="date"),
        ],  # fmt: skip
        rows=[
            [
                e.encounter_id,
                f"{e.patient.last_name}, {e.patient.first_name}",
                e.total_charge,
                e.date_of_service,
            ]
            for e in book.encounters
        ],  # fmt: skip
    )
    return [findings, claims]


def _openpyxl(path: Path) -> openpyxl.Workbook:
    """openpyxl warns that it would drop x14 extensions on save: known, and why we never save
    with it; the load itself must work."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=".*extension is not supported", category=UserWarning
        )
        return openpyxl.load_workbook(path)


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _rels(blob: bytes) -> set[tuple[str, str, str]]:
    root = ElementTree.fromstring(blob)
    return {(r.get("Id", ""), r.get("Type", ""), r.get("Target", "")) for r in root.iter(PKG_REL)}


def _resolve(folder: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(folder, target))


def _owned_parts(parts: dict[str, bytes], sheets: set[str]) -> set[str]:
    """Parts of result sheets that existed before (replaced on purpose) and everything
    reachable only through them (their tables, comments, drawings)."""
    wb = parts["xl/workbook.xml"].decode()
    rels = {rid: t for rid, _, t in _rels(parts["xl/_rels/workbook.xml.rels"])}
    owned: set[str] = set()
    todo = [
        _resolve("xl", rels[rid])
        for name, rid in re.findall(r'<(?:\w+:)?sheet [^>]*name="([^"]+)"[^>]*:id="([^"]+)"', wb)
        if name in sheets
    ]
    while todo:
        part = todo.pop()
        if part in owned:
            continue
        folder, base = part.rsplit("/", 1)
        rel_part = f"{folder}/_rels/{base}.rels"
        owned |= {part, rel_part}
        if rel_part in parts:
            todo += [_resolve(folder, t) for _, _, t in _rels(parts[rel_part])]
    return owned


@pytest.mark.parametrize("src", CORPUS, ids=lambda p: p.name)
def test_round_trip_keeps_every_untouched_part(src: Path, tmp_path: Path) -> None:
    before = _parts(src)
    book = read_book(src)
    assert [e.encounter_id for e in book.encounters] == ["E1001", "E1002"]
    assert book.encounters[0].total_charge == Decimal("137.50")
    out = write_tables(src, _results(book), out=tmp_path / src.name)
    after = _parts(out)
    owned = _owned_parts(before, {"Findings", "Claims"})
    for name, blob in before.items():
        if name in ADDITIVE or name in owned:
            continue
        if name == "xl/calcChain.xml" and name not in after:
            continue  # dropped on purpose: it listed formulas of a replaced result sheet
        assert after.get(name) == blob, f"{name} changed"
    # rels and content types only gain entries (calcChain aside)
    old_rels, new_rels = (_rels(p["xl/_rels/workbook.xml.rels"]) for p in (before, after))
    assert {r for r in old_rels if not r[1].endswith("/calcChain")} <= new_rels
    old_ct = ElementTree.fromstring(before["[Content_Types].xml"])
    new_ct = ElementTree.fromstring(after["[Content_Types].xml"])
    entries = {(e.tag, tuple(sorted(e.attrib.items()))) for e in new_ct}
    for e in old_ct:
        if (
            "calcChain" not in e.get("PartName", "")
            and e.get("PartName", "").lstrip("/") not in owned
        ):
            assert (e.tag, tuple(sorted(e.attrib.items()))) in entries
    # workbook.xml: exactly the old text plus the new <sheet> elements
    old_wb, new_wb = before["xl/workbook.xml"].decode(), after["xl/workbook.xml"].decode()
    added = re.findall(r"<(?:\w+:)?sheet [^>]*cbr?:id=\"[^\"]+\"[^>]*/>|<(?:\w+:)?sheet name="
                       r"\"(?:Findings|Claims)\"[^>]*/>", new_wb)  # fmt: skip
    stripped = new_wb
    for element in added:
        if element not in old_wb:
            stripped = stripped.replace(element, "", 1)
    assert stripped == old_wb
    # styles.xml: old text survives in order, only counts and appended entries differ
    old_st = re.sub(r'count="\d+"', "", before["xl/styles.xml"].decode())
    new_st = iter(re.sub(r'count="\d+"', "", after["xl/styles.xml"].decode()))
    assert all(ch in new_st for ch in old_st)
    # it opens in openpyxl, with our text as text
    wb = _openpyxl(out)
    assert wb["Findings"]["D2"].value == "=Smith" and wb["Findings"]["D2"].data_type == "s"
    assert wb["Claims"]["C2"].value == 137.5
    original = re.findall(r'<(?:\w+:)?sheet [^>]*name="([^"]+)"', old_wb)
    assert [n for n in wb.sheetnames if n in original] == original
    assert {"Findings", "Claims"} <= set(wb.sheetnames)
    again = read_book(out)
    assert again.encounters == book.encounters


@pytest.mark.parametrize("src", CORPUS, ids=lambda p: p.name)
def test_marks_change_only_style_references(src: Path, tmp_path: Path) -> None:
    before = _parts(src)
    book = read_book(src)
    sheet = next(iter(book.headers))
    marks = [
        CellMark(sheet=sheet, row=2, column=book.header(sheet, "Patient ZIP")),
        CellMark(sheet=sheet, row=4, column="Modifier 1", severity="warning"),  # empty cell
        CellMark(sheet=sheet, row=3, column=1, severity="info"),
    ]
    out = write_tables(src, [], out=tmp_path / src.name, marks=marks)
    after = _parts(out)
    changed = {n for n in before if before[n] != after.get(n)}
    part = changed - {"xl/styles.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"}
    assert len(part) == 1, changed
    (name,) = part
    (ledger,) = set(after) - set(before)  # the marks ledger, a custom XML part
    assert ledger.startswith("customXml/") and b"claimbookMarks" in after[ledger]
    old, new = before[name].decode(), after[name].decode()
    strip = re.compile(r'\ss="\d+"')
    new_plain = re.sub(r'<(\w+:)?c r="N4"/>', "", strip.sub("", new))
    assert new_plain == strip.sub("", old)
    # the next run's marks replace these: with none, every style is back as it was
    cleared = _parts(write_tables(out, [], out=tmp_path / f"cleared{src.suffix}", marks=[]))
    assert re.sub(r'<(\w+:)?c r="N4"/>', "", cleared[name].decode()) == old
    ws = _openpyxl(out)[sheet]
    assert ws["F2"].fill.fgColor.rgb == "FFFFC7CE"
    assert ws["N4"].fill.fgColor.rgb == "FFFFEB9C"
    assert ws["A3"].fill.fgColor.rgb == "FFDDEBF7"


@pytest.mark.libreoffice
def test_results_open_in_libreoffice(libreoffice: Any, tmp_path: Path) -> None:
    outs = []
    for src in CORPUS:
        outs.append(write_tables(src, _results(read_book(src)), out=tmp_path / "in" / src.name))
    libreoffice.csv_all_sheets(outs, tmp_path / "csv")
    for out in outs:
        stem = out.stem
        with open(tmp_path / "csv" / f"{stem}-Findings.csv", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        assert rows[1] == ["CHECK-NAME", "4", "error", "=Smith"], out.name
        assert rows[2][3] == "@02134"
        with open(tmp_path / "csv" / f"{stem}-Claims.csv", encoding="utf-8") as fh:
            claims = list(csv.reader(fh))
        assert claims[1][:3] == ["E1001", "Rivera, Ana", "137.5"], out.name
        assert (tmp_path / "csv" / f"{stem}-Encounters.csv").is_file()
