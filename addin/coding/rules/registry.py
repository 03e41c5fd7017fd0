"""The rule registry and the context that turns a detected problem into a Finding."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from addin.models import Book, Encounter, Finding
from addin.models.types import Severity

if TYPE_CHECKING:
    from addin.coding.rules.sources import Sources

ENCOUNTERS = "Encounters"
# A header that tells each configuration table apart, to find the user's sheet name.
_MARKERS = {
    ENCOUNTERS: "Encounter ID",
    "Rules": "Requirement",
    "Payers": "Payer ID",
    "Settings": "Billing NPI",
}


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """A rule's stable id, its default severity, the area it belongs to and what it checks."""

    id: str
    severity: Severity
    area: str
    summary: str


REGISTRY: dict[str, RuleInfo] = {}


def rule(rule_id: str, severity: Severity, area: str, summary: str) -> str:
    """Register a rule (once, at import) and return its id for use as a constant."""
    if rule_id in REGISTRY:
        raise ValueError(f"rule id {rule_id} registered twice")
    REGISTRY[rule_id] = RuleInfo(rule_id, severity, area, summary)
    return rule_id


def row_of(encounter: Encounter) -> int | None:
    """The Excel row that holds an encounter's claim-level values (its first row)."""
    if encounter.rows:
        return encounter.rows[0]
    for line in encounter.lines:
        if line.row is not None:
            return line.row
    return None


@dataclass(slots=True)
class Context:
    """What every rule needs: the book, today's date, code sources, and the findings list.

    Rules call :meth:`add` only when they found a problem, so a clean row costs no Finding.
    """

    book: Book
    today: date
    sources: Sources
    disabled: frozenset[str] = frozenset()
    findings: list[Finding] = field(default_factory=list)
    _headers: dict[tuple[str, str], str] = field(default_factory=dict)
    _sheets: dict[str, str] = field(default_factory=dict)
    _fees: frozenset[tuple[str, str]] | None = None

    def priced_by_fees(self, code: str, modifiers: list[str]) -> bool:
        """The Fees sheet has a charge for the code (with one of its modifiers, or none).

        The claims builder takes an empty line charge from the Fees sheet the same way, so
        an empty Charge that the Fees sheet prices is not a problem.
        """
        if self._fees is None:
            self._fees = frozenset((f.code, f.modifier) for f in self.book.fees)
        return any((code, mod) in self._fees for mod in (*modifiers, ""))

    def sheet(self, kind: str) -> str:
        """The user's name for a sheet (an Encounters table may sit on a sheet named Visits).

        Found by a header only that sheet has; the kind's own name when the book has none.
        """
        name = self._sheets.get(kind)
        if name is None:
            marker = _MARKERS.get(kind)
            name = kind
            for sheet, headers in self.book.headers.items():
                if marker is not None and marker in headers:
                    name = sheet
                    break
            self._sheets[kind] = name
        return name

    def column(self, sheet: str, canonical: str) -> str:
        """The header text as the user wrote it (cached: the same few columns recur)."""
        key = (sheet, canonical)
        text = self._headers.get(key)
        if text is None:
            text = self.book.header(sheet, canonical)
            self._headers[key] = text
        return text

    def add(
        self,
        rule_id: str,
        row: int | None,
        canonical: str | None,
        value: object,
        problem: str,
        fix: str,
        *,
        sheet: str = ENCOUNTERS,
        severity: Severity | None = None,
        encounter_id: str | None = None,
    ) -> None:
        """Record a finding; the message starts with sheet, row and column so it stands alone."""
        if self.disabled and rule_id.partition(":")[0] in self.disabled:
            return
        sheet = self.sheet(sheet)
        column = self.column(sheet, canonical) if canonical else None
        where = sheet if row is None else f"{sheet} row {row}"
        if column:
            where += f" ({column})"
        text = None if value is None else str(value)
        self.findings.append(
            Finding(
                rule=rule_id,
                severity=severity or REGISTRY[rule_id].severity,
                message=f"{where}: {problem}; {fix}",
                sheet=sheet,
                row=row,
                column=column,
                value=text,
                fix=fix,
                encounter_id=encounter_id,
            )
        )


def rules_in(area: str) -> Iterable[RuleInfo]:
    """The registered rules of one area (for docs and tests)."""
    return (info for info in REGISTRY.values() if info.area == area)
