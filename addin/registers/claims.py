"""The Claim Register: one row per claim sent, the memory of what went to which payer when.

A row is written once, when its 837P is written, and only its status cells (Status, Status
Date, Payer Claim Number, History) change afterwards. It holds what reconcile needs to match
remittances against what was actually billed (``Lines Billed``: code, modifiers, units,
charge, date and place of service per line) and a fingerprint of the whole claim, so a run
can tell an encounter changed after it was sent.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from addin.collector import collector_paused
from addin.models import Claim, Column, SheetRows
from addin.registers.cells import (
    as_int,
    as_money,
    columns,
    dates,
    others,
    require_keys,
    texts,
)
from addin.registers.fingerprint import fingerprint as fingerprint  # where callers find it

CLAIM_REGISTER = "Claim Register"
# A claim's state as the register shows it; "sent" until an acknowledgment or a remittance
# says more. The reconciliation statuses carry over as they are.
REGISTER_STATUSES = (
    "sent", "accepted", "rejected", "paid", "underpaid", "overpaid", "denied", "reversed",
    "corrected", "forwarded", "predetermination", "in appeal", "replaced", "voided", "closed",
)  # fmt: skip
_STATUS_COLOURS = {
    "rejected": "FFC7CE",
    "denied": "FFC7CE",
    "reversed": "FFC7CE",
    "underpaid": "FFEB9C",
    "in appeal": "FFEB9C",
    "paid": "C6EFCE",
    "corrected": "C6EFCE",
}
CLAIM_COLUMNS: list[Column] = [
    Column(name="Submission", kind="code"),
    Column(name="Claim ID", kind="code"),
    Column(name="Encounter ID", kind="code"),
    Column(name="Patient"),
    Column(name="Payer"),
    Column(name="Payer ID", kind="code"),
    Column(name="Frequency", kind="code"),
    Column(name="Replaces", kind="code"),
    Column(name="Date of Service", kind="date"),
    Column(name="Billed", kind="money"),
    Column(name="Lines", kind="int"),
    Column(name="Lines Billed", width=50),
    Column(name="Fingerprint", kind="code"),
    Column(name="837P File"),
    Column(name="ISA13", kind="code"),
    Column(name="GS06", kind="code"),
    Column(name="ST02", kind="code"),
    Column(name="Sent", kind="date"),
    Column(name="Status", highlight=_STATUS_COLOURS),
    Column(name="Status Date", kind="date"),
    Column(name="Payer Claim Number", kind="code"),
    Column(name="History", width=70),
]
# The cells of an earlier row a run may change; everything else in a row is written once.
STATUS_COLUMNS = ("Status", "Status Date", "Payer Claim Number", "History")
_LINE = re.compile(
    r"(?P<code>[A-Z0-9]{4,5})(?P<mods>(?::[A-Z0-9]{2})*) x(?P<units>[0-9.]+) "
    r"(?P<charge>-?[0-9]+\.[0-9]{2}) (?P<dos>\d{4}-\d{2}-\d{2})(?: @(?P<pos>\d{2}))?"
)


@dataclass(frozen=True, slots=True)
class SentLine:
    """A service line as it was billed (read back from ``Lines Billed``)."""

    procedure_code: str
    modifiers: list[str]
    units: Decimal
    charge: Decimal
    date_of_service: date
    place_of_service: str | None = None


@dataclass(frozen=True, slots=True)
class SentClaim:
    """A claim as it was billed, with what reconciling needs (see ``addin.remit``)."""

    claim_id: str
    encounter_id: str
    payer: str
    payer_id: str
    total_charge: Decimal
    lines: list[SentLine]
    place_of_service: str = ""
    payer_claim_number: str | None = None


@dataclass
class ClaimRecord:
    """One row of the Claim Register."""

    submission: str
    claim_id: str
    encounter_id: str
    patient: str
    payer: str
    payer_id: str
    frequency: str
    replaces: str
    first_service: date | None
    billed: Decimal
    line_count: int
    lines: str
    fingerprint: str
    file: str
    isa13: str
    gs06: str
    st02: str
    sent: date | None
    status: str = "sent"
    status_date: date | None = None
    payer_claim_number: str = ""
    history: str = ""
    row: int | None = None  # Excel row once written
    extra: dict[str, Any] = field(default_factory=dict)

    def values(self) -> list[Any]:
        """The row in CLAIM_COLUMNS order."""
        return [
            self.submission, self.claim_id, self.encounter_id, self.patient, self.payer,
            self.payer_id, self.frequency, self.replaces, self.first_service, self.billed,
            self.line_count, self.lines, self.fingerprint, self.file, self.isa13, self.gs06,
            self.st02, self.sent, self.status, self.status_date, self.payer_claim_number,
            self.history,
        ]  # fmt: skip

    def status_values(self) -> dict[str, Any]:
        return {
            "Status": self.status,
            "Status Date": self.status_date,
            "Payer Claim Number": self.payer_claim_number,
            "History": self.history,
        }

    def sent_claim(self) -> SentClaim:
        """What reconcile matches remittances against: this submission as billed."""
        lines = parse_lines(self.lines)
        return SentClaim(
            claim_id=self.claim_id,
            encounter_id=self.encounter_id,
            payer=self.payer,
            payer_id=self.payer_id,
            total_charge=self.billed,
            lines=lines,
            place_of_service=next((ln.place_of_service or "" for ln in lines), ""),
            payer_claim_number=self.replaces or None,
        )


def lines_text(claim: Claim) -> str:
    """``99214 x1 230.00 2026-07-06 @11; 20610:RT x1 180.00 2026-07-06 @11``."""
    parts = []
    for line in claim.lines:
        mods = "".join(f":{m}" for m in line.modifiers)
        units = format(line.units.normalize(), "f")
        pos = line.place_of_service or claim.place_of_service
        at = f" @{pos}" if pos else ""
        parts.append(
            f"{line.procedure_code}{mods} x{units} {line.charge:.2f} "
            f"{line.date_of_service.isoformat()}{at}"
        )
    return "; ".join(parts)


def parse_lines(text: str) -> list[SentLine]:
    """The lines of a ``Lines Billed`` cell; a damaged cell gives what can be read.

    A line read before is the same SentLine (a register repeats its codes, charges and
    dates: 87,621 lines of 46,216 claims hold 2,862 distinct ones), so never change one."""
    out: list[SentLine] = []
    for part in text.split(";"):
        line = _sent_line(part.strip())
        if line is not None:
            out.append(line)
    return out


@lru_cache(maxsize=1 << 14)
def _sent_line(part: str) -> SentLine | None:
    found = _LINE.fullmatch(part)
    if found is None:
        return None
    try:
        day = date.fromisoformat(found["dos"])
    except ValueError:  # a damaged date (2026-13-45): the line cannot be read
        return None
    return SentLine(
        procedure_code=found["code"],
        modifiers=[m for m in found["mods"].split(":") if m],
        units=Decimal(found["units"]),
        charge=Decimal(found["charge"]),
        date_of_service=day,
        place_of_service=found["pos"],
    )


def patient_name(claim: Claim) -> str:
    p = claim.patient
    return f"{p.last_name}, {p.first_name}".strip(", ")


def read_claim_register(sheet: SheetRows | None) -> list[ClaimRecord]:
    """The register's rows as records (an absent sheet is an empty register).

    Read a column at a time (a register of 50,000 claims is a million cells): each value is
    what ``as_text``, ``as_date``, ``as_money`` or ``as_int`` makes of its cell."""
    if sheet is None:
        return []
    # which claims were sent, as which submission, with what content; and what was billed,
    # which reconciliation compares every payment with to the cent (without them a payment
    # read as 110.00 over a contract of 0.00)
    require_keys(
        sheet, ("Submission", "Claim ID", "Fingerprint", "Billed", "Lines Billed"),
        "sent to which payer, and for how much", _KNOWN,
    )  # fmt: skip
    with collector_paused():  # a million cells, no cycles: see addin.collector
        return _read_claim_register(sheet)


def _read_claim_register(sheet: SheetRows) -> list[ClaimRecord]:
    (
        submission, claim_id, encounter_id, patient, payer, payer_id, frequency, replaces,
        lines, fingerprint_, file, isa13, gs06, st02, status, payer_claim_number, history,
    ) = (texts(c) for c in columns(sheet, _TEXT_COLUMNS))  # fmt: skip
    first_service, sent, status_date = (dates(c) for c in columns(sheet, _DATE_COLUMNS))
    billed, line_count = columns(sheet, ("Billed", "Lines"))
    extra = others(sheet, _KNOWN)
    out: list[ClaimRecord] = []
    for k, (row, _) in enumerate(sheet.rows):
        claim = claim_id[k]
        if not claim:
            continue
        out.append(
            ClaimRecord(
                submission=submission[k] or f"{claim}/?",
                claim_id=claim,
                encounter_id=encounter_id[k],
                patient=patient[k],
                payer=payer[k],
                payer_id=payer_id[k],
                frequency=frequency[k] or "1",
                replaces=replaces[k],
                first_service=first_service[k],
                billed=as_money(billed[k]),
                line_count=as_int(line_count[k]),
                lines=lines[k],
                fingerprint=fingerprint_[k],
                file=file[k],
                isa13=isa13[k],
                gs06=gs06[k],
                st02=st02[k],
                sent=sent[k],
                status=status[k] or "sent",
                status_date=status_date[k],
                payer_claim_number=payer_claim_number[k],
                history=history[k],
                row=row,
                extra=extra[k],
            )
        )
    return out


_TEXT_COLUMNS = (
    "Submission", "Claim ID", "Encounter ID", "Patient", "Payer", "Payer ID", "Frequency",
    "Replaces", "Lines Billed", "Fingerprint", "837P File", "ISA13", "GS06", "ST02", "Status",
    "Payer Claim Number", "History",
)  # fmt: skip
_DATE_COLUMNS = ("Date of Service", "Sent", "Status Date")
_KNOWN = frozenset(c.name for c in CLAIM_COLUMNS)


def submissions_by_claim(records: Sequence[ClaimRecord]) -> dict[str, list[ClaimRecord]]:
    """Claim ID -> its submissions in the order sent."""
    out: dict[str, list[ClaimRecord]] = {}
    for record in records:
        out.setdefault(record.claim_id.strip().upper(), []).append(record)
    return out


def next_submission(records: Sequence[ClaimRecord], claim_id: str) -> str:
    """``RB00123/2`` for a claim sent once before."""
    count = sum(1 for r in records if r.claim_id.strip().upper() == claim_id.strip().upper())
    return f"{claim_id}/{count + 1}"
