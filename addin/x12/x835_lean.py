"""A lean 835 reader for reconciliation: one pass, each claim summed as it is read.

:func:`read_remittances_lean` yields :class:`Transaction835` headers whose ``claims`` are
:class:`LeanClaim` records: the CLP values, the service lines the Remittance sheet shows,
and the sums reconcile needs (adjustments by group and reason, allowed, remark codes),
added up while the segments stream past. It applies the rules of :mod:`addin.x12.x835` for
those values and nothing else: no warnings, no quantities, addresses or references beyond
the payer id. Anything outside the plain shape (no ISA first, separators changing between
interchanges, a non-835 set, a missing SE, a segment without terminator) raises
:class:`LeanUnsupported` so the caller re-reads with the full model reader; a differential
test holds the two to the same reconciliation output, on every corpus file and on fuzzed ones.

Where the speed comes from: segments are told apart by their first four characters before
anything is split; each distinct CAS, DTM, AMT and SVC text is parsed once per process and
its reading reused (remittances repeat the same segments on thousands of lines; the caches
are bounded); what reconciling does not need is kept as text and read on first use (the
service lines, the patient's name, the statement dates); nothing is built per segment that
is not kept. ``benchmarks/bench_835.py`` measures it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal
from itertools import chain
from typing import Any

from addin.errors import X12Error
from addin.models.remittance import ZERO, Adjustment, ClaimPayment, ProviderAdjustment
from addin.x12.segments import (
    MAX_SEGMENT,
    Delimiters,
    X12Input,
    _decode_chunks,
    source_name,
    x12_source,
)
from addin.x12.x835 import CAS_GROUPS, model_builder, parse_amount, parse_date
from addin.x12.x835_models import Transaction835

_STRIP = " \t\r\n\x00"
_PAD = [""] * 24
_new_txn = model_builder(Transaction835)
#: One CAS reason/amount as reconcile and the sheet read it: (group, reason, amount).
LeanAdjustment = tuple[str, str, Decimal]


class LeanUnsupported(X12Error):
    """The file is outside the lean reader's plain shape; read it with the model reader."""


class LeanService:
    """One SVC: the ServicePayment values the Remittance sheet shows."""

    __slots__ = (
        "procedure_code", "modifiers", "billed", "paid", "date_of_service", "allowed",
        "adjustments", "remark_codes",
    )  # fmt: skip

    def __init__(self, code: str, modifiers: Sequence[str], billed: Decimal, paid: Decimal) -> None:
        self.procedure_code = code
        self.modifiers = modifiers
        self.billed = billed
        self.paid = paid
        self.date_of_service: date | None = None
        self.allowed: Decimal | None = None
        #: Readings of this line's CAS segments (see :func:`_cas`), in file order.
        self.adjustments: list[CasReading] = []
        self.remark_codes: list[str] = []


class LeanClaim:
    """One CLP: its values, its service lines, and the sums reconcile folds in.

    ``totals`` sums claim- and line-level CAS amounts by (group, reason); ``contractual``,
    ``patient_share`` and ``other`` by group (CO, PR, anything else); ``line_allowed`` sums
    the AMT*B6 of the lines that send one (``has_line_allowed`` says whether any did).
    :meth:`from_payment` gives the same record for a claim read by the model reader, so
    reconcile has one way to fold a payment in.
    """

    __slots__ = (
        "patient_control_number", "status", "billed", "paid", "patient_responsibility",
        "payer_claim_number", "claim_read", "_detail", "interest", "adjustments", "_services",
        "lines_read", "separators",
        "remark_codes", "line_codes", "totals", "contractual", "patient_share", "other",
        "line_allowed", "has_line_allowed",
    )  # fmt: skip

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
        #: The claim's NM1*QC and claim-level DTM texts as read: the patient's name and the
        #: statement dates are read from them when first asked for (see ``_details``).
        self.claim_read: list[str] = []
        self._detail: list[Any] | None = None  # [last name, first name, from, to]
        self.interest: Decimal | None = None
        #: Readings of the claim-level CAS segments, in file order.
        self.adjustments: list[CasReading] = []
        #: The service lines' segment texts (SVC, DTM, CAS, AMT*B6, LQ) as read, and the
        #: element and component separators to read them with: the lines themselves are
        #: made when first asked for (the Remittance sheet), never for --json.
        self.lines_read: list[str] = []
        self.separators = ("*", ":")
        self._services: list[LeanService] | None = None
        self.remark_codes: list[str] = []  # MOA/MIA remarks
        self.line_codes: list[str] = []  # the lines' LQ remarks, in line order
        self.totals: dict[tuple[str, str], Decimal] = {}
        self.contractual = ZERO
        self.patient_share = ZERO
        self.other = ZERO
        self.line_allowed = ZERO
        self.has_line_allowed = False

    @property
    def services(self) -> list[LeanService]:
        """The claim's service lines (SVC loops), made from ``lines_read`` on first use."""
        if self._services is None:
            self._services = _service_lines(self.lines_read, *self.separators)
        return self._services

    def _details(self) -> list[Any]:
        """[last name, first name, statement from, statement to], read once from
        ``claim_read`` with the reader's rules: the last NM1*QC and DTM 232/233 win."""
        if self._detail is None:
            detail: list[Any] = ["", "", None, None]
            el = self.separators[0]
            for text in self.claim_read:
                if text[:1] == "N":  # NM1*QC
                    e = text.split(el, 5)
                    e.extend(_PAD)
                    detail[0], detail[1] = e[3], e[4]
                else:  # DTM
                    q, day = _DTM.get(text) or _qualified(text, el, _date, _DTM)
                    if q == "232":
                        detail[2] = day
                    elif q == "233":
                        detail[3] = day
            self._detail = detail
        return self._detail

    @property
    def patient_last_name(self) -> str:
        last: str = self._details()[0]
        return last

    @patient_last_name.setter
    def patient_last_name(self, value: str) -> None:
        self._details()[0] = value

    @property
    def patient_first_name(self) -> str:
        first: str = self._details()[1]
        return first

    @patient_first_name.setter
    def patient_first_name(self, value: str) -> None:
        self._details()[1] = value

    @property
    def statement_from(self) -> date | None:
        day: date | None = self._details()[2]
        return day

    @statement_from.setter
    def statement_from(self, value: date | None) -> None:
        self._details()[2] = value

    @property
    def statement_to(self) -> date | None:
        day: date | None = self._details()[3]
        return day

    @statement_to.setter
    def statement_to(self, value: date | None) -> None:
        self._details()[3] = value

    @property
    def all_codes(self) -> list[str]:
        """Claim remark codes, then each line's, in file order (as reconcile reads them)."""
        return self.remark_codes + self.line_codes

    @property
    def balance_difference(self) -> Decimal:
        """CLP03 - claim and line CAS - CLP04; zero when the claim balances."""
        return self.billed - (self.contractual + self.patient_share + self.other) - self.paid

    def service_dates(self) -> set[date]:
        """Dates of service and statement dates: what matching by CLP07 compares."""
        days = {s.date_of_service for s in self.services if s.date_of_service}
        for d in (self.statement_from, self.statement_to):
            if d:
                days.add(d)
        return days

    @classmethod
    def from_payment(cls, payment: ClaimPayment) -> LeanClaim:
        """The same record for a claim payment read by the model reader or a payer sheet."""
        claim = cls(
            payment.patient_control_number,
            payment.status,
            payment.billed,
            payment.paid,
            payment.patient_responsibility,
            payment.payer_claim_number,
        )
        claim.patient_last_name = payment.patient_last_name
        claim.patient_first_name = payment.patient_first_name
        claim.statement_from = payment.statement_from
        claim.statement_to = payment.statement_to
        claim.interest = payment.interest
        claim.remark_codes = list(payment.remark_codes)
        claim._add_models(payment.adjustments)
        claim._services = []
        for s in payment.services:
            service = LeanService(s.procedure_code, s.modifiers, s.billed, s.paid)
            service.date_of_service = s.date_of_service
            service.allowed = s.allowed
            service.remark_codes = s.remark_codes
            claim.line_codes.extend(s.remark_codes)
            claim._add_models(s.adjustments)
            if s.allowed is not None:
                claim.has_line_allowed = True
                claim.line_allowed += s.allowed
            claim.services.append(service)
        return claim

    def _add_models(self, adjustments: list[Adjustment]) -> None:
        totals = self.totals
        for a in adjustments:
            key = (a.group, a.reason)
            totals[key] = totals.get(key, ZERO) + a.amount
            if a.group == "CO":
                self.contractual += a.amount
            elif a.group == "PR":
                self.patient_share += a.amount
            else:
                self.other += a.amount


class CasReading:
    """What one CAS segment says: its group, its (group, reason) amounts and their sum.

    Also how the Remittance sheet writes it (``CO-45 150.00; PR-3 10.00``)."""

    __slots__ = ("group", "pairs", "sum", "text")

    def __init__(self, group: str, items: list[LeanAdjustment]) -> None:
        self.group = group
        self.pairs = tuple(((g, r), a) for g, r, a in items)
        self.sum = sum((a for _, _, a in items), ZERO)
        self.text = "; ".join(f"{g}-{r} {a:.2f}" for g, r, a in items)


_CAS: dict[str, CasReading] = {}


def _cas(text: str, el: str) -> CasReading:
    """The reading of one CAS segment text, parsed once per process (bounded cache)."""
    try:
        return _CAS[text]
    except KeyError:
        pass
    e = text.split(el)
    count = len(e) - 1
    e.extend(_PAD)
    group = e[1] if e[1] in CAS_GROUPS else "OA"
    items: list[LeanAdjustment] = []
    for n in range(2, min(count, 19) + 1, 3):
        reason = e[n]
        value = _amount(e[n + 1])
        if not reason and value is None:
            continue
        items.append((group, reason, value or ZERO))
    reading = CasReading(group, items)
    _keep(_CAS, text, reading)
    return reading


CACHE_LIMIT = 100_000


def _keep(cache: dict[str, Any], text: str, value: Any) -> None:
    """Remember a segment or element text's reading; the caches stop growing at CACHE_LIMIT
    entries, so a damaged or endless file cannot grow them without end."""
    if len(cache) < CACHE_LIMIT:
        cache[text] = value


_AMOUNTS: dict[str, Decimal | None] = {}
# Whole segment texts already read: remittances repeat their dates, allowed amounts and
# service lines thousands of times (the key includes the segment id and separators).
_DTM: dict[str, tuple[str, date | None]] = {}
_AMT: dict[str, tuple[str, Decimal | None]] = {}
_SVC: dict[str, dict[str, _Svc]] = {}


def _amount(text: str) -> Decimal | None:
    """As ``_Parser.amount`` without its warnings: two-place Decimal, None when empty.

    Remittances repeat a few hundred amounts; each is parsed once and the (immutable)
    Decimal shared, which also keeps the result rows small. (``get`` with a marker rather
    than catching KeyError: CLP amounts are mostly new, and an exception per miss costs.)"""
    value: Decimal | None = _AMOUNTS.get(text, _MISS)
    if value is _MISS:
        value = parse_amount(text)
        _keep(_AMOUNTS, text, value)
    return value


_MISS: Any = object()


_DATES: dict[str, date | None] = {}


def _date(text: str) -> date | None:
    """As ``_Parser.date`` without its warnings: CCYYMMDD or None."""
    if not text:
        return None
    try:
        return _DATES[text]
    except KeyError:
        pass
    value = parse_date(text)
    _keep(_DATES, text, value)
    return value


def _open(source: X12Input) -> tuple[Delimiters, Iterator[list[str]]]:
    """The file's delimiters, and its segment texts (stripped; some may be empty) in
    batches of one decoded chunk. A later ISA with other separators shows as a text starting ``ISA``
    whose fourth character is not the element separator."""
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

    def batches(buf: str) -> Iterator[list[str]]:
        term, strip = delims.segment, _STRIP
        eof = False
        while True:
            parts = buf.split(term)
            buf = parts.pop()
            # Empty texts (a doubled terminator) are left in: the reader passes over them.
            yield [p.strip(strip) for p in parts]
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
    source = x12_source(source)
    label = source_name(source, name)
    txn: Any = None
    found = 0
    claim: LeanClaim | None = None
    # The claim whose service line (after an SVC) we are in, and that line's AMT*B6 so far.
    line: LeanClaim | None = None
    allowed: Decimal | None = None
    header = False
    entity = ""
    claims: list[LeanClaim] = []
    plbs: list[ProviderAdjustment] = []
    amount, when, pad, cas_cache, cas = _amount, _date, _PAD, _CAS, _cas
    delims, batches = _open(source)
    el, component = delims.element, delims.component
    dtm_cache, amt_cache, qc, b6, qual_i = _DTM, _AMT, "QC" + el, "B6" + el, "I" + el
    separators = (el, component)
    # The hot segments, told apart by their first four characters before any split.
    CAS, DTM, REF, SVC, AMT, CLP, NM1 = (s + el for s in ("CAS", "DTM", "REF", "SVC", "AMT", "CLP", "NM1"))  # fmt: skip  # noqa: E501, N806
    # Outside a transaction set only ST (and a change of separators) matters; inside, the
    # loop below runs over the same segments until SE, with no check for that per segment.
    segments = chain.from_iterable(batches)
    # The envelope (addin.x12.audit's rules), checked as cheaply as it can be: anything
    # unusual declines, and the model reader reports it.
    isa13: str | None = None
    gs06: str | None = None
    groups = sets = 0
    st02s: set[str] = set()
    for s in segments:
        e = s.split(el)
        if _other_isa(e):
            raise LeanUnsupported("separators change")
        sid = e[0]
        if sid != "ST":
            if not sid:
                continue
            e.extend(pad)
            if sid == "GS":
                if gs06 is not None or isa13 is None:
                    raise LeanUnsupported("GS without GE, or outside an interchange")
                gs06, sets, st02s = e[6], 0, set()
                groups += 1
            elif sid == "GE":
                if gs06 is None or e[1] != str(sets) or not _same(e[2], gs06):
                    raise LeanUnsupported("GE count or control number")
                gs06 = None
            elif sid == "ISA":
                if isa13 is not None:
                    raise LeanUnsupported("ISA without IEA")
                isa13, groups = e[13].strip(), 0
            elif sid == "IEA":
                if isa13 is None or gs06 is not None:
                    raise LeanUnsupported("IEA without ISA, or GS without GE")
                if e[1] != str(groups) or not _same(e[2], isa13):
                    raise LeanUnsupported("IEA count or control number")
                isa13 = None
            else:
                raise LeanUnsupported("segment outside any transaction set")
            continue
        if e[1:2] != ["835"]:
            raise LeanUnsupported("not an 835 transaction set")
        st02 = e[2] if len(e) > 2 else ""
        if gs06 is None or st02 in st02s:
            raise LeanUnsupported("ST outside a group, or ST02 used twice")
        st02s.add(st02)
        sets += 1
        count = 1
        claims, plbs = [], []
        txn = _new_txn(
            source=label, control_number=e[2] if len(e) > 2 else "",
            claims=claims, provider_adjustments=plbs, warnings=[],
        )  # fmt: skip
        claim = line = None
        header, entity = False, ""
        for s in segments:
            count += 1  # for SE01 (an empty text, from a doubled terminator, declines there)
            p = s[:4]  # the hot segments, most frequent first
            if p == DTM:
                if line is not None:
                    line.lines_read.append(s)
                    continue
                if claim is not None:
                    claim.claim_read.append(s)  # statement dates, read when asked for
                    continue
                qd = dtm_cache.get(s) or _qualified(s, el, when, dtm_cache)
                if qd[0] == "405":
                    txn.production_date = qd[1]
                continue
            if p == REF:
                if claim is None and entity == "PR":
                    e = s.split(el)
                    e.extend(pad)
                    if e[1] == "2U":
                        txn.payer_id = e[2]
                continue
            if p == CAS:
                if claim is None:
                    continue
                reading = cas_cache.get(s) or cas(s, el)
                if line is not None:
                    line.lines_read.append(s)
                else:
                    claim.adjustments.append(reading)
                # Fold the reading into the claim's sums (inline: runs for every CAS).
                pairs = reading.pairs
                if pairs:
                    totals = claim.totals
                    for key, part in pairs:
                        # (Amounts are two-place: the first one stands as its own sum.)
                        old = totals.get(key)
                        totals[key] = part if old is None else old + part
                    group = reading.group
                    if group == "CO":
                        claim.contractual += reading.sum
                    elif group == "PR":
                        claim.patient_share += reading.sum
                    else:
                        claim.other += reading.sum
                continue
            if p == AMT:
                # Only a line's B6 (allowed) and a claim's I (interest) are read: look at the
                # qualifier before parsing (AMT*AU and others carry a new amount per claim).
                if line is not None:
                    if s[4:7] == b6:
                        qv = amt_cache.get(s) or _qualified(s, el, amount, amt_cache)
                        value = qv[1]
                        if value is not None:
                            line.lines_read.append(s)
                            if allowed is not None:  # a second B6 replaces the first
                                line.line_allowed -= allowed
                            allowed = value
                            line.line_allowed += value
                            line.has_line_allowed = True
                elif claim is not None and s[4:6] == qual_i:
                    value = amount(s.split(el)[2])
                    if value is not None:
                        claim.interest = value
                continue
            if p == NM1:
                if claim is not None and s[4:7] == qc:
                    claim.claim_read.append(s)  # the patient's name, read when asked for
                continue
            if p == SVC:
                if claim is not None:
                    claim.lines_read.append(s)
                line, allowed = claim, None
                continue
            if p == CLP:
                e = s.split(el, 8)  # CLP01-07 are read; the rest stays in one piece
                e.extend(pad)
                line = None
                claim = _claim(e, amount)
                claim.separators = separators
                claims.append(claim)
                continue
            e = s.split(el)
            sid = e[0]
            if sid == "LQ":
                if line is not None and len(e) > 2 and e[2]:
                    line.lines_read.append(s)
                    line.line_codes.append(e[2])
            elif sid == "MOA" or sid == "MIA":
                if claim is not None:
                    e.extend(pad)
                    remarks = e[3:8] if sid == "MOA" else [e[5], e[20], e[21], e[22], e[23]]
                    claim.remark_codes.extend(r for r in remarks if r)
            elif sid == "LX":
                claim = line = None
                header = True
            elif sid == "SE":
                if e[1:3] != [str(count), st02]:
                    raise LeanUnsupported("SE01 count or SE02 control number")
                found += 1
                yield txn
                txn = None
                break
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
            elif sid == "SVC":  # a bare "SVC" with no elements: an empty line, as the models
                if claim is not None:
                    claim.lines_read.append(s)
                line, allowed = claim, None
            elif sid == "CLP":  # a bare "CLP": a claim with nothing in it, as the models
                line = None
                claim = _claim([*e, *pad], amount)
                claim.separators = separators
                claims.append(claim)
            elif _other_isa(e):
                raise LeanUnsupported("separators change")
            # A bare CAS, DTM, REF, AMT or NM1 carries nothing; QTY, TS3 and others are unused.
    if txn is not None:
        raise LeanUnsupported("no SE at the end")
    if isa13 is not None or gs06 is not None:
        raise LeanUnsupported("no GE or IEA at the end")
    if found == 0:
        raise LeanUnsupported("no 835 transaction set")


def _same(a: str, b: str) -> bool:
    """Control numbers as the audit compares them: ``000000101`` is ``101``."""
    return a == b or (a.isdigit() and b.isdigit() and int(a) == int(b))


def _claim(e: list[str], amount: Any) -> LeanClaim:
    # A claim's billed and paid amounts are seldom seen twice: parsed, not looked up.
    return LeanClaim(
        e[1],
        e[2],
        parse_amount(e[3]) or ZERO,
        parse_amount(e[4]) or ZERO,
        amount(e[5]),
        e[7] or None,
    )


def _service_lines(texts: list[str], el: str, component: str) -> list[LeanService]:
    """The service lines of a claim from its ``lines_read``: the reader's rules for them.

    SVC starts a line; DTM 472 or 150 is its date; CAS its adjustments; AMT*B6 (the reader
    keeps only those with an amount) its allowed amount, a later one replacing an earlier;
    LQ its remark codes."""
    lines: list[LeanService] = []
    line: Any = None
    svc_cache = _SVC.setdefault(component, {})  # a composite reads by its separator
    for text in texts:
        kind = text[:2]
        if kind == "SV":
            parsed = svc_cache.get(text) or _svc(text, el, component, svc_cache)
            line = LeanService(*parsed)
            lines.append(line)
        elif kind == "DT":
            q, day = _DTM.get(text) or _qualified(text, el, _date, _DTM)
            if q == "472" or q == "150":
                line.date_of_service = day
        elif kind == "CA":
            line.adjustments.append(_CAS.get(text) or _cas(text, el))
        elif kind == "AM":
            line.allowed = (_AMT.get(text) or _qualified(text, el, _amount, _AMT))[1]
        else:  # LQ
            line.remark_codes.append(text.split(el)[2])
    return lines


_Svc = tuple[str, tuple[str, ...], Decimal, Decimal]


def _svc_values(e: list[str], component: str) -> _Svc:
    parts = e[1].split(component)
    return (
        (parts[1] if len(parts) > 1 else "").strip().upper(),
        tuple(m.strip().upper() for m in parts[2:6] if m),
        _amount(e[2]) or ZERO,
        _amount(e[3]) or ZERO,
    )


def _svc(text: str, el: str, component: str, cache: dict[str, _Svc]) -> _Svc:
    """An SVC segment text read once per process: code, modifiers, billed, paid."""
    values = _svc_values([*text.split(el), *_PAD], component)
    _keep(cache, text, values)
    return values


def _qualified(text: str, el: str, read: Any, cache: dict[str, tuple[str, Any]]) -> tuple[str, Any]:
    """A DTM or AMT segment text read once per process: (qualifier, date or amount)."""
    e = text.split(el)
    e.extend(_PAD)
    value = (e[1], read(e[2]))
    _keep(cache, text, value)
    return value
