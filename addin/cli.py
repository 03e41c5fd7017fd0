"""The ``claimbook`` command: a thin typer face over the library."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from addin import codesets
from addin.errors import ClaimbookError, WorkbookBusy
from addin.files.folders import not_a_file

app = typer.Typer(
    name="claimbook",
    help="Medical billing inside Excel: codes, claim checks, 837P claims, 835 reconciliation.",
    no_args_is_help=True,
    add_completion=False,
)
codesets_app = typer.Typer(
    help="Code sets: what is loaded, importing official files.", no_args_is_help=True
)
app.add_typer(codesets_app, name="codesets")

# What these print holds text from outside (file names, typed values, payers' names):
# never read as rich markup or emoji codes ("[/]" in a path was a traceback); styles are
# given as Text, not as markup
console = Console(markup=False, emoji=False, highlight=False)
err_console = Console(stderr=True, markup=False, emoji=False, highlight=False)

F = TypeVar("F", bound=Callable[..., Any])


def friendly(func: F) -> F:
    """Turn ClaimbookError (and an error of the system on a path) into a clean message and
    exit code 2 (3 when another run or Excel has the workbook: try again later), never a
    traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except WorkbookBusy as exc:
            err_console.print(Text.assemble(("busy:", "bold red"), f" {exc}"), soft_wrap=True)
            raise typer.Exit(3) from None
        except ClaimbookError as exc:
            err_console.print(Text.assemble(("error:", "bold red"), f" {exc}"), soft_wrap=True)
            raise typer.Exit(2) from None
        except OSError as exc:  # a path the system refused that no check above foresaw
            where = f"{exc.filename}: " if exc.filename else ""
            err_console.print(
                Text.assemble(
                    ("error:", "bold red"),
                    f" {where}{exc.strerror or exc}; check the path, that its folders exist "
                    "and are writable, and the free space",
                ),
                soft_wrap=True,
            )
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


@contextmanager
def progress_bar(
    enabled: bool = True, *, console: Console | None = None, delay: float = 1.0
) -> Iterator[Callable[[str, int, int], None]]:
    """A bar on stderr for the runs inside the block, shown only when stderr is a terminal
    and only once the work has taken ``delay`` seconds (nothing flickers for a quick run).
    The yielded function moves it by hand (batch: one step per clinic); runs move it
    themselves through addin.runs.progress."""
    from addin.runs.progress import listening

    shown = console or err_console
    if not enabled or not shown.is_terminal:
        with listening(lambda *_: None):
            yield lambda *_: None
        return
    bar = Progress(
        TextColumn("{task.description:<24}", markup=False),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=shown,
        transient=True,
    )
    task = bar.add_task("reading", total=None)
    lock = threading.Lock()
    stopped = [False]

    def start() -> None:
        with lock:
            if not stopped[0]:
                bar.start()

    def update(step: str, done: int, total: int) -> None:
        bar.update(task, description=step, completed=done, total=total)

    timer = threading.Timer(delay, start)
    timer.daemon = True
    timer.start()
    try:
        with listening(update):
            yield update
    finally:
        timer.cancel()
        with lock:
            stopped[0] = True
            bar.stop()


def parse_date(value: str | None, option: str = "--on") -> date | None:
    """Parse YYYY-MM-DD from the command line, naming the option when it is wrong."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date; use YYYY-MM-DD", param_hint=option
        ) from None


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


OnOption = Annotated[
    str | None, typer.Option("--on", help="Date of service, YYYY-MM-DD (default: newest set).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@app.command()
@friendly
def lookup(
    code: Annotated[
        str,
        typer.Argument(
            help="An ICD-10-CM code (E11.9, e119, E11 .9) or a HCPCS Level II code (G0439)."
        ),
    ],
    on: OnOption = None,
    as_json: JsonOption = False,
) -> None:
    """Look a code up as of a date of service: description, billable, vintage, notes.

    A letter and four digits is answered from the imported HCPCS Level II file when it is in
    it (G0439); a dot always means ICD-10-CM.
    """
    from addin.codesets.anycode import lookup_code

    result = lookup_code(code, parse_date(on), with_notes=True)
    if as_json:
        print_json(result.to_json())
    else:
        style = {"ok": "green", "not_billable": "yellow"}.get(result.status, "red")
        console.print(Text.assemble((result.status, f"bold {style}"), f": {result.message}"))
        for kind in ("excludes1", "excludes2", "code_first", "use_additional_code", "code_also"):
            for note in result.notes.get(kind, []):
                console.print(f"  {kind} ({note['at']}): {note['text']}", highlight=False)
    if result.status in ("not_found", "outside_vintage", "not_imported"):
        raise typer.Exit(1)


@codesets_app.command("info")
@friendly
def codesets_info(as_json: JsonOption = False) -> None:
    """List the loaded code-set vintages (dates, counts, source) and every importable kind."""
    from addin.codesets.importer import KIND_HELP

    rows = codesets.info()
    loaded = {row["system"] for row in rows}
    # pricing needs both files of the PFS release: the RVU file (pfs) and the GPCI file
    if "gpci" not in loaded:
        loaded.discard("pfs")
    from addin.codesets.icd10cm_alphabetic import index_terms_path

    if index_terms_path() is not None:  # the Alphabetic Index: shipped, or imported
        loaded.add("icd10cm_index")
    kinds = {kind: {"loaded": kind in loaded, "what": what} for kind, what in KIND_HELP.items()}
    if as_json:
        print_json({"vintages": rows, "kinds": kinds})
        return
    table = Table(title="Code sets")
    for column in ("system", "vintage", "effective", "counts", "source", "origin"):
        table.add_column(column)
    for row in rows:
        counts = row["counts"]
        shown = ", ".join(f"{k} {v}" for k, v in counts.items())
        table.add_row(
            row["system"],
            row["vintage"],
            f"{row['effective_from']} .. {row['effective_to']}",
            shown,
            str(row["source"].get("file", "")),
            "shipped" if row["shipped"] else row["path"],
        )
    console.print(table)
    for row in rows:
        if row["note"]:
            console.print(f"{row['system']} {row['vintage']}: {row['note']}", highlight=False)
    missing = [k for k, v in kinds.items() if not v["loaded"]]
    if missing:
        console.print(
            f"not imported: {', '.join(missing)} (claimbook codesets import PATH)",
            highlight=False,
        )


@codesets_app.command("import")
@friendly
def codesets_import(
    path: Annotated[Path, typer.Argument(help="An official release file or its zip.")],
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            help="Force the kind: icd10cm, hcpcs, ncci, mue, pfs, cpt, carc, rarc, mce "
            "(default: recognised from the layout).",
        ),
    ] = None,
    effective: Annotated[
        str | None,
        typer.Option(
            "--effective",
            help="First day the set applies, YYYY-MM-DD, when the file name or title does not say.",
        ),
    ] = None,
    effective_to: Annotated[
        str | None, typer.Option("--effective-to", help="Last day it applies, YYYY-MM-DD.")
    ] = None,
    code_column: Annotated[
        str | None,
        typer.Option("--code-column", help="CPT: the code column (header name or 1-based number)."),
    ] = None,
    descriptor_column: Annotated[
        str | None,
        typer.Option("--descriptor-column", help="CPT: the descriptor column (name or number)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Import an official code-set file into the user data directory as a dated vintage."""
    from addin.codesets.importer import IMPORTERS, ImportOptions

    if kind is not None and kind not in IMPORTERS:
        raise typer.BadParameter(
            f"{kind!r} is not a kind; use one of {', '.join(sorted(IMPORTERS))}",
            param_hint="--kind",
        )
    options = ImportOptions(
        effective_from=parse_date(effective, "--effective"),
        effective_to=parse_date(effective_to, "--effective-to"),
        code_column=code_column,
        descriptor_column=descriptor_column,
    )
    with progress_bar() as step:  # a national NCCI file is millions of rows
        step(f"importing {path.name}", 0, 1)
        result = codesets.import_path(path, kind, options)
    if as_json:
        print_json(
            {
                "system": result.system,
                "vintage": result.vintage,
                "unchanged": result.unchanged,
                "path": str(result.path),
                "manifest": result.manifest,
            }
        )
        return
    verb = "already imported" if result.unchanged else "imported"
    counts = result.manifest.get("counts", {})
    shown = ", ".join(f"{k} {v}" for k, v in counts.items()) or "no counts"
    console.print(
        f"{verb}: {result.system} {result.vintage} "
        f"({result.manifest['effective_from']} to {result.manifest['effective_to']}), "
        f"{shown} -> {result.path}",
        highlight=False,
    )


@codesets_app.command("remove")
@friendly
def codesets_remove(
    system: Annotated[
        str, typer.Argument(help="The code system, e.g. icd10cm, hcpcs, ncci, gpci.")
    ],
    vintage: Annotated[str, typer.Argument(help="The vintage name, e.g. FY2027 or CY2020.")],
) -> None:
    """Remove an imported vintage (shipped ones stay)."""
    from addin.codesets._common import reload_all

    reload_all()  # close open index files first (Windows cannot delete them while open)
    path = codesets.remove_vintage(system, vintage)
    codesets.icd10cm.reload()
    reload_all()
    console.print(f"removed {system} {vintage} ({path})", highlight=False)


@app.command()
@friendly
def demo(
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the demo's inputs and results.")
    ] = Path("out/demo"),
    encounters: Annotated[
        int, typer.Option("--encounters", min=20, help="Encounters in the quarter.")
    ] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the synthetic data.")] = 2026,
    as_json: JsonOption = False,
) -> None:
    """Run a synthetic clinic's quarter week by week through the billing cycle.

    Each Friday the office types the week's visits, fixes what Claimbook showed, works the
    worklist, and runs the cycle on OUT/<clinic>.xlsx with the week's files from
    OUT/inputs/week-NN-DATE (999s, 277CAs, 835s, a payer's export); the clearinghouse and
    the payers answer what was sent. OUT/inputs/answer-key.json says what was meant.
    """
    from addin.codesets.importer import KIND_HELP
    from addin.demo import run_demo
    from addin.demo.data import RUN_DAYS
    from addin.demo.report import clinic_tables, codeset_line, progress_bar, rule_table

    with progress_bar(err_console, len(RUN_DAYS) + 1, enabled=not as_json) as step:
        result = run_demo(out, encounters=encounters, seed=seed, progress=step)
    summary = result.summary()
    if as_json:
        print_json(result.to_json())
        return
    console.print(clinic_tables(summary))
    console.print(rule_table(result.final.findings))
    console.print(codeset_line(codesets.info(), list(KIND_HELP)), highlight=False)
    console.print(
        f"workbook: {summary['output']}\n837P files: {len(summary['x12'])} in "
        f"{result.ledger.parent / (result.ledger.stem + ' claims')}\ninputs: {out / 'inputs'}",
        highlight=False,
    )


#: how many rows, problems or messages the terminal shows of each list (--json has all)
SHOWN = 20


def _first(shown: Console, lines: list[str], what: str) -> None:
    """The first SHOWN of ``lines``, indented, then how many more there are."""
    for line in lines[:SHOWN]:  # file names and messages: text, never rich markup
        shown.print(f"  {line}", highlight=False, soft_wrap=True, markup=False)
    if len(lines) > SHOWN:
        shown.print(f"  ... and {len(lines) - SHOWN} more {what} (--json has all)", highlight=False)


@app.command("remit")
@friendly
def remit_command(
    file: Annotated[Path, typer.Argument(help="An 835 remittance (ERA) file.")],
    as_json: JsonOption = False,
) -> None:
    """Read an 835 remittance: payments, claims, and balancing at three levels.

    Exit code 0: read, every transaction balances and nothing is wrong; 1: read, but a
    transaction does not balance or the reader has a warning (envelope counts or control
    numbers, a missing SE/GE/IEA, another kind of transaction set in the file, a damaged
    value); 2: the file cannot be read (not X12, not an 835), with the reason.
    """
    from addin.remit.notes import status_meaning
    from addin.x12.x835 import read_remittances
    from addin.x12.x835_models import check_balance

    if not file.is_file():
        raise ClaimbookError(not_a_file(file))
    with progress_bar() as step:
        step(f"reading {file.name}", 0, 1)
        txns = list(read_remittances(file))
        reports = [check_balance(txn) for txn in txns]
    clean = all(r.balanced and not t.warnings for t, r in zip(txns, reports, strict=True))
    if as_json:
        out = []
        for txn, report in zip(txns, reports, strict=True):
            data = txn.model_dump(mode="json", serialize_as_any=True)
            for claim in data.get("claims", []):
                claim["status_meaning"] = status_meaning(claim.get("status") or "")
            data["balanced"] = report.balanced
            data["balance_messages"] = report.messages
            out.append(data)
        print_json({"transactions": out})
        if not clean:
            raise typer.Exit(1)
        return
    rows = SHOWN  # claim rows left to show, over every transaction of the file
    for number, (txn, report) in enumerate(zip(txns, reports, strict=True)):
        if number == SHOWN:
            console.print(f"... and {len(txns) - SHOWN} more transaction(s) (--json has all)")
            break
        check = (
            f"{txn.payer_name or txn.payer_id} check/EFT {txn.trace_number}: "
            f"{txn.payment_amount:.2f} on {txn.payment_date or txn.production_date or '?'}"
        )
        if rows == 0:  # the claims shown are used up: a line for each further check
            console.print(
                Text.assemble(
                    f"{check}, {len(txn.claims)} claim(s), ",
                    "balanced" if report.balanced else ("not balanced", "bold red"),
                )
            )
            _first(console, [*report.messages, *txn.warnings], "message(s)")
            continue
        table = Table(
            title=check,
            caption=(
                f"... and {len(txn.claims) - rows} more claim(s) (--json has all)"
                if len(txn.claims) > rows
                else None
            ),
        )
        for column in ("claim", "status", "billed", "paid", "patient resp.", "payer claim #"):
            table.add_column(column)
        for c in txn.claims[:rows]:
            table.add_row(
                c.patient_control_number,
                f"{c.status} {status_meaning(c.status)}",
                f"{c.billed:.2f}",
                f"{c.paid:.2f}",
                f"{c.patient_responsibility or 0:.2f}",
                c.payer_claim_number or "",
            )
        rows = max(0, rows - len(txn.claims))
        console.print(table)
        console.print("balanced" if report.balanced else Text("not balanced", style="bold red"))
        _first(console, [*report.messages, *txn.warnings], "message(s)")
    if len(txns) > 1:  # what the file holds in all, whatever was shown above
        unbalanced = sum(1 for r in reports if not r.balanced)
        console.print(
            f"{len(txns)} transaction(s), {sum(len(t.claims) for t in txns)} claim(s), "
            f"{sum((t.payment_amount for t in txns), Decimal('0')):.2f} paid in all; "
            + (f"{unbalanced} not balanced" if unbalanced else "every one balanced"),
            highlight=False,
        )
    if not clean:
        raise typer.Exit(1)


@app.command("suggest")
@friendly
def suggest_command(
    text: Annotated[str, typer.Argument(help="Free text, e.g. 'DM2 w/ neuropathy' or 'HTN'.")],
    system: Annotated[
        str, typer.Option("--system", help="icd10cm (default), hcpcs, cpt or all.")
    ] = "icd10cm",
    top: Annotated[int, typer.Option("--top", help="How many codes to list.")] = 5,
    on: OnOption = None,
    as_json: JsonOption = False,
) -> None:
    """Suggest billable codes for free text (abbreviations, lay terms, clinical phrases)."""
    from addin.coding.suggest import suggest

    found = suggest(text, system=system, top=top, on=parse_date(on))
    if as_json:
        print_json([s.to_json() for s in found])
        return
    if not found:
        console.print("no suggestion", highlight=False)
        raise typer.Exit(1)
    table = Table(title=f"Suggestions for {text!r}")
    for column in ("code", "system", "description", "score"):
        table.add_column(column)
    for s in found:
        table.add_row(s.code, s.system, s.description, f"{s.score:.3f}")
    console.print(table)


@app.command("batch")
@friendly
def batch_command(
    folder: Annotated[Path, typer.Argument(help="Folder of clinic workbooks and remittances.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for results (default: FOLDER/claimbook-batch)."),
    ] = None,
    today: Annotated[
        str | None, typer.Option("--today", help="Check and age as of YYYY-MM-DD.")
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", min=1, help="Clinics run at once (default: every core)."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="A Dask scheduler (tcp://HOST:8786): run the clinics on its workers; the "
            "folder must be at the same path on every worker.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Run every clinic workbook in a folder with its 835s and payer exports; one summary.

    Each clinic's workbook is its ledger: the weekly cycle runs in it (a backup first), its
    837P goes to 'BOOK claims' beside it; OUT/batch-summary.xlsx
    has a Clinics sheet (one row per clinic) and a Files sheet (how each file was used).
    Clinics run in parallel on every core (--jobs) or on a Dask cluster (--scheduler);
    each clinic's results are the same as with --jobs 1.
    """
    from addin.runs.batch import run_batch
    from addin.runs.parallel import LocalEngine

    on = parse_date(today, "--today")
    target = out or folder / "claimbook-batch"
    if scheduler is not None and jobs is not None:
        raise typer.BadParameter("use --jobs or --scheduler, not both", param_hint="--jobs")
    if scheduler is not None:
        from addin.runs.distributed import DaskEngine

        engine: Any = DaskEngine(scheduler)
    else:
        engine = LocalEngine(jobs)
    with engine, progress_bar() as step:
        result = run_batch(folder, target, today=on, as_of=on, progress=step, engine=engine)
    data = result.to_json()
    if as_json:
        print_json(data)
    else:
        _batch_summary(data)
    if data["totals"]["failed"]:
        raise typer.Exit(1)


def _batch_summary(data: dict[str, Any]) -> None:
    """A folder of hundreds of clinics in a screenful: the totals, the first clinics (those
    whose payments do not reconcile to the cent first), the first failures and skipped
    files; the summary workbook and --json have every clinic and file."""
    from addin.demo.report import batch_table

    ran = [r for r in data["clinics"] if r["summary"]]
    ran.sort(key=lambda r: Decimal(r["summary"].get("difference", "0")) == 0)  # stable
    table = batch_table(ran[:SHOWN])
    if len(ran) > SHOWN:
        table.caption = f"... and {len(ran) - SHOWN} more clinic(s) (the summary workbook has all)"
    console.print(table)
    totals = data["totals"]
    console.print(
        f"{totals['clinics']} clinic(s), {totals['failed']} failed, "
        f"{len(data['skipped'])} file(s) skipped; {totals['claims_sent']} claim(s) sent, "
        f"{totals['claims_held']} held; {totals['claims_paid']} paid on claims, "
        f"{totals['deposits']} in deposits; off by {totals['difference']}",
        highlight=False,
    )
    failed = [f"{r['workbook']}: {r['error']}" for r in data["clinics"] if r["error"]]
    _first(console, failed, "failed clinic(s)")
    skipped = [f"skipped {item['file']}: {item['reason']}" for item in data["skipped"]]
    _first(console, skipped, "skipped file(s)")
    console.print(f"wrote {data['workbook']}", soft_wrap=True)  # a path, whole


@app.command("archive")
@friendly
def archive_command(
    folder: Annotated[Path, typer.Argument(help="Folder of clinic workbooks (or one workbook).")],
    to: Annotated[
        Path | None,
        typer.Option("--to", help="The archive folder (default: FOLDER/claimbook-archive)."),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", min=1, help="Clinics archived at once (default: every core)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Append every clinic's registers to a Parquet archive, partitioned by clinic and month.

    Claims, their lines, acknowledgments, payments posted, service payments, adjustments,
    claim outcomes and denials with their Work Status; a row already archived is never
    added again (archiving the same folder twice adds nothing), a changed status is a new
    version of its row. A workbook unchanged since it was archived (same content hash) is
    not read again. Then the new files are merged into the archive's compacted copy, which
    claimbook report reads.
    """
    from dataclasses import asdict

    from addin.archive.store import archive_folder

    with progress_bar() as step:
        root, done, compacted = archive_folder(folder, to, progress=step, jobs=jobs)
    totals: dict[str, int] = {}
    for c in done:
        for table, count in c.added.items():
            totals[table] = totals.get(table, 0) + count
    data: dict[str, Any] = {
        "archive": str(root),
        "clinics": [
            {
                "clinic": c.clinic,
                "workbook": str(c.workbook),
                "added": c.added,
                "skipped": c.skipped,
                "error": c.error,
                "moved_from": c.moved_from,
            }
            for c in done
        ],
        "added": totals,
        "skipped": sum(c.skipped for c in done),
        "compacted": asdict(compacted) if compacted else None,
    }
    if as_json:
        print_json(data)
    else:
        added = sum(totals.values())
        console.print(
            f"{len(done)} clinic workbook(s), {data['skipped']} unchanged since last archived; "
            f"{added} new row(s) archived in {root}",
            highlight=False,
        )
        for table, count in totals.items():
            console.print(f"  {table}: {count}", highlight=False)
        if compacted and compacted.files:
            console.print(
                f"compacted {compacted.files} new file(s) into the report's copy "
                f"({compacted.segments} file(s) in all)",
                highlight=False,
            )
        moved = [
            f"{c.workbook}: archived before as {c.moved_from}; still clinic {c.clinic}"
            for c in done if c.moved_from and not c.error
        ]  # fmt: skip
        _first(console, moved, "workbook(s) renamed or moved")
        failed = [c.error for c in done if c.error]  # each begins with its workbook's path
        _first(console, failed, "workbook(s) not archived")
    if any(c.error for c in done):
        raise typer.Exit(1)


@app.command("report")
@friendly
def report_command(
    archive: Annotated[Path, typer.Argument(help="The archive folder claimbook archive wrote.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="The report workbook (default: ARCHIVE/report.xlsx)."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Age A/R as of YYYY-MM-DD (default: newest date in it)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Answer across clinics from the archive (DuckDB): denial rates by payer, reason and
    procedure code, days to pay, underpayment against contracts, clean-claim and first-pass
    resolution rates, A/R by clinic; a workbook with a chart for each."""
    from addin.archive.queries import TITLES, Archive
    from addin.archive.report import write_report

    with progress_bar(), Archive(archive) as opened:
        if opened.uncompacted:
            err_console.print(
                f"note: {opened.uncompacted} Parquet file(s) of {archive} are not in its "
                "compacted copy (an archive written before compaction, or a pass stopped "
                "half-way), so they are read one by one: the answers are complete, only "
                f"slower. `claimbook compact {archive}` brings them in.",
                highlight=False,
                soft_wrap=True,
            )
        day = parse_date(as_of, "--as-of") or opened.latest_date()
        answers = opened.report(day)
    target = out or archive / "report.xlsx"
    if target.suffix.lower() != ".xlsx":
        raise ClaimbookError(f"{target}: the report is an .xlsx workbook; end the name .xlsx")
    written = write_report(answers, target, day)
    if as_json:
        print_json({"as_of": day.isoformat(), "workbook": str(written)} | answers)
        return
    for name, rows in answers.items():
        console.print(f"{TITLES[name]}: {len(rows)} row(s)", highlight=False)
        for row in rows[:5]:
            console.print("  " + ", ".join(f"{k} {v}" for k, v in row.items()), highlight=False)
        if len(rows) > 5:
            console.print(f"  ... and {len(rows) - 5} more (see the workbook)", highlight=False)
    console.print(f"wrote {written}", soft_wrap=True)  # a path, whole


@app.command("compact")
@friendly
def compact_command(
    archive: Annotated[Path, typer.Argument(help="The archive folder claimbook archive wrote.")],
    as_json: JsonOption = False,
) -> None:
    """Bring the archive's compacted copy (what claimbook report reads) up to date.

    claimbook archive does this after every pass; run it on an archive written before
    compaction, or after a pass that stopped half-way. The partitions are not changed.
    """
    from dataclasses import asdict

    from addin.archive.compact import compact
    from addin.archive.store import require_archive

    require_archive(archive)
    with progress_bar():
        done = compact(archive)
    if as_json:
        print_json({"archive": str(archive)} | asdict(done))
        return
    console.print(
        f"{done.files} partition file(s) compacted into {done.segments_written} new file(s), "
        f"{done.segments_merged} merged; the copy has {done.segments} file(s) "
        f"({done.seconds:.1f} s)",
        highlight=False,
    )


@app.command("template")
@friendly
def template_command(
    path: Annotated[Path, typer.Argument(help="Where to write the new workbook (.xlsx).")],
    demo_data: Annotated[
        bool, typer.Option("--demo", help="Fill it with the synthetic demo clinic.")
    ] = False,
    encounters: Annotated[
        int, typer.Option("--encounters", min=1, help="Synthetic encounters (with --demo).")
    ] = 200,
    force: Annotated[bool, typer.Option("--force", help="Replace PATH if it exists.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Write a new clinic workbook from the template (no patient data), or the demo copy."""
    from addin.demo.workbook import build_demo_workbook
    from addin.errors import OutputError
    from addin.sheets.template import build_workbook

    if path.suffix.lower() != ".xlsx":
        raise OutputError(f"{path}: the template is an .xlsx workbook; give a name ending .xlsx")
    if path.exists() and not force:
        raise OutputError(f"{path}: already exists; choose another name or add --force")
    with progress_bar() as step:  # a big demo book takes a while
        step(f"writing {path.name}", 0, 1)
        written = build_demo_workbook(path, encounters) if demo_data else build_workbook(path)
    data = {"path": str(written), "demo": demo_data, "encounters": encounters if demo_data else 0}
    if as_json:
        print_json(data)
    else:
        console.print(f"wrote {written}", soft_wrap=True)  # a path, whole


@app.command("check-837p")
@friendly
def check_837p_command(
    file: Annotated[Path, typer.Argument(help="An 837P claim file (005010X222A1).")],
    as_json: JsonOption = False,
) -> None:
    """Read an 837P and check it: envelope counts and control numbers, element lengths,
    characters and code values, balancing, HL tree, NPIs, pointers.

    Exit code 0: no error found; 1: at least one error (each with the claim and the
    segment); 2: the file cannot be read at all (not X12, an X222A2 or base X222 label, no
    ISA envelope, another kind of transaction), with the reason.
    """
    from addin.x12.x837p import check_837p, read_837p
    from addin.x12.x837p.extract import count_claims

    if not file.is_file():
        raise ClaimbookError(not_a_file(file))
    with progress_bar() as step:
        step("reading", 0, 3)
        doc = read_837p(file)
        step("checking", 1, 3)
        findings = check_837p(doc)
        step("claims", 2, 3)
        claims, unreadable = count_claims(doc)
    problems = [*findings, *unreadable]
    if as_json:
        print_json(
            {
                "file": str(file),
                "transactions": len(doc.transactions()),
                "claims": claims,
                "warnings": doc.warnings,
                "findings": [f.model_dump(mode="json") for f in problems],
            }
        )
    else:
        console.print(
            f"{file.name}: {len(doc.transactions())} transaction set(s), "
            f"{claims} claim(s), {len(problems)} problem(s)",
            highlight=False,
        )
        _first(console, [f"note: {w}" for w in doc.warnings], "note(s)")
        _first(console, [f"{f.rule}: {f.message}" for f in problems], "problem(s)")
    if any(f.blocking for f in problems):
        raise typer.Exit(1)


from addin import cli_workbook  # noqa: E402  (registers the workbook commands on app)

__all__ = ["app", "cli_workbook", "main"]


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    # run as ``python -m addin.cli``: the commands live on addin.cli's app, not __main__'s
    from addin.cli import main as _main

    _main()
