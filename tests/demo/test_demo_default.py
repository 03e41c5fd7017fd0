"""The demo at its default size (2,000 encounters, 18 weeks), held to its answer key."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from addin.demo import data, run_demo
from addin.registers.claims import CLAIM_REGISTER, read_claim_register
from addin.sheets import read_book


def test_default_demo_matches_what_the_world_did(tmp_path: Path) -> None:
    result = run_demo(tmp_path / "demo")
    key = result.answer_key()
    summary = result.summary()
    assert key["encounters"] == data.ENCOUNTERS and summary["weeks"] == len(data.RUN_DAYS)
    records = read_claim_register(
        read_book(result.ledger, own=[CLAIM_REGISTER]).own[CLAIM_REGISTER]
    )
    latest = {r.claim_id: r.status for r in records}
    assert latest == key["final"]
    assert Counter(r.claim_id for r in records) == Counter(
        {c: len(f) for c, f in key["submissions"].items()})  # fmt: skip
    assert summary["deposits"] == key["deposits"] and summary["claims_paid"] == key["claims_paid"]
    assert summary["difference"] == "0.00" and summary["unmatched"] == 0
    assert summary["duplicates"] == 2
    held = (
        {h.encounter_id for h in result.final.claims.result.held} if result.final.claims else set()
    )
    assert set(key["held"]) <= held
    denied = sum(1 for s in latest.values() if s in ("denied", "in appeal", "closed"))
    assert 0.03 <= denied / len(latest) <= 0.12  # the rest were corrected and paid
    # the README's table of what the default run reports is this run's own figures
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert f"| claims sent (Claim Register) | {summary['claims_sent']:,} |" in readme
    assert f"| submissions, with resends and replacements | {summary['submissions']:,} |" in readme
    deposits = summary["deposits"]
    assert f"| deposits (BPR02) = claim payments − provider adjustments | {deposits} = " in readme
    assert f"| A/R total as of {summary['as_of']} | {summary['aging']['total']} |" in readme
