"""``remit`` and ``check-837p`` print a summary of a big file, never a row per claim or
problem: a payer's ERA can hold thousands of claims (``--json`` has every one)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from addin.cli import SHOWN, app

runner = CliRunner()
GOLDEN = Path(__file__).resolve().parents[1] / "data" / "x837p" / "golden" / "all.837"


def _era(claims_per_txn: list[int]) -> str:
    """An 835 with a transaction set of ``n`` claims (each billed 100.00, paid 80.00) for
    each ``n``: every one balances."""
    out = [
        "ISA*00*          *00*          *ZZ*ACMEHEALTH     *ZZ*CLINIC         *240301*1200*^*"
        "00501*000000104*0*P*:",
        "GS*HP*ACMEHEALTH*CLINIC*20240401*1200*104*X*005010X221A1",
    ]
    for t, count in enumerate(claims_per_txn, 1):
        body = [
            f"ST*835*{t:04d}",
            f"BPR*I*{Decimal('80.00') * count:.2f}*C*CHK************20240401",
            f"TRN*1*CHK{t:04d}*1999999999",
            "N1*PR*ACME HEALTH",
            "N1*PE*SAMPLE CLINIC*XX*1234567893",
            "LX*1",
        ]
        for c in range(count):
            body += [
                f"CLP*C{t}-{c}*1*100.00*80.00**12*PCN-{t}-{c}",
                "SVC*HC:99212*100.00*80.00**1",
                "DTM*472*20240101",
                "CAS*CO*45*20.00",
            ]
        body.append(f"SE*{len(body) + 1}*{t:04d}")
        out += body
    out += [f"GE*{len(claims_per_txn)}*104", "IEA*1*000000104"]
    return "~".join(out) + "~"


def test_remit_shows_the_first_claims_of_a_big_era_and_says_how_many_more(
    tmp_path: Path,
) -> None:
    path = tmp_path / "big.835"
    path.write_text(_era([150]))
    shown = runner.invoke(app, ["remit", str(path)], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    rows = [line for line in shown.stdout.splitlines() if "PCN-" in line]
    assert len(rows) == SHOWN and "PCN-1-0 " in rows[0]
    assert "and 130 more claim(s) (--json has all)" in shown.stdout
    assert "balanced" in shown.stdout
    full = runner.invoke(app, ["remit", str(path), "--json"])
    assert len(json.loads(full.stdout)["transactions"][0]["claims"]) == 150


def test_remit_on_many_transactions_shows_the_first_and_totals_them_all(tmp_path: Path) -> None:
    path = tmp_path / "many.835"
    path.write_text(_era([3] * 30))
    shown = runner.invoke(app, ["remit", str(path)], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    out = shown.stdout
    assert sum(1 for line in out.splitlines() if "PCN-" in line) == SHOWN  # over every table
    assert out.count("check/EFT") == SHOWN and "and 10 more transaction(s)" in out
    # once the claims shown are used up (in the 7th check), a line for each further check
    assert "ACME HEALTH check/EFT CHK0008: 240.00 on 2024-04-01, 3 claim(s), balanced" in out
    assert out.count("┏") == 7  # seven tables, not twenty
    assert len(out.splitlines()) < 120
    assert "30 transaction(s), 90 claim(s), 7200.00 paid in all; every one balanced" in out


def test_check_837p_lists_the_first_problems_and_counts_the_rest(tmp_path: Path) -> None:
    text = GOLDEN.read_text(encoding="ascii")
    path = tmp_path / "bad.837"
    path.write_text(text.replace("*HC:", "*ZZ:"), encoding="ascii")  # no such qualifier
    full = runner.invoke(app, ["check-837p", str(path), "--json"])
    problems = json.loads(full.stdout)["findings"]
    assert len(problems) > SHOWN + 10  # one for each service line
    shown = runner.invoke(app, ["check-837p", str(path)], terminal_width=400)
    assert shown.exit_code == 1
    listed = [line for line in shown.stdout.splitlines() if line.startswith("  X12-")]
    assert len(listed) == SHOWN
    assert f"{len(problems)} problem(s)" in shown.stdout
    assert f"and {len(problems) - SHOWN} more problem(s) (--json has all)" in shown.stdout
