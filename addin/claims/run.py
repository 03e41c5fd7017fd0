"""The claims run over a Book: scrub, build, write the 837P, and the Claims sheet's table."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from addin.claims.build import BuildResult, build_claims
from addin.claims.table import claims_table
from addin.models import Book, Finding, ResultTable
from addin.x12.envelope import ControlNumberStore
from addin.x12.x837p.checks import check_837p
from addin.x12.x837p.writer import (
    WriteResult,
    build_837p,
    require_settings,
    save_837p,
    transactions_needed,
)


@dataclass
class ClaimsRun:
    """Everything one claims run produced."""

    result: BuildResult
    table: ResultTable
    write: WriteResult | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def x12_path(self) -> Path | None:
        return self.write.path if self.write else None

    def to_json(self) -> dict[str, Any]:
        """``{"claims": [...], "x12": PATH, "findings": [...]}`` for the command line."""
        claims: list[dict[str, Any]] = []
        for claim in self.result.claims:
            claims.append(
                {
                    "encounter_id": claim.encounter_id,
                    "claim_id": claim.claim_id,
                    "payer": claim.payer,
                    "frequency": claim.frequency,
                    "total": f"{claim.total_charge:.2f}",
                    "diagnoses": list(claim.diagnoses),
                    "lines": [
                        {
                            "line": line.line_number,
                            "procedure_code": line.procedure_code,
                            "modifiers": list(line.modifiers),
                            "units": str(line.units),
                            "charge": f"{line.charge:.2f}",
                            "dx_pointers": list(line.dx_pointers),
                            "date_of_service": line.date_of_service.isoformat(),
                        }
                        for line in claim.lines
                    ],
                    "status": "Built",
                    "reasons": [],
                }
            )
        for held in self.result.held:
            enc = held.encounter
            claims.append(
                {
                    "encounter_id": held.encounter_id,
                    "claim_id": None,
                    "payer": enc.payer if enc else "",
                    "frequency": enc.claim_frequency if enc else "",
                    "total": f"{enc.total_charge:.2f}" if enc else None,
                    "diagnoses": list(enc.diagnoses) if enc else [],
                    "lines": [],
                    "status": "Held",
                    "reasons": list(held.reasons),
                }
            )
        return {
            "claims": claims,
            "x12": str(self.x12_path) if self.x12_path else None,
            "control_number": self.write.numbers.interchange if self.write else None,
            "findings": [f.model_dump(mode="json") for f in self.findings],
        }


def default_x12_path(book: Book, folder: Path | None, interchange: int) -> Path:
    """``<folder or the workbook's folder>/<workbook name>-<ISA13>.837``."""
    stem = book.path.stem if book.path else "claims"
    base = folder or (book.path.parent if book.path else Path.cwd())
    return base / f"{stem}-{interchange:09d}.837"


def run_claims(
    book: Book,
    *,
    x12_dir: Path | None = None,
    x12_path: Path | None = None,
    scrub: bool = True,
    today: date | None = None,
    created: datetime | None = None,
    store: ControlNumberStore | None = None,
) -> ClaimsRun:
    """Scrub ``book`` (unless told not to), build claims, and write one 837P for them.

    Encounters with an ``error`` finding are held. No file is written when nothing was built.
    The 837P goes to ``x12_path``, else ``<x12_dir or the workbook's folder>/<name>-<ISA13>.837``.
    The interchange goes through our semantic checks first; when one fails (a 5-digit
    billing ZIP, a bad NPI check digit...) no file is written and the findings say why.
    """
    if scrub:
        from addin.coding.check import check

        findings = check(book, today=today)
    else:
        findings = list(book.findings)
    result = build_claims(book.encounters, book.settings, book.payers, book.fees, findings)
    run = ClaimsRun(result, claims_table(result), None, [*findings, *result.findings])
    if not result.claims:
        return run
    require_settings(book.settings)
    store = store or ControlNumberStore()
    numbers = store.reserve(
        book.settings["Submitter ID"].strip(), transactions_needed(len(result.claims))
    )
    path = x12_path or default_x12_path(book, x12_dir, numbers.interchange)
    when = created or datetime.now().replace(microsecond=0)
    interchange, written = build_837p(result.claims, book.settings, created=when, numbers=numbers)
    run.findings.extend(written)
    problems = check_837p(interchange)
    run.findings.extend(problems)
    if any(f.blocking for f in problems):
        # a file the clearinghouse would reject is worse than none: the findings say why
        return run
    run.write = save_837p(interchange, path, written)
    return run
