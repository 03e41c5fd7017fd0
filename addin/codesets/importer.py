"""Import official code-set releases into the user store as dated vintages.

ICD-10-CM: the CMS tabular XML (``icd10cm_tabular_YYYY.xml`` or the zip that holds it) or
the fixed-width order file (``icd10cm_order_YYYY.txt`` or its zip). Other sets (HCPCS,
NCCI, MUE, PFS, CPT, CARC/RARC, MCE) register their importers in ``IMPORTERS``.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from addin.codesets import icd10cm
from addin.codesets.icd10cm_source import (
    Tabular,
    parse_order_file,
    parse_tabular_xml,
    vintage_counts,
    vintage_files,
)
from addin.codesets.store import list_vintages, sha256_file, user_root, write_vintage
from addin.errors import CodeSetImportError


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did: the vintage written (or found identical) and its manifest."""

    system: str
    vintage: str
    path: Path
    unchanged: bool
    manifest: dict[str, Any]


def _fiscal_year_from_name(name: str) -> int | None:
    match = re.search(r"(20\d\d)", Path(name).name)
    return int(match.group(1)) if match else None


def _members(path: Path) -> list[tuple[str, bytes]]:
    """(name, bytes) of the files in ``path``: itself, or the members of a (nested) zip."""
    data = path.read_bytes()
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return [(path.name, data)]
    found: list[tuple[str, bytes]] = []

    def walk(blob: bytes, prefix: str) -> None:
        with zipfile.ZipFile(io.BytesIO(blob)) as archive:
            for info in archive.infolist():
                if info.is_dir():
                    continue
                inner = archive.read(info)
                name = f"{prefix}{info.filename}"
                if info.filename.lower().endswith(".zip"):
                    walk(inner, name + "/")
                else:
                    found.append((name, inner))

    try:
        walk(data, f"{path.name}/")
    except zipfile.BadZipFile as exc:
        raise CodeSetImportError(f"{path}: damaged zip file ({exc})") from None
    return found


def _read_icd10cm(path: Path) -> tuple[Tabular, str]:
    members = _members(path)
    tabular = [
        (n, b) for n, b in members if n.lower().endswith(".xml") and b"<ICD10CM.tabular" in b[:2000]
    ]
    if tabular:
        name, blob = tabular[0]
        return parse_tabular_xml(io.BytesIO(blob), name), name
    orders = [(n, b) for n, b in members if re.search(r"order.*\.txt$", n.lower())]
    if orders:
        name, blob = orders[0]
        try:
            text = blob.decode("utf-8")
        except UnicodeDecodeError:
            text = blob.decode("latin-1")
        return parse_order_file(text.splitlines(), name), name
    listed = ", ".join(n for n, _ in members[:8]) or "nothing"
    raise CodeSetImportError(
        f"{path}: no ICD-10-CM tabular XML (<ICD10CM.tabular>) or order file "
        f"(icd10cm_order_YYYY.txt) found; it holds {listed}"
    )


def import_icd10cm(
    path: Path,
    fiscal_year: int | None = None,
    effective_from: date | None = None,
    effective_to: date | None = None,
) -> ImportResult:
    """Import a CMS ICD-10-CM release as a vintage; importing the same file twice is a no-op."""
    path = Path(path)
    if not path.is_file():
        raise CodeSetImportError(f"{path}: no such file")
    digest = sha256_file(path)
    tab, member = _read_icd10cm(path)
    year = fiscal_year or tab.fiscal_year or _fiscal_year_from_name(member)
    year = year or _fiscal_year_from_name(path.name)
    if year is None:
        raise CodeSetImportError(
            f"{path}: cannot tell the fiscal year; pass --fiscal-year (e.g. 2027)"
        )
    start, end = icd10cm.fiscal_year_range(year)
    start = effective_from or start
    end = effective_to or end
    name = f"FY{year}"
    for existing in list_vintages("icd10cm"):
        same_source = existing.manifest.get("source", {}).get("sha256") == digest
        if same_source and existing.name == name and not existing.shipped:
            return ImportResult("icd10cm", name, existing.path, True, existing.manifest)
    manifest = {
        "system": "icd10cm",
        "vintage": name,
        "fiscal_year": year,
        "effective_from": start.isoformat(),
        "effective_to": end.isoformat(),
        "source": {
            "file": path.name,
            "member": member,
            "format": tab.source_kind,
            "sha256": digest,
        },
        "imported": date.today().isoformat(),
    }
    dest = user_root() / "icd10cm" / name.lower()
    written = write_vintage(dest, vintage_files(tab), manifest, vintage_counts(tab))
    icd10cm.reload()
    return ImportResult("icd10cm", name, dest, False, written)


Importer = Callable[[Path], ImportResult]

# kind -> importer; the code-set importers issue adds hcpcs, ncci, mue, pfs, cpt, carc, mce.
IMPORTERS: dict[str, Importer] = {"icd10cm": import_icd10cm}


def detect_kind(path: Path) -> str:
    """Recognise a distribution by its layout; only ICD-10-CM is known so far."""
    name = path.name.lower()
    if "icd10cm" in name or "icd-10-cm" in name or name.endswith(".xml"):
        return "icd10cm"
    try:
        _read_icd10cm(path)
    except CodeSetImportError:
        raise CodeSetImportError(
            f"{path}: not a code-set file Claimbook recognises; pass --kind "
            f"({', '.join(sorted(IMPORTERS))})"
        ) from None
    return "icd10cm"


def import_path(path: Path, kind: str | None = None) -> ImportResult:
    """Import ``path`` with the importer for ``kind`` (detected from the layout when None)."""
    chosen = kind or detect_kind(path)
    importer = IMPORTERS.get(chosen)
    if importer is None:
        raise CodeSetImportError(
            f"unknown code-set kind {chosen!r}; known: {', '.join(sorted(IMPORTERS))}"
        )
    return importer(path)
