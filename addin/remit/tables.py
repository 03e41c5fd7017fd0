"""Result sheets of a reconciliation: Remittance, Reconciliation, Denials, Aging, Dashboard."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from addin.errors import ClaimbookError
from addin.models.remittance import ZERO, Remittance
from addin.models.table import ChartSpec, Column, ResultTable
from addin.remit.notes import GROUP_NOTES, ROUTINE, action_for, note_for
from addin.remit.results import STATUSES, AdjustmentTotal, ClaimResult, Reconciliation
from addin.remit.rows import REMITTANCE_COLUMNS, remittance_rows

AGING_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-30", 0, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("91-120", 91, 120),
    ("120+", 121, None),
)
ChartKind = Literal["column", "bar", "line", "pie"]
STATUS_COLOURS = {
    "paid": "C6EFCE",
    "underpaid": "FFEB9C",
    "overpaid": "FFEB9C",
    "denied": "FFC7CE",
    "reversed": "FFC7CE",
    "unmatched": "FFC7CE",
}
NO_REASON = " (no reason given)"
DENIAL_STATES = ["Open", "Appealed", "Resubmitted", "Written off", "Closed"]
FOLLOW_UP_DAYS = 14


def _adj_text(result: ClaimResult) -> str:
    return "; ".join(f"{a.group}-{a.reason} {a.amount:.2f}" for a in result.adjustments)


def remittance_table(remittances: Sequence[Remittance]) -> ResultTable:
    """One row per service payment (or per claim when a claim has no service lines)."""
    rows = [row for rem in remittances for row in remittance_rows(rem)]
    return ResultTable(
        sheet="Remittance", columns=REMITTANCE_COLUMNS, rows=rows, title="Remittance"
    )


def reconciliation_table(
    rec: Reconciliation, sent: Mapping[str, date] | None = None
) -> ResultTable:
    """One row per claim, and one per unmatched remittance claim; ``sent`` gives the date
    each claim was first sent, by Claim ID."""
    sent = sent or {}
    columns = [
        Column(name="Encounter ID", kind="code"),
        Column(name="Claim ID", kind="code"),
        Column(name="Payer"),
        Column(name="Date of Service", kind="date"),
        Column(name="Date Sent", kind="date"),
        Column(name="Billed", kind="money"),
        Column(name="Allowed", kind="money"),
        Column(name="Paid", kind="money"),
        Column(name="Contractual", kind="money"),
        Column(name="Patient Responsibility", kind="money"),
        Column(name="Other Adjustments", kind="money"),
        Column(name="Expected", kind="money"),
        Column(name="Variance", kind="money"),
        Column(name="Interest", kind="money"),
        Column(name="Status", choices=list(STATUSES), highlight=STATUS_COLOURS),
        Column(name="Payer Claim Number", kind="code"),
        Column(name="Reasons"),
    ]
    rows: list[list[object]] = []
    for c in rec.claims:
        rows.append(
            [c.encounter_id, c.claim_id, c.payer, c.first_service,
             sent.get(c.claim_id.strip().upper()), c.billed, c.allowed, c.paid,
             c.contractual, c.patient_responsibility, c.other_adjustments, c.expected,
             c.variance, c.interest, c.status, " ".join(c.payer_claim_numbers),
             "; ".join([*c.reasons, _adj_text(c)] if c.adjustments else c.reasons)]
        )  # fmt: skip
    for u in rec.unmatched:
        rows.append(
            [u.patient_control_number, "", u.payer, None, None, u.billed, None, u.paid, None, None,
             None, None, None, None, "unmatched", u.payer_claim_number,
             f"no claim in this workbook matches; check {u.trace_number}"]
        )  # fmt: skip
    # model_construct: the rows are built above as lists (validating them copies every one,
    # a claim's row each: 46,216 of them in a big week)
    return ResultTable.model_construct(
        sheet="Reconciliation", columns=columns, rows=rows, title="Reconciliation"
    )


def _label(group: str, reason: str) -> str:
    """``CO-45``; a payer export without reason columns gives none: ``CO (no reason given)``."""
    return f"{group}-{reason}" if reason else f"{group}{NO_REASON}"


def _worked(c: ClaimResult) -> list[AdjustmentTotal]:
    """Adjustments worth working on a claim: not the patient's share, not routine and not
    reasonless. A payer export with no reason columns shows each claim's billed - paid as
    an adjustment with no reason; on a paid claim that is the contractual write-off, not a
    denial (it is worked only when the whole claim is denied or reversed)."""
    return [a for a in c.adjustments if a.reason and a.reason not in ROUTINE and a.group != "PR"]


def _denial_codes(c: ClaimResult) -> list[str]:
    """Reason codes worth working: the non-routine adjustments, then remark codes."""
    codes = [
        _label(a.group, a.reason) for a in c.adjustments if a.reason and a.reason not in ROUTINE
    ]
    if not codes and c.status in ("denied", "reversed"):
        codes = [_label(a.group, a.reason) for a in c.adjustments]
    return codes + [r for r in c.remark_codes if r not in ("MA15",)]


def describe_code(code: str) -> str | None:
    """The description from a CARC/RARC list the user imported with ``codesets import``."""
    from addin.codesets import carc

    try:
        if code[:1] in ("M", "N"):  # remark codes: M.., MA.., N..; reason codes otherwise
            return carc.rarc_describe(code) if carc.rarc_is_loaded() else None
        return carc.describe(code) if carc.is_loaded() else None
    except ClaimbookError:
        # A damaged import must not stop the worklist; our own note is shown instead.
        return None


def denials_table(rec: Reconciliation, descriptions: dict[str, str] | None = None) -> ResultTable:
    """The denial worklist: codes grouped, a plain-language note, next action, follow-up."""
    descriptions = descriptions or {}
    columns = [
        Column(name="Encounter ID", kind="code"),
        Column(name="Payer"),
        Column(name="Date of Service", kind="date"),
        Column(name="Status"),
        Column(name="Billed", kind="money"),
        Column(name="Denied Amount", kind="money"),
        Column(name="Reason Codes", kind="code"),
        Column(name="What It Means", width=60),
        Column(name="Next Action", width=40),
        Column(name="Owner"),
        Column(name="Work Status", choices=DENIAL_STATES),
        Column(name="Follow-up Date", kind="date"),
    ]
    rows: list[list[object]] = []
    for c in rec.claims:
        worked = _worked(c)
        if c.status not in ("denied", "reversed") and not worked:
            continue
        codes = _denial_codes(c)
        meanings: list[str] = []
        actions: list[str] = []
        for code in codes:
            if code.endswith(NO_REASON):
                meanings.append(
                    f"{code}: the payer's export gives no reason; the ERA or the payer's "
                    "portal has it"
                )
                continue
            bare = code.split("-", 1)[-1]
            text = descriptions.get(bare) or describe_code(bare) or note_for(bare)
            if text:
                meanings.append(f"{code}: {text}")
            else:
                group = code.split("-", 1)[0] if "-" in code else ""
                meanings.append(f"{code}: {GROUP_NOTES.get(group, 'see the payer')}")
            action = action_for(bare)
            if action and action not in actions:
                actions.append(action)
        denied = sum((a.amount for a in worked), ZERO) if worked else c.billed - c.paid
        follow = (c.last_payment or date.today()) + timedelta(days=FOLLOW_UP_DAYS)
        rows.append(
            [c.encounter_id, c.payer, c.first_service, c.status, c.billed, denied,
             ", ".join(codes), "; ".join(meanings), "; ".join(actions) or "Call the payer",
             "", "Open", follow]
        )  # fmt: skip
    return ResultTable(sheet="Denials", columns=columns, rows=rows, title="Denial worklist")


def open_balance(c: ClaimResult) -> Decimal:
    """What the practice still expects from payers for a claim."""
    if c.status in ("pending", "denied", "reversed"):
        return c.billed - c.paid
    if c.status == "underpaid" and c.variance is not None:
        return -c.variance
    return ZERO


def aging_table(
    rec: Reconciliation, as_of: date | None = None, sent: Mapping[str, date] | None = None
) -> ResultTable:
    """Open insurance balances by payer in 0-30 ... 120+ day buckets.

    Days count from the date each claim was first sent when ``sent`` gives it (by Claim ID),
    else from the date of service."""
    today = as_of or date.today()
    sent = sent or {}
    sums: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO] * len(AGING_BUCKETS))
    days_total: dict[str, int] = defaultdict(int)
    counts: dict[str, int] = defaultdict(int)
    for c in rec.claims:
        balance = open_balance(c)
        start = sent.get(c.claim_id.strip().upper()) or c.first_service
        if balance <= 0 or start is None:
            continue
        days = max((today - start).days, 0)
        for i, (_, low, high) in enumerate(AGING_BUCKETS):
            if days >= low and (high is None or days <= high):
                sums[c.payer][i] += balance
                break
        days_total[c.payer] += days
        counts[c.payer] += 1
    columns = [
        Column(name="Payer"),
        *(Column(name=label, kind="money") for label, _, _ in AGING_BUCKETS),
        Column(name="Total", kind="money"),
        Column(name="Claims", kind="int"),
        Column(name="Average Days in A/R", kind="number"),
    ]
    rows: list[list[object]] = []
    for payer in sorted(sums):
        values = sums[payer]
        average = Decimal(days_total[payer]) / counts[payer]
        rows.append(
            [payer, *values, sum(values, ZERO), counts[payer], average.quantize(Decimal("0.1"))]
        )
    since = "the date sent" if sent else "the date of service"
    return ResultTable(
        sheet="Aging", columns=columns, rows=rows, title=f"Aging as of {today} (from {since})"
    )


def dashboard_table(
    rec: Reconciliation, as_of: date | None = None, sent: Mapping[str, date] | None = None
) -> ResultTable:
    """Three chart blocks: aging by payer, denials by reason, paid vs expected by month.

    Each block is a run of rows named in the Chart column, with its own chart beside it
    (drawn by the sheets layer; renders in Excel and LibreOffice).
    """
    buckets = [label for label, _, _ in AGING_BUCKETS]
    columns = [
        Column(name="Chart"),
        Column(name="Label"),
        Column(name="Amount", kind="money"),
        Column(name="Expected", kind="money"),
        *(Column(name=label, kind="money") for label in buckets),
        Column(name="Count", kind="int"),
    ]
    blank: list[object] = [None] * len(buckets)
    rows: list[list[object]] = []
    charts: list[ChartSpec] = []

    def block(title: str, kind: ChartKind, values: list[str], added: list[list[object]]) -> None:
        if added:
            charts.append(
                ChartSpec(
                    title=title, kind=kind, category="Label", values=values,
                    first_row=len(rows), last_row=len(rows) + len(added),
                )
            )  # fmt: skip
            rows.extend(added)

    aging = aging_table(rec, as_of, sent)
    block(
        f"Open balance by payer and age (days from {'sending' if sent else 'service'})",
        "column", buckets,
        [["Aging by payer", r[0], r[len(buckets) + 1], None, *r[1 : len(buckets) + 1], r[-2]]
         for r in aging.rows],
    )  # fmt: skip
    by_reason: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, Decimal(0)])
    for c in rec.claims:
        denied = c.status in ("denied", "reversed")
        for a in c.adjustments:
            if a.reason in ROUTINE or a.group == "PR" or not (a.reason or denied):
                continue
            by_reason[_label(a.group, a.reason)][0] += a.amount
            by_reason[_label(a.group, a.reason)][1] += 1
    block(
        "Denied amount by reason", "bar", ["Amount"],
        [["Denials by reason", label, amount, None, *blank, int(count)]
         for label, (amount, count) in sorted(by_reason.items(), key=lambda kv: -kv[1][0])],
    )  # fmt: skip
    months: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for c in rec.claims:
        if c.last_payment is None:
            continue
        key = c.last_payment.strftime("%Y-%m")
        months[key][0] += c.paid
        months[key][1] += c.expected if c.expected is not None else c.allowed
    block(
        "Paid vs expected by month", "column", ["Amount", "Expected"],
        [["Paid vs expected by month", m, months[m][0], months[m][1], *blank, None]
         for m in sorted(months)],
    )  # fmt: skip
    return ResultTable(
        sheet="Dashboard", columns=columns, rows=rows, title="Dashboard", charts=charts
    )


def result_tables(
    rec: Reconciliation,
    as_of: date | None = None,
    descriptions: dict[str, str] | None = None,
    sent: Mapping[str, date] | None = None,
    worklist: ResultTable | None = None,
) -> list[ResultTable]:
    """The five result sheets of a reconciliation, in workbook order; ``worklist`` replaces
    the Denials sheet built from ``rec`` alone (the cycle's worklist has more in it)."""
    return [
        ResultTable.model_construct(  # the rows are remittance_rows' lists: not copied
            sheet="Remittance",
            columns=REMITTANCE_COLUMNS,
            rows=rec.remittance_rows,
            title="Remittance",
        ),
        reconciliation_table(rec, sent),
        worklist if worklist is not None else denials_table(rec, descriptions),
        aging_table(rec, as_of, sent),
        dashboard_table(rec, as_of, sent),
    ]
