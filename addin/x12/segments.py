"""The shared X12 tokenizer: delimiters from the ISA, segments with positions, envelopes.

Read any X12 file into a stream of :class:`Segment` objects without holding more than one
chunk (and the caller's current transaction set) in memory::

    reader = read_segments(Path("era.835"))      # bytes, str (content) or a path / binary file
    for seg in reader:
        seg.id, seg[1], seg.composite(1), seg.index, seg.offset
    reader.delimiters, reader.warnings

    for txn in iter_transactions(read_segments(data)):   # one ST..SE at a time
        txn.type, txn.version, txn.segments

What it copes with: delimiters read from each ISA (element separator at ISA position 4,
component separator ISA16, segment terminator after it); an ISA whose fields are not padded
to fixed width; a UTF-8 byte-order mark; line breaks or indentation after terminators; files
with no ISA (delimiters guessed from the first segment, with a warning); several ISA/GS/ST in
one file. Bytes that are not UTF-8 are replaced, never fatal. A file whose segment ids are in
lower case is refused saying so (a tool has changed it).

One rule tells a path from X12 text, for every reader (:func:`x12_source`): a ``Path`` (any
``os.PathLike``), or a ``str`` naming an existing file, is a path; a ``str`` that starts
(after a byte-order mark and white space) like X12 (``ISA*``, ``ST*`` ...) is the content;
any other ``str`` is refused with a message. ``bytes`` and binary files are content.
"""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from addin.errors import X12Error
from addin.x12.audit import EnvelopeAudit
from addin.x12.kinds import TRANSACTION_NAMES, describe

__all__ = [
    "TRANSACTION_NAMES",
    "Delimiters",
    "Segment",
    "SegmentReader",
    "Transaction",
    "X12Input",
    "describe",
    "iter_transactions",
    "read_segments",
    "source_name",
    "x12_source",
]

CHUNK_SIZE = 1 << 20
MAX_SEGMENT = 1 << 20  # longer than any real segment (NTE and MSG hold 264 characters)
_STRIP = " \t\r\n\x00"
_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}")
X12Input = bytes | str | os.PathLike[str] | BinaryIO
# How X12 text starts: a segment id, then an element separator (not a letter, digit or space).
_X12_START = re.compile(r"(?:ISA|isa|[A-Za-z][A-Za-z0-9]{1,2}[^A-Za-z0-9\s])")
# A file lower-cased by some tool: its first segment id is a lower-case ISA, GS, ST or BPR.
_LOWER_START = re.compile(r"(?:isa|gs|st|bpr|bht)[^A-Za-z0-9\s]")


def x12_source(source: X12Input) -> X12Input:
    """The one rule for every reader: a path, or X12 content (see the module docstring).

    A ``str`` naming an existing file becomes a ``Path``; a ``str`` that starts like X12 (or
    is empty, which the tokenizer reports as an empty file) stays content; any other
    ``str`` raises :class:`X12Error` saying it is neither.
    """
    if not isinstance(source, str):
        return source
    if len(source) < 4096 and "\n" not in source and "\x00" not in source and source.strip():
        try:
            if Path(source).is_file():
                return Path(source)
        except (OSError, ValueError):  # a name too long for the file system, say
            pass
    head = source.lstrip("\ufeff \t\r\n\x00")
    if not head or _X12_START.match(head[:4]):
        return source
    shown = source if len(source) <= 60 else source[:57] + "..."
    if "\n" not in source and len(source) < 260:
        hint = "no file has that name; check the path"
    else:
        hint = "X12 text starts with a segment id such as ISA or ST"
    raise X12Error(f"{shown!r} does not look like X12 and is not an existing file ({hint})")


def source_name(source: X12Input, name: str = "") -> str:
    """The label messages use for ``source``: ``name``, else a path's file name, else ``""``."""
    if name:
        return name
    if isinstance(source, os.PathLike):
        return os.path.basename(os.fspath(source))
    return ""


@dataclass(frozen=True, slots=True)
class Delimiters:
    """The four separators of an interchange (ISA04 position, ISA11, ISA16, terminator)."""

    element: str = "*"
    component: str = ":"
    repetition: str | None = "^"
    segment: str = "~"

    @classmethod
    def from_isa(cls, text: str, where: str = "") -> Delimiters:
        """Read delimiters from text starting with ``ISA`` (fixed width or not)."""
        if len(text) < 4 or not text.startswith("ISA"):
            raise X12Error(f"{where}expected an ISA segment, found {text[:20]!r}")
        element = text[3]
        if element.isalnum() or element in _STRIP:
            raise X12Error(
                f"{where}ISA: element separator {element!r} is a letter, digit or space; "
                "the file is damaged or not X12"
            )
        # Walk 16 separators rather than trusting fixed positions: some senders trim ISA02/04.
        pos = 3
        for number in range(1, 16):
            pos = text.find(element, pos + 1)
            if pos < 0:
                raise X12Error(
                    f"{where}ISA: only {number + 1} of 16 elements before the text ends; "
                    "the interchange header is cut short"
                )
        if pos + 1 >= len(text):
            raise X12Error(f"{where}ISA: ISA16 (component separator) is missing")
        component = text[pos + 1]
        segment = text[pos + 2] if pos + 2 < len(text) else ""
        if segment == "\r" and text[pos + 3 : pos + 4] == "\n":
            segment = "\n"
        if not segment or segment.isalnum() or segment in (element, component, " "):
            raise X12Error(
                f"{where}ISA: no segment terminator after ISA16 (found {segment!r}); "
                "the interchange header is damaged"
            )
        fields = text[:pos].split(element)
        repetition: str | None = None
        isa11 = fields[11] if len(fields) > 11 else ""
        version = fields[12].strip() if len(fields) > 12 else ""
        # 00401 and earlier use ISA11 as the standards identifier ("U"), not a separator.
        if len(isa11) == 1 and not isa11.isalnum() and version >= "00402":
            repetition = isa11
        return cls(element, component, repetition, segment)


class Segment:
    """One segment: ``id``, ``elements`` (XX01 is ``elements[0]``), and where it was found.

    ``seg[n]`` is element n counted as in the implementation guides (1-based), ``""`` when
    absent; ``index`` is the 1-based segment number in the file and ``offset`` the character
    offset of its first character, for messages.
    """

    __slots__ = ("id", "elements", "index", "offset", "delimiters")

    def __init__(
        self, id: str, elements: list[str], index: int, offset: int, delimiters: Delimiters
    ) -> None:
        self.id = id
        self.elements = elements
        self.index = index
        self.offset = offset
        self.delimiters = delimiters

    def __getitem__(self, n: int) -> str:
        if n < 1:
            raise IndexError(f"X12 elements are numbered from 1, got {n}")
        return self.elements[n - 1] if n <= len(self.elements) else ""

    def __len__(self) -> int:
        return len(self.elements)

    def get(self, n: int, default: str = "") -> str:
        """Element n (1-based), or ``default`` when absent or empty."""
        value = self[n]
        return value if value else default

    def composite(self, n: int) -> list[str]:
        """Element n split on the component separator (``HC:99213:25`` -> 3 parts)."""
        return self[n].split(self.delimiters.component)

    def component(self, n: int, k: int) -> str:
        """Component k (1-based) of element n, ``""`` when absent."""
        parts = self.composite(n)
        return parts[k - 1] if 1 <= k <= len(parts) else ""

    def repeats(self, n: int) -> list[str]:
        """Element n split on the repetition separator (when the interchange has one)."""
        rep = self.delimiters.repetition
        value = self[n]
        return value.split(rep) if rep else [value]

    @property
    def where(self) -> str:
        """``segment 12 (CLP)``: the position phrase for messages."""
        return f"segment {self.index} ({self.id})"

    def x12(self, delimiters: Delimiters | None = None) -> str:
        """The segment as X12 text, without terminator."""
        d = delimiters or self.delimiters
        return d.element.join([self.id, *self.elements])

    def __repr__(self) -> str:
        return f"Segment({self.x12()!r}, index={self.index})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Segment):
            return NotImplemented
        return self.id == other.id and self.elements == other.elements

    __hash__ = None  # type: ignore[assignment]


def _encoding(head: bytes) -> str:
    """UTF-8 unless a UTF-16 byte-order mark or NUL-interleaved ASCII says otherwise."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if len(head) >= 4 and head[1] == 0 and head[3] == 0 and head[0] and head[2]:
        return "utf-16-le"
    if len(head) >= 4 and head[0] == 0 and head[2] == 0 and head[1] and head[3]:
        return "utf-16-be"
    return "utf-8-sig"


def _decode_chunks(source: X12Input) -> Iterator[str]:
    """Yield text chunks from bytes, text, a path or a binary file; BOM dropped."""
    if isinstance(source, str):
        yield source[1:] if source.startswith("\ufeff") else source
        return
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        yield data.decode(_encoding(data[:4]), errors="replace")
        return
    if isinstance(source, os.PathLike):
        try:
            handle: BinaryIO = open(source, "rb")  # closed in the finally below
        except OSError as exc:
            raise X12Error(f"{source}: cannot open ({exc.strerror}); check the path") from None
        close = True
    else:
        handle, close = source, False
    try:
        decoder: codecs.IncrementalDecoder | None = None
        while True:
            block = handle.read(CHUNK_SIZE)
            if decoder is None:
                decoder = codecs.getincrementaldecoder(_encoding(block[:4]))(errors="replace")
            if not block:
                break
            yield decoder.decode(block)
        yield decoder.decode(b"", final=True)
    finally:
        if close:
            handle.close()


def _guess_delimiters(text: str) -> Delimiters:
    """Delimiters for a file with no ISA: taken from its first segment and what follows."""
    element = text[2:3] if not text[2:3].isalnum() else text[3:4]
    if not element or element.isalnum() or element in _STRIP:
        raise X12Error(
            f"does not look like X12: it starts with {text[:30]!r} and has no ISA header"
        )
    pattern = re.compile(
        r"([^A-Za-z0-9 " + re.escape(element) + r"])\s*[A-Z][A-Z0-9]{1,2}" + re.escape(element)
    )
    match = pattern.search(text)
    segment = "\n"
    if match:
        segment = match.group(1)
        if segment == "\r":
            segment = "\n"
    component = ":"
    comp = re.search(r"(?:SVC|SV1|SV2|HI)" + re.escape(element) + r"[A-Z]{2}([^A-Za-z0-9])", text)
    if comp and comp.group(1) not in (element, segment):
        component = comp.group(1)
    return Delimiters(element, component, None, segment)


class SegmentReader:
    """An iterator of :class:`Segment` over one X12 source; see :func:`read_segments`."""

    def __init__(self, source: X12Input, name: str = "") -> None:
        source = x12_source(source)
        self.name = name or (str(source) if isinstance(source, os.PathLike) else "")
        self.delimiters: Delimiters | None = None
        self.warnings: list[str] = []
        self.has_isa = False
        self._chunks = _decode_chunks(source)
        self._iter = self._segments()

    def __iter__(self) -> Iterator[Segment]:
        # The generator itself, so for-loops skip a Python-level __next__ per segment.
        return self._iter

    def __next__(self) -> Segment:
        return next(self._iter)

    def _prefix(self) -> str:
        return f"{self.name}: " if self.name else ""

    def _segments(self) -> Iterator[Segment]:
        buf = ""
        offset = 0  # character offset of buf[0] in the file
        index = 0
        eof = False
        delims: Delimiters | None = None
        while True:
            if delims is None:
                # Need enough text to see a whole ISA header (106 chars when fixed width).
                while not eof and len(buf) < 4096:
                    try:
                        buf += next(self._chunks)
                    except StopIteration:
                        eof = True
                stripped = buf.lstrip(_STRIP)
                offset += len(buf) - len(stripped)
                buf = stripped
                if not buf:
                    if index == 0:
                        raise X12Error(f"{self._prefix()}the file is empty")
                    return
                if index == 0 and _LOWER_START.match(buf[:4]):
                    raise X12Error(
                        f"{self._prefix()}the segment ids are in lower case (the file starts "
                        f"{buf[:12]!r}); X12 segment ids are upper case (ISA, GS, ST ...), so "
                        "a program or editor has changed the file. Get the original file from "
                        "the sender: changing the case back by hand would also change names "
                        "and IDs inside it"
                    )
                if buf.startswith("ISA"):
                    delims = Delimiters.from_isa(
                        buf[:4096], f"{self._prefix()}segment {index + 1} "
                    )
                    self.has_isa = True
                else:
                    if index == 0 and not _SEGMENT_ID.match(buf[:3]):
                        raise X12Error(
                            f"{self._prefix()}does not look like X12: it starts with "
                            f"{buf[:30]!r}; expected an ISA header"
                        )
                    delims = _guess_delimiters(buf[:65536])
                    if index == 0:
                        self.warnings.append(
                            f"{self._prefix()}no ISA envelope; read from the first segment "
                            f"({buf[:3].rstrip(delims.element)}) with separators guessed as "
                            f"{delims.element!r}, {delims.component!r}, {delims.segment!r}"
                        )
                if self.delimiters is None:
                    self.delimiters = delims
            term = delims.segment
            el = delims.element
            active: Delimiters = delims
            parts = buf.split(term)
            buf = parts.pop()
            restart = False
            for i, part in enumerate(parts):
                stripped = part.lstrip(_STRIP)
                text = stripped.rstrip(_STRIP)
                if not text:
                    offset += len(part) + 1
                    continue
                lead = len(part) - len(stripped)
                if text.startswith("ISA") and index > 0 and text[3:4] != el:
                    # A later interchange with other separators: re-read from its ISA.
                    buf = term.join(parts[i:]) + term + buf
                    delims = None
                    restart = True
                    break
                index += 1
                elements = text.split(el)
                sid = elements[0]
                del elements[0]
                yield Segment(sid, elements, index, offset + lead, active)
                offset += len(part) + 1
            if restart:
                continue
            if eof:
                text = buf.strip(_STRIP)
                if text.startswith("ISA") and text[3:4] != el:
                    delims = None
                    continue
                if text:
                    index += 1
                    lead = len(buf) - len(buf.lstrip(_STRIP))
                    elements = text.split(el)
                    sid = elements[0]
                    del elements[0]
                    self.warnings.append(
                        f"{self._prefix()}segment {index} ({sid}) has no terminator "
                        f"{term!r}; the file may be cut short"
                    )
                    yield Segment(sid, elements, index, offset + lead, active)
                return
            if len(buf) > MAX_SEGMENT:
                # Without this a file with no terminator would be held whole and rescanned.
                raise X12Error(
                    f"{self._prefix()}segment {index + 1} runs past {MAX_SEGMENT:,} characters "
                    f"without the terminator {term!r}; the file is not X12 or is damaged"
                )
            try:
                buf += next(self._chunks)
            except StopIteration:
                eof = True


def read_segments(source: X12Input, name: str = "") -> SegmentReader:
    """Stream the segments of X12 ``source``: bytes, text content, a path, or a binary file.

    Raises :class:`~addin.errors.X12Error` for an empty file or one that is not X12.
    """
    return SegmentReader(source, name)


@dataclass
class Transaction:
    """One transaction set (ST..SE) with the ISA and GS that enclose it."""

    segments: list[Segment]
    isa: Segment | None = None
    gs: Segment | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def st(self) -> Segment:
        return self.segments[0]

    @property
    def type(self) -> str:
        """ST01, e.g. ``835``."""
        return self.segments[0][1]

    @property
    def control_number(self) -> str:
        return self.segments[0][2]

    @property
    def version(self) -> str:
        """ST03 or else GS08, e.g. ``005010X221A1``; ``""`` when neither is present."""
        return self.segments[0][3] or (self.gs[8] if self.gs else "")

    @property
    def functional_group(self) -> str:
        return self.gs[1] if self.gs else ""


def iter_transactions(segments: Iterable[Segment], name: str = "") -> Iterator[Transaction]:
    """Group a segment stream into transaction sets; holds one ST..SE at a time (and the one
    before it, until the next ST or the end of the file).

    Segments outside any ST (ISA, GS, GE, IEA) set the envelope. Envelope problems
    (:mod:`addin.x12.audit`: a missing SE, GE or IEA, wrong counts or control numbers,
    duplicate ST02, data after the IEA) are warnings on the transaction they concern, or on
    the last one read before them, rather than raised, so a cut-short file still yields its
    data.
    """
    prefix = f"{name}: " if name else ""
    audit = EnvelopeAudit()
    reported = 0
    isa: Segment | None = None
    gs: Segment | None = None
    current: Transaction | None = None
    ready: Transaction | None = None  # finished, held so problems after its SE reach it
    early: list[str] = []  # problems before the first transaction set

    def route(target: Transaction | None, starting: Segment | None = None) -> list[str]:
        """Problems not yet routed go to ``target``; those about ``starting`` (a new ST) are
        returned for the set it opens."""
        nonlocal reported
        mine: list[str] = []
        for problem in audit.problems[reported:]:
            text = f"{prefix}{problem}"
            if starting is not None and problem.where == starting.where:
                mine.append(text)
            else:
                (target.warnings if target is not None else early).append(text)
        reported = len(audit.problems)
        return mine

    for seg in segments:
        sid = seg.id
        audit.feed(sid, seg.elements, seg.where)
        if sid == "ST":
            own = route(current or ready, seg)  # a missing SE is the previous set's problem
            if current is not None:
                ready = current
            if ready is not None:
                yield ready
                ready = None
            current = Transaction([seg], isa, gs, [*early, *own])
            early = []
        elif current is not None:
            current.segments.append(seg)
            if sid == "SE":
                route(current)
                ready, current = current, None
        else:
            if sid == "ISA":
                isa, gs = seg, None
            elif sid == "GS":
                gs = seg
            route(ready)
    audit.finish()
    route(current or ready)
    last = current or ready
    if last is not None:
        yield last
