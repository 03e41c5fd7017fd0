"""A workbook's other sheets are parsed on a second thread while Encounters is read: the book
read is the same as a one-thread read, errors are the same errors, and no thread is left."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest
from spoilt_packages import rezip

from addin import runs
from addin.demo.workbook import build_demo_workbook
from addin.errors import WorkbookError
from addin.runs.session import INPUT_SHEETS, REGISTERS, RESULT_SHEETS
from addin.sheets import read_book
from addin.sheets.source import Source

OWN = (*REGISTERS, *RESULT_SHEETS, *INPUT_SHEETS)


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo clinic after one weekly run: registers and result sheets with rows."""
    path = tmp_path_factory.mktemp("prefetch") / "clinic.xlsx"
    build_demo_workbook(path, 60, seed=7)
    runs.cycle(path, runs.Inputs(), today=date(2026, 10, 30))
    return path


def _one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Source, "prefetch", lambda self, sheets: None)


def test_the_book_read_with_a_second_thread_is_the_one_thread_read(
    ran: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[str] = []
    real = threading.Thread.start

    def start(self: threading.Thread) -> None:
        started.append(self.name)
        real(self)

    monkeypatch.setattr(threading.Thread, "start", start)
    both = read_book(ran, own=OWN)
    assert "claimbook-prefetch" in started  # the sheets really were parsed ahead
    monkeypatch.undo()
    _one_thread(monkeypatch)
    one = read_book(ran, own=OWN)
    assert set(both.own) >= {"Claim Register", "Claims", "Findings"}
    assert len(both.own["Claim Register"].rows) > 10
    assert both.model_dump() == one.model_dump()


def test_sheets_asked_for_ahead_and_never_read_leave_no_thread(ran: Path) -> None:
    before = threading.active_count()
    source = Source(ran)
    source.prefetch(["Claim Register", "Claims", "Findings", "no such sheet"])
    assert source.grid("Claims")  # one of them read, the others never asked for
    source.close()
    assert threading.active_count() == before


# the read in a fresh interpreter: were calamine to see a far cell it would abort the process
READ = """
import sys
from addin.errors import ClaimbookError
from addin.runs.session import INPUT_SHEETS, REGISTERS, RESULT_SHEETS
from addin.sheets import read_book
from addin.sheets.source import Source
if sys.argv[2] == "one":
    Source.prefetch = lambda self, sheets: None
try:
    read_book(sys.argv[1], own=(*REGISTERS, *RESULT_SHEETS, *INPUT_SHEETS))
except ClaimbookError as e:
    print("refused:", e)
"""


def _part(path: Path, sheet: str) -> str:
    source = Source(path)
    try:
        assert source._checked is not None
        return source._checked.parts[sheet]
    finally:
        source.close()


@pytest.mark.parametrize("sheet", ["Claims", "Claim Register"])
def test_a_stray_far_cell_on_a_result_sheet_is_refused_as_before(
    ran: Path, tmp_path: Path, sheet: str
) -> None:
    part = _part(ran, sheet)

    def far(name: str, blob: bytes) -> tuple[str, bytes]:
        if name == part:
            blob = blob.replace(
                b"</sheetData>",
                b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>',
            )
        return name, blob

    spoilt = tmp_path / "far.xlsx"
    spoilt.write_bytes(rezip(ran.read_bytes(), far))
    said = []
    for how in ("ahead", "one"):
        done = subprocess.run(
            [sys.executable, "-c", READ, str(spoilt), how], capture_output=True, text=True,
            cwd=Path(__file__).resolve().parents[2],
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        said.append(done.stdout)
    assert said[0] == said[1]
    assert "refused:" in said[0] and f"sheet {sheet!r}" in said[0] and "XFD1048576" in said[0]


def test_a_result_sheet_calamine_cannot_parse_is_the_same_error(
    ran: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    part = _part(ran, "Reconciliation")

    def broken(name: str, blob: bytes) -> tuple[str, bytes]:
        return name, (b"<worksheet><sheetData><row" if name == part else blob)

    spoilt = tmp_path / "broken.xlsx"
    spoilt.write_bytes(rezip(ran.read_bytes(), broken))
    with pytest.raises(WorkbookError) as ahead:
        read_book(spoilt, own=OWN)
    _one_thread(monkeypatch)
    with pytest.raises(WorkbookError) as one:
        read_book(spoilt, own=OWN)
    assert str(ahead.value) == str(one.value)
    assert "'Reconciliation'" in str(ahead.value)


def test_a_grid_let_go_of_is_read_again_the_same(ran: Path, tmp_path: Path) -> None:
    source = Source(ran)
    try:
        for sheet in ("Encounters", "Claim Register"):
            first = [list(row) for row in source.grid(sheet)]
            source.release(sheet)
            assert source.grid(sheet) == first
    finally:
        source.close()
    csv = tmp_path / "visits.csv"
    csv.write_text("Encounter ID,Procedure Code\nE1,99213\n", encoding="utf-8")
    source = Source(csv)
    try:
        grid = source.grid("Encounters")
        source.release("Encounters")  # a CSV file's only grid is kept: nothing to parse again
        assert source.grid("Encounters") is grid
    finally:
        source.close()


def test_big_sheets_wait_for_go_and_read_the_same(
    ran: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("addin.sheets.source.HOLD_BYTES", 20_000)  # the demo's registers
    before = threading.active_count()
    source = Source(ran)
    try:
        source.prefetch(["Settings", "Claim Register", "Claims"])
        small, held = source._ahead["Settings"], source._ahead["Claim Register"]
        assert small.ready.wait(30) and not small.held and held.held
        assert not held.ready.wait(0.3)  # not parsed before go()
        source.go()
        assert held.ready.wait(30)
        assert source.grid("Claims")  # a held sheet asked for is read (no wait for go)
    finally:
        source.close()
    assert threading.active_count() == before
    # asked for before go(): read all the same, and the book is the one-thread book
    source = Source(ran)
    try:
        source.prefetch(["Claim Register", "Claims"])
        assert source.grid("Claims") and source.grid("Claim Register")
    finally:
        source.close()
    assert threading.active_count() == before
    both = read_book(ran, own=OWN)
    _one_thread(monkeypatch)
    assert both.model_dump() == read_book(ran, own=OWN).model_dump()
