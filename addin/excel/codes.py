"""One code as a cell sees it: which set it belongs to, its answer, and its problem if any."""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from datetime import date
from typing import Literal

from addin.codesets import cpt, hcpcs, icd10cm
from addin.coding.rules.icd import CodeFacts, IcdRules
from addin.coding.rules.procedures import ProcedureRules
from addin.coding.rules.registry import Context
from addin.coding.rules.sources import Sources, default_sources
from addin.models import Book
from addin.models.types import normalize_icd10, normalize_procedure

Kind = Literal["icd10cm", "cpt", "hcpcs", "unknown"]

_lock = threading.Lock()
_rules: tuple[IcdRules, ProcedureRules] | None = None


def rules() -> tuple[IcdRules, ProcedureRules]:
    """The scrubber's own ICD and procedure rules, built once: they cache per code."""
    global _rules
    if _rules is None:
        with _lock:
            if _rules is None:
                ctx = Context(book=Book(), today=date.today(), sources=Sources())
                _rules = (IcdRules(ctx), ProcedureRules(ctx))
    return _rules


def reload() -> None:
    """Forget cached answers (after a code-set import while Excel stays open)."""
    global _rules
    with _lock:
        _rules = None
        resolve.cache_clear()
        suggestions.cache_clear()


@functools.lru_cache(maxsize=4096)
def suggestions(
    text: str, system: str, top: int, on: date | None
) -> tuple[tuple[str, str, float, str], ...]:
    """(code, description, score, check) rows for free text, cached: a sheet recalculates the
    same Diagnosis Text cells again and again. ``check`` is "check the Index under ..." when
    the score is too low to trust, else empty."""
    from addin.coding.suggest import suggest

    return tuple(
        (s.code, s.description, round(s.score, 3), s.check) for s in suggest(text, system, top, on)
    )


@dataclass(frozen=True, slots=True)
class Resolved:
    """A typed code, normalised, with the set it belongs to."""

    code: str
    kind: Kind


@functools.lru_cache(maxsize=1 << 16)
def resolve(text: str) -> Resolved:
    """Which set a typed code is from.

    A dot means ICD-10-CM. Five digits (or four and F/T/U/A/M) are CPT. A letter and four
    digits is HCPCS Level II when the imported HCPCS file has it, else ICD-10-CM when that
    is a code there (E1165 = E11.65), else HCPCS by its shape: G0439 is a HCPCS code even
    though G04.39 exists, once HCPCS is imported.
    """
    if "." not in text:
        proc = normalize_procedure(text)
        kind = rules()[1].kind(proc)[0]
        if kind == "CPT":
            return Resolved(proc, "cpt")
        if kind == "HCPCS":
            if hcpcs.lookup(proc) is not None:
                return Resolved(proc, "hcpcs")
            icd = normalize_icd10(text)
            if icd in _newest_codes():
                return Resolved(icd, "icd10cm")
            return Resolved(proc, "hcpcs")
    icd = normalize_icd10(text)
    return Resolved(icd, "icd10cm" if icd[:1].isalpha() else "unknown")


def _newest_codes() -> dict[str, tuple[bool, str, str]]:
    vintage = icd10cm.vintage_for(None)
    return vintage.codes if vintage is not None else {}


def icd_facts(code: str, on: date | None) -> CodeFacts | str:
    """The scrubber's facts for an ICD-10-CM code, or why none apply (no vintage for ``on``)."""
    vintage = icd10cm.vintage_for(on)
    if vintage is None:
        return icd10cm.lookup(code, on).message
    return rules()[0].facts(vintage, code, on)


def procedure_problem(resolved: Resolved, on: date | None) -> str | None:
    """Why a CPT/HCPCS code is not valid on ``on`` (None: valid, or its set not imported).

    Like the scrubber, a set that is not imported checks the shape only (CPT descriptors are
    licensed; a clinic without the file still bills valid codes).
    """
    sources = default_sources()
    codeset = sources.cpt if resolved.kind == "cpt" else sources.hcpcs
    if codeset is None:
        return None
    answer = codeset.validity(resolved.code, on or date.today())
    if answer is None:
        return f"{resolved.code} is not in the imported {resolved.kind.upper()} set"
    if answer != "ok":
        return f"{resolved.code} is {answer}"
    return None


def describe(resolved: Resolved, on: date | None) -> str | None:
    """The description of a code on ``on``; None when unknown or its set is not imported."""
    if resolved.kind == "icd10cm":
        answer = icd10cm.lookup(resolved.code, on)
        return answer.description if answer.status in ("ok", "not_billable") else None
    if resolved.kind == "hcpcs":
        found = hcpcs.lookup(resolved.code, on)
        return found.description if found is not None else None
    if resolved.kind == "cpt":
        return cpt.describe(resolved.code, on)
    return None
