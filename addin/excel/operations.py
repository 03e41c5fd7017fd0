"""What each button does, on a workbook file: result tables, cell marks and files written.

The buttons (addin.excel.macros) run these on a snapshot of the open workbook and write the
tables back through the xlwings adapter; ``run_on_file`` runs them on a file through
addin.sheets, which is how the command line and the tests use them.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from addin.checkbook import column_letters
from addin.coding import check as checking
from addin.coding.suggest import FILL_MIN_SCORE, suggest
from addin.errors import CodeSetNotLoaded, InputError
from addin.models import CellMark, Column, ResultTable
from addin.remit import Reconciliation
from addin.sheets import CellValue, read_book, write_book
from addin.sheets.sheetxml import col_index
from addin.sheets.source import Source

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
    Column(name="Filled", kind="text", width=30),
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
    # text for empty cells of the user's sheets (never over a value)
    values: list[CellValue] = field(default_factory=list)
    # what the write did with values: (value, why) for each one not written
    skipped: list[tuple[CellValue, str]] = field(default_factory=list)
    # the reconcile operation's full result, for the command line's JSON
    reconciliation: Reconciliation | None = None


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
    """Fill empty Dx cells with the top ICD-10-CM suggestion and list the alternatives.

    For each encounter with a Diagnosis Text (phrases separated by ';'), the Suggestions sheet
    lists the ``top`` codes of each phrase for the date of service and what was done with
    the first: written into the next empty Dx cell of the encounter's first row (marked with
    the info fill), or "not filled: why". Only encounters with no Dx code at all are filled;
    one with fewer Dx codes than phrases is listed, not filled (a person coded it in part);
    one with as many is left out. A cell holding anything is never overwritten.
    """
    book = read_book(path)
    letters = column_letters(path, book)
    sheet = next((s for s in letters if s in book.headers), None)
    headers = book.headers.get(sheet, {}) if sheet else {}
    dx_headers = [headers[f"Dx {n}"] for n in range(1, 13) if f"Dx {n}" in headers]
    grid = _grid(path, sheet) if sheet else []
    rows: list[list[object]] = []
    values: list[CellValue] = []
    wanting = 0
    for enc in book.encounters:
        text = enc.diagnosis_text.strip()
        phrases = [p.strip() for p in text.split(";") if p.strip()]
        if len(phrases) <= len(enc.diagnoses):
            continue  # coded (as far as the text goes): nothing to suggest
        row = enc.rows[0] if enc.rows else None
        free: list[str] = []
        wanting += not enc.diagnoses
        if enc.diagnoses:
            why = f"the encounter already has Dx codes ({', '.join(enc.diagnoses)}); add by hand"
        elif sheet is None or not dx_headers or row is None:
            why = "the Encounters sheet has no Dx 1 column; add one"
        elif enc.date_of_service is None:
            why = "no Date of Service to choose the code set by"
        else:
            why = ""
            taken = letters[sheet]
            free = [h for h in dx_headers if _blank(grid, row, taken.get(h))]
        used: dict[str, str] = {}
        for phrase in phrases:
            try:
                found = suggest(phrase, top=top, on=enc.date_of_service)
            except CodeSetNotLoaded as exc:
                rows.append([enc.encounter_id, row, text, phrase, None, "", "", None,
                             f"not filled: {exc}"])  # fmt: skip
                continue
            filled = why
            if not found:
                filled = why or "no suggestion for this phrase"
            elif not why and found[0].score < FILL_MIN_SCORE:
                filled = f"best score {found[0].score:.2f} is under {FILL_MIN_SCORE:.2f}; pick one"
            elif not why and found[0].code in used:
                filled = f"same code as {used[found[0].code]}"
            elif not why and not free:
                filled = f"no empty Dx column left ({len(dx_headers)} on the sheet)"
            elif not why and sheet is not None and row is not None:
                header = free.pop(0)
                used[found[0].code] = header
                values.append(CellValue(sheet, row, header, found[0].code))
                filled = f"filled {header} ({letters[sheet][header]}{row})"
            note = filled if filled.startswith("filled") else f"not filled: {filled}"
            if not found:
                rows.append([enc.encounter_id, row, text, phrase, None, "", "", None, note])
            for rank, s in enumerate(found, start=1):
                rows.append(
                    [enc.encounter_id, row, text, phrase, rank, s.code, s.description,
                     round(s.score, 3), note if rank == 1 else ""]
                )  # fmt: skip
    table = ResultTable(
        sheet=SUGGESTIONS, columns=SUGGESTION_COLUMNS, rows=rows, title="Suggested codes"
    )
    marks = [CellMark(sheet=v.sheet, row=v.row, column=v.column, severity="info") for v in values]
    summary = (
        f"{wanting} encounters have Diagnosis Text but no codes; {len(values)} Dx cells filled; "
        f"{len(rows)} suggestions (see the Suggestions sheet)"
    )
    return Outcome([table], summary, marks, letters, values=values)


def _grid(path: Path, sheet: str) -> list[list[object]]:
    source = Source(path)
    try:
        return list(source.grid(sheet))
    finally:
        source.close()


def _blank(grid: list[list[object]], row: int, letter: str | None) -> bool:
    """Whether the cell at ``row`` (Excel number) and column ``letter`` is empty."""
    if letter is None:
        return False
    col = col_index(letter)
    cells = grid[row - 1] if row - 1 < len(grid) else []
    return col >= len(cells) or cells[col] in ("", None)


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


def reconcile(
    path: Path,
    remits: Sequence[Path],
    *,
    as_of: date | None = None,
    locality: str | None = None,
    mapping: Mapping[str, str] | None = None,
    descriptions: dict[str, str] | None = None,
) -> Outcome:
    """Remittance, Reconciliation, Denials, Aging and Dashboard (as ``claimbook reconcile``).

    ``locality`` prices uncontracted lines from an imported PFS, ``mapping`` maps a payer
    export's columns, ``descriptions`` are the user's own CARC/RARC texts.
    """
    from addin.claims import build_claims as build
    from addin.remit import result_tables
    from addin.remit.load import collector_paused, reconcile_files

    if not remits:
        raise InputError(
            f"{path.name}: no remittance imported yet; use Import remittance first "
            "(835 files or payer exports)"
        )
    book = read_book(path)
    claims = build(book.encounters, book.settings, book.payers, book.fees).claims
    with collector_paused():
        result = reconcile_files(claims, remits, book.contracts, locality, mapping)
    totals = result.totals()
    shown = ", ".join(f"{k} {v}" for k, v in totals["statuses"].items() if v)
    files = f"{len(remits)} remittance file{'' if len(remits) == 1 else 's'}"
    summary = f"{files}; claims {shown or 'none matched'}"
    tables = result_tables(result, as_of, descriptions)
    return Outcome(tables, summary, reconciliation=result)


Operation = Callable[[Path], Outcome]


def run_on_file(
    operation: Operation, path: Path, *, out: Path | None = None, in_place: bool = False
) -> tuple[Outcome, Path]:
    """Run a button's operation on a workbook file and write its sheets through addin.sheets."""
    outcome = operation(path)
    done = write_book(
        path, outcome.tables, out=out, in_place=in_place, marks=outcome.marks,
        values=outcome.values,
    )  # fmt: skip
    note_skipped(outcome, done.values.skipped)
    return outcome, done.path


def note_skipped(outcome: Outcome, skipped: list[tuple[CellValue, str]]) -> None:
    """Cells found holding a value when written: left alone, their marks dropped, said."""
    if not skipped:
        return
    outcome.skipped = skipped
    gone = {(v.sheet, v.row, v.column) for v, _ in skipped}
    outcome.marks = [m for m in outcome.marks if (m.sheet, m.row, m.column) not in gone]
    outcome.summary += f"; {len(skipped)} not written: " + "; ".join(why for _, why in skipped)
