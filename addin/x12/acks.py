"""Clearinghouse acknowledgments: the 999 (005010X231A1) and the 277CA (005010X214).

A 999 says whether each functional group and transaction set of an 837P batch was accepted
(AK9/IK5: A accepted, E accepted with errors, P partially accepted, R/M/W/X rejected), with
the segment and element in error (IK3/IK4). A 277CA says, claim by claim, whether the payer's
front end took the claim into adjudication (STC category A1/A2) or rejected it (A3, A4, A6,
A7, A8), with the claim status code that says which field. :func:`read_acknowledgments`
reads a file holding either; anything else is refused saying what it is.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from addin.errors import X12Error
from addin.files.folders import not_a_file
from addin.x12.segments import (
    Segment,
    Transaction,
    describe,
    iter_transactions,
    read_segments,
    x12_source,
)

ACCEPTED_SETS = frozenset({"A", "E"})  # IK501: accepted, accepted with errors noted
ACCEPTED_GROUPS = frozenset({"A", "E"})  # AK901 (P = some sets accepted)
# 277CA categories: A1 receipt, A2 accepted into adjudication, A5 split; A0 forwarded.
ACCEPTED_CATEGORIES = frozenset({"A0", "A1", "A2", "A5"})
REJECTED_CATEGORIES = frozenset({"A3", "A4", "A6", "A7", "A8"})


def _date(text: str) -> date | None:
    text = text.strip()[:8]
    if len(text) == 8 and text.isdigit():
        try:
            return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
        except ValueError:
            return None
    return None


def _money(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip()) if text.strip() else None
    except InvalidOperation:
        return None
    return value.quantize(Decimal("0.01")) if value is not None and value.is_finite() else None


@dataclass
class ElementError:
    """IK3 (segment in error) with its IK4 (element in error), in the guide's numbering."""

    segment: str
    position: str
    loop: str
    segment_code: str
    element: str = ""
    element_code: str = ""
    value: str = ""


@dataclass
class SetAck:
    """One acknowledged transaction set (AK2..IK5)."""

    transaction_type: str
    control_number: str
    result: str
    codes: list[str] = field(default_factory=list)
    errors: list[ElementError] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.result in ACCEPTED_SETS


@dataclass
class GroupAck:
    """One acknowledged functional group (AK1..AK9)."""

    functional_id: str
    group_control: str
    version: str
    result: str = ""
    included: int = 0
    received: int = 0
    accepted_count: int = 0
    codes: list[str] = field(default_factory=list)
    sets: list[SetAck] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.result in ACCEPTED_GROUPS


@dataclass
class Ack999:
    """A 999 transaction set: what the clearinghouse made of a batch's envelope and syntax."""

    source: str
    control_number: str
    sender: str
    created: date | None
    groups: list[GroupAck] = field(default_factory=list)
    kind: str = "999"


@dataclass
class Status:
    """One STC: category and status code, the entity it is about, and the amount."""

    category: str
    code: str
    entity: str
    when: date | None
    action: str
    amount: Decimal | None

    @property
    def rejected(self) -> bool:
        return self.category in REJECTED_CATEGORIES

    @property
    def accepted(self) -> bool:
        return self.category in ACCEPTED_CATEGORIES


@dataclass
class ClaimAck:
    """A claim in a 277CA (loop 2200D): CLM01 back from TRN02, and its statuses."""

    patient_control_number: str
    statuses: list[Status] = field(default_factory=list)
    payer_claim_number: str = ""
    clearinghouse_trace: str = ""
    billed: Decimal | None = None
    patient: str = ""
    member_id: str = ""
    service_from: date | None = None
    line_statuses: list[tuple[str, Status]] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        found = [*self.statuses, *(s for _, s in self.line_statuses)]
        return any(s.rejected for s in found)


@dataclass
class Ack277:
    """A 277CA transaction set: claim by claim, accepted into adjudication or rejected."""

    source: str
    control_number: str
    sender: str
    created: date | None
    batch_trace: str = ""  # 2200B TRN02: the submitter's batch (often our ISA13 or BHT03)
    batch_statuses: list[Status] = field(default_factory=list)
    provider_statuses: list[Status] = field(default_factory=list)
    claims: list[ClaimAck] = field(default_factory=list)
    kind: str = "277CA"


Acknowledgment = Ack999 | Ack277


def _stc(seg: Segment) -> list[Status]:
    """An STC's status triplets: STC01 (and STC10, STC11), each category:code:entity."""
    out = []
    when = _date(seg[2])
    for n in (1, 10, 11):
        parts = seg.composite(n)
        if not parts or not parts[0]:
            continue
        out.append(
            Status(
                category=parts[0],
                code=parts[1] if len(parts) > 1 else "",
                entity=parts[2] if len(parts) > 2 else "",
                when=when,
                action=seg[3],
                amount=_money(seg[4]),
            )
        )
    return out


def _read_999(txn: Transaction, source: str) -> Ack999:
    gs = txn.gs
    ack = Ack999(
        source=source,
        control_number=txn.control_number,
        sender=gs[2] if gs else "",
        created=_date(gs[4]) if gs else None,
    )
    group: GroupAck | None = None
    current: SetAck | None = None
    error: ElementError | None = None
    for seg in txn.segments[1:]:
        sid = seg.id
        if sid == "AK1":
            group = GroupAck(functional_id=seg[1], group_control=seg[2], version=seg[3])
            ack.groups.append(group)
        elif sid == "AK2":
            current = SetAck(transaction_type=seg[1], control_number=seg[2], result="")
            if group is None:
                raise X12Error(f"{source}: {seg.where}: AK2 before any AK1; not a valid 999")
            group.sets.append(current)
        elif sid == "IK3" and current is not None:
            error = ElementError(seg[1], seg[2], seg[3], seg[4])
            current.errors.append(error)
        elif sid == "IK4" and current is not None:
            if error is None:
                error = ElementError("", "", "", "")
                current.errors.append(error)
            error.element = seg.component(1, 1)
            error.element_code = seg[3]
            error.value = seg[4]
        elif sid == "IK5" and current is not None:
            current.result = seg[1]
            current.codes = [seg[n] for n in range(2, 7) if seg[n]]
            current, error = None, None
        elif sid == "AK9" and group is not None:
            group.result = seg[1]
            group.included = _int(seg[2])
            group.received = _int(seg[3])
            group.accepted_count = _int(seg[4])
            group.codes = [seg[n] for n in range(5, 10) if seg[n]]
    if not ack.groups:
        raise X12Error(f"{source}: a 999 with no AK1 group response; not a usable 999")
    return ack


def _int(text: str) -> int:
    return int(text) if text.strip().isdigit() else 0


def _read_277(txn: Transaction, source: str) -> Ack277:
    gs = txn.gs
    ack = Ack277(
        source=source,
        control_number=txn.control_number,
        sender=gs[2] if gs else "",
        created=_date(gs[4]) if gs else None,
    )
    level = ""
    claim: ClaimAck | None = None
    in_service = False
    service_code = ""
    for seg in txn.segments[1:]:
        sid = seg.id
        if sid == "BHT":
            ack.created = _date(seg[4]) or ack.created
        elif sid == "HL":
            level = seg[3]
            claim, in_service = None, False
        elif sid == "NM1" and level == "PT" and seg[1] == "QC":
            claim = ClaimAck(patient_control_number="")
            claim.patient = f"{seg[3]}, {seg[4]}".strip(", ")
            claim.member_id = seg[9]
            ack.claims.append(claim)
        elif sid == "TRN":
            if level == "21":
                ack.batch_trace = seg[2]
            elif level == "PT" and claim is not None:
                claim.patient_control_number = seg[2]
        elif sid == "STC":
            statuses = _stc(seg)
            if level == "21":
                ack.batch_statuses.extend(statuses)
            elif level == "19":
                ack.provider_statuses.extend(statuses)
            elif claim is not None and in_service:
                claim.line_statuses.extend((service_code, s) for s in statuses)
            elif claim is not None:
                claim.statuses.extend(statuses)
                if statuses and statuses[0].amount is not None:
                    claim.billed = statuses[0].amount
        elif sid == "REF" and claim is not None and not in_service:
            if seg[1] == "1K":
                claim.payer_claim_number = seg[2]
            elif seg[1] == "D9":
                claim.clearinghouse_trace = seg[2]
        elif sid == "DTP" and claim is not None and seg[1] == "472" and not in_service:
            claim.service_from = _date(seg[3])
        elif sid == "SVC" and claim is not None:
            in_service = True
            service_code = seg.component(1, 2)
    return ack


def read_acknowledgments(path: Path | str) -> list[Acknowledgment]:
    """Every 999 and 277CA transaction set in the file at ``path`` (or in X12 text, by the
    readers' one path-or-text rule: :func:`~addin.x12.segments.x12_source`), in file order.

    A file with none is refused saying what it holds (an 835, an 837P, a 277 that is not
    the 005010X214 claim acknowledgment...).
    """
    if isinstance(path, os.PathLike) and not Path(path).is_file():
        raise X12Error(not_a_file(path))
    source = x12_source(path)
    name = Path(source).name if isinstance(source, os.PathLike) else ""
    found: list[Acknowledgment] = []
    others: list[str] = []
    for txn in iter_transactions(read_segments(source, name), name):
        kind, version = txn.type, txn.version
        if kind == "999":
            found.append(_read_999(txn, name))
        elif kind == "277" and (not version or "X214" in version):
            found.append(_read_277(txn, name))
        else:
            label = describe(kind, version)
            if kind == "277":
                label = f"277 claim status response ({version}), not the 277CA acknowledgment"
            if label not in others:
                others.append(label)
    if not found:
        what = ", ".join(others) if others else "no transaction set"
        raise X12Error(
            f"{name + ': ' if name else ''}holds {what}, not a 999 or 277CA acknowledgment; "
            "acknowledgments are "
            "the files the clearinghouse sends back after a claim batch (import 835 "
            "remittances with reconcile)"
        )
    return found


__all__ = [
    "Ack277",
    "Ack999",
    "Acknowledgment",
    "ClaimAck",
    "ElementError",
    "GroupAck",
    "SetAck",
    "Status",
    "read_acknowledgments",
]
