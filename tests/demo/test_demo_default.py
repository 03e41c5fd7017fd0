"""The demo at its default size (2,000 encounters), held to the generator's answer key."""

from __future__ import annotations

from pathlib import Path

from addin.demo import data, run_demo


def test_default_demo_matches_what_was_seeded(tmp_path: Path) -> None:
    result = run_demo(tmp_path / "demo")
    key = result.inputs.answer_key()
    summary = result.run.summary()
    assert key["encounters"] == data.ENCOUNTERS
    assert summary["claims_held"] == len(key["mistakes"]) == 100
    assert summary["claims_built"] == key["billable"]
    held = {h.encounter_id for h in result.run.claims.result.held}
    assert held == {m["encounter_id"] for m in key["mistakes"]}
    statuses = {c.encounter_id: c.status for c in result.run.reconciliation.claims}
    assert statuses == key["intent"]
    # every error is on a seeded encounter (a line-level rule can fire on two lines of one)
    errors = [f for f in result.run.findings if f.severity == "error"]
    assert {f.encounter_id for f in errors} == held
    assert len(key["mistakes"]) <= len(errors) <= len(key["mistakes"]) + 5
    assert summary["suggested"] == len(key["suggested"]) == 20
    assert summary["difference"] == "0.00" and summary["unmatched"] == 0
    assert summary["deposits"] == key["deposits"]
    assert summary["statuses"]["corrected"]["claims"] == 1
    denied = summary["statuses"]["denied"]["claims"]
    assert denied == sum(1 for s in key["intent"].values() if s == "denied")
    assert 0.08 <= denied / key["billable"] <= 0.12
