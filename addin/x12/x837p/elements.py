"""The 005010X222A1 element table and the checks it drives, for every element of an 837P.

``elements.tsv`` holds, for each loop, segment and element of the guide, the X12 dictionary's
data element number, type and length and the guide's usage and code values (built from
pyx12's map of the guide by ``tests/x12/guide_elements.py``, and held equal to it by a
test). :data:`LIMITS` adds the guide's notes on values that the lengths do not say. From
both, :func:`element_problems` finds what pyx12 (or a clearinghouse) would reject in an
interchange: a value too long or too short, a character outside the X12 extended set, a
code the guide does not list (a patient sex other than F, M or U; a state that is not a
USPS code), an amount of more than ten digits, units of more than eight digits or three
decimals, a required element left empty, an element the guide does not use.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from addin.coding.rules.tables import STATES, places_of_service
from addin.errors import CodeSetError
from addin.x12.x837p.loops import Interchange, Loop, Loop2000B, Loop2000C, Loop2300, Loop2400
from addin.x12.x837p.segs import VALUE_GETTERS, RawSegment, Seg, values_of

GUIDE = "005010X222A1"
TABLE = Path(__file__).with_name("elements.tsv")
#: The X12 basic and extended character sets as 5010 defines them (pyx12's "E5" set).
_BAD_CHARACTER = re.compile(r"""[^A-Z0-9!"&'()*+,\-./:;?= a-z%~@\[\]_{}\\|<>^`#$]""")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DECIMAL = re.compile(r"-?[0-9]*(\.[0-9]+)?")
_INTEGER = re.compile(r"-?[0-9]+")
#: Canadian provinces and the freely associated states: code source 22 ("States and
#: Provinces") lists them with the USPS codes the scrubber uses.
PROVINCES = frozenset("AB BC MB NB NL NS NT NU ON PE QC SK YT FM MH PW".split())


@dataclass(frozen=True, slots=True)
class Limit:
    """A limit the guide puts on a value beyond its length (see :data:`LIMITS`)."""

    digits: int | None = None  # digits before the decimal point, at most
    total: int | None = None  # digits in all, at most
    decimals: int | None = None  # digits after the decimal point, at most
    minimum: Decimal | None = None  # the value is at least this
    positive: bool = False  # the value is more than zero
    source: str = ""


#: The guide's notes on values, by element (``SV104``) or by data element (``782``).
LIMITS: dict[str, Limit] = {
    # TR3 appendix B.1.1.3.1.2 (as X12 RFI 2204 quotes it): monetary amounts (data element
    # 782) are at most 10 characters including the cents, i.e. up to 99,999,999.99.
    "782": Limit(digits=8, decimals=2, source="the guide limits amounts to 10 digits with cents"),
    # The guide's note on SV104: at most 8 digits not counting the decimal point, and at most
    # three of them after it.
    "SV104": Limit(
        total=8, decimals=3, positive=True, source="the guide's SV104 note: 8 digits, 3 decimals"
    ),
    # A charge is what the provider bills: never below zero (CLM02 is the sum of the SV102s).
    "CLM02": Limit(minimum=Decimal(0), source="a charge cannot be negative"),
    "SV102": Limit(minimum=Decimal(0), source="a charge cannot be negative"),
}


@dataclass(frozen=True, slots=True, eq=False)  # one object per table row: identity is enough
class Element:
    """One row of ``elements.tsv``: where the element sits and what the guide allows."""

    loop: str
    segment: str
    ref: str  # NM103, SV101-2
    number: str  # X12 data element number
    type: str  # AN, ID, R, N0, DT, TM
    min: int
    max: int
    usage: str  # R, S or N (a component: when its composite is sent)
    composite: str  # a component: the composite's own usage; "" for a simple element
    codes: str  # "" any value, "@states" / "@pos" an external list, else space-separated
    position: int  # the element (1-based) in the segment
    component: int  # the component (1-based) in a composite, 0 for a simple element

    @property
    def limits(self) -> tuple[Limit, ...]:
        """The guide's value notes for this element: its data element's, then its own."""
        return tuple(x for x in (LIMITS.get(self.number), LIMITS.get(self.ref)) if x)


@functools.cache
def table() -> dict[tuple[str, str], tuple[Element, ...]]:
    """(loop, segment id) -> its elements in order, read once from ``elements.tsv``."""
    try:
        lines = TABLE.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CodeSetError(
            f"{TABLE}: cannot read the 837P element table ({exc}); reinstall"
        ) from None
    out: dict[tuple[str, str], list[Element]] = {}
    for line in lines[1:]:
        loop, seg, ref, number, kind, low, high, usage, composite, codes = line.split("\t")
        head, _, comp = ref.partition("-")
        element = Element(
            loop, seg, ref, number, kind, int(low), int(high), usage, composite, codes,
            int(head[len(seg):]), int(comp or 0),
        )  # fmt: skip
        out.setdefault((loop, seg), []).append(element)
    return {key: tuple(value) for key, value in out.items()}


@functools.cache
def code_list(codes: str) -> frozenset[str]:
    """The values an element's ``codes`` column allows (an external list by name)."""
    if codes == "@states":
        return STATES | PROVINCES
    if codes == "@pos":
        return frozenset(places_of_service())
    return frozenset(codes.split())


def _shown(codes: frozenset[str]) -> str:
    ordered = sorted(codes)
    return ", ".join(ordered) if len(ordered) <= 12 else ", ".join(ordered[:12]) + ", ..."


def _digits(value: str) -> tuple[int, int]:
    """(digits before the point, digits after it) of a decimal as X12 writes it."""
    whole, _, fraction = value.lstrip("-").partition(".")
    return len(whole.lstrip("0")) if whole.strip("0") else 0, len(fraction)


def value_problem(element: Element, value: str) -> tuple[str, str] | None:
    """(rule, message) for what is wrong with a non-empty ``value`` of ``element``, or None.
    One problem: the first a receiver would hit."""
    ref, kind = element.ref, element.type
    shown = value if len(value) <= 40 else value[:37] + "..."
    if _CONTROL.search(value):
        return "X12-CHARACTERS", f"{ref} {shown!r} holds a control character (line break, tab)"
    if kind in ("R", "N0", "N"):
        pattern = _DECIMAL if kind == "R" else _INTEGER
        if not pattern.fullmatch(value):
            what = "a decimal number" if kind == "R" else "a whole number"
            return (
                "X12-FORMAT",
                f"{ref} {shown!r} is not {what} as X12 writes it (digits, '-', '.')",
            )
        size = len(value.replace("-", "").replace(".", ""))
        noun = "digits"
    else:
        bad = sorted(set(_BAD_CHARACTER.findall(value)))
        if bad:
            return "X12-CHARACTERS", (
                f"{ref} {shown!r} has characters outside the X12 character set "
                f"({''.join(bad)!r}); X12 allows A-Z, a-z, 0-9, space and ! \" & ' ( ) * + , "
                "- . / : ; ? = % @ [ ] _ { } \\ | < > # $"
            )
        size = len(value)
        noun = "characters"
    if kind == "R" and size <= 18:
        # the guide's notes (amounts to 10 digits, units to 8) are tighter than the lengths
        for limit in element.limits:
            found = _limit_problem(ref, value, shown, limit)
            if found is not None:
                return "X12-VALUE", found
    if size > element.max or size < element.min:
        allowed = (
            f"exactly {element.min}"
            if element.min == element.max
            else f"{element.min} to {element.max}"
        )
        return "X12-LENGTH", f"{ref} {shown!r} is {size} {noun}; {GUIDE} allows {allowed}"
    if kind in ("AN", "ID") and value.endswith(" ") and len(value.rstrip()) >= element.min:
        return "X12-CHARACTERS", f"{ref} {shown!r} ends with spaces, which receivers reject"
    if kind == "DT" and not _valid_date(value):
        return "X12-FORMAT", f"{ref} {shown!r} is not a date (CCYYMMDD)"
    if kind == "TM" and not _valid_time(value):
        return "X12-FORMAT", f"{ref} {shown!r} is not a time (HHMM)"
    if element.codes:
        allowed_codes = code_list(element.codes)
        if value not in allowed_codes:
            return "X12-CODE", (
                f"{ref} {shown!r} is not a code {GUIDE} allows in loop {element.loop}: "
                f"{_shown(allowed_codes)}"
            )
    if kind == "R":
        for limit in element.limits:
            found = _limit_problem(ref, value, shown, limit)
            if found is not None:
                return "X12-VALUE", found
    return None


def _limit_problem(ref: str, value: str, shown: str, limit: Limit) -> str | None:
    whole, fraction = _digits(value)
    if limit.digits is not None and whole > limit.digits:
        return f"{ref} {shown!r} has {whole} digits before the decimal point; {limit.source}"
    if limit.total is not None and whole + fraction > limit.total:
        return f"{ref} {shown!r} has {whole + fraction} digits; {limit.source}"
    if limit.decimals is not None and fraction > limit.decimals:
        return f"{ref} {shown!r} has {fraction} decimals; {limit.source}"
    number = Decimal(value)  # the pattern checked above admits only numbers
    if limit.minimum is not None and number < limit.minimum:
        return f"{ref} {shown!r} is below {limit.minimum}; {limit.source}"
    if limit.positive and number <= 0:
        return (
            f"{ref} {shown!r} is not more than zero; a service line bills at least part of a unit"
        )
    return None


def _valid_date(value: str) -> bool:
    if not value.isdigit() or len(value) not in (6, 8):
        return False
    full = value if len(value) == 8 else ("20" if int(value[:2]) < 50 else "19") + value
    try:
        from datetime import date

        date(int(full[:4]), int(full[4:6]), int(full[6:8]))
    except ValueError:
        return False
    return int(full[:4]) >= 1800


def _valid_time(value: str) -> bool:
    if not value.isdigit() or len(value) not in (4, 6, 7, 8):
        return False
    return int(value[:2]) < 24 and int(value[2:4]) < 60 and (len(value) < 6 or int(value[4:6]) < 60)


@dataclass(frozen=True, slots=True)
class ElementProblem:
    """A problem with one element: the element, its segment and loop, and the claims it
    belongs to (one below loop 2300; every claim under a subscriber or patient level)."""

    rule: str  # X12-LENGTH, X12-CHARACTERS, X12-CODE, X12-VALUE, X12-FORMAT, X12-REQUIRED...
    element: Element
    value: str
    message: str
    seg: Seg
    claims: tuple[Loop2300, ...] = ()
    line: int | None = None  # the service line number (LX01 order) in its claim
    self_subscriber: bool = False  # in 2010BA of a subscriber who is the patient


CACHE_LIMIT = 4096  # segment texts whose findings each plan keeps
VALUE_LIMIT = 4096  # distinct values whose readings each element position keeps (names and
# claim IDs go past it: they repeat too little to gain)

#: What a plan finds in a segment: (element, value, (rule, message)) for each problem.
Found = list[tuple[Element, str, tuple[str, str]]]
_CLEAN: Found = []  # shared, never appended to: the reading of a value with no problem


class _Plan:
    """One segment of one loop as the checks walk it: its simple elements by position, its
    composites by position (components by number, and the components a sent composite
    must have), the elements it must not leave empty, and what was found in the segment
    texts and the element values already seen.

    A file repeats its LX, DTP and SV1 segments claim after claim, and the values of the
    segments that differ (a CLM's claim ID, a subscriber's NM1) mostly repeat element by
    element (CLM05, the NM1 qualifiers): each distinct value of an element position is
    read once, and a segment seen before is one dictionary lookup."""

    __slots__ = ("simple", "composites", "required", "last_required", "required_at", "seen",
                 "values", "comp", "known")  # fmt: skip

    def __init__(self, elements: tuple[Element, ...]) -> None:
        self.simple: dict[int, Element] = {}
        self.composites: dict[int, tuple[dict[int, Element], list[Element]]] = {}
        for element in elements:
            if element.component:
                parts, needed = self.composites.setdefault(element.position, ({}, []))
                parts[element.component] = element
                if element.usage == "R" and (element.component > 1 or element.composite == "R"):
                    needed.append(element)
            else:
                self.simple[element.position] = element
        self.required = [e for e in elements if _required(e, "")]
        self.last_required = max((e.position for e in self.required), default=0)
        self.required_at = tuple(e.position - 1 for e in self.required)
        # by component separator: a composite reads differently with another one
        self.seen: dict[str, dict[tuple[str, ...], Found]] = {}
        self.values: dict[str, dict[int, dict[str, Found]]] = {}
        self.comp: str | None = None  # the separator ``known`` holds the segments for
        self.known: dict[tuple[str, ...], Found] = {}

    def use(self, comp: str) -> dict[tuple[str, ...], Found]:
        """The segments seen with component separator ``comp``, by their values."""
        if comp != self.comp:
            self.comp = comp
            self.known = self.seen.setdefault(comp, {})
            self.values.setdefault(comp, {p: {} for p in (*self.simple, *self.composites)})
        return self.known

    def check(self, values: tuple[str, ...] | list[str], comp: str) -> Found:
        """(element, value, (rule, message)) for each problem of a segment's ``values``, in
        element order, then the required elements left empty."""
        key = tuple(values)
        seen = self.use(comp)
        known = seen.get(key)
        if known is not None:
            return known
        by_position = self.values[comp]
        found: Found = []
        for position, raw in enumerate(key, 1):
            if not raw:
                continue
            readings = by_position.get(position)
            if readings is None:
                continue  # an element the guide's table does not list
            reading = readings.get(raw)
            if reading is None:
                reading = self._read(position, raw, comp)
                if len(readings) < VALUE_LIMIT:
                    readings[raw] = reading
            if reading:
                found.extend(reading)
        if self.required:
            count = len(key)
            if count < self.last_required or not all(map(key.__getitem__, self.required_at)):
                for element in self.required:
                    p = element.position
                    if p > count or not key[p - 1]:
                        found.append((element, "", _missing(element)))
        if not found:
            found = _CLEAN
        if len(seen) < CACHE_LIMIT:
            seen[key] = found
        return found

    def _read(self, position: int, raw: str, comp: str) -> Found:
        """The problems of one non-empty value at ``position`` (a composite: of its parts,
        then its required parts left empty)."""
        element = self.simple.get(position)
        if element is not None:
            reading = _problem(element, raw)
            return [(element, raw, reading)] if reading is not None else _CLEAN
        components, needed = self.composites[position]
        found: Found = []
        parts = raw.split(comp)
        for k, value in enumerate(parts, 1):
            part = components.get(k)
            if part is not None and value:
                problem = _problem(part, value)
                if problem is not None:
                    found.append((part, value, problem))
        for part in needed:
            if part.component > len(parts) or not parts[part.component - 1]:
                found.append((part, "", _missing(part)))
        return found or _CLEAN


@functools.cache
def _plans(loop: str) -> dict[str, _Plan]:
    """Segment id -> plan for the segments the guide maps in ``loop``."""
    return {seg: _Plan(elements) for (at, seg), elements in table().items() if at == loop}


def _problem(element: Element, value: str) -> tuple[str, str] | None:
    """What is wrong with a sent value (the plans keep one reading per element and value)."""
    if element.usage == "N":
        return (
            "X12-NOT-USED",
            f"{element.ref} {value[:40]!r} is an element {GUIDE} does not use in loop "
            f"{element.loop}",
        )
    return value_problem(element, value)


def _missing(element: Element) -> tuple[str, str]:
    return "X12-REQUIRED", f"{element.ref} is empty; {GUIDE} requires it in loop {element.loop}"


def element_problems(interchange: Interchange) -> list[ElementProblem]:
    """Every element of ``interchange`` against the table: lengths, characters, codes,
    the guide's value limits, required elements present and unused ones empty."""
    walk = ElementWalk(interchange.delimiters.component)
    walk.check("ISA", [interchange.isa], (), None, False)
    for group in interchange.groups:
        walk.check("GS", [group.gs], (), None, False)
        for txn in group.transactions:
            walk.visit(txn, (), None, False)
            walk.check("ST", txn.trailer, (), None, False)
        walk.check("GS", [group.ge] if group.ge is not None else [], (), None, False)
    walk.check("ISA", [interchange.iea] if interchange.iea is not None else [], (), None, False)
    return walk.problems


class ElementWalk:
    """The element checks over loops and segments, the problems gathered in ``problems``:
    :func:`element_problems` walks a whole interchange with it, the streaming writer one
    subscriber level at a time (the same calls in the same order)."""

    __slots__ = ("comp", "problems", "texts", "element", "lines")

    def __init__(self, comp: str, texts: list[str] | None = None, element: str = "*") -> None:
        self.comp = comp
        self.problems: list[ElementProblem] = []
        #: when a list, each segment checked is also written to it as X12 text (element
        #: separator ``element``, no terminator): the streaming writer's one pass
        self.texts = texts
        self.element = element
        #: with ``texts``: the text of each service line walked clean, by the loop's id (the
        #: loop kept alive beside it): a line loop shared by many claims (the streaming
        #: writer's) is checked and written once
        self.lines: dict[int, tuple[Loop2400, list[str]]] | None = None

    def check(self, loop_id: str, segs: Iterable[Seg], claims: tuple[Loop2300, ...],
              line: int | None, self_sub: bool) -> None:  # fmt: skip
        """The segments ``segs`` of one loop."""
        plans = _plans(loop_id)
        texts = self.texts
        if not plans:
            if texts is not None:
                el = self.element
                texts.extend(seg.x12_text(el) for seg in segs)
            return  # a loop outside the guide's map: the reader said so
        comp = self.comp
        problems = self.problems
        getters = VALUE_GETTERS  # values_of without its call, per segment
        for seg in segs:
            kind = type(seg)  # a record type's id is a class attribute: no property call
            sid = seg.id if kind is RawSegment else kind.ID  # type: ignore[attr-defined]
            getter = getters.get(kind)
            values = getter(seg) if getter is not None else values_of(seg)
            if texts is not None:  # as Seg.x12_text writes it, from the values read once
                el = self.element
                texts.append(el.join((sid, *values)).rstrip(el))
            plan = plans.get(sid)
            if plan is None:
                continue  # a segment outside the guide's map: the reader said so
            # a segment seen before is one lookup (most of a file: LX, DTP, SV1, REF...)
            found = (plan.known if plan.comp == comp else plan.use(comp)).get(values)
            if found is None:
                found = plan.check(values, comp)
            for element, value, (rule, message) in found:
                problems.append(
                    ElementProblem(rule, element, value, message, seg, claims, line, self_sub)
                )

    def visit(
        self, loop: Loop, claims: tuple[Loop2300, ...], line: int | None, self_sub: bool
    ) -> None:
        """A loop and everything below it."""
        # A plain recursion, not generators: this walk runs over every segment of every
        # file Claimbook writes.
        kind = type(loop)
        if kind is Loop2300:
            claims = (loop,)  # type: ignore[assignment]
        elif kind is Loop2000B:
            self_sub = bool(loop.claims)  # type: ignore[attr-defined]
            claims = (*loop.claims, *(c for p in loop.patients for c in p.claims))  # type: ignore[attr-defined]
        elif kind is Loop2000C:
            claims = tuple(loop.claims)  # type: ignore[attr-defined]
        loop_id = kind.LOOP_ID or loop.loop_id  # a RawLoop's id is its name
        check = self.check
        check(loop_id, loop.segments, claims, line, self_sub and loop_id == "2010BA")
        for sub in loop.loops:
            self.visit(sub, claims, line, self_sub)
        if kind is Loop2300:
            texts, seen = self.texts, self.lines
            for number, service in enumerate(loop.lines, 1):  # type: ignore[attr-defined]
                if seen is not None and texts is not None:
                    known = seen.get(id(service))
                    if known is not None and known[0] is service:
                        texts.extend(known[1])  # walked clean before: the same text
                        continue
                    start, problems = len(texts), len(self.problems)
                # visit(service, ...) without its call: a file has more lines than claims
                check("2400", service.segments, claims, number, False)
                for sub in service.loops:
                    self.visit(sub, claims, number, self_sub)
                if seen is not None and texts is not None and len(self.problems) == problems:
                    seen[id(service)] = (service, texts[start:])
        elif kind is not Loop2400:
            for child in loop.children():
                self.visit(child, claims, line, self_sub)


def _required(element: Element, raw: str) -> bool:
    """An empty element the guide requires: a simple element marked R; a component marked R
    of a composite that is sent (its first part only when the composite is required too); a
    required composite not sent at all, reported once, by its first part."""
    if not element.component:
        return element.usage == "R"
    if raw:
        return element.usage == "R" and (element.component > 1 or element.composite == "R")
    return element.component == 1 and element.composite == "R" and element.usage == "R"
