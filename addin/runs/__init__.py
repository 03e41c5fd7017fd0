"""Runs over a workbook: every face (command, button, demo, batch) calls ``run`` and only it.

``run(workbook, inputs, today, steps=...)`` reads the workbook once, does the steps asked
for in the billing cycle's order, and writes the workbook once:

    acknowledge  999s and 277CAs read, kept and registered; rejected claims found
    suggest      the one fill rule: empty Dx cells filled from the Diagnosis Text
    claims       what was never billed goes into one 837P, appended to the Claim Register;
                 changed, rejected, corrected and voided claims handled (see runs.claims)
    reconcile    835s and payer exports posted once; everything posted reconciled against
                 the Claim Register; Remittance, Reconciliation, Denials, Aging, Dashboard;
                 every sent claim's status refreshed
    secondary    claims for each patient's next plan (Coverage sheet) once the earlier
                 payer's ERA is posted, with its adjudication (COB); see runs.secondary
    deposits     bank exports kept and read; each ERA's payment matched to a deposit, each
                 deposit to an ERA (the Deposits sheet); see runs.deposits
    statements   each patient's balance after insurance less the Patient Payments sheet;
                 the Statements sheet and printable statements (not part of the cycle:
                 each run on a new day counts a statement sent); see runs.statements
    check        every rule over every encounter: the Findings sheet and cell fills

The workbook is the practice's ledger: by default a run writes into it (a backup first,
then an atomic replace; nothing at all when nothing changed), holding a lock beside it so
two runs never interleave, and refusing while Excel or LibreOffice has it open. ``out``
writes a copy instead (never for ``claims``: what was sent must be recorded where the next
run looks).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from addin.coding.check import findings_json
from addin.coding.suggest import forget_loaded_since as forget_indexes_since
from addin.coding.suggest import keep_loaded as keep_indexes
from addin.coding.suggest import loaded as suggestion_indexes
from addin.collector import collector_paused, give_back_memory
from addin.errors import OutputError, WorkbookBusy
from addin.models import Book, CellMark, Finding, RegisterEdit, ResultTable
from addin.remit import Reconciliation
from addin.runs.acks import AckReport, acks_step, rejection_findings
from addin.runs.carry import Carry, carry_over
from addin.runs.check import check_step
from addin.runs.claims import ClaimsReport, claims_step, claims_table_for
from addin.runs.deposits import deposits_step
from addin.runs.fill import FillPlan, apply_fill, filled_findings, plan_fill
from addin.runs.progress import advance
from addin.runs.reconcile import carry_late, post, reconcile_step
from addin.runs.secondary import SecondaryReport, secondary_step
from addin.runs.session import REGISTERS, Session, open_session
from addin.runs.statements import add_patient_ar, statements_step
from addin.sheets import CellValue, default_output, write_book
from addin.sheets.guard import check_writable
from addin.sheets.lock import open_elsewhere, workbook_lock
from addin.x12.envelope import ControlNumberStore

# In this order: claims sent in a run are reconciled (pending) and aged in the same run, so
# running it again changes nothing.
STEPS = (
    "acknowledge", "suggest", "claims", "reconcile", "secondary", "deposits", "statements",
    "check",
)  # fmt: skip
# the sheets each step writes (checked before a step does anything: a user's sheet with one
# of these names stops the run before an 837P is written or a file kept)
STEP_SHEETS: dict[str, tuple[str, ...]] = {
    "acknowledge": ("Acknowledgments", "Claim Register"),
    "reconcile": ("Remittance Register", "Claim Register", "Remittance", "Reconciliation",
                  "Denials", "Aging", "Dashboard"),
    "suggest": ("Suggestions",),
    "claims": ("Claims", "Claim Register"),
    "secondary": ("Secondary Claims", "Claim Register"),
    "deposits": ("Deposits",),
    "statements": ("Statements", "Remittance Register", "Claim Register", "Remittance",
                   "Reconciliation", "Denials", "Aging", "Dashboard"),
    "check": ("Findings",),
}  # fmt: skip


def sheets_written(steps: Collection[str]) -> list[str]:
    """Every sheet the steps write, once each."""
    return list(dict.fromkeys(name for step in _order(steps) for name in STEP_SHEETS[step]))


# statements go out when the office sends them, not every week
CYCLE = tuple(s for s in STEPS if s != "statements")
SUGGESTIONS_CARRY = Carry(key=("Encounter ID", "Phrase", "Rank"))
CLAIMS_CARRY = Carry(key=("Claim ID", "Encounter ID", "Line"))


@dataclass
class Inputs:
    """What a run is given besides the workbook."""

    remittances: Sequence[Path] = ()
    acknowledgments: Sequence[Path] = ()
    mapping: Mapping[str, str] | None = None
    descriptions: dict[str, str] | None = None
    locality: str | None = None
    as_of: date | None = None
    x12_dir: Path | None = None
    x12_path: Path | None = None
    scrub: bool = True
    replace: Collection[str] = ()
    void: Collection[str] = ()
    resend: Collection[str] = ()
    top: int = 3
    created: datetime | None = None
    store: ControlNumberStore | None = None
    bank: Sequence[Path] = ()
    bank_mapping: Mapping[str, str] | None = None
    pdf_dir: Path | None = None


@dataclass
class Outcome:
    """Everything one run did: the sheets, register rows, cells and files, and a summary."""

    workbook: Path
    steps: tuple[str, ...]
    tables: list[ResultTable]
    registers: list[RegisterEdit]
    marks: list[CellMark] | None
    values: list[CellValue]
    letters: dict[str, dict[str, str]]
    summary: list[str]
    files: list[Path] = field(default_factory=list)
    written: Path | None = None
    changed: bool = False
    backup: Path | None = None
    skipped: list[tuple[CellValue, str]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    claims: ClaimsReport | None = None
    reconciliation: Reconciliation | None = None
    acknowledgments: AckReport | None = None
    suggestions: FillPlan | None = None
    secondary: SecondaryReport | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return "; ".join(self.summary)

    def brief(self, lines: int = 20, width: int = 300) -> str:
        """:attr:`message` for a message box, which grows with its text until its OK button
        is off the screen: the first ``lines`` lines, each cut at ``width`` characters, and
        how many more (the result sheets and --json have them all)."""
        shown = [t if len(t) <= width else t[: width - 1] + "…" for t in self.summary[:lines]]
        if len(self.summary) > lines:
            shown.append(f"... and {len(self.summary) - lines} more (see the result sheets)")
        return "; ".join(shown)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"steps": list(self.steps), "summary": self.summary}
        if "check" in self.data:
            check = self.data["check"]
            if "findings" not in check:  # the check step's: made from the findings now
                check = {"findings": findings_json(self.findings), **check}
            out["check"] = check
        if self.claims is not None:
            out["claims"] = self.claims.to_json()
        if self.acknowledgments is not None:
            out["acknowledgments"] = self.acknowledgments.to_json()
        if self.reconciliation is not None:
            out["reconciliation"] = self.reconciliation.to_json()
            out["postings"] = self.data.get("postings", {})
        if self.secondary is not None:
            out["secondary"] = self.secondary.to_json()
        if "deposits" in self.data:
            out["deposits"] = self.data["deposits"]
        if "statements" in self.data:
            out["statements"] = self.data["statements"]
        if self.suggestions is not None:
            table = self.suggestions.table()
            names = [c.name for c in table.columns]
            skipped = {(v.sheet, v.row, str(v.column)) for v, _ in self.skipped}
            out["suggestions"] = {
                "suggestions": [dict(zip(names, r, strict=False)) for r in table.rows],
                "filled": [
                    {"sheet": v.sheet, "row": v.row, "column": v.column, "code": v.text}
                    for v in self.suggestions.values
                    if (v.sheet, v.row, str(v.column)) not in skipped
                ],
                "not_written": [why for _, why in self.skipped],
            }
        out["files"] = [str(p) for p in self.files]
        out["written"] = str(self.written) if self.written else None
        out["changed"] = self.changed
        out["backup"] = str(self.backup) if self.backup else None
        return out


def _order(steps: Collection[str]) -> tuple[str, ...]:
    unknown = sorted(set(steps) - set(STEPS))
    if unknown:
        raise ValueError(f"unknown run step(s) {unknown}; use {', '.join(STEPS)}")
    return tuple(s for s in STEPS if s in steps)


def run(
    workbook: Path | str,
    inputs: Inputs | None = None,
    today: date | None = None,
    *,
    steps: Collection[str] = CYCLE,
    out: Path | str | None = None,
    write: bool = True,
    source: Path | None = None,
    owned: Collection[str] | None = None,
    vet: Callable[[Book], None] | None = None,
) -> Outcome:
    """Run ``steps`` over ``workbook`` with ``inputs`` as of ``today``; returns the Outcome.

    ``write`` False changes no file but the kept inputs and the 837P (the Excel buttons
    write the Outcome into the open workbook themselves); ``source`` is what to read when it
    is not ``workbook`` itself (a snapshot of the workbook open in Excel), and ``owned``
    names the sheets of it that are Claimbook's (a snapshot has no Excel Tables to tell).
    ``vet`` is shown the workbook as read before anything else is done with it (a batch asks
    whether the file is a clinic at all) and raises to stop the run with nothing written.
    """
    workbook = Path(workbook)
    inputs = inputs or Inputs()
    today = today or date.today()
    order = _order(steps)
    target = Path(out) if out is not None else None
    csv = workbook.suffix.lower() == ".csv"
    if target is not None and "claims" in order:
        raise OutputError(
            f"{target}: claims are recorded in the workbook's Claim Register, so the next run "
            "knows what was sent; build claims into the workbook itself (leave out --out; a "
            "backup is made)"
        )
    in_place = write and target is None and not csv and source is None
    if in_place:
        busy = open_elsewhere(workbook)
        if busy:
            raise WorkbookBusy(busy)
    if csv and write:
        ledger = Path(target) if target is not None else default_output(workbook)
        if ledger.exists():
            raise OutputError(
                f"{ledger}: already holds this clinic's results; run Claimbook on it (paste "
                f"new visits into its Encounters sheet) rather than on {workbook.name}"
            )
    guard = workbook_lock(workbook, what=" + ".join(order)) if write and not csv else nullcontext()
    with guard:
        if write and not csv and vet is None:
            check_writable(workbook, sheets_written(order))
        # A run makes a few million objects that live until it ends and form no cycles
        # (reference counting frees them): the cyclic collector's passes over that growing
        # heap cost seconds on a big book and free nothing, so it waits for the run's end.
        with collector_paused():
            advance("read", 0, len(order) + 2)
            session = open_session(source or workbook, workbook if source else None, today,
                                   owned)  # fmt: skip
            if vet is not None:
                vet(session.book)
                if write and not csv:
                    check_writable(workbook, sheets_written(order))
            try:
                outcome = _finish(session, order, inputs, workbook, target, in_place, write)
            except BaseException:
                # the 837P and kept inputs this run wrote are recorded nowhere if the workbook
                # is not saved: left behind, they would be sent (or posted) without a record
                for path in session.files:
                    path.unlink(missing_ok=True)
                raise
    return outcome


def _finish(
    session: Session,
    order: tuple[str, ...],
    inputs: Inputs,
    workbook: Path,
    target: Path | None,
    in_place: bool,
    write: bool,
) -> Outcome:
    """The steps, then the one save of the workbook."""
    # on a big book, the memory each step frees is handed back as the next one begins
    big = len(session.book.encounters) >= BIG_BOOK
    outcome = _steps(session, order, inputs, big)
    # the workbook as read is done with: what it frees (on a big book, most of its 100,000
    # lines) is room the write takes instead of raising the peak
    session.book = Book()
    if write:
        advance("write", len(order) + 1, len(order) + 2)
        if big:
            give_back_memory()
        done = write_book(
            workbook, outcome.tables, out=target, in_place=in_place, marks=outcome.marks,
            values=outcome.values, registers=outcome.registers,
            expect=session.state if in_place else None,
        )  # fmt: skip
        outcome.written, outcome.changed, outcome.backup = done.path, done.changed, done.backup
        outcome.skipped = done.values.skipped
        if outcome.skipped:
            outcome.summary.append(
                f"{len(outcome.skipped)} cell(s) not written: "
                + "; ".join(why for _, why in outcome.skipped)
            )
        if not done.changed:
            outcome.summary.append("nothing new: the workbook was left as it was")
    return outcome


#: Encounters from which a run hands freed memory back between its steps: below, there is
#: little to give and the calls (0.2 ms each on a warm process) add up over a batch of
#: small clinics
BIG_BOOK = 2_000


def _steps(session: Session, order: tuple[str, ...], inputs: Inputs, big: bool) -> Outcome:
    acks = rec = None
    plan: FillPlan | None = None
    report: ClaimsReport | None = None
    extra: list[Finding] = []
    counter = iter(range(1, len(order) + 1))

    def begin(step: str) -> None:  # steps are reported in the order they run
        advance(step, next(counter), len(order) + 2)
        if big:
            give_back_memory()  # what the step before let go (the read: most of the book)

    if "acknowledge" in order:
        begin("acknowledge")
        acks = acks_step(session, list(inputs.acknowledgments))
    if "suggest" in order:
        begin("suggest")
        indexes = suggestion_indexes()
        plan = plan_fill(session.book, inputs.top, session.book.own.get("Suggestions"))
        forget_indexes_since(indexes)  # the rest of the run needs no suggestion index
        apply_fill(session.book, plan)
        session.values.extend(plan.values)
        session.put(carry_over(plan.table(), session.book.own.get("Suggestions"),
                               SUGGESTIONS_CARRY))  # fmt: skip
        session.marks = [*(session.marks or []), *plan.marks()]
        session.summary.append(plan.summary)
        extra.extend(filled_findings(plan))
    if "claims" in order:
        begin("claims")
        report = claims_step(
            session, x12_dir=inputs.x12_dir, x12_path=inputs.x12_path, scrub=inputs.scrub,
            replace=inputs.replace, void=inputs.void, resend=inputs.resend,
            created=inputs.created, store=inputs.store,
        )  # fmt: skip
        session.put(carry_over(claims_table_for(report), session.book.own.get("Claims"),
                               CLAIMS_CARRY))  # fmt: skip
        extra.extend(report.findings)
        held = len(report.result.held)
        sent = len(report.sent)
        line = f"{sent} claim(s) sent" if sent else "no new claims to send"
        line += f", {report.already} sent before" if report.already else ""
        line += f", {held} held" if held else ""
        if report.x12_path:
            line += f"; 837P: {report.x12_path}"
        session.summary.append(line)
    second: SecondaryReport | None = None
    posted = None
    if "reconcile" in order and "secondary" in order:
        # post first, bill the next plans from what is posted, then reconcile: the claims
        # just sent are reconciled (pending) in this run, so a rerun changes nothing
        posted = post(session, list(inputs.remittances), inputs.mapping)
        session.data["_postings"] = [*posted[0].records, *posted[0].new]
    if "secondary" in order:
        begin("secondary")
        second = secondary_step(session, x12_dir=inputs.x12_dir, created=inputs.created,
                                store=inputs.store)  # fmt: skip
        extra.extend(second.findings)
    if "reconcile" in order:
        begin("reconcile")
        rec = reconcile_step(
            session, list(inputs.remittances), as_of=inputs.as_of, locality=inputs.locality,
            mapping=inputs.mapping, descriptions=inputs.descriptions, posted=posted,
        )  # fmt: skip
        if second is not None and second.summary in session.summary:  # after the money
            session.summary.remove(second.summary)
            session.summary.append(second.summary)
    if "deposits" in order:
        begin("deposits")
        deposits_step(session, list(inputs.bank), inputs.bank_mapping)
    if rec is not None:
        add_patient_ar(session, rec, inputs.as_of or session.today)
        carry_late(session)
    if "statements" in order:
        begin("statements")
        if rec is None:  # balances after insurance come from the reconciliation
            rec = reconcile_step(session, [], as_of=inputs.as_of, locality=inputs.locality,
                                 descriptions=inputs.descriptions)  # fmt: skip
            add_patient_ar(session, rec, inputs.as_of or session.today)
            carry_late(session)
        extra.extend(statements_step(session, rec, inputs.pdf_dir).findings)
    if "check" in order:
        begin("check")
        findings = check_step(session, [*extra, *rejection_findings(session)])
    else:
        findings = list(extra)
    registers = [session.registers[name] for name in REGISTERS if name in session.registers]
    session.data["_register"] = session.claim_records
    session.data["_encounters"] = len(session.book.encounters)
    return Outcome(
        workbook=session.home,
        steps=order,
        tables=list(session.tables.values()),
        registers=registers,
        marks=session.marks,
        values=list(session.values),
        letters=session.book.letters,
        summary=session.summary,
        files=list(session.files),
        findings=findings,
        claims=report,
        reconciliation=rec,
        acknowledgments=acks,
        suggestions=plan,
        secondary=second,
        data=session.data,
    )


def findings(book_or_path: Any, **options: Any) -> list[Finding]:
    """Every problem in a workbook (path), a Book or a list of Encounters, sorted by sheet
    and row, writing nothing; ``today``, ``sources`` and ``disable`` go to the scrubber."""
    from addin.coding import check as checking
    from addin.sheets import read_book

    return checking.check(book_or_path, reader=read_book, **options)


def check(workbook: Path | str, today: date | None = None, **kw: Any) -> Outcome:
    """Check every encounter; Findings sheet and cell fills."""
    return run(workbook, None, today, steps=("check",), **kw)


def suggest_missing(workbook: Path | str, inputs: Inputs | None = None, **kw: Any) -> Outcome:
    """Fill empty Dx cells from the Diagnosis Text; the Suggestions sheet."""
    return run(workbook, inputs, kw.pop("today", None), steps=("suggest",), **kw)


def claims(workbook: Path | str, inputs: Inputs | None = None, **kw: Any) -> Outcome:
    """Bill what has not been billed; the Claims sheet, the 837P, the Claim Register."""
    steps = ("claims", "check") if (inputs is None or inputs.scrub) else ("claims",)
    return run(workbook, inputs, kw.pop("today", None), steps=steps, **kw)


def acknowledge(workbook: Path | str, inputs: Inputs, **kw: Any) -> Outcome:
    """Read 999s and 277CAs; statuses, worklist and findings refreshed."""
    return run(workbook, inputs, kw.pop("today", None), steps=("acknowledge", "reconcile"), **kw)


def reconcile(workbook: Path | str, inputs: Inputs, **kw: Any) -> Outcome:
    """Post remittances once and reconcile everything posted against what was billed."""
    return run(workbook, inputs, kw.pop("today", None), steps=("reconcile",), **kw)


def cycle(workbook: Path | str, inputs: Inputs | None = None, **kw: Any) -> Outcome:
    """The weekly cycle: acknowledgments, remittances, suggestions, claims, check."""
    return run(workbook, inputs, kw.pop("today", None), steps=CYCLE, **kw)


__all__ = [
    "CYCLE",
    "STEPS",
    "Inputs",
    "Outcome",
    "acknowledge",
    "check",
    "claims",
    "cycle",
    "findings",
    "keep_indexes",
    "reconcile",
    "run",
    "sheets_written",
    "suggest_missing",
]
