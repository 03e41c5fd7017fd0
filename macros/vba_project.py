"""Write a VBA project (vbaProject.bin) with our .bas modules in it, without Excel.

A VBA project is an OLE compound file (MS-CFB) holding the streams MS-OVBA describes:
PROJECT (text), PROJECTwm (module names), VBA/dir (compressed records naming every module),
VBA/_VBA_PROJECT (the p-code cache header) and one compressed source stream per module.
``with_modules`` takes a project xlwings ships, keeps its references and the modules it is
told to keep, adds ours, and drops every p-code cache: _VBA_PROJECT becomes the 7-byte
header with version 0xFFFF, so Office compiles the project from source when it opens it.
Everything is deterministic (no timestamps, sorted directory), so builds compare byte for byte.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterable

import olefile

# -- MS-OVBA 2.4.1 compression ---------------------------------------------------------------

CHUNK = 4096


def _copy_token_bits(position: int) -> int:
    """Bits of a copy token that hold the offset, for a position inside its chunk."""
    return max((position - 1).bit_length(), 4)


def decompress(data: bytes) -> bytes:
    """A CompressedContainer back to its bytes (MS-OVBA 2.4.1.3.1)."""
    if not data or data[0] != 1:
        raise ValueError("not an MS-OVBA compressed container (signature byte is not 1)")
    out = bytearray()
    pos = 1
    while pos < len(data):
        header = struct.unpack_from("<H", data, pos)[0]
        size = (header & 0x0FFF) + 3
        end = min(pos + size, len(data))
        pos += 2
        start = len(out)
        if not header & 0x8000:  # raw chunk
            out += data[pos : pos + CHUNK]
            pos += CHUNK
            continue
        while pos < end:
            flags = data[pos]
            pos += 1
            for bit in range(8):
                if pos >= end:
                    break
                if not flags >> bit & 1:
                    out.append(data[pos])
                    pos += 1
                    continue
                token = struct.unpack_from("<H", data, pos)[0]
                pos += 2
                bits = _copy_token_bits(len(out) - start)
                offset = (token >> (16 - bits)) + 1
                length = (token & (0xFFFF >> bits)) + 3
                for _ in range(length):  # may overlap what it copies
                    out.append(out[-offset])
    return bytes(out)


def _compress_chunk(chunk: bytes) -> bytes:
    """One CompressedChunk: a greedy longest-match search over the chunk so far."""
    body = bytearray()
    seen: dict[bytes, list[int]] = {}
    pos = 0
    while pos < len(chunk):
        flags = 0
        tokens = bytearray()
        for bit in range(8):
            if pos >= len(chunk):
                break
            best_len, best_off = 0, 0
            if pos > 0:
                bits = _copy_token_bits(pos)
                max_len = (0xFFFF >> bits) + 3
                max_off = 1 << bits
                for candidate in reversed(seen.get(chunk[pos : pos + 3], [])):
                    if pos - candidate > max_off:
                        break
                    length = 0
                    limit = min(max_len, len(chunk) - pos)
                    while length < limit and chunk[candidate + length] == chunk[pos + length]:
                        length += 1
                    if length > best_len:
                        best_len, best_off = length, pos - candidate
                        if length == limit:
                            break
            step = best_len if best_len >= 3 else 1
            if best_len >= 3:
                flags |= 1 << bit
                token = ((best_off - 1) << (16 - bits)) | (best_len - 3)
                tokens += struct.pack("<H", token)
            else:
                tokens.append(chunk[pos])
            for p in range(pos, pos + step):
                seen.setdefault(chunk[p : p + 3], []).append(p)
            pos += step
        body.append(flags)
        body += tokens
    if len(body) > CHUNK:  # incompressible: a raw chunk, which holds exactly 4096 bytes
        if len(chunk) < CHUNK:
            raise ValueError("an incompressible last chunk would need padding; not text?")
        return struct.pack("<H", 0x3000 | (CHUNK - 1)) + chunk
    return struct.pack("<H", 0xB000 | (len(body) - 1)) + body


def compress(data: bytes) -> bytes:
    """Bytes as a CompressedContainer (MS-OVBA 2.4.1.3.6)."""
    parts = [b"\x01"]
    for start in range(0, len(data), CHUNK):
        parts.append(_compress_chunk(data[start : start + CHUNK]))
    return b"".join(parts)


# -- VBA/dir records (MS-OVBA 2.3.4.2) -------------------------------------------------------

PROJECTVERSION = 0x0009
PROJECTMODULES = 0x000F
MODULE_TERMINATOR = 0x002B
DIR_TERMINATOR = 0x0010
MODULENAME, MODULENAMEUNICODE = 0x0019, 0x0047
MODULESTREAMNAME, MODULESTREAMNAMEUNICODE = 0x001A, 0x0032
MODULEOFFSET = 0x0031
PROJECTCODEPAGE = 0x0003

Record = tuple[int, bytes]


def parse_dir(data: bytes) -> list[Record]:
    """The records of a decompressed dir stream, in order."""
    records: list[Record] = []
    pos = 0
    while pos < len(data):
        rid, size = struct.unpack_from("<HI", data, pos)
        pos += 6
        if rid == PROJECTVERSION:  # its size field says 4 but 6 bytes follow
            size = 6
        records.append((rid, data[pos : pos + size]))
        pos += size
        if rid == DIR_TERMINATOR:
            break
    return records


def dump_dir(records: Iterable[Record]) -> bytes:
    out = bytearray()
    for rid, data in records:
        size = 4 if rid == PROJECTVERSION else len(data)
        out += struct.pack("<HI", rid, size) + data
    return bytes(out)


def _split(records: list[Record]) -> tuple[list[Record], list[list[Record]]]:
    """(records up to and incl. PROJECTCOOKIE, one record list per module)."""
    at = next(i for i, (rid, _) in enumerate(records) if rid == PROJECTMODULES)
    head = records[: at + 2]  # PROJECTMODULES, PROJECTCOOKIE
    modules: list[list[Record]] = []
    current: list[Record] = []
    for record in records[at + 2 :]:
        if record[0] == DIR_TERMINATOR:
            break
        current.append(record)
        if record[0] == MODULE_TERMINATOR:
            modules.append(current)
            current = []
    return head, modules


def _field(module: list[Record], rid: int) -> bytes:
    return next(data for r, data in module if r == rid)


def _standard_module(name: str, codepage: str) -> list[Record]:
    mbcs, wide = name.encode(codepage), name.encode("utf-16-le")
    return [
        (MODULENAME, mbcs),
        (MODULENAMEUNICODE, wide),
        (MODULESTREAMNAME, mbcs),
        (MODULESTREAMNAMEUNICODE, wide),
        (0x001C, b""),  # MODULEDOCSTRING
        (0x0048, b""),  # its Unicode form
        (MODULEOFFSET, struct.pack("<I", 0)),
        (0x001E, struct.pack("<I", 0)),  # MODULEHELPCONTEXT
        (0x002C, struct.pack("<H", 0xFFFF)),  # MODULECOOKIE
        (0x0021, b""),  # MODULETYPE: procedural
        (MODULE_TERMINATOR, b""),
    ]


# -- compound file writer (MS-CFB version 3) -------------------------------------------------

SECTOR, MINI, CUTOFF = 512, 64, 4096
FREE, END, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def _cfb_key(name: str) -> tuple[int, str]:
    return (len(name), name.upper())  # MS-CFB 2.6.4: shorter names first, then upper case


def write_cfb(streams: dict[str, bytes]) -> bytes:
    """A compound file holding ``streams`` ("VBA/dir" is stream dir in storage VBA)."""
    # directory: root, storages and streams, each storage's children in a balanced tree
    entries: list[dict[str, object]] = [{"name": "Root Entry", "type": 5, "path": ""}]
    children: dict[str, list[int]] = {"": []}
    for path in sorted(streams):
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            sub = "/".join(parts[:depth])
            if any(e["path"] == sub for e in entries):
                continue
            is_stream = depth == len(parts)
            entries.append({"name": parts[depth - 1], "type": 2 if is_stream else 1, "path": sub})
            children["/".join(parts[: depth - 1])].append(len(entries) - 1)
            if not is_stream:
                children[sub] = []
    links = {i: [NOSTREAM, NOSTREAM, NOSTREAM, 1] for i in range(len(entries))}  # l, r, c, col

    def tree(ids: list[int], depth: int, deepest: int) -> int:
        if not ids:
            return NOSTREAM
        mid = len(ids) // 2
        node = ids[mid]
        links[node][0] = tree(ids[:mid], depth + 1, deepest)
        links[node][1] = tree(ids[mid + 1 :], depth + 1, deepest)
        links[node][3] = 0 if depth == deepest and depth > 0 else 1  # red only on the last row
        return node

    for path, ids in children.items():
        ids.sort(key=lambda i: _cfb_key(str(entries[i]["name"])))
        parent = next(i for i, e in enumerate(entries) if e["path"] == path)
        perfect = (len(ids) + 1) & len(ids) == 0
        deepest = len(ids).bit_length() - 1 if not perfect else -1
        links[parent][2] = tree(ids, 0, deepest)
    # small streams go to the mini stream, large ones to their own sectors
    mini = bytearray()
    mini_fat: list[int] = []
    big: list[tuple[int, bytes]] = []
    starts: dict[int, tuple[int, int]] = {}
    for i, entry in enumerate(entries):
        if entry["type"] != 2:
            continue
        data = streams[str(entry["path"])]
        if len(data) >= CUTOFF:
            big.append((i, data))
            continue
        first = len(mini) // MINI
        count = -(-len(data) // MINI)
        mini_fat += [first + n + 1 for n in range(count - 1)] + ([END] if count else [])
        starts[i] = (first if count else END, len(data))
        mini += data + b"\0" * (count * MINI - len(data))

    def sectors(n: int) -> int:
        return -(-n // SECTOR)

    dir_sectors = sectors(len(entries) * 128)
    minifat_sectors = sectors(len(mini_fat) * 4)
    mini_sectors = sectors(len(mini))
    big_sectors = [sectors(len(d)) for _, d in big]
    payload = dir_sectors + minifat_sectors + mini_sectors + sum(big_sectors)
    fat_sectors = 1
    while fat_sectors * (SECTOR // 4) < payload + fat_sectors:
        fat_sectors += 1
    if fat_sectors > 109:
        raise ValueError("VBA project too large for a header-only DIFAT")
    fat: list[int] = [FATSECT] * fat_sectors
    body = bytearray()

    def place(data: bytes, count: int) -> int:
        if count == 0:
            return END
        first = len(fat)
        fat.extend([first + n + 1 for n in range(count - 1)] + [END])
        body.extend(data + b"\0" * (count * SECTOR - len(data)))
        return first

    dir_start = len(fat)
    fat.extend([dir_start + n + 1 for n in range(dir_sectors - 1)] + [END])
    minifat_start = place(b"".join(struct.pack("<I", v) for v in mini_fat), minifat_sectors)
    mini_start = place(bytes(mini), mini_sectors)
    for (i, data), count in zip(big, big_sectors, strict=True):
        starts[i] = (place(data, count), len(data))
    starts[0] = (mini_start, len(mini))
    directory = bytearray()
    for i, entry in enumerate(entries):
        name = str(entry["name"]).encode("utf-16-le") + b"\0\0"
        left, right, child, colour = links[i]
        start, size = starts.get(i, (0, 0))
        directory += struct.pack(
            "<64sHBBIII16sIQQIQ",
            name,
            len(name),
            int(str(entry["type"])),
            colour,
            left,
            right,
            child,
            b"\0" * 16,
            0,
            0,
            0,
            start,
            size,
        )
    while len(directory) % SECTOR:  # unused entries
        directory += struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, *[NOSTREAM] * 3,
                                 b"\0" * 16, 0, 0, 0, 0, 0)  # fmt: skip
    fat += [FREE] * (fat_sectors * (SECTOR // 4) - len(fat))
    difat = list(range(fat_sectors)) + [FREE] * (109 - fat_sectors)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        bytes.fromhex("D0CF11E0A1B11AE1"),
        b"\0" * 16,
        0x003E,
        0x0003,
        0xFFFE,
        9,
        6,
        b"\0" * 6,
        0,
        fat_sectors,
        dir_start,
        0,
        CUTOFF,
        minifat_start,
        minifat_sectors,
        END,
        0,
    ) + struct.pack("<109I", *difat)
    fat_bytes = b"".join(struct.pack("<I", v) for v in fat)
    return header + fat_bytes + bytes(directory) + bytes(body)


# -- the project --------------------------------------------------------------------------------


def module_name(source: str) -> str:
    found = re.search(r'^Attribute VB_Name = "([^"]+)"', source, re.MULTILINE)
    if found is None:
        raise ValueError('a .bas module starts with Attribute VB_Name = "<name>"')
    return found.group(1)


def with_modules(
    project: bytes, add: list[str], drop: Iterable[str] = (), sheets: Iterable[str] = ()
) -> bytes:
    """``project`` (a vbaProject.bin) without the modules ``drop`` names, plus a standard
    module for each .bas text in ``add`` and a worksheet document module for each code name
    in ``sheets`` (a copy of the project's Sheet1); no p-code, so Office compiles from source."""
    ole = olefile.OleFileIO(project)
    records = parse_dir(decompress(ole.openstream("VBA/dir").read()))
    codepage = f"cp{struct.unpack('<H', _field(records, PROJECTCODEPAGE))[0]}"
    head, modules = _split(records)
    gone = set(drop)
    streams: dict[str, bytes] = {}
    sources: dict[str, bytes] = {}
    kept: list[list[Record]] = []
    names: list[str] = []
    for module in modules:
        name = _field(module, MODULENAME).decode(codepage)
        if name in gone:
            continue
        stream = _field(module, MODULESTREAMNAME).decode(codepage)
        offset = struct.unpack("<I", _field(module, MODULEOFFSET))[0]
        sources[name] = decompress(ole.openstream(f"VBA/{stream}").read()[offset:])
        streams[f"VBA/{stream}"] = compress(sources[name])
        kept.append([(r, struct.pack("<I", 0) if r == MODULEOFFSET else d) for r, d in module])
        names.append(name)
    text = ole.openstream("PROJECT").read().decode(codepage)
    ole.close()
    added: list[tuple[str, str]] = []  # (PROJECT key, name)
    new: list[tuple[str, bytes, list[Record]]] = []
    for bas in add:
        name = module_name(bas)
        source = bas.replace("\r\n", "\n").replace("\n", "\r\n").encode(codepage)
        new.append((name, source, _standard_module(name, codepage)))
        added.append(("Module", name))
    sheet1 = next((m for m in kept if _field(m, MODULENAME) == b"Sheet1"), None)
    for name in sheets:
        if sheet1 is None:
            raise ValueError("the project has no Sheet1 document module to copy for new sheets")
        source = sources["Sheet1"].replace(b'VB_Name = "Sheet1"', f'VB_Name = "{name}"'.encode())
        new.append((name, source, _renamed(sheet1, name, codepage)))
        added.append(("Document", name))
    for name, source, module in new:
        if name in names:
            raise ValueError(f"the project already has a module {name}")
        streams[f"VBA/{name}"] = compress(source)
        kept.append(module)
        names.append(name)
    head = [(r, struct.pack("<H", len(kept)) if r == PROJECTMODULES else d) for r, d in head]
    at = next(i for i, (rid, _) in enumerate(records) if rid == PROJECTMODULES)
    new_dir = records[:at] + head + [r for m in kept for r in m] + [(DIR_TERMINATOR, b"")]
    streams["VBA/dir"] = compress(dump_dir(new_dir))
    # Reserved1 0x61CC, Version 0xFFFF (no p-code: compile from source), 0x00, Reserved3 as
    # in MS-OVBA 3.1.1 and xlwings' add-in; no PerformanceCache
    streams["VBA/_VBA_PROJECT"] = b"\xcc\x61\xff\xff\x00\x01\x00"
    streams["PROJECT"] = _project_text(text, gone, added).encode(codepage)
    streams["PROJECTwm"] = (
        b"".join(n.encode(codepage) + b"\0" + n.encode("utf-16-le") + b"\0\0" for n in names)
        + b"\0\0"
    )
    return write_cfb(streams)


def _renamed(module: list[Record], name: str, codepage: str) -> list[Record]:
    """A module's dir records under another name (and stream name)."""
    values = {
        MODULENAME: name.encode(codepage),
        MODULENAMEUNICODE: name.encode("utf-16-le"),
        MODULESTREAMNAME: name.encode(codepage),
        MODULESTREAMNAMEUNICODE: name.encode("utf-16-le"),
    }
    return [(r, values.get(r, d)) for r, d in module]


def _project_text(text: str, drop: set[str], added: list[tuple[str, str]]) -> str:
    """The PROJECT stream without the dropped modules' lines, with the added ones."""
    lines = text.split("\r\n")
    out: list[str] = []
    for line in lines:
        key, _, value = line.partition("=")
        if key in ("Module", "Class", "BaseClass") and value in drop:
            continue
        if key in drop and "," in value:  # [Workspace] window position
            continue
        if key == "Name" and added:  # module lines go before Name=
            out += [
                f"Document={name}/&H00000000" if kind == "Document" else f"Module={name}"
                for kind, name in added
            ]
        out.append(line)
    while out and out[-1] == "":
        out.pop()
    out += [f"{name}=0, 0, 0, 0, C" for _, name in added]
    return "\r\n".join(out) + "\r\n\r\n"
