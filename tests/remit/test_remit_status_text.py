"""Claim status (CLP02) shown with what it means: `claimbook remit` and the Remittance sheet."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from addin.cli import app
from addin.remit import remittance_table
from addin.remit.load import read_remittance_file
from addin.remit.notes import CLAIM_STATUS, status_meaning

STATUSES = Path(__file__).resolve().parents[1] / "data" / "x12" / "statuses.835"
runner = CliRunner()


def test_every_clp02_code_has_a_meaning() -> None:
    assert set(CLAIM_STATUS) == {"1", "2", "3", "4", "19", "20", "21", "22", "23", "25"}
    assert status_meaning("1") == "processed as primary" and status_meaning("4") == "denied"
    assert status_meaning("") == "" and "not a CLP02 status" in status_meaning("99")


def test_remit_table_and_json_show_the_meaning() -> None:
    result = runner.invoke(app, ["remit", str(STATUSES)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for text in ("1 processed as primary", "4 denied", "25 priced only (predetermination)"):
        assert text in result.output
    data = json.loads(runner.invoke(app, ["remit", str(STATUSES), "--json"]).output)
    claims = {c["patient_control_number"]: c for c in data["transactions"][0]["claims"]}
    assert (claims["C4"]["status"], claims["C4"]["status_meaning"]) == ("4", "denied")
    assert claims["C8"]["status_meaning"] == "not this payer's claim, forwarded to another payer"


def test_remittance_sheet_has_a_status_meaning_column() -> None:
    table = remittance_table(read_remittance_file(STATUSES))
    names = [c.name for c in table.columns]
    at = names.index("Claim Status")
    assert names[at + 1] == "Status Meaning"
    shown = {(row[at], row[at + 1]) for row in table.rows if row[at] != "PLB"}
    assert ("1", "processed as primary") in shown and ("4", "denied") in shown
    assert ("2", "processed as secondary") in shown
