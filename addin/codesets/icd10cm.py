"""ICD-10-CM by date of service: load the compact vintages lazily and answer lookups fast."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from addin.codesets.store import VintageInfo, list_vintages
from addin.collector import collector_paused
from addin.errors import CodeSetError, CodeSetNotLoaded
from addin.models.types import normalize_icd10

SYSTEM = "icd10cm"

# What users type repeats (a column of the same few codes); normalising once per spelling
# keeps a recalculating sheet fast.
_normalize = lru_cache(maxsize=1 << 16)(normalize_icd10)
# not_imported: a HCPCS-shaped code and no HCPCS file to answer it (``anycode``)
Status = Literal["ok", "not_billable", "not_found", "outside_vintage", "not_imported"]


def fiscal_year(on: date) -> int:
    """The US federal fiscal year of a date: FY2027 runs 2026-10-01 to 2027-09-30."""
    return on.year + 1 if on.month >= 10 else on.year


def fiscal_year_range(year: int) -> tuple[date, date]:
    return date(year - 1, 10, 1), date(year, 9, 30)


@dataclass(frozen=True, slots=True)
class CodeLookup:
    """The answer to "what is this code on this date?"."""

    input: str
    code: str
    status: Status
    message: str
    description: str | None = None
    billable: bool | None = None
    vintage: str | None = None
    effective_from: date | None = None
    effective_to: date | None = None
    children: tuple[str, ...] = ()
    billable_examples: tuple[str, ...] = ()
    notes: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    system: str = SYSTEM

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_json(self) -> dict[str, Any]:
        """The documented JSON shape of ``claimbook lookup --json``."""
        return {
            "code": self.code,
            "input": self.input,
            "system": self.system,
            "description": self.description,
            "billable": self.billable,
            "vintage": self.vintage,
            "effective_from": self.effective_from.isoformat() if self.effective_from else None,
            "effective_to": self.effective_to.isoformat() if self.effective_to else None,
            "notes": self.notes,
            "status": self.status,
            "message": self.message,
            "children": list(self.children),
            "billable_examples": list(self.billable_examples),
        }


def _read_rows(path: Path) -> list[list[str]]:
    text = path.read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line]


class Icd10cmVintage:
    """One loaded vintage. Codes load at once; children, notes and sections on first use."""

    def __init__(self, info: VintageInfo) -> None:
        self.info = info
        self.codes: dict[str, tuple[bool, str, str]] = {}
        path = info.path / "codes.tsv"
        try:
            # ~98,000 tuples that form no cycles: the collector's passes over them cost a
            # third of the load (see addin/collector.py)
            with path.open(encoding="utf-8") as handle, collector_paused():
                for line in handle:
                    code, billable, parent, description = line.rstrip("\n").split("\t")
                    self.codes[code] = (billable == "1", parent, description)
        except (OSError, ValueError) as exc:
            raise CodeSetError(
                f"{path}: cannot read ICD-10-CM codes ({exc}); re-import it"
            ) from None
        self._children: dict[str, list[str]] | None = None
        self._notes: dict[str, list[tuple[str, str]]] | None = None
        self._seventh: dict[str, dict[str, str]] | None = None
        self._sections: dict[str, tuple[str, str, str]] | None = None
        self._headers: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {}

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def billable_count(self) -> int:
        return sum(1 for billable, _, _ in self.codes.values() if billable)

    def children(self) -> dict[str, list[str]]:
        if self._children is None:
            index: dict[str, list[str]] = {}
            with collector_paused():
                for code, (_, parent, _) in self.codes.items():
                    index.setdefault(parent, []).append(code)
            self._children = index
        return self._children

    def billable_descendants(self, code: str) -> list[str]:
        """Billable codes under ``code``, in tabular order."""
        index = self.children()
        found: list[str] = []
        stack = list(reversed(index.get(code, [])))
        seen = {code}
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            if self.codes[current][0]:
                found.append(current)
            stack.extend(reversed(index.get(current, [])))
        return found

    def header_answer(self, code: str) -> tuple[tuple[str, ...], tuple[str, ...], str]:
        """For a non-billable code: its children, billable examples and what to tell the user.

        Cached per code: walking a large category's descendants costs far more than a lookup.
        """
        cached = self._headers.get(code)
        if cached is not None:
            return cached
        children = tuple(self.children().get(code, ()))
        examples = tuple(_examples(self, code))
        seventh = self.seventh_for(code)
        if seventh and children and all(len(c.replace(".", "")) == 7 for c in children):
            choices = ", ".join(f"{k} {v}" for k, v in seventh.items())
            what = f"{code} needs a 7th character ({choices}), e.g. {children[0]}"
        else:
            kind = "category" if len(code) == 3 else "subcategory"
            total = len(self.billable_descendants(code))
            what = (
                f"{code} is a {kind}, not a billable code; pick a billable code such as "
                f"{', '.join(examples)} ({total} billable codes under {code})"
            )
        answer = (children, examples, what)
        self._headers[code] = answer
        return answer

    def sections(self) -> dict[str, tuple[str, str, str]]:
        """Chapters and blocks: id -> (kind, parent, title)."""
        if self._sections is None:
            path = self.info.path / "sections.tsv"
            rows = _read_rows(path) if path.exists() else []
            self._sections = {r[0]: (r[1], r[2], r[3]) for r in rows}
        return self._sections

    def notes_for(self, key: str) -> list[tuple[str, str]]:
        if self._notes is None:
            path = self.info.path / "notes.tsv"
            notes: dict[str, list[tuple[str, str]]] = {}
            with collector_paused():
                for row in _read_rows(path) if path.exists() else []:
                    notes.setdefault(row[0], []).append((row[1], row[2]))
            self._notes = notes
        return self._notes.get(key, [])

    def seventh_for(self, code: str) -> dict[str, str]:
        """The 7th-character table that applies to ``code`` (its own or an ancestor's)."""
        if self._seventh is None:
            path = self.info.path / "seventh.tsv"
            table: dict[str, dict[str, str]] = {}
            for row in _read_rows(path) if path.exists() else []:
                table.setdefault(row[0], {})[row[1]] = row[2]
            self._seventh = table
        for key in self.ancestors(code, include_self=True):
            if key in self._seventh:
                return self._seventh[key]
        return {}

    def ancestors(self, code: str, include_self: bool = False) -> list[str]:
        """Parents up to the chapter: ``E11.9`` -> ``E11``, ``E08-E13``, ``CH04``."""
        chain = [code] if include_self else []
        current = code
        sections = None
        for _ in range(12):
            entry = self.codes.get(current)
            if entry is not None:
                parent = entry[1]
            else:
                sections = sections or self.sections()
                parent = sections[current][1] if current in sections else ""
            if not parent or parent == current or parent in chain:
                break
            chain.append(parent)
            current = parent
        return chain

    def title(self, key: str) -> str:
        entry = self.codes.get(key)
        if entry is not None:
            return entry[2]
        section = self.sections().get(key)
        return section[2] if section else ""


_lock = threading.Lock()
_vintages: list[VintageInfo] | None = None
_loaded: dict[Path, Icd10cmVintage] = {}


def reload() -> None:
    """Forget what is loaded (after an import or removal)."""
    global _vintages
    with _lock:
        _vintages = None
        _loaded.clear()


def vintages() -> list[VintageInfo]:
    """The ICD-10-CM vintages available, oldest first."""
    global _vintages
    if _vintages is None:
        with _lock:
            if _vintages is None:
                _vintages = list_vintages(SYSTEM)
    return _vintages


def load(info: VintageInfo) -> Icd10cmVintage:
    loaded = _loaded.get(info.path)
    if loaded is None:
        with _lock:
            loaded = _loaded.get(info.path)
            if loaded is None:
                loaded = Icd10cmVintage(info)
                _loaded[info.path] = loaded
    return loaded


def vintage_for(on: date | None) -> Icd10cmVintage | None:
    """The vintage in force on ``on`` (the newest one when ``on`` is None); None if none is."""
    available = vintages()
    if not available:
        raise CodeSetNotLoaded(
            "no ICD-10-CM code set is installed; reinstall Claimbook or run "
            "`claimbook codesets import` with the CMS ICD-10-CM files"
        )
    if on is None:
        return load(available[-1])
    chosen = None
    for info in available:
        if info.effective_from <= on <= info.effective_to:
            chosen = info  # later imports of the same period win
    return load(chosen) if chosen is not None else None


def import_advice(year: int) -> str:
    """What to download for a fiscal year and how to import it: the zips CMS and the CDC
    publish (either holds the tabular XML)."""
    return (
        f"Download the FY{year} ICD-10-CM code files (CMS: {year}-code-tables-tabular-index.zip"
        f", or the CDC's icd10cm-table-and-index-{year}.zip) and run `claimbook codesets "
        f"import {year}-code-tables-tabular-index.zip`"
    )


def _outside(raw: str, code: str, on: date) -> CodeLookup:
    year = fiscal_year(on)
    start, end = fiscal_year_range(year)
    loaded = ", ".join(f"{v.name} ({v.effective_from} to {v.effective_to})" for v in vintages())
    newest = load(vintages()[-1])
    entry = newest.codes.get(code)
    return CodeLookup(
        input=raw,
        code=code,
        status="outside_vintage",
        description=entry[2] if entry else None,
        message=(
            f"date of service {on} falls in FY{year} (ICD-10-CM effective {start} to {end}), "
            f"which is not loaded; loaded: {loaded}. {import_advice(year)}"
        ),
    )


def _not_found(raw: str, code: str, vintage: Icd10cmVintage) -> CodeLookup:
    compact = code.replace(".", "")
    hints: list[str] = []
    if not (len(compact) >= 3 and compact[0].isalpha() and compact[1].isdigit()):
        message = (
            f"{raw.strip()!r} is not an ICD-10-CM code (a letter, a digit, then 1-5 letters or "
            "digits, e.g. E11.9)"
        )
        return CodeLookup(
            input=raw, code=code, status="not_found", message=message, vintage=vintage.name
        )
    # A 7th character typed without its placeholder X: S80.01A -> S80.01XA.
    if 4 <= len(compact) <= 6:
        padded = compact[:-1].ljust(6, "X") + compact[-1]
        candidate = f"{padded[:3]}.{padded[3:]}"
        if candidate in vintage.codes:
            hints.append(f"did you mean {candidate} (placeholder X before the 7th character)?")
    for other in vintages():
        if other.path == vintage.info.path:
            continue
        if code in load(other).codes:
            if other.name == vintage.name:
                # an imported file of the same year stands in front of the other one
                hints.append(
                    f"it is a code in the {'shipped' if other.shipped else 'other'} "
                    f"{other.name} set, which your imported {vintage.name} "
                    f"({vintage.info.manifest.get('source', {}).get('file', 'file')}) "
                    f"replaces; `claimbook codesets remove icd10cm {vintage.name}` goes back"
                    " to it"
                )
                continue
            hints.append(
                f"it is a code in {other.name} ({other.effective_from} to {other.effective_to})"
            )
    for length in range(len(compact) - 1, 2, -1):
        prefix = compact[:length]
        nearest = prefix if length == 3 else f"{prefix[:3]}.{prefix[3:]}"
        if nearest in vintage.codes:
            billable, _, desc = vintage.codes[nearest]
            kind = "billable" if billable else "not billable"
            hints.append(f"closest existing code: {nearest} {desc} ({kind})")
            break
    message = f"{code} is not an ICD-10-CM code in {vintage.name}"
    if hints:
        message += "; " + "; ".join(hints)
    return CodeLookup(
        input=raw,
        code=code,
        status="not_found",
        message=message,
        vintage=vintage.name,
        effective_from=vintage.info.effective_from,
        effective_to=vintage.info.effective_to,
    )


def _examples(vintage: Icd10cmVintage, code: str, limit: int = 5) -> list[str]:
    descendants = vintage.billable_descendants(code)

    def rank(item: tuple[int, str]) -> tuple[int, int, int]:
        position, child = item
        text = vintage.codes[child][2].lower()
        general = 0 if "without complication" in text else 1 if "unspecified" in text else 2
        return (general, len(child), position)

    ranked = sorted(enumerate(descendants), key=rank)
    return [child for _, child in ranked[:limit]]


def _collect_notes(vintage: Icd10cmVintage, code: str) -> dict[str, list[dict[str, str]]]:
    notes: dict[str, list[dict[str, str]]] = {}
    for key in vintage.ancestors(code, include_self=True):
        for kind, text in vintage.notes_for(key):
            notes.setdefault(kind, []).append({"at": key, "text": text})
    seventh = vintage.seventh_for(code)
    if seventh:
        notes["seventh_characters"] = [{"at": k, "text": v} for k, v in seventh.items()]
    return notes


def lookup(code: object, on: date | None = None, *, with_notes: bool = False) -> CodeLookup:
    """Look an ICD-10-CM code up as of a date of service (the newest vintage when None).

    Accepts what a user types (``e119``, ``E11 .9``, ``E119``) and answers with a status:
    ``ok``, ``not_billable`` (naming billable codes to pick), ``not_found`` (with the nearest
    code and placeholder hints) or ``outside_vintage`` (naming the fiscal year to import).
    """
    raw = code if isinstance(code, str) else str(code)
    vintage = vintage_for(on)
    if isinstance(code, str):
        normal = code if vintage is not None and code in vintage.codes else _normalize(code)
    else:
        normal = normalize_icd10(code)
    if vintage is None:
        assert on is not None
        return _outside(raw, normal, on)
    entry = vintage.codes.get(normal)
    if entry is None:
        return _not_found(raw, normal, vintage)
    billable, _, description = entry
    info = vintage.info
    notes = _collect_notes(vintage, normal) if with_notes else {}
    if billable:
        return CodeLookup(
            input=raw,
            code=normal,
            status="ok",
            description=description,
            billable=True,
            vintage=info.name,
            effective_from=info.effective_from,
            effective_to=info.effective_to,
            notes=notes,
            message=f"{normal} {description} (billable, {info.name})",
        )
    children, examples, what = vintage.header_answer(normal)
    return CodeLookup(
        input=raw,
        code=normal,
        status="not_billable",
        description=description,
        billable=False,
        vintage=info.name,
        effective_from=info.effective_from,
        effective_to=info.effective_to,
        children=children,
        billable_examples=examples,
        notes=notes,
        message=what,
    )
