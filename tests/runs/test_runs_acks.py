"""999 and 277CA: read, checked by pyx12, and turned into the worklist, findings and register."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from addin import runs
from addin.cli import app
from addin.errors import X12Error
from addin.registers.claims import CLAIM_REGISTER, read_claim_register
from addin.sheets import read_book
from addin.sheets.typing import type_into
from addin.x12.acks import Ack277, Ack999, read_acknowledgments

ACKS = Path(__file__).resolve().parents[1] / "data" / "x12" / "acks"
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "x12"))
from x837p_pyx12 import pyx12_errors  # noqa: E402

TODAY = date(2026, 4, 10)


def register(book: Path) -> list:  # type: ignore[type-arg]
    return read_claim_register(read_book(book, own=[CLAIM_REGISTER]).own.get(CLAIM_REGISTER))


def denials(book: Path) -> list[dict[str, object]]:
    return [dict(v) for _, v in read_book(book, own=["Denials"]).own["Denials"].records()]


@pytest.mark.parametrize("path", sorted(ACKS.glob("*.*[0-9]")), ids=lambda p: p.name)
def test_hand_built_acknowledgments_pass_pyx12(path: Path) -> None:
    assert pyx12_errors(path.read_text(encoding="ascii")) == []


def test_the_999s_and_the_277ca_read_as_written() -> None:
    (ok,) = read_acknowledgments(ACKS / "accepted.999")
    assert isinstance(ok, Ack999) and ok.groups[0].accepted
    assert [(s.control_number, s.result) for s in ok.groups[0].sets] == [("0001", "A")]
    (bad,) = read_acknowledgments(ACKS / "rejected-batch.999")
    assert isinstance(bad, Ack999) and bad.groups[0].result == "R"
    error = bad.groups[0].sets[0].errors[0]
    assert (error.segment, error.loop, error.element, error.element_code) == (
        "PER", "1000", "4", "6")  # fmt: skip
    (part,) = read_acknowledgments(ACKS / "partly-accepted.999")
    assert isinstance(part, Ack999)
    assert part.groups[0].result == "P" and part.groups[0].accepted_count == 1
    assert [s.accepted for s in part.groups[0].sets] == [True, False]
    (ca,) = read_acknowledgments(ACKS / "claims.277")
    assert isinstance(ca, Ack277) and ca.batch_trace == "000000001"
    assert [(c.patient_control_number, c.rejected) for c in ca.claims] == [
        ("V1", False), ("V2", True)]  # fmt: skip
    assert ca.claims[0].payer_claim_number == "AET20260411001"
    assert ca.claims[1].statuses[0].code == "164"


def test_a_file_of_another_kind_is_refused_saying_what_it_is(era: Path) -> None:
    with pytest.raises(X12Error, match="835 claim payment.*not a 999 or 277CA"):
        read_acknowledgments(era)


def test_a_rejected_claim_goes_to_the_worklist_findings_and_register(clinic: Path) -> None:
    runs.claims(clinic, today=TODAY)
    outcome = runs.run(
        clinic, runs.Inputs(acknowledgments=[ACKS / "accepted.999", ACKS / "claims.277"]),
        date(2026, 4, 13), steps=("acknowledge", "reconcile", "check"),
    )  # fmt: skip
    assert {r.claim_id: r.status for r in register(clinic)} == {"V1": "accepted", "V2": "rejected"}
    v2 = next(r for r in register(clinic) if r.claim_id == "V2")
    assert "member ID" in v2.history and "rejected by the clearinghouse" in v2.history
    rows = [r for r in denials(clinic) if r["Claim ID"] == "V2"]
    assert len(rows) == 1 and rows[0]["Source"] == "277CA"
    assert str(rows[0]["Resolution"]).startswith("open: fix Member ID")
    found = [f for f in outcome.findings if f.rule == "ACK-REJECTED"]
    assert [(f.encounter_id, f.column) for f in found] == [("V2", "Member ID")]
    # unchanged, it stays rejected: the next claims run does not send it again
    again = runs.claims(clinic, today=date(2026, 4, 14))
    assert again.claims is not None and not again.claims.sent
    assert again.claims.statuses["V2"][0] == "Rejected"
    # the biller corrects the member ID: it goes out again as a new original
    type_into(clinic, cells=[("Encounters", 4, "Member ID", "W2")])
    fixed = runs.claims(clinic, today=date(2026, 4, 15))
    assert fixed.claims is not None and [c.claim_id for c in fixed.claims.sent] == ["V2"]
    assert [c.frequency for c in fixed.claims.sent] == ["1"]
    runs.reconcile(clinic, runs.Inputs(), today=date(2026, 4, 15))
    v2s = [r for r in register(clinic) if r.claim_id == "V2"]
    assert [(r.submission, r.status) for r in v2s] == [("V2/1", "rejected"), ("V2/2", "sent")]
    rows = [r for r in denials(clinic) if r["Claim ID"] == "V2"]
    assert str(rows[0]["Resolution"]).startswith("resolved: sent again 2026-04-15")


def test_a_rejected_batch_goes_out_again_by_itself(clinic: Path) -> None:
    runs.claims(clinic, today=TODAY)
    runs.acknowledge(clinic, runs.Inputs(acknowledgments=[ACKS / "rejected-batch.999"]),
                     today=date(2026, 4, 13))  # fmt: skip
    assert {r.status for r in register(clinic)} == {"rejected"}
    rows = denials(clinic)
    assert {r["Claim ID"] for r in rows} == {"V1", "V2"}
    assert all("PER04" in str(r["What It Means"]) for r in rows)
    outcome = runs.claims(clinic, today=date(2026, 4, 13))
    assert outcome.claims is not None
    assert sorted(c.claim_id for c in outcome.claims.sent) == ["V1", "V2"]
    assert [r.submission for r in register(clinic)] == ["V1/1", "V2/1", "V1/2", "V2/2"]


def test_the_same_acknowledgment_twice_adds_nothing(clinic: Path) -> None:
    runs.claims(clinic, today=TODAY)
    files = [ACKS / "accepted.999", ACKS / "claims.277"]
    runs.acknowledge(clinic, runs.Inputs(acknowledgments=files), today=date(2026, 4, 13))
    before = clinic.read_bytes()
    again = runs.acknowledge(clinic, runs.Inputs(acknowledgments=files), today=date(2026, 4, 13))
    assert not again.changed and clinic.read_bytes() == before
    assert "no new acknowledgments" in " ".join(again.summary)


def test_the_command_reads_acknowledgments(clinic: Path) -> None:
    runs.claims(clinic, today=TODAY)
    result = CliRunner().invoke(
        app, ["acknowledgments", str(clinic), str(ACKS / "claims.277"), "--today", "2026-04-13"]
    )
    assert result.exit_code == 0, result.output
    assert "1 claims accepted, 1 rejected" in result.output
    bad = CliRunner().invoke(app, ["acknowledgments", str(clinic), str(clinic)])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
