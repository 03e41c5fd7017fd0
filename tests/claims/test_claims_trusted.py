"""Claims built without validating again are the claims validation makes: every claim of
the demo clinic, built both ways, and each one validated from its dump."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

import addin.claims.build as build_module
from addin.claims import build_claims
from addin.demo.generate import generate
from addin.demo.workbook import write_workbook
from addin.models import Book, Claim
from addin.sheets.reader import read_book


@pytest.fixture(scope="module")
def demo_book(tmp_path_factory: pytest.TempPathFactory) -> Book:
    path = write_workbook(generate(), tmp_path_factory.mktemp("demo") / "demo.xlsx")
    return read_book(path)


def _validated(cls: type[Any], values: dict[str, Any], defaults: dict[str, Any]) -> Any:
    return cls(**values)


def test_every_demo_claim_is_what_validation_makes(
    demo_book: Book, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = demo_book
    # without the scrubber's findings: every encounter the builder can bill is built
    fast = build_claims(book.encounters, book.settings, book.payers, book.fees)
    assert len(fast.claims) > 1000
    for claim in fast.claims:
        again = Claim.model_validate(claim.model_dump())
        assert again == claim, claim.claim_id
        for line, checked in zip(claim.lines, again.lines, strict=True):
            assert list(line.__dict__) == list(checked.__dict__)
        assert list(claim.__dict__) == list(again.__dict__)
    monkeypatch.setattr(build_module, "_trusted", _validated)
    slow = build_claims(book.encounters, book.settings, book.payers, book.fees)
    # JSON dumps: a Decimal's digits (1 or 1.0 units) count, not only its value
    dumped = [c.model_dump(mode="json") for c in fast.claims]
    assert [c.model_dump(mode="json") for c in slow.claims] == dumped
    assert [c.model_fields_set for c in slow.claims] == [c.model_fields_set for c in fast.claims]
    assert [[ln.model_fields_set for ln in c.lines] for c in slow.claims] == [
        [ln.model_fields_set for ln in c.lines] for c in fast.claims
    ]
    assert slow.findings == fast.findings
    assert [(h.encounter_id, h.reasons) for h in slow.held] == [
        (h.encounter_id, h.reasons) for h in fast.held
    ]


def test_a_claim_outside_the_limits_is_still_validated(demo_book: Book) -> None:
    """An Encounter ID over 38 characters is not trusted: validation reports it."""
    book = demo_book
    enc = book.encounters[0].model_copy(update={"encounter_id": "E" * 39})
    result = build_claims([enc], book.settings, book.payers, book.fees)
    assert result.claims == []
    assert any(f.rule == "CLAIM-INVALID" and "38" in f.message for f in result.findings)


def test_values_set_without_validation_are_still_normalised(demo_book: Book) -> None:
    """A run that sets an encounter's codes itself (the Dx cells the suggest step fills)
    gives them as typed; the claim validates them as before: E119 is billed as E11.9."""
    book = demo_book
    built = build_claims(book.encounters[:50], book.settings, book.payers, book.fees).claims
    enc = next(e for e in book.encounters if any(c.encounter_id == e.encounter_id for c in built))
    odd = enc.model_copy(deep=True)
    odd.diagnoses = ["e119 ", *odd.diagnoses[1:]]
    odd.lines[0].procedure_code = " 99213.0"
    odd.lines[0].units = 2  # type: ignore[assignment]
    claim = build_claims([odd], book.settings, book.payers, book.fees).claims[0]
    assert claim.diagnoses[0] == "E11.9"
    assert claim.lines[0].procedure_code == "99213"
    assert claim.lines[0].units == 2 and type(claim.lines[0].units) is Decimal
    assert Claim.model_validate(claim.model_dump()) == claim


def test_trusted_claims_share_their_set_fields_safely(demo_book: Book) -> None:
    """Trusted claims and lines share one set of field names (170 MB on a 46,000-claim
    week otherwise); a copy gets its own, and no change to one model reaches another."""
    book = demo_book
    claims = build_claims(book.encounters, book.settings, book.payers, book.fees).claims
    first, second = claims[0], claims[1]
    assert first.model_fields_set is second.model_fields_set
    assert first.lines[0].model_fields_set is second.lines[0].model_fields_set
    assert "note" not in first.lines[0].model_fields_set
    replaced = first.model_copy(update={"frequency": "7", "payer_claim_number": "P1"})
    assert replaced.model_fields_set == first.model_fields_set
    assert replaced.model_fields_set is not first.model_fields_set
    noted = first.lines[0].model_copy(update={"note": "see op note"})
    assert "note" in noted.model_fields_set
    assert "note" not in second.lines[0].model_fields_set
    second.lines[0].units = second.lines[0].units  # a field already set: allowed
    with pytest.raises(TypeError, match="model_copy"):
        second.lines[0].note = "typed"  # would mark note set on every line
    assert "note" not in first.lines[0].model_fields_set
