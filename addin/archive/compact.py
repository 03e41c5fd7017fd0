"""The archive's compacted copy: the clinic partitions' many small files merged for queries.

``claimbook archive`` appends to ``TABLE/clinic=SLUG/month=YYYY-MM/part-….parquet``: one
file per clinic, table and month each pass, so 2,000 clinics make tens of thousands of
small files, and a query's time grows with the number of files it opens. The partitions
stay the archive (what is appended, what a posting is checked against); beside them,
``_compact/`` holds the same rows in a few large files, which the report reads:

    _compact/TABLE/month=YYYY-MM/seg-….parquet        every clinic's rows of that month,
                                                      with ``clinic`` and ``month`` columns,
                                                      in clinic order
    _compact/_superseded/TABLE/seg-….parquet          the superseded versions, likewise
    _compact/manifest.json                            each table's segments and the
                                                      partition files they hold, and the
                                                      segments retired (merged or rebuilt)
                                                      with the time they were
    _compact/pending                                  a pass wrote files not compacted yet

Compaction is incremental: the partition files no segment holds yet (those an archive pass
just wrote) become one new segment per table and month, and a month with more than
``MERGE_AT`` segments is merged into one. Files are written under a temporary name and
renamed, and the manifest is replaced last, so a compaction stopped half-way leaves the
copy as it was. A segment the manifest stops listing is kept for ``RETIRED_FOR`` before a
later compaction deletes it: a report opened on the manifest before (its file lists are
taken once) still finds every file it was given, and a report that outlives that grace
reads the new manifest and asks again (``addin.archive.queries``). The copy is derived:
deleting ``_compact/`` loses nothing (the next compaction writes it again), and a partition
file it does not hold yet is read by the report directly, so the answers never depend on
it, only their speed.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from addin.archive.store import IMMUTABLE, TABLES
from addin.files.folders import make_folder

COMPACT = "_compact"
MANIFEST = "manifest.json"
PENDING = "pending"
LAYOUT_VERSION = 1
MERGE_AT = 8  # segments of one table and month before they are merged into one
# how long a segment the manifest no longer lists stays on disk for reports still reading it
RETIRED_FOR = timedelta(hours=1)


def units() -> list[tuple[str, bool]]:
    """Each folder of the archive that is compacted, and whether it has months."""
    return [(t, True) for t in TABLES] + [
        (f"_superseded/{t}", False) for t in TABLES if t not in IMMUTABLE
    ]


@dataclass
class Compacted:
    """What one compaction did."""

    files: int = 0  # partition files brought into the copy
    segments_written: int = 0
    segments_merged: int = 0  # segments replaced by a merged one
    segments: int = 0  # segment files in the copy afterwards
    retired: int = 0  # segments kept a while for reports still reading them
    rebuilt: list[str] = field(default_factory=list)  # tables whose copy was written anew
    seconds: float = 0.0


@dataclass
class Layout:
    """Where a query reads each table: the copy's segments and the partition files the
    copy does not hold (``None``: all of them, the copy has none of this table)."""

    segments: dict[str, list[Path]]
    partitions: dict[str, list[Path] | None]
    uncompacted: int  # partition files read directly

    @property
    def compacted(self) -> bool:
        return all(p is not None for p in self.partitions.values())


def mark_pending(root: Path) -> None:
    """Say that a pass is writing partition files the copy does not hold yet."""
    folder = root / COMPACT
    folder.mkdir(parents=True, exist_ok=True)
    (folder / PENDING).write_text(f"{datetime.now().isoformat()}\n", encoding="utf-8")


def partition_files(root: Path, unit: str) -> list[str]:
    """A table's partition files, relative to the archive, in clinic then month order."""
    found: list[str] = []

    def walk(folder: Path, relative: str) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except FileNotFoundError:
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue  # a file being written (.part-….tmp)
            if entry.is_dir(follow_symlinks=False):
                walk(folder / entry.name, f"{relative}/{entry.name}")
            elif entry.name.endswith(".parquet"):
                found.append(f"{relative}/{entry.name}")

    walk(root / unit, unit)
    return found


def read_manifest(root: Path) -> dict[str, Any] | None:
    """The copy's manifest, or None (no copy, another layout version, or unreadable)."""
    try:
        data = json.loads((root / COMPACT / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != LAYOUT_VERSION:
        return None
    return data


def _month_of(relative: str) -> str:
    for part in relative.split("/"):
        if part.startswith("month="):
            return part
    return ""


def _quoted(paths: list[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def _connect() -> Any:
    import duckdb

    db = duckdb.connect(":memory:")
    db.execute("SET memory_limit = '1500MB'")
    db.execute("SET enable_progress_bar = false")
    db.execute("SET preserve_insertion_order = true")  # rows stay in clinic order
    return db


def _copy(db: Any, select: str, target: Path) -> None:
    """Write a segment (under a temporary name, then renamed)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    quoted = str(temporary).replace("'", "''")
    db.execute(f"COPY ({select}) TO '{quoted}' (FORMAT PARQUET, COMPRESSION zstd)")
    os.replace(temporary, target)


def _segment_name(unit: str, month: str, names: list[str], now: datetime) -> str:
    digest = hashlib.sha256("\n".join(names).encode()).hexdigest()[:16]
    folder = f"{COMPACT}/{unit}" + (f"/{month}" if month else "")
    return f"{folder}/seg-{now:%Y%m%d%H%M%S}-{digest}.parquet"


def archive_lock(root: Path) -> AbstractContextManager[None]:
    """One archive pass or compaction at a time on the archive ``root``: a lock file beside
    it (``.NAME.claimbook-lock``), waited for as a workbook's lock is; a second pass would
    check its rows against partitions the first is still writing, and two compactions
    would each replace the other's manifest."""
    from addin.sheets.lock import workbook_lock

    make_folder(root.parent, root)
    return workbook_lock(root, what="archive pass or compaction")


def compact(root: Path, *, merge_at: int = MERGE_AT, now: datetime | None = None) -> Compacted:
    """Bring the compacted copy of the archive ``root`` up to date with its partitions,
    holding the archive's lock."""
    with archive_lock(root):
        return compact_held(root, merge_at=merge_at, now=now)


def compact_held(root: Path, *, merge_at: int = MERGE_AT, now: datetime | None = None) -> Compacted:
    """:func:`compact` for a caller that holds the archive's lock (an archive pass)."""
    started = time.perf_counter()
    stamp = (now or datetime.now()).replace(microsecond=0)
    done = Compacted()
    manifest = read_manifest(root) or {"version": LAYOUT_VERSION, "units": {}}
    previous: dict[str, Any] = manifest.get("units", {})
    units_out: dict[str, Any] = {}
    db = _connect()
    try:
        for unit, monthly in units():
            files = partition_files(root, unit)
            before = previous.get(unit) or {}
            segments: dict[str, list[str]] = {
                m: list(s) for m, s in (before.get("segments") or {}).items()
            }
            covered = set(before.get("covered") or [])
            present = set(files)
            missing = [s for ss in segments.values() for s in ss if not (root / s).is_file()]
            if not covered <= present or missing:
                # a partition file (or a segment) the copy counts on is gone: a clinic was
                # removed by hand. Its rows must leave the copy too: write the table anew.
                segments, covered = {}, set()
                done.rebuilt.append(unit)
            new = [f for f in files if f not in covered]
            by_month: dict[str, list[str]] = {}
            for name in new:
                by_month.setdefault(_month_of(name) if monthly else "", []).append(name)
            hive = "{'clinic': VARCHAR, 'month': VARCHAR}" if monthly else "{'clinic': VARCHAR}"
            for month, names in sorted(by_month.items()):
                target = _segment_name(unit, month, names, stamp)
                select = (
                    f"SELECT * FROM read_parquet({_quoted([root / n for n in names])}, "
                    f"hive_partitioning = true, hive_types = {hive})"
                )
                _copy(db, select, root / target)
                segments.setdefault(month, []).append(target)
                covered.update(names)
                done.files += len(names)
                done.segments_written += 1
            for month, names in sorted(segments.items()):
                if len(names) <= merge_at:
                    continue
                target = _segment_name(unit, month, names, stamp).replace("/seg-", "/merged-")
                select = (
                    f"SELECT * FROM read_parquet({_quoted([root / n for n in names])}, "
                    "hive_partitioning = false, union_by_name = true)"
                )
                _copy(db, select, root / target)
                segments[month] = [target]
                done.segments_merged += len(names)
            units_out[unit] = {"segments": segments, "covered": sorted(covered)}
            done.segments += sum(len(s) for s in segments.values())
    finally:
        db.close()
    retired = _retired(root, manifest, previous, units_out, stamp)
    done.retired = len(retired)
    unchanged = units_out == previous and retired == manifest.get("retired", {})
    if not unchanged or done.rebuilt:
        manifest = {"version": LAYOUT_VERSION, "compacted": stamp.isoformat(),
                    "units": units_out, "retired": retired}  # fmt: skip
        temporary = root / COMPACT / f".{MANIFEST}.tmp"
        temporary.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(json.dumps(manifest, separators=(",", ":")), encoding="utf-8")
        os.replace(temporary, root / COMPACT / MANIFEST)
    (root / COMPACT / PENDING).unlink(missing_ok=True)
    _remove_unlisted(root, units_out, set(retired))
    done.seconds = round(time.perf_counter() - started, 2)
    return done


def _listed(units_out: dict[str, Any]) -> set[str]:
    return {s for u in units_out.values() for ss in (u.get("segments") or {}).values() for s in ss}


def _retired(
    root: Path,
    manifest: dict[str, Any],
    previous: dict[str, Any],
    units_out: dict[str, Any],
    stamp: datetime,
) -> dict[str, str]:
    """The segments to keep though no longer listed: those this compaction stopped
    listing (stamped now) and those retired less than RETIRED_FOR ago, still on disk."""
    kept: dict[str, str] = {}
    earlier = manifest.get("retired")
    for name, when in (earlier if isinstance(earlier, dict) else {}).items():
        try:
            fresh = stamp - datetime.fromisoformat(str(when)) < RETIRED_FOR
        except ValueError:
            fresh = False  # an unreadable time: the grace is over
        if fresh and (root / name).is_file():
            kept[name] = str(when)
    now_listed = _listed(units_out)
    for name in sorted(_listed(previous) - now_listed):
        if (root / name).is_file():
            kept.setdefault(name, stamp.isoformat())
    return {k: v for k, v in sorted(kept.items()) if k not in now_listed}


def _remove_unlisted(root: Path, units_out: dict[str, Any], retired: set[str]) -> None:
    """Delete the segments the manifest neither lists nor keeps as retired (retired past
    their grace, or left by a compaction that stopped before its manifest was written)."""
    listed = _listed(units_out) | retired
    for path in (root / COMPACT).rglob("*.parquet"):
        if path.relative_to(root).as_posix() not in listed:
            try:
                path.unlink(missing_ok=True)
            except OSError:  # open elsewhere (Windows): unlisted, so never read; next time
                pass


def layout(root: Path, *, use_copy: bool = True) -> Layout:
    """What a query reads for each table: the copy where it is up to date, and the
    partition files it does not hold (all of them for an archive without a copy, or
    without ``use_copy``)."""
    manifest = read_manifest(root) if use_copy else None
    pending = (root / COMPACT / PENDING).exists()
    segments: dict[str, list[Path]] = {}
    partitions: dict[str, list[Path] | None] = {}
    uncompacted = 0
    for unit, _ in units():
        entry = (manifest or {}).get("units", {}).get(unit)
        listed = [root / s for ss in (entry or {}).get("segments", {}).values() for s in ss]
        if entry is None or not all(p.is_file() for p in listed):
            # no copy of this table (an archive written before compaction): read it all
            segments[unit], partitions[unit] = [], None
            uncompacted += len(partition_files(root, unit))
            continue
        segments[unit] = listed
        if pending:
            # a pass wrote files and stopped before compacting them: read those directly
            covered = set(entry.get("covered") or [])
            extra = [root / f for f in partition_files(root, unit) if f not in covered]
        else:
            extra = []
        partitions[unit] = extra
        uncompacted += len(extra)
    return Layout(segments, partitions, uncompacted)


__all__ = [
    "COMPACT",
    "LAYOUT_VERSION",
    "MERGE_AT",
    "Compacted",
    "Layout",
    "compact",
    "layout",
    "mark_pending",
    "partition_files",
    "units",
]
