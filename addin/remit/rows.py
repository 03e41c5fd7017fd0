"""Rows of the Remittance sheet: one per service payment, claim or provider adjustment."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from addin.models.remittance import Adjustment, Remittance
from addin.models.table import Column
from addin.remit.notes import PLB_NOTES, status_meaning
from addin.x12.x835_lean import CasReading, LeanClaim

REMITTANCE_COLUMNS = [
    Column(name="Check/EFT", kind="code"),
    Column(name="Payment Date", kind="date"),
    Column(name="Payer"),
    Column(name="Claim ID", kind="code"),
    Column(name="Payer Claim Number", kind="code"),
    Column(name="Claim Status", kind="code"),
    Column(name="Status Meaning"),
    Column(name="Patient"),
    Column(name="Date of Service", kind="date"),
    Column(name="Procedure", kind="code"),
    Column(name="Modifiers", kind="code"),
    Column(name="Billed", kind="money"),
    Column(name="Allowed", kind="money"),
    Column(name="Paid", kind="money"),
    Column(name="Adjustments"),
    Column(name="Remark Codes", kind="code"),
]


_ADJ_TEXT: dict[tuple[str, str, Decimal, bool], str] = {}


def _adj_text(adjustments: Iterable[Adjustment]) -> str:
    """``CO-45 150.00; PR-3 10.00``; each (group, reason, amount) formatted once per process,
    since a large remittance repeats a few hundred of them across tens of thousands of lines."""
    parts = []
    for a in adjustments:
        # The sign is part of the key: -0.00 equals 0.00 but is written differently.
        key = (a.group, a.reason, a.amount, a.amount.is_signed())
        try:
            text = _ADJ_TEXT.get(key)
        except TypeError:  # a signalling NaN cannot be hashed; format it as before
            parts.append(f"{a.group}-{a.reason} {a.amount:.2f}")
            continue
        if text is None:
            text = f"{a.group}-{a.reason} {a.amount:.2f}"
            if len(_ADJ_TEXT) < 100_000:
                _ADJ_TEXT[key] = text
        parts.append(text)
    return "; ".join(parts)


def _lean_text(readings: list[CasReading]) -> str:
    """``_adj_text`` for a lean claim: each CAS segment's text was formatted once, when read."""
    if not readings:
        return ""
    if len(readings) == 1:
        return readings[0].text
    return "; ".join([r.text for r in readings if r.text])


def remittance_rows(rem: Remittance) -> list[list[object]]:
    """The Remittance sheet rows of one remittance; the Paid column adds up to its check.

    Its claims may be models or :class:`LeanClaim` records (the lean reader's): the rows are
    the same either way."""
    rows: list[list[object]] = []
    append = rows.append
    paid_on = rem.payment_date or rem.production_date
    trace, payer = rem.trace_number, rem.payer_name or rem.payer_id
    claims: list[Any] = rem.claims
    for claim in claims:
        text: Callable[[Any], str] = _lean_text if type(claim) is LeanClaim else _adj_text
        last, first = claim.patient_last_name, claim.patient_first_name
        patient = f"{last}, {first}" if last and first else last or first
        status = claim.status
        head = (
            trace, paid_on, payer, claim.patient_control_number,
            claim.payer_claim_number or "", status, status_meaning(status), patient,
        )  # fmt: skip
        claim_adj = text(claim.adjustments)
        claim_codes = claim.remark_codes
        if not claim.services:
            append(
                [*head, claim.statement_from, "", "", claim.billed, None, claim.paid,
                 claim_adj, " ".join(claim_codes)]
            )  # fmt: skip
            continue
        codes_text = " ".join(claim_codes)
        for service in claim.services:
            own = service.remark_codes
            append(
                [*head, service.date_of_service or claim.statement_from,
                 service.procedure_code, " ".join(service.modifiers), service.billed,
                 service.allowed, service.paid, text(service.adjustments),
                 " ".join([*own, *claim_codes]) if own else codes_text]
            )  # fmt: skip
    # Provider-level adjustments as rows too, so the Paid column adds up to the checks.
    for plb in rem.provider_adjustments:
        note = PLB_NOTES.get(plb.reason, "provider-level adjustment")
        rows.append(
            [rem.trace_number, paid_on, rem.payer_name or rem.payer_id,
             "(provider adjustment)", plb.reference, "PLB", "provider-level adjustment", "",
             plb.fiscal_period_end, "", "",
             None, None, -plb.amount, f"PLB {plb.reason} {plb.amount:.2f}: {note}", ""]
        )  # fmt: skip
    return rows
