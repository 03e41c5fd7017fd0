"""Code-set access: shipped and imported vintages, looked up by date of service."""

from __future__ import annotations

from typing import Any

from addin.codesets.icd10cm import CodeLookup, fiscal_year, lookup
from addin.codesets.importer import ImportResult, import_path
from addin.codesets.store import VintageInfo, list_vintages, remove_vintage


def info() -> list[dict[str, Any]]:
    """Every loaded vintage as a plain dict (what ``claimbook codesets info --json`` prints)."""
    return [
        {
            "system": v.system,
            "vintage": v.name,
            "effective_from": v.effective_from.isoformat(),
            "effective_to": v.effective_to.isoformat(),
            "shipped": v.shipped,
            "counts": v.manifest.get("counts", {}),
            "source": v.manifest.get("source", {}),
            "path": str(v.path),
        }
        for v in list_vintages()
    ]


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
