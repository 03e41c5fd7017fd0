"""The acknowledgments step: 999s and 277CAs read once, kept, and turned into claim events.

New files are read, kept beside the workbook (``BOOK acknowledgments/``) and listed on the
Acknowledgments register; the events of every kept file are worked out again on each run
(the files are small), so a claim's status never depends on which run read which file.
Rejected claims become findings on the cells to fix and rows of the worklist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from addin.errors import ClaimbookError, InputError
from addin.files.folders import not_a_file
from addin.models import Finding, RegisterEdit
from addin.registers.acknowledged import AckEvent, events_of, submission_for
from addin.registers.acks import ACK_COLUMNS, ACK_REGISTER, AckRecord, read_ack_register
from addin.registers.claims import ClaimRecord, submissions_by_claim
from addin.runs.session import ACK_FOLDER, Session, sha256
from addin.x12.acks import Ack999, read_acknowledgments


@dataclass
class AckReport:
    """What the acknowledgments step read and what it found."""

    records: list[AckRecord] = field(default_factory=list)
    events: list[AckEvent] = field(default_factory=list)
    unmatched: list[AckEvent] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "acknowledgments": [
                {
                    "kind": r.kind, "acknowledges": r.acknowledges, "result": r.result,
                    "accepted": r.accepted, "rejected": r.rejected, "file": r.file,
                    "received_as": r.received_as, "note": r.note,
                }
                for r in self.records
            ],
            "rejected_claims": [
                {"claim_id": e.claim_id, "kind": e.kind, "reason": e.reason,
                 "fields": e.fields, "file": e.file}
                for e in self.events if not e.accepted and e.claim_id
            ],
        }  # fmt: skip


def ack_records(session: Session) -> list[AckRecord]:
    """Every acknowledgment on the register, with those this run added."""
    new = session.data.get("_new_ack_records", [])
    read = read_ack_register(session.book.own.get(ACK_REGISTER))
    if not new:  # older than its kept files: each would be read again
        kept = {r.file for r in read}
        session.check_recorded(ACK_REGISTER, ACK_FOLDER, kept, "acknowledgment", "read")
    return [*read, *new]


def ack_events(session: Session) -> dict[str, list[AckEvent]]:
    """Submission -> its acknowledgment events, from every acknowledgment kept so far."""
    cached = session.data.get("_ack_events")
    if isinstance(cached, dict):
        return cached
    folder = session.folder(ACK_FOLDER)
    by_file: dict[str, list[AckRecord]] = {}
    for record in ack_records(session):
        by_file.setdefault(record.file, []).append(record)
    events: list[AckEvent] = []
    for name, records in by_file.items():
        path = folder / name
        if not path.is_file():
            raise InputError(
                f"{path}: the Acknowledgments register lists this file but it is missing; "
                f"put it back in {folder.name} (or restore a backup)"
            )
        acks = read_acknowledgments(path)
        for record in records:
            if 1 <= record.set_index <= len(acks):
                events.extend(events_of(acks[record.set_index - 1], record.received or
                                        session.today, name))  # fmt: skip
    out = _by_submission(events, session.claim_records)
    session.data["_ack_events"] = out
    return out


def _by_submission(
    events: Sequence[AckEvent], records: Sequence[ClaimRecord]
) -> dict[str, list[AckEvent]]:
    by_claim = submissions_by_claim(records)
    out: dict[str, list[AckEvent]] = {}
    for event in sorted(events, key=lambda e: e.when):
        for record in submission_for(event, by_claim, records):
            out.setdefault(record.submission, []).append(event)
    return out


def acks_step(session: Session, files: Sequence[Path]) -> AckReport:
    """Read ``files`` (999s, 277CAs), keep them, register them; events for every claim."""
    report = AckReport()
    known = {(r.content_hash, r.set_index, r.received_as) for r in ack_records(session)}
    records = session.claim_records
    new: list[AckRecord] = []
    for source in files:
        if not source.is_file():
            raise InputError(not_a_file(source))
        digest = sha256(source)
        try:
            acks = read_acknowledgments(source)
        except ClaimbookError as exc:
            raise InputError(str(exc)) from None
        fresh = [
            (i, a) for i, a in enumerate(acks, start=1)
            if (digest, i, source.name) not in known
        ]  # fmt: skip
        if not fresh:
            continue
        kept, _ = session.keep(source, ACK_FOLDER)
        for index, ack in fresh:
            events = events_of(ack, session.today, kept.name)
            matched = [e for e in events if submission_for(e, submissions_by_claim(records),
                                                           records)]  # fmt: skip
            report.unmatched.extend(e for e in events if e not in matched)
            report.events.extend(events)
            new.append(_record(ack, events, kept.name, source.name, index, digest, session))
    report.records = new
    session.data.setdefault("_new_ack_records", []).extend(new)
    if new:
        session.register(
            RegisterEdit(sheet=ACK_REGISTER, columns=ACK_COLUMNS, append=[r.values() for r in new])
        )
        session.data.pop("_ack_events", None)
        rejected = sum(r.rejected for r in new)
        session.summary.append(
            f"{len(new)} acknowledgment(s) read: {sum(r.accepted for r in new)} claims "
            f"accepted, {rejected} rejected" + (" (see the Denials worklist)" if rejected else "")
        )
    else:
        session.summary.append("no new acknowledgments (every file given was read before)")
    session.data["acknowledgments"] = report.to_json()
    return report


def _record(
    ack: object, events: list[AckEvent], kept: str, received: str, index: int, digest: str,
    session: Session,
) -> AckRecord:  # fmt: skip
    records = session.claim_records
    by_claim = submissions_by_claim(records)
    if isinstance(ack, Ack999):
        what = ", ".join(f"GS06 {g.group_control}" for g in ack.groups)
        accepted = rejected = 0
        for event in events:
            count = len(submission_for(event, by_claim, records))
            accepted += count if event.accepted else 0
            rejected += 0 if event.accepted else count
        results = {g.result for g in ack.groups}
        result = ("accepted" if results <= {"A", "E"} else
                  "rejected" if results <= {"R", "M", "W", "X"} else "partly accepted")  # fmt: skip
        kind = "999"
    else:
        what = f"batch {getattr(ack, 'batch_trace', '')}".strip()
        accepted = sum(1 for e in events if e.accepted)
        rejected = sum(1 for e in events if not e.accepted)
        result = ("accepted" if not rejected else "rejected" if not accepted
                  else "partly accepted")  # fmt: skip
        kind = "277CA"
    unknown = [e for e in events if not submission_for(e, by_claim, records)]
    note = ""
    if unknown:
        names = ", ".join(sorted({e.claim_id or e.group_control for e in unknown})[:5])
        note = f"answers claims or batches not sent from this workbook: {names}"
    return AckRecord(
        received=session.today, kind=kind, acknowledges=what, result=result,
        accepted=accepted, rejected=rejected, file=kept, received_as=received,
        set_index=index, content_hash=digest, note=note,
    )  # fmt: skip


def open_rejections(session: Session) -> list[tuple[ClaimRecord, AckEvent]]:
    """Each claim whose current submission was rejected, with the rejection."""
    events = ack_events(session)
    latest: dict[str, ClaimRecord] = {}
    for record in session.claim_records:
        latest[record.claim_id.strip().upper()] = record
    out = []
    for record in latest.values():
        mine = events.get(record.submission, [])
        if mine and not mine[-1].accepted:
            out.append((record, mine[-1]))
    return out


def rejection_findings(session: Session) -> list[Finding]:
    """Findings on the cells to fix for every claim still rejected."""
    sheet = session.encounters_sheet()
    headers = session.book.headers.get(sheet, {})
    rows = {e.encounter_id.strip().upper(): e.rows[0] for e in session.book.encounters if e.rows}
    out: list[Finding] = []
    for record, event in open_rejections(session):
        row = rows.get(record.encounter_id.strip().upper())
        fields = [f for f in event.fields if f in headers] or [""]
        for name in fields:
            column = headers.get(name) if name else None
            where = f"{sheet} row {row}" + (f" ({column})" if column else "") if row else (
                f"claim {record.claim_id}")  # fmt: skip
            out.append(
                Finding(
                    rule="ACK-REJECTED",
                    severity="error",
                    message=f"{where}: claim {record.claim_id} sent {record.sent} was rejected "
                    f"({event.reason})",
                    sheet=sheet if row else None,
                    row=row,
                    column=column,
                    value=event.codes,
                    fix=(
                        f"correct {column or 'the claim'} and build claims again; the claim "
                        "goes out as a new original"
                    )
                    if event.claim_id
                    else (
                        "the whole batch was rejected: it goes out again with the next Build "
                        "claims; call the clearinghouse if it is rejected twice"
                    ),  # fmt: skip
                    encounter_id=record.encounter_id,
                )
            )
    return out
