"""Golden 837Ps from the fixed encounter set: byte for byte, accepted by pyx12, our checks clean."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

import pytest
from x837p_pyx12 import pyx12_errors

from addin.claims import build_claims
from addin.models import Book, Claim
from addin.x12.envelope import ControlNumbers
from addin.x12.x837p import build_837p

DATA = Path(__file__).resolve().parents[1] / "data" / "x837p"
GOLDEN = DATA / "golden"
CREATED = datetime(2024, 3, 15, 9, 30)
NUMBERS = ControlNumbers(101, 101, 101)


def load_book() -> Book:
    return Book.model_validate(json.loads((DATA / "encounters.json").read_text("utf-8")))


def _claims() -> dict[str, list[Claim]]:
    book = load_book()
    result = build_claims(book.encounters, book.settings, book.payers, book.fees, book.findings)
    cases: dict[str, list[Claim]] = {}
    for claim in result.claims:
        cases.setdefault(claim.encounter_id, []).append(claim)
    cases["all"] = list(result.claims)
    return cases


CASES = _claims()


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_837p_byte_for_byte(case: str) -> None:
    book = load_book()
    interchange, _ = build_837p(CASES[case], book.settings, created=CREATED, numbers=NUMBERS)
    text = interchange.x12()
    golden = GOLDEN / f"{case}.837"
    if os.environ.get("CLAIMBOOK_UPDATE_GOLDENS"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(text.encode("ascii"))
    assert text.encode("ascii") == golden.read_bytes(), f"{golden.name} differs from the writer"


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_837p_passes_pyx12(case: str) -> None:
    text = (GOLDEN / f"{case}.837").read_text("ascii")
    assert pyx12_errors(text) == []


def test_pyx12_driver_reports_errors() -> None:
    """The driver above is a real signal: a broken SE count is reported."""
    text = (GOLDEN / "E1001.837").read_text("ascii")
    broken = text.replace("SE*", "SE*9", 1)
    assert any("SE count" in e for e in pyx12_errors(broken))


def test_line_note_and_unclean_names_pass_pyx12() -> None:
    """NTE*ADD from a line note; a name with X12 delimiters is cleaned and reported."""
    book = load_book()
    claim = CASES["E1001"][0]
    line = claim.lines[0].model_copy(update={"note": "Unlisted: see op note*~"})
    patient = claim.patient.model_copy(update={"last_name": "Smith*Jones~"})
    changed = claim.model_copy(
        update={"lines": [line, *claim.lines[1:]], "patient": patient, "subscriber": patient}
    )
    interchange, findings = build_837p([changed], book.settings, created=CREATED, numbers=NUMBERS)
    text = interchange.x12()
    assert "NTE*ADD*UNLISTED SEE OP NOTE~" in text
    assert "NM1*IL*1*SMITHJONES*MARIA" in text
    assert [f.rule for f in findings] == ["X12-NAME-CHARS"]
    assert "'Smith*Jones~'" in findings[0].message and "claim E1001" in findings[0].message
    assert pyx12_errors(text) == []


def test_identifiers_lose_x12_delimiters() -> None:
    book = load_book()
    claim = CASES["E1002"][0].model_copy(
        update={"member_id": "1EG4*TE5MK73", "prior_authorization": "PA:2024~1"}
    )
    interchange, findings = build_837p([claim], book.settings, created=CREATED, numbers=NUMBERS)
    text = interchange.x12()
    assert "*MI*1EG4TE5MK73~" in text and "REF*G1*PA20241~" in text
    assert {f.rule for f in findings} == {"X12-ID-CHARS"}
    assert pyx12_errors(text) == []
