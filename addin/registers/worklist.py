"""The worklist (the Denials sheet): every denial, reversal and clearinghouse rejection.

One row per event: each payment that denied or reversed a claim (or wrote part of it off
for a reason worth working), and each rejection by the clearinghouse. The row keeps its key
(Claim ID, Check/EFT, Payer Claim Number) run after run, so what staff type into Owner,
Work Status, Follow-up Date and Notes is carried over; and it says how it was resolved (a
correction paid, a rejected claim sent again) instead of vanishing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from addin.models import Column, ResultTable
from addin.models.remittance import ZERO
from addin.registers.acknowledged import AckEvent
from addin.registers.claims import ClaimRecord
from addin.remit.notes import GROUP_NOTES, ROUTINE, action_for, note_for
from addin.remit.results import ClaimResult, PaymentEvent, Reconciliation
from addin.remit.tables import NO_REASON, describe_code

WORK_STATES = [
    "Open", "Working", "Corrected claim", "Resubmitted", "Appealed", "Written off", "Closed",
]  # fmt: skip
# the Work Status that asks the next Build claims to send a replacement (frequency 7)
CORRECTED = "corrected claim"
FOLLOW_UP_DAYS = 14
WORKLIST_COLUMNS = [
    Column(name="Claim ID", kind="code"),
    Column(name="Encounter ID", kind="code"),
    Column(name="Payer"),
    Column(name="Date of Service", kind="date"),
    Column(name="Source", kind="code"),
    Column(name="Check/EFT", kind="code"),
    Column(name="Payer Claim Number", kind="code"),
    Column(name="Event Date", kind="date"),
    Column(name="Claim Status"),
    Column(name="Billed", kind="money"),
    Column(name="Denied Amount", kind="money"),
    Column(name="Reason Codes", kind="code"),
    Column(name="What It Means", width=60),
    Column(name="Next Action", width=40),
    Column(name="Resolution", width=36, highlight={"open": "FFC7CE"}),
    Column(name="Owner"),
    Column(name="Work Status", choices=WORK_STATES),
    Column(name="Follow-up Date", kind="date"),
    Column(name="Notes", width=40),
]
KEY = ("Claim ID", "Check/EFT", "Payer Claim Number")
STAFF = ("Owner", "Work Status", "Follow-up Date", "Notes")
PAID = frozenset({"paid", "corrected", "underpaid", "overpaid", "forwarded"})


def _worth_working(event: PaymentEvent) -> list[str]:
    """Reason codes of a payment worth working: not routine, not the patient's share."""
    return [
        f"{g}-{r}" if r else f"{g}{NO_REASON}"
        for (g, r), amount in event.totals
        if amount and r not in ROUTINE and g != "PR"
    ]


def _meaning(codes: Sequence[str], descriptions: Mapping[str, str]) -> tuple[str, str]:
    meanings: list[str] = []
    actions: list[str] = []
    for code in codes:
        if code.endswith(NO_REASON):
            meanings.append(f"{code}: the payer's export gives no reason; the ERA has it")
            continue
        bare = code.split("-", 1)[-1]
        text = descriptions.get(bare) or describe_code(bare) or note_for(bare)
        if text:
            meanings.append(f"{code}: {text}")
        else:
            group = code.split("-", 1)[0] if "-" in code else ""
            meanings.append(f"{code}: {GROUP_NOTES.get(group, 'see the payer')}")
        action = action_for(bare)
        if action and action not in actions:
            actions.append(action)
    return "; ".join(meanings), "; ".join(actions) or "Call the payer"


def _resolution(result: ClaimResult, event: PaymentEvent, later: Sequence[PaymentEvent]) -> str:
    paid = [e for e in later if e.paid > 0 and e.status not in ("4", "22")]
    if paid and result.status in PAID:
        last = paid[-1]
        when = f" on {last.payment_date}" if last.payment_date else ""
        return f"resolved: paid {last.paid:.2f}{when}"
    if later and any(e.status in ("4",) for e in later):
        return "denied again (see the later row)"
    if event.status == "22" and result.status == "corrected":
        return "resolved: corrected and paid"
    return "open"


def worklist_table(
    rec: Reconciliation,
    records: Sequence[ClaimRecord],
    rejections: Sequence[tuple[ClaimRecord, AckEvent]],
    all_rejections: Sequence[tuple[ClaimRecord, AckEvent, ClaimRecord | None]],
    descriptions: Mapping[str, str] | None = None,
    today: date | None = None,
) -> ResultTable:
    """The worklist rows for ``rec`` (payments) and the clearinghouse rejections.

    ``all_rejections`` holds every rejection with the submission that followed it (None while
    it is still open); ``rejections`` (the open ones) is kept for the caller's counts."""
    descriptions = descriptions or {}
    by_claim = {r.claim_id.strip().upper(): r for r in records}
    rows: list[list[Any]] = []
    for result in rec.claims:
        events = list(result.payments)
        for n, event in enumerate(events):
            codes = _worth_working(event)
            denied = event.status in ("4", "22") or (event.paid == 0 and event.status != "25")
            if not codes and not denied:
                continue
            if not codes:
                codes = [lbl for lbl in event.labels()] or [f"CLP02 {event.status}"]
            codes = codes + [r for r in event.remarks if r != "MA15"]
            meaning, action = _meaning(codes, descriptions)
            amount = sum(
                (a for (g, r), a in event.totals if r not in ROUTINE and g != "PR"), ZERO
            ) if not denied else event.billed - event.paid  # fmt: skip
            follow = (event.payment_date or today or date.today()) + timedelta(FOLLOW_UP_DAYS)
            record = by_claim.get(result.claim_id.strip().upper())
            rows.append(
                [result.claim_id, result.encounter_id, result.payer, result.first_service,
                 "835" if event.trace_number else "payer export", event.trace_number,
                 event.payer_claim_number, event.payment_date,
                 record.status if record else result.status, result.billed, amount,
                 ", ".join(codes), meaning, action, _resolution(result, event, events[n + 1:]),
                 "", "Open", follow, ""]
            )  # fmt: skip
    for record, ack, after in all_rejections:
        resolution = (
            f"resolved: sent again {after.sent} ({after.submission})" if after is not None
            else "open: fix " + (", ".join(ack.fields) or "the claim") + " and build claims"
        )  # fmt: skip
        rows.append(
            [record.claim_id, record.encounter_id, record.payer, record.first_service,
             ack.kind, f"{ack.kind} {ack.file}", "", ack.when,
             by_claim.get(record.claim_id.strip().upper(), record).status,
             record.billed, record.billed, ack.codes, ack.reason,
             "correct the fields named and build claims again (a new original claim)"
             if ack.claim_id else "nothing to fix on the claim: it is sent again with the "
             "next Build claims", resolution, "", "Open",
             ack.when + timedelta(FOLLOW_UP_DAYS), ""]
        )  # fmt: skip
    return ResultTable(
        sheet="Denials", columns=WORKLIST_COLUMNS, rows=rows, title="Denial and rejection worklist"
    )


def corrections_wanted(
    old: Sequence[tuple[int, Mapping[str, Any]]],
) -> dict[str, tuple[str, date | None]]:
    """Claim ID -> (payer claim number, event date) of worklist rows whose Work Status asks
    for a corrected claim (what staff typed on the Denials sheet)."""
    out: dict[str, tuple[str, date | None]] = {}
    for _, cells in old:
        status = " ".join(str(cells.get("Work Status") or "").split()).casefold()
        if status != CORRECTED:
            continue
        claim = str(cells.get("Claim ID") or "").strip().upper()
        number = str(cells.get("Payer Claim Number") or "").strip()
        when = cells.get("Event Date")
        day = when if isinstance(when, date) else None
        if claim:
            out[claim] = (number, day)
    return out


def work_statuses(old: Sequence[tuple[int, Mapping[str, Any]]]) -> dict[str, str]:
    """Claim ID -> the Work Status typed on its latest worklist row (lower case)."""
    out: dict[str, str] = {}
    for _, cells in old:
        claim = str(cells.get("Claim ID") or "").strip().upper()
        status = " ".join(str(cells.get("Work Status") or "").split()).casefold()
        if claim and status and status != "open":
            out[claim] = status
    return out


__all__ = ["WORKLIST_COLUMNS", "corrections_wanted", "work_statuses", "worklist_table"]
