"""``claimbook archive``: every clinic's registers into one Parquet dataset, appended.

Tables (each a folder of the archive, Hive-partitioned ``clinic=SLUG/month=YYYY-MM``):

    claims            the Claim Register, one row per submission (no patient name, no
                      history text: ``rejected`` says whether the clearinghouse rejected it)
    claim_lines       each submission's lines as billed (from ``Lines Billed``)
    acknowledgments   the Acknowledgments register (999s and 277CAs read)
    payments          the Remittance Register: each payment (835 set or export) posted
    service_payments  the Remittance sheet: each service line (or claim) a payment paid
    adjustments       each CAS adjustment of those lines (group, reason, amount)
    outcomes          the Reconciliation sheet: each claim's billed, allowed, paid,
                      expected, variance and status
    denials           the Denials worklist with its Work Status (no Notes: staff free text)

Every row has a ``key`` (what it is: a submission, a posting, a line of a payment...) and a
``row_hash`` (what it says). Archiving appends the rows the clinic's partition does not hold
yet: what was received or paid (payments, service payments, adjustments, acknowledgments,
lines billed) by key, so a posting is archived once however often the folder is; a claim
whose status changed, an outcome, or a denial whose Work Status did, by key and hash, as a
new version, and ``addin.archive.queries`` reads the newest version of each key. The month
is the month of the row's own date (sent, received, paid, event), or ``undated``.

A clinic is known by where its history begins, not by its file name: the first row of its
Claim Register (else of its Remittance Register, else of its Acknowledgments), which the
registers never change (``origin``, kept for each workbook in ``_workbooks.json``). A
workbook renamed or moved in the folder keeps its clinic's partitions; a copy of a clinic's
workbook beside it (``Riverbend Clinic - Copy.xlsx``) is refused rather than archived as a
second clinic, and so is a file that now holds another clinic's history under a name
archived before; either would count every claim and payment twice.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from addin.errors import InputError
from addin.models import SheetRows
from addin.registers.acks import ACK_REGISTER, read_ack_register
from addin.registers.cells import as_date, as_money, as_text
from addin.registers.claims import CLAIM_REGISTER, parse_lines, read_claim_register
from addin.registers.origin import REGISTERS, history_origin, sheet_rows
from addin.registers.remits import REMIT_REGISTER, read_remit_register

if TYPE_CHECKING:
    from addin.archive.compact import Compacted

MONEY = pa.decimal128(14, 2)
UNITS = pa.decimal128(12, 3)
ARCHIVE_NAME = "claimbook-archive"
# each workbook archived: its path, clinic, size, mtime and content hash (the skip list)
WORKBOOKS = "_workbooks.json"
# bumped whenever what the store reads from a workbook changes: a workbook archived by an
# older store is read again, never skipped
STORE_VERSION = 1
# folders a run keeps beside a workbook, and backups: never clinics of their own
_KEPT = re.compile(r".+ (remittances|acknowledgments|claims)$|^Claimbook backups$")
_ADJUSTMENT = re.compile(r"(?P<group>[A-Z]{2})-(?P<reason>[A-Z0-9]{1,5}) (?P<amount>-?[0-9.]+)")

COMMON = [("key", pa.string()), ("row_hash", pa.string()), ("archived_on", pa.timestamp("s"))]
SCHEMAS: dict[str, pa.Schema] = {
    "claims": pa.schema([
        ("submission", pa.string()), ("claim_id", pa.string()), ("encounter_id", pa.string()),
        ("payer", pa.string()), ("payer_id", pa.string()), ("frequency", pa.string()),
        ("replaces", pa.string()), ("date_of_service", pa.date32()), ("billed", MONEY),
        ("lines", pa.int32()), ("sent", pa.date32()), ("status", pa.string()),
        ("status_date", pa.date32()), ("payer_claim_number", pa.string()),
        ("rejected", pa.bool_()), *COMMON,
    ]),
    "claim_lines": pa.schema([
        ("submission", pa.string()), ("claim_id", pa.string()), ("payer", pa.string()),
        ("line", pa.int32()), ("procedure_code", pa.string()), ("modifiers", pa.string()),
        ("units", UNITS), ("charge", MONEY), ("date_of_service", pa.date32()),
        ("sent", pa.date32()), *COMMON,
    ]),
    "acknowledgments": pa.schema([
        ("received", pa.date32()), ("kind", pa.string()), ("acknowledges", pa.string()),
        ("result", pa.string()), ("claims_accepted", pa.int32()),
        ("claims_rejected", pa.int32()), ("file", pa.string()), ("set_index", pa.int32()),
        ("content_hash", pa.string()), *COMMON,
    ]),
    "payments": pa.schema([
        ("posting", pa.string()), ("kind", pa.string()), ("payer", pa.string()),
        ("payer_id", pa.string()), ("check_eft", pa.string()), ("amount", MONEY),
        ("payment_date", pa.date32()), ("claims", pa.int32()), ("claims_paid", MONEY),
        ("file", pa.string()), ("set_index", pa.int32()), ("content_hash", pa.string()),
        ("posted_on", pa.date32()), ("status", pa.string()), *COMMON,
    ]),
    "service_payments": pa.schema([
        ("check_eft", pa.string()), ("payment_date", pa.date32()), ("payer", pa.string()),
        ("claim_id", pa.string()), ("payer_claim_number", pa.string()),
        ("claim_status", pa.string()), ("date_of_service", pa.date32()),
        ("procedure_code", pa.string()), ("modifiers", pa.string()), ("billed", MONEY),
        ("allowed", MONEY), ("paid", MONEY), ("adjustments", pa.string()),
        ("remark_codes", pa.string()), ("denied", pa.bool_()), *COMMON,
    ]),
    "adjustments": pa.schema([
        ("service_key", pa.string()), ("check_eft", pa.string()),
        ("payment_date", pa.date32()), ("payer", pa.string()), ("claim_id", pa.string()),
        ("procedure_code", pa.string()), ("group_code", pa.string()),
        ("reason_code", pa.string()), ("amount", MONEY), ("line_denied", pa.bool_()), *COMMON,
    ]),
    "outcomes": pa.schema([
        ("claim_id", pa.string()), ("encounter_id", pa.string()), ("payer", pa.string()),
        ("date_of_service", pa.date32()), ("sent", pa.date32()), ("billed", MONEY),
        ("allowed", MONEY), ("paid", MONEY), ("contractual", MONEY),
        ("patient_responsibility", MONEY), ("other_adjustments", MONEY),
        ("expected", MONEY), ("variance", MONEY), ("interest", MONEY),
        ("status", pa.string()), ("payer_claim_number", pa.string()),
        # from the other registers of the same workbook, so a question reads one table
        ("first_sent", pa.date32()), ("first_paid", pa.date32()), ("submissions", pa.int32()),
        ("rejected", pa.bool_()), ("denied", pa.bool_()), *COMMON,
    ]),
    "denials": pa.schema([
        ("claim_id", pa.string()), ("encounter_id", pa.string()), ("payer", pa.string()),
        ("date_of_service", pa.date32()), ("source", pa.string()), ("check_eft", pa.string()),
        ("payer_claim_number", pa.string()), ("event_date", pa.date32()),
        ("claim_status", pa.string()), ("billed", MONEY), ("denied_amount", MONEY),
        ("reason_codes", pa.string()), ("resolution", pa.string()), ("owner", pa.string()),
        ("work_status", pa.string()), ("follow_up", pa.date32()), *COMMON,
    ]),
}  # fmt: skip
TABLES = tuple(SCHEMAS)
# the versions a later version replaced: _superseded/TABLE/clinic=…/part-….parquet
SUPERSEDED = pa.schema([("key", pa.string()), ("row_hash", pa.string())])
# what was received or paid never changes: a key archived once is never written again, and
# these tables need no "newest version" (the others' rows change status: they are versioned)
IMMUTABLE = frozenset({"claim_lines", "acknowledgments", "payments", "service_payments",
                       "adjustments"})  # fmt: skip
# the column whose month partitions each table
MONTH_OF = {
    "claims": "sent", "claim_lines": "sent", "acknowledgments": "received",
    "payments": "payment_date", "service_payments": "payment_date",
    "adjustments": "payment_date", "outcomes": "sent", "denials": "event_date",
}  # fmt: skip


@dataclass
class ClinicArchived:
    """What archiving one clinic added, table by table (zero everywhere: nothing new)."""

    clinic: str
    workbook: Path
    added: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    # unchanged since it was last archived (the same content hash): not read again
    skipped: bool = False
    # the workbook as archived: {"clinic", "size", "mtime_ns", "sha256", "origin"}
    seen: dict[str, Any] = field(default_factory=dict)
    # the workbook this one was archived as before it was renamed or moved (its path then)
    moved_from: str | None = None


class Archived(NamedTuple):
    """One archive pass: the archive, what each clinic added, and what compaction did
    (None when it was not asked for)."""

    root: Path
    clinics: list[ClinicArchived]
    compacted: Compacted | None = None


def clinic_slug(path: Path, folder: Path) -> str:
    """The clinic's partition name: its workbook's path in the folder, as a safe slug."""
    relative = path.relative_to(folder).with_suffix("") if path.is_relative_to(folder) else path
    text = "-".join(relative.parts[-2:]) if len(relative.parts) > 1 else relative.stem
    if len(relative.parts) > 1 and relative.parts[-2] == relative.stem:
        text = relative.stem  # clinic-001/clinic-001.xlsx is clinic-001
    return re.sub(r"[^0-9A-Za-z]+", "-", text).strip("-").lower() or "clinic"


def require_archive(root: Path) -> None:
    """An InputError unless ``root`` is a folder ``claimbook archive`` wrote: a report on the
    wrong folder would be empty, and an empty report reads as "no denials"."""
    if (root / WORKBOOKS).is_file() or any((root / table).is_dir() for table in TABLES):
        return
    inner = root / ARCHIVE_NAME
    if (inner / WORKBOOKS).is_file():
        hint = f"; this folder's archive is {inner}"
    else:
        hint = (
            "; run claimbook archive FOLDER first (it writes FOLDER/claimbook-archive), then "
            "give that folder"
        )
    if not root.is_dir():
        raise InputError(f"{root}: no archive here{hint}")
    raise InputError(f"{root}: not an archive (no {WORKBOOKS}, no table folders){hint}")


def find_workbooks(folder: Path, skip: Path | None = None) -> list[Path]:
    """Clinic workbooks under ``folder`` that hold a register (not kept copies, backups,
    ``*.claimbook.xlsx``, or anything under ``skip``)."""
    from python_calamine import CalamineWorkbook

    if folder.is_file():
        return [folder]
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder; give the folder that holds the workbooks")
    found = []
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() not in (".xlsx", ".xlsm") or path.name.startswith((".", "~$")):
            continue
        if ".claimbook." in path.name.lower() or path.name == "batch-summary.xlsx":
            continue
        parents = path.relative_to(folder).parents
        if any(_KEPT.fullmatch(d.name) for d in parents):
            continue
        if skip is not None and skip.resolve() in path.resolve().parents:
            continue
        try:
            names = CalamineWorkbook.from_path(str(path)).sheet_names
        except Exception:  # noqa: BLE001  (not a workbook: not a clinic)
            continue
        if CLAIM_REGISTER in names or REMIT_REGISTER in names:
            found.append(path)
    return found


def _sheets(path: Path, names: Iterable[str]) -> dict[str, SheetRows]:
    """The named sheets as SheetRows (header row 1), read by calamine."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    out = {}
    for name in names:
        if name not in book.sheet_names:
            continue
        found = sheet_rows(name, book.get_sheet_by_name(name).to_python())
        if found is not None:
            out[name] = found
    return out


def _money(value: Any) -> Decimal:
    return as_money(value)


def origin_of(path: Path) -> str:
    """Where the clinic's history in the workbook at ``path`` begins
    (``addin.registers.origin``); "" when its registers hold no row, or it cannot be read
    (its archiving says why). Only the first two rows of a register are asked for."""
    try:
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(path))
        names = set(book.sheet_names)
        return history_origin(
            lambda name: (
                sheet_rows(name, book.get_sheet_by_name(name).to_python(nrows=2))
                if name in names
                else None
            )
        )
    except Exception:  # noqa: BLE001  (a damaged workbook: archive_clinic reports it)
        return ""


def rows_of(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Every archived table's rows from one clinic workbook (without key, hash, date)."""
    return _rows_and_origin(path)[0]


def _rows_and_origin(path: Path) -> tuple[dict[str, list[dict[str, Any]]], str]:
    sheets = _sheets(path, (*REGISTERS, "Remittance", "Reconciliation", "Denials"))
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    for r in read_claim_register(sheets.get(CLAIM_REGISTER)):
        rejected = r.status == "rejected" or "rejected by the clearinghouse" in r.history
        out["claims"].append({
            "key": r.submission, "submission": r.submission, "claim_id": r.claim_id,
            "encounter_id": r.encounter_id, "payer": r.payer, "payer_id": r.payer_id,
            "frequency": r.frequency, "replaces": r.replaces,
            "date_of_service": r.first_service, "billed": r.billed, "lines": r.line_count,
            "sent": r.sent, "status": r.status, "status_date": r.status_date,
            "payer_claim_number": r.payer_claim_number, "rejected": rejected,
        })  # fmt: skip
        for number, line in enumerate(parse_lines(r.lines), start=1):
            out["claim_lines"].append({
                "key": f"{r.submission}#{number}", "submission": r.submission,
                "claim_id": r.claim_id, "payer": r.payer, "line": number,
                "procedure_code": line.procedure_code, "modifiers": ":".join(line.modifiers),
                "units": line.units, "charge": line.charge,
                "date_of_service": line.date_of_service, "sent": r.sent,
            })  # fmt: skip
    for a in read_ack_register(sheets.get(ACK_REGISTER)):
        out["acknowledgments"].append({
            "key": f"{a.content_hash}#{a.set_index}#{a.kind}", "received": a.received,
            "kind": a.kind, "acknowledges": a.acknowledges, "result": a.result,
            "claims_accepted": a.accepted, "claims_rejected": a.rejected, "file": a.file,
            "set_index": a.set_index, "content_hash": a.content_hash,
        })  # fmt: skip
    for p in read_remit_register(sheets.get(REMIT_REGISTER)):
        out["payments"].append({
            "key": f"{p.content_hash}#{p.set_index}#{p.posting}", "posting": p.posting,
            "kind": p.kind, "payer": p.payer, "payer_id": p.payer_id, "check_eft": p.trace,
            "amount": p.amount, "payment_date": p.payment_date, "claims": p.claims,
            "claims_paid": p.claims_paid, "file": p.file, "set_index": p.set_index,
            "content_hash": p.content_hash, "posted_on": p.posted_on, "status": p.status,
        })  # fmt: skip
    _service_rows(sheets.get("Remittance"), out)
    _outcome_rows(sheets.get("Reconciliation"), out)
    _denial_rows(sheets.get("Denials"), out)
    _join_outcomes(out)
    return out, history_origin(sheets.get)


def _join_outcomes(out: dict[str, list[dict[str, Any]]]) -> None:
    """Each outcome with its claim's first send, first payment with money, submissions,
    whether the clearinghouse ever rejected it and whether a payer denied it (835)."""
    sends: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in out["claims"]:
        sends[row["claim_id"]].append(row)
    paid: dict[str, date] = {}
    for row in out["service_payments"]:
        when = row["payment_date"]
        if row["paid"] > 0 and when is not None:
            paid[row["claim_id"]] = min(when, paid.get(row["claim_id"], when))
    denied = {row["claim_id"] for row in out["denials"] if row["source"] == "835"}
    for row in out["outcomes"]:
        mine = sends.get(row["claim_id"], [])
        dates = [r["sent"] for r in mine if r["sent"] is not None]
        row |= {
            "first_sent": min(dates) if dates else row["sent"],
            "first_paid": paid.get(row["claim_id"]),
            "submissions": len(mine),
            "rejected": any(r["rejected"] for r in mine),
            "denied": row["claim_id"] in denied,
        }


def _service_rows(sheet: SheetRows | None, out: dict[str, list[dict[str, Any]]]) -> None:
    if sheet is None:
        return
    seen: dict[str, int] = defaultdict(int)
    for _, c in sheet.records():
        check, pcn = as_text(c.get("Check/EFT")), as_text(c.get("Payer Claim Number"))
        claim, proc = as_text(c.get("Claim ID")), as_text(c.get("Procedure"))
        mods, status = as_text(c.get("Modifiers")), as_text(c.get("Claim Status"))
        base = f"{check}#{pcn}#{claim}#{status}#{proc}#{mods}"
        seen[base] += 1
        key = f"{base}#{seen[base]}"
        paid_on, payer = as_date(c.get("Payment Date")), as_text(c.get("Payer"))
        adjustments = as_text(c.get("Adjustments"))
        billed, allowed, paid = (_money(c.get(n)) for n in ("Billed", "Allowed", "Paid"))
        # a denied line: billed, nothing allowed or paid (a reversal, CLP02 22, is not one)
        denied = status != "22" and billed > 0 and allowed == 0 and paid == 0
        out["service_payments"].append({
            "key": key, "check_eft": check, "payment_date": paid_on, "payer": payer,
            "claim_id": claim, "payer_claim_number": pcn, "claim_status": status,
            "date_of_service": as_date(c.get("Date of Service")), "procedure_code": proc,
            "modifiers": mods, "billed": billed, "allowed": allowed, "paid": paid,
            "adjustments": adjustments, "remark_codes": as_text(c.get("Remark Codes")),
            "denied": denied,
        })  # fmt: skip
        for n, m in enumerate(_ADJUSTMENT.finditer(adjustments), start=1):
            out["adjustments"].append({
                "key": f"{key}#{n}", "service_key": key, "check_eft": check,
                "payment_date": paid_on, "payer": payer, "claim_id": claim,
                "procedure_code": proc, "group_code": m["group"], "reason_code": m["reason"],
                "amount": as_money(m["amount"]), "line_denied": denied,
            })  # fmt: skip


def _outcome_rows(sheet: SheetRows | None, out: dict[str, list[dict[str, Any]]]) -> None:
    if sheet is None:
        return
    for _, c in sheet.records():
        claim = as_text(c.get("Claim ID"))
        if not claim:
            continue  # an unmatched remittance claim: its payment is archived already
        out["outcomes"].append({
            "key": claim, "claim_id": claim, "encounter_id": as_text(c.get("Encounter ID")),
            "payer": as_text(c.get("Payer")), "date_of_service": as_date(c.get("Date of Service")),
            "sent": as_date(c.get("Date Sent")), "billed": _money(c.get("Billed")),
            "allowed": _money(c.get("Allowed")), "paid": _money(c.get("Paid")),
            "contractual": _money(c.get("Contractual")),
            "patient_responsibility": _money(c.get("Patient Responsibility")),
            "other_adjustments": _money(c.get("Other Adjustments")),
            "expected": _money(c.get("Expected")), "variance": _money(c.get("Variance")),
            "interest": _money(c.get("Interest")), "status": as_text(c.get("Status")),
            "payer_claim_number": as_text(c.get("Payer Claim Number")),
        })  # fmt: skip


def _denial_rows(sheet: SheetRows | None, out: dict[str, list[dict[str, Any]]]) -> None:
    if sheet is None:
        return
    for _, c in sheet.records():
        claim, check = as_text(c.get("Claim ID")), as_text(c.get("Check/EFT"))
        pcn, source = as_text(c.get("Payer Claim Number")), as_text(c.get("Source"))
        out["denials"].append({
            "key": f"{claim}#{source}#{check}#{pcn}", "claim_id": claim,
            "encounter_id": as_text(c.get("Encounter ID")), "payer": as_text(c.get("Payer")),
            "date_of_service": as_date(c.get("Date of Service")), "source": source,
            "check_eft": check, "payer_claim_number": pcn,
            "event_date": as_date(c.get("Event Date")),
            "claim_status": as_text(c.get("Claim Status")), "billed": _money(c.get("Billed")),
            "denied_amount": _money(c.get("Denied Amount")),
            "reason_codes": as_text(c.get("Reason Codes")),
            "resolution": as_text(c.get("Resolution")), "owner": as_text(c.get("Owner")),
            "work_status": as_text(c.get("Work Status")),
            "follow_up": as_date(c.get("Follow-up Date")),
        })  # fmt: skip


def _row_hash(row: dict[str, Any], names: list[str]) -> str:
    text = "\x1f".join("" if row.get(n) is None else str(row.get(n)) for n in names)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def _row_hashes(rows: list[dict[str, Any]], names: list[str]) -> list[str]:
    """``_row_hash`` of every row (the same digests), a column at a time: each value is
    turned into text once per column rather than looked up name by name per row."""
    if not rows:
        return []
    columns = []
    for name in names:
        values = [row.get(name) for row in rows]
        columns.append(["" if v is None else v if type(v) is str else str(v) for v in values])
    sha = hashlib.sha256
    return [
        sha("\x1f".join(parts).encode("utf-8")).hexdigest()[:24]
        for parts in zip(*columns, strict=True)
    ]


def _month(value: date | None) -> str:
    return f"{value.year:04d}-{value.month:02d}" if value else "undated"


def existing(root: Path, table: str, clinic: str) -> set[tuple[str, str]]:
    """(key, row_hash) of every row the archive holds for ``clinic`` in ``table`` (the hash
    is "" for an immutable table: its key alone says the row is there)."""
    folder = root / table / f"clinic={clinic}"
    if not folder.is_dir():
        return set()
    data = ds.dataset(folder, format="parquet", partitioning="hive").to_table(
        columns=["key", "row_hash"]
    )
    keys = data.column("key").to_pylist()
    if table in IMMUTABLE:
        return {(key, "") for key in keys}
    return set(zip(keys, data.column("row_hash").to_pylist(), strict=True))


def append(root: Path, table: str, clinic: str, rows: list[dict[str, Any]], now: datetime) -> int:
    """Write the rows the clinic's partition does not hold; how many were new. A new
    version of a versioned row marks the versions before it superseded (``_superseded``),
    so reading the newest is an anti-join with that short list, not a sort of the table."""
    schema = SCHEMAS[table]
    names = [f.name for f in schema if f.name not in ("key", "row_hash", "archived_on")]
    have = existing(root, table, clinic)
    versioned = table not in IMMUTABLE
    fresh: dict[str, dict[str, Any]] = {}
    for row, digest in zip(rows, _row_hashes(rows, names), strict=True):
        if (row["key"], digest if versioned else "") in have:
            continue
        # one row per key from one workbook (a repeated key: the last row says it)
        fresh[row["key"]] = row | {"row_hash": digest, "archived_on": now}
    by_month: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in fresh.values():
        by_month[_month(row.get(MONTH_OF[table]))].append(row)
    for month, batch in sorted(by_month.items()):
        _write(root / table / f"clinic={clinic}" / f"month={month}", batch, schema, now)
    if versioned:
        old = [{"key": k, "row_hash": h} for k, h in have if k in fresh]
        if old:
            _write(root / "_superseded" / table / f"clinic={clinic}", old, SUPERSEDED, now)
    return len(fresh)


def _write(folder: Path, rows: list[dict[str, Any]], schema: pa.Schema, now: datetime) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha256("".join(r["row_hash"] for r in rows).encode()).hexdigest()[:16]
    target = folder / f"part-{now:%Y%m%d%H%M%S}-{name}.parquet"
    temporary = folder / f".{target.name}.tmp"
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), temporary)
    os.replace(temporary, target)


def archive_folder(
    folder: Path,
    to: Path | None = None,
    *,
    now: datetime | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    jobs: int | None = None,
    compact: bool = True,
) -> Archived:
    """Append every clinic workbook's registers under ``folder`` to the archive ``to``
    (default ``FOLDER/claimbook-archive``); what each clinic added. Clinics are archived
    on ``jobs`` worker processes (default: every core; 1: in this process): each writes
    only its own clinic's partitions, so they never touch the same file. A workbook whose
    content hash is the one archived last time is not read again. Then (``compact``) the
    files this pass wrote are merged into the archive's compacted copy, which the report
    reads (``addin.archive.compact``)."""
    from addin.archive.compact import archive_lock

    root = to or (folder if folder.is_dir() else folder.parent) / ARCHIVE_NAME
    with archive_lock(root):
        return _archive_held(folder, root, now, progress, jobs, compact)


def _archive_held(
    folder: Path,
    root: Path,
    now: datetime | None,
    progress: Callable[[str, int, int], None] | None,
    jobs: int | None,
    compact: bool,
) -> Archived:
    from addin.archive.compact import compact_held, mark_pending

    base = folder if folder.is_dir() else folder.parent
    stamp = (now or datetime.now()).replace(microsecond=0)
    books = find_workbooks(folder, skip=root)
    if not books and not (root / WORKBOOKS).is_file():  # a first pass over the wrong folder
        raise InputError(
            f"{folder}: no clinic workbook in it (one with a {CLAIM_REGISTER} or "
            f"{REMIT_REGISTER} sheet); nothing was archived"
        )
    step = progress or (lambda *_: None)
    known = read_workbooks(root)
    jobs = max(1, min(jobs or _cores(), len(books)))
    with _Workers(jobs) as workers:
        work, refused, moved = _assign(books, base, root, stamp, known, workers)
        root.mkdir(parents=True, exist_ok=True)
        # a pass under way: until its files are compacted, the report looks for them itself
        mark_pending(root)
        done: dict[int, ClinicArchived] = dict(refused)
        step("clinics", len(done), len(books))
        try:
            # the largest workbooks first: the last to finish are small ones
            order = sorted(work, key=lambda i: -books[i].stat().st_size)
            for i, result in workers.run(archive_clinic, [(i, work[i]) for i in order]):
                result.moved_from = moved.get(i)
                done[i] = result
                step(books[i].stem, len(done), len(books))
        finally:
            for i, old in moved.items():
                if i in done and done[i].error is None:
                    known.pop(old, None)  # the clinic's workbook is elsewhere now
            # what was archived is remembered even when the pass stops half-way
            write_workbooks(root, known, done.values())
    compacted = None
    if compact:
        step("compacting", len(books), len(books))
        compacted = compact_held(root)
    step("done", len(books), len(books))
    return Archived(root, [done[i] for i in range(len(books))], compacted)


class _Workers:
    """Functions run over work items here (one job) or on a process pool, the pool made
    once for the whole pass (the clinics' origins, then the clinics)."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self._pool: Any = None

    def __enter__(self) -> _Workers:
        if self.jobs > 1:
            import multiprocessing
            import sys
            from concurrent.futures import ProcessPoolExecutor

            method = "fork" if sys.platform == "linux" else "spawn"
            context = multiprocessing.get_context(method)
            self._pool = ProcessPoolExecutor(self.jobs, mp_context=context)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def run(
        self, fn: Callable[..., Any], items: list[tuple[int, tuple[Any, ...]]]
    ) -> Iterable[tuple[int, Any]]:
        """(index, fn(*args)) for each (index, args), in the order they finish."""
        if self._pool is None or len(items) <= 1:
            for i, args in items:
                yield i, fn(*args)
            return
        from concurrent.futures import as_completed

        futures = {self._pool.submit(fn, *args): i for i, args in items}
        for future in as_completed(futures):
            yield futures[future], future.result()


def _assign(
    books: list[Path],
    base: Path,
    root: Path,
    stamp: datetime,
    known: dict[str, dict[str, Any]],
    workers: _Workers,
) -> tuple[dict[int, tuple[Any, ...]], dict[int, ClinicArchived], dict[int, str]]:
    """Each workbook's clinic: the one it was archived as (by its path, or, for a path new
    to the archive, by where its history begins: a workbook renamed or moved); a new
    partition name for a new clinic (never one the archive holds already). Returns the
    arguments of each clinic's :func:`archive_clinic`, the workbooks refused (copies of
    another clinic's workbook) and, for each workbook moved, the path it was archived
    under before."""
    keys = [str(p.resolve()) for p in books]
    new = [i for i, key in enumerate(keys) if key not in known]
    origins = dict(workers.run(origin_of, [(i, (books[i],)) for i in new]))
    present = set(keys)
    holders: dict[str, list[str]] = defaultdict(list)  # origin -> paths archived with it
    for key, held in known.items():
        if held.get("origin"):
            holders[held["origin"]].append(key)
    copies: dict[str, list[int]] = defaultdict(list)  # origin -> new paths that have it
    for i in new:
        if origins[i]:
            copies[origins[i]].append(i)
    archived: dict[str, list[int]] = defaultdict(list)  # origin -> known paths present
    for i, key in enumerate(keys):
        if key in known and known[key].get("origin"):
            archived[known[key]["origin"]].append(i)
    taken = {str(held.get("clinic")) for held in known.values()}
    work: dict[int, tuple[Any, ...]] = {}
    refused: dict[int, ClinicArchived] = {}
    moved: dict[int, str] = {}
    for i, path in enumerate(books):
        entry = known.get(keys[i])
        both = [j for j in archived.get(entry.get("origin") or "", []) if j != i] if entry else []
        if entry is not None and both:
            # a copy archived as a clinic of its own before copies were told apart
            other = books[both[0]]
            refused[i] = ClinicArchived(
                str(entry.get("clinic")), path, error=_twice(path, other, entry, known)
            )
            continue
        if entry is not None and entry.get("clinic"):
            # a workbook archived before: read again once if archived without its origin
            digest = entry.get("sha256") if "origin" in entry else None
            work[i] = (path, entry["clinic"], root, stamp, digest, entry.get("origin") or "")
            continue
        origin = origins.get(i, "")
        alive = [k for k in holders.get(origin, []) if k in present] if origin else []
        twins = [books[j] for j in copies.get(origin, []) if j != i] if origin else []
        if alive or twins:
            other = Path(alive[0]) if alive else twins[0]
            refused[i] = ClinicArchived(
                clinic_slug(path, base), path, error=_copy_of(path, other, bool(alive))
            )
            continue
        gone = holders.get(origin, []) if origin else []
        if gone:  # renamed or moved: the clinic it was archived as, under its new path
            slug = str(known[gone[0]]["clinic"])
            moved[i] = gone[0]
        else:
            slug = clinic_slug(path, base)
            while slug in taken:
                slug += "-2"
        taken.add(slug)
        work[i] = (path, slug, root, stamp, None, origin)
    return work, refused, moved


def _twice(path: Path, other: Path, entry: dict[str, Any], known: dict[str, Any]) -> str:
    theirs = known[str(other.resolve())].get("clinic")
    return (
        f"{path}: its registers begin with the same claim, payment or acknowledgment as "
        f"{other}, yet both were archived, as clinics {entry.get('clinic')!r} and "
        f"{theirs!r}: one is a copy of the other, and the archive holds that history twice; "
        "not archived. Move the copy out of the folder, delete its clinic's partitions "
        "(TABLE/clinic=NAME in every table folder of the archive) and archive again"
    )


def _copy_of(path: Path, other: Path, archived: bool) -> str:
    before = "archived before" if archived else "in the same folder"
    return (
        f"{path}: its registers begin with the same claim, payment or acknowledgment as "
        f"{other} ({before}): a copy of that clinic's workbook, whose history would be "
        "counted twice; not archived. Move the copy out of the folder (or, if this is the "
        "clinic's workbook now, move the other one out) and archive again"
    )


def archive_clinic(
    path: Path,
    slug: str,
    root: Path,
    stamp: datetime,
    digest: str | None = None,
    origin: str = "",
) -> ClinicArchived:
    """Append one clinic workbook's rows to its partitions of the archive; nothing when
    its content hash is ``digest`` (the hash it had when it was last archived). ``origin``:
    where the history archived as this clinic begins (see the module docstring), "" when
    none is known; a workbook whose registers begin elsewhere is refused."""
    result = ClinicArchived(slug, path)
    try:
        result.seen = fingerprint(path) | {"clinic": slug, "origin": origin}
        if digest is not None and result.seen["sha256"] == digest:
            result.skipped = True
            result.added = dict.fromkeys(TABLES, 0)
            return result
        tables, found = _rows_and_origin(path)
    except Exception as exc:  # noqa: BLE001  (one damaged workbook: the others go on)
        result.error = f"{path}: could not be read ({type(exc).__name__}: {exc})"
        return result
    if origin and found and found != origin:
        result.error = (
            f"{path}: this file now holds another clinic's history than the one archived "
            f"from it as {slug!r} (its registers begin with another claim, payment or "
            "acknowledgment); not archived. If it is a new clinic, give the workbook a name "
            "of its own; if the clinic's workbook was replaced by mistake, put it back"
        )
        return result
    result.seen["origin"] = found or origin
    for table, rows in tables.items():
        result.added[table] = append(root, table, slug, rows, stamp)
    return result


def fingerprint(path: Path) -> dict[str, Any]:
    """A workbook's size, modification time and SHA-256 of its bytes (hashed before it is
    read: a workbook saved while it is read is read again next time)."""
    info = path.stat()
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            sha.update(chunk)
    return {"size": info.st_size, "mtime_ns": info.st_mtime_ns, "sha256": sha.hexdigest()}


def read_workbooks(root: Path) -> dict[str, dict[str, Any]]:
    """The workbooks archived into ``root`` before, by resolved path (none when the list is
    missing, unreadable or written by another version of the store: all are read again)."""
    import json

    try:
        data = json.loads((root / WORKBOOKS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("store_version") != STORE_VERSION:
        return {}
    books = data.get("workbooks")
    return books if isinstance(books, dict) else {}


def write_workbooks(
    root: Path, known: dict[str, dict[str, Any]], done: Iterable[ClinicArchived]
) -> None:
    """Remember each workbook archived in full (not one that failed: it is read again)."""
    import json

    books = dict(known)
    changed = False
    for result in done:
        if result.error is None and result.seen and not result.skipped:
            books[str(result.workbook.resolve())] = result.seen
            changed = True
    if not changed and (root / WORKBOOKS).exists():
        return
    data = {"store_version": STORE_VERSION, "workbooks": books}
    temporary = root / f".{WORKBOOKS}.tmp"
    temporary.write_text(json.dumps(data, indent=0, sort_keys=True), encoding="utf-8")
    os.replace(temporary, root / WORKBOOKS)


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover (macOS, Windows)
        return max(1, os.cpu_count() or 1)


__all__ = [
    "ARCHIVE_NAME",
    "Archived",
    "STORE_VERSION",
    "WORKBOOKS",
    "IMMUTABLE",
    "SCHEMAS",
    "SUPERSEDED",
    "TABLES",
    "ClinicArchived",
    "append",
    "archive_clinic",
    "archive_folder",
    "clinic_slug",
    "find_workbooks",
    "require_archive",
    "fingerprint",
    "read_workbooks",
    "rows_of",
]
