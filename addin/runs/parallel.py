"""A batch's clinics as independent tasks: on this machine's cores, or on a Dask cluster.

Each clinic is one task (:class:`Task` in, :class:`Done` out, both plain data), run by
:func:`run_task` in whatever process the engine picks; the task writes its own clinic's
results (the workbook, its kept files, its 837P) beside the clinic's workbook. What a
clinic's results look like never depends on the engine or the order the tasks finish in:

* one creation time for the whole batch (ISA09/ISA10, GS04/GS05, BHT04/BHT05), taken by the
  caller once;
* the interchange control numbers (ISA13, GS06, ST02) are reserved by the caller, clinic by
  clinic in the folder's order, before any task runs (one lock and one write of the
  control-number file for the whole folder), and handed to the task with it. A clinic's
  reservation is sized for every row its Encounters sheet declares (twice, for
  replacements and voids); numbers a clinic does not use are skipped, never used again.

Each clinic's workbook is read once, by its task: before any task runs the caller only
*peeks* at each workbook-shaped file (:func:`peek`: its sheet names, the first row of its
first sheet, its Settings sheet and the size its Encounters sheet declares, not its rows),
which is enough to tell a payer export from a clinic and to reserve the clinic's numbers.
The task's one read decides whether the file is a clinic after all (a workbook with no
Encounters table is reported as skipped, its reserved numbers left unused).

Engines: :class:`LocalEngine` (``--jobs N``: a process pool; ``--jobs 1`` runs in this
process) and ``addin.runs.distributed.DaskEngine`` (``--scheduler ADDRESS``).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from addin.errors import ClaimbookError, WorkbookError
from addin.models import Book, SheetRows
from addin.x12.envelope import ControlNumbers, ControlNumberStore
from addin.x12.x837p.writer import transactions_needed

if TYPE_CHECKING:
    from addin.sheets.source import Source

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Workbook:
    """What discovery learns from peeking at one workbook-shaped file (in a task, too)."""

    path: str
    kind: str  # 'clinic', 'remittance', or why the file is neither
    submitter: str = ""
    provider: str = ""
    encounters: int = 0  # at most this many (the rows the Encounters sheet declares)
    coverage: bool = False  # a Coverage sheet with rows: next payers may be billed
    size: int = 0  # bytes of the file: the larger clinics are started first
    origin: str = ""  # where its registers' history begins (addin.registers.origin)


@dataclass(frozen=True)
class Reservation:
    """Control numbers reserved for one clinic's 837P before its task runs."""

    submitter: str
    interchange: int
    group: int
    first_transaction: int
    transactions: int
    # a second 837P's numbers, for a clinic that may bill next payers (a Coverage sheet with
    # rows) in the same run: (interchange, group, first transaction), as many transactions
    then: tuple[int, int, int] | None = None


@dataclass(frozen=True)
class Task:
    """One clinic's weekly cycle, as plain data a worker process or machine can take."""

    index: int
    workbook: str
    remittances: tuple[str, ...]
    acknowledgments: tuple[str, ...]
    today: date
    as_of: date | None
    created: datetime
    numbers: Reservation | None = None


@dataclass
class Done:
    """What came back from one task: the clinic's figures, or the error that stopped it."""

    index: int
    figures: dict[str, Any] | None = None
    error: str | None = None
    files: list[str] = field(default_factory=list)
    skipped: str | None = None  # the file is not a clinic after all: why
    provider: str = ""  # the Billing Provider Name, as the run read it


class Engine(Protocol):
    """Runs a function over items somewhere, yielding results as they finish."""

    def map_unordered(self, fn: Callable[[T], R], items: list[T]) -> Iterator[R]: ...


class Reserved(ControlNumberStore):
    """A store that hands out the numbers reserved for this clinic once, then (a clinic
    needing more than was reserved, another submitter) reserves from the store as usual."""

    def __init__(self, reservation: Reservation) -> None:
        super().__init__()
        self.reservation: Reservation | None = reservation

    def reserve(self, submitter: str, transactions: int = 1) -> ControlNumbers:
        given = self.reservation
        if given and submitter == given.submitter and transactions <= given.transactions:
            # the claims step's 837P takes the first numbers, the next payers' the second
            self.reservation = (
                Reservation(submitter, *given.then, given.transactions) if given.then else None
            )
            return ControlNumbers(given.interchange, given.group, given.first_transaction)
        return super().reserve(submitter, transactions)


def reserve(store: ControlNumberStore, clinics: list[Workbook]) -> list[Reservation | None]:
    """Reserve one interchange for each clinic in turn (two for a clinic with a Coverage
    sheet: its next payers' claims may go out in the same run), with room for every
    declared encounter twice over; one lock and one write of the store. None for a clinic
    without a Submitter ID (its claims step says what is missing)."""
    wanted: list[tuple[str, int]] = []
    for info in clinics:
        if info.submitter:
            count = transactions_needed(2 * info.encounters + 1)
            wanted += [(info.submitter, count)] * (2 if info.coverage else 1)
    given = iter(store.reserve_many(wanted))
    out: list[Reservation | None] = []
    for info in clinics:
        if not info.submitter:
            out.append(None)
            continue
        count = transactions_needed(2 * info.encounters + 1)
        first = next(given)
        second = next(given) if info.coverage else None
        out.append(
            Reservation(
                info.submitter, first.interchange, first.group, first.first_transaction, count,
                (second.interchange, second.group, second.first_transaction) if second else None,
            )
        )  # fmt: skip
    return out


def peek(path: str) -> Workbook:
    """A look at a workbook-shaped file that reads none of its rows: a payer export (read
    whole: a clinic needs it as an input before it runs), or a clinic to run, with its
    submitter, provider and the encounters its Encounters sheet declares at most; or why it
    is neither. Whether a 'clinic' really has an Encounters table is for its run to say."""
    from addin.remit.payer_sheet import is_export_header, read_payer_sheet
    from addin.sheets.reader import ENCOUNTERS_NAMES, read_settings
    from addin.sheets.source import Source

    file = Path(path)
    size = file.stat().st_size
    try:
        source = Source(file)
    except ClaimbookError as exc:
        return Workbook(path, f"neither a clinic workbook nor a payer export ({exc})")
    try:
        first = source.head(source.sheet_names[0], 1) if source.sheet_names else []
        if first and is_export_header(list(first[0])):
            try:
                if read_payer_sheet(file):
                    return Workbook(path, "remittance")
            except ClaimbookError:
                pass  # a header like an export's, rows that are not: maybe a clinic
        sheet = None if source.is_csv else source.find_sheet(*ENCOUNTERS_NAMES)
        rows = source.declared_rows(sheet) if sheet else None
        settings = read_settings(source) if rows else {}
        plans = next((n for n in source.sheet_names if n.casefold() == "coverage"), None)
        coverage = bool(plans and (source.declared_rows(plans) or 2) > 1)
        origin = _origin(source) if rows and rows >= 2 else ""
    except ClaimbookError as exc:
        return Workbook(path, f"neither a clinic workbook nor a payer export ({exc})")
    finally:
        source.close()
    if not rows or rows < 2:
        # a CSV, an Encounters sheet that declares no size, or a table on another sheet:
        # only a read tells (these few files are read here and again by their run)
        return _classify(path, size)
    return Workbook(
        path,
        "clinic",
        submitter=str(settings.get("Submitter ID") or "").strip(),
        provider=str(settings.get("Billing Provider Name") or "").strip(),
        encounters=rows,
        size=size,
        coverage=coverage,
        origin=origin,
    )


def _origin(source: Source) -> str:
    """Where the workbook's registers' history begins: the first two rows of a register
    are parsed (calamine parses the sheet whole, once; small beside the Encounters)."""
    from addin.registers.origin import history_origin, sheet_rows

    names = set(source.sheet_names)

    def first(name: str) -> SheetRows | None:
        if name not in names:
            return None
        rows = [list(r) for r in source.head(name, 2)]
        source.release(name)
        return sheet_rows(name, rows)

    return history_origin(first)


def _classify(path: str, size: int) -> Workbook:
    """A workbook read whole: a clinic (with its submitter, provider and size), or why not."""
    from addin.registers.origin import REGISTERS, history_origin
    from addin.sheets import read_book

    try:
        book = read_book(Path(path), own=("Coverage", *REGISTERS))
    except ClaimbookError as exc:
        return Workbook(path, f"neither a clinic workbook nor a payer export ({exc})")
    if not book.encounters:
        return Workbook(path, "no Encounters table and no remittance rows")
    settings = book.settings
    return Workbook(
        path,
        "clinic",
        submitter=str(settings.get("Submitter ID") or "").strip(),
        provider=str(settings.get("Billing Provider Name") or "").strip(),
        encounters=len(book.encounters),
        size=size,
        coverage=any(n.casefold() == "coverage" for n in book.own),
        origin=history_origin(book.own.get),
    )


class NotAClinic(ClaimbookError):
    """A workbook the peek took for a clinic has no encounters to run."""


def _vet(book: Book) -> None:
    if not book.encounters:
        raise NotAClinic("no Encounters table and no remittance rows")


def run_task(task: Task) -> Done:
    """One clinic's weekly cycle and its figures; an error stops this clinic only."""
    from addin.coding.suggest import keep_loaded
    from addin.runs import Inputs, cycle
    from addin.runs.progress import listening
    from addin.runs.summary import summarise

    inputs = Inputs(
        remittances=[Path(p) for p in task.remittances],
        acknowledgments=[Path(p) for p in task.acknowledgments],
        as_of=task.as_of,
        created=task.created,
        store=Reserved(task.numbers) if task.numbers else None,
    )
    read: list[Book] = []

    def vet(book: Book) -> None:  # the run's one read says whether this is a clinic
        read.append(book)
        _vet(book)

    try:
        # the batch's bar counts clinics, not their steps; a worker runs clinic after clinic
        # with the same suggestion index (forked already loaded, or loaded by the first)
        with listening(lambda *_: None), keep_loaded():
            outcome = cycle(Path(task.workbook), inputs, today=task.today, vet=vet)
    except NotAClinic as exc:
        return Done(task.index, skipped=str(exc))
    except WorkbookError as exc:
        if not read:  # the read itself failed: not a workbook Claimbook can use as a clinic
            return Done(task.index, skipped=f"neither a clinic workbook nor a payer export ({exc})")
        return Done(task.index, error=str(exc))
    except ClaimbookError as exc:
        return Done(task.index, error=str(exc), provider=_provider(read))
    except Exception as exc:  # noqa: BLE001  (one clinic's bug must not stop the others)
        return Done(task.index, error=f"unexpected {type(exc).__name__} in this clinic: {exc}")
    figures = summarise(outcome, task.as_of or task.today)
    figures["remittance_files"] = len(task.remittances)
    return Done(
        task.index, figures=figures, files=[str(p) for p in outcome.files],
        provider=_provider(read),
    )  # fmt: skip


def _provider(read: list[Book]) -> str:
    return str(read[0].settings.get("Billing Provider Name") or "").strip() if read else ""


def default_jobs() -> int:
    """Every core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover (macOS, Windows)
        return max(1, os.cpu_count() or 1)


def _warm() -> None:
    """Load the ICD-10-CM tabulars and the newest suggestion index here, before forking, so
    the workers share them (copy-on-write) instead of each loading its own: about 0.4 s a
    worker, which on small clinics is the difference between 1.5x and 1.8x on two cores.
    The index file is inflated on a thread meanwhile (zlib releases the GIL)."""
    from addin.codesets import icd10cm
    from addin.coding.suggest import icd10cm_index
    from addin.coding.suggest.index import inflate_ahead
    from addin.coding.suggest.query import knowledge

    try:
        infos = icd10cm.vintages()
        # the index of the newest vintage is the one icd10cm_index(None) loads
        ahead = inflate_ahead(infos[-1]) if infos else None
        try:
            for info in infos:
                icd10cm.load(info)
            knowledge()  # the suggester's curated abbreviations and phrases
            newest = icd10cm.vintage_for(None)
            if newest is not None:  # the tables every clinic's check looks codes up in
                newest.children()
                newest.notes_for("")
                newest.seventh_for("A00")
        finally:
            if ahead is not None:
                ahead.join()  # no thread may be left running when the workers are forked
        icd10cm_index(None)
    except ClaimbookError:
        pass  # nothing installed: each clinic's run says so


class LocalEngine:
    """``jobs`` worker processes on this machine; one job runs in this process.

    On Linux the workers are forked as the engine is entered, before a progress bar (or any
    other thread) starts, so they begin with Claimbook already imported; elsewhere they
    are spawned (macOS and Windows have no safe fork).
    """

    def __init__(self, jobs: int | None = None) -> None:
        self.jobs = jobs or default_jobs()
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> LocalEngine:
        if self.jobs > 1:
            method = "fork" if sys.platform == "linux" else "spawn"
            if method == "fork":
                _warm()
            context = multiprocessing.get_context(method)
            self._pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=context)
            # the first task starts every worker now (fork starts them all at once)
            self._pool.submit(os.getpid).result()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def map_unordered(self, fn: Callable[[T], R], items: list[T]) -> Iterator[R]:
        if self._pool is None or len(items) <= 1:
            yield from map(fn, items)
            return
        futures = [self._pool.submit(fn, item) for item in items]
        for future in as_completed(futures):
            yield future.result()


__all__ = [
    "Done",
    "Engine",
    "LocalEngine",
    "Reservation",
    "Reserved",
    "Task",
    "Workbook",
    "NotAClinic",
    "peek",
    "default_jobs",
    "reserve",
    "run_task",
]
