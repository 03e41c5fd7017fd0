"""Reconcile claims against remittances to the cent: status, adjustments, variance per claim.

Matching order: CLP01 to the claim's Claim ID (CLM01), then to its Encounter ID; then the
payer claim number (CLP07) with the dates of service. Several CLP for one claim are summed
(splits marked MA15, reversal CLP02=22 then its correction); a second payment from the same
payer without a reversal is reported as a duplicate. Remittance claims that match nothing are
kept in ``unmatched``; claims with no remittance are ``pending``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from addin.models.book import ContractRow
from addin.models.claim import Claim
from addin.models.remittance import ZERO, ClaimPayment, ProviderAdjustment, Remittance
from addin.models.types import Money
from addin.remit.notes import PLB_NOTES

Status = Literal[
    "paid",
    "underpaid",
    "overpaid",
    "denied",
    "reversed",
    "corrected",
    "forwarded",
    "predetermination",
    "pending",
    "unmatched",
]
STATUSES: tuple[str, ...] = Status.__args__  # type: ignore[attr-defined]
FORWARDED = frozenset({"19", "20", "21", "23"})
PROCESSED = frozenset({"1", "2", "3", "19", "20", "21"})


def _m(value: Decimal) -> str:
    return f"{value:.2f}"


class AdjustmentTotal(BaseModel):
    """Adjustments of one group and reason summed over every payment of a claim."""

    group: str
    reason: str
    amount: Money


class PaymentEvent(BaseModel):
    """One CLP applied to a claim, with the remittance it came in."""

    trace_number: str
    payer: str
    payment_date: date | None = None
    status: str
    payer_claim_number: str = ""
    billed: Money
    paid: Money
    split: bool = False


class ClaimResult(BaseModel):
    """One row of the Reconciliation sheet: a claim and what the payers did with it."""

    encounter_id: str
    claim_id: str
    payer: str
    status: Status
    billed: Money
    allowed: Money = ZERO
    paid: Money = ZERO
    contractual: Money = ZERO
    patient_responsibility: Money = ZERO
    other_adjustments: Money = ZERO
    expected: Money | None = None
    variance: Money | None = None
    interest: Money = ZERO
    adjustments: list[AdjustmentTotal] = Field(default_factory=list)
    payer_claim_numbers: list[str] = Field(default_factory=list)
    remark_codes: list[str] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)
    payments: list[PaymentEvent] = Field(default_factory=list)
    first_service: date | None = None
    last_payment: date | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "encounter_id": self.encounter_id,
            "claim_id": self.claim_id,
            "payer": self.payer,
            "status": self.status,
            "billed": _m(self.billed),
            "allowed": _m(self.allowed),
            "paid": _m(self.paid),
            "contractual": _m(self.contractual),
            "patient_responsibility": _m(self.patient_responsibility),
            "other_adjustments": _m(self.other_adjustments),
            "expected": None if self.expected is None else _m(self.expected),
            "variance": None if self.variance is None else _m(self.variance),
            "adjustments": [
                {"group": a.group, "reason": a.reason, "amount": _m(a.amount)}
                for a in self.adjustments
            ],
            "payer_claim_numbers": self.payer_claim_numbers,
            "remark_codes": self.remark_codes,
            "interest": _m(self.interest),
            "reasons": self.reasons,
        }


class UnmatchedClaim(BaseModel):
    """A claim payment no claim of the workbook matches; never dropped."""

    patient_control_number: str
    payer_claim_number: str = ""
    payer: str = ""
    trace_number: str = ""
    status: str
    billed: Money
    paid: Money
    patient: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "patient_control_number": self.patient_control_number,
            "payer_claim_number": self.payer_claim_number,
            "payer": self.payer,
            "trace": self.trace_number,
            "status": self.status,
            "billed": _m(self.billed),
            "paid": _m(self.paid),
            "patient": self.patient,
        }


class TransactionSummary(BaseModel):
    """One remittance: its payment and whether it balances."""

    trace_number: str
    payer: str
    payment: Money
    payment_date: date | None = None
    claims_paid: Money
    provider_adjustments: Money
    difference: Money
    balanced: bool


class Reconciliation(BaseModel):
    """Everything reconcile() found; ``to_json()`` gives the documented JSON shape."""

    claims: list[ClaimResult] = Field(default_factory=list)
    unmatched: list[UnmatchedClaim] = Field(default_factory=list)
    provider_adjustments: list[ProviderAdjustment] = Field(default_factory=list)
    transactions: list[TransactionSummary] = Field(default_factory=list)
    remittances: list[Remittance] = Field(default_factory=list, exclude=True)
    warnings: list[str] = Field(default_factory=list)

    def totals(self) -> dict[str, Any]:
        """Money totals; ``difference`` is zero when every payment is accounted for."""
        payments = sum((t.payment for t in self.transactions), ZERO)
        matched = sum((c.paid for c in self.claims), ZERO)
        unmatched = sum((u.paid for u in self.unmatched), ZERO)
        plb = sum((p.amount for p in self.provider_adjustments), ZERO)
        interest_claims = sum((c.interest for c in self.claims), ZERO)
        interest_plb = -sum((p.amount for p in self.provider_adjustments if p.reason == "L6"), ZERO)
        counts: dict[str, int] = {s: 0 for s in STATUSES}
        for c in self.claims:
            counts[c.status] += 1
        counts["unmatched"] = len(self.unmatched)
        return {
            "payments": _m(payments),
            "claims_paid": _m(matched),
            "unmatched_paid": _m(unmatched),
            "provider_adjustments": _m(plb),
            "difference": _m(payments - (matched + unmatched - plb)),
            "billed": _m(sum((c.billed for c in self.claims), ZERO)),
            "allowed": _m(sum((c.allowed for c in self.claims), ZERO)),
            "patient_responsibility": _m(
                sum((c.patient_responsibility for c in self.claims), ZERO)
            ),
            "interest_on_claims": _m(interest_claims),
            "interest_in_plb": _m(interest_plb),
            "statuses": counts,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "claims": [c.to_json() for c in self.claims],
            "unmatched": [u.to_json() for u in self.unmatched],
            "provider_adjustments": [
                {
                    "reason": p.reason,
                    "reference": p.reference,
                    "amount": _m(p.amount),
                    "provider_id": p.provider_id,
                    "note": PLB_NOTES.get(p.reason, "provider-level adjustment"),
                }
                for p in self.provider_adjustments
            ],
            "transactions": [
                {
                    "trace": t.trace_number,
                    "payer": t.payer,
                    "payment": _m(t.payment),
                    "payment_date": t.payment_date.isoformat() if t.payment_date else None,
                    "balanced": t.balanced,
                    "difference": _m(t.difference),
                }
                for t in self.transactions
            ],
            "totals": self.totals(),
            "warnings": self.warnings,
        }


def _flatten(remittances: Iterable[Remittance | Sequence[Remittance]]) -> list[Remittance]:
    out: list[Remittance] = []
    for item in remittances:
        if isinstance(item, Remittance):
            out.append(item)
        else:
            out.extend(item)
    return out


def _key(text: str) -> str:
    return text.strip().upper()


def _service_dates(payment: ClaimPayment) -> set[date]:
    days = {s.date_of_service for s in payment.services if s.date_of_service}
    for d in (payment.statement_from, payment.statement_to):
        if d:
            days.add(d)
    return days


class _Matcher:
    """Indexes the claims once; finds the claim a CLP belongs to."""

    def __init__(self, claims: Sequence[Claim]) -> None:
        self.by_id: dict[str, Claim] = {}
        self.by_encounter: dict[str, list[Claim]] = defaultdict(list)
        self.by_payer_number: dict[str, list[Claim]] = defaultdict(list)
        for claim in claims:
            self.by_id.setdefault(_key(claim.claim_id), claim)
            self.by_encounter[_key(claim.encounter_id)].append(claim)
            if claim.payer_claim_number:
                self.by_payer_number[_key(claim.payer_claim_number)].append(claim)

    def learn(self, payer_claim_number: str | None, claim: Claim) -> None:
        if payer_claim_number:
            bucket = self.by_payer_number[_key(payer_claim_number)]
            if claim not in bucket:
                bucket.append(claim)

    def find(self, payment: ClaimPayment) -> Claim | None:
        pcn = _key(payment.patient_control_number)
        if pcn:
            if pcn in self.by_id:
                return self.by_id[pcn]
            found = self.by_encounter.get(pcn)
            if found:
                return found[0]
        if payment.payer_claim_number:
            candidates = self.by_payer_number.get(_key(payment.payer_claim_number), [])
            days = _service_dates(payment)
            for claim in candidates:
                claim_days = {line.date_of_service for line in claim.lines}
                if not days or days & claim_days:
                    return claim
        return None


def _expected(
    claim: Claim, contracts: Sequence[ContractRow], locality: str | None = None
) -> Decimal | None:
    """Expected allowed amount for the claim's lines, or None when a line cannot be priced.

    A line is priced from the payer's Contracts row (code and modifier, then code alone),
    else, when a PFS locality is given and the PFS RVU/GPCI files are imported, from the
    Medicare fee schedule for the date of service.
    """
    payer_keys = {_key(claim.payer), _key(claim.payer_id)} - {""}
    table: dict[tuple[str, str], Decimal] = {}
    for row in contracts:
        if _key(row.payer) in payer_keys:
            table[(_key(row.code), _key(row.modifier))] = row.allowed
    if not table and not locality:
        return None
    total = ZERO
    for line in claim.lines:
        modifier = _key(line.modifiers[0]) if line.modifiers else ""
        rate = table.get((_key(line.procedure_code), modifier))
        if rate is None:
            rate = table.get((_key(line.procedure_code), ""))
        if rate is None and locality:
            from addin.codesets import pfs

            pos = line.place_of_service or claim.place_of_service
            rate = pfs.expected_allowed(
                line.procedure_code, modifier, locality, pos, line.date_of_service
            )
        if rate is None:
            return None
        total += (rate * line.units).quantize(Decimal("0.01"))
    return total


def _status(
    events: list[tuple[ClaimPayment, Remittance]], result: ClaimResult
) -> tuple[Status, list[str]]:
    """The claim's status from its CLP02 history; reasons say why, in words."""
    reasons: list[str] = []
    codes = [p.status for p, _ in events]
    # Payers list a reversal before or after its correction; count rather than rely on order.
    reversals = codes.count("22")
    kept = [c for c in codes if c != "22"]
    if reversals and len(kept) <= reversals:
        reasons.append("payment reversed by the payer (CLP02 22) and not yet corrected")
        return "reversed", reasons
    last = kept[-1]
    # A duplicate: the same payer paid again with no reversal and no split marker (MA15).
    seen: set[tuple[str, str]] = set()
    for payment, rem in events if not reversals else []:
        if payment.paid <= 0:
            continue
        split = "MA15" in payment.remark_codes or any(
            "MA15" in s.remark_codes for s in payment.services
        )
        level = {"19": "1", "20": "2", "21": "3"}.get(payment.status, payment.status)
        key = (_key(rem.payer_id or rem.payer_name), level)
        if key in seen and not split:
            reasons.append(
                f"paid twice by {rem.payer_name or rem.payer_id or 'the same payer'}: "
                f"check {rem.trace_number} repeats an earlier payment; expect a recoupment"
            )
            return "overpaid", reasons
        seen.add(key)
    if last == "25":
        reasons.append("predetermination only: nothing is paid until the service is billed")
        return "predetermination", reasons
    if last == "4" or (last not in PROCESSED and result.paid == 0):
        if last == "23":
            reasons.append("payer says this is not its claim and forwarded it (CLP02 23)")
            return "forwarded", reasons
        reasons.append("denied by the payer (CLP02 4)")
        return "denied", reasons
    if last in ("1", "2", "3") and result.paid == 0 and result.patient_responsibility == 0:
        reasons.append(f"processed (CLP02 {last}) but nothing paid and nothing owed by the patient")
        return "denied", reasons
    if last in FORWARDED:
        reasons.append(f"processed and forwarded to the next payer (CLP02 {last})")
        status: Status = "forwarded"
    else:
        status = "corrected" if reversals else "paid"
        if reversals:
            reasons.append("reversed (CLP02 22) and paid again by a correction")
    # Contracts price what the primary payer allows; a secondary's allowed is not comparable.
    primary_only = all(c in ("1", "19", "22") for c in codes)
    if (
        result.expected is not None
        and result.variance is not None
        and status == "paid"
        and primary_only
    ):
        if result.variance < 0:
            reasons.append(
                f"allowed {_m(result.allowed)} is {_m(-result.variance)} below the contract "
                f"({_m(result.expected)})"
            )
            return "underpaid", reasons
        if result.variance > 0:
            reasons.append(
                f"allowed {_m(result.allowed)} is {_m(result.variance)} above the contract "
                f"({_m(result.expected)})"
            )
            return "overpaid", reasons
    return status, reasons


def _summarise(
    claim: Claim,
    events: list[tuple[ClaimPayment, Remittance]],
    contracts: Sequence[ContractRow],
    locality: str | None = None,
) -> ClaimResult:
    first = min((line.date_of_service for line in claim.lines), default=None)
    # Values here are already typed (Decimals to the cent, dates): skip re-validation, which
    # costs more than the reconciliation itself on large remittances.
    result = ClaimResult.model_construct(
        encounter_id=claim.encounter_id,
        claim_id=claim.claim_id,
        payer=claim.payer,
        status="pending",
        billed=claim.total_charge,
        first_service=first,
        adjustments=[],
        payer_claim_numbers=[],
        remark_codes=[],
        reasons=[],
        payments=[],
    )
    result.expected = _expected(claim, contracts, locality)
    if not events:
        result.reasons.append("no remittance yet")
        return result
    totals: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for payment, rem in events:
        result.paid += payment.paid
        result.interest += payment.interest or ZERO
        for adj in payment.all_adjustments:
            totals[(adj.group, adj.reason)] += adj.amount
        if payment.payer_claim_number and payment.payer_claim_number not in (
            result.payer_claim_numbers
        ):
            result.payer_claim_numbers.append(payment.payer_claim_number)
        for code in [*payment.remark_codes, *(r for s in payment.services for r in s.remark_codes)]:
            if code not in result.remark_codes:
                result.remark_codes.append(code)
        split = "MA15" in result.remark_codes
        result.payments.append(
            PaymentEvent.model_construct(
                trace_number=rem.trace_number,
                payer=rem.payer_name or rem.payer_id,
                payment_date=rem.payment_date or rem.production_date,
                status=payment.status,
                payer_claim_number=payment.payer_claim_number or "",
                billed=payment.billed,
                paid=payment.paid,
                split=split,
            )
        )
        day = rem.payment_date or rem.production_date
        if day and (result.last_payment is None or day > result.last_payment):
            result.last_payment = day
    result.adjustments = [
        AdjustmentTotal.model_construct(group=g, reason=r, amount=a)
        for (g, r), a in sorted(totals.items())
        if a
    ]
    # Several payers (primary, then secondary) each send their CLP: the allowed amount and
    # contractual write-off come from the first payer, the patient's share from the last.
    payer_of = [_key(rem.payer_id or rem.payer_name) for _, rem in events]
    primary = [p for (p, _), k in zip(events, payer_of, strict=True) if k == payer_of[0]]
    latest = [p for (p, _), k in zip(events, payer_of, strict=True) if k == payer_of[-1]]

    def group_sum(payments: list[ClaimPayment], groups: tuple[str, ...]) -> Decimal:
        return sum(
            (a.amount for p in payments for a in p.all_adjustments if a.group in groups), ZERO
        )

    result.contractual = group_sum(primary, ("CO",))
    result.patient_responsibility = group_sum(latest, ("PR",))
    result.other_adjustments = group_sum([p for p, _ in events], ("OA", "PI", "CR"))
    # Allowed: what the payer says (AMT*B6) when it says it, else billed - contractual.
    line_allowed = [s.allowed for p in primary for s in p.services if s.allowed is not None]
    if line_allowed:
        result.allowed = sum(line_allowed, ZERO)
    else:
        result.allowed = sum((p.billed for p in primary), ZERO) - result.contractual
    if result.expected is not None:
        result.variance = result.allowed - result.expected
    if "MA15" in result.remark_codes:
        result.reasons.append(
            f"split by the payer into {len(result.payer_claim_numbers)} claims (MA15)"
        )
    result.status, reasons = _status(events, result)
    result.reasons.extend(reasons)
    return result


def reconcile(
    claims: Iterable[Claim],
    remittances: Iterable[Remittance | Sequence[Remittance]],
    contracts: Sequence[ContractRow] | None = None,
    pfs_locality: str | None = None,
) -> Reconciliation:
    """Match remittances to claims and work out each claim's status, to the cent.

    ``remittances`` may hold lists (as :func:`addin.read_remittance` returns for files with
    several transaction sets). ``contracts`` are Contracts sheet rows giving the expected
    allowed amount per payer and code; ``pfs_locality`` (e.g. ``0111205``) prices the lines
    no contract covers from the imported Medicare PFS. Without either, no claim is under- or
    overpaid.
    """
    claim_list = list(claims)
    rems = _flatten(remittances)
    matcher = _Matcher(claim_list)
    events: dict[int, list[tuple[ClaimPayment, Remittance]]] = defaultdict(list)
    out = Reconciliation(remittances=rems)
    for rem in rems:
        plb = sum((p.amount for p in rem.provider_adjustments), ZERO)
        paid = sum((c.paid for c in rem.claims), ZERO)
        out.transactions.append(
            TransactionSummary(
                trace_number=rem.trace_number,
                payer=rem.payer_name or rem.payer_id,
                payment=rem.payment_amount,
                payment_date=rem.payment_date or rem.production_date,
                claims_paid=paid,
                provider_adjustments=plb,
                difference=rem.balance_difference,
                balanced=rem.balance_difference == 0
                and all(c.balance_difference == 0 for c in rem.claims),
            )
        )
        out.provider_adjustments.extend(rem.provider_adjustments)
        for payment in rem.claims:
            claim = matcher.find(payment)
            if claim is None:
                out.unmatched.append(
                    UnmatchedClaim(
                        patient_control_number=payment.patient_control_number,
                        payer_claim_number=payment.payer_claim_number or "",
                        payer=rem.payer_name or rem.payer_id,
                        trace_number=rem.trace_number,
                        status=payment.status,
                        billed=payment.billed,
                        paid=payment.paid,
                        patient=" ".join(
                            n for n in (payment.patient_last_name, payment.patient_first_name) if n
                        ),
                    )
                )
                continue
            matcher.learn(payment.payer_claim_number, claim)
            events[id(claim)].append((payment, rem))
    for claim in claim_list:
        out.claims.append(
            _summarise(claim, events.get(id(claim), []), contracts or [], pfs_locality)
        )
    for u in out.unmatched:
        out.warnings.append(
            f"claim {u.patient_control_number or '(no CLP01)'} on check {u.trace_number} "
            f"matches no claim in the workbook (paid {_m(u.paid)}); kept as unmatched"
        )
    return out
