"""A fresh `claimbook template` passes its own check, and its Payers sheet carries the
Apply NCCI/MUE column with a Yes/No dropdown."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from addin.cli import app
from addin.sheets import read_book

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]


def test_fresh_template_passes_its_own_check(tmp_path: Path) -> None:
    book = tmp_path / "Main St Clinic.xlsx"
    assert runner.invoke(app, ["template", str(book)]).exit_code == 0
    result = runner.invoke(app, ["check", str(book), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["summary"]["errors"] == 0 and data["summary"]["warnings"] == 0
    # what is left is the to-do list: the Settings a clinic fills before billing
    assert {f["rule"] for f in data["findings"]} == {"SETTINGS-REQUIRED"}
    assert all(f["sheet"] == "Settings" for f in data["findings"])


def test_payers_sheet_has_apply_ncci_mue_in_every_built_workbook(tmp_path: Path) -> None:
    fresh = tmp_path / "t.xlsx"
    runner.invoke(app, ["template", str(fresh)])
    for path in (fresh, REPO / "workbooks" / "claimbook_template.xlsx",
                 REPO / "workbooks" / "claimbook_demo.xlsx"):  # fmt: skip
        ws = openpyxl.load_workbook(path)["Payers"]
        headers = [c.value for c in ws[1]]
        assert headers[:4] == ["Payer", "Payer ID", "Claim Filing Indicator", "Apply NCCI/MUE"]
        lists = [dv.formula1 for dv in ws.data_validations.dataValidation]
        assert '"Yes,No"' in lists
        assert read_book(path).header("Payers", "Apply NCCI/MUE") == "Apply NCCI/MUE"
    rules = {r.values.get("Payer", "") for r in read_book(fresh).rules}
    payers = {p.payer for p in read_book(fresh).payers}
    assert rules - {""} <= payers  # every payer an example rule names is on the sheet
