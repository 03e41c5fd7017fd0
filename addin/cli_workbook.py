"""The ``claimbook`` commands that work on a clinic workbook: each is one call of addin.runs.

check, suggest-missing, claims, acknowledgments, reconcile and cycle write their results
into the workbook itself (a backup first, atomic replace, nothing when nothing changed);
``--out`` writes a copy instead where that is safe. The terminal shows a summary whatever
the size; ``--json`` is complete.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from addin import runs
from addin.cli import (
    SHOWN,
    JsonOption,
    app,
    console,
    friendly,
    parse_date,
    print_json,
    progress_bar,
)
from addin.errors import ClaimbookError, InputError
from addin.models import Finding

BookArgument = Annotated[
    Path, typer.Argument(help="The clinic workbook (.xlsx/.xlsm; a .csv gets a new .xlsx).")
]
OutOption = Annotated[
    Path | None,
    typer.Option("--out", help="Write the results into this copy; the workbook is not changed."),
]
InPlaceOption = Annotated[
    bool,
    typer.Option(
        "--in-place", help="Write into the workbook (the default; kept for older scripts)."
    ),
]
TodayOption = Annotated[
    str | None, typer.Option("--today", help="Run as of this date, YYYY-MM-DD (default today).")
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Work everything out, write nothing (no 837P either).")
]


def _options(out: Path | None, in_place: bool) -> Path | None:
    if out is not None and in_place:
        raise typer.BadParameter("use --out or --in-place, not both", param_hint="--out")
    return out


def _today(value: str | None) -> date | None:
    return parse_date(value, "--today")


def _written(outcome: runs.Outcome) -> dict[str, object]:
    return {
        "written": str(outcome.written) if outcome.written else None,
        "changed": outcome.changed,
        "backup": str(outcome.backup) if outcome.backup else None,
        "summary_lines": outcome.summary,
    }


def _report(outcome: runs.Outcome, as_json: bool, shape: str = "") -> None:
    """The summary lines and the first problems; or everything as JSON (``shape`` picks the
    command's own part of the outcome, as documented in the README)."""
    if as_json:
        data = outcome.to_json()
        if shape == "check":
            print_json(data["check"] | _written(outcome))
        elif shape == "claims" and outcome.claims is not None:
            claims = outcome.claims.to_json()
            claims["findings"] = [f.model_dump(mode="json") for f in outcome.findings]
            print_json(claims | _written(outcome))
        elif shape == "acknowledgments" and "acknowledgments" in data:
            print_json(data["acknowledgments"] | _written(outcome))
        else:
            print_json(data)
        return
    for line in outcome.summary[:SHOWN]:
        console.print(_short(line), highlight=False, soft_wrap=True)
    if len(outcome.summary) > SHOWN:
        console.print(f"... and {len(outcome.summary) - SHOWN} more lines (--json has all)")
    problems = [f for f in outcome.findings if f.severity in ("error", "warning")]
    if problems:
        table = Table(title=f"First problems ({len(problems)} in all, see the Findings sheet)")
        for column in ("cell", "severity", "rule", "message"):
            table.add_column(column)
        for f in problems[:SHOWN]:
            table.add_row(_where(f, outcome.letters), f.severity, f.rule, f.message)
        console.print(table)
        if len(problems) > SHOWN:
            console.print(f"... and {len(problems) - SHOWN} more", highlight=False)
    if outcome.written is not None and outcome.changed:
        console.print(f"wrote {outcome.written}", soft_wrap=True)  # a path, whole
        if outcome.backup is not None:
            console.print(f"backup {outcome.backup}", soft_wrap=True)  # a path, whole


def _short(line: str, limit: int = 400) -> str:
    """One summary line, cut where a list in it would run on (--json has it whole)."""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _where(f: Finding, letters: dict[str, dict[str, str]]) -> str:
    """The cell as Excel writes it (``Encounters!K23``, ``'Claim Register'!B5``), the row
    when its column has no letter (a CSV, a column the sheet lacks), or the sheet."""
    if not f.sheet:
        return ""
    sheet = f.sheet if f.sheet.isidentifier() else "'" + f.sheet.replace("'", "''") + "'"
    if f.row is None:
        return sheet
    letter = letters.get(f.sheet, {}).get(f.column or "")
    return f"{sheet}!{letter}{f.row}" if letter else f"{sheet} row {f.row}"


def _exit(outcome: runs.Outcome) -> None:
    if any(f.severity == "error" for f in outcome.findings):
        raise typer.Exit(1)


@app.command("check")
@friendly
def check_command(
    book: BookArgument,
    out: OutOption = None,
    in_place: InPlaceOption = False,
    today: TodayOption = None,
    dry_run: DryRunOption = False,
    as_json: JsonOption = False,
) -> None:
    """Check every encounter row against code sets and billing rules; list what to fix.

    Writes the Findings sheet (and fills on the Encounters cells) into BOOK. Exit code 1 when
    any finding is an error.
    """
    with progress_bar():
        outcome = runs.check(book, _today(today), out=_options(out, in_place), write=not dry_run)
    _report(outcome, as_json, "check")
    _exit(outcome)


@app.command("suggest-missing")
@friendly
def suggest_missing_command(
    book: BookArgument,
    out: OutOption = None,
    in_place: InPlaceOption = False,
    top: Annotated[int, typer.Option("--top", min=1, help="Codes per phrase.")] = 3,
    today: TodayOption = None,
    dry_run: DryRunOption = False,
    as_json: JsonOption = False,
) -> None:
    """Fill empty Dx cells from the Diagnosis Text; alternatives go to the Suggestions sheet."""
    with progress_bar():
        outcome = runs.suggest_missing(
            book, runs.Inputs(top=top), today=_today(today), out=_options(out, in_place),
            write=not dry_run,
        )  # fmt: skip
    if as_json:
        print_json(outcome.to_json()["suggestions"] | {"written": str(outcome.written)})
        return
    _report(outcome, False)


@app.command("claims")
@friendly
def claims_command(
    book: BookArgument,
    in_place: InPlaceOption = False,
    x12_dir: Annotated[
        Path | None,
        typer.Option("--x12-dir", help="Folder for the 837P (default: 'BOOK claims' beside it)."),
    ] = None,
    x12: Annotated[
        Path | None, typer.Option("--x12", help="Write the 837P to this exact file.")
    ] = None,
    no_check: Annotated[
        bool, typer.Option("--no-check", help="Build without running the scrubber first.")
    ] = False,
    replace: Annotated[
        list[str] | None,
        typer.Option("--replace", help="Send this Claim ID again as a replacement (freq 7)."),
    ] = None,
    void: Annotated[
        list[str] | None, typer.Option("--void", help="Void this Claim ID (frequency 8).")
    ] = None,
    resend: Annotated[
        list[str] | None,
        typer.Option("--resend", help="Send a rejected Claim ID again although unchanged."),
    ] = None,
    today: TodayOption = None,
    as_json: JsonOption = False,
) -> None:
    """Bill what has not been billed: one 837P, the Claims sheet, the Claim Register.

    A claim already sent is never sent again by itself; one changed since is listed until
    it is sent as a replacement (--replace, or Work Status 'Corrected claim').
    """
    if x12 is not None and x12.is_dir():
        raise InputError(f"{x12}: is a folder; use --x12-dir for a folder, --x12 for a file")
    inputs = runs.Inputs(
        x12_dir=x12_dir, x12_path=x12, scrub=not no_check, replace=replace or [],
        void=void or [], resend=resend or [],
    )  # fmt: skip
    with progress_bar():
        outcome = runs.claims(book, inputs, today=_today(today))
    _report(outcome, as_json, "claims")
    _exit(outcome)


@app.command("acknowledgments")
@friendly
def acknowledgments_command(
    book: BookArgument,
    files: Annotated[
        list[Path], typer.Argument(help="999 and 277CA files from the clearinghouse.")
    ],
    today: TodayOption = None,
    as_json: JsonOption = False,
) -> None:
    """Read the clearinghouse's 999s and 277CAs: rejected claims go to the worklist."""
    with progress_bar():
        outcome = runs.acknowledge(book, runs.Inputs(acknowledgments=files), today=_today(today))
    _report(outcome, as_json, "acknowledgments")


def _descriptions(codes: Path | None) -> dict[str, str] | None:
    from addin.remit import load_descriptions

    return load_descriptions(codes) if codes else None


MappingOption = Annotated[
    Path | None, typer.Option("--mapping", help="Column mapping for payer exports.")
]
CodesOption = Annotated[
    Path | None, typer.Option("--codes", help="Your CARC/RARC list (code,description).")
]
LocalityOption = Annotated[
    str | None,
    typer.Option("--locality", help="Medicare PFS locality (e.g. 0111205) for uncontracted lines."),
]


@app.command("reconcile")
@friendly
def reconcile_command(
    book: Annotated[
        Path, typer.Argument(help="The clinic workbook (.xlsx/.xlsm), or claims as .json.")
    ],
    remits: Annotated[
        list[Path] | None,
        typer.Argument(help="835 files and/or payer remittance exports (CSV/XLSX)."),
    ] = None,
    out: OutOption = None,
    in_place: InPlaceOption = False,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Aging date, YYYY-MM-DD (default today).")
    ] = None,
    mapping: MappingOption = None,
    codes: CodesOption = None,
    locality: LocalityOption = None,
    today: TodayOption = None,
    as_json: JsonOption = False,
) -> None:
    """Post remittances once; reconcile everything posted against what was billed."""
    from addin.remit import load_mapping
    from addin.remit.load import collector_paused, load_claims_json, reconcile_files

    column_map = load_mapping(mapping) if mapping else None
    on = parse_date(as_of, "--as-of")
    if book.suffix.lower() == ".json":
        if out is not None or in_place:
            raise ClaimbookError(
                f"{book}: result sheets go into a workbook; give BOOK as .xlsx to write them"
            )
        with collector_paused():
            result = reconcile_files(load_claims_json(book), remits or [], [], locality,
                                     column_map)  # fmt: skip
            if as_json:
                print_json(result.to_json())
                return
        totals = result.totals()
        shown = ", ".join(f"{k} {v}" for k, v in totals["statuses"].items() if v)
        console.print(f"claims {shown or 'none'}", highlight=False)
        console.print(
            f"payments {totals['payments']}, claims paid {totals['claims_paid']}, unmatched "
            f"{totals['unmatched_paid']}, provider adjustments {totals['provider_adjustments']}, "
            f"difference {totals['difference']}",
            highlight=False,
        )
        return
    inputs = runs.Inputs(
        remittances=remits or [], mapping=column_map, descriptions=_descriptions(codes),
        locality=locality, as_of=on,
    )  # fmt: skip
    with progress_bar():
        outcome = runs.reconcile(book, inputs, today=_today(today), out=_options(out, in_place))
    if as_json:
        from addin.remit.load import collector_paused as paused

        with paused():  # a million small objects for 40,000 claims, none cyclic
            assert outcome.reconciliation is not None
            data = outcome.reconciliation.to_json()
            data["postings"] = outcome.data.get("postings", {})
            print_json(data | _written(outcome))
        return
    _report(outcome, False)


@app.command("cycle")
@friendly
def cycle_command(
    book: BookArgument,
    remit: Annotated[
        list[Path] | None, typer.Option("--remit", help="An 835 or payer export (repeat).")
    ] = None,
    ack: Annotated[
        list[Path] | None, typer.Option("--ack", help="A 999 or 277CA file (repeat).")
    ] = None,
    mapping: MappingOption = None,
    codes: CodesOption = None,
    locality: LocalityOption = None,
    x12_dir: Annotated[Path | None, typer.Option("--x12-dir", help="Folder for the 837P.")] = None,
    today: TodayOption = None,
    as_json: JsonOption = False,
) -> None:
    """The weekly run: acknowledgments, remittances, suggestions, claims and the check, in
    one pass over the workbook. Safe to repeat: nothing is billed or posted twice."""
    from addin.remit import load_mapping

    inputs = runs.Inputs(
        remittances=remit or [], acknowledgments=ack or [],
        mapping=load_mapping(mapping) if mapping else None,
        descriptions=_descriptions(codes), locality=locality, x12_dir=x12_dir,
    )  # fmt: skip
    with progress_bar():
        outcome = runs.cycle(book, inputs, today=_today(today))
    _report(outcome, as_json)
    _exit(outcome)


X12DirOption = Annotated[
    Path | None,
    typer.Option("--x12-dir", help="Folder for the 837P (default: 'BOOK claims' beside it)."),
]


@app.command("secondary")
@friendly
def secondary_command(
    book: BookArgument,
    x12_dir: X12DirOption = None,
    today: TodayOption = None,
    as_json: JsonOption = False,
) -> None:
    """Bill each patient's next plan (Coverage sheet) once the earlier payer's ERA is posted.

    The claim carries the primary's adjudication (COB loops 2320/2330/2430); it goes into
    one 837P and the Claim Register, never twice. A crossover is listed as forwarded.
    """
    with progress_bar():
        outcome = runs.run(book, runs.Inputs(x12_dir=x12_dir), _today(today),
                           steps=("reconcile", "secondary"))  # fmt: skip
    if as_json:
        data = outcome.secondary.to_json() if outcome.secondary else outcome.to_json()
        print_json(data | _written(outcome))
        return
    _report(outcome, False)


@app.command("deposits")
@friendly
def deposits_command(
    book: BookArgument,
    bank: Annotated[
        list[Path] | None, typer.Argument(help="Bank exports (CSV: date, description, amount).")
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option("--mapping", help="Bank column mapping (field,column rows)."),
    ] = None,
    today: TodayOption = None,
    as_json: JsonOption = False,
) -> None:
    """Match every ERA's payment to a bank deposit, and every deposit to an ERA.

    The exports are kept beside the workbook ('BOOK bank') and read again each run; the
    Deposits sheet says which ERA is not in the bank yet and which deposit has no ERA.
    """
    from addin.remit.bank import load_bank_mapping

    inputs = runs.Inputs(bank=bank or [],
                         bank_mapping=load_bank_mapping(mapping) if mapping else None)  # fmt: skip
    with progress_bar():
        outcome = runs.run(book, inputs, _today(today), steps=("deposits",))
    if as_json:
        print_json(outcome.data.get("deposits", {"matches": [], "totals": {}, "bank_files": []})
                   | _written(outcome))  # fmt: skip
        return
    _report(outcome, False)


@app.command("statements")
@friendly
def statements_command(
    book: BookArgument,
    pdf: Annotated[
        Path | None, typer.Option("--pdf", help="Also render the statements as a PDF here.")
    ] = None,
    today: TodayOption = None,
    as_json: JsonOption = False,
) -> None:
    """Patient statements: what each patient owes after insurance less what they paid.

    The Statements sheet (one row per patient with a balance or a credit), the printable
    statements in 'BOOK statements', and a PDF with --pdf when LibreOffice is installed.
    """
    with progress_bar():
        outcome = runs.run(book, runs.Inputs(pdf_dir=pdf), _today(today), steps=("statements",))
    if as_json:
        print_json(outcome.data.get("statements", {}) | _written(outcome))
        return
    _report(outcome, False)
