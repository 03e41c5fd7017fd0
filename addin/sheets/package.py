"""An xlsx/xlsm zip package edited part by part: untouched parts are copied byte for byte.

Untouched entries are copied as their original compressed bytes (no inflate/deflate), so
they are identical by construction and a large sheet costs only a copy.
"""

from __future__ import annotations

import builtins
import posixpath
import queue
import re
import struct
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from xml.etree import ElementTree

from addin.errors import OutputError

REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CT_PATH = "[Content_Types].xml"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # new parts get a fixed stamp: reproducible output
_LIMIT = 0xFFFFFFFF
# zlib level for the parts a run writes. 2 deflates the XML of a 100,000-line sheet three times
# as fast as zlib's default 6, for a part about a fifth larger; Excel and LibreOffice read any
# level, and a rerun writes the same bytes because it uses the same level.
LEVEL = 2
_CHUNK = 1 << 20
_DEFAULT_TYPES = {
    "rels": "application/vnd.openxmlformats-package.relationships+xml",
    "xml": "application/xml",
}


@dataclass
class _Entry:
    name: str
    info: zipfile.ZipInfo | None = None
    raw: _Span | None = None  # where the original compressed bytes are, copied unchanged
    data: bytes | str | None = None  # new or replaced content (text: encoded when written)
    original: _Span | None = None  # the original compressed bytes, once the part was edited
    removed: bool = False  # taken out by this run (kept in place, so a part written again
    # under the same name keeps its place in the zip)
    packed: _Packed | None = None  # new content, streamed in and kept deflated
    deferred: _Deferred | None = None  # new content made again as the package is written


@dataclass(frozen=True)
class _Span:
    """Where a part's original compressed bytes lie in the package file: read when they are
    copied or inflated, never held (they are 14 MB of a 100,000-line workbook, 40 MB once
    its result sheets are in it). Its length is theirs, as the bytes' own would be."""

    start: int
    size: int

    def __len__(self) -> int:
        return self.size


@dataclass(frozen=True)
class _Packed:
    """A part's content deflated as it was produced: never held whole in memory. The
    deflated bytes stay the pieces zlib gave (joining them would hold them twice)."""

    pieces: tuple[bytes, ...]
    crc: int
    size: int

    @property
    def raw_size(self) -> int:
        return sum(map(len, self.pieces))

    def chunks(self) -> Iterable[bytes]:
        inflate = zlib.decompressobj(-15)
        for piece in self.pieces:
            yield inflate.decompress(piece)
        yield inflate.flush()

    @classmethod
    def of(cls, pieces: Iterable[str | bytes], level: int) -> _Packed:
        """Deflate ``pieces`` in order (see :func:`_deflate`)."""
        out: list[bytes] = []
        crc, size = _deflate(pieces, level, out.append)
        return cls(tuple(out), crc, size)


@dataclass(frozen=True)
class _Deferred:
    """A part whose new content ``make()`` gives again, the same each time: only its CRC-32
    and size are kept, and it is deflated straight into the file as the package is written
    (the 100,000-line Encounters sheet's marks: 16 MB deflated, never held)."""

    make: Callable[[], Iterable[str | bytes]]
    crc: int
    size: int

    def chunks(self) -> Iterator[bytes]:
        for piece in self.make():
            yield piece.encode("utf-8") if isinstance(piece, str) else piece


def _deflate(
    pieces: Iterable[str | bytes], level: int, sink: Callable[[bytes], object]
) -> tuple[int, int]:
    """Deflate ``pieces`` in order into ``sink``; returns their CRC-32 and size.

    Once a part runs past its first chunk, a second thread checksums and deflates (zlib
    lets go of the GIL) while this one renders the next piece: on two cores the deflating
    of a large sheet is almost free. A part of one chunk (most parts; every part of a
    small clinic's workbook) is deflated here: a thread for it would cost more than it
    saves, and in a batch the other core is busy with another clinic. The bytes are those
    of one deflate over the joined pieces (``sink`` is called from that thread)."""
    deflate = zlib.compressobj(level, zlib.DEFLATED, -15)
    sums = [0, 0]  # crc, size
    failed: list[BaseException] = []
    work: queue.Queue[bytes | None] = queue.Queue(maxsize=4)
    packer: threading.Thread | None = None
    first: list[bytes] = []  # the first chunk, held until a second says a thread pays

    def take(blob: bytes) -> None:
        sums[0] = zlib.crc32(blob, sums[0])
        sums[1] += len(blob)
        if packed := deflate.compress(blob):
            sink(packed)

    def pack() -> None:
        while (blob := work.get()) is not None:
            if failed:
                continue  # keep taking pieces: the renderer must never wait forever
            try:
                take(blob)
            except BaseException as exc:  # MemoryError: raised in the caller below
                failed.append(exc)

    def put(blob: bytes) -> None:
        nonlocal packer
        if packer is None:
            if not first:
                first.append(blob)
                return
            packer = threading.Thread(target=pack, name="claimbook-deflate", daemon=True)
            packer.start()
            work.put(first.pop())
        work.put(blob)

    try:
        small: list[bytes] = []  # small pieces (an edited sheet's stretches) go together
        held = 0
        for piece in pieces:
            if isinstance(piece, str):
                if len(piece) > _CHUNK:  # a long stretch: encoded a chunk at a time
                    if small:
                        put(b"".join(small))
                        small, held = [], 0
                    for start in range(0, len(piece), _CHUNK):
                        put(piece[start : start + _CHUNK].encode("utf-8"))
                    continue
                piece = piece.encode("utf-8")
            elif len(piece) >= _CHUNK:  # a whole chunk of a part streamed as it was
                if small:
                    put(b"".join(small))
                    small, held = [], 0
                put(piece)
                continue
            small.append(piece)
            held += len(piece)
            if held >= _CHUNK:
                put(b"".join(small))
                small, held = [], 0
        if small:
            put(b"".join(small))
    finally:
        if packer is not None:
            work.put(None)
            packer.join()
    if failed:
        raise failed[0]
    if first:  # the whole part was one chunk
        take(first.pop())
    sink(deflate.flush())
    return sums[0], sums[1]


class Package:
    """The parts of a zip package in their original order; new parts are appended."""

    def __init__(self, path: Path | None = None, parts: dict[str, bytes] | None = None) -> None:
        self.path = path
        self._entries: dict[str, _Entry] = {}
        self._zip: zipfile.ZipFile | None = None
        self._overrides: list[str] | None = None
        self._fh: BinaryIO | None = None  # the package file, for its parts' original bytes
        if path is not None:
            try:
                self._zip = zipfile.ZipFile(path)
                self._fh = fh = open(path, "rb")  # noqa: SIM115 - closed by close()
                for info in self._zip.infolist():
                    # some writers store 'xl\\workbook.xml'; OPC part names use '/', and
                    # that is how every part is found and written back
                    name = info.filename.replace("\\", "/")
                    self._entries[name] = _Entry(name, info, _raw_span(fh, info))
            except (zipfile.BadZipFile, OSError, struct.error) as exc:
                self.close()
                raise OutputError(
                    f"{path}: not a readable xlsx/xlsm package ({exc}); open it in Excel and "
                    "save it as .xlsx"
                ) from None
        for name, data in (parts or {}).items():
            self._entries[name] = _Entry(name, data=data)

    def names(self) -> list[str]:
        return [n for n, e in self._entries.items() if not e.removed]

    def __contains__(self, name: str) -> bool:
        entry = self._entries.get(name)
        return entry is not None and not entry.removed

    def read(self, name: str) -> bytes:
        entry = self._entries[name]
        if isinstance(entry.data, str):
            return entry.data.encode("utf-8")
        if entry.data is not None:
            return entry.data
        if entry.packed is not None:
            return b"".join(entry.packed.chunks())
        if entry.deferred is not None:
            return b"".join(entry.deferred.chunks())
        assert self._zip is not None and entry.info is not None
        return self._zip.read(entry.info)

    def chunks(self, name: str) -> Iterator[bytes] | None:
        """The part's content as it stands, a chunk at a time, inflated as it is read (the
        CRC-32 checked at the end, as a whole read checks it); None when the part is text
        set by this run (:meth:`text` holds it already) or stored in a way not read so."""
        entry = self._entries[name]
        if entry.packed is not None:
            return iter(entry.packed.chunks())
        if entry.deferred is not None:
            return entry.deferred.chunks()
        if entry.data is not None or entry.raw is None or entry.info is None:
            return None
        if entry.info.compress_type not in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED):
            return None
        return _inflated(self._raw(entry.raw, _CHUNK // 4), entry.info, self.path)

    def _raw(self, span: _Span, step: int = _CHUNK) -> Iterator[bytes]:
        """A part's original compressed bytes, read from the package file ``step`` at a time
        (each read seeks: two parts may be read in turn)."""
        assert self._fh is not None and self.path is not None
        end = span.start + span.size
        for start in range(span.start, end, step):
            self._fh.seek(start)
            piece = self._fh.read(min(step, end - start))
            if len(piece) != min(step, end - start):
                raise OutputError(
                    f"{self.path}: changed on disk while Claimbook was working; nothing was "
                    "written - run again"
                )
            yield piece

    def text(self, name: str) -> str:
        data = self._entries[name].data
        if isinstance(data, str):
            return data  # set as text: no copy (a 100,000-row sheet is edited in turn)
        return self.read(name).decode("utf-8")

    def set(self, name: str, data: bytes | str) -> None:
        """Replace a part's content (keeping its place) or append a new part.

        Content equal to the part's original (even after other edits in between) keeps the
        original compressed bytes, so an unchanged part is byte-identical in the output.
        Text is kept as text until the package is written, so the next edit of the part
        (marks after values on the Encounters sheet) neither decodes nor copies it."""
        blob = data
        entry = self._entries.get(name)
        if entry is None:
            self._entries[name] = _Entry(name, data=blob)
            return
        entry.deferred = None
        if entry.removed:
            entry.removed = False
            if entry.info is None:
                entry.data, entry.packed = blob, None
                return
            entry.data = b"" if entry.data is None else entry.data
        elif entry.data == blob:
            return
        if entry.info is not None and self._zip is not None:
            if entry.original is None:
                entry.original = entry.raw if entry.raw is not None else _Span(0, 0)
            if _size(blob) == entry.info.file_size and _encoded(blob) == self._zip.read(name):
                entry.data, entry.packed, entry.raw = None, None, entry.original or None
                return
        entry.data, entry.packed = blob, None
        entry.raw = None

    def stream(self, name: str, pieces: Iterable[str | bytes]) -> None:
        """As :meth:`set`, for a part produced in pieces (a large sheet): each piece is
        deflated as it comes, so the part is never held whole in memory. The bytes written
        are the same as :meth:`set` of the joined pieces."""
        packed = _Packed.of(pieces, LEVEL)
        entry = self._entries.get(name)
        if entry is None:
            self._entries[name] = _Entry(name, packed=packed)
            return
        entry.deferred = None
        if entry.removed:
            entry.removed = False
            if entry.info is None:
                entry.data, entry.packed = None, packed
                return
        if entry.info is not None and self._zip is not None:
            if entry.original is None:
                entry.original = entry.raw if entry.raw is not None else _Span(0, 0)
            info = entry.info
            if (packed.size, packed.crc) == (info.file_size, info.CRC) and self._same(packed, info):
                entry.data, entry.packed, entry.raw = None, None, entry.original or None
                return
        entry.data, entry.packed, entry.raw = None, packed, None

    def stream_again(self, name: str, make: Callable[[], Iterable[str | bytes]]) -> None:
        """As :meth:`stream` of ``make()``, for a part of the package as read that ``make``
        gives again, the same each time, from :meth:`original` (marks and values on the
        user's sheet): its content is only checksummed now, and made again and deflated
        straight into the file as the package is written, so its deflated bytes are never
        held (16 MB of the 100,000-line Encounters sheet). Content that may be the part's
        own is streamed as :meth:`stream` does (it keeps the original bytes then)."""
        entry = self._entries.get(name)
        if entry is None or entry.removed or entry.raw is None or entry.info is None:
            self.stream(name, make())
            return
        crc = size = 0
        for blob in _Deferred(make, 0, 0).chunks():
            crc, size = zlib.crc32(blob, crc), size + len(blob)
        if (size, crc) == (entry.info.file_size, entry.info.CRC):
            self.stream(name, make())
            return
        if entry.original is None:
            entry.original = entry.raw
        entry.data, entry.packed, entry.raw = None, None, None
        entry.deferred = _Deferred(make, crc, size)

    def is_original(self, name: str) -> bool:
        """Whether the part is there as it was read (nothing this run set stands)."""
        entry = self._entries.get(name)
        return entry is not None and not entry.removed and entry.raw is not None

    def original(self, name: str) -> Iterator[bytes] | None:
        """The part's content as read (whatever this run set since), inflated a chunk at a
        time; None when it was not read from the file or is stored in a way not read so."""
        entry = self._entries[name]
        span = entry.original if entry.original is not None else entry.raw
        if span is None or entry.info is None:
            return None
        if entry.info.compress_type not in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED):
            return None
        return _inflated(self._raw(span, _CHUNK // 4), entry.info, self.path)

    def _same(self, packed: _Packed, info: zipfile.ZipInfo) -> bool:
        """Whether a streamed part's content is the original's, compared a chunk at a time."""
        assert self._zip is not None
        with self._zip.open(info) as original:
            for chunk in packed.chunks():
                if chunk and original.read(len(chunk)) != chunk:
                    return False
            return original.read(1) == b""

    def checksum(self, name: str) -> tuple[int, int] | None:
        """The CRC-32 and size of the part's content as it stands (as it would be written),
        from the zip's directory when the run has not changed it; None when there is none."""
        entry = self._entries.get(name)
        if entry is None or entry.removed:
            return None
        if entry.packed is not None:
            return entry.packed.crc, entry.packed.size
        if entry.deferred is not None:
            return entry.deferred.crc, entry.deferred.size
        if entry.data is not None:
            data = entry.data.encode("utf-8") if isinstance(entry.data, str) else entry.data
            return zlib.crc32(data), len(data)
        if entry.info is not None:
            return entry.info.CRC, entry.info.file_size
        return None

    def remove(self, name: str) -> None:
        entry = self._entries.get(name)
        if entry is not None:
            entry.removed = True

    def changed(self) -> list[str]:
        """Parts written, added or removed by this run (empty: the package is as it was)."""
        return [
            e.name for e in self._entries.values()
            if (
                (e.data is not None or e.packed is not None or e.deferred is not None)
                and not (e.removed and e.info is None)
            )
            or (e.removed and e.info is not None)
        ]  # fmt: skip

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def write(self, fh: BinaryIO, level: int = LEVEL) -> None:
        """Write the package: original entries raw, changed ones deflated."""
        central: list[bytes] = []
        offset = 0
        seekable = getattr(fh, "seekable", None) is not None and fh.seekable()
        for entry in self._entries.values():
            if entry.removed:
                continue
            name = entry.name.encode("utf-8")
            raw: Iterable[bytes]
            later = entry.deferred if seekable else None  # deflated as it is written
            if entry.raw is not None and entry.info is not None:
                info = entry.info
                method, crc, raw = info.compress_type, info.CRC, self._raw(entry.raw)
                size, dostime, raw_size = info.file_size, info.date_time, entry.raw.size
                flags = (info.flag_bits & ~0x08) | 0x800
                version = max(info.extract_version, 20)
            elif entry.packed is not None:
                raw, crc, size = entry.packed.pieces, entry.packed.crc, entry.packed.size
                raw_size = entry.packed.raw_size
                method, dostime, flags, version = zipfile.ZIP_DEFLATED, _FIXED_TIME, 0x800, 20
            elif later is not None:
                raw, crc, size, raw_size = (), later.crc, later.size, 0  # (known once written)
                method, dostime, flags, version = zipfile.ZIP_DEFLATED, _FIXED_TIME, 0x800, 20
            elif entry.deferred is not None or isinstance(entry.data, str):
                made = entry.deferred.make() if entry.deferred else _pieces(str(entry.data))
                packed = _Packed.of(made, level)
                raw, crc, size, raw_size = packed.pieces, packed.crc, packed.size, packed.raw_size
                method, dostime, flags, version = zipfile.ZIP_DEFLATED, _FIXED_TIME, 0x800, 20
            else:
                data = entry.data if entry.data is not None else b""
                comp = zlib.compressobj(level, zlib.DEFLATED, -15)
                raw = (comp.compress(data) + comp.flush(),)
                raw_size = len(raw[0])
                method, crc, size = zipfile.ZIP_DEFLATED, zlib.crc32(data), len(data)
                dostime, flags, version = _FIXED_TIME, 0x800, 20
            if raw_size > _LIMIT or size > _LIMIT or offset > _LIMIT:
                raise OutputError(
                    f"{self.path}: part {entry.name} is over 4 GB; the workbook is too large to "
                    "write"
                )
            dtime = (dostime[3] << 11) | (dostime[4] << 5) | (dostime[5] // 2)
            ddate = ((dostime[0] - 1980) << 9) | (dostime[1] << 5) | dostime[2]
            fh.write(
                struct.pack(
                    "<4sHHHHHIIIHH",
                    b"PK\x03\x04",
                    version,
                    flags,
                    method,
                    dtime,
                    ddate,
                    crc,
                    raw_size,
                    size,
                    len(name),
                    0,
                )  # fmt: skip
            )
            fh.write(name)
            for piece in raw:
                fh.write(piece)
            if later is not None:
                raw_size = self._write_again(fh, later, level, entry.name, len(name))
                if raw_size > _LIMIT:
                    raise OutputError(
                        f"{self.path}: part {entry.name} is over 4 GB; the workbook is too "
                        "large to write"
                    )
            central.append(
                struct.pack(
                    "<4sHHHHHHIIIHHHHHII",
                    b"PK\x01\x02",
                    20,
                    version,
                    flags,
                    method,
                    dtime,
                    ddate,
                    crc,
                    raw_size,
                    size,
                    len(name),
                    0,
                    0,
                    0,
                    0,
                    0,
                    offset,
                )  # fmt: skip
                + name
            )
            offset += 30 + len(name) + raw_size
        directory = b"".join(central)
        if len(central) > 0xFFFF:
            raise OutputError(f"{self.path}: more than 65,535 parts; cannot write")
        fh.write(directory)
        fh.write(
            struct.pack(
                "<4sHHHHIIH",
                b"PK\x05\x06",
                0,
                0,
                len(central),
                len(central),
                len(directory),
                offset,
                0,
            )  # fmt: skip
        )

    def _write_again(
        self, fh: BinaryIO, part: _Deferred, level: int, name: str, length: int
    ) -> int:
        """Make ``part`` again and deflate it into ``fh`` after its local header (``length``
        the bytes of its name), then put its deflated size in that header; returns it."""
        header = fh.tell() - length - 30
        written = [0]

        def sink(blob: bytes) -> None:
            fh.write(blob)
            written[0] += len(blob)

        if _deflate(part.make(), level, sink) != (part.crc, part.size):
            raise OutputError(
                f"{self.path}: part {name} came out differently when written; nothing was "
                "written - run again"
            )
        end = fh.tell()
        fh.seek(header + 18)  # the local header's compressed size
        fh.write(struct.pack("<I", written[0] & _LIMIT))
        fh.seek(end)
        return written[0]

    # -- relationships and content types ------------------------------------------------

    def rels_path(self, part: str) -> str:
        folder, base = posixpath.split(part)
        return posixpath.join(folder, "_rels", base + ".rels")

    def rels(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id -> (type, absolute part name) for ``part`` ('' = the package)."""
        path = self.rels_path(part) if part else "_rels/.rels"
        if path not in self:
            return {}
        root = ElementTree.fromstring(self.read(path))
        base = posixpath.dirname(part)
        result: dict[str, tuple[str, str]] = {}
        for rel in root.iter(f"{{{REL_NS}}}Relationship"):
            target = rel.get("Target", "")
            if rel.get("TargetMode") == "External":
                result[rel.get("Id", "")] = (rel.get("Type", ""), target)
                continue
            if target.startswith("/"):
                name = target.lstrip("/")
            else:
                name = posixpath.normpath(posixpath.join(base, target))
            result[rel.get("Id", "")] = (rel.get("Type", ""), name)
        return result

    def add_rel(self, part: str, rel_type: str, target: str) -> str:
        """Add a relationship from ``part`` to the absolute part ``target``; returns its Id."""
        path = self.rels_path(part)
        relative = posixpath.relpath(target, posixpath.dirname(part) or ".")
        if path in self:
            xml = self.text(path)
            ids = set(re.findall(r'\bId="([^"]*)"', xml))
        else:
            xml = (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<Relationships xmlns="{REL_NS}"></Relationships>'
            )
            ids = set()
        number = 1
        while f"rId{number}" in ids:
            number += 1
        rid = f"rId{number}"
        rel = f'<Relationship Id="{rid}" Type="{rel_type}" Target="{relative}"/>'
        xml = insert_before_close(xml, "Relationships", rel)
        self.set(path, xml)
        return rid

    def add_override(self, part: str, content_type: str) -> None:
        """List ``part``'s content type. A part the package listed when it was opened (and a
        run removed, to write it again) goes back to its old place, so a rerun that writes
        the same sheets gives the same [Content_Types].xml."""
        xml = self.text(CT_PATH)
        if f'PartName="/{part}"' in xml:
            return
        override = f'<Override PartName="/{part}" ContentType="{content_type}"/>'
        order = self._original_overrides()
        if part in order:
            for later in order[order.index(part) + 1 :]:
                found = re.search(rf'<(\w+:)?Override\b[^>]*PartName="/{re.escape(later)}"', xml)
                if found is not None:
                    self.set(CT_PATH, xml[: found.start()] + override + xml[found.start() :])
                    return
        self.set(CT_PATH, insert_before_close(xml, "Types", override))

    def _original_overrides(self) -> list[str]:
        if self._overrides is None:
            self._overrides = []
            if self._zip is not None and CT_PATH in self._entries:
                text = self._zip.read(CT_PATH).decode("utf-8", "replace")
                self._overrides = re.findall(r'<(?:\w+:)?Override\b[^>]*PartName="/([^"]+)"', text)
        return self._overrides

    def complete_content_types(self) -> None:
        """Give every part a content type: Excel repairs a package where one has none.

        Older LibreOffice lists each part by Override and declares no Default for ``.rels``
        or ``.xml``; parts added since (a new sheet's relationships) then have no type. A
        missing Default for those two extensions is added; other parts carry Overrides.
        """
        xml = self.text(CT_PATH)
        defaults = {
            d.lower() for d in re.findall(r'<(?:\w+:)?Default\b[^>]*\sExtension="([^"]*)"', xml)
        }
        overrides = {
            o.lower() for o in re.findall(r'<(?:\w+:)?Override\b[^>]*\sPartName="([^"]*)"', xml)
        }
        prefix = root_prefix(xml, "Types")
        added = []
        for name in self.names():
            if name == CT_PATH or name.endswith("/") or f"/{name}".lower() in overrides:
                continue
            base = posixpath.basename(name)
            ext = base.rsplit(".", 1)[-1].lower() if "." in base else ""
            if ext in defaults or ext not in _DEFAULT_TYPES:
                continue
            defaults.add(ext)
            added.append(
                f'<{prefix}Default Extension="{ext}" ContentType="{_DEFAULT_TYPES[ext]}"/>'
            )
        if added:
            head = re.search(r"<(\w+:)?Types\b[^>]*>", xml)
            assert head is not None  # text() of a [Content_Types].xml the package was read with
            self.set(CT_PATH, xml[: head.end()] + "".join(added) + xml[head.end() :])

    def remove_override(self, part: str) -> None:
        xml = self.text(CT_PATH)
        new = re.sub(rf'<(\w+:)?Override\b[^>]*PartName="/{re.escape(part)}"[^>]*/>', "", xml)
        self.set(CT_PATH, new)

    def source_of(self, rels_part: str) -> str:
        """The part a relationships part belongs to ('' for the package's own)."""
        folder, base = posixpath.split(rels_part)
        return posixpath.join(posixpath.dirname(folder), base.removesuffix(".rels"))

    def referenced(self) -> builtins.set[str]:
        """Every part some relationship in the package points at."""
        found: builtins.set[str] = builtins.set()
        for name in self.names():
            if name.endswith(".rels"):
                source = "" if name == "_rels/.rels" else self.source_of(name)
                found |= {target for _, target in self.rels(source).values()}
        return found

    def prune(self, candidates: builtins.set[str]) -> None:
        """Remove the candidates nothing points at any more, and what only they pointed at."""
        while candidates:
            referenced = self.referenced()
            dead = {c for c in candidates if c in self and c not in referenced}
            if not dead:
                return
            candidates = builtins.set()
            for part in dead:
                candidates |= {t for _, t in self.rels(part).values() if t in self}
                self.remove(self.rels_path(part))
                self.remove(part)
                self.remove_override(part)

    def main_part(self) -> str:
        for rel_type, target in self.rels("").values():
            if rel_type.endswith("/officeDocument"):
                return target
        raise OutputError(f"{self.path}: no workbook part in the package; not an xlsx file")

    def free_name(self, pattern: str) -> str:
        """The first unused part name ``pattern.format(n)`` for n = 1, 2, ..."""
        number = 1
        lowered = {n.lower() for n in self.names()}
        while pattern.format(number).lower() in lowered:
            number += 1
        return pattern.format(number)


def _inflated(raw: Iterable[bytes], info: zipfile.ZipInfo, path: object) -> Iterator[bytes]:
    inflate = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    crc = size = 0
    for piece in raw:
        if inflate is not None:
            piece = inflate.decompress(piece)
        crc, size = zlib.crc32(piece, crc), size + len(piece)
        yield piece
    if inflate is not None:
        piece = inflate.flush()
        crc, size = zlib.crc32(piece, crc), size + len(piece)
        yield piece
    if (crc, size) != (info.CRC, info.file_size):
        raise OutputError(
            f"{path}: part {info.filename} does not match its checksum; the workbook looks "
            "damaged - open it in Excel and save it again, or use its latest backup"
        )


def _size(data: bytes | str) -> int:
    """The part's size in bytes (UTF-8 for text)."""
    if isinstance(data, bytes):
        return len(data)
    return len(data) if data.isascii() else len(data.encode("utf-8"))


def _encoded(data: bytes | str) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


def _pieces(text: str) -> Iterable[str]:
    for start in range(0, len(text), _CHUNK):
        yield text[start : start + _CHUNK]


def _raw_span(fh: BinaryIO, info: zipfile.ZipInfo) -> _Span:
    if info.flag_bits & 0x1:
        raise OutputError(f"part {info.filename} is encrypted; save an unprotected copy")
    fh.seek(info.header_offset)
    header = fh.read(30)
    if header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    start = info.header_offset + 30 + name_len + extra_len
    fh.seek(0, 2)
    if start + info.compress_size > fh.tell():
        raise zipfile.BadZipFile(f"{info.filename} runs past the end of the file")
    return _Span(start, info.compress_size)


def insert_before_close(xml: str, local: str, snippet: str) -> str:
    """Insert ``snippet`` as the last child of the first ``local`` element (prefix-aware).

    A self-closing element is opened up; nothing else in the text changes.
    """
    close = re.search(rf"</(\w+:)?{local}\s*>", xml)
    if close is not None:
        return xml[: close.start()] + snippet + xml[close.start() :]
    empty = re.search(rf"<((\w+:)?{local})\b([^>]*?)\s*/>", xml)
    if empty is None:
        raise OutputError(f"<{local}> not found in a package part; the workbook looks damaged")
    tag = empty.group(1)
    return xml[: empty.start()] + f"<{tag}{empty.group(3)}>{snippet}</{tag}>" + xml[empty.end() :]


def root_prefix(xml: str, local: str) -> str:
    """The namespace prefix of the root element ('' or 'x:')."""
    found = re.search(rf"<(\w+:)?{local}\b", xml)
    return (found.group(1) or "") if found else ""
