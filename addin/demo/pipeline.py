"""One clinic through every stage: check, suggest, build, 837P, remittances, reconcile, sheets.

The demo and ``claimbook batch`` both call :func:`run_clinic`; it only strings the other
stages' library calls together and counts what they return.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from addin.checkbook import column_letters
from addin.claims import ClaimsRun, run_claims
from addin.coding import check as checking
from addin.coding.suggest import suggest
from addin.excel.operations import suggest_missing_codes
from addin.models import Book, CellMark, Finding, ResultTable
from addin.remit import Reconciliation, result_tables
from addin.remit.load import collector_paused, reconcile_files
from addin.remit.tables import AGING_BUCKETS, aging_table
from addin.sheets import read_book, write_tables

ZERO = Decimal("0.00")
STEPS: tuple[str, ...] = (
    "read the workbook",
    "check encounters",
    "suggest missing codes",
    "build claims and the 837P",
    "import remittances",
    "reconcile",
    "write result sheets",
)
Progress = Callable[[str], None]
SUGGESTED = "DX-SUGGESTED"


@dataclass
class Suggested:
    """A diagnosis filled in from the Diagnosis Text for a claim (the cell stays empty)."""

    encounter_id: str
    row: int | None
    text: str
    codes: list[str]


@dataclass
class ClinicRun:
    """What one clinic's run did, with the numbers the summary prints."""

    workbook: Path
    output: Path | None
    book: Book
    first_findings: list[Finding]
    claims: ClaimsRun
    suggested: list[Suggested]
    remittance_files: list[Path]
    reconciliation: Reconciliation
    as_of: date
    tables: list[ResultTable] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return self.claims.findings

    def summary(self) -> dict[str, Any]:
        """Claims built/held, findings by severity, paid, denied, underpaid, A/R by bucket."""
        rec = self.reconciliation
        totals = rec.totals()
        by_status: dict[str, dict[str, Any]] = {}
        for status in ("paid", "corrected", "underpaid", "denied", "reversed", "pending",
                       "overpaid", "forwarded"):  # fmt: skip
            claims = [c for c in rec.claims if c.status == status]
            by_status[status] = {
                "claims": len(claims),
                "billed": f"{sum((c.billed for c in claims), ZERO):.2f}",
                "paid": f"{sum((c.paid for c in claims), ZERO):.2f}",
            }
        under = [c for c in rec.claims if c.status == "underpaid" and c.variance is not None]
        by_status["underpaid"]["short"] = f"{-sum((c.variance or ZERO for c in under), ZERO):.2f}"
        aging = aging_table(rec, self.as_of)
        buckets = {
            label: f"{sum((row[i + 1] for row in aging.rows), ZERO):.2f}"
            for i, (label, _, _) in enumerate(AGING_BUCKETS)
        }
        buckets["total"] = f"{sum((row[len(AGING_BUCKETS) + 1] for row in aging.rows), ZERO):.2f}"
        severities = Counter(f.severity for f in self.findings)
        first = Counter(f.severity for f in self.first_findings)
        plb = sum((p.amount for p in rec.provider_adjustments), ZERO)
        return {
            "workbook": str(self.workbook),
            "output": str(self.output) if self.output else None,
            "x12": str(self.claims.x12_path) if self.claims.x12_path else None,
            "encounters": len(self.book.encounters),
            "claims_built": len(self.claims.result.claims),
            "claims_held": len(self.claims.result.held),
            "findings": {s: severities.get(s, 0) for s in ("error", "warning", "info")},
            "findings_before_suggestion": {
                s: first.get(s, 0) for s in ("error", "warning", "info")
            },
            "suggested": len(self.suggested),
            "remittance_files": len(self.remittance_files),
            "payments": len(rec.transactions),
            "deposits": totals["payments"],
            "claims_paid": totals["claims_paid"],
            "provider_adjustments": f"{plb:.2f}",
            "unmatched": len(rec.unmatched),
            "difference": totals["difference"],
            "statuses": by_status,
            "aging": buckets,
            "as_of": self.as_of.isoformat(),
        }


def fill_from_text(book: Book, on: date | None = None) -> list[Suggested]:
    """Fill the diagnoses of encounters that have none but a Diagnosis Text.

    Each phrase of the text (separated by ';') gets the top suggestion for the date of
    service. The workbook's cells are not changed: the claim is built with the codes and a
    Findings row tells the biller which code to type in.
    """
    filled: list[Suggested] = []
    for enc in book.encounters:
        if enc.diagnoses or not enc.diagnosis_text.strip():
            continue
        codes: list[str] = []
        for phrase in enc.diagnosis_text.split(";"):
            if not phrase.strip():
                continue
            found = suggest(phrase.strip(), top=1, on=enc.date_of_service or on)
            if found and found[0].code not in codes:
                codes.append(found[0].code)
        if not codes:
            continue
        enc.diagnoses = codes[:12]
        filled.append(
            Suggested(enc.encounter_id, enc.rows[0] if enc.rows else None,
                      enc.diagnosis_text, codes)
        )  # fmt: skip
    return filled


def suggestion_findings(book: Book, filled: Sequence[Suggested]) -> list[Finding]:
    """Info rows for the Findings sheet: the code each empty Dx cell should hold."""
    sheet = next((s for s, h in book.headers.items() if "Encounter ID" in h), "Encounters")
    out: list[Finding] = []
    for s in filled:
        for n, code in enumerate(s.codes, start=1):
            column = book.header(sheet, f"Dx {n}")
            out.append(
                Finding(
                    rule=SUGGESTED,
                    severity="info",
                    message=f"{sheet} row {s.row} ({column}): empty; the Diagnosis Text "
                    f"{s.text!r} suggests {code}, used for the claim",
                    sheet=sheet,
                    row=s.row,
                    column=column,
                    value=code,
                    fix=f"check the note and type {code} into {column}",
                    encounter_id=s.encounter_id,
                )
            )
    return out


def run_clinic(
    workbook: Path,
    remittances: Sequence[Path],
    *,
    out: Path | None = None,
    x12_dir: Path | None = None,
    today: date | None = None,
    as_of: date | None = None,
    write: bool = True,
    progress: Progress | None = None,
) -> ClinicRun:
    """Run every stage over one clinic workbook and its remittance files.

    Writes Findings, Claims, Remittance, Reconciliation, Denials, Aging and Dashboard (and
    Suggestions when diagnoses were suggested) into
    ``out`` (default BOOK.claimbook.xlsx beside the workbook) unless ``write`` is False; the
    input workbook is never changed.
    """
    step = progress or (lambda _: None)
    as_of = as_of or today or date.today()
    step(STEPS[0])
    book = read_book(workbook)
    step(STEPS[1])
    first = checking.check(book, today=today)
    step(STEPS[2])
    filled = fill_from_text(book, as_of)
    step(STEPS[3])
    claims = run_claims(book, x12_dir=x12_dir or (out.parent if out else None), today=today)
    claims.findings = sorted(
        [*claims.findings, *suggestion_findings(book, filled)],
        key=lambda f: (checking.SEVERITY_ORDER.get(f.severity, 9), f.sheet or "", f.row or 0),
    )
    step(STEPS[4])
    step(STEPS[5])
    # Reading and reconciling are one pass: 835s by the lean reader, portal exports by
    # their headers (the same call as the Reconcile button and `claimbook reconcile`).
    with collector_paused():
        rec = reconcile_files(claims.result.claims, list(remittances), book.contracts)
    step(STEPS[6])
    suffix = workbook.suffix.lower()
    letters = column_letters(workbook, book) if suffix != ".csv" else {}
    tables = [
        checking.findings_table(claims.findings, letters),
        claims.table,
        *result_tables(rec, as_of),
    ]
    if filled:  # the Suggest codes button's sheet: the alternatives for each phrase
        tables.extend(suggest_missing_codes(workbook).tables)
    run = ClinicRun(workbook, None, book, first, claims, filled, list(remittances), rec, as_of,
                    tables)  # fmt: skip
    if write:
        marks = [
            CellMark(sheet=m.sheet, row=m.row, column=m.column, severity=m.severity)
            for m in checking.cell_marks(claims.findings)
            if m.sheet in letters
        ]
        run.output = write_tables(workbook, tables, out=out, marks=marks)
    return run
