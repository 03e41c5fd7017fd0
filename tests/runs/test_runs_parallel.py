"""``claimbook batch --jobs N``: clinics on every core, each clinic's results byte-identical
to one at a time; one clinic's error is reported and the others go on."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from addin.cli import app
from addin.runs.batch import BatchResult, run_batch
from addin.runs.parallel import LocalEngine

sys.path.insert(0, str(Path(__file__).resolve().parent))

from batch_folder import CREATED, TODAY, files, make_folder  # noqa: E402

runner = CliRunner()


def batch(folder: Path, jobs: int, data: Path, mp: pytest.MonkeyPatch) -> BatchResult:
    mp.setenv("CLAIMBOOK_DATA_DIR", str(data))  # each run its own control-number store
    with LocalEngine(jobs) as engine:
        return run_batch(folder, folder / "out", today=TODAY, as_of=TODAY, engine=engine,
                         created=CREATED)  # fmt: skip


def test_jobs_two_gives_every_clinic_the_bytes_of_jobs_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one = make_folder(tmp_path / "one")
    shutil.copytree(one, tmp_path / "two")
    before = files(one)
    first = batch(one, 1, tmp_path / "data-1", monkeypatch)
    second = batch(tmp_path / "two", 2, tmp_path / "data-2", monkeypatch)
    written = files(one)
    assert written == files(tmp_path / "two")
    # the runs did write: four 837Ps and four changed workbooks
    assert sum(1 for name in written if name.endswith(".837")) == 4
    assert sum(1 for name in before if written[name] != before[name]) == 4
    for result in (first, second):
        rows = result.to_json()["clinics"]
        assert [Path(r["workbook"]).name for r in rows] == [
            "clinic-2.xlsx", "clinic-0.xlsx", "clinic-3.xlsx", "clinic-1.xlsx", "west.xlsx",
        ]  # the folder's order, whatever order the workers finished in  # fmt: skip
        errors = {Path(r["workbook"]).name: r["error"] for r in rows if r["error"]}
        assert list(errors) == ["west.xlsx"] and "Findings" in errors["west.xlsx"]
        assert all(r["summary"]["claims_sent"] > 0 for r in rows if not r["error"])
    strip = [{k: v for k, v in r.items() if k != "workbook"} for r in first.to_json()["clinics"]]
    again = [{k: v for k, v in r.items() if k != "workbook"} for r in second.to_json()["clinics"]]
    assert [r["summary"] for r in strip] != [None] * 5
    for a, b in zip(strip, again, strict=True):
        if a["summary"]:
            a["summary"].pop("workbook"), b["summary"].pop("workbook")
        assert a["summary"] == b["summary"] and a["clinic"] == b["clinic"]


def test_the_cli_runs_jobs_and_reports_the_failed_clinic(tmp_path: Path) -> None:
    folder = make_folder(tmp_path / "clinics")
    result = runner.invoke(
        app, ["batch", str(folder), "--jobs", "2", "--today", "2026-10-30", "--json"]
    )
    assert result.exit_code == 1, result.output  # one clinic failed
    data = json.loads(result.stdout)
    assert data["totals"]["clinics"] == 5 and data["totals"]["failed"] == 1
    assert data["totals"]["claims_sent"] > 0
    both = runner.invoke(app, ["batch", str(folder), "--jobs", "2", "--scheduler", "x:1"])
    assert both.exit_code == 2 and "not both" in both.output


def test_peek_reads_no_rows_and_the_run_decides_what_is_a_clinic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openpyxl import Workbook

    from addin.runs.parallel import peek

    folder = make_folder(tmp_path / "clinics")
    info = peek(str(folder / "north" / "clinic-0.xlsx"))
    assert info.kind == "clinic" and info.submitter and info.provider
    assert info.encounters >= 30  # the rows the Encounters sheet declares, header included
    odd = Workbook()
    sheet = odd.active
    assert sheet is not None
    sheet.title = "Encounters"
    for row in (["Colour", "Size"], ["red", 1], ["blue", 2]):
        sheet.append(row)
    odd.save(folder / "north" / "inventory.xlsx")
    assert peek(str(folder / "north" / "inventory.xlsx")).kind == "clinic"  # by its look
    result = batch(folder, 2, tmp_path / "data", monkeypatch)
    skipped = {p.name: why for p, why in result.skipped}
    assert "inventory.xlsx" in skipped["inventory.xlsx"]  # its run's read: no clinic
    assert "neither a clinic workbook nor a payer export" in skipped["inventory.xlsx"]
    assert len(result.clinics) == 5


def test_the_terminal_shows_the_first_clinics_and_the_folders_totals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hundreds of clinics are a screenful: the first (SHOWN) clinics, how many more, the
    totals of them all, the first failures and skipped files (here SHOWN is 2)."""
    import addin.cli as cli

    folder = make_folder(tmp_path / "clinics")
    (folder / "north" / "scan.pdf").write_bytes(b"%PDF-1.4")
    (folder / "south" / "notes.txt").write_text("call back")
    (folder / "east" / "todo.txt").write_text("appeal")
    monkeypatch.setattr(cli, "SHOWN", 2)
    monkeypatch.setenv("CLAIMBOOK_DATA_DIR", str(tmp_path / "data"))
    args = ["batch", str(folder), "--jobs", "1", "--today", "2026-10-30"]
    shown = runner.invoke(app, args, terminal_width=200)
    assert shown.exit_code == 1, shown.output  # the west clinic failed
    out = shown.stdout
    rows = [line for line in out.splitlines() if line.startswith("│ Riverbend")]  # a clinic's first
    assert len(rows) == 2 and "and 2 more clinic(s) (the summary workbook has all)" in out
    data = json.loads(runner.invoke(app, [*args, "--json"]).stdout)
    totals = data["totals"]
    assert (
        f"5 clinic(s), 1 failed, {len(data['skipped'])} file(s) skipped; "
        f"{totals['claims_sent']} claim(s) sent, {totals['claims_held']} held"
    ) in out
    assert len(data["skipped"]) == 3
    assert "west.xlsx: " in out and "Findings" in out  # the failure, with why
    assert sum(1 for line in out.splitlines() if line.startswith("  skipped ")) == 2
    assert "and 1 more skipped file(s) (--json has all)" in out
