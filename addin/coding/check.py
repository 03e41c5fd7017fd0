"""Check a Book: run every rule over every encounter and return Findings, a table and marks."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from addin.coding.rules import fields
from addin.coding.rules.icd import IcdRules
from addin.coding.rules.modifiers import ModifierRules
from addin.coding.rules.payer_rules import PayerRules
from addin.coding.rules.procedures import ProcedureRules
from addin.coding.rules.registry import REGISTRY, Context
from addin.coding.rules.screen import Screen
from addin.coding.rules.sources import Sources, default_sources
from addin.errors import InputError
from addin.models import Book, Column, Encounter, Finding, ResultTable
from addin.models.types import Severity

SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}
# Cell fills for the marks in the user's sheet and the Findings table's Severity column.
SEVERITY_FILLS: dict[str, str] = {"error": "FFC7CE", "warning": "FFEB9C", "info": "DDEBF7"}

BookReader = Callable[[Path], Book]


def _as_book(book_or_path: Any, reader: BookReader | None) -> Book:
    if isinstance(book_or_path, Book):
        return book_or_path
    if isinstance(book_or_path, str | Path):
        if reader is None:
            raise InputError(
                f"{book_or_path}: checking a workbook file needs the workbook reader; "
                "call addin.check(path) or pass a Book"
            )
        return reader(Path(book_or_path))
    if isinstance(book_or_path, Encounter):
        return Book(encounters=[book_or_path])
    if isinstance(book_or_path, Iterable):
        items = list(book_or_path)
        if all(isinstance(item, Encounter) for item in items):
            return Book(encounters=items)
    raise InputError(
        f"cannot check a {type(book_or_path).__name__}; pass a workbook path, a Book or "
        "a list of Encounters"
    )


def check(
    book_or_path: Any,
    *,
    today: date | None = None,
    sources: Sources | None = None,
    disable: Collection[str] = (),
    reader: BookReader | None = None,
) -> list[Finding]:
    """Every problem in a Book (or path, read with ``reader``), sorted by sheet and row.

    ``sources`` holds the imported CPT/HCPCS/NCCI/MUE sets (found in the user store when
    None); ``disable`` turns rules off by id; ``today`` fixes "not in the future".
    """
    book = _as_book(book_or_path, reader)
    ctx = Context(
        book=book,
        today=today or date.today(),
        sources=sources if sources is not None else default_sources(),
        disabled=frozenset(disable),
    )
    unknown = sorted(set(disable) - set(REGISTRY))
    if unknown:
        raise InputError(f"unknown rule id(s) {', '.join(unknown)}; see REGISTRY for the ids")
    fields.check_settings(ctx)
    fields.check_payers(ctx)
    payer_rules = PayerRules(ctx)
    icd = IcdRules(ctx)
    procedures = ProcedureRules(ctx)
    modifiers = ModifierRules(ctx, procedures, icd)
    payers = frozenset(" ".join(p.payer.split()).casefold() for p in book.payers)
    check_encounter = fields.check_encounter
    check_lines = fields.check_lines
    screen = Screen(ctx, payers)
    clean_encounter = screen.clean_encounter
    clean_lines = screen.clean_lines
    for enc in book.encounters:
        if not clean_encounter(enc):
            check_encounter(ctx, enc, payers)
        if not clean_lines(enc):
            check_lines(ctx, enc)
        icd.check(enc)
        procedures.check(enc)
        modifiers.check(enc)
        payer_rules.check(enc)
    procedures.finish()
    findings = _without_superseded(book.findings, ctx.findings)
    # By sheet and row, the way a biller works down the sheet; findings about a whole sheet
    # (no row: Settings values, code sets not imported) after that sheet's rows.
    findings.sort(
        key=lambda f: (
            f.sheet or "",
            f.row if f.row is not None else 1 << 30,
            SEVERITY_ORDER.get(f.severity, 3),
        )
    )
    return findings


# A reading finding that a rule restates for the same cell, with the fix, is left out so the
# biller reads one line per problem.
SUPERSEDED_BY: dict[str, str] = {"READ-ZIP-LEADING-ZERO": "ZIP-LEADING-ZERO"}


def _without_superseded(read: Iterable[Finding], checked: list[Finding]) -> list[Finding]:
    restated = {(f.rule, f.sheet, f.row, f.column) for f in checked}
    kept = [
        f for f in read if (SUPERSEDED_BY.get(f.rule), f.sheet, f.row, f.column) not in restated
    ]
    return kept + checked


def summary(book: Book, findings: Iterable[Finding]) -> dict[str, int]:
    """Counts for the JSON summary: lines checked, then findings by severity."""
    counts = {"error": 0, "warning": 0, "info": 0}
    for finding in findings:
        counts[finding.severity] += 1
    return {
        "rows": sum(len(enc.lines) for enc in book.encounters),
        "errors": counts["error"],
        "warnings": counts["warning"],
        "info": counts["info"],
    }


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_address(finding: Finding, letters: dict[str, dict[str, str]] | None = None) -> str:
    """Where a finding points: ``'Encounters'!F12``, a whole row, or the sheet."""
    sheet = finding.sheet or "Encounters"
    quoted = "'" + sheet.replace("'", "''") + "'"
    if finding.row is None:
        return f"{quoted}!A1"
    letter = (letters or {}).get(sheet, {}).get(finding.column or "")
    if letter:
        return f"{quoted}!{letter}{finding.row}"
    return f"{quoted}!{finding.row}:{finding.row}"


def findings_table(
    findings: Iterable[Finding], letters: dict[str, dict[str, str]] | None = None
) -> ResultTable:
    """The Findings sheet: one row per finding with a link to the cell and what to do.

    ``letters`` maps sheet -> header text -> column letter, when the reader knows them;
    without it the link goes to the row.
    """
    columns = [
        Column(name="Sheet", kind="text", width=12),
        Column(name="Cell", kind="link", width=16),
        Column(name="Column", kind="text", width=18),
        Column(
            name="Severity",
            kind="text",
            width=10,
            choices=["error", "warning", "info"],
            highlight=SEVERITY_FILLS,
        ),
        Column(name="Rule", kind="code", width=22),
        Column(name="Message", kind="text", width=70),
        Column(name="Value", kind="code", width=14),
        Column(name="Fix", kind="text", width=50),
    ]
    rows = [
        [
            f.sheet or "",
            cell_address(f, letters),
            f.column or "",
            f.severity,
            f.rule,
            f.message,
            f.value or "",
            f.fix or "",
        ]
        for f in findings
    ]
    # the rows are built above as lists: validating them would copy every one
    return ResultTable.model_construct(
        sheet="Findings", columns=columns, rows=rows, title="Claim check"
    )


@dataclass(frozen=True, slots=True)
class CellMark:
    """A fill for one cell of the user's sheet: the worst severity found there."""

    sheet: str
    row: int
    column: str
    severity: Severity
    fill: str
    note: str


def cell_marks(findings: Iterable[Finding]) -> list[CellMark]:
    """One mark per (sheet, row, column) that has findings, coloured by the worst severity."""
    worst: dict[tuple[str, int, str], Finding] = {}
    for finding in findings:
        if finding.sheet is None or finding.row is None or finding.column is None:
            continue
        key = (finding.sheet, finding.row, finding.column)
        old = worst.get(key)
        if old is None or SEVERITY_ORDER[finding.severity] < SEVERITY_ORDER[old.severity]:
            worst[key] = finding
    return [
        CellMark(sheet, row, column, f.severity, SEVERITY_FILLS[f.severity], f.message)
        for (sheet, row, column), f in worst.items()
    ]


def to_json(book: Book, findings: list[Finding]) -> dict[str, Any]:
    """The documented JSON of ``claimbook check --json``."""
    return {"findings": findings_json(findings), "summary": summary(book, findings)}


def findings_json(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    """The ``findings`` of :func:`to_json`."""
    return [
        {
            "sheet": f.sheet,
            "row": f.row,
            "column": f.column,
            "severity": f.severity,
            "rule": f.rule,
            "message": f.message,
            "value": f.value,
            "fix": f.fix,
        }
        for f in findings
    ]
