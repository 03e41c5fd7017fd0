"""The secondary 837P: 2320/2330/2430 from the primary's 835, balanced, accepted by pyx12."""

from __future__ import annotations

import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "x12"))

from x837p_pyx12 import pyx12_errors  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cob_balance import cob_balance_errors  # noqa: E402

from addin.models import Adjustment, Claim, ClaimLine, ClaimPayment, Person, ServicePayment  # noqa: E402
from addin.x12.envelope import ControlNumbers  # noqa: E402
from addin.x12.x837p.cob import (  # noqa: E402
    CobClaim,
    PriorPayer,
    build_cob_837p,
    cob_problems,
    crossed_over,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from clinic_sample import SETTINGS  # noqa: E402

D = Decimal
DOS = date(2026, 3, 4)


def claim(claim_id: str = "V1-S") -> Claim:
    patient = Person(last_name="Garcia", first_name="Maria", dob=date(1950, 5, 17), sex="F",
                     address="12 Oak Ave", city="Springfield", state="IL", zip="62704")  # fmt: skip
    lines = [
        ClaimLine(line_number=1, procedure_code="99213", modifiers=["25"], charge=D("125.00"),
                  dx_pointers=[1, 2], date_of_service=DOS),
        ClaimLine(line_number=2, procedure_code="36415", charge=D("12.50"), dx_pointers=[1],
                  date_of_service=DOS),
    ]  # fmt: skip
    return Claim(
        claim_id=claim_id, encounter_id="V1", payer="Medigap Plus", payer_id="MGAP1",
        claim_filing_indicator="CI", member_id="MG123", relationship="18", patient=patient,
        subscriber=patient, place_of_service="11", diagnoses=["E11.9", "I10"], lines=lines,
        total_charge=D("137.50"),
    )  # fmt: skip


def payment(**kw: object) -> ClaimPayment:
    base: dict[str, object] = dict(
        patient_control_number="V1", status="1", billed=D("137.50"), paid=D("80.00"),
        patient_responsibility=D("27.50"), payer_claim_number="MCR1",
        services=[
            ServicePayment(procedure_code="99213", modifiers=["25"], billed=D("125.00"),
                           paid=D("72.00"), date_of_service=DOS, adjustments=[
                               Adjustment(group="CO", reason="45", amount=D("28.00")),
                               Adjustment(group="PR", reason="1", amount=D("20.00")),
                               Adjustment(group="PR", reason="2", amount=D("5.00"))]),
            ServicePayment(procedure_code="36415", billed=D("12.50"), paid=D("8.00"),
                           date_of_service=DOS, adjustments=[
                               Adjustment(group="CO", reason="45", amount=D("2.00")),
                               Adjustment(group="PR", reason="2", amount=D("2.50"))]),
        ],
    )  # fmt: skip
    base.update(kw)
    return ClaimPayment.model_validate(base)


def prior(pay: ClaimPayment) -> PriorPayer:
    return PriorPayer(
        sequence="P", payer="Medicare", payer_id="MCR01", filing_indicator="MB",
        member_id="1EG4TE5MK73", group_number="", relationship="18",
        subscriber_last="Garcia", subscriber_first="Maria", payment=pay,
        adjudicated=date(2026, 3, 20),
    )  # fmt: skip


def build(cobs: list[CobClaim]) -> str:
    interchange, problems = build_cob_837p(
        cobs, SETTINGS, created=datetime(2026, 4, 1, 9, 30), numbers=ControlNumbers(7, 7, 7)
    )
    assert problems == []
    text = interchange.x12()
    assert cob_balance_errors(text) == []  # every 2320 and 2430 balances, read back
    return text


def segments(text: str) -> list[str]:
    return [s.strip() for s in text.split("~") if s.strip()]


def test_secondary_claim_carries_the_primary_adjudication_and_pyx12_accepts_it() -> None:
    text = build([CobClaim(claim(), "S", [prior(payment())])])
    segs = segments(text)
    assert "SBR*S*18*******CI" in segs
    at = segs.index("SBR*P*18*******MB")
    assert segs[at + 1 : at + 6] == ["AMT*D*80", "AMT*EAF*27.5", "OI***Y***Y",
                                     "NM1*IL*1*GARCIA*MARIA****MI*1EG4TE5MK73",
                                     "NM1*PR*2*MEDICARE*****PI*MCR01"]  # fmt: skip
    assert "REF*F8*MCR1" in segs
    line1 = segs.index("SVD*MCR01*72*HC:99213:25**1")
    assert segs[line1 + 1 : line1 + 4] == ["CAS*CO*45*28", "CAS*PR*1*20**2*5",
                                           "DTP*573*D8*20260320"]  # fmt: skip
    assert "SVD*MCR01*8*HC:36415**1" in segs
    assert pyx12_errors(text) == []


def test_claim_level_only_835_gets_2330b_date_and_claim_cas() -> None:
    adjustments = [Adjustment(group="CO", reason="45", amount=D("30.00")),
                   Adjustment(group="PR", reason="1", amount=D("27.50"))]  # fmt: skip
    pay = payment(services=[], adjustments=adjustments)
    text = build([CobClaim(claim(), "S", [prior(pay)])])
    segs = segments(text)
    assert "CAS*CO*45*30" in segs and "CAS*PR*1*27.5" in segs
    assert "DTP*573*D8*20260320" in segs
    assert not any(s.startswith("SVD") for s in segs)
    assert pyx12_errors(text) == []


def test_tertiary_claim_has_two_prior_payers() -> None:
    first = prior(payment())
    second_pay = payment(status="2", paid=D("25.00"), patient_responsibility=D("2.50"),
                         payer_claim_number="MG9", services=[], adjustments=[
                             Adjustment(group="OA", reason="23", amount=D("110.00")),
                             Adjustment(group="PR", reason="2", amount=D("2.50"))])  # fmt: skip
    second = PriorPayer(
        sequence="S", payer="Medigap Plus", payer_id="MGAP1", filing_indicator="CI",
        member_id="MG123", group_number="G1", relationship="18", subscriber_last="Garcia",
        subscriber_first="Maria", payment=second_pay, adjudicated=date(2026, 3, 30),
    )  # fmt: skip
    tertiary = claim("V1-T").model_copy(update={"payer": "Medicaid", "payer_id": "MCD1",
                                                "claim_filing_indicator": "MC"})  # fmt: skip
    text = build([CobClaim(tertiary, "T", [first, second])])
    segs = segments(text)
    assert "SBR*T*18*******MC" in segs
    assert "SBR*S*18*G1******CI" in segs and "AMT*D*25" in segs
    assert pyx12_errors(text) == []


def test_unbalanced_primary_is_a_problem_naming_the_numbers() -> None:
    pay = payment(paid=D("81.00"))
    problems = cob_problems(CobClaim(claim(), "S", [prior(pay)]))
    assert problems == ["claim V1-S: charge 137.50 - Medicare's adjustments 57.50 != AMT*D 81.00"]


@pytest.mark.parametrize(
    ("status", "remarks", "expected"),
    [("1", [], False), ("1", ["MA18"], True), ("1", ["N89"], True), ("19", [], True),
     ("21", [], True), ("2", ["N130"], False)],
)  # fmt: skip
def test_crossover(status: str, remarks: list[str], expected: bool) -> None:
    assert crossed_over(payment(status=status, remark_codes=remarks)) is expected


def test_the_primary_moa_remarks_are_passed_on() -> None:
    text = build([CobClaim(claim(), "S", [prior(payment(remark_codes=["MA01", "N130"]))])])
    segs = segments(text)
    at = segs.index("OI***Y***Y")
    assert segs[at + 1] == "MOA***MA01*N130"
    assert pyx12_errors(text) == []


def test_the_balance_check_reads_a_file_that_does_not_balance() -> None:
    text = build([CobClaim(claim(), "S", [prior(payment())])])
    assert cob_balance_errors(text.replace("AMT*D*80~", "AMT*D*81~")) == [
        "V1-S MCR01: 137.5 - 0 - 57.5 != AMT*D 81"
    ]
