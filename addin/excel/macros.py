"""Button and ribbon entry points (RunPython): each runs one step of addin.runs on the caller.

macros/*.bas call these by name, e.g. ``RunPython "import addin.excel.macros as m;
m.check_encounters()"``. Each takes a snapshot of the open workbook's values, runs the steps
through ``addin.runs.run`` (the same call as the ``claimbook`` command) with the workbook's
own folder for the files it keeps and the 837P, writes the Outcome back into the open
workbook (result sheets, register rows, cell fills and values) and tells the user what
happened. ``book`` is for tests (a stand-in for xw.Book).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Collection
from pathlib import Path
from typing import Any

from addin import runs
from addin.errors import ClaimbookError, InputError
from addin.excel.args import where
from addin.excel.xlbook import ExcelBook
from addin.runs import Inputs, Outcome

log = logging.getLogger("addin.excel")
# The ribbon and the buttons pass the files chosen in Excel's Open dialog joined by this.
PATH_SEPARATOR = "|"


def _book(book: Any) -> ExcelBook:
    if book is None:
        return ExcelBook.caller()
    return book if isinstance(book, ExcelBook) else ExcelBook(book)


def _saved_path(excel: ExcelBook) -> Path:
    path = excel.path
    if not path.is_absolute():
        raise InputError(
            f"{path.name}: save the workbook to a folder on this computer first; the 837P "
            "and the remittance files go beside it"
        )
    return path


def run_button(
    title: str,
    excel: ExcelBook,
    steps: Collection[str],
    inputs: Inputs | None = None,
    *,
    saved: bool = False,
) -> Outcome | None:
    """Snapshot, run, write back, report. A user-facing problem becomes a message box, never
    a traceback; the details of anything unexpected go to the log (no cell values).
    ``saved`` says the steps keep files beside the workbook, so it must have been saved."""
    try:
        home = _saved_path(excel) if saved else excel.path
        # before anything is written (an 837P, a kept file): never take a user's sheet
        excel.guard(runs.sheets_written(steps))
        with tempfile.TemporaryDirectory(prefix="claimbook-") as tmp:
            snapshot = excel.snapshot(Path(tmp))
            outcome = runs.run(
                home if home.is_absolute() else snapshot, inputs, None, steps=steps,
                write=False, source=snapshot, owned=excel.own_sheets(),
            )  # fmt: skip
        excel.write(outcome)
        if outcome.claims is not None and outcome.claims.sent:
            # the Claim Register is what keeps these claims from going out twice
            excel.save()
            outcome.summary.append("the workbook was saved (the Claim Register holds them)")
    except ClaimbookError as exc:
        excel.alert(f"{title}: {exc}")
        return None
    except Exception as exc:
        log.error("%s failed: %s at %s", title, type(exc).__name__, where(exc))
        excel.alert(f"{title} stopped: {type(exc).__name__}. The Claimbook log has the details.")
        return None
    excel.alert(f"{title}: {outcome.brief()}")
    return outcome


def check_encounters(book: Any = None) -> Outcome | None:
    """Button "Check encounters": the Findings sheet and fills on the problem cells."""
    return run_button("Check encounters", _book(book), ("check",))


def suggest_missing_codes(book: Any = None) -> Outcome | None:
    """Button "Suggest codes": empty Dx cells filled from the Diagnosis Text (marked), and a
    Suggestions sheet with the alternatives and why a cell was not filled."""
    return run_button("Suggest codes", _book(book), ("suggest",))


def build_claims(book: Any = None) -> Outcome | None:
    """Button "Build claims": what was never billed goes into one 837P beside the workbook
    (in 'BOOK claims'); the Claims sheet and the Claim Register."""
    return run_button("Build claims", _book(book), ("claims", "check"), saved=True)


def _files(excel: ExcelBook, paths: str) -> list[Path]:
    files = [Path(p) for p in paths.split(PATH_SEPARATOR) if p.strip()]
    return files or excel.pick_files()


def import_remittance(paths: str = "", book: Any = None) -> Outcome | None:
    """Button "Import remittance": post the chosen 835s/payer exports once (kept beside the
    workbook) and reconcile everything posted against what was billed.

    ``paths`` are the files chosen in Excel's Open dialog (the VBA asks, on Windows and
    macOS), joined by "|"; with none given, Windows asks here.
    """
    excel = _book(book)
    try:
        files = _files(excel, paths)
    except ClaimbookError as exc:
        excel.alert(f"Import remittance: {exc}")
        return None
    if not files:
        return None  # the user cancelled the dialog
    return run_button(
        "Import remittance", excel, ("reconcile",), Inputs(remittances=files), saved=True
    )


def import_acknowledgments(paths: str = "", book: Any = None) -> Outcome | None:
    """Button "Import acknowledgments": the clearinghouse's 999s and 277CAs; rejected claims
    go to the worklist and the Findings."""
    excel = _book(book)
    try:
        files = _files(excel, paths)
    except ClaimbookError as exc:
        excel.alert(f"Import acknowledgments: {exc}")
        return None
    if not files:
        return None
    return run_button(
        "Import acknowledgments", excel, ("acknowledge", "reconcile", "check"),
        Inputs(acknowledgments=files), saved=True,
    )  # fmt: skip


def reconcile(book: Any = None) -> Outcome | None:
    """Button "Reconcile": the money sheets and the claims' statuses from what is posted."""
    return run_button("Reconcile", _book(book), ("reconcile",), saved=True)


def bill_secondary(book: Any = None) -> Outcome | None:
    """Button "Bill secondary": claims for each patient's next plan (Coverage sheet) with the
    primary's adjudication, in one 837P beside the workbook; the Secondary Claims sheet."""
    outcome = run_button("Bill secondary", _book(book), ("reconcile", "secondary"), saved=True)
    if outcome is not None and outcome.secondary is not None and outcome.secondary.sent:
        _book(book).save()  # the Claim Register is what keeps them from going out twice
    return outcome


def match_deposits(paths: str = "", book: Any = None) -> Outcome | None:
    """Button "Match deposits": the bank's CSV export (chosen in Excel's Open dialog) matched
    against every ERA; the Deposits sheet."""
    excel = _book(book)
    try:
        files = _files(excel, paths)
    except ClaimbookError as exc:
        excel.alert(f"Match deposits: {exc}")
        return None
    if not files:
        return None
    return run_button("Match deposits", excel, ("deposits",), Inputs(bank=files), saved=True)


def patient_statements(book: Any = None) -> Outcome | None:
    """Button "Patient statements": the Statements sheet and the printable statements in
    'BOOK statements' (and their PDF in the same folder when LibreOffice is installed)."""
    excel = _book(book)
    try:
        folder = _saved_path(excel).parent / f"{excel.path.stem} statements"
    except ClaimbookError as exc:
        excel.alert(f"Patient statements: {exc}")
        return None
    return run_button("Patient statements", excel, ("statements",), Inputs(pdf_dir=folder),
                      saved=True)  # fmt: skip


BUTTONS = (
    check_encounters,
    suggest_missing_codes,
    build_claims,
    import_remittance,
    import_acknowledgments,
    reconcile,
    bill_secondary,
    match_deposits,
    patient_statements,
)
__all__ = [f.__name__ for f in BUTTONS] + ["BUTTONS", "run_button"]
