"""Packages from any writer: each made by editing a real one (tests/data/workbooks/fidelity).

Content types by Override only (older LibreOffice), backslash member names, a shared-
strings count that lies, an Excel 4 macro sheet, a stray far cell, misnamed files. Each
case failed before addin/files/workbook.py and the package fixes; results are opened in
LibreOffice where the case is about what Excel or LibreOffice will accept.
"""

from __future__ import annotations

import csv
import re
import resource
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from spoilt_packages import backslash_names, far_cell, lying_count, macro_sheet, no_default_types
from typer.testing import CliRunner

from addin.cli import app
from addin.errors import WorkbookError
from addin.models import Column, ResultTable
from addin.sheets import read_book, write_tables

FIDELITY = Path(__file__).resolve().parents[1] / "data" / "workbooks" / "fidelity"
LO_SAVED = FIDELITY / "libreoffice_saved.xlsx"
XLSM = FIDELITY / "excel_vba_shapes.xlsm"
REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


def _spoil(src: Path, fix: Any, dest: Path) -> Path:
    dest.write_bytes(fix(src.read_bytes()))
    return dest


def _findings_table() -> ResultTable:
    return ResultTable(
        sheet="Findings",
        columns=[Column(name="Rule"), Column(name="Value")],
        rows=[["CHECK-NAME", "=cmd|' /C calc'!A0"], ["CHECK-ZIP", "@02134"]],
    )


def _typed(path: Path) -> tuple[set[str], set[str], list[str]]:
    """(Default extensions, Override part names, parts) of a package."""
    with zipfile.ZipFile(path) as z:
        ct = z.read("[Content_Types].xml").decode()
        parts = [n for n in z.namelist() if n != "[Content_Types].xml"]
    defaults = {d.lower() for d in re.findall(r'Default Extension="([^"]*)"', ct)}
    overrides = {o.lower() for o in re.findall(r'PartName="/([^"]*)"', ct)}
    return defaults, overrides, parts


def untyped_parts(path: Path) -> list[str]:
    """Parts with neither an Override nor a Default for their extension (Excel repairs)."""
    defaults, overrides, parts = _typed(path)
    return [p for p in parts if p.lower() not in overrides and p.rsplit(".", 1)[-1] not in defaults]


def test_override_only_content_types_still_type_every_new_part(tmp_path: Path) -> None:
    src = _spoil(LO_SAVED, no_default_types, tmp_path / "old-lo.xlsx")
    assert untyped_parts(src) == []  # the input is valid: every part listed by Override
    out = write_tables(src, [_findings_table()], out=tmp_path / "out.xlsx")
    # the new sheet's relationships part had no content type before the fix
    assert untyped_parts(out) == []
    defaults, _, _ = _typed(out)
    assert "rels" in defaults


def test_backslash_member_names_are_read_and_written(tmp_path: Path) -> None:
    src = _spoil(LO_SAVED, backslash_names, tmp_path / "backslash.xlsx")
    assert any("\\" in n for n in zipfile.ZipFile(src).namelist())
    book = read_book(src)
    assert [e.encounter_id for e in book.encounters] == ["E1001", "E1002"]
    # was "no workbook part in the package; not an xlsx file"
    out = write_tables(src, [_findings_table()], out=tmp_path / "out.xlsx")
    names = zipfile.ZipFile(out).namelist()
    assert "xl/workbook.xml" in names and not [n for n in names if "\\" in n]
    assert untyped_parts(out) == []
    with zipfile.ZipFile(src) as before, zipfile.ZipFile(out) as after:
        # every part the run did not touch is the same bytes under its OPC name
        assert before.read("xl\\worksheets\\sheet1.xml") == after.read("xl/worksheets/sheet1.xml")


def _in_subprocess(code: str, path: Path) -> subprocess.CompletedProcess[str]:
    """Run ``code`` on ``path`` in a child limited to 4 GB of address space: a reader that
    reserves gigabytes aborts there (Rust's allocation failure cannot be caught), not here."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))

    return subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limit,
        cwd=REPO,
    )


READ = """
import sys
from addin.errors import ClaimbookError
from addin.sheets import read_book
try:
    b = read_book(sys.argv[1])
except ClaimbookError as e:
    print("refused:", e)
else:
    print(len(b.encounters), [f.rule for f in b.findings if f.rule.startswith("READ-P")])
"""


def test_a_shared_strings_count_that_lies_is_bounded(tmp_path: Path) -> None:
    src = _spoil(LO_SAVED, lying_count, tmp_path / "lying.xlsx")
    sst = zipfile.ZipFile(src).read("xl/sharedStrings.xml")[:300]
    assert b'uniqueCount="999999999"' in sst
    done = _in_subprocess(READ, src)
    # before: "memory allocation of 24000000000 bytes failed", a Rust backtrace, SIGABRT
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "2 ['READ-PACKAGE']"
    result = runner.invoke(app, ["check", str(src), "--out", str(tmp_path / "out.xlsx")])
    assert result.exit_code in (0, 1), result.output
    assert zipfile.ZipFile(src).read("xl/sharedStrings.xml")[:300] == sst  # file unchanged


def test_a_stray_value_in_the_farthest_cell_is_refused_by_name(tmp_path: Path) -> None:
    src = _spoil(LO_SAVED, far_cell, tmp_path / "far.xlsx")
    done = _in_subprocess(READ, src)
    assert done.returncode == 0, done.stderr[-2000:]  # before: a 512 GB allocation, SIGABRT
    assert "refused:" in done.stdout and "far.xlsx" in done.stdout
    assert "XFD1048576" in done.stdout and "Ctrl+End" in done.stdout


TALL = (b"</sheetData>", b'<row r="1048576"><c r="A1048576"><v>1</v></c></row></sheetData>')


@pytest.mark.parametrize(
    ("edits", "refused"),
    [
        # far right in a four-row sheet: 4 x 16,384 cells, nothing to fear
        ([(b"</row>", b'<c r="XFD1"><v>7</v></c></row>')], None),
        # the same cell in a sheet whose last value is in row 1,048,576: refused, though
        # the far value is in the first row and the last row is ordinary
        ([(b"</row>", b'<c r="XFD1"><v>7</v></c></row>'), TALL], "XFD1"),
        # formatting only (a self-closing cell) allocates nothing: read as usual
        ([(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" s="1"/></row></sheetData>')],
         None),
        # a full-height sheet 28 columns wide is the largest that fits MAX_CELLS
        ([(b"</sheetData>", b'<row r="1048576"><c r="AB1048576"><v>1</v></c></row></sheetData>')],
         None),
        ([(b"</sheetData>", b'<row r="1048576"><c r="AC1048576"><v>1</v></c></row></sheetData>')],
         "AC1048576"),
    ],
)  # fmt: skip
def test_the_farthest_value_decides_what_calamine_would_allocate(
    edits: list[tuple[bytes, bytes]], refused: str | None, tmp_path: Path
) -> None:
    def fix(data: bytes) -> bytes:
        from spoilt_packages import rezip

        def one(name: str, blob: bytes) -> tuple[str, bytes]:
            if name == "xl/worksheets/sheet1.xml":
                for old, new in edits:
                    blob = blob.replace(old, new, 1)
            return name, blob

        return rezip(data, one)

    src = _spoil(LO_SAVED, fix, tmp_path / "edited.xlsx")
    done = _in_subprocess(READ, src)
    assert done.returncode == 0, done.stderr[-2000:]
    if refused:
        assert "refused:" in done.stdout and refused in done.stdout, done.stdout
    else:
        assert done.stdout.startswith("2 "), done.stdout


def test_an_excel4_macro_sheet_is_kept_and_not_read(tmp_path: Path) -> None:
    src = _spoil(XLSM, macro_sheet, tmp_path / "macros.xlsm")
    book = read_book(src)  # was "cannot be read ... save it again as .xlsx" (dropping macros)
    assert book.encounters
    skipped = next(f for f in book.findings if f.rule == "READ-SHEET-SKIPPED")
    assert skipped.sheet == "Macro1" and "Excel 4 macro sheet" in skipped.message
    out = tmp_path / "out.xlsm"
    result = runner.invoke(app, ["check", str(src), "--out", str(out)])
    assert result.exit_code in (0, 1), result.output
    with zipfile.ZipFile(src) as before, zipfile.ZipFile(out) as after:
        for part in ("xl/macrosheets/sheet1.xml", "xl/vbaProject.bin"):
            assert before.read(part) == after.read(part)
        assert b'name="Macro1"' in after.read("xl/workbook.xml")
    assert untyped_parts(out) == []


def test_advice_for_a_damaged_macro_workbook_keeps_the_macros(tmp_path: Path) -> None:
    data = XLSM.read_bytes()
    src = tmp_path / "cut.xlsm"
    src.write_bytes(data[: len(data) // 2])
    with pytest.raises(WorkbookError) as caught:
        read_book(src)
    message = str(caught.value)
    assert "cut.xlsm" in message and ".xlsm" in message.split(";", 1)[1]
    assert "as .xlsx" not in message


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("visits.xlsx", b"Encounter ID,Procedure Code\nV1,99213\n", "rename it to .csv"),
        ("visits.xls", b"<html><table><tr><td>V1</td></tr></table></html>", "HTML page"),
        ("visits.xlsx", b"", "empty"),
        ("visits.xls", b"PK\x03\x04rest", "rename it to .xlsx"),
    ],
)
def test_a_misnamed_file_says_what_it_is(name: str, data: bytes, says: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(WorkbookError, match=rf"{re.escape(name)}.*{says}"):
        read_book(path)


@pytest.mark.libreoffice
def test_spoilt_packages_written_by_claimbook_open_in_libreoffice(
    libreoffice: Any, tmp_path: Path
) -> None:
    """What Claimbook writes into each odd package opens in LibreOffice, and the payloads in
    the result sheet are text, not formulas."""
    outs = []
    (tmp_path / "in").mkdir()
    for fix, name in ((no_default_types, "old-lo.xlsx"), (backslash_names, "backslash.xlsx"),
                      (lying_count, "lying.xlsx")):  # fmt: skip
        src = _spoil(LO_SAVED, fix, tmp_path / "in" / name)
        outs.append(write_tables(src, [_findings_table()], out=tmp_path / "out" / name))
    src = _spoil(XLSM, macro_sheet, tmp_path / "in" / "macros.xlsm")
    outs.append(write_tables(src, [_findings_table()], out=tmp_path / "out" / "macros.xlsm"))
    libreoffice.csv_all_sheets(outs, tmp_path / "csv")
    for out in outs:
        with open(tmp_path / "csv" / f"{out.stem}-Findings.csv", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        assert rows[1] == ["CHECK-NAME", "=cmd|' /C calc'!A0"], out.name
        assert rows[2] == ["CHECK-ZIP", "@02134"], out.name
        assert (tmp_path / "csv" / f"{out.stem}-Encounters.csv").is_file(), out.name
