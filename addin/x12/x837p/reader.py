"""Read an 837P (005010X222A1) into the loop models, so it can be checked and written back.

The shared tokenizer (:mod:`addin.x12.segments`) finds delimiters, byte-order marks and line
breaks; this module places each segment in its loop. A file is refused, with the reason, when
it has no ISA envelope, is not an 837 professional claim, or is labelled 005010X222A2 (the
errata HIPAA never adopted; pyx12 and clearinghouses have no map for it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from addin.collector import collector_paused
from addin.errors import X12Error
from addin.x12.audit import EnvelopeProblem
from addin.x12.kinds import FUNCTIONAL_GROUPS, advice, article, describe, describe_group, guide_kind
from addin.x12.segments import Delimiters, Segment, X12Input, read_segments, x12_source
from addin.x12.x837p.loops import (
    Group,
    Interchange,
    Loop,
    Loop1000A,
    Loop1000B,
    Loop2000A,
    Loop2000B,
    Loop2000C,
    Loop2010AA,
    Loop2010BA,
    Loop2010BB,
    Loop2010CA,
    Loop2300,
    Loop2310A,
    Loop2310B,
    Loop2400,
    Loop2410,
    RawLoop,
    Transaction837P,
)
from addin.x12.x837p.segs import Seg, parse_segment

VERSION = "005010X222A1"

#: NM1 entity code -> loop it opens, per hierarchical level (or claim / line context).
NM1_LOOPS: dict[str, dict[str, type[Loop] | str]] = {
    "2000A": {"85": Loop2010AA, "87": "2010AB", "PE": "2010AC"},
    "2000B": {"IL": Loop2010BA, "PR": Loop2010BB},
    "2000C": {"QC": Loop2010CA},
    "2300": {
        "DN": Loop2310A,
        "P3": Loop2310A,
        "82": Loop2310B,
        "77": "2310C",
        "DQ": "2310D",
        "PW": "2310E",
        "45": "2310F",
    },
    "2320": {
        "IL": "2330A",
        "PR": "2330B",
        "DN": "2330C",
        "82": "2330D",
        "77": "2330E",
        "DQ": "2330F",
        "85": "2330G",
    },
    "2400": {
        "82": "2420A",
        "QB": "2420B",
        "77": "2420C",
        "DQ": "2420D",
        "DK": "2420E",
        "DN": "2420F",
        "P3": "2420F",
        "PW": "2420G",
        "45": "2420H",
    },
}
#: Segments that open a carried (unmodelled) loop inside a service line.
LINE_LOOP_STARTS = {"SVD": "2430", "LQ": "2440"}


@dataclass
class Document837P:
    """Every interchange in one 837P file, with what the reader noticed on the way."""

    interchanges: list[Interchange]
    name: str = ""
    warnings: list[str] = field(default_factory=list)
    had_bom: bool = False
    #: Segments the loop models cannot hold (after the IEA, between an SE and the next ST):
    #: reported by :func:`~addin.x12.x837p.checks.check_837p` with the envelope checks.
    stray: list[EnvelopeProblem] = field(default_factory=list)

    def transactions(self) -> list[Transaction837P]:
        return [t for ic in self.interchanges for t in ic.transactions()]

    def x12(self, delimiters: Delimiters | None = None) -> str:
        """The whole file written back (each interchange with its own delimiters by default)."""
        return "".join(ic.x12(delimiters) for ic in self.interchanges)


def _has_bom(source: X12Input) -> bool:
    if isinstance(source, str):
        return source.startswith("\ufeff")
    if isinstance(source, bytes | bytearray):
        return bytes(source[:3]) == b"\xef\xbb\xbf"
    if isinstance(source, os.PathLike):
        try:
            with open(source, "rb") as handle:
                return handle.read(3) == b"\xef\xbb\xbf"
        except OSError:
            return False
    return False


class _Builder:
    """Places segments into loops as they stream past."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.interchanges: list[Interchange] = []
        self.group: Group | None = None
        self.txn: Transaction837P | None = None
        self.levels: dict[str, Loop2000A | Loop2000B | Loop2000C] = {}
        self.level: Loop2000A | Loop2000B | Loop2000C | None = None
        self.claim: Loop2300 | None = None
        self.line: Loop2400 | None = None
        self.in_2320 = False
        self.current: Loop | None = None
        self.closed = False  # an IEA was read and no ISA followed yet
        self.stray: list[EnvelopeProblem] = []

    def fail(self, seg: Segment, message: str) -> X12Error:
        return X12Error(f"{self.prefix}{seg.where}: {message}")

    def add(self, seg: Segment) -> None:
        sid = seg.id
        record = parse_segment(sid, seg.elements, seg.where)
        if sid == "ISA":
            self.txn = self.group = None
            self.closed = False
            self.interchanges.append(Interchange(isa=record, delimiters=seg.delimiters))
        elif self.closed:
            self._stray(seg, "after the IEA that closed the interchange: the file has data after "
                        "its end (a second file pasted on, or padding); ask the sender for a "
                        "clean file")  # fmt: skip
        elif sid == "IEA":
            # A missing SE or GE before it stays missing in the loops: the audit reports it.
            self.txn = self.group = None
            self.closed = True
            self._interchange(seg).iea = record
        elif sid == "GS":
            self._check_group(seg)
            self.txn = None
            self.group = Group(gs=record)
            self._interchange(seg).groups.append(self.group)
        elif sid == "GE":
            self.txn = None
            if self.group is None:
                self._stray(seg, "GE without a GS before it; the file is damaged")
                return
            self.group.ge = record
            self.group = None
        elif sid == "ST":
            self._start_transaction(seg, record)
        elif self.txn is None:
            self._stray(seg, "outside any transaction set (between an SE and the next ST or "
                        "GE); the file is damaged")  # fmt: skip
        elif sid == "SE":
            self.txn.trailer.append(record)
            self.txn = None
        elif sid == "HL":
            self._hl(seg, record)
        elif sid == "CLM":
            self._claim(seg, record)
        elif sid == "LX" and self.claim is not None:
            self.line = Loop2400(segments=[record])
            self.claim.lines.append(self.line)
            self.current = self.line
        elif sid == "NM1":
            self._nm1(seg, record)
        elif sid == "SBR" and self.claim is not None and self.line is None:
            self.in_2320 = True
            self._open(self.claim, RawLoop(name="2320", segments=[record]))
        elif sid == "LIN" and self.line is not None:
            self._open(self.line, Loop2410(segments=[record]))
        elif sid in LINE_LOOP_STARTS and self.line is not None:
            self._open(self.line, RawLoop(name=LINE_LOOP_STARTS[sid], segments=[record]))
        else:
            target = self.current if self.current is not None else self.txn
            target.segments.append(record)

    def _stray(self, seg: Segment, message: str) -> None:
        # One message is enough: what follows is the same damage.
        if not self.stray:
            self.stray.append(EnvelopeProblem("X12-ENVELOPE", seg.where, f"{seg.id} {message}"))

    def _interchange(self, seg: Segment) -> Interchange:
        if not self.interchanges:
            raise self.fail(seg, f"{seg.id} before any ISA")
        return self.interchanges[-1]

    def _check_group(self, seg: Segment) -> None:
        """Refuse a group that is not 837P claims: by its guide (GS08), else by GS01."""
        gs01, version = seg[1], seg[8]
        kind = guide_kind(version)
        if kind is None and gs01 in ("HC", ""):
            return  # a claims group with an unknown guide: ST03 or the loops will say
        if kind is not None and version.startswith("005010X222"):
            self._check_version(seg, version, "GS08")
            return
        what = describe_group(gs01, version)
        said = FUNCTIONAL_GROUPS.get(gs01)
        note = ""
        if gs01 == "HC" and kind is not None and kind[0] != "837":
            note = f": GS01 says HC, the code for claims, but GS08 names the {kind[1]} guide"
        elif said is not None and kind is None and said != "837":
            note = f" (GS01 {gs01})"
        raise self.fail(
            seg,
            f"this is {article(what)} {what}, not an 837P claim file{note}; "
            f"{advice(kind[0] if kind else said or '', version)}",
        )

    def _check_version(self, seg: Segment, version: str, element: str) -> None:
        if version and version != VERSION:
            if version == "005010X222":
                raise self.fail(
                    seg,
                    f"{element} is {version!r}, the 2009 base guide without the A1 addenda that "
                    f"HIPAA adopted; Claimbook reads and writes {VERSION}, and the addenda "
                    "changed required segments; ask the sender for an X222A1 file",
                )
            if version.startswith("005010X222"):
                raise self.fail(
                    seg,
                    f"{element} is {version!r}: Claimbook reads and writes the HIPAA-adopted "
                    f"{VERSION} (the X222A2 errata was never adopted, and clearinghouses and "
                    f"pyx12 have no map for it); ask the sender to label the file {VERSION}",
                )
            what = describe("837", version)
            raise self.fail(
                seg,
                f"{element} is {version!r}: this is {article(what)} {what}, not an 837P "
                f"{VERSION}; {advice('837', version)}",
            )

    def _start_transaction(self, seg: Segment, record: Seg) -> None:
        if seg[1] != "837":
            what = describe(seg[1], seg[3])
            raise self.fail(
                seg,
                f"this is {article(what)} {what}, not an 837P claim file; {advice(seg[1], seg[3])}",
            )
        self._check_version(seg, seg[3], "ST03")
        if self.group is None:
            raise self.fail(seg, "ST without a GS functional group; the file is damaged")
        self.txn = Transaction837P(segments=[record])
        self.group.transactions.append(self.txn)
        self.levels = {}
        self.level = self.claim = self.line = self.current = None
        self.in_2320 = False

    def _hl(self, seg: Segment, record: Seg) -> None:
        assert self.txn is not None
        code = seg[3]
        parent = self.levels.get(seg[2])
        level: Loop2000A | Loop2000B | Loop2000C
        if code == "20":
            level = Loop2000A(segments=[record])
            self.txn.billing.append(level)
        elif code == "22":
            level = Loop2000B(segments=[record])
            owner = parent if isinstance(parent, Loop2000A) else self._last_billing(seg)
            owner.subscribers.append(level)
        elif code == "23":
            level = Loop2000C(segments=[record])
            owner_b = parent if isinstance(parent, Loop2000B) else self._last_subscriber(seg)
            owner_b.patients.append(level)
        else:
            raise self.fail(seg, f"HL03 {code!r} is not a level of the 837P (20, 22 or 23)")
        self.levels[seg[1]] = level
        self.level = self.current = level
        self.claim = self.line = None
        self.in_2320 = False

    def _last_billing(self, seg: Segment) -> Loop2000A:
        assert self.txn is not None
        if self.txn.billing:
            return self.txn.billing[-1]
        raise self.fail(seg, f"HL {seg[1]} has no billing provider level (HL*20) above it")

    def _last_subscriber(self, seg: Segment) -> Loop2000B:
        assert self.txn is not None
        if self.txn.billing and self.txn.billing[-1].subscribers:
            return self.txn.billing[-1].subscribers[-1]
        raise self.fail(seg, f"HL {seg[1]} has no subscriber level (HL*22) above it")

    def _claim(self, seg: Segment, record: Seg) -> None:
        level = self.level
        if not isinstance(level, Loop2000B | Loop2000C):
            raise self.fail(seg, "CLM outside a subscriber or patient level (HL 22/23)")
        self.claim = Loop2300(segments=[record])
        level.claims.append(self.claim)
        self.current = self.claim
        self.line = None
        self.in_2320 = False

    def _nm1(self, seg: Segment, record: Seg) -> None:
        assert self.txn is not None
        entity = seg[1]
        if self.level is None:
            header = {"41": Loop1000A, "40": Loop1000B}.get(entity)
            loop: Loop = header(segments=[record]) if header else RawLoop(segments=[record])
            self._open(self.txn, loop)
            return
        if self.line is not None:
            owner: Loop = self.line
            context = "2400"
        elif self.claim is not None:
            owner = self.claim
            context = "2320" if self.in_2320 else "2300"
        else:
            owner = self.level
            context = self.level.LOOP_ID
        kind = NM1_LOOPS[context].get(entity)
        if kind is None:
            raise self.fail(
                seg, f"NM1*{entity} does not belong in loop {context} of an 837P {VERSION}"
            )
        new = (
            RawLoop(name=kind, segments=[record])
            if isinstance(kind, str)
            else kind(segments=[record])
        )
        self._open(owner, new)

    def _open(self, owner: Loop, loop: Loop) -> None:
        owner.loops.append(loop)
        self.current = loop


def read_837p(source: X12Input | Path, name: str = "") -> Document837P:
    """Read an 837P file (a path, X12 text, bytes or a binary file; see
    :func:`~addin.x12.segments.x12_source` for how a ``str`` is told apart) into loop
    models; X12Error says why not.

    Envelope damage (a missing SE, GE or IEA, wrong counts, data after the IEA) does not stop
    the reading: :func:`~addin.x12.x837p.checks.check_837p` reports it.
    """
    source = x12_source(source)
    label = name or (str(source) if isinstance(source, os.PathLike) else "")
    reader = read_segments(source, label)
    prefix = f"{label}: " if label else ""
    builder = _Builder(prefix)
    with collector_paused():
        for seg in reader:
            if not reader.has_isa:
                raise X12Error(
                    f"{prefix}no ISA interchange header: the file starts with {seg.id}. An "
                    "837P must be a whole interchange (ISA..IEA); ask the sender for the "
                    "complete file"
                )
            builder.add(seg)
    if not any(ic.groups for ic in builder.interchanges):
        raise X12Error(f"{prefix}no GS/ST inside the interchange: there is no claim to read")
    warnings = list(reader.warnings)
    bom = _has_bom(source)
    if bom:
        warnings.append(f"{prefix}a UTF-8 byte-order mark before ISA was removed")
    return Document837P(builder.interchanges, label, warnings, bom, builder.stray)
