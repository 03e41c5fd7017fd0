"""What the procedure rules ask of imported code sets (CPT, HCPCS, NCCI PTP, MUE).

The rules talk to small Protocols so they run against the importers' stores when those are
imported, and against the in-memory tables here in tests and benchmarks. A set that is
missing is reported once per check as an ``info`` finding, never passed silently.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

_MAX = date.max.toordinal()


class CodeValidity(Protocol):
    """A procedure code set (CPT or HCPCS Level II) with effective and termination dates."""

    def validity(self, code: str, on: date) -> str | None:
        """None when the code is unknown; "ok" when valid on ``on``; else why it is not."""
        ...


class PtpEdits(Protocol):
    """NCCI procedure-to-procedure edits (practitioner)."""

    def indicator(self, column1: str, column2: str, on: date) -> int | None:
        """The modifier indicator (0, 1 or 9) of the edit in force on ``on``, or None."""
        ...

    def among(self, codes: list[str], on: date) -> list[tuple[int, int, int]]:
        """(i, j, indicator) for every edit in force on ``on`` between codes[i] (column 1)
        and codes[j] (column 2), i != j."""
        ...


class MueLimits(Protocol):
    """Medically Unlikely Edits (practitioner services)."""

    def limit(self, code: str, on: date) -> tuple[int, int] | None:
        """(MUE value, MAI 1/2/3) in force on ``on``, or None when the code has no MUE."""
        ...


class Dated(Protocol):
    """An imported set that knows the dates its file covers (the stores below)."""

    def outdated(self, on: date) -> str | None:
        """None when the set in force covers ``on``; else the file that answers anyway,
        with its dates ("MUE-2026-04-01, 2026-04-01 to 2026-06-30")."""
        ...


def outdated(source: object, on: date) -> str | None:
    """What ``Dated.outdated`` says, or None for a set without dates (in-memory tables)."""
    method = getattr(source, "outdated", None)
    return None if method is None else method(on)


def _describe(info: Any) -> str | None:
    if info is None:
        return None
    return f"{info.name}, {info.effective_from} to {info.effective_to}"


@dataclass(slots=True)
class Sources:
    """The imported sets the procedure rules use; None means "not imported"."""

    cpt: CodeValidity | None = None
    hcpcs: CodeValidity | None = None
    ptp: PtpEdits | None = None
    mue: MueLimits | None = None


class MemoryCodes:
    """A code set held in memory: code -> (effective from, terminated on or None)."""

    def __init__(self, rows: Iterable[tuple[str, date, date | None]]) -> None:
        self._codes: dict[str, tuple[int, int, date, date | None]] = {
            code: (start.toordinal(), end.toordinal() if end else _MAX, start, end)
            for code, start, end in rows
        }

    def validity(self, code: str, on: date) -> str | None:
        entry = self._codes.get(code)
        if entry is None:
            return None
        day = on.toordinal()
        if day < entry[0]:
            return f"not valid before {entry[2]}"
        if day > entry[1]:
            return f"terminated after {entry[3]}"
        return "ok"


class MemoryPtp:
    """PTP edits held as column 1 -> column 2 -> packed (start, deletion, indicator) ints.

    Nesting by column 1 lets :meth:`among` look each billed code up once and then probe a
    small dict; packing keeps 2 million pairs in a few hundred MB instead of a tuple each.
    """

    def __init__(self, rows: Iterable[tuple[str, str, date, date | None, int]]) -> None:
        self._pairs: dict[str, dict[str, int | list[int]]] = {}
        self._count = 0
        for column1, column2, start, end, indicator in rows:
            packed = self.pack(start, end, indicator)
            inner = self._pairs.get(column1)
            if inner is None:
                inner = self._pairs[column1] = {}
            old = inner.get(column2)
            if old is None:
                inner[column2] = packed
                self._count += 1
            elif isinstance(old, list):
                old.append(packed)
            else:
                inner[column2] = [old, packed]

    @staticmethod
    def pack(start: date, end: date | None, indicator: int) -> int:
        return (start.toordinal() << 24 | (end.toordinal() if end else 0xFFFFFF)) << 4 | indicator

    @staticmethod
    def _in_force(found: int | list[int], day: int) -> int | None:
        for packed in found if isinstance(found, list) else (found,):
            # The deletion date is the first day the edit no longer applies (as CMS files say).
            if packed >> 28 <= day < (packed >> 4) & 0xFFFFFF:
                return packed & 0xF
        return None

    def __len__(self) -> int:
        return self._count

    def indicator(self, column1: str, column2: str, on: date) -> int | None:
        inner = self._pairs.get(column1)
        found = inner.get(column2) if inner is not None else None
        return None if found is None else self._in_force(found, on.toordinal())

    def among(self, codes: list[str], on: date) -> list[tuple[int, int, int]]:
        """(i, j, indicator) for each edit in force on ``on`` with codes[i] as column 1."""
        hits: list[tuple[int, int, int]] = []
        pairs = self._pairs
        for i, code1 in enumerate(codes):
            inner = pairs.get(code1)
            if inner is None:
                continue
            for j, code2 in enumerate(codes):
                found = inner.get(code2)
                if found is not None and code1 != code2:
                    indicator = self._in_force(found, on.toordinal())
                    if indicator is not None:
                        hits.append((i, j, indicator))
        return hits


class MemoryMue:
    """MUE rows in memory: code -> (value, MAI), optionally with an effective window."""

    def __init__(self, rows: Iterable[tuple[str, int, int]]) -> None:
        self._limits = {code: (value, mai) for code, value, mai in rows}

    def __len__(self) -> int:
        return len(self._limits)

    def limit(self, code: str, on: date) -> tuple[int, int] | None:
        return self._limits.get(code)


class HcpcsStore:
    """The imported HCPCS Level II file (``addin.codesets.hcpcs``) as a CodeValidity."""

    def outdated(self, on: date) -> str | None:
        from addin.codesets import hcpcs

        return _describe(hcpcs.outdated(on))

    def validity(self, code: str, on: date) -> str | None:
        from addin.codesets import hcpcs

        found = hcpcs.lookup(code, on)
        if found is None:
            return None
        if found.valid:
            return "ok"
        if found.status == "terminated":
            return f"terminated on {found.terminated} ({found.vintage})"
        return f"not effective before {found.added} ({found.vintage})"


class CptStore:
    """The clinic's imported licensed CPT file (``addin.codesets.cpt``): code lists only."""

    def __init__(self, module: Any) -> None:
        self._module = module

    def outdated(self, on: date) -> str | None:
        return _describe(self._module.outdated(on))

    def validity(self, code: str, on: date) -> str | None:
        # The licensed file has no effective dates: the vintage in force answers.
        return "ok" if self._module.lookup(code, on) is not None else None


class NcciStore:
    """The imported NCCI PTP edits (``addin.codesets.ncci``), preloaded once per vintage."""

    def __init__(self) -> None:
        self._tables: dict[date, Any] = {}

    def outdated(self, on: date) -> str | None:
        from addin.codesets import ncci

        return _describe(ncci.outdated(on))

    def indicator(self, column1: str, column2: str, on: date) -> int | None:
        from addin.codesets import ncci

        found = self._tables.get(on)
        if found is None:
            found = self._tables[on] = ncci.table(on, preload=True)
        edit = found.edit(column1, column2, on) if found is not None else None
        return None if edit is None else int(edit.modifier_indicator)

    def among(self, codes: list[str], on: date) -> list[tuple[int, int, int]]:
        hits = []
        for i, code1 in enumerate(codes):
            for j, code2 in enumerate(codes):
                if code1 != code2:
                    indicator = self.indicator(code1, code2, on)
                    if indicator is not None:
                        hits.append((i, j, indicator))
        return hits


class MueStore:
    """The imported MUE file (``addin.codesets.mue``) as MueLimits."""

    def __init__(self, module: Any) -> None:
        self._module = module

    def outdated(self, on: date) -> str | None:
        return _describe(self._module.outdated(on))

    def limit(self, code: str, on: date) -> tuple[int, int] | None:
        found = self._module.limit(code, on)
        if found is None:
            return None
        return int(found.value), int(found.mai)


def _module(name: str) -> Any:
    try:
        return importlib.import_module(f"addin.codesets.{name}")
    except ImportError:
        return None


def default_sources() -> Sources:
    """The sets imported into the user store; each None when it has not been imported."""
    found = Sources()
    hcpcs, ncci, mue, cpt = (_module(n) for n in ("hcpcs", "ncci", "mue", "cpt"))
    if hcpcs is not None and hcpcs.is_loaded():
        found.hcpcs = HcpcsStore()
    if ncci is not None and ncci.is_loaded():
        found.ptp = NcciStore()
    if mue is not None and getattr(mue, "is_loaded", lambda: False)():
        found.mue = MueStore(mue)
    if cpt is not None and cpt.is_loaded():
        found.cpt = CptStore(cpt)
    return found
