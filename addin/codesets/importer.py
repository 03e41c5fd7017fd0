"""Import official code-set releases into the user store as dated vintages.

ICD-10-CM: the CMS tabular XML (``icd10cm_tabular_YYYY.xml`` or the zip that holds it) or
the fixed-width order file (``icd10cm_order_YYYY.txt`` or its zip). The other sets (HCPCS,
NCCI PTP, MUE, PFS, CPT, CARC/RARC, MCE) have their importer in their own module; all are
registered in ``IMPORTERS`` and recognised by ``detect_kind``.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

from addin.codesets import carc, cpt, hcpcs, icd10cm, icd10cm_index, mce, mue, ncci, pfs
from addin.codesets._common import ImportOptions, ImportResult, members, unchanged_import
from addin.codesets.icd10cm_source import (
    Tabular,
    check_complete,
    parse_order_file,
    parse_tabular_xml,
    vintage_counts,
    vintage_files,
)
from addin.codesets.store import sha256_file, user_root, write_vintage
from addin.errors import CodeSetImportError


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


def _loaded_counts() -> list[tuple[str, int]]:
    """(vintage, codes) of every ICD-10-CM vintage loaded, shipped or imported."""
    return [(v.name, int(v.manifest.get("counts", {}).get("codes", 0))) for v in icd10cm.vintages()]


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
    again = unchanged_import("icd10cm", digest)
    if again is not None and again.vintage == name:
        return again
    # an excerpt must never replace (or stand in for) a whole year
    label = path.name if member == path.name else f"{path.name} ({member})"
    check_complete(tab, label, year, _loaded_counts())
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


def _import_icd10cm(path: Path, options: ImportOptions | None = None) -> ImportResult:
    options = options or ImportOptions()
    return import_icd10cm(path, options.fiscal_year, options.effective_from, options.effective_to)


Importer = Callable[[Path, ImportOptions | None], ImportResult]

# kind -> importer; each kind is also a system name in the store (carc/rarc share a module)
IMPORTERS: dict[str, Importer] = {
    "icd10cm": _import_icd10cm,
    "icd10cm_index": icd10cm_index.import_icd10cm_index,
    "hcpcs": hcpcs.import_hcpcs,
    "ncci": ncci.import_ncci,
    "mue": mue.import_mue,
    "pfs": pfs.import_pfs,
    "cpt": cpt.import_cpt,
    "carc": carc.import_carc,
    "rarc": carc.import_rarc,
    "mce": mce.import_mce,
}

KIND_HELP = {
    "icd10cm": "ICD-10-CM tabular XML or order file (zip or file)",
    "icd10cm_index": "ICD-10-CM Alphabetic Index XML (icd10cm-index-YYYY.xml, or the CDC zip)",
    "hcpcs": "HCPCS Level II Alpha-Numeric file (ANWEB .txt or .xlsx, or the zip)",
    "ncci": "NCCI PTP practitioner edits (tab-delimited parts, or their zips)",
    "mue": "MUE practitioner services CSV (MCR_MUE_PractitionerServices_Eff_...csv)",
    "pfs": "PFS RVU CSV (PPRRVUyy_MON.csv) and/or GPCI CSV (GPCIyyyy.csv), or the RVU zip",
    "cpt": "the clinic's licensed CPT file (CSV/TSV/XLSX; --code-column/--descriptor-column)",
    "carc": "CARC list CSV (Code, Description, Start Date, Last Modified, Stop Date)",
    "rarc": "RARC list CSV (same layout; the codes tell CARC and RARC apart)",
    "mce": "ICD-10 Definitions of Medicare Code Edits, text version (or its zip)",
}


def _sniffers() -> list[tuple[str, Callable[[Path], bool]]]:
    return [
        ("hcpcs", lambda p: hcpcs.find_member(p) is not None),
        ("ncci", lambda p: bool(ncci.ptp_members(p))),
        ("mue", lambda p: mue.find_member(p) is not None),
        ("pfs", lambda p: bool(pfs.find_members(p))),
        ("mce", lambda p: mce.find_member(p) is not None),
        ("carc", lambda p: carc.find_member(p) is not None),
        ("cpt", lambda p: any(cpt.looks_like(m) for m in members(p))),
    ]


def detect_kind(path: Path) -> str:
    """Recognise a distribution by its layout (file names first, then contents)."""
    path = Path(path)
    name = path.name.lower()
    if "index" in name and "tabular" not in name and icd10cm_index.looks_like(path):
        return "icd10cm_index"
    if name.endswith(".xml") and icd10cm_index.looks_like(path):
        return "icd10cm_index"
    if "icd10cm" in name or "icd-10-cm" in name or name.endswith(".xml"):
        return "icd10cm"
    members(path)  # a missing file or a damaged zip is reported as such
    for kind, sniff in _sniffers():
        try:
            if sniff(path):
                return kind
        except (UnicodeDecodeError, CodeSetImportError):
            continue
    try:
        _read_icd10cm(path)
    except CodeSetImportError:
        raise CodeSetImportError(
            f"{path}: not a code-set file Claimbook recognises; pass --kind "
            f"({', '.join(sorted(IMPORTERS))})"
        ) from None
    return "icd10cm"


def import_path(
    path: Path, kind: str | None = None, options: ImportOptions | None = None
) -> ImportResult:
    """Import ``path`` with the importer for ``kind`` (detected from the layout when None)."""
    chosen = kind or detect_kind(path)
    importer = IMPORTERS.get(chosen)
    if importer is None:
        raise CodeSetImportError(
            f"unknown code-set kind {chosen!r}; known: {', '.join(sorted(IMPORTERS))}"
        )
    return importer(Path(path), options)


__all__ = [
    "IMPORTERS",
    "KIND_HELP",
    "ImportOptions",
    "ImportResult",
    "detect_kind",
    "import_icd10cm",
    "import_path",
]
