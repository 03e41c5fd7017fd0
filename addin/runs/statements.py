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

from addin.claims.coverage import COVERAGE_SHEET, CoverageBook, read_coverage
from addin.errors import InputError
from addin.models import Column, Encounter, Finding, ResultTable, SheetRows
from addin.registers.cells import as_date, as_int, as_text
from addin.registers.claims import submissions_by_claim
from addin.remit.bank import parse_amount
from addin.remit.statements import (
    BUCKETS,
    Patient,
    PatientPayment,
    Statement,
    Visit,
    build_statements,
    next_action,
)
from addin.runs.carry import Carry, carry_over
from addin.runs.secondary import (
    Paid,
    is_next_payer_claim,
    last_answer,
    next_claim_id,
    posted_payments,
)
from addin.runs.session import Session
from addin.sheets.statement_book import statements_pdf, write_statements
from addin.x12.x837p.cob import crossed_over, patient_liability

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


def _visits(
    session: Session, coverage: CoverageBook, paid: dict[str, list[Paid]], by_enc: dict[str, str]
) -> list[Visit]:
    encounters = {e.encounter_id.strip().upper(): e for e in session.book.encounters}
    out: list[Visit] = []
    for key, subs in submissions_by_claim(session.claim_records).items():
        if is_next_payer_claim(key):
            continue
        last = subs[-1]
        if last.frequency == "8" or last.status in ("voided", "rejected"):
            continue
        enc = encounters.get(last.encounter_id.strip().upper())
        if enc is None:
            continue
        answer = last_answer(paid.get(key, []), "P")
        if answer is None:
            continue  # insurance has not answered: nothing is the patient's yet
        answers = [answer]
        waiting = ""
        forwarded = crossed_over(answer.payment)
        for sequence in ("S", "T"):
            cov = coverage.next_payer(enc, sequence)
            prev = answers[-1].payment
            if cov is None or prev.status == "4" or patient_liability(prev) == ZERO:
                break
            source = key if forwarded else next_claim_id(key, sequence).upper()
            found = last_answer(paid.get(source, []), sequence)
            if found is None:
                waiting = cov.payer
                break
            answers.append(found)
            forwarded = crossed_over(found.payment)
        owes = ZERO if waiting else patient_liability(answers[-1].payment)
        ins_paid = sum((a.payment.paid for a in answers), ZERO)
        out.append(
            Visit(
                patient_key=by_enc.get(key, _key(enc)), encounter_id=last.encounter_id,
                claim_id=last.claim_id, date_of_service=last.first_service,
                billed=last.billed, insurance_paid=ins_paid,
                insurance_adjusted=last.billed - ins_paid - owes, patient_owes=owes,
                owed_since=answers[-1].day, waiting=waiting,
            )
        )  # fmt: skip
    return out


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
    session: Session, pdf_dir: Path | None = None, *, documents: bool = True
) -> StatementsReport:
    """Balances after insurance less patient payments; the Statements sheet; the documents."""
    book = session.book
    report = StatementsReport()
    patients, by_enc = _patients(book.encounters)
    coverage, cov_findings = read_coverage(book.own.get(COVERAGE_SHEET), book.payers)
    payments, report.findings = read_patient_payments(book.own.get(PAYMENTS_SHEET), patients)
    report.findings += cov_findings
    visits = _visits(session, coverage, posted_payments(session), by_enc)
    statements = build_statements(patients, visits, payments, session.today)
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
