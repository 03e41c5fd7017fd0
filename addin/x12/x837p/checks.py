"""Checks on an 837P: envelope, every element against the guide's table, and what pyx12 does
not check (balancing, HL tree, NPIs, ZIP+4, pointers, ICD-9/10 qualifiers by date).

Each problem is a Finding (rule ``X12-...``) whose message names the claim and the segment,
so the same checks serve files we write and files a user brings.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from operator import attrgetter

from addin.models import Claim, Finding
from addin.x12.audit import ENVELOPE, EnvelopeAudit, EnvelopeProblem
from addin.x12.x837p.elements import ElementProblem, element_problems
from addin.x12.x837p.loops import (
    Interchange,
    Loop,
    Loop2000A,
    Loop2000B,
    Loop2000C,
    Loop2010AA,
    Loop2300,
    Loop2400,
    Transaction837P,
)
from addin.x12.x837p.reader import Document837P
from addin.x12.x837p.segs import DTP, HL, NM1, SV1, Seg, every, first
from addin.x12.x837p.sources import source_cell

ICD10_START_D8 = "20151001"  # first date of service coded in ICD-10-CM
ICD10_QUALIFIERS = {"ABK", "ABF", "ABJ", "ABN"}
ICD9_QUALIFIERS = {"BK", "BF", "BJ", "BN"}


@lru_cache(maxsize=4096)
def npi_valid(npi: str) -> bool:
    """NPI check digit: Luhn over the 10 digits prefixed with 80840 (the card-issuer prefix)."""
    if len(npi) != 10 or not npi.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed("80840" + npi)):
        digit = int(ch)
        if i % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


class _Context:
    """Findings for one transaction, with segment positions for messages."""

    def __init__(self, txn: Transaction837P, component: str, first: int = 1) -> None:
        self.txn = txn
        self.first = first
        self.component = component
        self._position: dict[int, int] | None = None
        st = txn.segments[0]
        self.st = f"ST {st[2]}" if st.seg_id == "ST" else "transaction"
        self.findings: list[Finding] = []

    def where(self, seg: Seg) -> str:
        """``CLM, segment 21``: counted in the file when the transaction's first segment
        number is known (as the readers and the element checks count), else from its ST."""
        if self._position is None:  # only when something is wrong: clean files skip this
            self._position = {id(s): n for n, s in enumerate(self.txn.walk(), self.first)}
        n = self._position.get(id(seg), "?")
        return f"{seg.seg_id}, segment {n}" + ("" if self.first > 1 else f" of {self.st}")

    def add(
        self, rule: str, claim: str | None, seg: Seg, message: str, fix: str, value: str = ""
    ) -> None:
        who = f"claim {claim}" if claim else self.st
        self.findings.append(
            Finding(
                rule=rule,
                severity="error",
                message=f"{who}: {message} ({self.where(seg)})",
                value=value or None,
                fix=fix,
                encounter_id=claim,
            )
        )


class Tally(_Context):
    """A context that only counts the problems found: the streaming writer checks with it,
    and any problem sends the file to the whole-file checks, whose findings say where."""

    def __init__(self, component: str) -> None:  # no transaction to hold
        self.component = component
        self.count = 0
        self.findings = []

    def add(
        self, rule: str, claim: str | None, seg: Seg, message: str, fix: str, value: str = ""
    ) -> None:
        self.count += 1


def _amount(text: str) -> Decimal | None:
    known = _AMOUNTS.get(text, _UNKNOWN)
    if known is not _UNKNOWN:
        return known  # type: ignore[return-value]
    try:
        value: Decimal | None = Decimal(text)
    except InvalidOperation:
        value = None
    if len(_AMOUNTS) < 4096:  # charges repeat claim after claim
        _AMOUNTS[text] = value
    return value


_AMOUNTS: dict[str, Decimal | None] = {}
_UNKNOWN = object()


def _service(segments: list[Seg]) -> SV1 | None:
    """A line's SV1: the second segment, after the LX that opens the line, as written."""
    if len(segments) > 1 and type(segments[1]) is SV1 and type(segments[0]) is not SV1:
        return segments[1]
    return first(segments, SV1)


#: What :func:`check_claim` reads from one service line: its SV1, the charge (0 when it
#: is not a number), its DTP*472 dates as CCYYMMDD text and the highest diagnosis pointer
#: (``_BAD_POINTER`` when one is not a whole number from 1 up).
LineFacts = tuple[SV1 | None, Decimal, list[str], int]
#: Line facts by the loop's id, the loop kept alive beside them: a line shared by many
#: claims (the streaming writer's) is read once.
FactsMemo = dict[int, tuple[Loop2400, LineFacts]]
_BAD_POINTER = 1 << 30


def _line_facts(segments: list[Seg], comp: str) -> LineFacts:
    sv1 = _service(segments)
    dates = [
        d
        for seg in segments
        if type(seg) is DTP and seg.qualifier == "472"
        for d in (seg.value[:8],)
        if len(d) == 8 and d.isdigit()
    ]
    if sv1 is None:
        return None, Decimal(0), dates, 0
    top = 0
    for pointer in sv1.pointers.split(comp):
        if not pointer:
            continue
        ok = pointer.isdigit() and int(pointer) >= 1
        top = max(top, int(pointer)) if ok else _BAD_POINTER
    return sv1, _amount(sv1.charge) or Decimal(0), dates, top


def _iso(d8: str) -> str:
    return f"{d8[:4]}-{d8[4:6]}-{d8[6:]}"


def check_claim(ctx: _Context, claim: Loop2300, memo: FactsMemo | None = None) -> None:
    """A claim's total, frequency and REF*F8, diagnosis qualifiers by date, pointers (with
    ``memo``, each shared line's facts are read once)."""
    clm = claim.clm
    if clm is None:
        return
    cid = clm.claim_id
    comp = ctx.component
    total = _amount(clm.total)
    facts: list[LineFacts] = []
    for line in claim.lines:
        if memo is None:
            facts.append(_line_facts(line.segments, comp))
            continue
        known = memo.get(id(line))
        if known is None or known[0] is not line:
            known = (line, _line_facts(line.segments, comp))
            if len(memo) < 65536:
                memo[id(line)] = known
        facts.append(known[1])
    line_sum = Decimal(0)
    for fact in facts:
        line_sum += fact[1]
    if total is None or total != line_sum:
        ctx.add(
            "X12-CLM02-SUM",
            cid,
            clm,
            f"CLM02 {clm.total} != sum of SV102 {line_sum} over {len(claim.lines)} lines",
            "make the claim total the sum of its line charges",
            clm.total,
        )
    facility = clm.facility.split(comp)
    frequency = facility[2] if len(facility) > 2 else ""
    if frequency in ("7", "8") and "F8" not in claim.refs():
        ctx.add(
            "X12-F8",
            cid,
            clm,
            f"CLM05-3 frequency {frequency} without REF*F8 (the payer's claim number of the "
            "claim it replaces or voids)",
            "add the payer claim control number from the 835 (CLP07)",
            frequency,
        )
    entries: list[str] = []
    his = claim.his
    for hi in his:
        entries.extend(e for e in hi.elements() if e)
    qualifiers = {e.split(comp)[0] for e in entries}
    if his and qualifiers & (ICD9_QUALIFIERS | ICD10_QUALIFIERS):
        dates = [d for fact in facts for d in fact[2]]
        for dtp in every(claim.segments, DTP):
            if dtp.qualifier == "472":
                d = dtp.value[:8]
                if len(d) == 8 and d.isdigit():
                    dates.append(d)
        late = [d for d in dates if d >= ICD10_START_D8]
        early = [d for d in dates if d < ICD10_START_D8]
        if qualifiers & ICD9_QUALIFIERS and late:
            ctx.add(
                "X12-ICD9-QUALIFIER",
                cid,
                his[0],
                f"ICD-9 qualifier {'/'.join(sorted(qualifiers & ICD9_QUALIFIERS))} on a date "
                f"of service {_iso(max(late))} (on or after 2015-10-01 only ICD-10 ABK/ABF "
                "are valid)",
                "code the diagnoses in ICD-10-CM and send them as ABK/ABF",
                _iso(max(late)),
            )
        if qualifiers & ICD10_QUALIFIERS and early:
            ctx.add(
                "X12-ICD10-EARLY",
                cid,
                his[0],
                f"ICD-10 qualifier on a date of service {_iso(min(early))} (before "
                "2015-10-01 diagnoses are ICD-9-CM, BK/BF)",
                "check the date of service",
                _iso(min(early)),
            )
    count = len(entries)
    for sv1, _charge, _dates, top in facts:
        if sv1 is None or top <= count:
            continue  # every pointer of the line refers to an HI entry
        for pointer in sv1.pointers.split(comp):
            if pointer and not (pointer.isdigit() and 1 <= int(pointer) <= count):
                ctx.add(
                    "X12-POINTER",
                    cid,
                    sv1,
                    f"SV107 pointer {pointer} refers to no HI entry (the claim has "
                    f"{count} diagnoses)",
                    "point each line at diagnoses 1-12 that the claim lists",
                    pointer,
                )


def _check_npis(ctx: _Context) -> None:
    check_npis(ctx, ctx.txn, None)


def check_npis(ctx: _Context, loop: Loop, claim_id: str | None) -> None:
    """The NPI check digit of every NM1 in ``loop`` and below."""
    # Every NM1 opens its loop in the 837P, so visiting loops (not all segments) finds them.
    kind = type(loop)  # no loop or segment class has subclasses: no isinstance per loop
    if kind is Loop2300:
        claim_id = loop.claim_id  # type: ignore[attr-defined]
    segments = loop.segments
    head = segments[0] if segments else None
    if type(head) is NM1 and head.id_qualifier == "XX" and not npi_valid(head.id):
        ctx.add(
            "X12-NPI",
            claim_id,
            head,
            f"NM1*{head.entity} NPI {head.id!r} fails the check digit (Luhn with prefix 80840)",
            "copy the NPI again from NPPES; one digit is wrong",
            head.id,
        )
    for sub in loop.loops:
        check_npis(ctx, sub, claim_id)
    if kind is Loop2300:
        for line in loop.lines:  # type: ignore[attr-defined] # only a line's sub-loops hold NM1s
            for sub in line.loops:
                check_npis(ctx, sub, claim_id)
    else:
        for child in loop.children():
            check_npis(ctx, child, claim_id)


def _levels(txn: Transaction837P) -> Iterator[tuple[Loop2000A | Loop2000B | Loop2000C, bool]]:
    for a in txn.billing:
        yield a, bool(a.subscribers)
        for b in a.subscribers:
            yield b, bool(b.patients)
            for c in b.patients:
                yield c, False


def _check_hl(ctx: _Context) -> None:
    state = HLState()
    for loop, has_children in _levels(ctx.txn):
        check_hl(ctx, state, loop, has_children)


_HL_PARENTS = {"20": "", "22": "20", "23": "22"}


class HLState:
    """The HL numbers seen so far in a transaction, for :func:`check_hl`."""

    __slots__ = ("expected", "seen")

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}
        self.expected = 1


def check_hl(
    ctx: _Context, state: HLState, loop: Loop2000A | Loop2000B | Loop2000C, has_children: bool
) -> None:
    """One hierarchical level's HL, the levels before it in ``state``."""
    seen = state.seen
    expected = state.expected
    hl = first(loop.segments, HL)
    if hl is None:
        return
    if hl.id != str(expected):
        ctx.add(
            "X12-HL",
            None,
            hl,
            f"HL01 is {hl.id!r}; expected {expected} (HL numbers run 1, 2, 3 in order)",
            "renumber the HL segments",
            hl.id,
        )
    state.expected = expected + 1
    want = _HL_PARENTS.get(hl.level, "")
    got = seen.get(hl.parent, "") if hl.parent else ""
    if want != got:
        ctx.add(
            "X12-HL",
            None,
            hl,
            f"HL {hl.id} (level {hl.level}) has parent {hl.parent or 'none'}; its parent "
            f"must be a level {want or 'none'} HL",
            "point HL02 at the HL above it",
            hl.parent,
        )
    flag = "1" if has_children else "0"
    if hl.child != flag:
        ctx.add(
            "X12-HL",
            None,
            hl,
            f"HL {hl.id} HL04 is {hl.child!r} but it has {'' if has_children else 'no '}"
            f"child levels (should be {flag})",
            "set HL04 to 1 when child HL segments follow, else 0",
            hl.child,
        )
    seen[hl.id] = hl.level


def _check_relationships(ctx: _Context) -> None:
    for a in ctx.txn.billing:
        zip_check(ctx, a)
        for b in a.subscribers:
            check_subscriber(ctx, b)


def check_subscriber(ctx: _Context, b: Loop2000B) -> None:
    """SBR02 and PAT01 against where the claims of a subscriber level sit."""
    sbr = b.sbr
    if sbr is None:
        return
    name = (
        b.claims[0].claim_id
        if b.claims
        else (b.patients[0].claims[0].claim_id if b.patients and b.patients[0].claims else None)
    )
    if b.claims and sbr.relationship != "18":
        ctx.add(
            "X12-RELATIONSHIP",
            name,
            sbr,
            f"SBR02 is {sbr.relationship!r} but claims sit under the subscriber "
            "(2000B), which means the patient is the subscriber: SBR02 must be 18",
            "use SBR02 18 for the subscriber's own claims",
            sbr.relationship,
        )
    if b.patients and sbr.relationship == "18" and not b.claims:
        ctx.add(
            "X12-RELATIONSHIP",
            name,
            sbr,
            "SBR02 is 18 (patient is the subscriber) but the claims sit under a "
            "patient level (2000C)",
            "leave SBR02 empty when the patient is a dependent",
            "18",
        )
    for c in b.patients:
        pat = c.pat
        if pat is not None and pat.relationship in ("", "18"):
            ctx.add(
                "X12-RELATIONSHIP",
                c.claims[0].claim_id if c.claims else None,
                pat,
                f"PAT01 is {pat.relationship!r}: a 2000C patient level needs the "
                "relationship to the subscriber (01 spouse, 19 child, G8 other...)",
                "set the relationship on the Encounters sheet",
                pat.relationship,
            )


def zip_check(ctx: _Context, level: Loop2000A) -> None:
    """The billing provider's ZIP must be ZIP+4 (9 digits) in 005010."""
    name = level.sub(Loop2010AA)
    n4 = name.n4 if name else None
    if n4 is not None and not (len(n4.zip) == 9 and n4.zip.isdigit()):
        ids = [c.claim_id for b in level.subscribers for c in b.claims] + [
            c.claim_id for b in level.subscribers for p in b.patients for c in p.claims
        ]
        shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
        ctx.add(
            "X12-BILLING-ZIP",
            ids[0] if len(ids) == 1 else None,
            n4,
            f"billing provider ZIP {n4.zip!r} must be 9 digits (ZIP+4) in 5010; it is sent "
            f"on claim{'s' if len(ids) != 1 else ''} {shown or 'none'}",
            "enter the ZIP+4 on the Settings sheet (Billing ZIP), e.g. 62701-1234",
            n4.zip,
        )


def _check_claims_present(ctx: _Context) -> None:
    """A transaction set with no claim is a header sent by mistake, not a clean file."""
    if next(ctx.txn.claims(), None) is None:
        st = ctx.txn.segments[0]
        ctx.add(
            "X12-NO-CLAIMS",
            None,
            st,
            "holds no claim (no CLM segment under a subscriber or patient level): a payer "
            "receives nothing to pay",
            "build the file again from encounters that have claims, or do not send it",
        )


def check_transaction(txn: Transaction837P, component: str = ":", first: int = 1) -> list[Finding]:
    """Every check on one ST..SE; ``first`` is its ST's segment number in the file."""
    ctx = _Context(txn, component, first)
    _check_claims_present(ctx)
    _check_hl(ctx)
    _check_relationships(ctx)
    _check_npis(ctx)
    for _sub, _pat, claim in txn.claims():
        check_claim(ctx, claim)
    return ctx.findings


def check_envelope(interchange: Interchange, first: int = 1) -> list[Finding]:
    """The envelope checks of :mod:`addin.x12.audit` (ISA/IEA, GS/GE, ST/SE presence, counts,
    control numbers) over an interchange as read or built; ``first`` numbers its ISA."""
    return _envelope_findings(list(interchange.walk()), first)


def _envelope_findings(segments: Sequence[Seg], first: int) -> list[Finding]:
    # Only the envelope segments (and any segment outside a transaction set) are fed one by
    # one; a run of other segments inside a transaction set is counted in one call.
    audit = EnvelopeAudit()
    ids = list(map(_SEG_ID, segments))
    marks = [i for i, sid in enumerate(ids) if sid in ENVELOPE]
    done = 0
    for i in [*marks, len(segments)]:
        if i > done and not audit.inside_many(i - done):
            for n in range(done, i):
                seg = segments[n]
                audit.feed(ids[n], seg.elements(), f"segment {n + first} ({ids[n]})")
        if i < len(segments):
            seg = segments[i]
            audit.feed(ids[i], seg.elements(), f"segment {i + first} ({ids[i]})")
        done = i + 1
    return [_envelope_finding(p) for p in audit.finish()]


_SEG_ID = attrgetter("seg_id")


def _envelope_finding(problem: EnvelopeProblem) -> Finding:
    return Finding(
        rule=problem.rule,
        severity="error",
        message=str(problem),
        value=problem.value or None,
        fix=ENVELOPE_FIXES.get(problem.rule, ENVELOPE_FIXES["X12-ENVELOPE"]),
    )


#: What to do about each envelope rule (the message says what is wrong).
ENVELOPE_FIXES: dict[str, str] = {
    "X12-SE": "ask the sender for the whole file; a transaction set must end with its SE",
    "X12-SE01": "let the writer count the segments; do not edit the file by hand",
    "X12-SE02": "the trailer must repeat the transaction control number (ST02)",
    "X12-ST02": "give each transaction set of a group its own control number",
    "X12-GE": "the group trailer must count the group's transaction sets and repeat GS06",
    "X12-GS06": "give each functional group of an interchange its own control number",
    "X12-IEA": "the interchange trailer must count its groups and repeat ISA13",
    "X12-ENVELOPE": "ask the sender for the file as their system wrote it",
}


def element_findings(
    interchange: Interchange, first: int = 1, claims: Mapping[str, Claim] | None = None
) -> list[Finding]:
    """The element table's checks (:mod:`addin.x12.x837p.elements`) as findings naming the
    claim, the element, its loop and the segment's position in the file.

    With ``claims`` (the Claims the interchange was built from, by claim ID) a problem with a
    value Claimbook wrote from the workbook is a finding on that cell, one per encounter
    (a subscriber's name sent once for several claims is a finding on each)."""
    problems = element_problems(interchange)
    if not problems:
        return []
    position = {id(seg): n for n, seg in enumerate(interchange.walk(), first)}
    findings: list[Finding] = []
    for p in problems:
        line = f", line {p.line}" if p.line else ""
        where = f"{p.seg.seg_id} in loop {p.element.loop}{line}, segment {position[id(p.seg)]}"
        qualifier = p.seg.elements()[0] if p.seg.seg_id == "REF" else ""
        fix = element_fix(p)
        targets: list[Claim | None] = [
            claims.get(c.claim_id) if claims is not None else None for c in p.claims
        ] or [None]
        for loop, model in zip(p.claims or (None,), targets, strict=True):
            claim_id = loop.claim_id if loop is not None else None
            cell = (
                source_cell(
                    p.element.loop,
                    p.element.ref,
                    model,
                    p.line,
                    self_subscriber=p.self_subscriber,
                    qualifier=qualifier,
                )
                if claims is not None
                else None
            )
            sheet, column, row = cell if cell else (None, None, None)
            who = f"claim {claim_id}: " if claim_id else ""
            what = f"{column}: " if column else ""
            findings.append(
                Finding(
                    rule=p.rule,
                    severity="error",
                    message=f"{who}{what}{p.message} ({where})",
                    sheet=sheet,
                    row=row,
                    column=column,
                    value=p.value or None,
                    fix=fix,
                    encounter_id=model.encounter_id if model is not None else claim_id,
                )
            )
    return findings


#: What to do about each element rule (the message says what is wrong and what is allowed).
ELEMENT_FIXES: dict[str, str] = {
    "X12-LENGTH": "shorten or complete the value where it was typed",
    "X12-CHARACTERS": "type it with letters A-Z, digits and the punctuation X12 allows",
    "X12-CODE": "use one of the codes the message lists",
    "X12-VALUE": "check the amount or units where they were typed",
    "X12-FORMAT": "the value is damaged; correct it where it was typed",
    "X12-REQUIRED": "fill in the value the guide requires",
    "X12-NOT-USED": "leave the element empty: the sending system filled one the guide does not use",
}
#: Advice for particular elements, where the general fix would not say enough.
ELEMENT_ADVICE: dict[str, str] = {
    "DMG03": "005010X222A1 allows F (female), M (male) or U (unknown) only: it has no code for "
    "X or another gender. Send the sex the payer has on file for the member (the card or the "
    "eligibility response), and U only when it is not known",
    "N402": "use the two-letter USPS code of the state (or the Canada Post code of a province)",
    "N401": "use the city name as the post office writes it; 30 characters at most "
    "(abbreviate as USPS does: FORT -> FT, SAINT -> ST)",
    "SV104": "units are at most 8 digits with up to 3 decimals, and more than zero; check the "
    "Units cell (a date or an amount typed there?)",
    "SV102": "a line charge is at most 99,999,999.99 and not negative; check the Charge cell",
    "CLM02": "a claim total is at most 99,999,999.99: check the Charge cells of its lines",
}


def element_fix(problem: ElementProblem) -> str:
    """The fix for an element problem: the element's own advice, else the rule's."""
    ref = problem.element.ref
    if problem.rule in ("X12-CODE", "X12-VALUE", "X12-LENGTH") and ref in ELEMENT_ADVICE:
        return ELEMENT_ADVICE[ref]
    if problem.rule == "X12-LENGTH" and len(problem.value) > problem.element.max:
        return f"shorten it to {problem.element.max} characters where it was typed"
    return ELEMENT_FIXES[problem.rule]


def check_interchange(
    interchange: Interchange, first: int = 1, claims: Mapping[str, Claim] | None = None
) -> list[Finding]:
    """Checks on every transaction plus the envelope (counts, control numbers, trailers)
    and every element against the guide's table (on workbook cells, given ``claims``)."""
    # one walk gives the envelope its segments and each transaction its first position
    segments: list[Seg] = [interchange.isa]
    starts: list[int] = []
    for group in interchange.groups:
        segments.append(group.gs)
        for txn in group.transactions:
            starts.append(len(segments) + first)
            txn.collect(segments)
        if group.ge is not None:
            segments.append(group.ge)
    if interchange.iea is not None:
        segments.append(interchange.iea)
    findings = _envelope_findings(segments, first)
    del segments
    findings.extend(element_findings(interchange, first, claims))
    comp = interchange.delimiters.component
    for txn, at in zip(interchange.transactions(), starts, strict=True):
        findings.extend(check_transaction(txn, comp, at))
    return findings


def check_837p(
    document: Document837P | Interchange, claims: Mapping[str, Claim] | None = None
) -> list[Finding]:
    """All checks on a document read by :func:`read_837p` or built by the writer; with the
    ``claims`` it was built from (by claim ID), element problems are findings on the
    workbook cells the values came from."""
    if isinstance(document, Interchange):
        return check_interchange(document, 1, claims)
    findings: list[Finding] = []
    first = 1
    for ic in document.interchanges:
        findings.extend(check_interchange(ic, first))
        first += sum(1 for _ in ic.walk())
    findings.extend(_envelope_finding(p) for p in document.stray)
    return findings


__all__ = [
    "check_837p",
    "check_envelope",
    "check_interchange",
    "check_transaction",
    "element_findings",
    "npi_valid",
]
