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


class MueLimits(Protocol):
    """Medically Unlikely Edits (practitioner services)."""

    def limit(self, code: str, on: date) -> tuple[int, int] | None:
        """(MUE value, MAI 1/2/3) in force on ``on``, or None when the code has no MUE."""
        ...


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
    """PTP edits in a dict keyed by the two codes; values pack dates and indicator in an int.

    Packing keeps 2 million pairs near 300 MB instead of a tuple per pair.
    """

    def __init__(self, rows: Iterable[tuple[str, str, date, date | None, int]]) -> None:
        self._pairs: dict[str, int | list[int]] = {}
        for column1, column2, start, end, indicator in rows:
            packed = self.pack(start, end, indicator)
            key = column1 + column2  # both 5 characters, so the join is unambiguous
            old = self._pairs.get(key)
            if old is None:
                self._pairs[key] = packed
            elif isinstance(old, list):
                old.append(packed)
            else:
                self._pairs[key] = [old, packed]

    @staticmethod
    def pack(start: date, end: date | None, indicator: int) -> int:
        return (start.toordinal() << 24 | (end.toordinal() if end else 0xFFFFFF)) << 4 | indicator

    def __len__(self) -> int:
        return len(self._pairs)

    def indicator(self, column1: str, column2: str, on: date) -> int | None:
        found = self._pairs.get(column1 + column2)
        if found is None:
            return None
        day = on.toordinal()
        for packed in found if isinstance(found, list) else (found,):
            end = (packed >> 4) & 0xFFFFFF
            # The deletion date is the first day the edit no longer applies (as CMS files say).
            if packed >> 28 <= day < end:
                return packed & 0xF
        return None


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


class NcciStore:
    """The imported NCCI PTP edits (``addin.codesets.ncci``), preloaded once per vintage."""

    def __init__(self) -> None:
        self._tables: dict[date, Any] = {}

    def indicator(self, column1: str, column2: str, on: date) -> int | None:
        from addin.codesets import ncci

        found = self._tables.get(on)
        if found is None:
            found = self._tables[on] = ncci.table(on, preload=True)
        edit = found.edit(column1, column2, on) if found is not None else None
        return None if edit is None else int(edit.modifier_indicator)


class MueStore:
    """The imported MUE file (``addin.codesets.mue``) as MueLimits."""

    def __init__(self, module: Any) -> None:
        self._module = module

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
    """The sets imported into the user store; each None when it has not been imported.

    A module of ``addin.codesets`` may also offer ``scrubber_source()`` (used for CPT, whose
    licensed file has no fixed layout).
    """
    found = Sources()
    hcpcs, ncci, mue, cpt = (_module(n) for n in ("hcpcs", "ncci", "mue", "cpt"))
    if hcpcs is not None and hcpcs.is_loaded():
        found.hcpcs = HcpcsStore()
    if ncci is not None and ncci.is_loaded():
        found.ptp = NcciStore()
    if mue is not None and getattr(mue, "is_loaded", lambda: False)():
        found.mue = MueStore(mue)
    factory = getattr(cpt, "scrubber_source", None)
    if callable(factory):
        found.cpt = factory()
    return found
