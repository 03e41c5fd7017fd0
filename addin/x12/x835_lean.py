"""A lean 835 reader for reconciliation: one pass over split lists, no per-segment objects.

:func:`read_remittances_lean` yields :class:`Transaction835` objects whose claims are small
slotted records carrying exactly what reconcile and the Remittance sheet read (the same
attribute names as :class:`ClaimPayment`, whose balance properties they reuse). It applies
the rules of :mod:`addin.x12.x835` for those values and nothing else: no warnings, no
quantities, addresses or references beyond the payer id. Anything outside the plain shape
(no ISA first, separators changing between interchanges, a non-835 set, a missing SE, a
segment without terminator) raises :class:`LeanUnsupported` so the caller re-reads with the
full model reader; a differential test holds the two to the same reconciliation output.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from addin.errors import X12Error
from addin.models.remittance import ZERO, ClaimPayment, ProviderAdjustment
from addin.x12.segments import MAX_SEGMENT, Delimiters, X12Input, _decode_chunks
from addin.x12.x835 import CAS_GROUPS, CENT, model_builder
from addin.x12.x835_models import Transaction835

_STRIP = " \t\r\n\x00"
_PAD = [""] * 24
_new_txn = model_builder(Transaction835)


class LeanUnsupported(X12Error):
    """The file is outside the lean reader's plain shape; read it with the model reader."""


class LeanAdjustment:
    """One CAS reason/amount: what reconcile and the sheet rows read of an Adjustment."""

    __slots__ = ("group", "reason", "amount")

    def __init__(self, group: str, reason: str, amount: Decimal) -> None:
        self.group = group
        self.reason = reason
        self.amount = amount


class LeanService:
    """One SVC: the ServicePayment attributes reconcile and the sheet rows read."""

    __slots__ = (
        "qualifier", "procedure_code", "modifiers", "billed", "paid", "date_of_service",
        "allowed", "adjustments", "remark_codes",
    )  # fmt: skip

    def __init__(
        self, qualifier: str, code: str, modifiers: list[str], billed: Decimal, paid: Decimal
    ) -> None:
        self.qualifier = qualifier
        self.procedure_code = code
        self.modifiers = modifiers
        self.billed = billed
        self.paid = paid
        self.date_of_service: date | None = None
        self.allowed: Decimal | None = None
        self.adjustments: list[LeanAdjustment] = []
        self.remark_codes: list[str] = []


class LeanClaim:
    """One CLP: the ClaimPayment attributes reconcile and the sheet rows read."""

    __slots__ = (
        "patient_control_number", "status", "billed", "paid", "patient_responsibility",
        "payer_claim_number", "patient_last_name", "patient_first_name", "statement_from",
        "statement_to", "interest", "adjustments", "services", "remark_codes",
    )  # fmt: skip

    # The same rules as the model, not a copy of them.
    all_adjustments = ClaimPayment.all_adjustments
    balance_difference = ClaimPayment.balance_difference

    def __init__(
        self,
        pcn: str,
        status: str,
        billed: Decimal,
        paid: Decimal,
        responsibility: Decimal | None,
        payer_claim_number: str | None,
    ) -> None:
        self.patient_control_number = pcn
        self.status = status
        self.billed = billed
        self.paid = paid
        self.patient_responsibility = responsibility
        self.payer_claim_number = payer_claim_number
        self.patient_last_name = ""
        self.patient_first_name = ""
        self.statement_from: date | None = None
        self.statement_to: date | None = None
        self.interest: Decimal | None = None
        self.adjustments: list[LeanAdjustment] = []
        self.services: list[LeanService] = []
        self.remark_codes: list[str] = []


_AMOUNTS: dict[str, Decimal | None] = {}


def _amount(text: str) -> Decimal | None:
    """As ``_Parser.amount`` without its warnings: two-place Decimal, None when empty.

    Remittances repeat a few hundred amounts; each is parsed once and the (immutable)
    Decimal shared, which also keeps the result rows small."""
    try:
        return _AMOUNTS[text]
    except KeyError:
        pass
    value = _parse_amount(text)
    if len(_AMOUNTS) < 100_000:  # bounded: a damaged file must not grow it without end
        _AMOUNTS[text] = value
    return value


def _parse_amount(text: str) -> Decimal | None:
    if not text:
        return None
    if len(text) < 16 and text.find(".") == len(text) - 3:
        try:
            return Decimal(text)
        except InvalidOperation:
            pass
    try:
        value = Decimal(text)
        if not value.is_finite() or value.adjusted() > 12:
            raise InvalidOperation
        return value.quantize(CENT)
    except (InvalidOperation, ValueError):
        return ZERO


_DATES: dict[str, date | None] = {}


def _date(text: str) -> date | None:
    """As ``_Parser.date`` without its warnings: CCYYMMDD or None."""
    if not text:
        return None
    try:
        return _DATES[text]
    except KeyError:
        pass
    value: date | None = None
    if len(text) == 8 and text.isdigit():
        try:
            value = date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            value = None
    if len(_DATES) < 100_000:  # bounded: a damaged file must not grow it without end
        _DATES[text] = value
    return value


def _open(source: X12Input) -> tuple[Delimiters, Iterator[list[list[str]]]]:
    """The file's delimiters, and its segments as element lists (``e[0]`` is the id), in
    batches of one decoded chunk: a list comprehension per chunk, not a generator step per
    segment. A later ISA with other separators shows as an id starting ``ISA``."""
    chunks = _decode_chunks(source)
    buf = ""
    for chunk in chunks:
        buf += chunk
        if len(buf) >= 4096:
            break
    buf = buf.lstrip(_STRIP)
    if not buf.startswith("ISA"):
        raise LeanUnsupported("no ISA first")
    try:
        delims = Delimiters.from_isa(buf[:4096])
    except X12Error:
        raise LeanUnsupported("damaged ISA") from None

    def batches(buf: str) -> Iterator[list[list[str]]]:
        term, el, strip = delims.segment, delims.element, _STRIP
        eof = False
        while True:
            parts = buf.split(term)
            buf = parts.pop()
            yield [text.split(el) for text in [p.strip(strip) for p in parts] if text]
            if eof:
                if buf.strip(strip):
                    raise LeanUnsupported("last segment has no terminator")
                return
            if len(buf) > MAX_SEGMENT:
                raise LeanUnsupported("segment too long")
            try:
                buf += next(chunks)
            except StopIteration:
                eof = True

    return delims, batches(buf)


def _other_isa(e: list[str]) -> bool:
    """An ISA whose separators differ from the first: the model reader re-reads from it."""
    return e[0].startswith("ISA") and (e[0] != "ISA" or len(e) == 1)


def read_remittances_lean(source: X12Input, name: str = "") -> Iterator[Transaction835]:
    """Stream the 835 transactions of ``source`` as lean claims (see the module docstring)."""
    label = name or (os.path.basename(os.fspath(source)) if isinstance(source, os.PathLike) else "")
    txn: Any = None
    found = 0
    claim: LeanClaim | None = None
    service: LeanService | None = None
    header = False
    entity = ""
    claims: list[LeanClaim] = []
    plbs: list[ProviderAdjustment] = []
    amount, when, pad = _amount, _date, _PAD
    delims, batches = _open(source)
    component = delims.component
    for batch in batches:
        for e in batch:
            sid = e[0]
            if txn is None:
                if _other_isa(e):
                    raise LeanUnsupported("separators change")
                if sid == "ST":
                    if e[1:2] != ["835"]:
                        raise LeanUnsupported("not an 835 transaction set")
                    claims, plbs = [], []
                    txn = _new_txn(
                        source=label, control_number=e[2] if len(e) > 2 else "",
                        claims=claims, provider_adjustments=plbs, warnings=[],
                    )  # fmt: skip
                    claim = service = None
                    header, entity = False, ""
                continue
            if sid == "CAS":
                target = service if service is not None else claim
                if target is None:
                    continue
                count = len(e) - 1
                e.extend(pad)
                group = e[1] if e[1] in CAS_GROUPS else "OA"
                adjustments = target.adjustments
                for n in range(2, min(count, 19) + 1, 3):
                    reason = e[n]
                    value = amount(e[n + 1])
                    if not reason and value is None:
                        continue
                    adjustments.append(LeanAdjustment(group, reason, value or ZERO))
            elif sid == "SVC":
                if claim is None:
                    service = None
                    continue
                e.extend(pad)
                parts = e[1].split(component)
                service = LeanService(
                    parts[0],
                    (parts[1] if len(parts) > 1 else "").strip().upper(),
                    [m.strip().upper() for m in parts[2:6] if m],
                    amount(e[2]) or ZERO,
                    amount(e[3]) or ZERO,
                )
                claim.services.append(service)
            elif sid == "DTM":
                e.extend(pad)
                q = e[1]
                if service is not None:
                    if q == "472" or q == "150":
                        service.date_of_service = when(e[2])
                elif claim is not None:
                    if q == "232":
                        claim.statement_from = when(e[2])
                    elif q == "233":
                        claim.statement_to = when(e[2])
                elif q == "405":
                    txn.production_date = when(e[2])
            elif sid == "CLP":
                e.extend(pad)
                service = None
                claim = LeanClaim(
                    e[1],
                    e[2],
                    amount(e[3]) or ZERO,
                    amount(e[4]) or ZERO,
                    amount(e[5]),
                    e[7] or None,
                )
                claims.append(claim)
            elif sid == "AMT":
                e.extend(pad)
                value = amount(e[2])
                if value is None:
                    continue
                if service is not None:
                    if e[1] == "B6":
                        service.allowed = value
                elif claim is not None and e[1] == "I":
                    claim.interest = value
            elif sid == "NM1":
                if claim is not None and e[1:2] == ["QC"]:
                    e.extend(pad)
                    claim.patient_last_name, claim.patient_first_name = e[3], e[4]
            elif sid == "REF":
                if service is None and claim is None and entity == "PR":
                    e.extend(pad)
                    if e[1] == "2U":
                        txn.payer_id = e[2]
            elif sid == "LQ":
                if service is not None and len(e) > 2 and e[2]:
                    service.remark_codes.append(e[2])
            elif sid == "MOA" or sid == "MIA":
                if claim is not None:
                    e.extend(pad)
                    remarks = e[3:8] if sid == "MOA" else [e[5], e[20], e[21], e[22], e[23]]
                    claim.remark_codes.extend(r for r in remarks if r)
            elif sid == "LX":
                service = claim = None
                header = True
            elif sid == "SE":
                found += 1
                yield txn
                txn = None
            elif sid == "ST":
                raise LeanUnsupported("ST before SE")
            elif sid == "PLB":
                e.extend(pad)
                period = when(e[2]) if e[2] else None
                for n in range(3, 15, 2):
                    if not e[n] and not e[n + 1]:
                        continue
                    comp = e[n].split(component)
                    plbs.append(
                        ProviderAdjustment(
                            reason=comp[0],
                            reference=comp[1] if len(comp) > 1 else "",
                            amount=amount(e[n + 1]) or ZERO,
                            provider_id=e[1],
                            fiscal_period_end=period,
                        )
                    )
            elif sid == "BPR":
                e.extend(pad)
                paid = amount(e[2]) or ZERO
                txn.payment_amount = -paid if e[3] == "D" else paid
                txn.payment_method = e[4]
                txn.payment_date = when(e[16]) if e[16] else None
            elif sid == "TRN":
                e.extend(pad)
                txn.trace_number = e[2]
            elif sid == "N1":
                if claim is not None or header:
                    entity = ""
                    continue
                e.extend(pad)
                if e[1] == "PR":
                    entity = "PR"
                    txn.payer_name = e[2]
                    if e[4]:
                        txn.payer_id = txn.payer_id or e[4]
                elif e[1] == "PE":
                    entity = "PE"
                    txn.payee_name = e[2]
                else:
                    entity = ""
            elif _other_isa(e):
                raise LeanUnsupported("separators change")
    if txn is not None:
        raise LeanUnsupported("no SE at the end")
    if found == 0:
        raise LeanUnsupported("no 835 transaction set")
