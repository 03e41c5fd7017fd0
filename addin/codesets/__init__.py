"""Code-set access: shipped and imported vintages, looked up by date of service."""

from __future__ import annotations

from typing import Any

from addin.codesets.icd10cm import CodeLookup, fiscal_year, lookup
from addin.codesets.importer import ImportResult, import_path
from addin.codesets.store import VintageInfo, list_vintages, remove_vintage


def info() -> list[dict[str, Any]]:
    """Every loaded vintage as a plain dict (what ``claimbook codesets info --json`` prints).

    ``note`` says what a user should know beyond the counts: a shipped vintage that an
    import of the same name replaces (and how to undo that), an MCE file without sex lists.
    """
    found = list_vintages()
    imported = {(v.system, v.name.lower()) for v in found if not v.shipped}
    rows = []
    for v in found:
        note = ""
        if v.shipped and (v.system, v.name.lower()) in imported:
            note = (
                f"replaced by your imported {v.name}; `claimbook codesets remove {v.system} "
                f"{v.name}` goes back to this one"
            )
        elif v.manifest.get("sex_edit"):
            note = f"no sex-conflict lists (CMS: sex edit {v.manifest['sex_edit']})"
        rows.append(
            {
                "system": v.system,
                "vintage": v.name,
                "effective_from": v.effective_from.isoformat(),
                "effective_to": v.effective_to.isoformat(),
                "shipped": v.shipped,
                "counts": v.manifest.get("counts", {}),
                "source": v.manifest.get("source", {}),
                "path": str(v.path),
                "note": note,
            }
        )
    return rows


__all__ = [
    "CodeLookup",
    "ImportResult",
    "VintageInfo",
    "fiscal_year",
    "import_path",
    "info",
    "list_vintages",
    "lookup",
    "remove_vintage",
]
