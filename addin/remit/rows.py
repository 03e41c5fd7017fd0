"""Rows of the Remittance sheet: one per service payment, claim or provider adjustment."""

from __future__ import annotations

from addin.models.remittance import Remittance
from addin.models.table import Column
from addin.remit.notes import PLB_NOTES

REMITTANCE_COLUMNS = [
    Column(name="Check/EFT", kind="code"),
    Column(name="Payment Date", kind="date"),
    Column(name="Payer"),
    Column(name="Claim ID", kind="code"),
    Column(name="Payer Claim Number", kind="code"),
    Column(name="Claim Status", kind="code"),
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


def remittance_rows(rem: Remittance) -> list[list[object]]:
    """The Remittance sheet rows of one remittance; the Paid column adds up to its check."""
    rows: list[list[object]] = []
    paid_on = rem.payment_date or rem.production_date
    for claim in rem.claims:
        patient = ", ".join(n for n in (claim.patient_last_name, claim.patient_first_name) if n)
        head = [
            rem.trace_number,
            paid_on,
            rem.payer_name or rem.payer_id,
            claim.patient_control_number,
            claim.payer_claim_number or "",
            claim.status,
            patient,
        ]
        claim_adj = "; ".join(f"{a.group}-{a.reason} {a.amount:.2f}" for a in claim.adjustments)
        if not claim.services:
            rows.append(
                [*head, claim.statement_from, "", "", claim.billed, None, claim.paid,
                 claim_adj, " ".join(claim.remark_codes)]
            )  # fmt: skip
            continue
        for service in claim.services:
            adj = "; ".join(f"{a.group}-{a.reason} {a.amount:.2f}" for a in service.adjustments)
            rows.append(
                [*head, service.date_of_service or claim.statement_from,
                 service.procedure_code, " ".join(service.modifiers), service.billed,
                 service.allowed, service.paid, adj,
                 " ".join([*service.remark_codes, *claim.remark_codes])]
            )  # fmt: skip
    # Provider-level adjustments as rows too, so the Paid column adds up to the checks.
    for plb in rem.provider_adjustments:
        note = PLB_NOTES.get(plb.reason, "provider-level adjustment")
        rows.append(
            [rem.trace_number, paid_on, rem.payer_name or rem.payer_id,
             "(provider adjustment)", plb.reference, "PLB", "", plb.fiscal_period_end, "", "",
             None, None, -plb.amount, f"PLB {plb.reason} {plb.amount:.2f}: {note}", ""]
        )  # fmt: skip
    return rows
