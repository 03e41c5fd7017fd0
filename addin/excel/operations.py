"""What each button does, on a workbook file: result tables, cell marks and files written.

The buttons (addin.excel.macros) run these on a snapshot of the open workbook and write the
tables back through the xlwings adapter; ``run_on_file`` runs them on a file through
addin.sheets, which is how the command line and the tests use them.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from addin.checkbook import column_letters
from addin.coding import check as checking
from addin.coding.suggest import suggest
from addin.errors import InputError
from addin.models import CellMark, Column, ResultTable
from addin.sheets import read_book, write_tables

SUGGESTIONS = "Suggestions"
SUGGESTION_COLUMNS = [
    Column(name="Encounter ID", kind="code"),
    Column(name="Row", kind="int"),
    Column(name="Diagnosis Text", kind="text", width=40),
    Column(name="Phrase", kind="text", width=30),
    Column(name="Rank", kind="int"),
    Column(name="Code", kind="code"),
    Column(name="Description", kind="text", width=60),
    Column(name="Score", kind="number"),
]
# Where the remittance button keeps the files it imported, beside the workbook, so the
# reconcile button (and `claimbook reconcile BOOK FOLDER/*`) can read them again.
REMITTANCE_FOLDER = "{stem} remittances"


@dataclass
class Outcome:
    """One button's results: sheets to replace, cells to fill, files written, a summary."""

    tables: list[ResultTable]
    summary: str
    marks: list[CellMark] = field(default_factory=list)
    letters: dict[str, dict[str, str]] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)


def check_encounters(path: Path, *, today: date | None = None) -> Outcome:
    """The Findings sheet and fills on the Encounters cells (as ``claimbook check``)."""
    book = read_book(path)
    findings = checking.check(book, today=today)
    letters = column_letters(path, book) if path.suffix.lower() != ".csv" else {}
    marks = [
        CellMark(sheet=m.sheet, row=m.row, column=m.column, severity=m.severity)
        for m in checking.cell_marks(findings)
        if m.sheet in letters
    ]
    counts = checking.to_json(book, findings)["summary"]
    summary = (
        f"{counts['rows']} lines: {counts['errors']} errors, {counts['warnings']} warnings, "
        f"{counts['info']} info (see the Findings sheet)"
    )
    return Outcome([checking.findings_table(findings, letters)], summary, marks, letters)


def suggest_missing_codes(path: Path, *, top: int = 3) -> Outcome:
    """A Suggestions sheet: for each encounter with a Diagnosis Text and no Dx codes, the
    ``top`` codes for each phrase of the text (phrases separated by ';').

    The Encounters sheet is not changed: the biller picks a code and types it in.
    """
    book = read_book(path)
    rows: list[list[object]] = []
    wanting = 0
    for enc in book.encounters:
        text = enc.diagnosis_text.strip()
        if enc.diagnoses or not text:
            continue
        wanting += 1
        row = enc.rows[0] if enc.rows else None
        for phrase in (p.strip() for p in text.split(";")):
            if not phrase:
                continue
            found = suggest(phrase, top=top, on=enc.date_of_service)
            for rank, s in enumerate(found, start=1):
                rows.append(
                    [enc.encounter_id, row, text, phrase, rank, s.code, s.description,
                     round(s.score, 3)]
                )  # fmt: skip
    table = ResultTable(
        sheet=SUGGESTIONS, columns=SUGGESTION_COLUMNS, rows=rows, title="Suggested codes"
    )
    summary = f"{wanting} encounters have Diagnosis Text but no codes; {len(rows)} suggestions"
    return Outcome([table], summary)


def build_claims(path: Path, *, x12_dir: Path | None = None, scrub: bool = True) -> Outcome:
    """The Claims sheet and the 837P file (as ``claimbook claims``)."""
    from addin.claims import run_claims

    run = run_claims(read_book(path), x12_dir=x12_dir, scrub=scrub)
    statuses = [c["status"] for c in run.to_json()["claims"]]
    built = sum(1 for s in statuses if s == "Built")
    summary = f"{built} claims built, {len(statuses) - built} held"
    files = [run.x12_path] if run.x12_path else []
    summary += f"; 837P: {run.x12_path}" if run.x12_path else "; no 837P written"
    return Outcome([run.table], summary, files=files)


def remittance_folder(workbook: Path) -> Path:
    """The folder beside ``workbook`` that keeps its imported remittance files."""
    return workbook.parent / REMITTANCE_FOLDER.format(stem=workbook.stem)


def remittance_files(workbook: Path) -> list[Path]:
    """The remittance files imported for ``workbook`` so far, by name."""
    folder = remittance_folder(workbook)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def keep_remittances(workbook: Path, files: Sequence[Path]) -> list[Path]:
    """Copy chosen remittance files into the workbook's remittance folder (names kept)."""
    folder = remittance_folder(workbook)
    kept: list[Path] = []
    for source in files:
        if not source.is_file():
            raise InputError(f"{source}: no such file; choose the 835 or payer export again")
        folder.mkdir(exist_ok=True)
        target = folder / source.name
        if source.resolve() != target.resolve():
            shutil.copy2(source, target)
        kept.append(target)
    return kept


def reconcile(path: Path, remits: Sequence[Path], *, as_of: date | None = None) -> Outcome:
    """Remittance, Reconciliation, Denials, Aging and Dashboard (as ``claimbook reconcile``)."""
    from addin.claims import build_claims as build
    from addin.remit import reconcile as match
    from addin.remit import result_tables
    from addin.remit.load import read_remittance_file

    if not remits:
        raise InputError(
            f"{path.name}: no remittance imported yet; use Import remittance first "
            "(835 files or payer exports)"
        )
    book = read_book(path)
    claims = build(book.encounters, book.settings, book.payers, book.fees).claims
    rems = [r for file in remits for r in read_remittance_file(file)]
    result = match(claims, rems, list(book.contracts))
    totals = result.totals()
    shown = ", ".join(f"{k} {v}" for k, v in totals["statuses"].items() if v)
    files = f"{len(remits)} remittance file{'' if len(remits) == 1 else 's'}"
    summary = f"{files}; claims {shown or 'none matched'}"
    return Outcome(result_tables(result, as_of), summary)


Operation = Callable[[Path], Outcome]


def run_on_file(
    operation: Operation, path: Path, *, out: Path | None = None, in_place: bool = False
) -> tuple[Outcome, Path]:
    """Run a button's operation on a workbook file and write its sheets through addin.sheets."""
    outcome = operation(path)
    written = write_tables(path, outcome.tables, out=out, in_place=in_place, marks=outcome.marks)
    return outcome, written
