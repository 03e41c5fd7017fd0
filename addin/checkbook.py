"""The claim check as a face sees it: read a workbook, check it, write Findings and marks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from addin.coding import check as checking
from addin.coding.rules.sources import Sources
from addin.models import Book, CellMark, Finding
from addin.sheets import read_book, read_table, write_tables


def check(book_path_or_models: Any, **options: Any) -> list[Finding]:
    """Check a workbook (path), a Book or a list of Encounters against every scrubber rule.

    Returns Findings sorted by sheet and row; ``today``, ``sources`` and ``disable`` are
    passed to :func:`addin.coding.check.check`.
    """
    return checking.check(book_path_or_models, reader=read_book, **options)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What ``claimbook check`` reports: the book, its findings, and the file written."""

    book: Book
    findings: list[Finding]
    written: Path | None

    def to_json(self) -> dict[str, Any]:
        return checking.to_json(self.book, self.findings)


def column_letters(path: Path, book: Book) -> dict[str, dict[str, str]]:
    """sheet -> header text -> column letter for the Encounters table (for the cell links)."""
    letters: dict[str, dict[str, str]] = {}
    for sheet, headers in book.headers.items():
        if "Encounter ID" not in headers:
            continue
        wanted = {canonical: (text,) for canonical, text in headers.items()}
        table = read_table(path, wanted, sheet=sheet)
        letters[sheet] = {
            headers[canonical]: checking.column_letter(index + 1)
            for canonical, index in table.columns.items()
        }
    return letters


def check_workbook(
    path: Path,
    *,
    out: Path | None = None,
    in_place: bool = False,
    write: bool = True,
    today: date | None = None,
    sources: Sources | None = None,
) -> CheckResult:
    """Check a workbook and (unless ``write`` is False) write its Findings sheet and marks.

    The Findings sheet is replaced on each run; Encounters cells with a finding get a fill
    by the worst severity found there; nothing else in the workbook changes.
    """
    book = read_book(path)
    findings = checking.check(book, today=today, sources=sources)
    if not write:
        return CheckResult(book, findings, None)
    suffix = path.suffix.lower()
    letters = column_letters(path, book) if suffix != ".csv" else {}
    table = checking.findings_table(findings, letters)
    marks = [
        CellMark(sheet=m.sheet, row=m.row, column=m.column, severity=m.severity)
        for m in checking.cell_marks(findings)
        if m.sheet in letters
    ]
    written = write_tables(path, [table], out=out, in_place=in_place, marks=marks)
    return CheckResult(book, findings, written)
