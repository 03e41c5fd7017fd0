"""Models: money is two-place Decimal, codes are normalised, claims balance."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from addin.models import (
    Adjustment,
    Claim,
    ClaimLine,
    ClaimPayment,
    Encounter,
    Finding,
    Person,
    ProviderAdjustment,
    Remittance,
    ServiceLine,
    ServicePayment,
    money,
    normalize_icd10,
    normalize_procedure,
)


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False))
def test_money_round_trips_exactly(amount: Decimal) -> None:
    assert money(str(amount)) == amount
    assert money(amount) == amount
    assert str(money(amount)).count(".") == 1 and len(str(money(amount)).split(".")[1]) == 2


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(125.5, "125.50"), ("$1,234.5", "1234.50"), ("(12.00)", "-12.00"), (0.1, "0.10"), (7, "7.00")],
)
def test_money_parses_what_spreadsheets_hold(raw: object, expected: str) -> None:
    assert money(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", ["12.345", 0.005, "abc", True, float("nan"), None])
def test_money_refuses_what_is_not_a_two_place_amount(raw: object) -> None:
    with pytest.raises(ValueError):
        money(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("e119", "E11.9"),
        ("E11 .9", "E11.9"),
        ("I10", "I10"),
        ("s80.01xa", "S80.01XA"),
        ("not a code", "NOT A CODE"),
    ],
)
def test_icd_normalisation(raw: str, expected: str) -> None:
    assert normalize_icd10(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (99213.0, "99213"),
        ("99213.0", "99213"),
        (" j3301 ", "J3301"),
        ("0001A", "0001A"),
        (1234, "1234"),
    ],
)
def test_procedure_codes_keep_leading_zeros_and_lose_float_tails(
    raw: object, expected: str
) -> None:
    assert normalize_procedure(raw) == expected


def _claim(**changes: object) -> dict[str, object]:
    line = {
        "line_number": 1,
        "procedure_code": 99213.0,
        "charge": "125.00",
        "dx_pointers": [1],
        "date_of_service": date(2026, 3, 2),
    }
    data: dict[str, object] = {
        "claim_id": "ENC1",
        "encounter_id": "ENC1",
        "payer": "Medicare",
        "patient": Person(last_name="Doe"),
        "subscriber": Person(last_name="Doe"),
        "place_of_service": "11",
        "diagnoses": ["e119"],
        "lines": [line],
        "total_charge": "125.00",
    }
    data.update(changes)
    return data


def test_claim_normalises_and_balances() -> None:
    claim = Claim.model_validate(_claim())
    assert claim.diagnoses == ["E11.9"]
    assert claim.lines[0].procedure_code == "99213"
    assert claim.total_charge == Decimal("125.00")
    dumped = claim.model_dump(mode="json")
    assert dumped["total_charge"] == "125.00"


def test_claim_total_must_equal_line_sum() -> None:
    with pytest.raises(ValidationError, match=r"total charge 130.00 != sum of line charges 125.00"):
        Claim.model_validate(_claim(total_charge="130.00"))


def test_claim_pointer_must_refer_to_a_diagnosis() -> None:
    bad_line = {
        "line_number": 1,
        "procedure_code": "99213",
        "charge": "125.00",
        "dx_pointers": [2],
        "date_of_service": date(2026, 3, 2),
    }
    with pytest.raises(ValidationError, match="pointer 2 refers to no diagnosis"):
        Claim.model_validate(_claim(lines=[bad_line]))


def test_replacement_claim_needs_payer_claim_number() -> None:
    with pytest.raises(ValidationError, match="frequency 7 needs the payer claim number"):
        Claim.model_validate(_claim(frequency="7"))
    assert Claim.model_validate(_claim(frequency="7", payer_claim_number="PCN9")).frequency == "7"


def test_claim_line_limits() -> None:
    with pytest.raises(ValidationError):
        ClaimLine(
            line_number=51,
            procedure_code="99213",
            charge=Decimal(1),
            dx_pointers=[1],
            date_of_service=date(2026, 1, 1),
        )
    with pytest.raises(ValidationError):
        ClaimLine(
            line_number=1,
            procedure_code="99213",
            charge=Decimal(1),
            dx_pointers=[1, 2, 3, 4, 5],
            date_of_service=date(2026, 1, 1),
        )


def test_encounter_totals_and_relationship() -> None:
    encounter = Encounter(
        encounter_id="E1",
        relationship="Child",
        lines=[
            ServiceLine(procedure_code="99213", charge=Decimal("100")),
            ServiceLine(procedure_code="36415", charge="12.5"),
            ServiceLine(procedure_code="J3301"),
        ],
    )
    assert encounter.total_charge == Decimal("112.50")
    assert not encounter.is_self
    assert Encounter(encounter_id="E2").is_self


def test_remittance_balancing_messages_show_the_numbers() -> None:
    line = ServicePayment(
        procedure_code="99213",
        billed="100.00",
        paid="60.00",
        adjustments=[Adjustment(group="CO", reason="45", amount="30.00")],
    )
    claim = ClaimPayment(
        patient_control_number="ENC1", status="1", billed="100.00", paid="60.00", services=[line]
    )
    assert line.balance_difference == Decimal("10.00")
    assert line.balance_message("ENC1") == (
        "claim ENC1 line 99213: SVC02 100.00 - adjustments 30.00 != SVC03 60.00 (off by 10.00)"
    )
    assert claim.balance_message() == (
        "claim ENC1: CLP03 100.00 - adjustments 30.00 != CLP04 60.00 (off by 10.00)"
    )
    remit = Remittance(
        trace_number="EFT1",
        payment_amount="55.00",
        claims=[claim],
        provider_adjustments=[ProviderAdjustment(reason="L6", amount="-5.00")],
    )
    assert remit.balance_difference == Decimal("-10.00")
    assert "BPR02 55.00 != sum CLP04 60.00 - sum PLB -5.00" in (remit.balance_message() or "")
    balanced = ClaimPayment(patient_control_number="X", status="1", billed="10", paid="10")
    assert balanced.balance_message() is None


def test_adjustment_group_is_a_closed_list() -> None:
    with pytest.raises(ValidationError):
        Adjustment(group="XX", reason="45", amount="1.00")  # type: ignore[arg-type]


def test_finding_is_frozen_and_knows_if_it_blocks() -> None:
    finding = Finding(
        rule="ICD-BILLABLE",
        severity="error",
        message="m",
        sheet="Encounters",
        row=12,
        column="Dx 1",
        value="E11",
    )
    assert finding.blocking
    with pytest.raises(ValidationError):
        finding.row = 3  # type: ignore[misc]
