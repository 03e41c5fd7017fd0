"""Terminal renderings of a clinic run's summary (for ``claimbook demo`` and ``batch``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from addin.models import Finding


def clinic_tables(summary: dict[str, Any]) -> RenderableType:
    """Claims, findings, outcomes and A/R of one clinic as rich tables."""
    work = Table(title="Claims and findings", show_header=False)
    work.add_column("what")
    work.add_column("count", justify="right")
    f = summary["findings"]
    for label, value in (
        ("encounters", summary["encounters"]),
        ("claims sent (Claim Register)", summary["claims_sent"]),
        ("submissions (with resends and replacements)", summary["submissions"]),
        ("replacement claims (frequency 7)", summary["replacements"]),
        ("encounters held (an error to fix)", summary["claims_held"]),
        ("findings: errors", f["error"]),
        ("findings: warnings", f["warning"]),
        ("findings: info", f["info"]),
        (
            "payments posted / duplicates not posted",
            f"{summary['postings']} / {summary['duplicates']}",
        ),
    ):
        work.add_row(label, str(value))
    outcomes = Table(title="Remittances reconciled")
    for column in ("status", "claims", "billed", "paid"):
        outcomes.add_column(column, justify="left" if column == "status" else "right")
    for status, row in summary["statuses"].items():
        if row["claims"]:
            label = status
            if status == "underpaid":
                label = f"underpaid (short {row['short']})"
            outcomes.add_row(label, str(row["claims"]), row["billed"], row["paid"])
    aging = Table(title=f"A/R by age as of {summary['as_of']}")
    for label in summary["aging"]:
        aging.add_column(label, justify="right")
    aging.add_row(*summary["aging"].values())
    money = Table(title="Deposits", show_header=False)
    money.add_column("what")
    money.add_column("amount", justify="right")
    for label, key in (
        ("claim payments (CLP04)", "claims_paid"),
        ("provider adjustments (PLB)", "provider_adjustments"),
        ("deposits (BPR02)", "deposits"),
        ("unaccounted", "difference"),
    ):
        money.add_row(label, str(summary[key]))
    files = summary.get("remittance_files", 0)
    money.add_row("payments / files", f"{summary.get('payments', 0)} / {files}")
    bank = summary.get("bank")
    if bank:
        money.add_row("ERAs in the bank", str(bank.get("matched", "0.00")))
        money.add_row("ERAs not in the bank yet", str(bank.get("not_in_bank", "0.00")))
        money.add_row("deposits with no ERA", str(bank.get("no_era", "0.00")))
    parts: list[RenderableType] = [work, outcomes, aging, money]
    if summary.get("secondary"):
        second = Table(title="Claims for second plans", show_header=False)
        second.add_column("status")
        second.add_column("claims", justify="right")
        for status, count in summary["secondary"].items():
            second.add_row(status, str(count))
        parts.append(second)
    return Group(*parts)


def rule_table(findings: Sequence[Finding]) -> Table:
    """Findings grouped by rule: severity, how many, and the first message as an example."""
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.rule, []).append(finding)
    table = Table(title="Findings by rule")
    for column in ("rule", "severity", "count", "example"):
        table.add_column(column, justify="right" if column == "count" else "left")
    order = {"error": 0, "warning": 1, "info": 2}
    for rule, items in sorted(groups.items(), key=lambda kv: (order[kv[1][0].severity], kv[0])):
        table.add_row(rule, items[0].severity, str(len(items)), items[0].message)
    return table


def codeset_line(rows: Sequence[dict[str, Any]], kinds: Sequence[str]) -> str:
    """One line on the loaded code sets and the kinds that were not imported."""
    loaded = [
        f"{r['system']} {r['vintage']} ({r['effective_from']} to {r['effective_to']}, "
        f"{r['counts'].get('billable', sum(r['counts'].values()))} billable)"
        for r in rows
    ]
    systems = {r["system"] for r in rows}
    missing = [k for k in kinds if k not in systems and not (k == "pfs" and "gpci" in systems)]
    text = "code sets: " + ("; ".join(loaded) or "none")
    if missing:
        text += f"; not imported: {', '.join(missing)} (procedure codes checked by format)"
    return text


def batch_table(rows: Sequence[dict[str, Any]]) -> Table:
    """One row per clinic: claims sent and held, paid, denied, A/R, anything unreconciled.

    Errors, underpayments and the A/R buckets are in the summary workbook and the JSON.
    """
    table = Table(title="Clinics")
    table.add_column("clinic", min_width=16, overflow="fold")
    for column in ("claims", "held", "paid", "denied", "A/R", "off by"):
        table.add_column(column, justify="right", no_wrap=True)
    for row in rows:
        s = row["summary"]
        table.add_row(
            row["clinic"],
            str(s["claims_sent"]),
            str(s["claims_held"]),
            s.get("claims_paid", "0.00"),
            str(s["statuses"]["denied"]["claims"]) if "statuses" in s else "0",
            s["aging"]["total"] if "aging" in s else "0.00",
            s.get("difference", "0.00"),
        )
    return table


@contextmanager
def progress_bar(
    console: Console, total: int, enabled: bool = True
) -> Iterator[Callable[[str], None]]:
    """A progress bar advanced by calling the yielded function with each step's name."""
    with Progress(
        TextColumn("{task.description:<28}", markup=False),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        disable=not enabled,
    ) as bar:
        task = bar.add_task("starting", total=total)
        done = [-1]

        def step(name: str) -> None:
            done[0] += 1
            bar.update(task, description=name, completed=done[0])

        yield step
        bar.update(task, description="done", completed=total)
