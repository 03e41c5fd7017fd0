"""Terminal output stays a summary whatever the size; the bar on stderr follows the run."""

from __future__ import annotations

import io
import json
import time
from datetime import date
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from addin import runs
from addin.cli import app, progress_bar
from addin.demo.workbook import build_demo_workbook
from addin.runs.progress import listening

runner = CliRunner()


def test_a_run_reports_each_step_in_order(clinic: Path, era: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    with listening(lambda step, done, total: seen.append((step, done, total))):
        runs.cycle(clinic, runs.Inputs(remittances=[era]), today=date(2026, 4, 2))
    steps = [s for s, _, _ in seen]
    assert steps == [
        "read", "acknowledge", "suggest", "claims", "secondary", "reconcile", "deposits",
        "check", "write",
    ]  # fmt: skip
    assert [d for _, d, _ in seen] == list(range(9)) and {t for _, _, t in seen} == {9}


def test_a_big_book_hands_freed_memory_back_as_each_step_begins(
    clinic: Path, era: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After each step (the read's parsed sheets, the claims compared with the register)
    and before the write; a small book's run makes no such calls (see runs.BIG_BOOK)."""
    calls: list[str] = []
    steps: list[str] = []

    def listen(step: str, done: int, total: int) -> None:
        steps.append(step)

    monkeypatch.setattr(runs, "give_back_memory", lambda: calls.append(steps[-1]) or True)
    with listening(listen):
        runs.cycle(clinic, runs.Inputs(remittances=[era]), today=date(2026, 4, 2))
    assert calls == []  # five encounters
    monkeypatch.setattr(runs, "BIG_BOOK", 1)
    steps.clear()
    with listening(listen):
        runs.cycle(clinic, runs.Inputs(), today=date(2026, 4, 9))
    assert calls == steps[1:]  # every step but the read, the write included
    assert calls[-1] == "write"


def test_no_listener_no_report(clinic: Path) -> None:
    """A run outside a listening block (batch workers, Excel) reports to nobody."""
    assert runs.check(clinic, date(2026, 4, 2)).findings is not None


def test_the_bar_draws_only_on_a_terminal_and_only_after_the_delay() -> None:
    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=100)
    with progress_bar(console=terminal, delay=0.0) as step:
        time.sleep(0.2)
        step("claims", 2, 5)
        time.sleep(0.3)
    assert "claims" in screen.getvalue()
    quiet = io.StringIO()
    with progress_bar(console=Console(file=quiet, force_terminal=True), delay=30.0) as step:
        step("claims", 2, 5)  # over before the delay: nothing drawn
    assert quiet.getvalue() == ""
    piped = io.StringIO()
    with progress_bar(console=Console(file=piped, force_terminal=False), delay=0.0) as step:
        step("claims", 2, 5)
        time.sleep(0.2)
    assert piped.getvalue() == ""


def test_claims_on_a_big_workbook_prints_a_summary_and_json_is_complete(
    tmp_path: Path,
) -> None:
    book = build_demo_workbook(tmp_path / "big.xlsx", 600)
    copy = tmp_path / "copy.xlsx"
    copy.write_bytes(book.read_bytes())
    shown = runner.invoke(app, ["claims", str(book), "--today", "2026-10-30"])
    assert shown.exit_code in (0, 1), shown.output
    lines = shown.stdout.splitlines()
    assert len(lines) < 200  # the first 20 problems, never a row per claim or finding
    assert "claim(s) sent" in shown.stdout and "more" in shown.stdout
    assert "First problems" in shown.stdout
    full = runner.invoke(app, ["claims", str(copy), "--today", "2026-10-30", "--json"])
    data = json.loads(full.stdout)
    problems = [f for f in data["findings"] if f["severity"] in ("error", "warning")]
    assert len(problems) > 20 and f"{len(problems)} in all" in shown.stdout
    assert data["sent"] > 100 and len(data["claims"]) == 600  # every claim, sent or held


def test_the_terminal_names_each_problem_by_its_cell(tmp_path: Path) -> None:
    """``Encounters!K23`` as Excel writes it (the Findings sheet's link), not the row alone."""
    import re

    import python_calamine

    from addin.coding.check import column_letter

    book = build_demo_workbook(tmp_path / "clinic.xlsx", 200)
    copy = tmp_path / "copy.xlsx"
    copy.write_bytes(book.read_bytes())
    shown = runner.invoke(app, ["check", str(book), "--today", "2026-10-30"], terminal_width=200)
    full = runner.invoke(app, ["check", str(copy), "--today", "2026-10-30", "--json"])
    problems = [
        f for f in json.loads(full.stdout)["findings"] if f["severity"] in ("error", "warning")
    ]
    first = next(f for f in problems if f["sheet"] == "Encounters" and f["column"])
    header = (
        python_calamine.CalamineWorkbook.from_path(str(copy))
        .get_sheet_by_name("Encounters")
        .to_python(nrows=1)[0]
    )
    letter = column_letter(header.index(first["column"]) + 1)
    assert f"Encounters!{letter}{first['row']}" in shown.stdout
    assert not re.search(r"Encounters!\d", shown.stdout)  # never a row without its column


def test_the_commands_that_read_or_write_big_files_move_the_bar(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """remit, check-837p and template report what they are doing to the bar (drawn only
    after a second, on a terminal); the workbook commands do it through their steps."""
    from contextlib import contextmanager

    import addin.cli as cli

    steps: list[str] = []

    @contextmanager
    def recorder(*_: object, **__: object):  # type: ignore[no-untyped-def]
        yield lambda step, *_: steps.append(step)

    monkeypatch.setattr(cli, "progress_bar", recorder)
    golden = Path(__file__).resolve().parents[1] / "data" / "x837p" / "golden" / "all.837"
    era = Path(__file__).resolve().parents[1] / "data" / "x12" / "interest_plb.835"
    assert runner.invoke(app, ["remit", str(era)]).exit_code == 0
    assert runner.invoke(app, ["check-837p", str(golden)]).exit_code == 0
    assert runner.invoke(app, ["template", str(tmp_path / "new.xlsx")]).exit_code == 0
    assert steps == [
        "reading interest_plb.835", "reading", "checking", "claims", "writing new.xlsx"
    ]  # fmt: skip
