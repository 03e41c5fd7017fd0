"""The 837P segments as small typed records: named elements in X12 order, written as-is.

Elements are kept as the text between separators (a composite such as ``HC:99213:25`` stays
one string joined with the interchange's component separator), so a segment read from a
file is written back exactly. Segments we do not model are :class:`RawSegment`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any, ClassVar, Self, TypeVar

from addin.errors import X12Error

S = TypeVar("S", bound="Seg")


class Seg:
    """Base of every segment record: ``ID``, element names in order, ``rest`` for extras."""

    __slots__ = ()
    ID: ClassVar[str] = ""
    _names: ClassVar[tuple[str, ...]] = ()
    _getter: ClassVar[Callable[[Any], tuple[str, ...]] | None] = None
    rest: tuple[str, ...]

    @classmethod
    def names(cls) -> tuple[str, ...]:
        if "_names" not in cls.__dict__:
            cls._names = tuple(f.name for f in fields(cls) if f.name != "rest")  # type: ignore[arg-type]
            # one C-level call fetches every element; the writer calls this per segment
            if len(cls._names) > 1:
                cls._getter = attrgetter(*cls._names)
            elif cls._names:
                one = cls._names[0]
                cls._getter = lambda seg: (getattr(seg, one),)
        return cls._names

    @property
    def seg_id(self) -> str:
        return self.ID

    def elements(self) -> list[str]:
        """Element values XX01.. in order (trailing empties included)."""
        names = self.names()
        getter = type(self)._getter
        if getter is not None:
            return [*getter(self), *self.rest]
        return [*(getattr(self, n) for n in names), *self.rest]

    def raw(self) -> list[str]:
        """Segment id then elements: what :func:`addin.x12.envelope.render` writes."""
        getter = type(self)._getter
        if getter is not None and "_names" in type(self).__dict__:
            return [self.ID, *getter(self), *self.rest]
        return [self.seg_id, *self.elements()]

    def x12_text(self, element: str) -> str:
        """The segment as X12 text without terminator; trailing empty elements dropped."""
        getter = type(self)._getter
        if getter is not None and "_names" in type(self).__dict__:
            joined = element.join([self.ID, *getter(self), *self.rest])
        else:
            joined = element.join(self.raw())
        return joined.rstrip(element)

    def __getitem__(self, n: int) -> str:
        """Element n counted from 1 as in the implementation guide."""
        values = self.elements()
        return values[n - 1] if 1 <= n <= len(values) else ""

    @classmethod
    def parse(cls, elements: Sequence[str]) -> Self:
        """Build from the elements of a read segment (extras beyond the named ones go to rest)."""
        count = len(cls.names())
        values = list(elements[:count]) + [""] * max(0, count - len(elements))
        return cls(*values, rest=tuple(elements[count:]))  # type: ignore[call-arg]


@dataclass(slots=True)
class RawSegment(Seg):
    """A segment Claimbook carries through but does not interpret."""

    id: str
    values: tuple[str, ...] = ()
    rest: tuple[str, ...] = ()

    @property
    def seg_id(self) -> str:
        return self.id

    def elements(self) -> list[str]:
        return list(self.values)


@dataclass(slots=True)
class BHT(Seg):
    """Beginning of Hierarchical Transaction."""

    ID: ClassVar[str] = "BHT"
    structure: str = "0019"
    purpose: str = "00"
    reference: str = ""
    date: str = ""
    time: str = ""
    type: str = "CH"
    rest: tuple[str, ...] = ()


@dataclass(slots=True)
class NM1(Seg):
    """Individual or Organizational Name."""

    ID: ClassVar[str] = "NM1"
    entity: str = ""
    entity_type: str = ""
    last: str = ""
    first: str = ""
    middle: str = ""
    prefix: str = ""
    suffix: str = ""
    id_qualifier: str = ""
    id: str = ""
    rest: tuple[str, ...] = ()


@dataclass(slots=True)
class PER(Seg):
    """Administrative Communications Contact."""

    ID: ClassVar[str] = "PER"
    function: str = "IC"
    name: str = ""
    qualifier1: str = ""
    number1: str = ""
    qualifier2: str = ""
    number2: str = ""
    qualifier3: str = ""
    number3: str = ""
    rest: tuple[str, ...] = ()


@dataclass(slots=True)
class N3(Seg):
    """Address Information."""

    ID: ClassVar[str] = "N3"
    line1: str = ""
    line2: str = ""
    rest: tuple[str, ...] = ()


@dataclass(slots=True)
class N4(Seg):
    """Geographic Location."""

    ID: ClassVar[str] = "N4"
    city: str = ""
    state: str = ""
    zip: str = ""
    country: str = ""
    rest: tuple[str, ...] = ()


@dataclass(slots=True)
class REF(Seg):
    """Reference Information."""

    ID: ClassVar[str] = "REF"
    qualifier: str = ""
    value: str = ""
    rest: tuple[str, ...] = ()


@dataclass(slots=True)
class HL(Seg):
    """Hierarchical Level."""

    ID: ClassVar[str] = "HL"
    id: str = ""
    parent: str = ""
    level: str = ""
    child: str = ""
    rest: tuple[str, ...] = ()


@dataclass(slots=True)
class PRV(Seg):
    """Provider Information (taxonomy)."""

    ID: ClassVar[str] = "PRV"
    code: str = ""
    qualifier: str = "PXC"
    taxonomy: str = ""
    rest: tuple[str, ...] = ()


@dataclass(slots=True)
class SBR(Seg):
    """Subscriber Information."""

    ID: ClassVar[str] = "SBR"
    responsibility: str = "P"
    relationship: str = ""
    group_number: str = ""
    group_name: str = ""
    insurance_type: str = ""
    e06: str = ""
    e07: str = ""
    e08: str = ""
    filing_indicator: str = ""
    rest: tuple[str, ...] = ()


@dataclass(slots=True)
class PAT(Seg):
    """Patient Information (PAT01 is the relationship to the insured)."""

    ID: ClassVar[str] = "PAT"
    relationship: str = ""
    rest: tuple[str, ...] = ()


@dataclass(slots=True)
class DMG(Seg):
    """Demographic Information."""

    ID: ClassVar[str] = "DMG"
    qualifier: str = "D8"
    dob: str = ""
    sex: str = ""
    rest: tuple[str, ...] = ()


@dataclass(slots=True)
class CLM(Seg):
    """Claim Information."""

    ID: ClassVar[str] = "CLM"
    claim_id: str = ""
    total: str = ""
    e03: str = ""
    e04: str = ""
    facility: str = ""
    signature: str = "Y"
    assignment: str = "A"
    benefits: str = "Y"
    release: str = "Y"
    rest: tuple[str, ...] = ()


@dataclass(slots=True)
class HI(Seg):
    """Health Care Diagnosis Code (each element ``ABK:E119``)."""

    ID: ClassVar[str] = "HI"
    rest: tuple[str, ...] = ()


@dataclass(slots=True)
class LX(Seg):
    """Service Line Number."""

    ID: ClassVar[str] = "LX"
    number: str = ""
    rest: tuple[str, ...] = ()


@dataclass(slots=True)
class SV1(Seg):
    """Professional Service."""

    ID: ClassVar[str] = "SV1"
    procedure: str = ""
    charge: str = ""
    unit: str = "UN"
    quantity: str = ""
    place_of_service: str = ""
    e06: str = ""
    pointers: str = ""
    rest: tuple[str, ...] = ()


@dataclass(slots=True)
class DTP(Seg):
    """Date or Time or Period."""

    ID: ClassVar[str] = "DTP"
    qualifier: str = ""
    format: str = "D8"
    value: str = ""
    rest: tuple[str, ...] = ()


@dataclass(slots=True)
class NTE(Seg):
    """Note/Special Instruction."""

    ID: ClassVar[str] = "NTE"
    reference: str = "ADD"
    text: str = ""
    rest: tuple[str, ...] = ()


@dataclass(slots=True)
class LIN(Seg):
    """Drug Identification (LIN02 N4 = NDC in 5-4-2 format)."""

    ID: ClassVar[str] = "LIN"
    assigned_id: str = ""
    qualifier: str = "N4"
    ndc: str = ""
    rest: tuple[str, ...] = ()


@dataclass(slots=True)
class CTP(Seg):
    """Drug Quantity (CTP04 quantity, CTP05-1 unit)."""

    ID: ClassVar[str] = "CTP"
    e01: str = ""
    e02: str = ""
    e03: str = ""
    quantity: str = ""
    unit: str = ""
    rest: tuple[str, ...] = ()


#: Segment id -> record class; anything else reads as a RawSegment.
SEGMENT_TYPES: dict[str, type[Seg]] = {
    cls.ID: cls
    for cls in (BHT, NM1, PER, N3, N4, REF, HL, PRV, SBR, PAT, DMG, CLM, HI, LX, SV1, DTP, NTE)
    + (LIN, CTP)
}


def _values_getter(cls: type[Seg]) -> Callable[[Seg], tuple[str, ...]]:
    """The fastest way to a record type's element values as a tuple (what ``elements()``
    lists): checks that run over every segment of a file use it."""
    if cls is RawSegment or cls.elements is not Seg.elements:
        if cls is RawSegment:
            return attrgetter("values")
        return lambda seg: tuple(seg.elements())
    names = cls.names()
    getter = cls._getter
    if not names or getter is None:
        return attrgetter("rest")
    return lambda seg: (*getter(seg), *seg.rest) if seg.rest else getter(seg)


#: Record type -> the function giving its values (filled by :func:`values_of`).
VALUE_GETTERS: dict[type[Seg], Callable[[Seg], tuple[str, ...]]] = {}


def values_of(seg: Seg) -> tuple[str, ...]:
    """A segment's element values XX01.. as a tuple, equal to ``tuple(seg.elements())``."""
    cls = type(seg)
    getter = VALUE_GETTERS.get(cls)
    if getter is None:
        getter = VALUE_GETTERS[cls] = _values_getter(cls)
    return getter(seg)


def parse_segment(seg_id: str, elements: Sequence[str], where: str = "") -> Seg:
    """A typed record for a known segment id, else a RawSegment."""
    cls = SEGMENT_TYPES.get(seg_id)
    if cls is None:
        return RawSegment(seg_id, tuple(elements))
    try:
        return cls.parse(elements)
    except TypeError as exc:  # pragma: no cover - parse fills every field
        raise X12Error(f"{where}: {seg_id} cannot be read ({exc})") from None


def first(segments: Sequence[Seg], cls: type[S]) -> S | None:
    """The first record of a type in a loop's segments."""
    for seg in segments:
        if type(seg) is cls:
            return seg
    return None


def every(segments: Sequence[Seg], cls: type[S]) -> list[S]:
    """Every record of a type in a loop's segments, in order."""
    return [seg for seg in segments if type(seg) is cls]
