"""The demo's payers: they adjudicate the claims the clinic actually sent, on their own days.

A payer receives a claim when the clearinghouse passes it on, decides what the generator
meant for it (paid at the contract rate with the patient's share, denied for a reason,
allowed a little under the contract), and pays it on its next payment run after its usual
lag. A replacement (frequency 7) is paid in full. Along the way one Medicare payment is
reversed and corrected three weeks later (CLP02 22 then 1), one Granite claim is split in two
(MA15), one slow Medicaid claim earns interest (AMT*I with PLB L6), and Granite recoups an
old overpayment (PLB WO). What the payers did is their record: the answer key.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from addin.demo import data
from addin.demo.data import DemoPayer, contract_rate
from addin.demo.era import CENT, PAYER_BY_NAME, ZERO, Check, ClaimPay, LinePay  # noqa: F401
from addin.demo.generate import DemoData, DemoEncounter
from addin.models import Claim

DEDUCTIBLE_LEFT = Decimal("150.00")
RECOUPMENT = ("WO", "GH2605119000123", Decimal("42.50"))


def pay_day(payer: DemoPayer, day: date) -> date:
    """The payer's first payment run on or after ``day``."""
    while day.weekday() != payer.weekday:
        day += timedelta(days=1)
    return day


def price(
    enc: DemoEncounter, claim: Claim, payer: DemoPayer, factor: Decimal, deductible: bool
) -> list[LinePay]:
    """The claim's lines at the contract rate (times ``factor``) with the patient's share."""
    out: list[LinePay] = []
    copay_left = payer.copay.get(enc.service_line, ZERO)
    deductible_left = DEDUCTIBLE_LEFT if deductible else ZERO
    for line in claim.lines:
        code = line.procedure_code
        allowed = (contract_rate(payer, code) * line.units * factor).quantize(CENT)
        allowed = min(allowed, line.charge)
        adjustments: list[tuple[str, str, Decimal]] = []
        if line.charge > allowed:
            adjustments.append(("CO", "45", line.charge - allowed))
        owed = allowed
        if code not in data.NO_COST_SHARE:
            if deductible_left > 0:
                amount = min(deductible_left, owed)
                adjustments.append(("PR", "1", amount))
                deductible_left -= amount
                owed -= amount
            if copay_left > 0 and code in data.VISIT_CODES and owed > 0:
                amount = min(copay_left, owed)
                adjustments.append(("PR", "3", amount))
                copay_left = ZERO
                owed -= amount
            if payer.coinsurance and owed > 0:
                amount = (owed * payer.coinsurance).quantize(CENT)
                adjustments.append(("PR", "2", amount))
                owed -= amount
        out.append(
            LinePay(code, list(line.modifiers), line.units, line.charge, allowed, owed,
                    line.date_of_service, adjustments)
        )  # fmt: skip
    return out


def deny(claim: Claim, reason: tuple[str, str, str, float]) -> list[LinePay]:
    group, carc, _, _ = reason
    return [
        LinePay(line.procedure_code, list(line.modifiers), line.units, line.charge, ZERO, ZERO,
                line.date_of_service, [(group, carc, line.charge)])
        for line in claim.lines
    ]  # fmt: skip


def second_lines(primary: ClaimPay, share: Decimal, keep_deductible: bool) -> list[LinePay]:
    """The next plan's lines: OA-23 for what the primary paid and adjusted, then ``share`` of
    what it left to the patient (the deductible left alone when ``keep_deductible``), the rest
    still the patient's (PR-1 deductible, PR-2 the share not paid)."""
    out: list[LinePay] = []
    for line in primary.lines:
        left = sum((a for g, _, a in line.adjustments if g == "PR"), ZERO)
        deductible = sum((a for g, r, a in line.adjustments if g == "PR" and r == "1"), ZERO)
        covered = left - deductible if keep_deductible else left
        paid = (covered * share).quantize(CENT)
        adjustments: list[tuple[str, str, Decimal]] = []
        if line.billed - left:
            adjustments.append(("OA", "23", line.billed - left))
        if keep_deductible and deductible:
            adjustments.append(("PR", "1", deductible))
        if covered - paid:
            adjustments.append(("PR", "2", covered - paid))
        out.append(LinePay(line.code, list(line.modifiers), line.units, line.billed, left, paid,
                           line.dos, adjustments))  # fmt: skip
    return out


@dataclass
class Paid:
    """What a payer did with one claim it received: the key's record."""

    claim_id: str
    frequency: str
    received: date
    pay_on: date
    status: str  # paid, denied, underpaid, corrected (reversed and paid again)
    reason: str = ""
    icn: str = ""


@dataclass
class Payers:
    """Every payer's desk: claims received, payments scheduled, checks made."""

    demo: DemoData
    scheduled: list[tuple[date, str, ClaimPay]] = field(default_factory=list)
    record: list[Paid] = field(default_factory=list)
    plb: dict[tuple[str, date], list[tuple[str, str, Decimal]]] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    reversed: str = ""
    split: str = ""
    interest: str = ""
    recouped: bool = False

    primary: dict[str, ClaimPay] = field(default_factory=dict)  # claim -> primary's payment

    def __post_init__(self) -> None:
        self.encounters = {e.encounter_id: e for e in self.demo.encounters}

    def _icn(self, payer: DemoPayer, day: date) -> str:
        self.counters["icn"] = self.counters.get("icn", 0) + 1
        return f"{payer.payer_id[:2]}{day:%y%j}{self.counters['icn']:06d}"

    def receive(self, claim: Claim, received: date) -> None:
        """The payer's front end took ``claim`` into adjudication on ``received``."""
        # an 837P carries no encounter ID: the demo's claim IDs are the encounter IDs, and a
        # claim for the next plan adds -S
        enc = self.encounters.get(claim.encounter_id.removesuffix("-S"))
        payer = next((p for p in data.ALL_PAYERS if p.payer_id == claim.payer_id), None)
        if enc is None or payer is None:
            return
        if claim.claim_id.endswith("-S"):
            self._secondary(claim, enc, payer, received)
            return
        rng = random.Random(f"{self.demo.seed}:{claim.claim_id}:{claim.frequency}:{received}")
        pay_on = pay_day(payer, received + timedelta(days=rng.randint(*payer.lag)))
        icn = self._icn(payer, pay_on)
        first = not any(p.claim_id == claim.claim_id for p in self.record)
        if claim.frequency == "7":
            lines = price(enc, claim, payer, Decimal(1), False)
            pay = ClaimPay(enc, "1", icn, lines, claim_id=claim.claim_id)
            status = "paid"
        elif enc.intent == "denied" and enc.denial is not None and first:
            remark = [enc.denial[2]] if enc.denial[2] else []
            pay = ClaimPay(enc, "4", icn, deny(claim, enc.denial), remark,
                           claim_id=claim.claim_id)  # fmt: skip
            status = "denied"
        else:
            factor = Decimal("0.90") if enc.intent == "underpaid" else Decimal(1)
            lines = price(enc, claim, payer, factor, enc.deductible)
            pay = ClaimPay(enc, "1", icn, lines, claim_id=claim.claim_id)
            status = "underpaid" if enc.intent == "underpaid" else "paid"
        paid = Paid(claim.claim_id, claim.frequency, received, pay_on, status,
                    enc.denial[1] if status == "denied" and enc.denial else "", icn)  # fmt: skip
        self.record.append(paid)
        self._specials(payer, pay, paid, enc)
        self.scheduled.append((pay_on, payer.name, pay))
        if pay.status == "1":
            self.primary[claim.claim_id] = pay
            second = enc.patient.secondary
            if second and second[0] == data.MEDICAID and pay.patient_resp > 0:
                # Medicare forwards the claim to Medicaid itself: MA18 on its ERA, and
                # Medicaid pays the coinsurance on the original claim, never billed again
                pay.remarks = [*pay.remarks, "MA18"]
                medicaid = PAYER_BY_NAME[data.MEDICAID]
                later = pay_day(medicaid, pay_on + timedelta(days=rng.randint(5, 12)))
                crossover = ClaimPay(enc, "2", self._icn(medicaid, later),
                                     second_lines(pay, Decimal(1), keep_deductible=False),
                                     claim_id=claim.claim_id)  # fmt: skip
                self.record.append(Paid(claim.claim_id, claim.frequency, pay_on, later, "paid",
                                        icn=crossover.icn))  # fmt: skip
                self.scheduled.append((later, medicaid.name, crossover))

    def _secondary(
        self, claim: Claim, enc: DemoEncounter, payer: DemoPayer, received: date
    ) -> None:
        """A claim for the next plan, priced from the primary's adjudication: the Medigap plan
        pays the coinsurance (the Part B deductible stays with the patient); the spouse's plan
        pays 80 % of what the primary left."""
        primary = self.primary.get(claim.claim_id[:-2])
        if primary is None:
            return
        rng = random.Random(f"{self.demo.seed}:{claim.claim_id}:{received}")
        pay_on = pay_day(payer, received + timedelta(days=rng.randint(*payer.lag)))
        share = Decimal(1) if payer.name == data.MEDIGAP else Decimal("0.80")
        lines = second_lines(primary, share, keep_deductible=payer.name == data.MEDIGAP)
        pay = ClaimPay(enc, "2", self._icn(payer, pay_on), lines, claim_id=claim.claim_id)
        self.record.append(Paid(claim.claim_id, claim.frequency, received, pay_on, "paid",
                                icn=pay.icn))  # fmt: skip
        self.scheduled.append((pay_on, payer.name, pay))

    def _specials(self, payer: DemoPayer, pay: ClaimPay, paid: Paid, enc: DemoEncounter) -> None:
        # a patient with a second plan is left out: the next plan is billed from this answer
        plain = (paid.status == "paid" and paid.frequency == "1" and pay.paid > 0
                 and enc.patient.secondary is None)  # fmt: skip
        if (
            plain and not self.reversed and payer.name == data.MEDICARE
            and pay_day(payer, paid.pay_on + timedelta(days=21)) <= data.AS_OF
        ):  # fmt: skip
            # the payment took a deductible by mistake; three weeks later Medicare reverses
            # it and pays the claim again in full
            fixed = ClaimPay(enc, "1", pay.icn + "R", [
                LinePay(x.code, x.modifiers, x.units, x.billed, x.allowed, x.paid, x.dos,
                        list(x.adjustments)) for x in pay.lines
            ], claim_id=pay.claim_id)  # fmt: skip
            first = pay.lines[0]
            taken = min(Decimal("40.00"), first.paid)
            first.adjustments.append(("PR", "1", taken))
            first.paid -= taken
            later = pay_day(payer, paid.pay_on + timedelta(days=21))
            self.scheduled.append((later, payer.name, pay.reversal()))
            self.scheduled.append((later, payer.name, fixed))
            self.reversed, paid.status = paid.claim_id, "corrected"
        elif plain and not self.split and payer.name == "Granite Health Insurance" and (
            len(pay.lines) >= 2
        ):  # fmt: skip
            half = len(pay.lines) // 2
            pay.remarks = ["MA15"]
            second = ClaimPay(enc, "1", pay.icn + "B", pay.lines[half:], ["MA15"],
                              claim_id=pay.claim_id)  # fmt: skip
            pay.lines = pay.lines[:half]
            pay.icn += "A"
            self.scheduled.append((paid.pay_on, payer.name, second))
            self.split = paid.claim_id
        elif plain and not self.interest and payer.name == "State Medicaid" and (
            (paid.pay_on - enc.dos).days >= 40
        ):  # fmt: skip
            days = (paid.pay_on - enc.dos).days
            pay.interest = max((pay.paid * Decimal("0.0005") * days).quantize(CENT), CENT)
            self.plb.setdefault((payer.name, paid.pay_on), []).append(
                ("L6", pay.icn, -pay.interest)
            )
            self.interest = paid.claim_id

    def checks_until(self, day: date) -> list[Check]:
        """Every payment run on or before ``day`` not yet made, as checks (in date order)."""
        due = sorted(
            (s for s in self.scheduled if s[0] <= day), key=lambda s: (s[0], s[1], s[2].icn)
        )
        self.scheduled = [s for s in self.scheduled if s[0] > day]
        checks: dict[tuple[str, date], Check] = {}
        for pay_on, name, pay in due:
            key = (name, pay_on)
            if key not in checks:
                payer = PAYER_BY_NAME[name]
                self.counters[name] = self.counters.get(name, 0) + 1
                trace = f"{payer.payer_id[:3]}{pay_on:%y%m%d}{self.counters[name]:02d}"
                checks[key] = Check(payer, trace, pay_on, plb=list(self.plb.get(key, [])))
            checks[key].claims.append(pay)
        out = sorted(checks.values(), key=lambda c: (c.paid_on, c.payer.name))
        for check in out:
            if (
                not self.recouped and check.payer.name == "Granite Health Insurance"
                and check.paid_on >= date(2026, 8, 1) and check.amount > 500
            ):  # fmt: skip
                check.plb.append(RECOUPMENT)
                self.recouped = True
        return out

    def pending(self) -> set[str]:
        """Claims the payers have received and not yet paid (their run is after the day)."""
        return {pay.claim_id for _, _, pay in self.scheduled}
