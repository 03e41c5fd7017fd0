"""The Claims sheet as a ResultTable: one row per claim line, Built or Held with the reason."""

from __future__ import annotations

from datetime import date
from typing import Any

from addin.claims.build import BuildResult
from addin.models import Column, Encounter, ResultTable, ServiceLine

STATUS_COLOURS = {
    "Sent": "C6EFCE",
    "Built": "C6EFCE",
    "Held": "FFC7CE",
    "Rejected": "FFC7CE",
    "Changed since sent": "FFEB9C",
    "Not sent": "FFEB9C",
}
CLAIM_STATES = ["Sent", "Built", "Not sent", "Changed since sent", "Rejected", "Held"]

CLAIMS_COLUMNS: list[Column] = [
    Column(name="Encounter ID", kind="code"),
    Column(name="Claim ID", kind="code"),
    Column(name="Status", choices=CLAIM_STATES, highlight=STATUS_COLOURS),
    Column(name="Reason", width=60),
    Column(name="Patient", width=24),
    Column(name="Payer", width=20),
    Column(name="Payer ID", kind="code"),
    Column(name="Member ID", kind="code"),
    Column(name="Frequency", kind="code"),
    Column(name="Date of Service", kind="date"),
    Column(name="Claim Total", kind="money"),
    Column(name="Line", kind="int"),
    Column(name="Procedure Code", kind="code"),
    Column(name="Modifiers", kind="code"),
    Column(name="Units", kind="number"),
    Column(name="Line Charge", kind="money"),
    Column(name="Dx Pointers", kind="code"),
    Column(name="Diagnoses", kind="code", width=30),
    Column(name="Source Row", kind="int"),
]


def _dos(line: ServiceLine | None, enc: Encounter | None) -> date | None:
    return (line.date_of_service if line else None) or (enc.date_of_service if enc else None)


def _name(last: str, first: str) -> str:
    return f"{last}, {first}".strip(", ")


def claims_table(
    result: BuildResult, statuses: dict[str, tuple[str, str]] | None = None
) -> ResultTable:
    """Rows for built claims (one per line) then held encounters (one per source line).

    ``statuses`` gives a built claim's Status and Reason by Claim ID (Sent, Changed since
    sent, ...); a claim it leaves out is not listed, one not in it at all is "Built".
    """
    rows: list[list[Any]] = []
    # a claim's texts once for all its lines, and one text per pointer list (a big week's
    # table is 100,000 rows: the same texts again on each line took memory and time)
    pointer_texts: dict[tuple[int, ...], str] = {}
    for claim in result.claims:
        status, reason = ("Built", "") if statuses is None else statuses.get(
            claim.claim_id, ("", ""))  # fmt: skip
        if not status:
            continue
        patient = _name(claim.patient.last_name, claim.patient.first_name)
        diagnoses = " ".join(claim.diagnoses)
        for line in claim.lines:
            key = tuple(line.dx_pointers)
            pointers = pointer_texts.get(key)
            if pointers is None:
                pointers = pointer_texts[key] = ",".join(str(p) for p in key)
            rows.append(
                [
                    claim.encounter_id,
                    claim.claim_id,
                    status,
                    reason,
                    patient,
                    claim.payer,
                    claim.payer_id,
                    claim.member_id,
                    claim.frequency,
                    line.date_of_service,
                    claim.total_charge,
                    line.line_number,
                    line.procedure_code,
                    " ".join(line.modifiers),
                    line.units,
                    line.charge,
                    pointers,
                    diagnoses,
                    line.source_row,
                ]
            )
    for held in result.held:
        enc = held.encounter
        reason = "; ".join(held.reasons)
        held_lines: list[ServiceLine | None] = list(enc.lines) if enc and enc.lines else [None]
        for number, src in enumerate(held_lines, 1):
            rows.append(
                [
                    held.encounter_id,
                    "",
                    "Held",
                    reason,
                    _name(enc.patient.last_name, enc.patient.first_name) if enc else "",
                    enc.payer if enc else "",
                    "",
                    enc.member_id if enc else "",
                    enc.claim_frequency if enc else "",
                    _dos(src, enc),
                    enc.total_charge if enc else None,
                    number,
                    src.procedure_code if src else "",
                    " ".join(src.modifiers) if src else "",
                    src.units if src else None,
                    src.charge if src else None,
                    ",".join(str(p) for p in src.dx_pointers) if src else "",
                    " ".join(enc.diagnoses) if enc else "",
                    src.row if src else None,
                ]
            )
    return ResultTable(sheet="Claims", columns=list(CLAIMS_COLUMNS), rows=rows, title="Claims")
