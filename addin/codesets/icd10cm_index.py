"""Import the CDC ICD-10-CM Alphabetic Index (``icd10cm-index-YYYY.xml`` or the zip it ships in).

The Index is the suggestion engine's knowledge of term paths, cross-references and the
Tables. A user brings in the current year's files; they are read into the same compact
term list Claimbook ships (``codesets/suggest/icd10cm-index-YYYY.tsv.gz``) and written to
``<data>/codesets/icd10cm_index/``. The suggestion index of every ICD-10-CM vintage of that
fiscal year or later is rebuilt from it on next use, and every code in it is mapped onto that
vintage's tabular (a code the vintage does not bill is completed only from the words, or
dropped), so an Index never makes a code suggestible that the date of service does not allow.
The External Cause Index, the Table of Neoplasms and the Table of Drugs and Chemicals are
read when they are beside the main Index (same zip or the same folder).
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from pathlib import Path

from addin.codesets._common import ImportOptions, ImportResult
from addin.codesets.store import sha256_file, user_root
from addin.errors import CodeSetError, CodeSetImportError

MARK = b"<ICD10CM.index"
# Bumped by every import: the suggestion engine reloads its indexes when it changes.
generation = 0


def _xml_members(path: Path) -> list[tuple[str, bytes]]:
    """(name, bytes) of the Index XML files in ``path`` (a file, or a zip, nested or not);
    for a single XML file, the other Index files in its folder too."""
    data = path.read_bytes()
    found: list[tuple[str, bytes]] = []
    if zipfile.is_zipfile(io.BytesIO(data)):

        def walk(blob: bytes, prefix: str) -> None:
            with zipfile.ZipFile(io.BytesIO(blob)) as archive:
                for info in archive.infolist():
                    name = info.filename
                    if info.is_dir() or not name.lower().endswith((".xml", ".zip")):
                        continue
                    if info.file_size > 400_000_000:
                        raise CodeSetImportError(f"{path} ({name}): too large for an Index file")
                    inner = archive.read(info)
                    if name.lower().endswith(".zip"):
                        walk(inner, f"{prefix}{name}/")
                    elif MARK in inner[:4096]:
                        found.append((f"{prefix}{name}", inner))

        try:
            walk(data, f"{path.name}/")
        except zipfile.BadZipFile as exc:
            raise CodeSetImportError(f"{path}: damaged zip file ({exc})") from None
        return found
    if MARK not in data[:4096]:
        raise CodeSetImportError(
            f"{path}: not the ICD-10-CM Index XML (no <ICD10CM.index> element at the start)"
        )
    found.append((path.name, data))
    for sibling in sorted(path.parent.glob("*.xml")):
        if sibling != path and re.search(r"eindex|neoplasm|drug", sibling.name.lower()):
            blob = sibling.read_bytes()
            if MARK in blob[:4096]:
                found.append((sibling.name, blob))
    return found


def looks_like(path: Path) -> bool:
    """True for an Index XML file or a zip that holds the main Index."""
    try:
        return any(_kind_of(n, b) == "I" for n, b in _xml_members(path))
    except (CodeSetImportError, OSError):
        return False


def _kind_of(name: str, data: bytes) -> str:
    head = data[:4096].lower()
    if b"<indexheading" in head:
        return "N" if b"benign" in head else "D"
    if b"external cause" in head or "eindex" in name.lower():
        return "E"
    return "I"


def _year(members: list[tuple[str, bytes]], path: Path) -> int | None:
    for _, blob in members:
        found = re.search(rb"<version>\s*(20\d\d)\s*</version>", blob[:4096])
        if found:
            return int(found.group(1))
    for name in [n for n, _ in members] + [path.name]:
        match = re.search(r"(20\d\d)", Path(name).name)
        if match:
            return int(match.group(1))
    return None


def index_folder() -> Path:
    return user_root() / "icd10cm_index"


def import_icd10cm_index(path: Path, options: ImportOptions | None = None) -> ImportResult:
    """Import the CDC Alphabetic Index; importing the same file twice changes nothing."""
    from addin.codesets.icd10cm_alphabetic import Entry, read_tsv, read_xml, write_tsv

    options = options or ImportOptions()
    path = Path(path)
    if not path.is_file():
        raise CodeSetImportError(f"{path}: no such file")
    members = _xml_members(path)
    kinds = [(_kind_of(n, b), n, b) for n, b in members]
    if not any(k == "I" for k, _, _ in kinds):
        listed = ", ".join(n for n, _ in members) or "no Index XML"
        raise CodeSetImportError(
            f"{path}: no main Alphabetic Index (icd10cm-index-YYYY.xml) found; it holds {listed}"
        )
    year = options.fiscal_year or _year(members, path)
    if year is None:
        raise CodeSetImportError(f"{path}: cannot tell the Index year; pass --fiscal-year")
    entries: list[Entry] = []
    counts: dict[str, int] = {}
    for kind, name, blob in kinds:
        try:
            read = read_xml(blob, kind, name)
        except CodeSetError as exc:
            raise CodeSetImportError(str(exc)) from None
        entries.extend(read)
        label = {"I": "index", "E": "external", "N": "neoplasm", "D": "drug"}[kind]
        counts[f"{label} terms"] = counts.get(f"{label} terms", 0) + len(read)
    coded = sum(1 for e in entries if e.code)
    if coded == 0:
        raise CodeSetImportError(f"{path}: the Index holds no codes; is it an Index file?")
    dest = index_folder() / f"icd10cm-index-{year}.tsv.gz"
    digest = sha256_file(path)
    start = options.effective_from or date(year - 1, 10, 1)
    end = options.effective_to or date(year, 9, 30)
    manifest = {
        "system": "icd10cm_index",
        "vintage": f"FY{year}",
        "effective_from": start.isoformat(),
        "effective_to": end.isoformat(),
        "source": {"file": path.name, "members": [n for _, n, _ in kinds], "sha256": digest},
        "counts": counts,
        "imported": date.today().isoformat(),
    }
    unchanged = False
    if dest.exists():
        try:
            unchanged = list(read_tsv(dest)) == entries
        except CodeSetError:
            unchanged = False
    if not unchanged:
        write_tsv(entries, dest)
    global generation
    generation += 1  # the suggestion indexes of that year onward rebuild from it
    return ImportResult("icd10cm_index", f"FY{year}", dest, unchanged, manifest)
