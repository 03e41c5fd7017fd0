"""What reconcile() returns: per-claim results, unmatched payments, checks, totals, JSON."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, Field, PrivateAttr

from addin.models.remittance import ZERO, ProviderAdjustment, Remittance
from addin.models.types import Money
from addin.remit.notes import PLB_NOTES
from addin.remit.rows import remittance_rows

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


class AdjustmentTotal(NamedTuple):
    """Adjustments of one group and reason summed over every payment of a claim."""

    group: str
    reason: str
    amount: Decimal


class PaymentEvent(NamedTuple):
    """One CLP applied to a claim, with the remittance it came in.

    ``totals`` are its adjustments summed by (group, reason) and ``remarks`` its remark
    codes: what the worklist shows for this payment (a denial, then a correction paid)."""

    trace_number: str
    payer: str
    payment_date: date | None
    status: str
    payer_claim_number: str
    billed: Decimal
    paid: Decimal
    split: bool
    totals: tuple[tuple[tuple[str, str], Decimal], ...] = ()
    remarks: tuple[str, ...] = ()

    def labels(self) -> list[str]:
        """``CO-16``, ``PR-1``...: this payment's adjustments that are not zero."""
        return [f"{g}-{r}" if r else g for (g, r), amount in self.totals if amount]


class ClaimResult(NamedTuple):
    """One row of the Reconciliation sheet: a claim and what the payers did with it.

    An immutable record, not a pydantic model: reconcile makes one per claim from values it
    has computed and typed itself (Decimals to the cent, dates), and on a 40,000-claim
    remittance validating them again cost more than reconciling. ``to_json`` gives the
    documented JSON shape. The list fields are the result's own; treat them as read-only
    (a pending claim's are shared tuples).
    """

    encounter_id: str
    claim_id: str
    payer: str
    status: Status
    billed: Decimal
    allowed: Decimal
    paid: Decimal
    contractual: Decimal
    patient_responsibility: Decimal
    other_adjustments: Decimal
    expected: Decimal | None
    variance: Decimal | None
    interest: Decimal
    adjustments: Sequence[AdjustmentTotal]
    payer_claim_numbers: Sequence[str]
    remark_codes: Sequence[str]
    reasons: Sequence[str]
    payments: Sequence[PaymentEvent]
    first_service: date | None
    last_payment: date | None

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
            "payer_claim_numbers": list(self.payer_claim_numbers),
            "remark_codes": list(self.remark_codes),
            "interest": _m(self.interest),
            "reasons": list(self.reasons),
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
    warnings: list[str] = Field(default_factory=list)
    # What the Remittance sheet shows, kept as read: rows of payer sheets and 835s read into
    # models (made at once, so the models can go), lean 835 transactions (their rows are
    # made when first asked for: ``--json`` never asks).
    _row_sources: list[list[list[Any]] | Remittance] = PrivateAttr(default_factory=list)
    _rows: list[list[Any]] | None = PrivateAttr(default=None)

    def keep_rows_of(self, remittance: Remittance, lean: bool) -> None:
        """Keep what the Remittance sheet shows of ``remittance`` (see ``remittance_rows``)."""
        self._row_sources.append(remittance if lean else remittance_rows(remittance))
        self._rows = None

    @property
    def remittance_rows(self) -> list[list[Any]]:
        """Remittance sheet rows: one per service payment, claim or provider adjustment."""
        if self._rows is None:
            rows: list[list[Any]] = []
            for source in self._row_sources:
                rows.extend(remittance_rows(source) if isinstance(source, Remittance) else source)
            self._rows = rows
        return self._rows

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
