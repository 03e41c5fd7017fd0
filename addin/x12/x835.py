"""Read 835 remittance files into loop models, one transaction set at a time.

``read_remittances(source)`` streams :class:`Transaction835` objects (memory is bounded by
one transaction set); ``read_remittance(path)`` returns the one transaction of a file, or a
list when the file holds several. A file that is not an 835 is refused saying what it is;
a 4010 file is read with a warning; amounts that do not balance are read and reported by
:func:`~addin.x12.x835_models.check_balance`, never rejected.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar, cast

from pydantic import BaseModel

from addin.errors import X12Error
from addin.models.remittance import ZERO, Adjustment, ProviderAdjustment, Remittance
from addin.models.types import AdjustmentGroup
from addin.x12.audit import EnvelopeAudit
from addin.x12.kinds import advice, article, describe
from addin.x12.segments import Segment, X12Input, read_segments, source_name, x12_source
from addin.x12.x835_models import Loop2000, Loop2100, Loop2110, Transaction835

CENT = Decimal("0.01")
# Element lists are padded so the hot handlers can index e[n] (= XXnn) without bounds checks.
_PAD = [""] * 21
M = TypeVar("M", bound=BaseModel)
CAS_GROUPS = frozenset({"CO", "PR", "OA", "PI", "CR"})


def model_builder(cls: type[M]) -> Callable[..., M]:
    """A fast ``cls.model_construct`` for the hot loop models.

    The parser hands over values it has already typed (two-place Decimals, dates, strings),
    so validation would only repeat work; pydantic's own model_construct resolves every
    default on every call, which costs a third of the read time on large files.
    """
    static: dict[str, Any] = {}
    factories: list[tuple[str, Callable[[], Any]]] = []
    for name, info in cls.model_fields.items():
        if info.default_factory is not None:
            factories.append((name, cast(Callable[[], Any], info.default_factory)))
        elif not info.is_required():
            static[name] = info.default
    setter = object.__setattr__

    def build(**values: Any) -> M:
        obj = cls.__new__(cls)
        data = static.copy()
        for name, factory in factories:
            if name not in values:
                data[name] = factory()
        data.update(values)
        setter(obj, "__dict__", data)
        setter(obj, "__pydantic_fields_set__", set(values))
        setter(obj, "__pydantic_extra__", None)
        setter(obj, "__pydantic_private__", None)
        return obj

    return build


def parse_amount(text: str, warn: Callable[[str], None] | None = None) -> Decimal | None:
    """An 835 amount element as a two-place Decimal; None when empty. Text that is not an
    amount reads as 0 and more than two places are rounded; ``warn`` hears of both. The one
    rule for both 835 readers (the model reader here and ``x835_lean``)."""
    if not text:
        return None
    if len(text) < 16 and 0 <= text.find(".") == len(text) - 3:
        # The usual case, "123.45": already two places, so no rounding check is needed.
        try:
            return Decimal(text)
        except InvalidOperation:
            pass
    try:
        value = Decimal(text)
        # Beyond a trillion dollars is damage, not money; it would also overflow sums.
        if not value.is_finite() or value.adjusted() > 12:
            raise InvalidOperation
        rounded = value.quantize(CENT)
    except (InvalidOperation, ValueError):
        if warn:
            warn(f"{text[:40]!r} is not an amount; read as 0")
        return ZERO
    if warn and rounded != value:
        warn(f"{text!r} has more than two decimals")
    return rounded


def parse_date(text: str) -> date | None:
    """A CCYYMMDD date element; None when it is not one (both 835 readers)."""
    if len(text) == 8 and text.isdigit():
        try:
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            return None
    return None


_construct_adj = model_builder(Adjustment)
_construct_svc = model_builder(Loop2110)
_construct_clp = model_builder(Loop2100)


class _Parser:
    """Builds one Transaction835 from the segments of its ST..SE."""

    def __init__(self, name: str, st: Segment, isa: Segment | None, gs: Segment | None) -> None:
        self.name = name
        self.prefix = f"{name}: " if name else ""
        version = st[3] or (gs[8] if gs else "")
        self.txn = Transaction835(
            source=name,
            control_number=st[2],
            version=version,
            first_segment=st.index,
        )
        self.warnings = self.txn.warnings
        isa_version = isa[12] if isa else ""
        if version.startswith("004") or (not version and isa_version.startswith("004")):
            self.warn(
                f"{st.where}: version {version or isa_version} is the old 4010 835; read "
                "with the 5010 rules (CAS group CR and 4010-only codes kept as sent)"
            )
        elif version and version != "005010X221A1":
            self.warn(f"{st.where}: version {version!r} is not 005010X221A1; read as 5010")
        self.entity = ""
        self.header: Loop2000 | None = None
        self.claim: Loop2100 | None = None
        self.service: Loop2110 | None = None
        self.count = 1
        self.dates: dict[str, date] = {}

    def warn(self, message: str) -> None:
        self.warnings.append(self.prefix + message)

    # -- values -------------------------------------------------------------------------
    def amount(self, text: str, seg: Segment, n: int) -> Decimal | None:
        """Element ``text`` (seg's element n) as a two-place Decimal; None when empty."""
        return parse_amount(
            text, lambda problem: self.warn(f"{seg.where} {seg.id}{n:02d}: {problem}")
        )

    def number(self, text: str, seg: Segment, n: int) -> Decimal | None:
        if not text:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite() or value.adjusted() > 12:
            self.warn(f"{seg.where} {seg.id}{n:02d}: {text[:40]!r} is not a quantity; ignored")
            return None
        return value

    def date(self, text: str, seg: Segment, n: int) -> date | None:
        if not text:
            return None
        # A remittance repeats a few dates thousands of times: parse each once.
        value = self.dates.get(text) or parse_date(text)
        if value is None:
            self.warn(f"{seg.where} {seg.id}{n:02d}: {text[:40]!r} is not a CCYYMMDD date; ignored")
            return None
        self.dates[text] = value
        return value

    # -- segments -----------------------------------------------------------------------
    def feed(self, seg: Segment) -> None:
        self.count += 1
        sid = seg.id
        if sid == "CAS":
            self.cas(seg)
        elif sid == "SVC":
            self.svc(seg)
        elif sid == "DTM":
            self.dtm(seg)
        elif sid == "REF":
            self.ref(seg)
        elif sid == "CLP":
            self.clp(seg)
        elif sid == "NM1":
            self.nm1(seg)
        elif sid == "AMT":
            self.amt(seg)
        elif sid == "LQ":
            if self.service is not None and seg[2]:
                self.service.remark_codes.append(seg[2])
        elif sid in ("MOA", "MIA"):
            self.moa(seg)
        elif sid == "LX":
            self.service = self.claim = None
            self.header = Loop2000(number=seg[1])
            self.txn.header_numbers.append(self.header)
        elif sid == "TS3":
            self.ts3(seg)
        elif sid == "PLB":
            self.plb(seg)
        elif sid == "BPR":
            self.bpr(seg)
        elif sid == "TRN":
            self.txn.trace_number = seg[2]
            self.txn.payer_identifier = seg[3]
        elif sid == "N1":
            self.n1(seg)
        elif sid in ("N3", "N4", "PER"):
            self.address(seg)
        # QTY, TS2, RDM and others carry nothing reconciliation uses.

    def bpr(self, seg: Segment) -> None:
        txn = self.txn
        txn.handling = seg[1]
        txn.payment_amount = self.amount(seg[2], seg, 2) or ZERO
        txn.credit_debit = seg[3]
        txn.payment_method = seg[4]
        txn.payment_date = self.date(seg[16], seg, 16) if seg[16] else None
        if seg[3] == "D":
            # A debit means the payer takes money back: the amount counts against the payee.
            txn.payment_amount = -txn.payment_amount

    def n1(self, seg: Segment) -> None:
        code = seg[1]
        if self.claim is not None or self.header is not None:
            self.entity = ""
            return
        if code == "PR":
            self.entity = "PR"
            self.txn.payer.name = self.txn.payer_name = seg[2]
            if seg[4]:
                self.txn.payer.payer_id = seg[4]
                self.txn.payer_id = self.txn.payer_id or seg[4]
        elif code == "PE":
            self.entity = "PE"
            payee = self.txn.payee
            payee.name = self.txn.payee_name = seg[2]
            payee.id_qualifier, payee.id = seg[3], seg[4]
            if seg[3] == "XX":
                payee.npi = self.txn.payee_npi = seg[4]
            elif seg[3] == "FI":
                payee.tax_id = self.txn.payee_tax_id = seg[4]
        else:
            self.entity = ""

    def address(self, seg: Segment) -> None:
        target: Any = (
            self.txn.payer if self.entity == "PR" else self.txn.payee if self.entity else None
        )
        if target is None:
            return
        if seg.id == "N3":
            target.address = " ".join(e for e in seg.elements[:2] if e)
        elif seg.id == "N4":
            target.city, target.state, target.zip = seg[1], seg[2], seg[3]
        elif self.entity == "PR":
            self.txn.payer.contacts.append(" ".join(e for e in seg.elements[1:] if e))

    def ts3(self, seg: Segment) -> None:
        if self.header is None:
            self.warn(f"{seg.where}: TS3 before any LX; ignored")
            return
        self.header.provider_id = seg[1]
        self.header.facility_type = seg[2]
        self.header.fiscal_period_end = self.date(seg[3], seg, 3) if seg[3] else None
        count = seg[4]
        self.header.claim_count = int(count) if count.isdigit() and len(count) < 10 else 0
        self.header.total_charge = self.amount(seg[5], seg, 5)

    def clp(self, seg: Segment) -> None:
        e = [seg.id, *seg.elements, *_PAD]
        billed = self.amount(e[3], seg, 3)
        paid = self.amount(e[4], seg, 4)
        if billed is None or paid is None:
            self.warn(f"{seg.where}: CLP03 or CLP04 is missing; read as 0")
        self.service = None
        self.claim = _construct_clp(
            patient_control_number=e[1],
            status=e[2],
            billed=billed or ZERO,
            paid=paid or ZERO,
            patient_responsibility=self.amount(e[5], seg, 5),
            filing_indicator=e[6] or None,
            payer_claim_number=e[7] or None,
            facility_type=e[8] or None,
            frequency=e[9] or None,
            header_number=self.header.number if self.header else "",
            adjustments=[],
            services=[],
            remark_codes=[],
            moa=[],
            mia=[],
            references={},
            amounts={},
        )
        self.txn.claims.append(self.claim)

    def cas(self, seg: Segment) -> None:
        e = [seg.id, *seg.elements, *_PAD]
        target = self.service if self.service is not None else self.claim
        if target is None:
            self.warn(f"{seg.where}: CAS outside a claim; ignored")
            return
        group = e[1]
        if group not in CAS_GROUPS:
            self.warn(
                f"{seg.where}: CAS01 {group[:20]!r} is not CO, PR, OA, PI or CR; "
                "counted as OA (other adjustment)"
            )
            group = "OA"
        adjustments = target.adjustments
        # Only the reason/amount/quantity triples actually sent (up to six).
        for n in range(2, min(len(seg.elements), 19) + 1, 3):
            reason = e[n]
            amount = self.amount(e[n + 1], seg, n + 1)
            if not reason and amount is None:
                continue
            adjustments.append(
                _construct_adj(
                    group=cast(AdjustmentGroup, group),
                    reason=reason,
                    amount=amount or ZERO,
                    quantity=self.number(e[n + 2], seg, n + 2) if e[n + 2] else None,
                )
            )

    def svc(self, seg: Segment) -> None:
        e = [seg.id, *seg.elements, *_PAD]
        if self.claim is None:
            self.warn(f"{seg.where}: SVC outside a claim; ignored")
            self.service = None
            return
        parts = seg.composite(1)
        original = seg.composite(6) if e[6] else []
        billed = self.amount(e[2], seg, 2)
        paid = self.amount(e[3], seg, 3)
        if billed is None or paid is None:
            self.warn(f"{seg.where}: SVC02 or SVC03 is missing; read as 0")
        self.service = _construct_svc(
            qualifier=parts[0],
            procedure_code=(parts[1] if len(parts) > 1 else "").strip().upper(),
            modifiers=[m.strip().upper() for m in parts[2:6] if m],
            billed=billed or ZERO,
            paid=paid or ZERO,
            revenue_code=e[4],
            units_paid=self.number(e[5], seg, 5),
            original_procedure_code=(original[1] if len(original) > 1 else None),
            units_billed=self.number(e[7], seg, 7),
            adjustments=[],
            remark_codes=[],
            references={},
            amounts={},
        )
        self.claim.services.append(self.service)

    def dtm(self, seg: Segment) -> None:
        e = [seg.id, *seg.elements, *_PAD]
        qualifier = e[1]
        if self.service is not None:
            if qualifier in ("472", "150"):
                self.service.__dict__["date_of_service"] = self.date(e[2], seg, 2)
            elif qualifier == "151":
                self.service.__dict__["service_date_to"] = self.date(e[2], seg, 2)
        elif self.claim is not None:
            if qualifier == "232":
                self.claim.__dict__["statement_from"] = self.date(e[2], seg, 2)
            elif qualifier == "233":
                self.claim.__dict__["statement_to"] = self.date(e[2], seg, 2)
            elif qualifier == "050":
                self.claim.__dict__["received"] = self.date(e[2], seg, 2)
        elif qualifier == "405":
            self.txn.production_date = self.date(e[2], seg, 2)

    def ref(self, seg: Segment) -> None:
        e = [seg.id, *seg.elements, *_PAD]
        qualifier, value = e[1], e[2]
        if self.service is not None:
            self.service.references[qualifier] = value
            if qualifier == "6R":
                self.service.__dict__["line_control_number"] = value
        elif self.claim is not None:
            self.claim.references[qualifier] = value
        elif self.entity == "PR":
            self.txn.payer.references[qualifier] = value
            if qualifier == "2U":
                self.txn.payer.payer_id = self.txn.payer_id = value
        elif self.entity == "PE":
            self.txn.payee.references[qualifier] = value
            if qualifier == "TJ":
                self.txn.payee.tax_id = self.txn.payee_tax_id = value

    def amt(self, seg: Segment) -> None:
        e = [seg.id, *seg.elements, *_PAD]
        qualifier = e[1]
        value = self.amount(e[2], seg, 2)
        if value is None:
            return
        if self.service is not None:
            self.service.amounts[qualifier] = value
            if qualifier == "B6":
                self.service.__dict__["allowed"] = value
        elif self.claim is not None:
            self.claim.amounts[qualifier] = value
            if qualifier == "I":
                self.claim.__dict__["interest"] = value

    def nm1(self, seg: Segment) -> None:
        e = [seg.id, *seg.elements, *_PAD]
        claim = self.claim
        if claim is None:
            return
        code = e[1]
        # Plain dict writes: the values are typed strings and pydantic's __setattr__ (no
        # assignment validation here) only adds cost on files with tens of thousands of claims.
        fields = claim.__dict__
        if code == "QC":
            fields["patient_last_name"], fields["patient_first_name"] = e[3], e[4]
            fields["member_id"] = e[9]
        elif code == "IL":
            fields["insured_last_name"], fields["insured_first_name"] = e[3], e[4]
            fields["insured_id"] = e[9]
        elif code == "74":
            fields["corrected_last_name"], fields["corrected_first_name"] = e[3], e[4]
        elif code == "82" and e[8] == "XX":
            fields["rendering_npi"] = e[9]
        elif code == "TT":
            fields["crossover_carrier"] = e[3]
        elif code == "PR":
            fields["corrected_payer"] = e[3]

    def moa(self, seg: Segment) -> None:
        if self.claim is None:
            self.warn(f"{seg.where}: {seg.id} outside a claim; ignored")
            return
        if seg.id == "MOA":
            self.claim.moa = list(seg.elements)
            remarks = seg.elements[2:7]
        else:
            self.claim.mia = list(seg.elements)
            remarks = [seg[5], seg[20], seg[21], seg[22], seg[23]]
        self.claim.remark_codes.extend(r for r in remarks if r)

    def plb(self, seg: Segment) -> None:
        provider, period = seg[1], self.date(seg[2], seg, 2) if seg[2] else None
        for n in range(3, 15, 2):
            if not seg[n] and not seg[n + 1]:
                continue
            reason = seg.component(n, 1)
            amount = self.amount(seg[n + 1], seg, n + 1)
            if amount is None:
                self.warn(
                    f"{seg.where}: PLB{n + 1:02d} amount for {reason!r} is missing; read as 0"
                )
            self.txn.provider_adjustments.append(
                ProviderAdjustment(
                    reason=reason,
                    reference=seg.component(n, 2),
                    amount=amount or ZERO,
                    provider_id=provider,
                    fiscal_period_end=period,
                )
            )

    def finish(self) -> Transaction835:
        """The transaction, its TS3 claim counts filled in (envelope problems, a missing SE
        included, are the audit's: see :func:`read_remittances`)."""
        # Counted once: some payers send one LX per claim, so a per-header scan is quadratic.
        counts = Counter(c.header_number for c in self.txn.claims if isinstance(c, Loop2100))
        for header in self.txn.header_numbers:
            if header.claim_count == 0:
                header.claim_count = counts.get(header.number, 0)
        return self.txn


def read_remittances(source: X12Input, name: str = "") -> Iterator[Transaction835]:
    """Stream the 835 transaction sets of ``source`` (a path, X12 text, bytes or a binary file;
    see :func:`~addin.x12.segments.x12_source` for how a ``str`` is told apart).

    Every transaction set is accounted for: one of another kind (an 837 sent in the same
    file, a 999) is not read, and a warning on the 835 before it (or, at the start of the
    file, the one after it) names it and says what to do with it. Envelope problems (a
    missing SE, GE or IEA, wrong counts or control numbers, data after the IEA; see
    :mod:`addin.x12.audit`) are warnings on the transaction they concern, or on the last one
    read before them: each transaction is held until the next 835 starts or the file ends,
    so memory stays bounded by two transaction sets. A file with no 835 at all raises
    :class:`X12Error` saying what it is.
    """
    source = x12_source(source)
    label = source_name(source, name)
    prefix = f"{label}: " if label else ""
    reader = read_segments(source, label)
    audit = EnvelopeAudit()
    routed = 0
    notes = 0  # the tokenizer's warnings passed on so far
    isa: Segment | None = None
    gs: Segment | None = None
    parser: _Parser | None = None
    ready: Transaction835 | None = None  # finished, held until the next 835 or the end
    others: list[tuple[str, str]] = []  # (what it is, what to do with it)
    pending: list[str] = []  # for the first 835, when something comes before it
    found = 0

    def route(target: list[str], starting: Segment | None = None) -> list[str]:
        """Problems not yet routed go to ``target``; those about ``starting`` are returned."""
        nonlocal routed, notes
        own: list[str] = []
        if len(reader.warnings) > notes:
            target.extend(reader.warnings[notes:])
            notes = len(reader.warnings)
        for problem in audit.problems[routed:]:
            text = f"{prefix}{problem}"
            (own if starting is not None and problem.where == starting.where else target).append(
                text
            )
        routed = len(audit.problems)
        return own

    for seg in reader:
        sid = seg.id
        audit.feed(sid, seg.elements, seg.where)
        if sid == "ST":
            before = parser.warnings if parser else ready.warnings if ready else pending
            own = route(before, seg)
            if parser is not None:
                ready = parser.finish()
                found += 1
                parser = None
            if seg[1] == "835":
                if ready is not None:
                    yield ready
                    ready = None
                parser = _Parser(label, seg, isa, gs)
                parser.warnings[:0] = [*pending, *own]
                pending = []
            else:
                version = seg[3] or (gs[8] if gs else "")
                what = describe(seg[1], version)
                todo = advice(seg[1], version)
                others.append((what, todo))
                note = (
                    f"{prefix}{seg.where}: {article(what)} {what} transaction set "
                    f"{seg[2]!r} is in this file; it is not an 835, so it was not read "
                    f"({todo})"
                )
                (ready.warnings if ready is not None else pending).extend([note, *own])
        elif parser is not None:
            if sid == "SE":
                route(parser.warnings)
                ready = parser.finish()
                found += 1
                parser = None
            else:
                parser.feed(seg)
        else:
            if sid == "ISA":
                isa, gs = seg, None
            elif sid == "GS":
                gs = seg
            route(ready.warnings if ready is not None else pending)
    audit.finish()
    if parser is not None:
        route(parser.warnings)
        ready = parser.finish()
        found += 1
    elif ready is not None:
        route(ready.warnings)
    if ready is not None:
        ready.warnings.extend(pending)
        yield ready
    if found == 0:
        if others:
            kinds = ", ".join(dict.fromkeys(what for what, _ in others))
            todo = others[0][1]
            raise X12Error(
                f"{prefix}this is {article(kinds)} {kinds} file, not an 835 remittance: "
                f"{todo}. For remittances, give the 835 (ERA) file your payer or "
                "clearinghouse sent"
            )
        raise X12Error(f"{prefix}no transaction set (ST) found; this is not an 835 remittance")


def read_remittance(path: X12Input) -> Remittance | list[Remittance]:
    """Read an 835 file: its one transaction set, or a list when it holds several.

    Each item is a :class:`Transaction835` (a ``Remittance``); use
    :func:`read_remittances` to stream large files one transaction at a time.
    """
    items: list[Remittance] = list(read_remittances(path))
    return items[0] if len(items) == 1 else items
