"""Never lose data: text stays text (Hypothesis), and a killed writer leaves the original."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
import python_calamine as pc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from addin.models import Column, ResultTable
from addin.sheets import read_book, write_tables
from addin.sheets.sheetxml import MAX_CELL_TEXT

# Any valid Unicode text but the XML non-characters U+FFFE/U+FFFF (stored as U+FFFD).
TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\ufffe\uffff"), max_size=60)
RISKY = st.sampled_from(["=", "+", "-", "@", "\t", "\r", "\n", "_x0041_", "=cmd|'/c calc'!A1"])
CELL = st.one_of(TEXT, st.builds(lambda a, b: a + b, RISKY, TEXT))


def _blank(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Encounters"
    ws.append(["Encounter ID", "CPT"])
    wb.save(path)
    return path


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cells=st.lists(st.lists(CELL, min_size=2, max_size=2), min_size=1, max_size=6))
def test_any_text_reads_back_identical_and_never_as_a_formula(
    tmp_path: Path, cells: list[list[str]]
) -> None:
    src = tmp_path / "blank.xlsx"
    if not src.exists():
        _blank(src)
    table = ResultTable(
        sheet="Remittance",
        columns=[Column(name="Patient"), Column(name="Member ID", kind="code")],
        rows=cells,
    )
    out = write_tables(src, [table], out=tmp_path / "out.xlsx")
    rows = (
        pc.CalamineWorkbook.from_path(str(out))
        .get_sheet_by_name("Remittance")
        .to_python(skip_empty_area=False)
    )
    got = [[r[0], r[1] if len(r) > 1 else ""] for r in rows[1:]]
    got += [["", ""]] * (len(cells) - len(got))  # trailing empty rows are not stored
    assert got == cells
    with zipfile.ZipFile(out) as z:
        sheet = next(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/sheet2"))
    assert b"<f>" not in sheet and b"<f " not in sheet
    ws = openpyxl.load_workbook(out)["Remittance"]
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            assert cell.value is None or cell.data_type == "s"


def test_text_longer_than_excel_allows_is_cut_visibly(tmp_path: Path) -> None:
    src = _blank(tmp_path / "blank.xlsx")
    long = "x" * (MAX_CELL_TEXT + 10)
    table = ResultTable(sheet="Findings", columns=[Column(name="Message")], rows=[[long]])
    out = write_tables(src, [table], out=tmp_path / "out.xlsx")
    value = pc.CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Findings").to_python()[1][0]
    assert len(value) == MAX_CELL_TEXT and value.endswith("\u2026")


CHILD = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from addin.models import Column, ResultTable
    from addin.sheets import package, writer

    src, marker, stage = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]

    class Slow:
        # a file that stalls after its first megabyte: the parent kills us there
        def __init__(self, fh):
            self.fh, self.n = fh, 0
        def write(self, data):
            self.fh.write(data)
            self.n += len(data)
            if self.n > 1_000_000 and stage == "writing":
                self.fh.flush()
                marker.write_text("writing")
                time.sleep(60)

    original_write = package.Package.write
    package.Package.write = lambda self, fh, level=6: original_write(self, Slow(fh), level)
    original_replace = os.replace
    def stalled_replace(a, b):
        marker.write_text("renaming")
        time.sleep(60)
        original_replace(a, b)
    writer.os.replace = stalled_replace

    rows = [[f"E{i}", "line " * 20, i] for i in range(60_000)]
    table = ResultTable(sheet="Findings", columns=[Column(name="Encounter ID", kind="code"),
                        Column(name="Message"), Column(name="Row", kind="int")], rows=rows)
    writer.write_tables(src, [table], in_place=True)
    """
)


@pytest.mark.parametrize("stage", ["writing", "renaming"])
def test_killing_the_writer_mid_save_leaves_the_original_intact(tmp_path: Path, stage: str) -> None:
    src = _blank(tmp_path / "clinic.xlsx")
    original = src.read_bytes()
    marker = tmp_path / "marker"
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    child = subprocess.Popen([sys.executable, str(script), str(src), str(marker), stage])
    try:
        deadline = time.monotonic() + 90
        while not marker.exists():
            assert child.poll() is None, "the writer ended before reaching the stage"
            assert time.monotonic() < deadline, "the writer never reached the stage"
            time.sleep(0.05)
        assert marker.read_text() == stage
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert src.read_bytes() == original
    assert read_book(src).encounters == []  # still a complete, readable workbook
    backups = list((tmp_path / "Claimbook backups").glob("clinic.backup-*.xlsx"))
    assert len(backups) == 1 and backups[0].read_bytes() == original
    leftovers = list(tmp_path.glob(".~clinic.xlsx.*"))
    assert len(leftovers) == 1  # the half-written temp file, never under the real name
    # the next run finishes normally and clears the dead writer's leftover
    table = ResultTable(sheet="Findings", columns=[Column(name="Rule")], rows=[["R"]])
    write_tables(src, [table], in_place=True)
    assert "Findings" in pc.CalamineWorkbook.from_path(str(src)).sheet_names
    if os.name == "posix":
        assert not list(tmp_path.glob(".~clinic.xlsx.*"))


CODE = st.from_regex(r"[0-9][0-9A-Z]{4}", fullmatch=True)
ZIP = st.from_regex(r"[0-9]{5}([0-9]{4})?", fullmatch=True)
NAME = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cc", "Cs", "Zs", "Zl", "Zp"]),
    min_size=1,
    max_size=20,
).filter(lambda s: not s.startswith("=") and "_x" not in s)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.tuples(CODE, ZIP, NAME), min_size=1, max_size=5))
def test_text_cells_read_back_unchanged(tmp_path: Path, rows: list[tuple[str, str, str]]) -> None:
    """Codes and ZIPs typed as text keep their leading zeros; names come back as typed.

    (openpyxl, which writes this input, neither escapes _xHHHH_ nor stores '=' as text.)"""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Encounters"
    ws.append(["Encounter ID", "CPT", "Patient ZIP", "Patient Last Name"])
    for i, (code, zip_code, name) in enumerate(rows):
        ws.append([f"E{i}", code, zip_code, name])
    wb.save(tmp_path / "p.xlsx")
    book = read_book(tmp_path / "p.xlsx")
    got = [(e.lines[0].procedure_code, e.patient.zip, e.patient.last_name) for e in book.encounters]
    assert got == [(code, zip_code, name.strip()) for code, zip_code, name in rows]
    assert not book.findings
