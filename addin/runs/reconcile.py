"""The reconcile step: post new remittances once, reconcile everything posted against what
was billed, rebuild the money sheets and refresh every sent claim's status.

New files are read, each payment is posted or reported as a duplicate on the Remittance
Register, and the files are kept beside the workbook (``BOOK remittances/``). Then every
posted payment so far is matched against the Claim Register (the claims as they were sent),
so a claim paid in an earlier run is still paid, a reversal and its correction come out as
corrected whichever run each arrived in, and a visit never sent is not A/R.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from addin.collector import collector_paused
from addin.errors import InputError
from addin.files.folders import not_a_file
from addin.models import CellUpdate, RegisterEdit, Remittance
from addin.registers.acknowledged import AckEvent
from addin.registers.claims import CLAIM_COLUMNS, CLAIM_REGISTER, ClaimRecord, SentClaim
from addin.registers.remits import (
    REMIT_COLUMNS,
    REMIT_REGISTER,
    Arrival,
    Poster,
    PostingRecord,
)
from addin.registers.status import StatusLine, derive, derive_each
from addin.registers.worklist import KEY, STAFF, work_statuses, worklist_table
from addin.remit import ClaimResult, Reconciliation, reconcile, result_tables
from addin.remit.load import SHEET_SUFFIXES, iter_file_remittances
from addin.runs.acks import ack_events, open_rejections
from addin.runs.carry import Carry, carry_over
from addin.runs.session import REMITTANCE_FOLDER, Session, sha256

WORKLIST_CARRY = Carry(
    key=KEY, staff=STAFF, orphan=("Resolution", "no longer on any remittance; kept for the "
                                  "notes typed on it"), defaults={"Work Status": "Open"},
)  # fmt: skip
CARRY = {
    "Reconciliation": Carry(key=("Claim ID", "Encounter ID")),
    "Remittance": Carry(key=("Check/EFT", "Claim ID", "Date of Service", "Procedure")),
}
# carried once the patients' A/R row is in them (statements.add_patient_ar), so a row typed
# beside is matched against the finished sheet
LATE_CARRY = {
    "Aging": Carry(key=("Payer",)),
    "Dashboard": Carry(key=("Chart", "Label")),
}


def carry_late(session: Session) -> None:
    """What staff typed beside Aging and the Dashboard, carried into their new rows (a row
    kept for what was typed on it goes below the Dashboard's charts: each chart's range
    ends at its own last row)."""
    for sheet, spec in LATE_CARRY.items():
        table = session.tables.get(sheet)
        if table is not None:
            session.put(carry_over(table, session.book.own.get(sheet), spec))


def _mapping_file(kept: Path) -> Path:
    return kept.with_name(kept.name + ".mapping.json")


# Files read in this process, by (path, size, mtime, mapping): the demo and batch run many
# times in one process over the same kept files; a changed file is read again.
_READ: dict[tuple[str, int, int, str], list[Remittance]] = {}
_READ_LIMIT = 2048


def _read(path: Path, mapping: Mapping[str, str] | None) -> list[Remittance]:
    if mapping is None and path.suffix.lower() in SHEET_SUFFIXES:
        saved = _mapping_file(path)
        if saved.is_file():
            mapping = json.loads(saved.read_text(encoding="utf-8"))
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, json.dumps(mapping or {}))
    found = _READ.get(key)
    if found is None:
        found = list(iter_file_remittances(path, mapping))
        if len(_READ) >= _READ_LIMIT:
            _READ.clear()
        _READ[key] = found
    return found


def post(
    session: Session, files: Sequence[Path], mapping: Mapping[str, str] | None
) -> tuple[Poster, dict[str, list[Remittance]]]:
    """Post what is new in ``files``; returns the poster and the kept files' transactions."""
    poster = Poster(session.postings)
    read: dict[str, list[Remittance]] = {}
    for path in files:
        if not path.is_file():
            raise InputError(not_a_file(path))
        digest = sha256(path)
        transactions = _read(path, mapping)
        keys = [(digest, i, path.name) for i in range(1, len(transactions) + 1)]
        if keys and all(k in poster.seen for k in keys):
            continue  # this very file was posted before: a rerun
        kind = "export" if path.suffix.lower() in SHEET_SUFFIXES else "835"
        kept, new_copy = session.keep(path, REMITTANCE_FOLDER)
        added = poster.arrive(Arrival(path.name, digest, kind, transactions), kept.name,
                              session.today)  # fmt: skip
        if kind == "export" and mapping:
            _mapping_file(kept).write_text(json.dumps(dict(mapping)), encoding="utf-8")
        if new_copy and added and not any(r.posted for r in added):
            kept.unlink(missing_ok=True)  # only duplicates: the first copy is the record
            session.files.remove(kept)
            continue
        read[kept.name] = transactions
    if poster.new:
        session.register(
            RegisterEdit(
                sheet=REMIT_REGISTER, columns=REMIT_COLUMNS,
                append=[r.values() for r in poster.new],
            )
        )  # fmt: skip
    return poster, read


def posted_remittances(
    session: Session, posted: Sequence[PostingRecord], read: dict[str, list[Remittance]]
) -> Iterator[Remittance]:
    """Every posted payment, in the order posted, read from the kept files."""
    folder = session.folder(REMITTANCE_FOLDER)
    for record in posted:
        transactions = read.get(record.file)
        if transactions is None:
            path = folder / record.file
            if not path.is_file():
                raise InputError(
                    f"{path}: the Remittance Register posts {record.posting} from this file but "
                    f"it is missing; put it back in {folder.name} (or restore a backup)"
                )
            transactions = read[record.file] = _read(path, None)
        if 1 <= record.set_index <= len(transactions):
            yield transactions[record.set_index - 1]


def billed(records: Sequence[ClaimRecord]) -> tuple[list[SentClaim], dict[str, date]]:
    """Each claim as last billed (a void keeps the claim it voided), and its first sent day."""
    last: dict[str, ClaimRecord] = {}
    first: dict[str, date] = {}
    for record in records:
        key = record.claim_id.strip().upper()
        if key == record.claim_id:  # kept as the record's own string: no copy per claim
            key = record.claim_id
        if record.frequency != "8" or key not in last:
            last[key] = record
        if record.sent and key not in first:
            first[key] = record.sent
    return [r.sent_claim() for r in last.values()], first


def reconcile_step(
    session: Session,
    files: Sequence[Path] = (),
    *,
    as_of: date | None = None,
    locality: str | None = None,
    mapping: Mapping[str, str] | None = None,
    descriptions: dict[str, str] | None = None,
    posted: tuple[Poster, dict[str, list[Remittance]]] | None = None,
) -> Reconciliation:
    """Post ``files``, reconcile, write the money sheets and the claims' statuses.

    ``posted`` is what :func:`post` already did this run (the secondary step bills between
    posting and reconciling, so its claims are reconciled, pending, in the same run)."""
    poster, read = posted if posted is not None else post(session, files, mapping)
    records = session.claim_records
    claims, first_sent = billed(records)
    with collector_paused():
        rec = reconcile(claims, posted_remittances(session, poster.posted(), read),
                        session.book.contracts, locality)  # fmt: skip
    old = session.book.own.get("Denials")
    typed = old.records() if old is not None and old.ours else []
    work = work_statuses(typed)
    events = ack_events(session)
    results = {c.claim_id.strip().upper(): c for c in rec.claims}
    # Each line is applied as it is worked out (none is kept): the register's cells that
    # change (on rows written before; a row this run appends is written as built), and
    # whether the claim's current submission (its last) leaves it open.
    before: dict[int, dict[str, Any]] = {}  # id(record) -> its status cells, when they change
    closed: set[str] = set()
    for key, record, line in _status_lines(records, results, events, work):
        if record.row is not None:
            cells = record.status_values()
            if cells != {
                "Status": line.status, "Status Date": line.status_date,
                "Payer Claim Number": line.payer_claim_number, "History": line.history,
            }:  # fmt: skip
                before[id(record)] = cells
            record.status, record.status_date = line.status, line.status_date
            record.payer_claim_number, record.history = line.payer_claim_number, line.history
        if record.status in ("voided", "rejected", "closed"):
            closed.add(key)
        else:
            closed.discard(key)
    del results
    updates: list[CellUpdate] = []
    for record in records if before else ():  # in the register's order
        cells = before.get(id(record), {})
        if cells and record.row is not None:
            updates.extend(CellUpdate(row=record.row, column=k, value=v)
                           for k, v in record.status_values().items() if cells[k] != v)  # fmt: skip
    if updates:
        session.register(RegisterEdit(sheet=CLAIM_REGISTER, columns=CLAIM_COLUMNS,
                                      updates=updates))  # fmt: skip
    open_claims = {k: d for k, d in first_sent.items() if k not in closed}
    session.data["_aging_from"] = open_claims
    session.data["_postings"] = [*poster.records, *poster.new]
    all_rejections = rejection_history(session)
    worklist = worklist_table(
        rec, records, open_rejections(session), all_rejections, descriptions, session.today
    )
    worklist = carry_over(worklist, old, WORKLIST_CARRY)
    as_of = as_of or session.today
    tables = result_tables(rec, as_of, descriptions, sent=open_claims, worklist=worklist)
    for table in tables:
        if table.sheet == "Reconciliation":
            table = table.model_copy(update={"rows": _with_sent(table.rows, first_sent)})
        spec = CARRY.get(table.sheet)
        if spec is not None:
            table = carry_over(table, session.book.own.get(table.sheet), spec)
        session.put(table)
    totals = rec.totals()
    shown = ", ".join(f"{k} {v}" for k, v in totals["statuses"].items() if v)
    duplicates = poster.duplicates()
    posted_now = [r for r in poster.new if r.posted]
    session.summary.append(
        f"{len(posted_now)} new payment(s) posted"
        + (f", {len(duplicates)} duplicate(s) not posted again" if duplicates else "")
        + f"; claims {shown or 'none sent yet'}"
    )
    for dup in duplicates:
        session.summary.append(f"duplicate: {dup.received_as} set {dup.set_index}: {dup.note}")
    session.data["reconciliation"] = rec
    session.data["postings"] = {
        "posted": [_posting_json(r) for r in posted_now],
        "duplicates": [_posting_json(r) for r in duplicates],
    }
    return rec


def _status_lines(
    records: Sequence[ClaimRecord],
    results: Mapping[str, ClaimResult],
    events: Mapping[str, Sequence[AckEvent]],
    work: Mapping[str, str],
) -> Iterator[tuple[str, ClaimRecord, StatusLine]]:
    """(Claim ID in upper case, record, its status cells) for every record, the last of a
    claim's last; a register holding one submission twice (rows copied by hand) gives
    both the cells worked out last for it, as a dict by submission would."""
    if len({r.submission for r in records}) == len(records):
        yield from derive_each(records, results, events, work)
        return
    lines = derive(records, results, events, work)
    for record in records:
        line = lines.get(record.submission)
        if line is not None:
            yield record.claim_id.strip().upper(), record, line


def _with_sent(rows: list[list[object]], first_sent: Mapping[str, date]) -> list[list[object]]:
    """Fill Date Sent (column 5) for claims the open-claims map left out (voided...)."""
    out = []
    for row in rows:
        if row[4] is None and isinstance(row[1], str) and row[1]:
            row = [*row[:4], first_sent.get(row[1].strip().upper()), *row[5:]]
        out.append(row)
    return out


def _posting_json(record: PostingRecord) -> dict[str, object]:
    return {
        "posting": record.posting, "payer": record.payer, "trace": record.trace,
        "amount": f"{record.amount:.2f}",
        "payment_date": record.payment_date.isoformat() if record.payment_date else None,
        "file": record.file, "received_as": record.received_as, "set": record.set_index,
        "status": record.status, "note": record.note,
    }  # fmt: skip


def rejection_history(
    session: Session,
) -> list[tuple[ClaimRecord, AckEvent, ClaimRecord | None]]:
    """Every claim-level or batch rejection, with the submission sent after it (if any)."""
    events = ack_events(session)
    by_claim: dict[str, list[ClaimRecord]] = {}
    for record in session.claim_records:
        by_claim.setdefault(record.claim_id.strip().upper(), []).append(record)
    out: list[tuple[ClaimRecord, AckEvent, ClaimRecord | None]] = []
    for subs in by_claim.values():
        for index, record in enumerate(subs):
            mine = events.get(record.submission, [])
            if mine and not mine[-1].accepted:
                after = subs[index + 1] if index + 1 < len(subs) else None
                out.append((record, mine[-1], after))
    return out
