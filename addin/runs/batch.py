"""``claimbook batch``: the weekly cycle over every clinic workbook in a folder, one summary.

A clinic is a workbook with an Encounters table. Its inputs are the 835 files, payer exports
and clearinghouse acknowledgments (999, 277CA) in its folder and in subfolders that hold no
workbook of their own. Each clinic's workbook is its ledger: the cycle runs in it as
``claimbook cycle`` would (a backup first; remittances posted once, so running the batch
again posts nothing twice and bills nothing twice). Files and folders Claimbook wrote (kept
copies, 837Ps, backups, ``*.claimbook.xlsx``) are never read as inputs; files that are
neither are listed with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from addin.errors import InputError
from addin.files.folders import make_folder
from addin.models import Column, ResultTable
from addin.remit.tables import AGING_BUCKETS
from addin.runs.parallel import (
    Done,
    Engine,
    LocalEngine,
    Task,
    Workbook,
    peek,
    reserve,
    run_task,
)
from addin.sheets import write_tables
from addin.x12.envelope import ControlNumberStore

# folders a run keeps beside a workbook (their files are the run's, not new inputs)
KEPT_FOLDERS = re.compile(r".+ (remittances|acknowledgments|claims)$|^Claimbook backups$")

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".csv")
SUMMARY_NAME = "batch-summary.xlsx"
_NO_INFO = Workbook("", "clinic")


@dataclass
class Clinic:
    """One clinic workbook and the remittance files that belong to it."""

    workbook: Path
    remittances: list[Path] = field(default_factory=list)
    acknowledgments: list[Path] = field(default_factory=list)
    name: str = ""
    info: Workbook | None = None
    # why it is not run: its registers' history is another workbook's of the folder too
    refused: str | None = None


@dataclass
class BatchResult:
    """Every clinic's run (or the error that stopped it) and the files left out."""

    folder: Path
    clinics: list[tuple[Clinic, dict[str, Any] | None, str | None]]
    skipped: list[tuple[Path, str]]
    summary_workbook: Path | None = None

    def rows(self) -> list[dict[str, Any]]:
        out = []
        for clinic, run, error in self.clinics:
            out.append(
                {
                    "clinic": clinic.name,
                    "workbook": str(clinic.workbook),
                    "remittances": [str(p) for p in clinic.remittances],
                    "acknowledgments": [str(p) for p in clinic.acknowledgments],
                    "summary": run,
                    "error": error,
                }
            )
        return out

    def to_json(self) -> dict[str, Any]:
        """``{"clinics": [...], "skipped": [...], "totals": {...}, "workbook": PATH}``."""
        done = [r["summary"] for r in self.rows() if r["summary"]]

        def total(key: str) -> str:
            return f"{sum((Decimal(s[key]) for s in done), Decimal('0.00')):.2f}"

        return {
            "folder": str(self.folder),
            "clinics": self.rows(),
            "skipped": [{"file": str(p), "reason": why} for p, why in self.skipped],
            "totals": {
                "clinics": len(self.clinics),
                "failed": sum(1 for _, run, _ in self.clinics if run is None),
                "claims_sent": sum(s["claims_sent"] for s in done),
                "claims_held": sum(s["claims_held"] for s in done),
                "deposits": total("deposits"),
                "claims_paid": total("claims_paid"),
                "difference": total("difference"),
            },
            "workbook": str(self.summary_workbook) if self.summary_workbook else None,
        }


def _is_x12(path: Path, transaction: str) -> bool:
    """An X12 interchange whose first transaction set is ``transaction`` (835, 837)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4096).decode("latin-1").lstrip("\ufeff\r\n ")
    except OSError:
        return False
    if not head.startswith("ISA") or len(head) < 106:
        return False
    element, terminator = head[3], head[105]
    return f"{terminator}ST{element}{transaction}" in head.replace("\r", "").replace("\n", "")


def discover(
    folder: Path, skip: Path | None = None, engine: Engine | None = None
) -> tuple[list[Clinic], list[tuple[Path, str]]]:
    """Clinic workbooks with their remittance files, and the files that are neither (the
    workbook-shaped files are peeked at by ``engine``, on every core or the cluster: a
    clinic's rows are read once, by its run)."""
    clinics: dict[Path, list[Clinic]] = {}
    remits: list[Path] = []
    acks: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    books: list[Path] = []
    # earlier batch outputs (a folder with a batch-summary.xlsx) are never inputs
    outputs = {p.parent for p in folder.rglob(SUMMARY_NAME)} | ({skip} if skip else set())
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if any(o == path.parent or o in path.parents for o in outputs):
            continue
        if any(KEPT_FOLDERS.fullmatch(d.name) for d in path.relative_to(folder).parents):
            continue  # a run's own folder: kept copies, its 837Ps, backups
        name = path.name
        if name.startswith((".", "~$")):
            continue
        suffix = path.suffix.lower()
        if ".claimbook." in name.lower() or name == SUMMARY_NAME:
            skipped.append((path, "written by Claimbook"))
        elif suffix in WORKBOOK_SUFFIXES:
            books.append(path)
        elif _is_x12(path, "835"):
            remits.append(path)
        elif _is_x12(path, "999") or _is_x12(path, "277"):
            acks.append(path)
        elif _is_x12(path, "837"):
            skipped.append((path, "an 837 claim file, not a remittance"))
        else:
            skipped.append((path, "not a workbook, payer export or 835"))
    read = {Path(w.path): w for w in (engine or LocalEngine(1)).map_unordered(
        peek, [str(p) for p in books])}  # fmt: skip
    for path in books:  # in the folder's order, whatever order the engine answered in
        info = read[path]
        if info.kind == "clinic":
            clinics.setdefault(path.parent, []).append(Clinic(path, info=info))
        elif info.kind == "remittance":
            remits.append(path)
        else:
            skipped.append((path, info.kind))
    skipped.sort(key=lambda item: str(item[0]))
    for path in [*remits, *acks]:
        owner = next((d for d in path.parents if d in clinics), None)
        if owner is None:
            skipped.append((path, "no clinic workbook in its folder or above it"))
            continue
        for clinic in clinics[owner]:
            (clinic.acknowledgments if path in acks else clinic.remittances).append(path)
    found = [c for group in clinics.values() for c in group]
    _refuse_copies(found)
    return found, skipped


def _refuse_copies(clinics: list[Clinic]) -> None:
    """Mark the workbooks whose registers begin with the same row (one clinic's history
    twice: a ``... - Copy.xlsx`` beside the workbook, an old copy in another folder). Run,
    each would send the claims not yet sent: billed twice. Which one is live is for a
    person to say, so none of them is run."""
    by_origin: dict[str, list[Clinic]] = {}
    for clinic in clinics:
        if clinic.info is not None and clinic.info.origin:
            by_origin.setdefault(clinic.info.origin, []).append(clinic)
    for group in by_origin.values():
        if len(group) < 2:
            continue
        for clinic in group:
            others = ", ".join(str(c.workbook) for c in group if c is not clinic)
            clinic.refused = (  # shown after the workbook's path
                "its registers begin with the same claim, payment or "
                f"acknowledgment as {others}: the same clinic's workbook twice, and running "
                "both would bill the claims not yet sent twice; not run. Move the copy out "
                "of the folder (keep the workbook the clinic works in) and run again"
            )


def _slug(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "-", text).strip("-").lower() or "clinic"


def run_batch(
    folder: Path,
    out: Path,
    *,
    today: date | None = None,
    as_of: date | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    engine: Engine | None = None,
    created: datetime | None = None,
) -> BatchResult:
    """Run the weekly cycle in every clinic of ``folder`` (on ``engine``: this process by
    default); the summary workbook in ``out``. Each clinic's results are the same whatever
    the engine and however many workers (see addin.runs.parallel)."""
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder; give the folder that holds the workbooks")
    step = progress or (lambda *_: None)
    engine = engine or LocalEngine(1)
    step("reading the folder", 0, 1)
    skip = out if out.resolve() != folder.resolve() else None
    clinics, skipped = discover(folder, skip=skip, engine=engine)
    result = BatchResult(folder, [], skipped)
    day = today or date.today()
    when = created or datetime.combine(day, datetime.now().time()).replace(microsecond=0)
    runnable = [i for i, clinic in enumerate(clinics) if clinic.refused is None]
    # no numbers for a refused clinic (a Workbook with no submitter reserves none)
    numbers = reserve(
        ControlNumberStore(),
        [(c.info if c.refused is None else None) or Workbook(str(c.workbook), "clinic")
         for c in clinics],
    )  # fmt: skip
    tasks = [
        Task(
            index=i,
            workbook=str(clinic.workbook),
            remittances=tuple(str(p) for p in clinic.remittances),
            acknowledgments=tuple(str(p) for p in clinic.acknowledgments),
            today=day,
            as_of=as_of,
            created=when,
            numbers=numbers[i],
        )
        for i, clinic in ((i, clinics[i]) for i in runnable)
    ]
    # the largest clinics first, so the last to finish are small ones and no core idles
    # through a big clinic's tail; what each writes does not depend on the order
    order = sorted(tasks, key=lambda t: -(clinics[t.index].info or _NO_INFO).size)
    done: dict[int, Done] = {}
    step("clinics", 0, len(tasks))
    for finished in engine.map_unordered(run_task, order):
        done[finished.index] = finished
        step(f"{clinics[finished.index].workbook.stem}", len(done), len(tasks))
    for i, clinic in enumerate(clinics):
        if clinic.refused is not None:
            clinic.name = clinic.workbook.stem
            result.clinics.append((clinic, None, clinic.refused))
            continue
        outcome = done[i]
        if outcome.skipped is not None:  # its one read found no clinic in it
            result.skipped.append((clinic.workbook, outcome.skipped))
            continue
        clinic.name = outcome.provider or clinic.workbook.stem
        if outcome.figures is None:
            clinic.name = clinic.workbook.stem
            result.clinics.append((clinic, None, outcome.error))
            continue
        if any(other.name == clinic.name for other, _, _ in result.clinics):
            clinic.name = f"{clinic.name} ({clinic.workbook.parent.name})"
        result.clinics.append((clinic, outcome.figures, None))
    result.skipped.sort(key=lambda item: str(item[0]))
    result.summary_workbook = write_summary(result, out / SUMMARY_NAME)
    return result


def summary_tables(result: BatchResult) -> list[ResultTable]:
    """Clinics (one row each) and Files (every file and how it was used)."""
    buckets = [label for label, _, _ in AGING_BUCKETS]
    columns = [
        Column(name="Clinic"),
        Column(name="Workbook"),
        Column(name="Encounters", kind="int"),
        Column(name="Claims Sent", kind="int"),
        Column(name="Claims Held", kind="int"),
        Column(name="Errors", kind="int"),
        Column(name="Warnings", kind="int"),
        Column(name="Remittance Files", kind="int"),
        Column(name="Paid", kind="money"),
        Column(name="Denied", kind="int"),
        Column(name="Denied Billed", kind="money"),
        Column(name="Underpaid", kind="int"),
        Column(name="Underpaid Short", kind="money"),
        Column(name="Pending", kind="int"),
        *(Column(name=f"A/R {b}", kind="money") for b in buckets),
        Column(name="A/R Total", kind="money"),
        Column(name="Deposits", kind="money"),
        Column(name="Difference", kind="money"),
        Column(name="Problem"),
    ]
    rows: list[list[Any]] = []
    for clinic, s, error in result.clinics:
        if s is None or "statuses" not in s:
            blank: list[Any] = [None] * (len(columns) - 3)
            rows.append([clinic.name, str(clinic.workbook), *blank, error or "no claims sent"])
            continue
        st = s["statuses"]
        values = {
            "Paid": s["claims_paid"],
            "Denied Billed": st["denied"]["billed"],
            "Underpaid Short": st["underpaid"]["short"],
            "Deposits": s["deposits"],
            "Difference": s["difference"],
        }
        rows.append(
            [
                clinic.name,
                str(clinic.workbook),
                s["encounters"],
                s["claims_sent"],
                s["claims_held"],
                s["findings"]["error"],
                s["findings"]["warning"],
                s["remittance_files"],
                Decimal(values["Paid"]),
                st["denied"]["claims"],
                Decimal(values["Denied Billed"]),
                st["underpaid"]["claims"],
                Decimal(values["Underpaid Short"]),
                st["pending"]["claims"],
                *(Decimal(s["aging"][b]) for b in buckets),
                Decimal(s["aging"]["total"]),
                Decimal(values["Deposits"]),
                Decimal(values["Difference"]),
                "" if Decimal(values["Difference"]) == 0 else "payments do not reconcile",
            ]
        )
    files = ResultTable(
        sheet="Files",
        columns=[Column(name="File"), Column(name="Used As"), Column(name="Clinic")],
        rows=[
            *([str(c.workbook), "clinic workbook", c.name] for c, _, _ in result.clinics),
            *([str(p), "remittance", c.name] for c, _, _ in result.clinics for p in c.remittances),
            *([str(p), f"skipped: {why}", ""] for p, why in result.skipped),
        ],
    )
    return [ResultTable(sheet="Clinics", columns=columns, rows=rows, title="Clinics"), files]


def write_summary(result: BatchResult, path: Path) -> Path:
    """The summary workbook: a Clinics sheet and a Files sheet."""
    from openpyxl import Workbook

    make_folder(path.parent, path)
    base = path.with_name(f".{path.stem}-base.xlsx")
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "About"
    ws.append([f"Claimbook batch over {result.folder}"])
    ws.append([f"{len(result.clinics)} clinic workbooks; see Clinics and Files."])
    wb.save(base)
    try:
        return write_tables(base, summary_tables(result), out=path)
    finally:
        base.unlink(missing_ok=True)


__all__ = ["BatchResult", "Clinic", "discover", "run_batch", "write_summary"]
