"""Reconcile claims against remittances to the cent: status, adjustments, variance per claim.

Matching order: CLP01 to the claim's Claim ID (CLM01), then to its Encounter ID; then the
payer claim number (CLP07) with the dates of service. Several CLP for one claim are summed
(splits marked MA15, reversal CLP02=22 then its correction); a second payment from the same
payer without a reversal is reported as a duplicate. Remittance claims that match nothing are
kept in ``unmatched``; claims with no remittance are ``pending``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from addin.models.book import ContractRow
from addin.models.claim import Claim
from addin.models.remittance import ZERO, Adjustment, ClaimPayment, Remittance
from addin.remit.results import (
    STATUSES,
    AdjustmentTotal,
    ClaimResult,
    PaymentEvent,
    Reconciliation,
    Status,
    TransactionSummary,
    UnmatchedClaim,
    _m,
)
from addin.remit.rows import remittance_rows
from addin.x12.x835 import model_builder

_new_result = model_builder(ClaimResult)
_new_event = model_builder(PaymentEvent)
_new_total = model_builder(AdjustmentTotal)
FORWARDED = frozenset({"19", "20", "21", "23"})
PROCESSED = frozenset({"1", "2", "3", "19", "20", "21"})
_LEVEL = {"19": "1", "20": "2", "21": "3"}  # processed-and-forwarded codes as their level
__all__ = ["STATUSES", "ClaimResult", "Reconciliation", "Status", "UnmatchedClaim", "reconcile"]


def _flatten(remittances: Iterable[Remittance | Sequence[Remittance]]) -> Iterator[Remittance]:
    for item in remittances:
        if isinstance(item, Remittance):
            yield item
        else:
            yield from item


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
            if all(c is not claim for c in bucket):  # identity: models compare by value
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
    if not contracts and not locality:
        return None  # nothing to price with: skip the per-claim work below
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


@dataclass(slots=True)
class _PayerTotals:
    """One payer's part of a claim: what it was billed, wrote off, left to the patient."""

    billed: Decimal = ZERO
    contractual: Decimal = ZERO
    patient: Decimal = ZERO
    line_allowed: Decimal = ZERO
    has_line_allowed: bool = False


@dataclass(slots=True)
class _Acc:
    """What a claim's payments add up to; kept instead of the payments so memory stays small."""

    events: list[PaymentEvent] = field(default_factory=list)
    payer_keys: list[str] = field(default_factory=list)
    splits: list[bool] = field(default_factory=list)
    paid: Decimal = ZERO
    interest: Decimal = ZERO
    other: Decimal = ZERO
    totals: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    by_payer: dict[str, _PayerTotals] = field(default_factory=dict)
    payer_claim_numbers: list[str] = field(default_factory=list)
    remark_codes: list[str] = field(default_factory=list)
    last_payment: date | None = None

    def _adjust(self, part: _PayerTotals, adjustments: Sequence[Adjustment]) -> None:
        totals = self.totals
        for adj in adjustments:
            k = (adj.group, adj.reason)
            totals[k] = totals.get(k, ZERO) + adj.amount
            if adj.group == "CO":
                part.contractual += adj.amount
            elif adj.group == "PR":
                part.patient += adj.amount
            else:
                self.other += adj.amount

    def add(self, payment: ClaimPayment, rem: Remittance, key: str, day: date | None) -> None:
        """Fold one payment in; ``key`` is the payer's match key, ``day`` the payment date."""
        part = self.by_payer.get(key)
        if part is None:
            part = self.by_payer[key] = _PayerTotals()
        part.billed += payment.billed
        self.paid += payment.paid
        self.interest += payment.interest or ZERO
        # Claim-level then line-level adjustments (ClaimPayment.all_adjustments' order),
        # in one pass over the lines instead of building that list.
        self._adjust(part, payment.adjustments)
        codes = list(payment.remark_codes)
        for service in payment.services:
            if service.adjustments:
                self._adjust(part, service.adjustments)
            if service.allowed is not None:
                part.has_line_allowed = True
                part.line_allowed += service.allowed
            if service.remark_codes:
                codes.extend(service.remark_codes)
        number = payment.payer_claim_number
        if number and number not in self.payer_claim_numbers:
            self.payer_claim_numbers.append(number)
        for code in codes:
            if code not in self.remark_codes:
                self.remark_codes.append(code)
        if day and (self.last_payment is None or day > self.last_payment):
            self.last_payment = day
        self.payer_keys.append(key)
        self.splits.append("MA15" in codes)
        self.events.append(
            _new_event(
                trace_number=rem.trace_number,
                payer=rem.payer_name or rem.payer_id,
                payment_date=day,
                status=payment.status,
                payer_claim_number=number or "",
                billed=payment.billed,
                paid=payment.paid,
                split="MA15" in codes,
            )
        )


def _status(acc: _Acc, result: ClaimResult) -> tuple[Status, list[str]]:
    """The claim's status from its CLP02 history; reasons say why, in words."""
    reasons: list[str] = []
    codes = [e.status for e in acc.events]
    # Payers list a reversal before or after its correction; count rather than rely on order.
    reversals = codes.count("22")
    kept = [c for c in codes if c != "22"]
    if reversals and len(kept) <= reversals:
        reasons.append("payment reversed by the payer (CLP02 22) and not yet corrected")
        return "reversed", reasons
    last = kept[-1]
    # A duplicate: the same payer paid again with no reversal and no split marker (MA15).
    seen: set[tuple[str, str]] = set()
    for event, key, split in zip(acc.events, acc.payer_keys, acc.splits, strict=True):
        if reversals or event.paid <= 0:
            continue
        level = _LEVEL.get(event.status, event.status)
        if (key, level) in seen and not split:
            reasons.append(
                f"paid twice by {event.payer or 'the same payer'}: check {event.trace_number} "
                "repeats an earlier payment; expect a recoupment"
            )
            return "overpaid", reasons
        seen.add((key, level))
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
    claim: Claim, acc: _Acc | None, contracts: Sequence[ContractRow], locality: str | None
) -> ClaimResult:
    first = min((line.date_of_service for line in claim.lines), default=None)
    # Values here are already typed (Decimals to the cent, dates): skip re-validation, which
    # costs more than the reconciliation itself on large remittances.
    result = _new_result(
        encounter_id=claim.encounter_id,
        claim_id=claim.claim_id,
        payer=claim.payer,
        status="pending",
        billed=claim.total_charge,
        first_service=first,
        expected=_expected(claim, contracts, locality),
        adjustments=[],
        payer_claim_numbers=[],
        remark_codes=[],
        reasons=[],
        payments=[],
    )
    if acc is None:
        result.reasons.append("no remittance yet")
        return result
    # Several payers (primary, then secondary) each send their CLP: the allowed amount and
    # contractual write-off come from the first payer, the patient's share from the last.
    primary = acc.by_payer[acc.payer_keys[0]]
    # Allowed: what the payer says (AMT*B6) when it says it, else billed - contractual.
    allowed = (
        primary.line_allowed if primary.has_line_allowed else (primary.billed - primary.contractual)
    )
    expected = result.expected
    # Written to the model's dict in one go: twelve pydantic __setattr__ calls per claim
    # are a tenth of reconcile's time on large files, and the values are already typed.
    result.__dict__.update(
        paid=acc.paid,
        interest=acc.interest,
        payments=acc.events,
        payer_claim_numbers=acc.payer_claim_numbers,
        remark_codes=acc.remark_codes,
        last_payment=acc.last_payment,
        adjustments=[
            _new_total(group=g, reason=r, amount=a) for (g, r), a in sorted(acc.totals.items()) if a
        ],
        contractual=primary.contractual,
        patient_responsibility=acc.by_payer[acc.payer_keys[-1]].patient,
        other_adjustments=acc.other,
        allowed=allowed,
        variance=None if expected is None else allowed - expected,
    )
    if "MA15" in result.remark_codes:
        result.reasons.append(
            f"split by the payer into {len(result.payer_claim_numbers)} claims (MA15)"
        )
    status, reasons = _status(acc, result)
    # A plain dict write, as above: "status" is already among the fields set at construction.
    result.__dict__["status"] = status
    result.reasons.extend(reasons)
    return result


def reconcile(
    claims: Iterable[Claim],
    remittances: Iterable[Remittance | Sequence[Remittance]],
    contracts: Sequence[ContractRow] | None = None,
    pfs_locality: str | None = None,
) -> Reconciliation:
    """Match remittances to claims and work out each claim's status, to the cent.

    ``remittances`` may be a generator (``read_remittances``) and may hold lists (as
    :func:`addin.read_remittance` returns for files with several transaction sets); each is
    folded into per-claim totals and Remittance sheet rows as it arrives, so memory holds one
    transaction set plus the results. ``contracts`` are Contracts sheet rows giving the
    expected allowed amount per payer and code; ``pfs_locality`` (e.g. ``0111205``) prices
    the lines no contract covers from the imported Medicare PFS. Without either, no claim is
    under- or overpaid.
    """
    claim_list = list(claims)
    matcher = _Matcher(claim_list)
    accs: dict[int, _Acc] = {}
    out = Reconciliation()
    for rem in _flatten(remittances):
        plb = sum((p.amount for p in rem.provider_adjustments), ZERO)
        paid = sum((c.paid for c in rem.claims), ZERO)
        difference = rem.balance_difference
        out.transactions.append(
            TransactionSummary(
                trace_number=rem.trace_number,
                payer=rem.payer_name or rem.payer_id,
                payment=rem.payment_amount,
                payment_date=rem.payment_date or rem.production_date,
                claims_paid=paid,
                provider_adjustments=plb,
                difference=difference,
                balanced=difference == 0 and all(c.balance_difference == 0 for c in rem.claims),
            )
        )
        out.provider_adjustments.extend(rem.provider_adjustments)
        out.remittance_rows.extend(remittance_rows(rem))
        key = _key(rem.payer_id or rem.payer_name)
        day = rem.payment_date or rem.production_date
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
            acc = accs.get(id(claim))
            if acc is None:
                acc = accs[id(claim)] = _Acc()
            acc.add(payment, rem, key, day)
    for claim in claim_list:
        out.claims.append(_summarise(claim, accs.get(id(claim)), contracts or [], pfs_locality))
    for u in out.unmatched:
        out.warnings.append(
            f"claim {u.patient_control_number or '(no CLP01)'} on check {u.trace_number} "
            f"matches no claim in the workbook (paid {_m(u.paid)}); kept as unmatched"
        )
    return out
