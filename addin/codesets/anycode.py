"""One lookup for a code as a user types it: ICD-10-CM, or HCPCS Level II by its shape.

A letter and four digits (``G0439``) is the shape of a HCPCS Level II code, and also of an
ICD-10-CM code typed without its dot (``G04.39``). The imported HCPCS file decides: a code
in it is answered as HCPCS; a code not in it is answered as ICD-10-CM when it is one there
(``E1165`` = E11.65). Without a HCPCS file the answer says so and names both readings,
never picking one silently. A dot always means ICD-10-CM.
"""

from __future__ import annotations

import re
from datetime import date

from addin.codesets import hcpcs, icd10cm
from addin.codesets.icd10cm import CodeLookup, Status

_HCPCS_SHAPE = re.compile(r"^[A-Z][0-9]{4}$")
_FOUND = ("ok", "not_billable")


def lookup_code(code: object, on: date | None = None, *, with_notes: bool = False) -> CodeLookup:
    """``icd10cm.lookup``, except that a HCPCS-shaped code is answered from the HCPCS set."""
    raw = code if isinstance(code, str) else str(code)
    typed = "".join(raw.split()).upper()
    icd = icd10cm.lookup(code, on, with_notes=with_notes)
    if not _HCPCS_SHAPE.match(typed):
        return icd
    as_icd = (
        f"as ICD-10-CM, {icd.code} is {icd.description} (type it with its dot, {icd.code}, to "
        "look the diagnosis up)"
        if icd.status in _FOUND
        else ""
    )
    if not hcpcs.is_loaded():
        message = (
            f"{typed} has the shape of a HCPCS Level II code (a letter and four digits) and no "
            "HCPCS Level II file is imported, so Claimbook cannot say what it is; import the "
            "CMS Alpha-Numeric HCPCS file (`claimbook codesets import HCPCyyyy_ANWEB.zip`)"
        )
        return CodeLookup(
            input=raw,
            code=typed,
            status="not_imported",
            system="hcpcs",
            message=f"{message}; {as_icd}" if as_icd else message,
        )
    found = hcpcs.lookup(typed, on)
    info = hcpcs.vintage_info(on)
    assert info is not None  # a HCPCS file is imported
    if found is None:
        if icd.status in _FOUND:
            return icd  # E1165: not a HCPCS code, the ICD-10-CM code E11.65
        return CodeLookup(
            input=raw,
            code=typed,
            status="not_found",
            system="hcpcs",
            vintage=info.name,
            effective_from=info.effective_from,
            effective_to=info.effective_to,
            message=f"{typed} is not in the imported HCPCS Level II set {info.name} "
            f"({info.effective_from} to {info.effective_to}) and not an ICD-10-CM code",
        )
    message = found.message
    status: Status = "ok" if found.valid else "not_found"
    stale = hcpcs.outdated(on) if on is not None else None
    if stale is not None:
        status = "outside_vintage"
        message += (
            f"; the imported HCPCS file {stale.name} covers {stale.effective_from} to "
            f"{stale.effective_to}, not {on}: codes and descriptions may have changed since; "
            f"import the CMS HCPCS file in force on {on}"
        )
    return CodeLookup(
        input=raw,
        code=typed,
        status=status,
        system="hcpcs",
        description=found.description,
        billable=found.valid,
        vintage=info.name,
        effective_from=info.effective_from,
        effective_to=info.effective_to,
        message=message,
    )
