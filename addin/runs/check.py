"""The check step: every rule over every encounter, the Findings sheet and the cell fills.

Claims the clearinghouse rejected and nobody has fixed yet are findings too (rule
``ACK-REJECTED``, on the cells to fix), so the biller's worklist is one sheet.
"""

from __future__ import annotations

from addin.coding import check as checking
from addin.models import CellMark, Finding
from addin.runs.carry import Carry, carry_over
from addin.runs.session import Session

FINDINGS_CARRY = Carry(key=("Cell", "Rule", "Message"), orphan=("Severity", "resolved"))


def findings_of(session: Session) -> list[Finding]:
    """The check's findings for the session's book, worked out once per run."""
    if session.findings is None:
        session.findings = checking.check(session.book, today=session.today)
    return session.findings


def check_step(session: Session, extra: list[Finding] | None = None) -> list[Finding]:
    """Findings (with ``extra`` ones, such as open rejections) onto the Findings sheet and
    as fills on the Encounters cells; returns them."""
    findings = [*findings_of(session), *(extra or [])]
    findings.sort(
        key=lambda f: (
            checking.SEVERITY_ORDER.get(f.severity, 9),
            f.sheet or "",
            f.row if f.row is not None else 1 << 30,
        )
    )
    letters = {} if session.home.suffix.lower() == ".csv" else session.book.letters
    table = checking.findings_table(findings, letters)
    session.put(carry_over(table, session.book.own.get("Findings"), FINDINGS_CARRY))
    encounters = session.encounters_sheet()
    # built from the check's own marks (rows of the sheet, a known severity): not validated
    # again, and every mark shares one set of the fields given (a set each otherwise: 16,724
    # marks held to the save of a big week)
    given = {"sheet", "row", "column", "severity"}
    session.marks = [
        CellMark.model_construct(
            given, sheet=m.sheet, row=m.row, column=m.column, severity=m.severity
        )  # fmt: skip
        for m in checking.cell_marks(findings)
        if m.sheet == encounters and m.sheet in letters
    ] + (session.marks or [])
    counts = checking.summary(session.book, findings)
    session.summary.append(
        f"{counts['rows']} lines: {counts['errors']} errors, {counts['warnings']} warnings, "
        f"{counts['info']} info (see the Findings sheet)"
    )
    # the findings' JSON is made when asked for (Outcome.to_json), from the run's findings:
    # 16,724 dicts held to the save of a big week otherwise
    session.data["check"] = {"summary": counts}
    return findings
