"""The 837P built, checked and written one subscriber level at a time.

:func:`~addin.x12.x837p.writer.build_accepted` builds the loops of every claim of a file,
walks them for the checks and again for the text: on a big week that is some 700,000
segment records in 300,000 loop models held at once. :func:`stream_837p` makes the same
loops with the same code, one 2000B level (the subscriber, the patients under them and
their claims) at a time, puts them through the same checks and writes their text to the
file, then lets them go: the file is the same byte for byte.

A file with a problem is another matter: a finding names the segment's position in the
file and the encounters held are left out of a second build. So the first problem any
check finds stops the stream (the partial file is removed) and the caller builds the file
the whole-file way, which gives the findings exactly. A clean file, the usual week, is
written once.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from addin.collector import collector_paused
from addin.files.folders import make_folder
from addin.models import Claim, Finding
from addin.x12.audit import EnvelopeAudit
from addin.x12.envelope import WRITE_DELIMITERS, ControlNumbers, Envelope, se, st
from addin.x12.x837p import writer
from addin.x12.x837p.checks import (
    FactsMemo,
    HLState,
    Tally,
    check_claim,
    check_hl,
    check_npis,
    check_subscriber,
    zip_check,
)
from addin.x12.x837p.elements import ElementWalk
from addin.x12.x837p.forked import Forked, can_fork
from addin.x12.x837p.loops import Loop2300, render_segments
from addin.x12.x837p.names import Names
from addin.x12.x837p.segs import RawSegment, Seg
from addin.x12.x837p.writer import LineMemo, require_settings, transaction_head


@dataclass
class Streamed:
    """What :func:`stream_837p` wrote: the file, its control numbers and the findings (the
    warnings on names and identifiers cleaned for X12; a streamed file has no errors)."""

    path: Path
    numbers: ControlNumbers
    findings: list[Finding]
    #: what the caller's ``meanwhile`` gave (see :func:`stream_837p`)
    meanwhile: Any = None
    #: the forked child's own memory in MB (0 when no child wrote a part)
    child_mb: float = 0.0


#: Set (to anything but "" or "0") to build every 837P the whole-file way: how the
#: benchmarks and the tests compare the two paths on the same claims.
WHOLE_FILE = "CLAIMBOOK_837P_WHOLE_FILE"


def legacy_837p() -> bool:
    """Whether :data:`WHOLE_FILE` asks for the whole-file path."""
    return os.environ.get(WHOLE_FILE, "") not in ("", "0")


class _Stop(Exception):
    """A check found a problem: the file is built the whole-file way instead."""


class _Out:
    """Segments to the file, counted, with the envelope audit fed as they pass."""

    def __init__(self, handle: object, audit: EnvelopeAudit) -> None:
        self.write = handle.write  # type: ignore[attr-defined]
        self.audit = audit
        self.count = 0  # segments written so far

    def envelope(self, seg: Seg) -> None:
        """An envelope segment (ISA, GS, ST, SE, GE, IEA): audited one by one."""
        self.count += 1
        self.audit.feed(seg.seg_id, seg.elements(), f"segment {self.count} ({seg.seg_id})")
        self.write(render_segments([seg]))

    def text(self, texts: list[str], end: str) -> None:
        """Segments inside a transaction set as texts without terminators."""
        if not self.audit.inside_many(len(texts)):
            raise _Stop
        self.count += len(texts)
        self.write(end.join(texts) + end)

    def body(self, segs: list[Seg]) -> None:
        """Segments inside a transaction set (none of them an envelope segment)."""
        if not self.audit.inside_many(len(segs)):
            raise _Stop
        self.count += len(segs)
        self.write(render_segments(segs))


def stream_837p(
    claims: Sequence[Claim],
    settings: dict[str, str],
    path: Path,
    *,
    created: datetime,
    numbers: ControlNumbers,
    meanwhile: Callable[[], Any] | None = None,
) -> Streamed | None:
    """Write ``claims`` as one 837P to ``path`` (temp file, then rename) when every check
    passes; None, with nothing written, when one does not (or the file cannot be written):
    build it with :func:`~addin.x12.x837p.writer.build_accepted` then, for the findings.

    ``meanwhile`` is the caller's own work for a file that is written (it must change
    nothing, as its result is dropped when the file is not): it runs while a forked child
    writes the later transaction sets, else after the last one; its result is
    :attr:`Streamed.meanwhile`."""
    if not claims or path.is_dir():
        return None
    require_settings(settings)
    tmp: str | None = None
    try:
        make_folder(path.parent, path)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        # one collector pause for the whole file, as the whole-file path has
        with os.fdopen(fd, "w", encoding="ascii", newline="") as handle, collector_paused():
            done = _stream(claims, settings, handle, created, numbers, path, meanwhile)
        os.replace(tmp, path)
        tmp = None
    except (_Stop, OSError, UnicodeEncodeError):
        return None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return done


class _File:
    """One streamed 837P's running state: what its transaction sets share (the names and
    their findings, the line memo, the checks' walk and tally, the envelope audit)."""

    def __init__(
        self,
        settings: dict[str, str],
        handle: TextIO,
        created: datetime,
        numbers: ControlNumbers,
    ) -> None:
        self.settings = settings
        self.created = created
        self.numbers = numbers
        self.envelope = Envelope.for_submitter(settings, created, numbers)
        self.names = Names()
        comp = WRITE_DELIMITERS.component
        self.audit = EnvelopeAudit()
        self.walk = ElementWalk(comp, element=WRITE_DELIMITERS.element)
        self.end = WRITE_DELIMITERS.segment + "\n"
        self.tally = Tally(comp)
        self.out = _Out(handle, self.audit)
        self.cleaned = 0  # names findings looked at for errors so far
        # a line billed again (same code, charge, date, pointers...) is the same loop,
        # checked and written once: most lines of a week are
        self.memo: LineMemo = {}
        self.walk.lines = {}
        self.line_facts: FactsMemo = {}  # and its facts for the claim checks read once

    def transaction(self, control: int, chunk: Sequence[Claim]) -> int:
        """One ST..SE of ``chunk`` checked and written; its segment count without SE."""
        names, walk, tally, out = self.names, self.walk, self.tally, self.out
        facts = self.line_facts
        txn, levels = transaction_head(chunk, self.settings, control, self.created, names,
                                       self.memo)  # fmt: skip
        head = txn.segments[0]
        # the checks of the transaction itself, as check_transaction makes them in order
        hl = HLState()
        (billing,) = txn.billing
        check_hl(tally, hl, billing, bool(chunk))
        zip_check(tally, billing)
        check_npis(tally, txn, None)
        walk.visit(txn, (), None, False)
        segs: list[Seg] = []
        txn.collect(segs)
        out.envelope(head)
        out.body(segs[1:])
        inside = len(segs)
        any_claim = False
        for level in levels:
            check_hl(tally, hl, level, bool(level.patients))
            for patient in level.patients:
                check_hl(tally, hl, patient, False)
            check_subscriber(tally, level)
            check_npis(tally, level, None)
            claim_loops: list[Loop2300] = [*level.claims]
            for patient in level.patients:
                claim_loops.extend(patient.claims)
            for claim in claim_loops:
                check_claim(tally, claim, facts)
            any_claim = any_claim or bool(claim_loops)
            texts: list[str] = []
            walk.texts = texts  # the level's text, from the same walk as its checks
            walk.visit(level, (), None, False)
            walk.texts = None
            if (
                tally.count
                or walk.problems
                or any(f.blocking for f in names.findings[self.cleaned :])
            ):
                raise _Stop
            self.cleaned = len(names.findings)
            out.text(texts, end=self.end)
            inside += len(texts)
        if not any_claim:
            raise _Stop  # X12-NO-CLAIMS
        trailer = RawSegment("SE", tuple(se(inside + 1, control)[1:]))
        walk.check("ST", [trailer], (), None, False)
        out.envelope(trailer)
        return inside

    def clean(self) -> bool:
        """No check has found a problem so far."""
        return not (self.tally.count or self.walk.problems)


def _chunks(claims: Sequence[Claim], first: int) -> list[tuple[int, Sequence[Claim]]]:
    """Each transaction set's control number and claims."""
    per_st = writer.MAX_CLAIMS_PER_ST  # read here: a test makes transactions small
    return [(first + i, claims[start : start + per_st])
            for i, start in enumerate(range(0, len(claims), per_st))]  # fmt: skip


def _later(file: _File, chunks: list[tuple[int, Sequence[Claim]]], path: str) -> Any:
    """The child's part: ``chunks`` written to ``path``; the findings they added and each
    transaction set's segment count (None when a check found a problem)."""
    start = len(file.names.findings)
    try:
        with open(path, "w", encoding="ascii", newline="") as handle:
            file.out = _Out(handle, file.audit)
            counts = [file.transaction(control, chunk) for control, chunk in chunks]
    except (_Stop, UnicodeEncodeError):
        return None
    if not file.clean():
        return None
    return file.names.findings[start:], counts


def _stream(
    claims: Sequence[Claim],
    settings: dict[str, str],
    handle: TextIO,
    created: datetime,
    numbers: ControlNumbers,
    path: Path,
    meanwhile: Callable[[], Any] | None,
) -> Streamed:
    """As :func:`~addin.x12.x837p.writer.assemble` and ``check_837p``, level by level; the
    later half of the transaction sets in a forked child when there are two or more (see
    :mod:`~addin.x12.x837p.forked`), the same bytes and findings either way."""
    file = _File(settings, handle, created, numbers)
    envelope, walk, out, names = file.envelope, file.walk, file.out, file.names
    isa = RawSegment("ISA", tuple(envelope.isa()[1:]))
    gs = RawSegment("GS", tuple(envelope.gs()[1:]))
    walk.check("ISA", [isa], (), None, False)
    walk.check("GS", [gs], (), None, False)
    out.envelope(isa)
    out.envelope(gs)
    chunks = _chunks(claims, numbers.first_transaction)
    mine = len(chunks)
    child: Forked | None = None
    other: str | None = None
    if len(chunks) > 1 and can_fork():
        # the caller's own work is done here while the child writes: the child takes more
        mine = max(1, len(chunks) * 2 // 5) if meanwhile else (len(chunks) + 1) // 2
        fd, other = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        os.close(fd)
        later, target = chunks[mine:], other
        handle.flush()  # nothing buffered for the child to copy
        try:
            child = Forked(lambda: _later(file, later, target))
        except OSError:  # no fork to be had (memory, process limits): all of it here
            mine = len(chunks)
    try:
        for control, chunk in chunks[:mine]:
            file.transaction(control, chunk)
        extra = meanwhile() if child is not None and meanwhile is not None else None
        if child is not None and other is not None:
            done = child.join()
            if done is None:
                raise _Stop
            found, counts = done
            names.findings.extend(found)
            # the envelope audit sees the child's ST..SE as if they had passed here
            audit = file.audit
            for (control, _), inside in zip(chunks[mine:], counts, strict=True):
                out.count += 1
                audit.feed("ST", st(control)[1:], f"segment {out.count} (ST)")
                if not audit.inside_many(inside - 1):
                    raise _Stop
                out.count += inside
                audit.feed("SE", se(inside + 1, control)[1:], f"segment {out.count} (SE)")
            with open(other, encoding="ascii", newline="") as part:
                shutil.copyfileobj(part, handle, 1 << 20)
    finally:
        if child is not None:
            child.cancel()
        if other is not None:
            Path(other).unlink(missing_ok=True)
    count = len(chunks)
    ge = RawSegment("GE", tuple(envelope.ge(count)[1:]))
    iea = RawSegment("IEA", tuple(envelope.iea()[1:]))
    walk.check("GS", [ge], (), None, False)
    walk.check("ISA", [iea], (), None, False)
    out.envelope(ge)
    out.envelope(iea)
    if not file.clean() or file.audit.finish():
        raise _Stop
    written = list(dict.fromkeys(names.findings))
    if any(f.blocking for f in written):
        raise _Stop
    if child is None and meanwhile is not None:
        extra = meanwhile()
    numbers = ControlNumbers(int(isa[13]), int(gs[6]), chunks[0][0])
    return Streamed(path, numbers, written, extra, child.child_mb if child else 0.0)
