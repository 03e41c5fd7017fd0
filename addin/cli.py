"""The ``claimbook`` command: a thin typer face over the library."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from addin import codesets
from addin.errors import ClaimbookError

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

console = Console()
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])


def friendly(func: F) -> F:
    """Turn ClaimbookError into a clean message and exit code 2, never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ClaimbookError as exc:
            err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


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
    code: Annotated[str, typer.Argument(help="An ICD-10-CM code, e.g. E11.9, e119 or E11 .9.")],
    on: OnOption = None,
    as_json: JsonOption = False,
) -> None:
    """Look a code up as of a date of service: description, billable, vintage, notes."""
    result = codesets.lookup(code, parse_date(on), with_notes=True)
    if as_json:
        print_json(result.to_json())
    else:
        style = {"ok": "green", "not_billable": "yellow"}.get(result.status, "red")
        console.print(f"[bold {style}]{result.status}[/]: {result.message}", highlight=False)
        for kind in ("excludes1", "excludes2", "code_first", "use_additional_code", "code_also"):
            for note in result.notes.get(kind, []):
                console.print(f"  {kind} ({note['at']}): {note['text']}", highlight=False)
    if result.status in ("not_found", "outside_vintage"):
        raise typer.Exit(1)


@codesets_app.command("info")
@friendly
def codesets_info(as_json: JsonOption = False) -> None:
    """List the loaded code-set vintages with their effective dates and counts."""
    rows = codesets.info()
    if as_json:
        print_json({"vintages": rows})
        return
    table = Table(title="Code sets")
    for column in ("system", "vintage", "effective", "billable", "codes", "origin"):
        table.add_column(column)
    for row in rows:
        counts = row["counts"]
        table.add_row(
            row["system"],
            row["vintage"],
            f"{row['effective_from']} .. {row['effective_to']}",
            f"{counts.get('billable', '')}",
            f"{counts.get('codes', '')}",
            "shipped" if row["shipped"] else row["path"],
        )
    console.print(table)


@codesets_app.command("import")
@friendly
def codesets_import(
    path: Annotated[Path, typer.Argument(help="An official release file or its zip.")],
    kind: Annotated[
        str | None, typer.Option("--kind", help="Force the kind (icd10cm, ...).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Import an official code-set file into the user data directory as a dated vintage."""
    result = codesets.import_path(path, kind)
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
    console.print(
        f"{verb}: {result.system} {result.vintage} "
        f"({result.manifest['effective_from']} to {result.manifest['effective_to']}), "
        f"{counts.get('billable', counts.get('codes', '?'))} billable codes -> {result.path}",
        highlight=False,
    )


@codesets_app.command("remove")
@friendly
def codesets_remove(
    system: Annotated[str, typer.Argument(help="The code system, e.g. icd10cm.")],
    vintage: Annotated[str, typer.Argument(help="The vintage name, e.g. FY2027.")],
) -> None:
    """Remove an imported vintage (shipped ones stay)."""
    path = codesets.remove_vintage(system, vintage)
    codesets.icd10cm.reload()
    console.print(f"removed {system} {vintage} ({path})", highlight=False)


@app.command()
@friendly
def demo() -> None:
    """Show what Claimbook does on the shipped defaults."""
    codesets_info(as_json=False)
    samples: list[tuple[str, date | None]] = [
        ("E11.9", None),
        ("e119", None),
        ("E11", None),
        ("S93.402A", None),
        ("S80.01A", None),
        ("E11.99", None),
        ("I10", date(2026, 11, 3)),
    ]
    table = Table(title="Lookups")
    for column in ("typed", "date of service", "status", "answer"):
        table.add_column(column)
    for typed, on in samples:
        result = codesets.lookup(typed, on)
        table.add_row(typed, str(on or "newest"), result.status, result.message)
    console.print(table)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
