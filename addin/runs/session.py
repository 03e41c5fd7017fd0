"""One run's hold on a workbook: read it once, gather every change, write it once.

A Session reads the workbook (its Encounters and configuration sheets, the registers, the
result sheets staff type into) in one pass, collects what the steps produce (result tables,
register rows, cell fills, cell values, files) and writes them in one save. The files a
run keeps (remittances, acknowledgments, 837Ps) live beside the workbook, in folders named
after it, so the workbook and its folders are the practice's ledger.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from addin.errors import InputError, WorkbookError
from addin.files.folders import not_a_file
from addin.models import Book, CellMark, Finding, RegisterEdit, ResultTable
from addin.registers.acks import ACK_REGISTER
from addin.registers.claims import CLAIM_REGISTER, ClaimRecord, read_claim_register
from addin.registers.remits import REMIT_REGISTER, PostingRecord, read_remit_register
from addin.sheets import CellValue, read_book
from addin.sheets.writer import FileState

REGISTERS = (CLAIM_REGISTER, REMIT_REGISTER, ACK_REGISTER)
RESULT_SHEETS = (
    "Findings", "Suggestions", "Claims", "Remittance", "Reconciliation", "Denials", "Aging",
    "Dashboard", "Secondary Claims", "Statements", "Deposits",
)  # fmt: skip
# result sheets only carry_over reads, or none: each is read as its header row and read whole
# only when it has a column staff type into (a week's Claims sheet holds a row per line sent:
# on a 106,007-line book a 125 MB part, 2.4 s and 185 MB to parse, for nothing when untouched)
SKIMMED = (
    "Findings", "Claims", "Remittance", "Reconciliation", "Aging", "Dashboard",
    "Secondary Claims", "Deposits",
)  # fmt: skip
# sheets staff type that only some steps read (coverage after the primary, patient payments)
INPUT_SHEETS = ("Coverage", "Patient Payments")
REMITTANCE_FOLDER = "{stem} remittances"
ACK_FOLDER = "{stem} acknowledgments"
X12_FOLDER = "{stem} claims"
# what Windows and macOS put in any folder a person opens: never a file a run kept
_SYSTEM_FILES = frozenset({"thumbs.db", "desktop.ini", "ehthumbs.db"})


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class Session:
    """What a run read, and every change it will write."""

    home: Path  # the workbook as the user knows it: folders and the 837P go beside it
    book: Book
    today: date
    state: FileState | None = None
    tables: dict[str, ResultTable] = field(default_factory=dict)
    registers: dict[str, RegisterEdit] = field(default_factory=dict)
    marks: list[CellMark] | None = None
    values: list[CellValue] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    findings: list[Finding] | None = None
    data: dict[str, Any] = field(default_factory=dict)
    _claim_records: list[ClaimRecord] | None = None
    _postings: list[PostingRecord] | None = None

    # -- what was read ---------------------------------------------------------------------

    @property
    def claim_records(self) -> list[ClaimRecord]:
        if self._claim_records is None:
            records = read_claim_register(self.book.own.get(CLAIM_REGISTER))
            sent = {r.file for r in records}
            self.check_recorded(CLAIM_REGISTER, X12_FOLDER, sent, "837P", "billed")
            self._claim_records = records
        return self._claim_records

    @property
    def postings(self) -> list[PostingRecord]:
        if self._postings is None:
            postings = read_remit_register(self.book.own.get(REMIT_REGISTER))
            kept = {p.file for p in postings}
            self.check_recorded(REMIT_REGISTER, REMITTANCE_FOLDER, kept, "remittance", "posted")
            self._postings = postings
        return self._postings

    def check_recorded(
        self, sheet: str, pattern: str, recorded: set[str], kind: str, done: str
    ) -> None:
        """A WorkbookError when the folder beside the workbook keeps files ``sheet`` does not
        name (``recorded``): a run records every file it keeps there, and one that fails to
        save removes them, so the sheet is older than its files (renamed, deleted, cleared,
        rows deleted, or the workbook restored from a backup), and read as it is now,
        what those files hold would be done again."""
        folder = self.folder(pattern)
        if not folder.is_dir():
            return
        mine = {p.resolve() for p in self.files}  # what this run kept or wrote is no record
        unrecorded = sorted(
            p.name for p in folder.iterdir()
            if p.is_file() and p.name not in recorded and p.resolve() not in mine
            and not p.name.startswith((".", "~$")) and p.name.lower() not in _SYSTEM_FILES
        )  # fmt: skip
        if not unrecorded:
            return
        count = len(unrecorded)
        shown = ", ".join(unrecorded[:3]) + (f" and {count - 3} more" if count > 3 else "")
        if recorded:
            state = f"does not name {count} {kind} file(s) kept in {folder} ({shown})"
            back = (
                "Open the workbook as it was saved after those files were written (a backup "
                "older than them lacks them too)"
            )
        else:
            state = "has no rows" if sheet in self.book.own else "is missing"
            state = f"the sheet {state}, but {folder} keeps {count} {kind} file(s) ({shown})"
            back = (
                f"Put the sheet back (rename it to '{sheet}' if it was renamed, or open the "
                "workbook as it was saved after those files were written)"
            )
        raise WorkbookError(
            f"{sheet}: {state}. Claimbook records every file it keeps there on this sheet and "
            f"knows from it what it already {done}; read as it is, what those files hold would "
            f"be {done} again, so it stops here and writes nothing. {back}; if those files "
            "were never used, move them out of the folder and run again"
        )

    def folder(self, pattern: str) -> Path:
        """A folder beside the workbook named after it (``BOOK remittances``...)."""
        return self.home.parent / pattern.format(stem=self.home.stem)

    def encounters_sheet(self) -> str:
        return next((s for s, h in self.book.headers.items() if "Encounter ID" in h), "Encounters")

    # -- what will be written ----------------------------------------------------------------

    def put(self, table: ResultTable) -> None:
        self.tables[table.sheet] = table

    def register(self, edit: RegisterEdit) -> None:
        if edit.sheet in self.registers:
            known = self.registers[edit.sheet]
            known.append.extend(edit.append)
            known.updates.extend(edit.updates)
        else:
            self.registers[edit.sheet] = edit

    def keep(self, source: Path, pattern: str) -> tuple[Path, bool]:
        """Copy ``source`` into the workbook's ``pattern`` folder; (kept copy, was new).

        A file already kept with the same content is not copied again; a different file
        under a kept name gets a numbered name, so nothing kept is ever overwritten."""
        if not source.is_file():
            raise InputError(not_a_file(source))
        folder = self.folder(pattern)
        digest = sha256(source)
        if source.resolve().parent == folder.resolve():
            return source, False
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / source.name
        n = 2
        while target.exists():
            if sha256(target) == digest:
                return target, False
            target = folder / f"{source.stem} ({n}){source.suffix}"
            n += 1
        tmp = folder / f".~{target.name}.claimbook-tmp"
        try:
            shutil.copy2(source, tmp)
            tmp.replace(target)
        finally:
            tmp.unlink(missing_ok=True)
        self.files.append(target)
        return target, True


def open_session(
    source: Path, home: Path | None, today: date, owned: Collection[str] | None = None
) -> Session:
    """Read ``source`` once (the workbook, or a snapshot of the open one in Excel, whose
    Claimbook sheets ``owned`` names)."""
    book = read_book(source, own=(*REGISTERS, *RESULT_SHEETS, *INPUT_SHEETS), skim=SKIMMED)
    if owned is not None:
        names = {n.casefold() for n in owned}
        for sheet in book.own.values():
            sheet.ours = sheet.name.casefold() in names
    state = FileState.of(source) if home is None or home == source else None
    return Session(home=home or source, book=book, today=today, state=state)
