"""Where code-set vintages live and how one is written: shipped files and the user store.

A vintage is a folder holding ``MANIFEST.json`` and the compact files it lists. Shipped
vintages sit in the repository's top-level ``codesets/`` (inside the wheel as
``addin/_data/codesets``); imported ones in the user data directory, never in the package.
Set ``CLAIMBOOK_DATA_DIR`` to move the user store (tests do).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir

from addin.errors import CodeSetError

MANIFEST = "MANIFEST.json"


def shipped_root() -> Path:
    """The shipped ``codesets/`` folder (package data in a wheel, the repo folder otherwise)."""
    packaged = Path(__file__).resolve().parent.parent / "_data" / "codesets"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "codesets"


def user_root() -> Path:
    """The user's code-set store; ``CLAIMBOOK_DATA_DIR`` overrides the platform default."""
    override = os.environ.get("CLAIMBOOK_DATA_DIR")
    base = Path(override) if override else Path(user_data_dir("claimbook", appauthor=False))
    return base / "codesets"


@dataclass(frozen=True, slots=True)
class VintageInfo:
    """One vintage as its manifest describes it."""

    system: str
    name: str
    path: Path
    effective_from: date
    effective_to: date
    shipped: bool
    manifest: dict[str, Any]

    def covers(self, on: date) -> bool:
        return self.effective_from <= on <= self.effective_to


def read_manifest(folder: Path, shipped: bool) -> VintageInfo:
    """Read a vintage folder's manifest; a damaged one is a CodeSetError naming the file."""
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return VintageInfo(
            system=data["system"],
            name=data["vintage"],
            path=folder,
            effective_from=date.fromisoformat(data["effective_from"]),
            effective_to=date.fromisoformat(data["effective_to"]),
            shipped=shipped,
            manifest=data,
        )
    except (OSError, ValueError, KeyError) as exc:
        raise CodeSetError(f"{path}: damaged code-set manifest ({exc}); re-import it") from None


def list_vintages(system: str | None = None) -> list[VintageInfo]:
    """Every vintage found, shipped and imported, sorted by system then start date."""
    found: list[VintageInfo] = []
    for root, shipped in ((shipped_root(), True), (user_root(), False)):
        if not root.is_dir():
            continue
        for manifest in sorted(root.glob(f"*/*/{MANIFEST}")):
            info = read_manifest(manifest.parent, shipped)
            if system is None or info.system == system:
                found.append(info)
    found.sort(key=lambda v: (v.system, v.effective_from, not v.shipped))
    return found


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_vintage(
    dest: Path,
    files: dict[str, Iterable[str]],
    manifest: dict[str, Any],
    counts: dict[str, int],
) -> dict[str, Any]:
    """Write a vintage folder atomically: all files in a temp folder, then one rename.

    ``files`` maps file names to their lines; the manifest gains each file's row count
    and sha256. An existing folder at ``dest`` is replaced only after the new one is complete.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    tmp.chmod(0o755)
    try:
        listing: dict[str, dict[str, Any]] = {}
        for name, lines in files.items():
            target = tmp / name
            rows = 0
            with target.open("w", encoding="utf-8", newline="\n") as handle:
                for line in lines:
                    handle.write(line)
                    rows += 1
            listing[name] = {"rows": rows, "sha256": sha256_file(target)}
        full = {**manifest, "counts": counts, "files": listing}
        (tmp / MANIFEST).write_text(json.dumps(full, indent=2) + "\n", encoding="utf-8")
        _swap_in(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return full


def _swap_in(tmp: Path, dest: Path) -> None:
    """Put the finished folder ``tmp`` in place of ``dest`` (see ``swap_in_all``)."""
    swap_in_all([(tmp, dest)])


def swap_in_all(moves: list[tuple[Path, Path]]) -> None:
    """Put each finished folder ``tmp`` in place of its ``dest``, all of them or none.

    Each old folder is moved aside first and removed only once every new one is in, so a
    failure part-way (a PFS RVU folder after its GPCI folder) puts every old one back and
    never leaves a half-imported release behind.
    """
    done: list[tuple[Path, Path | None]] = []
    try:
        for tmp, dest in moves:
            old = None
            if dest.exists():
                old = dest.with_name(f".{dest.name}.old")
                shutil.rmtree(old, ignore_errors=True)
                dest.rename(old)
            done.append((dest, old))
            tmp.rename(dest)
    except BaseException:
        for dest, old in reversed(done):
            if dest.exists():  # the new folder (the failing one never got there)
                shutil.rmtree(dest, ignore_errors=True)
            if old is not None and old.exists():
                old.rename(dest)
        for tmp, _ in moves:
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    for _, old in done:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def remove_vintage(system: str, name: str) -> Path:
    """Delete an imported vintage from the user store; shipped vintages cannot be removed.

    An imported vintage that has the name of a shipped one (a user's own FY2026 file) is
    the one removed, so the shipped set answers again.
    """
    found = [v for v in list_vintages(system) if v.name.lower() == name.lower()]
    imported = [v for v in found if not v.shipped]
    if imported:
        for info in imported:
            shutil.rmtree(info.path)
        return imported[0].path
    if found:
        raise CodeSetError(
            f"{system} {found[0].name} ships with Claimbook; it cannot be removed (only a "
            "vintage you imported can)"
        )
    raise CodeSetError(
        f"no imported {system} vintage named {name!r}; see `claimbook codesets info`"
    )


def stage_vintage(dest: Path) -> Path:
    """A fresh temp folder beside ``dest`` to build a vintage in (then ``commit_vintage``)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    tmp.chmod(0o755)
    return tmp


def commit_vintage(
    tmp: Path, dest: Path, manifest: dict[str, Any], counts: dict[str, int]
) -> dict[str, Any]:
    """Finish a staged vintage: hash its files, write the manifest, swap it in with renames.

    Unlike ``write_vintage`` the files may be binary (an SQLite index) and written by the
    caller; row counts per file come from ``counts`` keys named ``<file>`` when present.
    """
    full = finish_vintage(tmp, manifest, counts)
    _swap_in(tmp, dest)
    return full


def finish_vintage(tmp: Path, manifest: dict[str, Any], counts: dict[str, int]) -> dict[str, Any]:
    """Hash the files of a staged vintage and write its manifest (the folder stays staged)."""
    try:
        listing: dict[str, dict[str, Any]] = {}
        for target in sorted(tmp.iterdir()):
            if target.name == MANIFEST or not target.is_file():
                continue
            entry: dict[str, Any] = {"sha256": sha256_file(target)}
            if target.name in counts:
                entry["rows"] = counts[target.name]
            listing[target.name] = entry
        shown = {k: v for k, v in counts.items() if k not in listing}
        full = {**manifest, "counts": shown, "files": listing}
        (tmp / MANIFEST).write_text(json.dumps(full, indent=2) + "\n", encoding="utf-8")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return full
