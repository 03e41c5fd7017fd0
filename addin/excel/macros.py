"""Button and ribbon entry points (RunPython): each runs one operation on the caller's book.

macros/*.bas call these by name, e.g. ``RunPython "import addin.excel.macros as m;
m.check_encounters()"``. Each takes a snapshot of the open workbook's values, runs the
operation from addin.excel.operations on it, writes the result sheets back into the open
workbook and tells the user what happened. ``book`` is for tests (a stand-in for xw.Book).
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

from addin.errors import ClaimbookError, InputError
from addin.excel import operations
from addin.excel.args import where
from addin.excel.operations import Operation, Outcome
from addin.excel.xlbook import ExcelBook

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


def run_button(title: str, operation: Operation, excel: ExcelBook) -> Outcome | None:
    """Snapshot, run, write back, report. A user-facing problem becomes a message box, never
    a traceback; the details of anything unexpected go to the log (no cell values)."""
    try:
        with tempfile.TemporaryDirectory(prefix="claimbook-") as tmp:
            snapshot = excel.snapshot(Path(tmp))
            outcome = operation(snapshot)
        excel.write(outcome)
    except ClaimbookError as exc:
        excel.alert(f"{title}: {exc}")
        return None
    except Exception as exc:
        log.error("%s failed: %s at %s", title, type(exc).__name__, where(exc))
        excel.alert(f"{title} stopped: {type(exc).__name__}. The Claimbook log has the details.")
        return None
    excel.alert(f"{title}: {outcome.summary}")
    return outcome


def check_encounters(book: Any = None) -> Outcome | None:
    """Button "Check encounters": the Findings sheet and fills on the problem cells."""
    return run_button("Check encounters", operations.check_encounters, _book(book))


def suggest_missing_codes(book: Any = None) -> Outcome | None:
    """Button "Suggest codes": empty Dx cells filled from the Diagnosis Text (marked), and a
    Suggestions sheet with the alternatives and why a cell was not filled."""
    return run_button("Suggest codes", operations.suggest_missing_codes, _book(book))


def build_claims(book: Any = None) -> Outcome | None:
    """Button "Build claims": the Claims sheet and the 837P beside the workbook."""
    excel = _book(book)
    try:
        folder = _saved_path(excel).parent
    except InputError as exc:
        excel.alert(f"Build claims: {exc}")
        return None
    return run_button(
        "Build claims", lambda path: operations.build_claims(path, x12_dir=folder), excel
    )


def import_remittance(paths: str = "", book: Any = None) -> Outcome | None:
    """Button "Import remittance": keep the chosen 835s/payer exports beside the workbook,
    then reconcile with every remittance imported so far.

    ``paths`` are the files chosen in Excel's Open dialog (the VBA asks, on Windows and
    macOS), joined by "|"; with none given, Windows asks here.
    """
    excel = _book(book)
    try:
        workbook = _saved_path(excel)
        files = [Path(p) for p in paths.split(PATH_SEPARATOR) if p.strip()]
        if not files:
            files = excel.pick_files()
        if not files:
            return None  # the user cancelled the dialog
        operations.keep_remittances(workbook, files)
    except ClaimbookError as exc:
        excel.alert(f"Import remittance: {exc}")
        return None
    return run_button(
        "Import remittance",
        lambda path: operations.reconcile(path, operations.remittance_files(workbook)),
        excel,
    )


def reconcile(book: Any = None) -> Outcome | None:
    """Button "Reconcile": the five reconciliation sheets from the imported remittances."""
    excel = _book(book)
    try:
        workbook = _saved_path(excel)
    except InputError as exc:
        excel.alert(f"Reconcile: {exc}")
        return None
    return run_button(
        "Reconcile",
        lambda path: operations.reconcile(path, operations.remittance_files(workbook)),
        excel,
    )


BUTTONS = (check_encounters, suggest_missing_codes, build_claims, import_remittance, reconcile)
__all__ = [f.__name__ for f in BUTTONS] + ["BUTTONS", "run_button"]
