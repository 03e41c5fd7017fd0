"""Code suggestion: free text (abbreviations, lay terms, clinical phrases) to ranked codes.

``suggest("DM2 w/ neuropathy")`` -> ``[Suggestion("E11.40", ...), ...]``. ICD-10-CM answers
come from a prebuilt index of the vintage in force on the date of service; HCPCS Level II
answers from the imported HCPCS file (when one is); CPT from an imported CPT file.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, Literal

from addin.codesets import icd10cm
from addin.codesets import icd10cm_index as index_import
from addin.codesets.store import VintageInfo
from addin.coding.suggest.index import Index, load_or_build
from addin.coding.suggest.query import knowledge, parse
from addin.coding.suggest.rank import Hit
from addin.coding.suggest.rank import rank as rank_hits
from addin.errors import CodeSetNotLoaded, InputError

System = Literal["icd10cm", "hcpcs", "cpt", "all"]
SYSTEMS: tuple[str, ...] = ("icd10cm", "hcpcs", "cpt", "all")
MAX_TOP = 50
# The one rule for typing a suggestion into a Dx cell or onto a claim: only the top code,
# and only from this (calibrated) score up. Measured on the dev splits of
# tests/data/suggest_eval.tsv and tests/data/suggest_index_eval.tsv (933 phrases; the
# heldout splits are not used to set it): a first answer scoring 0.90 or more is right
# 99.3 % of the time (731 phrases, 78 % of them); from 0.70 it was 95.1 %. Text that is no
# diagnosis ("follow up", "=cmd|...") scores under 0.70. Checked afterwards on the heldout
# splits (348 phrases): 99.6 % right on 80 % of them. `python benchmarks/bench_suggest.py`
# prints precision and coverage at this threshold on both splits.
FILL_MIN_SCORE = 0.90
# Under this score a suggestion says "check the Index" (with the Index path it matched).
CHECK_BELOW = FILL_MIN_SCORE
# Calibration: when another code scores within TIE_MARGIN of the first, the engine cannot
# tell them apart (wrong first answers have a median margin of 0.04, right ones 0.12), so
# neither may score above TIE_CAP.
TIE_MARGIN = 0.02
TIE_CAP = 0.89


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One suggested code: billable, in force on the date asked, with a 0-1 score."""

    code: str
    system: str
    description: str
    score: float
    # why: the Index path or tabular name matched and the conventions applied
    why: str = ""

    @property
    def check(self) -> str:
        """ "check the Index" advice when the score is too low to trust, else ""."""
        return check_advice(self)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "system": self.system,
            "description": self.description,
            "score": self.score,
            "why": self.why,
        }
        if self.check:
            out["check"] = self.check
        return out


def explain(source: str, applied: tuple[str, ...]) -> str:
    """ "Index: Pneumonia, lobar; laterality ..." from a matched name and conventions."""
    if source.startswith("I:"):
        head = "Index: " + source[2:]
    elif source.startswith("T:"):
        head = "tabular inclusion term: " + source[2:]
    else:
        head = "tabular title"
    return "; ".join([head, *applied])


def calibrate(hits: list[Hit]) -> list[Hit]:
    """Scores a biller can trust: a first answer tied with another code is capped under the
    fill threshold (its 7th-character variants do not count as another code)."""
    if len(hits) < 2:
        return hits
    first = hits[0]
    stem = first.code[:-1] if len(first.code.replace(".", "")) == 7 else first.code
    rivals = [h for h in hits[1:] if not h.code.startswith(stem)]
    if not rivals or first.score - rivals[0].score >= TIE_MARGIN:
        return hits
    # every answer above the cap goes under it, so none outranks the capped first one
    # (the first's other 7th characters can lie between the tie and the cap)
    return [replace(h, score=TIE_CAP) if h.score > TIE_CAP else h for h in hits]


def check_advice(s: Suggestion) -> str:
    if s.system != "icd10cm" or s.score >= CHECK_BELOW:
        return ""
    path = s.why.split(";")[0].removeprefix("Index: ") if s.why.startswith("Index: ") else ""
    where = f" under {path}" if path else ""
    return f"check the Index{where}: score {s.score:.2f} is low"


_lock = threading.Lock()
_indexes: dict[tuple[Path, int], Index] = {}
# ICD-10-CM answers already ranked, by (index, text, top): a clinic's Diagnosis Text repeats
# the same few hundred phrases across thousands of encounters (659 phrases ranked in a
# 55,555-encounter week, 0.1-0.3 ms each after the first), and a ranking depends on nothing
# else. Forgotten with the indexes (reload); cleared whole when it reaches _ANSWERS_MAX.
_answers: dict[tuple[int, str, int], tuple[Suggestion, ...]] = {}
_ANSWERS_MAX = 50_000


def _icd10cm_info(on: date | None) -> VintageInfo:
    available = icd10cm.vintages()
    if not available:
        raise CodeSetNotLoaded(
            "no ICD-10-CM code set is installed; reinstall Claimbook or run "
            "`claimbook codesets import` with the CMS ICD-10-CM files"
        )
    if on is None:
        return available[-1]
    chosen = None
    for info in available:
        if info.covers(on):
            chosen = info  # later imports of the same period win, as in lookup
    if chosen is None:
        year = icd10cm.fiscal_year(on)
        loaded = ", ".join(f"{v.name} ({v.effective_from} to {v.effective_to})" for v in available)
        raise CodeSetNotLoaded(
            f"no ICD-10-CM vintage covers the date of service {on} (FY{year}); loaded: {loaded}. "
            f"Import the CMS FY{year} ICD-10-CM files with `claimbook codesets import`"
        )
    return chosen


def icd10cm_index(on: date | None = None) -> Index:
    """The loaded suggestion index for the vintage in force on ``on`` (newest when None)."""
    info = _icd10cm_info(on)
    # an imported Alphabetic Index changes what the index of a vintage is built from
    key = (info.path, index_import.generation)
    index = _indexes.get(key)
    if index is None:
        with _lock:
            index = _indexes.get(key)
            if index is None:
                index = load_or_build(info)
                _indexes[key] = index
    return index


def loaded() -> frozenset[tuple[Path, int]]:
    """The suggestion indexes loaded now (see :func:`forget_loaded_since`)."""
    with _lock:
        return frozenset(_indexes)


_held = 0  # keep_loaded() blocks open: forget_loaded_since lets nothing go


@contextmanager
def keep_loaded() -> Iterator[None]:
    """Keep every index loaded inside the block (one process running many workbooks one
    after another, a batch's worker or the demo, would otherwise load the same index for
    each)."""
    global _held
    with _lock:
        _held += 1
    try:
        yield
    finally:
        with _lock:
            _held -= 1


def forget_loaded_since(before: frozenset[tuple[Path, int]]) -> None:
    """Let go of the indexes loaded since ``loaded()`` gave ``before`` (and of the answers
    ranked from them): a run needs an index for its suggest step only, and a vintage's
    index is about 65 MB of a big run's peak memory. Indexes loaded before stay, so a host
    that keeps Claimbook loaded (Excel, a batch's workers) keeps what it already had."""
    with _lock:
        if _held:
            return
        gone = {id(_indexes.pop(key)) for key in list(_indexes) if key not in before}
        if gone:
            for key in [k for k in _answers if k[0] in gone]:
                del _answers[key]


def reload() -> None:
    """Forget loaded indexes (after a code-set import or removal)."""
    with _lock:
        _indexes.clear()
        _answers.clear()
    from addin.coding.suggest.other import reload as reload_other

    reload_other()


def _icd10cm_answers(text: str, index: Index, top: int) -> tuple[Suggestion, ...]:
    """The ranked ICD-10-CM answers for ``text`` from ``index`` (remembered, see _answers)."""
    key = (id(index), text, top)
    answers = _answers.get(key)
    if answers is None:
        # enough answers to see a tie with another code, whatever ``top`` asks for
        hits = calibrate(rank_hits(parse(text, knowledge()), index, max(top, 5)))[:top]
        answers = tuple(
            Suggestion(
                h.code, "icd10cm", h.description, h.score, explain(index.source(h.why), h.applied)
            )
            for h in hits
        )
        with _lock:
            if len(_answers) >= _ANSWERS_MAX:
                _answers.clear()
            # keyed by id(): an index stays loaded (in _indexes) until reload clears both
            _answers[key] = answers
    return answers


def suggest(
    text: str, system: str = "icd10cm", top: int = 5, on: date | None = None
) -> list[Suggestion]:
    """Ranked billable codes for free text, best first.

    ``system`` is ``icd10cm`` (default), ``hcpcs``, ``cpt`` or ``all``; ``on`` is the date of
    service (codes outside the vintage in force then are never suggested). Empty text gives
    an empty list. Raises CodeSetNotLoaded when the set asked for is not installed.
    """
    if system not in SYSTEMS:
        raise InputError(f"system {system!r} is not one of {', '.join(SYSTEMS)}")
    if top < 1:
        raise InputError(f"top must be 1 or more, got {top}")
    top = min(top, MAX_TOP)
    if not text or not text.strip():
        return []
    found: list[Suggestion] = []
    if system in ("icd10cm", "all"):
        found.extend(_icd10cm_answers(text, icd10cm_index(on), top))
    if system in ("hcpcs", "cpt", "all"):
        from addin.coding.suggest.other import suggest_other

        names = ("hcpcs", "cpt") if system == "all" else (system,)
        for name in names:
            found.extend(suggest_other(name, text, top, on, required=system != "all"))
    if system == "all":
        found.sort(key=lambda s: -s.score)
        found = found[:top]
    return found


__all__ = [
    "CHECK_BELOW",
    "FILL_MIN_SCORE",
    "SYSTEMS",
    "Suggestion",
    "icd10cm_index",
    "reload",
    "suggest",
]
