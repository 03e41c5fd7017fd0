"""``claimbook batch``: a folder of clinics, each with its own remittances, one summary."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from addin.demo.batch import discover
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from addin.cli import app
from addin.demo import DemoInputs, make_inputs

runner = CliRunner()


@pytest.fixture
def folder(tmp_path: Path) -> tuple[Path, DemoInputs, DemoInputs]:
    north = make_inputs(tmp_path / "clinics" / "north", 120, seed=11)
    south = make_inputs(tmp_path / "clinics" / "south", 90, seed=12)
    (tmp_path / "clinics" / "notes.txt").write_text("call the payer on Monday\n")
    (tmp_path / "clinics" / "broken.xlsx").write_bytes(b"not a zip at all")
    return tmp_path / "clinics", north, south


def test_discover_assigns_remittances_to_their_clinic(
    folder: tuple[Path, DemoInputs, DemoInputs],
) -> None:
    root, north, south = folder
    clinics, skipped = discover(root)
    by_book = {c.workbook: sorted(c.remittances) for c in clinics}
    assert by_book == {
        north.workbook: sorted(north.remittances),
        south.workbook: sorted(south.remittances),
    }
    reasons = {p.name: why for p, why in skipped}
    assert "notes.txt" in reasons and "broken.xlsx" in reasons
    assert "answer-key.json" in reasons


def test_batch_json_summary_and_workbook(
    folder: tuple[Path, DemoInputs, DemoInputs], tmp_path: Path
) -> None:
    root, north, south = folder
    out = tmp_path / "results"
    result = runner.invoke(
        app, ["batch", str(root), "--out", str(out), "--today", "2026-10-31", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    totals = data["totals"]
    assert totals["clinics"] == 2 and totals["failed"] == 0
    assert totals["claims_built"] == north.answer_key()["billable"] + south.answer_key()["billable"]
    assert totals["difference"] == "0.00"
    expected = Decimal(north.answer_key()["deposits"]) + Decimal(south.answer_key()["deposits"])
    assert Decimal(totals["deposits"]) == expected
    for row in data["clinics"]:
        assert row["summary"]["unmatched"] == 0
        assert Path(row["summary"]["output"]).is_file()
    book = CalamineWorkbook.from_path(data["workbook"])
    clinics = book.get_sheet_by_name("Clinics").to_python()
    assert len(clinics) == 3  # header + two clinics
    files = book.get_sheet_by_name("Files").to_python()
    assert any("skipped" in str(r[1]) for r in files[1:])


def test_batch_skips_its_own_earlier_output(
    folder: tuple[Path, DemoInputs, DemoInputs],
) -> None:
    root, _, _ = folder
    first = runner.invoke(app, ["batch", str(root), "--today", "2026-10-31", "--json"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(app, ["batch", str(root), "--today", "2026-10-31", "--json"])
    assert second.exit_code == 0, second.output
    data = json.loads(second.stdout)
    assert data["totals"]["clinics"] == 2
    assert not any("claimbook-batch" in item["file"] for item in data["skipped"])


def test_batch_table_output(folder: tuple[Path, DemoInputs, DemoInputs], tmp_path: Path) -> None:
    root, _, _ = folder
    result = runner.invoke(app, ["batch", str(root), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "Clinics" in result.stdout and "batch-summary.xlsx" in result.stdout
    assert "skipped" in result.stdout


def test_batch_on_a_missing_folder_is_a_clean_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["batch", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "not a folder" in result.output
