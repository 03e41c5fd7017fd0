"""claims_from_837p: an 837P read back into Claim models equals the claims it was built from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from addin.claims import build_claims
from addin.errors import X12Error
from addin.models import Book
from addin.x12.x837p import claims_from_837p, read_837p
from addin.x12.x837p.extract import count_claims
from addin.x12.x837p.text import clean

DATA = Path(__file__).resolve().parents[1] / "data" / "x837p"
CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "x12" / "837p"


def test_golden_reads_back_into_the_same_claims() -> None:
    book = Book.model_validate(json.loads((DATA / "encounters.json").read_text("utf-8")))
    built = build_claims(book.encounters, book.settings, book.payers, book.fees, book.findings)
    claims, findings = claims_from_837p(read_837p(DATA / "golden" / "all.837"))
    assert findings == []
    assert sorted(c.claim_id for c in claims) == sorted(c.claim_id for c in built.claims)
    got = {c.claim_id: c for c in claims}
    same = (
        "total_charge", "diagnoses", "frequency", "payer_claim_number", "prior_authorization",
        "relationship", "payer_id", "claim_filing_indicator", "member_id", "group_number",
        "place_of_service",
    )  # fmt: skip
    for claim in built.claims:
        back = got[claim.claim_id]
        assert {f: getattr(back, f) for f in same} == {f: getattr(claim, f) for f in same}
        assert back.patient.last_name == clean(claim.patient.last_name)
        assert back.patient.dob == claim.patient.dob
        for a, b in zip(claim.lines, back.lines, strict=True):
            keys = ("procedure_code", "modifiers", "units", "charge", "dx_pointers")
            assert [getattr(b, k) for k in keys] == [getattr(a, k) for k in keys]
            assert b.date_of_service == a.date_of_service
        if claim.rendering_provider and claim.rendering_provider.npi != "1234567893":
            assert back.rendering_provider is not None
            assert back.rendering_provider.npi == claim.rendering_provider.npi
    ndc_line = got["E1008"].lines[0]
    assert ndc_line.ndc == "63323016501 UN 4"


@pytest.mark.parametrize(
    "name", ["badx12__X222-commercial-health-insurance.edi", "dbx__837p.txt", "uhin__837.edi"]
)
def test_corpus_claims_read(name: str, shared: Path) -> None:
    try:
        doc = read_837p(CORPUS / name)
    except X12Error as exc:  # pragma: no cover - the corpus changed
        pytest.fail(str(exc))
    claims, findings = claims_from_837p(doc)
    assert claims and findings == []
    for claim in claims:
        assert claim.total_charge == sum(line.charge for line in claim.lines)


def test_unbalanced_claim_is_a_finding_naming_it(shared: Path) -> None:
    doc = read_837p(CORPUS / "imsweb__x12_valid.txt")
    claims, findings = claims_from_837p(doc)
    assert not claims
    assert findings and "claim A37YH556" in findings[0].message
    assert "500.00 != sum of line charges" in findings[0].message
    assert count_claims(doc) == (len(findings), findings)  # check-837p counts it as a claim


def test_counting_claims_agrees_with_reading_them(shared: Path) -> None:
    """check-837p counts claims one transaction set at a time, never holding a file's all."""
    for path in [DATA / "golden" / "all.837", *sorted(CORPUS.glob("*"))]:
        try:
            doc = read_837p(path)
        except X12Error:
            continue  # not an 837P this reader takes: check-837p says why
        claims, findings = claims_from_837p(doc)
        assert count_claims(doc) == (len(claims) + len(findings), findings), path.name
