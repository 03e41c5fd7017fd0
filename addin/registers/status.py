"""Each sent claim's status and history, worked out anew from everything the ledger holds.

The history of a submission is made of events: it was sent, the clearinghouse accepted or
rejected it (999, 277CA), the payer paid, denied, reversed or forwarded it (835s and payer
exports, assigned to the submission that was current when each payment came), a later
submission replaced it, staff put it in appeal or closed it on the worklist. Working it out
from the events each run, rather than adding to it, keeps a rerun from changing anything.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from addin.registers.acknowledged import AckEvent
from addin.registers.claims import ClaimRecord
from addin.remit.results import ClaimResult, PaymentEvent

# Work Status values of the worklist that change what the register says
APPEALED = frozenset({"appealed", "in appeal"})
CLOSED = frozenset({"written off", "closed"})
_PAYMENT_WORDS = {
    "1": "paid",
    "2": "paid as secondary",
    "3": "paid as tertiary",
    "4": "denied",
    "19": "paid and forwarded",
    "20": "paid as secondary and forwarded",
    "21": "paid as tertiary and forwarded",
    "22": "reversed",
    "23": "not this payer's claim; forwarded",
    "25": "predetermination",
}


@dataclass(frozen=True, slots=True)
class StatusLine:
    """What the register's status cells should hold for one submission."""

    status: str
    status_date: date | None
    payer_claim_number: str
    history: str


def _payment_text(event: PaymentEvent) -> str:
    words = _PAYMENT_WORDS.get(event.status, f"processed (CLP02 {event.status})")
    if event.status == "4" or (event.status in ("1", "2", "3") and event.paid == 0):
        worked = [lbl for lbl in event.labels() if not lbl.startswith("PR")] or event.labels()
        codes = " ".join([*worked, *event.remarks])
        what = "denied" if event.status == "4" or event.paid == 0 else words
        text = f"{what} {codes}".strip()
    elif event.status == "22":
        text = f"reversed {event.paid:.2f}"
    else:
        text = f"{words} {event.paid:.2f}"
    where = f"check {event.trace_number}" if event.trace_number else "payer export"
    if event.payer_claim_number:
        where += f", payer claim {event.payer_claim_number}"
    return f"{text} ({where})"


def assign_payments(
    submissions: Sequence[ClaimRecord], events: Sequence[PaymentEvent]
) -> dict[str, list[PaymentEvent]]:
    """Submission -> the payments that came while it was the claim's current one."""
    out: dict[str, list[PaymentEvent]] = {s.submission: [] for s in submissions}
    if not submissions:
        return out
    for event in events:
        chosen = submissions[0]
        for sub in submissions:
            if event.payment_date is None or sub.sent is None or sub.sent <= event.payment_date:
                chosen = sub
        out[chosen.submission].append(event)
    return out


def _current_status(
    record: ClaimRecord,
    result: ClaimResult | None,
    acks: Sequence[AckEvent],
    work: str,
) -> str:
    last_ack = acks[-1] if acks else None
    if last_ack is not None and not last_ack.accepted:
        return "rejected"
    if result is not None and result.status != "pending" and result.payments:
        status = str(result.status)
        if status in ("denied", "reversed"):
            if work in APPEALED:
                return "in appeal"
            if work in CLOSED:
                return "closed"
        return status
    if last_ack is not None:
        return "accepted"
    return "sent"


_FREQUENCY = {"7": "replacement", "8": "void"}


def derive(
    records: Sequence[ClaimRecord],
    results: Mapping[str, ClaimResult],
    acks: Mapping[str, Sequence[AckEvent]],
    work: Mapping[str, str],
) -> dict[str, StatusLine]:
    """Submission -> its status cells. ``results`` and ``work`` are by Claim ID (upper
    case), ``acks`` by submission; ``work`` holds the worklist's Work Status (lower case)."""
    return {
        record.submission: line for _, record, line in derive_each(records, results, acks, work)
    }


def derive_each(
    records: Sequence[ClaimRecord],
    results: Mapping[str, ClaimResult],
    acks: Mapping[str, Sequence[AckEvent]],
    work: Mapping[str, str],
) -> Iterator[tuple[str, ClaimRecord, StatusLine]]:
    """:func:`derive` one submission at a time, a claim's submissions together (Claim ID in
    upper case, the submission, its status cells): a run applies each line as it comes
    rather than holding one per submission of the register (46,216 on a big week)."""
    by_claim: dict[str, list[ClaimRecord]] = {}
    for record in records:
        by_claim.setdefault(record.claim_id.strip().upper(), []).append(record)
    none: tuple[AckEvent, ...] = ()
    for claim_id, subs in by_claim.items():
        result = results.get(claim_id)
        # payments are assigned only when there are some (most claims of a week have none)
        payments = assign_payments(subs, result.payments) if result and result.payments else {}
        last = len(subs) - 1
        for index, record in enumerate(subs):
            later = subs[index + 1] if index < last else None
            mine = acks.get(record.submission) or none
            paid = payments.get(record.submission) or []
            frequency = _FREQUENCY.get(record.frequency, "original")
            where = f" in {record.file}" if record.file else ""
            events: list[tuple[date | None, int, str]] = [
                (record.sent, 0, f"sent ({frequency}){where}")
            ]
            for ack in mine:
                verb = "accepted" if ack.accepted else "rejected"
                detail = ack.reason.split(": ", 1)[-1] if not ack.accepted else ack.kind
                events.append((ack.when, 1, f"{verb} by the clearinghouse ({detail})"))
            for event in paid:
                events.append((event.payment_date, 2, _payment_text(event)))
            if later is not None:
                events.append((later.sent, 3, f"replaced by {later.submission}"))
            number = ""
            for event in reversed(paid):
                if event.payer_claim_number:
                    number = event.payer_claim_number
                    break
            else:
                for ack in reversed(mine):
                    if ack.payer_claim_number:
                        number = ack.payer_claim_number
                        break
            if record.frequency == "8":
                status = "voided"
            elif later is not None:
                status = "rejected" if mine and not mine[-1].accepted else "replaced"
            else:
                status = _current_status(
                    record, result if paid else None, mine, work.get(claim_id, "")
                )
                if status in ("in appeal", "closed"):
                    events.append((None, 4, f"worklist: {work.get(claim_id, '')}"))
            if len(events) > 1:
                events.sort(key=_when)
            status_date = record.sent
            for when, _, _ in reversed(events):
                if when is not None:
                    status_date = when
                    break
            history = "; ".join(
                f"{when.isoformat()} {text}" if when else text for when, _, text in events
            )
            yield (
                claim_id,
                record,
                StatusLine(
                    status=status,
                    status_date=status_date,
                    payer_claim_number=number or record.payer_claim_number,
                    history=history,
                ),
            )


def _when(event: tuple[date | None, int, str]) -> tuple[date, int]:
    return (event[0] or date.max, event[1])
