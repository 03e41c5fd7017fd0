"""The secondary, deposits and statements commands: --json shapes and clean refusals."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_cob_runs import ERA, TODAY, clinic, write  # noqa: E402,F401

from addin import runs  # noqa: E402
from addin.cli import app  # noqa: E402


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_secondary_deposits_statements_json(clinic: Path, tmp_path: Path) -> None:  # noqa: F811
    runs.claims(clinic, today=TODAY)
    era = write(tmp_path / "dl" / "aetna.835", ERA)
    runs.reconcile(clinic, runs.Inputs(remittances=[era]), today=TODAY)
    code, out = invoke("secondary", str(clinic), "--today", "2026-04-10", "--json")
    assert code == 0, out
    data = json.loads(out)
    assert data["sent"] == 1 and data["register"][0]["claim_id"] == "V1-S"
    assert {"claims", "x12", "findings", "written", "changed"} <= data.keys()
    bank = write(tmp_path / "dl" / "bank.csv", "Date,Description,Amount,Reference\n"
                 "2026-04-02,ACH TRN*1*EFT777*1999999999,90.00,X\n")  # fmt: skip
    code, out = invoke("deposits", str(clinic), str(bank), "--today", "2026-04-10", "--json")
    assert code == 0, out
    assert json.loads(out)["totals"]["matched"] == "90.00"
    code, out = invoke("statements", str(clinic), "--today", "2026-04-10", "--json")
    assert code == 0, out
    assert json.loads(out)["totals"]["balance"] == "0.00"  # V1 waits for the secondary


def test_bank_csv_without_an_amount_is_refused_by_name(clinic: Path, tmp_path: Path) -> None:  # noqa: F811
    bank = write(tmp_path / "bank.csv", "Date,Description,Amount\n2026-04-02,ACH,\n")
    code, out = invoke("deposits", str(clinic), str(bank))
    assert code == 2
    assert "bank.csv row 2 column 'Amount': the amount is missing" in " ".join(out.split())
    assert "Traceback" not in out
    mapping = write(tmp_path / "map.csv", "colour,Amount\n")
    code, out = invoke("deposits", str(clinic), str(bank), "--mapping", str(mapping))
    assert code == 2 and "not a bank field" in out
