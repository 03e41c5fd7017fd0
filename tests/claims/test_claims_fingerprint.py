"""Claim fingerprints stay what users' Claim Registers hold: pinned values, and the fast
writer equal to pydantic's dump on every claim, whatever the text."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addin.claims import build_claims
from addin.models import Book, Claim
from addin.registers.claims import fingerprint
from addin.registers.fingerprint import fingerprint_generic

DATA = Path(__file__).resolve().parents[1] / "data" / "x837p"

#: Computed by Claimbook before the fast writer (main at b4b9271) from the golden encounters:
#: a register written then must find the same claims unchanged now.
PINNED = {
    "E1001": "d46bcfb02f7ea33d",
    "E1002": "9b26fa92bf94ec93",
    "E1003": "d81108c67a3ae814",
    "E1004": "9726d7480bd7e672",
    "E1005": "9af31745b45f654f",
    "E1006": "c3423a56ac772e73",
    "E1007": "c343738319fe81c2",
    "E1008": "b5315c322370b7dd",
    "E1009": "07ebc97819f9f639",
    "E1010": "a910225d9bd54072",
    "E1011": "aaab82c72998cf88",
    "E1011-2": "70e919a89dfa2d03",
}


def golden_claims() -> list[Claim]:
    book = Book.model_validate(json.loads((DATA / "encounters.json").read_text("utf-8")))
    return build_claims(
        book.encounters, book.settings, book.payers, book.fees, book.findings
    ).claims


CLAIMS = golden_claims()


def test_fingerprints_are_the_ones_registers_hold() -> None:
    assert {c.claim_id: fingerprint(c) for c in CLAIMS} == PINNED


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.claim_id)
def test_fast_fingerprint_is_the_generic_one(claim: Claim) -> None:
    assert fingerprint(claim) == fingerprint_generic(claim)


def test_frequency_payer_claim_number_and_source_row_are_left_out() -> None:
    claim = CLAIMS[0]
    line = claim.lines[0].model_copy(update={"source_row": 999})
    other = claim.model_copy(
        update={"frequency": "7", "payer_claim_number": "X1", "lines": [line, *claim.lines[1:]]}
    )
    assert fingerprint(other) == fingerprint(claim)
    changed = claim.model_copy(update={"member_id": claim.member_id + "9"})
    assert fingerprint(changed) != fingerprint(claim)


texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=150, deadline=None)
@given(
    name=texts,
    city=texts,
    note=st.none() | texts,
    ndc=st.none() | texts,
    units=st.decimals(min_value=Decimal("0.001"), max_value=Decimal("99999"), places=3),
    day=st.dates(min_value=date(1900, 1, 1)),
    sex=st.sampled_from([None, "F", "M", "U"]),
)
def test_fast_fingerprint_equals_the_dump_for_any_text(
    name: str,
    city: str,
    note: str | None,
    ndc: str | None,
    units: Decimal,
    day: date,
    sex: str | None,
) -> None:
    claim = CLAIMS[0]
    patient = claim.patient.model_copy(update={"last_name": name, "city": city, "sex": sex})
    provider = claim.billing_provider.model_copy(update={"name": name, "address": city})
    line = claim.lines[0].model_copy(
        update={"note": note, "ndc": ndc, "units": units, "date_of_service": day}
    )
    odd = claim.model_copy(
        update={
            "patient": patient,
            "subscriber": patient,
            "billing_provider": provider,
            "referring_provider": None,
            "payer": name,
            "lines": [line, *claim.lines[1:]],
        }
    )
    assert fingerprint(odd) == fingerprint_generic(odd)


def test_lines_remembered_by_value_keep_how_units_are_written() -> None:
    """Line texts are remembered by their values: 1 and 1.0 units are equal Decimals, but
    the fingerprint hashes the text, so each keeps its own (as the generic dump does)."""
    claim = golden_claims()[0]
    prints = []
    for units in (Decimal("1"), Decimal("1.0"), Decimal("1")):
        line = claim.lines[0].model_copy(update={"units": units})
        changed = claim.model_copy(update={"lines": [line, *claim.lines[1:]]})
        assert fingerprint(changed) == fingerprint_generic(changed)
        prints.append(fingerprint(changed))
    assert prints[0] != prints[1] and prints[0] == prints[2]
