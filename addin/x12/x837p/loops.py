"""The 837P (005010X222A1) as one pydantic model per loop, each written by ``.x12()``.

A loop holds its own segments in file order (the first is the segment that opens the loop),
its sub-loops in ``loops`` and, for hierarchical levels, its HL children. Segments and loops
Claimbook does not build (COB 2320/2330, ambulance, repricing, ...) are carried as
:class:`~addin.x12.x837p.segs.RawSegment` and :class:`RawLoop` so that a file read in is
written back segment for segment.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field, InstanceOf

from addin.collector import collector_paused
from addin.x12.envelope import WRITE_DELIMITERS, render
from addin.x12.segments import Delimiters
from addin.x12.x837p.segs import (
    CLM,
    DMG,
    DTP,
    HI,
    HL,
    LIN,
    N4,
    NM1,
    PAT,
    REF,
    SBR,
    SV1,
    Seg,
    every,
    first,
)

L = TypeVar("L", bound="Loop")


def render_segments(segments: Iterable[Seg], delimiters: Delimiters = WRITE_DELIMITERS) -> str:
    """Segment records as X12 text, one a line (the writer's fast path)."""
    el = delimiters.element
    end = delimiters.segment + "\n"
    return end.join([seg.x12_text(el) for seg in segments]) + end


class Loop(BaseModel):
    """Base of every loop model: own segments, then sub-loops, then HL children."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    LOOP_ID: ClassVar[str] = ""
    segments: list[InstanceOf[Seg]] = Field(default_factory=list)
    loops: list[Loop] = Field(default_factory=list)

    @property
    def loop_id(self) -> str:
        return self.LOOP_ID

    def children(self) -> list[Loop]:
        """HL children or service lines, written after the sub-loops."""
        return []

    def walk(self) -> Iterator[Seg]:
        """Every segment of this loop and below, in file order."""
        out: list[Seg] = []
        self.collect(out)
        return iter(out)

    def segment_count(self) -> int:
        """How many segments this loop and everything below it hold (for SE01)."""
        count = len(self.segments)
        for loop in self.loops:
            count += loop.segment_count()
        for child in self.children():
            count += child.segment_count()
        return count

    def collect(self, out: list[Seg]) -> None:
        """Append every segment of this loop and below to ``out`` (one call per loop, not per
        segment: nested generators cost more than the writing itself)."""
        out.extend(self.segments)
        for loop in self.loops:
            loop.collect(out)
        for child in self.children():
            child.collect(out)

    def x12(self, delimiters: Delimiters = WRITE_DELIMITERS) -> str:
        """This loop and everything below it as X12 text."""
        return render_segments(self.walk(), delimiters)

    def sub(self, cls: type[L]) -> L | None:
        """The first sub-loop of a type."""
        for loop in self.loops:
            if type(loop) is cls:
                return loop
        return None

    def refs(self) -> dict[str, str]:
        """REF qualifier -> value for this loop's own REF segments."""
        return {r.qualifier: r.value for r in every(self.segments, REF)}


class RawLoop(Loop):
    """A loop Claimbook carries through unchanged (its id says which, e.g. ``2320``)."""

    name: str = ""

    @property
    def loop_id(self) -> str:
        return self.name


class Loop1000A(Loop):
    """Submitter Name (NM1*41, PER)."""

    LOOP_ID: ClassVar[str] = "1000A"


class Loop1000B(Loop):
    """Receiver Name (NM1*40)."""

    LOOP_ID: ClassVar[str] = "1000B"


class Loop2010AA(Loop):
    """Billing Provider Name (NM1*85, N3, N4, REF*EI)."""

    LOOP_ID: ClassVar[str] = "2010AA"

    @property
    def nm1(self) -> NM1 | None:
        return first(self.segments, NM1)

    @property
    def n4(self) -> N4 | None:
        return first(self.segments, N4)


class Loop2010BA(Loop):
    """Subscriber Name (NM1*IL, N3, N4, DMG)."""

    LOOP_ID: ClassVar[str] = "2010BA"

    @property
    def nm1(self) -> NM1 | None:
        return first(self.segments, NM1)

    @property
    def dmg(self) -> DMG | None:
        return first(self.segments, DMG)


class Loop2010BB(Loop):
    """Payer Name (NM1*PR)."""

    LOOP_ID: ClassVar[str] = "2010BB"

    @property
    def nm1(self) -> NM1 | None:
        return first(self.segments, NM1)


class Loop2010CA(Loop):
    """Patient Name (NM1*QC, N3, N4, DMG)."""

    LOOP_ID: ClassVar[str] = "2010CA"

    @property
    def nm1(self) -> NM1 | None:
        return first(self.segments, NM1)


class Loop2310A(Loop):
    """Referring Provider Name (NM1*DN)."""

    LOOP_ID: ClassVar[str] = "2310A"

    @property
    def nm1(self) -> NM1 | None:
        return first(self.segments, NM1)


class Loop2310B(Loop):
    """Rendering Provider Name (NM1*82, PRV*PE)."""

    LOOP_ID: ClassVar[str] = "2310B"

    @property
    def nm1(self) -> NM1 | None:
        return first(self.segments, NM1)


class Loop2410(Loop):
    """Drug Identification (LIN*N4, CTP)."""

    LOOP_ID: ClassVar[str] = "2410"

    @property
    def lin(self) -> LIN | None:
        return first(self.segments, LIN)


class Loop2400(Loop):
    """Service Line Number (LX, SV1, DTP*472, REF*G1, NTE; 2410 drug identification below)."""

    LOOP_ID: ClassVar[str] = "2400"

    def collect(self, out: list[Seg]) -> None:
        out.extend(self.segments)  # lines have no HL children: skip the generic walk
        for loop in self.loops:
            loop.collect(out)

    def segment_count(self) -> int:
        count = len(self.segments)
        for loop in self.loops:
            count += loop.segment_count()
        return count

    @property
    def sv1(self) -> SV1 | None:
        return first(self.segments, SV1)

    @property
    def service_dates(self) -> list[DTP]:
        return [d for d in every(self.segments, DTP) if d.qualifier == "472"]


class Loop2300(Loop):
    """Claim Information (CLM, REF*G1/F8, HI; 2310A/2310B and carried loops; 2400 lines)."""

    LOOP_ID: ClassVar[str] = "2300"
    lines: list[Loop2400] = Field(default_factory=list)

    def children(self) -> list[Loop]:
        return list(self.lines)

    # collect and segment_count as Loop's, over the lines without copying them (every claim)
    def collect(self, out: list[Seg]) -> None:
        out.extend(self.segments)
        for loop in self.loops:
            loop.collect(out)
        for line in self.lines:
            line.collect(out)

    def segment_count(self) -> int:
        count = len(self.segments)
        for loop in self.loops:
            count += loop.segment_count()
        for line in self.lines:
            count += line.segment_count()
        return count

    @property
    def clm(self) -> CLM | None:
        return first(self.segments, CLM)

    @property
    def his(self) -> list[HI]:
        return every(self.segments, HI)

    @property
    def claim_id(self) -> str:
        clm = self.clm
        return clm.claim_id if clm else "?"


class Loop2000C(Loop):
    """Patient Hierarchical Level (HL*23, PAT; 2010CA patient name; claims)."""

    LOOP_ID: ClassVar[str] = "2000C"
    claims: list[Loop2300] = Field(default_factory=list)

    def children(self) -> list[Loop]:
        return list(self.claims)

    @property
    def hl(self) -> HL | None:
        return first(self.segments, HL)

    @property
    def pat(self) -> PAT | None:
        return first(self.segments, PAT)


class Loop2000B(Loop):
    """Subscriber Hierarchical Level (HL*22, SBR; 2010BA, 2010BB; claims; 2000C patients)."""

    LOOP_ID: ClassVar[str] = "2000B"
    claims: list[Loop2300] = Field(default_factory=list)
    patients: list[Loop2000C] = Field(default_factory=list)

    def children(self) -> list[Loop]:
        return [*self.claims, *self.patients]

    def collect(self, out: list[Seg]) -> None:
        out.extend(self.segments)
        for loop in self.loops:
            loop.collect(out)
        for claim in self.claims:
            claim.collect(out)
        for patient in self.patients:
            patient.collect(out)

    def segment_count(self) -> int:
        count = len(self.segments)
        for loop in self.loops:
            count += loop.segment_count()
        for claim in self.claims:
            count += claim.segment_count()
        for patient in self.patients:
            count += patient.segment_count()
        return count

    @property
    def hl(self) -> HL | None:
        return first(self.segments, HL)

    @property
    def sbr(self) -> SBR | None:
        return first(self.segments, SBR)


class Loop2000A(Loop):
    """Billing Provider Hierarchical Level (HL*20, PRV*BI; 2010AA; 2000B subscribers)."""

    LOOP_ID: ClassVar[str] = "2000A"
    subscribers: list[Loop2000B] = Field(default_factory=list)

    def children(self) -> list[Loop]:
        return list(self.subscribers)

    @property
    def hl(self) -> HL | None:
        return first(self.segments, HL)


class Transaction837P(Loop):
    """Health Care Claim: Professional (ST, BHT, 1000A, 1000B, 2000A levels, SE)."""

    LOOP_ID: ClassVar[str] = "ST"
    billing: list[Loop2000A] = Field(default_factory=list)
    trailer: list[InstanceOf[Seg]] = Field(default_factory=list, description="SE")

    def children(self) -> list[Loop]:
        return list(self.billing)

    def collect(self, out: list[Seg]) -> None:
        super().collect(out)
        out.extend(self.trailer)

    def segment_count(self) -> int:
        return super().segment_count() + len(self.trailer)

    def claims(self) -> Iterator[tuple[Loop2000B, Loop2000C | None, Loop2300]]:
        """Every claim with the subscriber level and (for dependents) patient level above it."""
        for provider in self.billing:
            for sub in provider.subscribers:
                for claim in sub.claims:
                    yield sub, None, claim
                for pat in sub.patients:
                    for claim in pat.claims:
                        yield sub, pat, claim


class Group(BaseModel):
    """Functional Group (GS..GE) of 837P transactions."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    gs: InstanceOf[Seg]
    transactions: list[Transaction837P] = Field(default_factory=list)
    ge: InstanceOf[Seg] | None = None

    def walk(self) -> Iterator[Seg]:
        out: list[Seg] = [self.gs]
        for txn in self.transactions:
            txn.collect(out)
        if self.ge is not None:
            out.append(self.ge)
        return iter(out)


class Interchange(BaseModel):
    """Interchange Control (ISA..IEA) with the delimiters it was written with."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    isa: InstanceOf[Seg]
    groups: list[Group] = Field(default_factory=list)
    iea: InstanceOf[Seg] | None = None
    delimiters: InstanceOf[Delimiters] = WRITE_DELIMITERS

    def walk(self) -> Iterator[Seg]:
        out: list[Seg] = [self.isa]
        for group in self.groups:
            out.extend(group.walk())
        if self.iea is not None:
            out.append(self.iea)
        return iter(out)

    def x12(self, delimiters: Delimiters | None = None) -> str:
        """The interchange as X12 text, with its own delimiters unless others are given.

        With other delimiters, ISA11/ISA16 are rewritten and component and repetition
        separators inside elements are translated.
        """
        target = delimiters or self.delimiters
        with collector_paused():
            if target == self.delimiters:
                return render_segments(self.walk(), target)
            return render(self._translated(target), target)

    def _translated(self, target: Delimiters) -> Iterator[list[str]]:
        src = self.delimiters
        table = {src.component: target.component}
        if src.repetition and target.repetition:
            table[src.repetition] = target.repetition
        trans = str.maketrans(table)
        for seg in self.walk():
            raw = seg.raw()
            if raw[0] == "ISA":
                raw = list(raw)
                if len(raw) > 16:
                    raw[16] = target.component
                    raw[11] = target.repetition or raw[11]
                yield raw
            else:
                yield [raw[0], *(e.translate(trans) for e in raw[1:])]

    def transactions(self) -> Iterator[Transaction837P]:
        for group in self.groups:
            yield from group.transactions
