"""Shared plumbing of the code-set importers and lookups: members, errors, dates, caches."""

from __future__ import annotations

import io
import json
import os
import shutil
import threading
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any, Generic, TypeVar

from addin.codesets.store import (
    VintageInfo,
    finish_vintage,
    list_vintages,
    sha256_file,
    stage_vintage,
    swap_in_all,
    user_root,
)
from addin.errors import CodeSetImportError


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did: the vintage written (or found identical) and its manifest."""

    system: str
    vintage: str
    path: Path
    unchanged: bool
    manifest: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """Choices a file cannot always tell by itself (the CLI passes them through).

    ``effective_from``/``effective_to`` override the dates read from names or titles;
    ``code_column``/``descriptor_column`` map a licensed CPT file's columns (a header
    name or a 1-based number).
    """

    effective_from: date | None = None
    effective_to: date | None = None
    fiscal_year: int | None = None
    code_column: str | None = None
    descriptor_column: str | None = None


@dataclass(frozen=True, slots=True)
class Member:
    """One file of a distribution: the file itself or a member of a (nested) zip."""

    name: str
    size: int
    opener: Callable[[], IO[bytes]]

    def open(self) -> IO[bytes]:
        return self.opener()

    def read(self) -> bytes:
        with self.opener() as handle:
            return handle.read()

    def head(self, size: int = 4096) -> bytes:
        with self.opener() as handle:
            return handle.read(size)

    def text(self, encoding: str = "utf-8-sig") -> str:
        return decode(self.read(), encoding)

    def lines(self, encoding: str) -> Iterator[str]:
        """Stream the member's lines (without line ends), never holding the whole file."""
        with self.opener() as raw:
            # a stray byte becomes U+FFFD (one character, so fixed widths hold); the layout
            # checks then name the line if it matters
            stream = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline=None)
            for line in stream:
                yield line.rstrip("\r\n")


def decode(blob: bytes, encoding: str = "utf-8-sig") -> str:
    """Decode ``blob``; CMS files that are not UTF-8 are Windows latin-1 (cp1252)."""
    try:
        return blob.decode(encoding)
    except UnicodeDecodeError:
        return blob.decode("cp1252", errors="replace")


def members(path: Path) -> list[Member]:
    """The files in ``path``: itself, or the members of a zip (nested zips are opened too)."""
    path = Path(path)
    if not path.is_file():
        raise CodeSetImportError(f"{path}: no such file")
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic == b"PK\x03\x04" and not zipfile.is_zipfile(path):
        raise CodeSetImportError(
            f"{path}: the zip is damaged or incomplete (an interrupted download leaves it "
            "so); download it again from the CMS page"
        )
    # a workbook is a zip too, but it is one file of the distribution
    if path.suffix.lower() in (".xlsx", ".xlsm") or not zipfile.is_zipfile(path):
        return [Member(path.name, path.stat().st_size, lambda: path.open("rb"))]
    found: list[Member] = []

    def walk(archive: zipfile.ZipFile, chain: tuple[str, ...]) -> None:
        for info in archive.infolist():
            if info.is_dir() or info.filename.startswith("__MACOSX/"):
                continue
            here = (*chain, info.filename)
            name = "/".join((path.name, *here))
            if info.filename.lower().endswith(".zip"):
                with zipfile.ZipFile(io.BytesIO(archive.read(info))) as inner:
                    walk(inner, here)
            else:
                found.append(Member(name, info.file_size, _zip_opener(path, here)))

    try:
        with zipfile.ZipFile(path) as archive:
            walk(archive, ())
    except (zipfile.BadZipFile, OSError) as exc:
        raise CodeSetImportError(
            f"{path}: the zip is damaged or incomplete ({exc}); an interrupted download "
            "leaves it so: download it again from the CMS page"
        ) from None
    return found


def _zip_opener(path: Path, chain: tuple[str, ...]) -> Callable[[], IO[bytes]]:
    def opener() -> IO[bytes]:
        archive = zipfile.ZipFile(path)
        try:
            for inner in chain[:-1]:
                data = archive.read(inner)
                archive.close()
                archive = zipfile.ZipFile(io.BytesIO(data))
            # the member stream keeps the archive's file open until it is closed itself
            return archive.open(chain[-1])
        except (zipfile.BadZipFile, KeyError, OSError, RuntimeError) as exc:
            # RuntimeError: an encrypted member
            raise CodeSetImportError(f"{path}: cannot open {chain[-1]} ({exc})") from None
        finally:
            archive.close()

    return opener


def layout_error(where: str, line: int | None, expected: str, got: object) -> CodeSetImportError:
    """The one message shape for a file that is not in the official layout."""
    at = f"{where}, line {line}" if line is not None else where
    shown = repr(got) if not isinstance(got, str) else repr(got[:120])
    return CodeSetImportError(f"{at}: expected {expected}, found {shown}; {AS_PUBLISHED}")


# What to do about a file that is not in the layout: an official file is not fixed by
# downloading it again, but a copy re-saved in Excel or cut short is, by taking the original.
AS_PUBLISHED = (
    "Claimbook reads the file as CMS publishes it: if this copy was opened and saved in "
    "Excel, edited or cut short, import the original file from the CMS download; if it is "
    "the original, CMS has changed the layout (tell us the file name and this line)"
)


def parse_date(value: str, where: str, line: int | None, what: str) -> date:
    """YYYYMMDD, YYYY-MM-DD or MM/DD/YYYY (the forms CMS and X12 lists use)."""
    text = value.strip()
    for fmt in ("%Y%m%d", "%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise layout_error(where, line, f"{what} as YYYYMMDD or MM/DD/YYYY", value)


def quarter_range(year: int, quarter: int) -> tuple[date, date]:
    start = date(year, 3 * (quarter - 1) + 1, 1)
    end = date(year, 12, 31) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    if quarter != 4:
        end = date.fromordinal(end.toordinal() - 1)
    return start, end


def same_source(system: str, digest: str) -> VintageInfo | None:
    """An imported vintage that already holds a source file with this sha256."""
    for info in list_vintages(system):
        if info.shipped:
            continue
        sources = info.manifest.get("sources") or [info.manifest.get("source", {})]
        if any(s.get("sha256") == digest for s in sources):
            return info
    return None


def unchanged_import(system: str, digest: str) -> ImportResult | None:
    """The result of importing a file again: the vintage that already holds it, or None."""
    info = same_source(system, digest)
    if info is None:
        return None
    return ImportResult(system, info.name, info.path, True, info.manifest)


@dataclass(frozen=True, slots=True)
class Staged:
    """A vintage built in a temp folder with its manifest, waiting to be swapped in."""

    system: str
    name: str
    tmp: Path
    dest: Path
    manifest: dict[str, Any]


def save_vintage(
    system: str,
    name: str,
    effective: tuple[date, date],
    build: Callable[[Path], dict[str, int]],
    source: dict[str, Any],
    *,
    merge_parts: bool = False,
    extra: dict[str, Any] | None = None,
    total: tuple[str, str] | None = None,
) -> ImportResult:
    """Build a vintage folder with ``build(tmp)`` (returns counts) and swap it in atomically.

    With ``merge_parts`` the files of an existing vintage of the same name are kept unless
    the new build writes a file of the same name (the NCCI parts). ``total`` = (count name,
    file suffix) adds the rows of every such file, old and new, as one count.
    """
    staged = stage(
        system, name, effective, build, source, merge_parts=merge_parts, extra=extra, total=total
    )
    return commit_all([staged])[0]


def stage(
    system: str,
    name: str,
    effective: tuple[date, date],
    build: Callable[[Path], dict[str, int]],
    source: dict[str, Any],
    *,
    merge_parts: bool = False,
    extra: dict[str, Any] | None = None,
    total: tuple[str, str] | None = None,
) -> Staged:
    """The first half of ``save_vintage``: the vintage built and hashed, not yet in place."""
    dest = user_root() / system / name.lower()
    tmp = stage_vintage(dest)
    sources: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    try:
        new_counts = build(tmp)
        written = {p.name for p in tmp.iterdir()}
        if merge_parts and dest.is_dir():
            old = read_existing(dest)
            for item in dest.iterdir():
                if item.name != "MANIFEST.json" and item.name not in written and item.is_file():
                    _link_or_copy(item, tmp / item.name)
            counts.update(old.get("counts", {}))
            for name_, entry in old.get("files", {}).items():
                if name_ not in written and "rows" in entry:
                    counts[name_] = entry["rows"]
            sources = [s for s in old.get("sources", []) if s.get("part") != source.get("part")]
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    counts.update(new_counts)
    if total is not None:
        counts[total[0]] = sum(v for k, v in counts.items() if k.endswith(total[1]))
    sources.append(source)
    manifest: dict[str, Any] = {
        "system": system,
        "vintage": name,
        "effective_from": effective[0].isoformat(),
        "effective_to": effective[1].isoformat(),
        "source": source,
        "sources": sources,
        "imported": datetime.now(UTC).isoformat(timespec="seconds"),
        **(extra or {}),
    }
    full = finish_vintage(tmp, manifest, counts)
    return Staged(system, name, tmp, dest, full)


def commit_all(staged: list[Staged]) -> list[ImportResult]:
    """Swap staged vintages in, all of them or none (a release of several files, such as
    the PFS RVU and GPCI files, is never left half-imported)."""
    reload_all()  # close open files first: Windows cannot rename a folder holding them
    try:
        swap_in_all([(s.tmp, s.dest) for s in staged])
    finally:
        reload_all()
    return [ImportResult(s.system, s.name, s.dest, False, s.manifest) for s in staged]


def discard(staged: list[Staged]) -> None:
    """Throw staged vintages away (a later file of the same release failed)."""
    for item in staged:
        shutil.rmtree(item.tmp, ignore_errors=True)


def read_existing(dest: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads((dest / "MANIFEST.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def source_info(path: Path, member: str, fmt: str, part: str | None = None) -> dict[str, Any]:
    return {
        "file": Path(path).name,
        "member": member,
        "format": fmt,
        "sha256": sha256_file(Path(path)),
        "part": part or member,
    }


T = TypeVar("T")

_caches: list[SetCache[Any]] = []


def reload_all() -> None:
    """Forget every loaded set (after an import or a removal)."""
    for cache in _caches:
        cache.reload()


class SetCache(Generic[T]):
    """The vintages of one system, each loaded once on first use, chosen by date."""

    def __init__(self, system: str, loader: Callable[[VintageInfo], T]) -> None:
        self.system = system
        self._loader = loader
        self._lock = threading.Lock()
        self._vintages: list[VintageInfo] | None = None
        self._loaded: dict[Path, T] = {}
        _caches.append(self)

    def reload(self) -> None:
        with self._lock:
            for loaded in self._loaded.values():
                close = getattr(loaded, "close", None)
                if close is not None:
                    close()
            self._vintages = None
            self._loaded.clear()

    def vintages(self) -> list[VintageInfo]:
        if self._vintages is None:
            with self._lock:
                found = list_vintages(self.system)
                found.sort(key=lambda v: (v.effective_from, str(v.manifest.get("imported", ""))))
                self._vintages = found
        return self._vintages

    def is_loaded(self) -> bool:
        return bool(self.vintages())

    def load(self, info: VintageInfo) -> T:
        loaded = self._loaded.get(info.path)
        if loaded is None:
            with self._lock:
                loaded = self._loaded.get(info.path)
                if loaded is None:
                    loaded = self._loader(info)
                    self._loaded[info.path] = loaded
        return loaded

    def outdated(self, on: date) -> VintageInfo | None:
        """The vintage that answers for ``on`` when none covers it (older or newer than the
        date), else None; nothing is loaded."""
        available = self.vintages()
        if not available or any(v.covers(on) for v in available):
            return None
        earlier = [v for v in available if v.effective_from <= on]
        return earlier[-1] if earlier else available[0]

    def choose(self, on: date | None) -> tuple[T, VintageInfo, bool] | None:
        """The vintage for ``on``: the newest covering it, else the nearest (covers=False).

        The nearest is the latest that started before ``on`` or, for an earlier date, the
        oldest; its rows still carry their own dates, which the lookups apply.
        """
        available = self.vintages()
        if not available:
            return None
        if on is None:
            info = available[-1]
            return self.load(info), info, True
        covering = [v for v in available if v.covers(on)]
        if covering:
            info = covering[-1]
            return self.load(info), info, True
        earlier = [v for v in available if v.effective_from <= on]
        info = earlier[-1] if earlier else available[0]
        return self.load(info), info, False


def csv_rows(member: Member, delimiter: str = ",") -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of a CSV/TSV member; the number is the row's first line."""
    import csv

    text = member.text()
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    try:
        for row in reader:
            yield start, [cell.strip() for cell in row]
            start = reader.line_num + 1
    except csv.Error as exc:
        raise layout_error(
            member.name, reader.line_num, "well-formed CSV quoting", str(exc)
        ) from None


def find_header(
    rows: Iterator[tuple[int, list[str]]], test: Callable[[list[str]], bool], within: int = 30
) -> tuple[int, list[str]] | None:
    """Advance ``rows`` to the first row ``test`` accepts (within the first lines)."""
    for line, row in rows:
        if test(row):
            return line, row
        if line >= within:
            return None
    return None


def norm(cell: str) -> str:
    """A header cell compared loosely: upper case, single spaces."""
    return " ".join(cell.upper().split())
