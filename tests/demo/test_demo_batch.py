"""``claimbook batch``: the weekly cycle in every clinic of a folder, one summary."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from addin.cli import app
from addin.demo import DemoResult, run_demo
from addin.runs.batch import discover

runner = CliRunner()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoResult, DemoResult]:
    """Two clinics (the demo's quarter, twice) with everything their payers sent."""
    root = tmp_path_factory.mktemp("clinics")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CLAIMBOOK_DATA_DIR", str(tmp_path_factory.mktemp("data")))
        north = run_demo(root / "north", encounters=100, seed=11)
        south = run_demo(root / "south", encounters=80, seed=12)
    (root / "notes.txt").write_text("call the payer on Monday\n")
    (root / "broken.xlsx").write_bytes(b"not a zip at all")
    return root, north, south


def test_discover_gives_each_clinic_its_files(folder: tuple[Path, DemoResult, DemoResult]) -> None:
    root, north, south = folder
    clinics, skipped = discover(root)
    by_book = {c.workbook: c for c in clinics}
    assert set(by_book) == {north.ledger, south.ledger}
    for demo in (north, south):
        clinic = by_book[demo.ledger]
        inputs = demo.out / "inputs"
        assert sorted(clinic.remittances) == sorted(
            p for p in inputs.glob("week-*/*") if p.suffix in (".835", ".xlsx"))  # fmt: skip
        assert sorted(clinic.acknowledgments) == sorted(
            p for p in inputs.glob("week-*/*") if p.suffix in (".999", ".277"))  # fmt: skip
        # what a run kept (copies, 837Ps, backups) is never an input
        kept = [p for p in [*clinic.remittances, *clinic.acknowledgments] if "week-" not in
                str(p)]  # fmt: skip
        assert kept == []
    reasons = {p.name: why for p, why in skipped}
    assert "notes.txt" in reasons and "broken.xlsx" in reasons
    assert "answer-key.json" in reasons


def test_batch_runs_the_cycle_in_each_clinic_and_posts_nothing_twice(
    folder: tuple[Path, DemoResult, DemoResult], tmp_path: Path
) -> None:
    root, north, south = folder
    out = tmp_path / "results"
    result = runner.invoke(
        app, ["batch", str(root), "--out", str(out), "--today", "2026-10-30", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    totals = data["totals"]
    assert totals["clinics"] == 2 and totals["failed"] == 0 and totals["difference"] == "0.00"
    expected = Decimal(north.answer_key()["deposits"]) + Decimal(south.answer_key()["deposits"])
    assert Decimal(totals["deposits"]) == expected  # every payment once, none again
    sent = north.summary()["claims_sent"] + south.summary()["claims_sent"]
    assert totals["claims_sent"] == sent  # nothing billed again
    for row in data["clinics"]:
        assert row["summary"]["unmatched"] == 0
    book = CalamineWorkbook.from_path(data["workbook"])
    assert len(book.get_sheet_by_name("Clinics").to_python()) == 3  # header + two clinics
    files = book.get_sheet_by_name("Files").to_python()
    assert any("skipped" in str(r[1]) for r in files[1:])
    table = runner.invoke(app, ["batch", str(root), "--out", str(out), "--today", "2026-10-30"])
    assert table.exit_code == 0 and "Clinics" in table.stdout and "wrote" in table.stdout


def test_batch_on_a_missing_folder_is_a_clean_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["batch", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "not a folder" in result.output
