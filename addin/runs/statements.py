"""The statements step: each patient's balance after insurance, the Statements sheet, and
the printable statements (``BOOK statements/statements-DATE.xlsx``, a PDF with ``--pdf``).

A visit's patient part comes from the posted ERAs of its claim chain (the primary's claim,
then ``-S`` and ``-T``; a crossover's secondary answers on the original claim). Payments come
from the Patient Payments sheet (Date, Patient ID or Patient, Amount, Method, Reference). The
Statements sheet lists one row per patient with an open balance or a credit; its Last
Statement and Statements Sent columns are the step's memory: a run on a new day counts one
more statement for every patient who owes, a rerun the same day counts none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from addin.claims.coverage import CoverageBook
from addin.errors import InputError
from addin.models import Column, Encounter, Finding, ResultTable, SheetRows
from addin.registers.cells import as_date, as_int, as_text
from addin.remit.bank import parse_amount
from addin.remit.results import ClaimResult, PaymentEvent, Reconciliation
from addin.remit.statements import (
    BUCKETS,
    Patient,
    PatientPayment,
    Statement,
    Visit,
    build_statements,
    next_action,
)
from addin.remit.tables import AGING_BUCKETS
from addin.runs.carry import Carry, carry_over
from addin.runs.secondary import coverage_of, live_primaries, next_claim_id
from addin.runs.session import Session
from addin.sheets.statement_book import statements_pdf, write_statements

ZERO = Decimal("0.00")
STATEMENTS_SHEET = "Statements"
PAYMENTS_SHEET = "Patient Payments"
STATEMENTS_FOLDER = "{stem} statements"
STATEMENTS_CARRY = Carry(key=("Patient ID", "Patient"), staff=("Note",))
STATEMENT_COLUMNS = [
    Column(name="Patient ID", kind="code"),
    Column(name="Patient"),
    Column(name="Visits", kind="int"),
    Column(name="Patient Responsibility", kind="money"),
    Column(name="Payments", kind="money"),
    Column(name="Balance", kind="money"),
    *(Column(name=b, kind="money") for b in BUCKETS),
    Column(name="Last Statement", kind="date"),
    Column(name="Statements Sent", kind="int"),
    Column(name="Next Action", highlight={"refund credit": "FFEB9C",
                                          "review for collections": "FFC7CE"}),
    Column(name="Note", width=40),
]  # fmt: skip


@dataclass
class StatementsReport:
    statements: list[Statement] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    workbook: Path | None = None
    pdf: Path | None = None
    pdf_note: str = ""

    def totals(self) -> dict[str, str]:
        resp = sum((s.responsibility for s in self.statements), ZERO)
        paid = sum((s.paid for s in self.statements), ZERO)
        credits = sum((s.balance for s in self.statements if s.is_credit), ZERO)
        return {"responsibility": f"{resp:.2f}", "payments": f"{paid:.2f}",
                "balance": f"{resp - paid:.2f}", "credits": f"{-credits:.2f}"}  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        names = [c.name for c in STATEMENT_COLUMNS]
        rows = []
        for row in self.rows:
            item = dict(zip(names, row, strict=True))
            rows.append({k: (f"{v:.2f}" if isinstance(v, Decimal) else
                             v.isoformat() if isinstance(v, date) else v)
                         for k, v in item.items()})  # fmt: skip
        return {
            "statements": rows, "totals": self.totals(),
            "workbook": str(self.workbook) if self.workbook else None,
            "pdf": str(self.pdf) if self.pdf else None,
            "findings": [f.model_dump(mode="json") for f in self.findings],
        }  # fmt: skip


def _key(enc: Encounter) -> str:
    if enc.patient_id.strip():
        return "id:" + enc.patient_id.strip().casefold()
    p = enc.patient
    name = " ".join(f"{p.last_name} {p.first_name}".split()).casefold()
    return f"name:{name}|{p.dob.isoformat() if p.dob else ''}"


def _patients(encounters: Sequence[Encounter]) -> tuple[list[Patient], dict[str, str]]:
    """Patients in sheet order, and encounter ID -> patient key."""
    out: dict[str, Patient] = {}
    by_enc: dict[str, str] = {}
    for enc in encounters:
        key = _key(enc)
        by_enc[enc.encounter_id.strip().upper()] = key
        if key not in out:
            p = enc.patient
            out[key] = Patient(key, enc.patient_id.strip(), f"{p.last_name}, {p.first_name}",
                               p.address, p.city, p.state, p.zip)  # fmt: skip
    return list(out.values()), by_enc


# CLP02 for an answer from the payer in that position (a crossover and a denial count)
ANSWERED_AS = {"P": {"1", "19", "4"}, "S": {"2", "20", "4"}, "T": {"3", "21", "4"}}
CROSSOVER = frozenset({"MA18", "N89"})


def _events(result: ClaimResult | None) -> list[PaymentEvent]:
    """A claim's payments in the order posted, a reversal taking back the one it reverses."""
    out: list[PaymentEvent] = []
    for event in result.payments if result is not None else []:
        if event.status == "22":
            if out:
                out.pop()
            continue
        out.append(event)
    return out


def _answer(events: Sequence[PaymentEvent], sequence: str) -> PaymentEvent | None:
    return next((e for e in reversed(events) if e.status in ANSWERED_AS[sequence]), None)


def _left(event: PaymentEvent) -> Decimal:
    return sum((a for (g, _), a in event.totals if g == "PR"), ZERO)


def _crossed(event: PaymentEvent) -> bool:
    return event.status in ("19", "20", "21") or bool(set(event.remarks) & CROSSOVER)


def visits_after_insurance(
    session: Session, rec: Reconciliation, coverage: CoverageBook, by_enc: dict[str, str]
) -> list[Visit]:
    """Each billed visit's money once its payers have answered (from the reconciliation: the
    primary's claim, then <claim>-S and -T; a crossover's next answer comes on the claim)."""
    results = {c.claim_id.strip().upper(): c for c in rec.claims if c.payments}
    out: list[Visit] = []
    if not results:
        return out  # no payer has answered any claim yet: nothing is a patient's
    for key, last, enc in live_primaries(session):
        own = _events(results.get(key))
        answer = _answer(own, "P")
        if answer is None:
            continue  # insurance has not answered: nothing is the patient's yet
        answers = [answer]
        waiting = ""
        forwarded = _crossed(answer)
        for sequence in ("S", "T"):
            cov = coverage.next_payer(enc, sequence)
            prev = answers[-1]
            if cov is None or prev.status == "4" or _left(prev) == ZERO:
                break
            events = own if forwarded else _events(results.get(next_claim_id(key, sequence)))
            found = _answer(events, sequence)
            if found is None:
                waiting = cov.payer
                break
            answers.append(found)
            forwarded = _crossed(found)
        owes = ZERO if waiting else _left(answers[-1])
        ins_paid = sum((a.paid for a in answers), ZERO)
        out.append(
            Visit(
                patient_key=by_enc.get(key, _key(enc)), encounter_id=last.encounter_id,
                claim_id=last.claim_id, date_of_service=last.first_service,
                billed=last.billed, insurance_paid=ins_paid,
                insurance_adjusted=last.billed - ins_paid - owes, patient_owes=owes,
                owed_since=answers[-1].payment_date, waiting=waiting,
            )
        )  # fmt: skip
    return out


def patient_statements(
    session: Session, rec: Reconciliation
) -> tuple[list[Statement], list[Finding]]:
    """Every patient's statement (balance, visits, payments, aging) as of the run's day."""
    book = session.book
    patients, by_enc = _patients(book.encounters)
    coverage, cov_findings = coverage_of(session)
    payments, findings = read_patient_payments(book.own.get(PAYMENTS_SHEET), patients)
    visits = visits_after_insurance(session, rec, coverage, by_enc)
    return build_statements(patients, visits, payments, session.today), [
        *findings, *cov_findings]  # fmt: skip


def add_patient_ar(session: Session, rec: Reconciliation, as_of: date) -> None:
    """Patient A/R beside insurance A/R: a Patients row on Aging and on the Dashboard's aging
    block (the balances patients owe after insurance, less their payments)."""
    aging = session.tables.get("Aging")
    if aging is None or not any(c.payments for c in rec.claims):
        # no payer has answered a claim yet: no visit is a patient's to owe, so the row
        # would be all zero and is not added (the patients of 50,000 encounters are not
        # gathered to find that out)
        return
    statements, _ = patient_statements(session, rec)
    owing = [st for st in statements if st.balance > 0]
    if not owing:
        return
    buckets = [ZERO] * len(AGING_BUCKETS)
    days_total = visits = 0  # the Claims and Average Days columns count visits, as for payers
    for st in owing:
        left = st.paid
        for visit in st.visits:
            if visit.waiting or visit.patient_owes <= 0:
                continue
            applied = min(left, visit.patient_owes)
            left -= applied
            rest = visit.patient_owes - applied
            if rest <= 0:
                continue
            days = max((as_of - (visit.owed_since or as_of)).days, 0)
            for i, (_, low, high) in enumerate(AGING_BUCKETS):
                if days >= low and (high is None or days <= high):
                    buckets[i] += rest
                    break
            days_total += days
            visits += 1
    total = sum(buckets, ZERO)
    if total <= 0:
        return
    average = (Decimal(days_total) / visits).quantize(Decimal("0.1"))
    row: list[Any] = ["Patients", *buckets, total, visits, average]
    session.put(aging.model_copy(update={"rows": [*aging.rows, row]}))
    board = session.tables.get("Dashboard")
    if board is None or not board.charts:
        return
    first = board.charts[0]
    at = first.last_row if first.last_row is not None else len(board.rows)
    new = ["Aging by payer", "Patients", total, None, *buckets, visits]
    rows = [*board.rows[:at], new, *board.rows[at:]]
    charts = [first.model_copy(update={"last_row": at + 1})] + [
        c.model_copy(update={"first_row": c.first_row + 1,
                             "last_row": None if c.last_row is None else c.last_row + 1})
        for c in board.charts[1:]
    ]  # fmt: skip
    session.put(board.model_copy(update={"rows": rows, "charts": charts}))


def read_patient_payments(
    sheet: SheetRows | None, patients: Sequence[Patient]
) -> tuple[list[PatientPayment], list[Finding]]:
    """The Patient Payments sheet; a row naming no known patient is a finding."""
    if sheet is None:
        return [], []
    by_id = {p.patient_id.casefold(): p for p in patients if p.patient_id}
    by_name: dict[str, Patient] = {}
    for p in patients:
        last, _, first = p.name.partition(", ")
        for spelling in (p.name, f"{first} {last}"):
            by_name.setdefault(" ".join(spelling.replace(",", " ").split()).casefold(), p)
    heads = {" ".join(h.split()).casefold(): h for h in sheet.headers if h}
    out: list[PatientPayment] = []
    findings: list[Finding] = []

    def bad(row: int, column: str, value: Any, message: str, fix: str) -> None:
        shown = "" if value in (None, "") else str(value)
        findings.append(Finding(
            rule="PAYMENT-" + column.upper().replace(" ", "-"), severity="error",
            message=f"{sheet.name}!{column} row {row}: {message}"
            + (f" ({shown!r})" if shown else ""),
            sheet=sheet.name, row=row, column=column, value=shown or None, fix=fix,
        ))  # fmt: skip

    for row, cells in sheet.records():

        def get(name: str, cells: dict[str, Any] = cells) -> Any:
            return cells.get(heads.get(name.casefold(), name))

        col_id = heads.get("patient id", "Patient ID")
        col_name = heads.get("patient", "Patient")
        ident, name = as_text(get("Patient ID")), as_text(get("Patient"))
        patient = by_id.get(ident.casefold()) if ident else None
        if patient is None and name:
            patient = by_name.get(" ".join(name.replace(",", " ").split()).casefold())
        if patient is None:
            bad(row, col_id if ident or not name else col_name, ident or name or None,
                "unknown patient: no visit on the Encounters sheet has this patient",
                "type the Patient ID (or Last, First) as on the Encounters sheet")  # fmt: skip
            continue
        day = as_date(get("Date"))
        if day is None:
            bad(row, heads.get("date", "Date"), get("Date"), "the payment date is missing or "
                "not a date", "type the date the patient paid")  # fmt: skip
            continue
        raw = get("Amount")
        col_amount = heads.get("amount", "Amount")
        if raw in (None, ""):
            bad(row, col_amount, None, "the amount is missing", "type the amount paid")
            continue
        try:
            amount = parse_amount(raw, f"{sheet.name}!{col_amount} row {row}")
        except InputError as exc:
            bad(row, col_amount, raw, str(exc).split(": ", 1)[-1], "type an amount like 25.00")
            continue
        out.append(PatientPayment(day, patient.key, amount, as_text(get("Method")),
                                  as_text(get("Reference")), row))  # fmt: skip
    return out, findings


def statements_step(
    session: Session, rec: Reconciliation, pdf_dir: Path | None = None, *, documents: bool = True
) -> StatementsReport:
    """Balances after insurance less patient payments; the Statements sheet; the documents."""
    book = session.book
    report = StatementsReport()
    statements, report.findings = patient_statements(session, rec)
    old = book.own.get(STATEMENTS_SHEET)
    before: dict[str, tuple[date | None, int]] = {}
    if old is not None and old.ours:
        for _, cells in old.records():
            before[as_text(cells.get("Patient ID")) + "|" + as_text(cells.get("Patient"))] = (
                as_date(cells.get("Last Statement")),
                as_int(cells.get("Statements Sent")),
            )
    shown: list[Statement] = []
    for st in statements:
        if st.balance == 0:
            continue
        last, sent = before.get(f"{st.patient.patient_id}|{st.patient.name}", (None, 0))
        if st.balance > 0 and last != session.today:
            last, sent = session.today, sent + 1
        report.rows.append([
            st.patient.patient_id, st.patient.name, len(st.visits), st.responsibility, st.paid,
            st.balance, *(st.aging[b] for b in BUCKETS), last, sent,
            next_action(st.balance, sent), "",
        ])  # fmt: skip
        shown.append(st)
    report.statements = statements
    table = ResultTable(sheet=STATEMENTS_SHEET, columns=STATEMENT_COLUMNS, rows=report.rows,
                        title="Patient balances after insurance")  # fmt: skip
    session.put(carry_over(table, old, STATEMENTS_CARRY))
    owing = [st for st in shown if st.balance > 0]
    credits = [st for st in shown if st.balance < 0]
    if documents and shown:
        folder = session.folder(STATEMENTS_FOLDER)
        path = folder / f"statements-{session.today.isoformat()}.xlsx"
        report.workbook = write_statements(path, shown, book.settings, session.today)
        if pdf_dir is not None:
            report.pdf = statements_pdf(report.workbook, pdf_dir)
            if report.pdf is None:
                report.pdf_note = "LibreOffice (soffice) is not installed: no PDF (make sysdeps)"
    totals = report.totals()
    line = (f"{len(owing)} statement(s), {len(credits)} credit(s) to refund; patients owe "
            f"{totals['balance']} ({totals['responsibility']} after insurance less "
            f"{totals['payments']} paid)")  # fmt: skip
    if report.workbook:
        line += f"; {report.workbook}"
    if report.pdf:
        line += f"; PDF {report.pdf}"
    if report.pdf_note:
        line += f"; {report.pdf_note}"
    if report.findings:
        line += f"; {len(report.findings)} problem(s) on Patient Payments/Coverage"
    session.summary.append(line)
    session.data["statements"] = report.to_json()
    return report
