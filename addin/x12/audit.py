"""Envelope checks as a clearinghouse makes them: ISA/IEA, GS/GE and ST/SE presence, counts
and control numbers, duplicate control numbers, and segments outside any envelope.

Feed every segment of a file, in order, to one :class:`EnvelopeAudit` and call
:meth:`~EnvelopeAudit.finish` at the end; each problem is an :class:`EnvelopeProblem` naming
the segment, the values and what they should be. The 835 readers turn problems into
warnings on the transaction they concern, the 837P checks into findings, so both kinds of
file are held to the same rules:

- every ST has an SE, SE01 counts the segments from ST to SE, SE02 repeats ST02, and no two
  transaction sets of one group share an ST02;
- every GS has a GE, GE01 counts the group's transaction sets, GE02 repeats GS06, and no two
  groups of one interchange share a GS06;
- every ISA has an IEA, IEA01 counts the interchange's groups, IEA02 repeats ISA13;
- nothing but a new ISA follows an IEA, and nothing sits between an SE and the next ST or GE.

A file with no ISA at all (some payers' portal downloads) is the readers' concern: the audit
then checks what is there and does not ask for an IEA.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

ENVELOPE = frozenset({"ISA", "IEA", "GS", "GE", "ST", "SE"})


@dataclass(frozen=True, slots=True)
class EnvelopeProblem:
    """One envelope problem: a rule id (``X12-SE01``), where, what, and the value found."""

    rule: str
    where: str
    message: str
    value: str = ""

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def _same_number(a: str, b: str) -> bool:
    """Control numbers compared as the guides mean them: ``000000101`` is ``101``."""
    a, b = a.strip(), b.strip()
    if a.isdigit() and b.isdigit():
        return int(a) == int(b)
    return a == b


@dataclass(slots=True)
class _Open:
    """An envelope segment whose trailer has not been seen yet."""

    control: str
    where: str
    count: int = 0  # segments (ST), transaction sets (GS) or groups (ISA) inside so far


class EnvelopeAudit:
    """Checks the envelopes of one file as its segments stream past (see the module doc)."""

    __slots__ = ("problems", "_isa", "_gs", "_st", "_st_seen", "_gs_seen", "_closed", "_stray")

    def __init__(self) -> None:
        self.problems: list[EnvelopeProblem] = []
        self._isa: _Open | None = None
        self._gs: _Open | None = None
        self._st: _Open | None = None
        self._st_seen: set[str] = set()
        self._gs_seen: set[str] = set()
        self._closed = False  # an IEA was seen and no ISA followed yet
        self._stray = 0  # segments outside any transaction set reported so far

    def _add(self, rule: str, where: str, message: str, value: str = "") -> None:
        self.problems.append(EnvelopeProblem(rule, where, message, value))

    def inside(self) -> bool:
        """Count one segment that is not an envelope segment, when a transaction set is open
        (False when none is: then :meth:`feed` it, to be reported). Lets a caller that walks
        loop models skip building each segment's elements and position text."""
        st = self._st
        if st is None:
            return False
        st.count += 1
        return True

    def inside_many(self, count: int) -> bool:
        """:meth:`inside` for ``count`` segments in a row, none of them an envelope segment
        (one call for a transaction set's body, which cannot open or close one)."""
        st = self._st
        if st is None:
            return False
        st.count += count
        return True

    def feed(self, sid: str, elements: Sequence[str], where: str) -> None:
        """One segment: its id, its elements (XX01 first) and ``segment N (XX)`` for messages."""
        st = self._st
        if st is not None and sid not in ENVELOPE:
            st.count += 1
            return
        e = [*elements[:16], *[""] * (16 - min(len(elements), 16))]
        if sid == "SE":
            self._se(e, where)
        elif sid == "ST":
            self._start_st(e, where)
        elif sid == "GE":
            self._ge(e, where)
        elif sid == "GS":
            self._start_gs(e, where)
        elif sid == "IEA":
            self._iea(e, where)
        elif sid == "ISA":
            self._start_isa(e, where)
        else:
            self._outside(sid, where)

    # -- ST/SE ------------------------------------------------------------------------------
    def _start_st(self, e: list[str], where: str) -> None:
        self._close_st(f"before {where}")
        if self._closed:
            self._outside("ST", where)
        elif self._gs is None and (self._isa is not None or self._gs_seen):
            self._add(
                "X12-ENVELOPE",
                where,
                f"transaction set {e[1]!r} is outside a functional group (no GS before its "
                "ST); the file is damaged",
                e[1],
            )
        if self._gs is not None:
            self._gs.count += 1
        control = e[1]
        if control in self._st_seen:
            self._add(
                "X12-ST02",
                where,
                f"ST02 {control!r} is used twice in this functional group; every transaction "
                "set of a group needs its own control number",
                control,
            )
        self._st_seen.add(control)
        self._st = _Open(control, where, 1)

    def _se(self, e: list[str], where: str) -> None:
        st = self._st
        if st is None:
            self._add("X12-SE", where, "SE without an ST before it; the file is damaged", e[0])
            return
        st.count += 1
        self._st = None
        said, control = e[0], e[1]
        if not (said.isdigit() and int(said) == st.count):
            self._add(
                "X12-SE01",
                where,
                f"SE01 says {said or 'nothing'} segments; transaction set {st.control} has "
                f"{st.count} (ST to SE)",
                said,
            )
        if control != st.control:
            self._add(
                "X12-SE02",
                where,
                f"SE02 {control!r} does not match ST02 {st.control!r} ({st.where})",
                control,
            )

    def _close_st(self, when: str) -> None:
        st = self._st
        if st is not None:
            self._add(
                "X12-SE",
                st.where,
                f"transaction set {st.control} has no SE {when}: it is cut short or another "
                "file was joined to it",
                st.control,
            )
            self._st = None

    # -- GS/GE ------------------------------------------------------------------------------
    def _start_gs(self, e: list[str], where: str) -> None:
        self._close_st(f"before {where}")
        self._close_gs(f"before {where}")
        if self._closed:
            self._outside("GS", where)
        if self._isa is not None:
            self._isa.count += 1
        control = e[5]
        if control in self._gs_seen and self._isa is not None:
            self._add(
                "X12-GS06",
                where,
                f"GS06 {control!r} is used twice in this interchange; every functional group "
                "needs its own control number",
                control,
            )
        self._gs_seen.add(control)
        self._st_seen = set()
        self._gs = _Open(control, where)

    def _ge(self, e: list[str], where: str) -> None:
        self._close_st(f"before {where}")
        gs = self._gs
        if gs is None:
            self._add("X12-GE", where, "GE without a GS before it; the file is damaged", e[0])
            return
        self._gs = None
        said, control = e[0], e[1]
        if not (said.isdigit() and int(said) == gs.count):
            self._add(
                "X12-GE",
                where,
                f"GE01 says {said or 'nothing'} transaction sets; group {gs.control} has "
                f"{gs.count}",
                said,
            )
        if not _same_number(control, gs.control):
            self._add(
                "X12-GE",
                where,
                f"GE02 {control!r} does not match GS06 {gs.control!r} ({gs.where})",
                control,
            )

    def _close_gs(self, when: str) -> None:
        gs = self._gs
        if gs is not None:
            self._add(
                "X12-GE",
                gs.where,
                f"functional group {gs.control} has no GE {when}: the file is cut short or "
                "was joined by hand",
                gs.control,
            )
            self._gs = None

    # -- ISA/IEA ----------------------------------------------------------------------------
    def _start_isa(self, e: list[str], where: str) -> None:
        self._close_st(f"before {where}")
        self._close_gs(f"before {where}")
        self._close_isa(f"before {where}")
        self._closed = False
        self._gs_seen = set()
        self._isa = _Open(e[12].strip(), where)

    def _iea(self, e: list[str], where: str) -> None:
        self._close_st(f"before {where}")
        self._close_gs(f"before {where}")
        isa = self._isa
        if isa is None:
            self._add("X12-IEA", where, "IEA without an ISA before it; the file is damaged", e[1])
            return
        self._isa = None
        self._closed = True
        said, control = e[0], e[1]
        if not (said.isdigit() and int(said) == isa.count):
            self._add(
                "X12-IEA",
                where,
                f"IEA01 says {said or 'nothing'} functional groups; interchange {isa.control} "
                f"has {isa.count}",
                said,
            )
        if not _same_number(control, isa.control):
            self._add(
                "X12-IEA",
                where,
                f"IEA02 {control!r} does not match ISA13 {isa.control!r} ({isa.where})",
                control,
            )

    def _close_isa(self, when: str) -> None:
        isa = self._isa
        if isa is not None:
            self._add(
                "X12-IEA",
                isa.where,
                f"interchange {isa.control} has no IEA {when}: the file is cut short or was "
                "joined by hand",
                isa.control,
            )
            self._isa = None

    # -- elsewhere --------------------------------------------------------------------------
    def _outside(self, sid: str, where: str) -> None:
        self._stray += 1
        if self._stray > 1:
            return  # one message is enough: the rest is the same damage
        if self._closed:
            message = (
                f"{sid} after the IEA that closed the interchange: the file has data after its "
                "end (a second file pasted on, or padding); ask the sender for a clean file"
            )
        else:
            message = (
                f"{sid} is outside any transaction set (between an SE and the next ST or GE); "
                "the file is damaged"
            )
        self._add("X12-ENVELOPE", where, message, sid)

    def finish(self) -> list[EnvelopeProblem]:
        """Report the trailers still missing at the end of the file; returns every problem."""
        self._close_st("at the end of the file")
        self._close_gs("at the end of the file")
        self._close_isa("at the end of the file")
        return self.problems
