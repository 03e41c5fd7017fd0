"""Golden 837Ps from the fixed encounter set: byte for byte, accepted by pyx12, our checks clean."""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from x837p_pyx12 import pyx12_errors

from addin.claims import build_claims
from addin.models import Book, Claim
from addin.x12.envelope import ControlNumbers
from addin.x12.x837p import build_837p, check_837p, claims_from_837p, read_837p

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


def test_subscriber_and_dependents_get_separate_subscriber_loops() -> None:
    book = load_book()
    child = CASES["E1004"][0]
    own = CASES["E1001"][0].model_copy(
        update={
            "claim_id": "E2000",
            "payer": child.payer,
            "payer_id": child.payer_id,
            "claim_filing_indicator": child.claim_filing_indicator,
            "member_id": child.member_id,
            "patient": child.subscriber,
            "subscriber": child.subscriber,
        }
    )
    interchange, _ = build_837p([own, child], book.settings, created=CREATED, numbers=NUMBERS)
    text = interchange.x12()
    assert text.count("HL*") == 4 and "HL*2*1*22*0~" in text and "HL*3*1*22*1~" in text
    assert "SBR*P*18*GRP7781" in text and "SBR*P**B77001" in text
    assert check_837p(interchange) == []
    assert pyx12_errors(text) == []


@settings(max_examples=25, deadline=None)
@given(
    charges=st.lists(
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2),
        min_size=1,
        max_size=6,
    ),
    day=st.dates(min_value=date(2015, 10, 1), max_value=date(2030, 12, 31)),
    units=st.decimals(min_value=Decimal("0.5"), max_value=Decimal("99"), places=1),
)
def test_amounts_dates_and_units_read_back(
    charges: list[Decimal], day: date, units: Decimal
) -> None:
    book = load_book()
    base = CASES["E1001"][0]
    lines = [
        base.lines[0].model_copy(
            update={"line_number": n, "charge": c, "date_of_service": day, "units": units}
        )
        for n, c in enumerate(charges, 1)
    ]
    claim = base.model_copy(update={"lines": lines, "total_charge": sum(charges)})
    interchange, _ = build_837p([claim], book.settings, created=CREATED, numbers=NUMBERS)
    doc = read_837p(interchange.x12())
    assert check_837p(doc) == []
    ((_, _, loop),) = doc.transactions()[0].claims()
    assert Decimal(loop.clm.total) == sum(charges)  # type: ignore[union-attr]
    read = [(Decimal(ln.sv1.charge), Decimal(ln.sv1.quantity)) for ln in loop.lines]  # type: ignore[union-attr]
    assert read == [(c, units) for c in charges]
    assert {ln.service_dates[0].value for ln in loop.lines} == {day.strftime("%Y%m%d")}


def test_line_level_prior_authorization() -> None:
    """2400 REF*G1 when a line's authorization differs from the claim's (2300 REF*G1)."""
    book = load_book()
    claim = CASES["E1002"][0]
    lines = [claim.lines[0], claim.lines[1].model_copy(update={"prior_authorization": "AUTH9"})]
    changed = claim.model_copy(update={"lines": lines})
    interchange, _ = build_837p([changed], book.settings, created=CREATED, numbers=NUMBERS)
    text = interchange.x12()
    assert text.count("REF*G1*") == 2
    assert "DTP*472*D8*20240305~\nREF*G1*AUTH9~" in text
    assert pyx12_errors(text) == []
    (back,), _ = claims_from_837p(read_837p(text))
    assert [ln.prior_authorization for ln in back.lines] == [None, "AUTH9"]
