"""build_claims: grouping, diagnoses, pointers, charges, splits, relationships, holds."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from addin.claims import build_claims, claims_table
from addin.models import Book, Encounter, FeeRow, Finding, PayerRow

DATA = Path(__file__).resolve().parents[1] / "data" / "x837p"


@pytest.fixture
def book() -> Book:
    return Book.model_validate(json.loads((DATA / "encounters.json").read_text("utf-8")))


def one(book: Book, **changes: Any) -> Encounter:
    base = next(e for e in book.encounters if e.encounter_id == "E1001")
    return base.model_copy(update=changes)


def build(book: Book, encounters: list[Encounter], findings: list[Finding] | None = None):  # type: ignore[no-untyped-def]
    return build_claims(encounters, book.settings, book.payers, book.fees, findings)


def test_fixture_set_builds_and_holds(book: Book) -> None:
    result = build(book, book.encounters, book.findings)
    ids = [c.claim_id for c in result.claims]
    assert ids == [
        "E1001",
        "E1002",
        "E1003",
        "E1004",
        "E1005",
        "E1006",
        "E1007",
        "E1008",
        "E1009",
        "E1010",
        "E1011",
        "E1011-2",
    ]
    held = {h.encounter_id: h.reasons for h in result.held}
    assert set(held) == {"E1012", "E1013"}
    assert "no charge" in held["E1012"][0]
    assert held["E1013"][0].startswith("ICD-BILLABLE")


def test_total_is_sum_of_lines_and_charge_from_fees(book: Book) -> None:
    result = build(book, book.encounters)
    by_id = {c.claim_id: c for c in result.claims}
    assert by_id["E1001"].total_charge == Decimal("190.50")
    # E1003 has no charge typed: 99203 costs 160.00 on the Fees sheet
    assert by_id["E1003"].lines[0].charge == Decimal("160.00")
    # E1011 97110 x 2 units at 45.00 a unit
    assert by_id["E1011"].lines[0].charge == Decimal("90.00")
    for claim in result.claims:
        assert claim.total_charge == sum(line.charge for line in claim.lines)


def test_fifty_line_split_says_so(book: Book) -> None:
    result = build(book, [e for e in book.encounters if e.encounter_id == "E1011"])
    assert [len(c.lines) for c in result.claims] == [50, 10]
    assert [c.lines[0].line_number for c in result.claims] == [1, 1]
    split = [f for f in result.findings if f.rule == "CLAIM-SPLIT"]
    assert split and "2 claims" in split[0].message and split[0].severity == "warning"


def test_thirteen_diagnoses_split_by_pointer(book: Book) -> None:
    base = one(book)
    codes = [f"M{n:02d}.9" for n in range(1, 14)]
    lines = [
        base.lines[0].model_copy(update={"dx_pointers": [1, 2, 3, 4]}),
        base.lines[0].model_copy(update={"dx_pointers": [5, 6, 7, 8]}),
        base.lines[0].model_copy(update={"dx_pointers": [9, 10, 11, 12]}),
        base.lines[0].model_copy(update={"dx_pointers": [13]}),
    ]
    enc = Encounter.model_construct(**{**dict(base), "diagnoses": codes, "lines": lines})
    result = build(book, [enc])
    assert [c.diagnoses for c in result.claims] == [codes[:12], codes[12:]]
    assert result.claims[1].lines[0].dx_pointers == [1]
    assert any(f.rule == "CLAIM-SPLIT" for f in result.findings)


def test_duplicate_diagnoses_dropped_and_pointers_remapped(book: Book) -> None:
    base = one(book)
    enc = base.model_copy(
        update={
            "diagnoses": ["E11.9", "I10", "E11.9", "Z23"],
            "lines": [base.lines[0].model_copy(update={"dx_pointers": [3, 4, 1]})],
        }
    )
    claim = build(book, [enc]).claims[0]
    assert claim.diagnoses == ["E11.9", "I10", "Z23"]
    assert claim.lines[0].dx_pointers == [1, 3]


def test_missing_pointer_defaults_with_warning(book: Book) -> None:
    base = one(book)
    enc = base.model_copy(update={"lines": [base.lines[0].model_copy(update={"dx_pointers": []})]})
    result = build(book, [enc])
    assert result.claims[0].lines[0].dx_pointers == [1, 2, 3]
    assert any(f.rule == "CLAIM-POINTER-DEFAULT" for f in result.findings)


def test_pointer_to_empty_diagnosis_holds(book: Book) -> None:
    base = one(book)
    enc = base.model_copy(update={"lines": [base.lines[0].model_copy(update={"dx_pointers": [7]})]})
    result = build(book, [enc])
    assert not result.claims
    assert "diagnosis 7" in result.held[0].reasons[0]


@pytest.mark.parametrize(
    ("typed", "code"),
    [("Self", "18"), ("Spouse", "01"), ("child", "19"), ("Other", "G8"), ("Life Partner", "53")],
)
def test_relationship_codes(book: Book, typed: str, code: str) -> None:
    sub = book.encounters[3].subscriber
    claim = build(book, [one(book, relationship=typed, subscriber=sub)]).claims[0]
    assert claim.relationship == code
    if code != "18":
        assert claim.subscriber.first_name == "Daniel"
        assert claim.subscriber.address == "12 Oak Ave"  # taken from the patient when blank


def test_dependent_without_subscriber_is_held(book: Book) -> None:
    result = build(book, [one(book, relationship="Child", subscriber=None)])
    assert result.held and "subscriber" in result.held[0].reasons[0]


def test_frequency_seven_needs_payer_claim_number(book: Book) -> None:
    held = build(book, [one(book, claim_frequency="Replacement", payer_claim_number=None)]).held
    assert held and "payer's claim number" in held[0].reasons[0]
    claim = build(book, [one(book, claim_frequency="7", payer_claim_number="X1")]).claims[0]
    assert (claim.frequency, claim.payer_claim_number) == ("7", "X1")


def test_payer_from_payers_sheet(book: Book) -> None:
    claim = build(book, [one(book, payer="  aetna ")]).claims[0]
    assert (claim.payer_id, claim.claim_filing_indicator) == ("60054", "CI")
    held = build_claims([one(book, payer="Nobody")], book.settings, book.payers, []).held
    assert "Payers sheet" in held[0].reasons[0]
    incomplete = [PayerRow(payer="Aetna", payer_id="60054")]
    held = build_claims([one(book)], book.settings, incomplete, []).held
    assert "Claim Filing Indicator" in held[0].reasons[0]


def test_fee_with_modifier_preferred(book: Book) -> None:
    base = one(book)
    line = base.lines[0].model_copy(update={"charge": None, "modifiers": ["25"], "units": 2})
    fees = [FeeRow(code="99213", charge="100"), FeeRow(code="99213", modifier="25", charge="120")]
    claim = build_claims(
        [base.model_copy(update={"lines": [line]})], book.settings, book.payers, fees
    )
    assert claim.claims[0].lines[0].charge == Decimal("240.00")


def test_scrubber_error_on_a_row_holds(book: Book) -> None:
    base = one(book)
    row_error = Finding(
        rule="NCCI-PTP", severity="error", message="bundled", sheet="Encounters", row=base.rows[1]
    )
    warning = Finding(rule="X", severity="warning", message="w", encounter_id="E1001")
    assert build(book, [base], [warning]).claims
    result = build(book, [base], [row_error])
    assert not result.claims and result.held[0].reasons == ["NCCI-PTP: bundled"]


def test_rendering_provider_needs_a_name(book: Book) -> None:
    result = build(book, [one(book, rendering_npi="1456789019")])
    assert "'1456789019 Last, First' to the Provider Names row" in str(result.findings[-1].fix)
    assert result.held
    settings = dict(book.settings, **{"Provider Names": "1456789019 Ito, Ken; 1765432103 Roe, A"})
    enc = one(book, rendering_npi="1456789019", referring_npi="1765432103")
    claim = build_claims([enc], settings, book.payers, book.fees).claims[0]
    assert claim.rendering_provider is not None and claim.referring_provider is not None
    assert (claim.rendering_provider.last_name, claim.rendering_provider.first_name) == (
        "Ito",
        "Ken",
    )
    assert claim.referring_provider.last_name == "Roe"


def test_icd10_before_october_2015_is_held(book: Book) -> None:
    base = one(book)
    lines = [ln.model_copy(update={"date_of_service": date(2015, 9, 30)}) for ln in base.lines]
    result = build(book, [base.model_copy(update={"lines": lines})])
    assert result.held and "2015-10-01" in result.held[0].reasons[0]


def test_claims_table_one_row_per_line(book: Book) -> None:
    result = build(book, book.encounters, book.findings)
    table = claims_table(result)
    assert table.sheet == "Claims"
    header = [c.name for c in table.columns]
    built = [r for r in table.rows if r[header.index("Status")] == "Built"]
    held = [r for r in table.rows if r[header.index("Status")] == "Held"]
    assert len(built) == sum(len(c.lines) for c in result.claims)
    assert {r[0] for r in held} == {"E1012", "E1013"}
    assert all(r[header.index("Reason")] for r in held)
    first = built[0]
    assert first[header.index("Claim Total")] == Decimal("190.50")
    assert first[header.index("Procedure Code")] == "99213"
    assert first[header.index("Modifiers")] == "25"
    assert first[header.index("Dx Pointers")] == "1,2"


def test_bad_ndc_holds_and_ndc_quantity_is_kept(book: Book) -> None:
    base = one(book)
    bad = base.model_copy(update={"lines": [base.lines[0].model_copy(update={"ndc": "123"})]})
    result = build(book, [bad])
    assert result.held and "NDC '123'" in result.held[0].reasons[0]
    good_line = base.lines[0].model_copy(update={"ndc": "63323-0165-01 ML 2"})
    good = base.model_copy(update={"lines": [good_line]})
    assert build(book, [good]).claims[0].lines[0].ndc == "63323-0165-01 ML 2"


def test_medicare_patient_must_be_subscriber(book: Book) -> None:
    sub = book.encounters[3].subscriber
    enc = one(book, payer="Medicare Illinois", relationship="Spouse", subscriber=sub)
    result = build(book, [enc])
    assert result.held and "Medicare Part B" in result.held[0].reasons[0]


def test_medicaid_dependent_is_a_warning(book: Book) -> None:
    sub = book.encounters[3].subscriber
    enc = one(book, payer="Illinois Medicaid", relationship="Child", subscriber=sub)
    result = build(book, [enc])
    assert result.claims and result.claims[0].relationship == "19"
    found = [f for f in result.findings if f.rule == "CLAIM-RELATIONSHIP-PROGRAM"]
    assert found and found[0].severity == "warning" and "Medicaid" in found[0].message
