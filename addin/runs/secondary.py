"""The secondary step: after a payer's 835 is posted, bill the patient's next plan.

For every claim billed to the primary payer whose patient has a secondary plan on the
Coverage sheet, and whose primary payment is posted: a claim for the secondary payer
(Claim ID ``<claim>-S``) carrying the primary's adjudication (loops 2320/2330/2430, see
``addin.x12.x837p.cob``) goes into one 837P and onto the Claim Register. When the secondary
has paid and the patient has a tertiary plan, a ``<claim>-T`` claim carries both. The
register decides: a claim already sent is never billed again, so a rerun writes nothing
new. A claim the primary crossed over itself (MA18, N89, CLP02 19/20/21) is not billed: it
is listed as forwarded, and the secondary's ERA is followed on the original claim. The
Secondary Claims sheet lists each claim with a next plan and what happened to it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from addin.claims.build import build_claims
from addin.claims.coverage import COVERAGE_SHEET, Coverage, CoverageBook, read_coverage
from addin.errors import InputError
from addin.models import (
    Claim,
    ClaimPayment,
    Column,
    Encounter,
    Finding,
    Person,
    RegisterEdit,
    ResultTable,
)
from addin.registers.claims import (
    CLAIM_COLUMNS,
    CLAIM_REGISTER,
    ClaimRecord,
    fingerprint,
    lines_text,
    next_submission,
    patient_name,
    submissions_by_claim,
)
from addin.remit.load import SHEET_SUFFIXES, iter_remittance_file
from addin.runs.carry import Carry, carry_over
from addin.runs.session import REMITTANCE_FOLDER, X12_FOLDER, Session
from addin.x12.envelope import ControlNumberStore
from addin.x12.x837p.checks import check_837p
from addin.x12.x837p.cob import (
    CobClaim,
    PriorPayer,
    build_cob_837p,
    cob_problems,
    crossed_over,
    patient_liability,
)
from addin.x12.x837p.sources import place_findings
from addin.x12.x837p.writer import save_837p, transactions_needed

ZERO = Decimal("0.00")
SECONDARY_SHEET = "Secondary Claims"
# a row per claim and next plan: what staff type beside it follows that row
SECONDARY_CARRY = Carry(key=("Claim ID", "Next Claim ID"))
SUFFIX = {"S": "-S", "T": "-T"}
# CLP02 for a claim answered by the payer in that position (a crossover and a denial count)
PROCESSED_AS = {"P": {"1", "19", "4"}, "S": {"2", "20", "4"}, "T": {"3", "21", "4"}}
SECONDARY_COLUMNS = [
    Column(name="Claim ID", kind="code"),
    Column(name="Encounter ID", kind="code"),
    Column(name="Patient"),
    Column(name="Order", kind="code"),
    Column(name="Payer"),
    Column(name="Billed", kind="money"),
    Column(name="Earlier Payers Paid", kind="money"),
    Column(name="Left After Earlier Payers", kind="money"),
    Column(name="Next Claim ID", kind="code"),
    Column(name="Status", highlight={"held": "FFC7CE", "sent": "C6EFCE", "forwarded": "DDEBF7"}),
    Column(name="Note", width=60),
]


@dataclass(frozen=True)
class Paid:
    """One posted claim payment with the remittance's payer and date."""

    payment: ClaimPayment
    payer: str
    day: date | None


@dataclass
class SecondaryRow:
    claim_id: str
    encounter_id: str
    patient: str
    order: str
    payer: str
    billed: Decimal
    earlier_paid: Decimal
    left: Decimal
    next_claim_id: str
    status: str
    note: str

    def values(self) -> list[Any]:
        return [self.claim_id, self.encounter_id, self.patient, self.order, self.payer,
                self.billed, self.earlier_paid, self.left, self.next_claim_id, self.status,
                self.note]  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return {
            "claim_id": self.claim_id, "encounter_id": self.encounter_id,
            "patient": self.patient, "order": self.order, "payer": self.payer,
            "billed": f"{self.billed:.2f}", "earlier_paid": f"{self.earlier_paid:.2f}",
            "left": f"{self.left:.2f}", "next_claim_id": self.next_claim_id,
            "status": self.status, "note": self.note,
        }  # fmt: skip


@dataclass
class SecondaryReport:
    """What the secondary step found, sent and held."""

    rows: list[SecondaryRow] = field(default_factory=list)
    sent: list[CobClaim] = field(default_factory=list)
    path: Path | None = None
    findings: list[Finding] = field(default_factory=list)
    records: list[ClaimRecord] = field(default_factory=list)
    summary: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "claims": [r.to_json() for r in self.rows],
            "sent": len(self.sent),
            "x12": str(self.path) if self.path else None,
            "register": [
                {
                    "submission": r.submission,
                    "claim_id": r.claim_id,
                    "payer": r.payer,
                    "billed": f"{r.billed:.2f}",
                    "file": r.file,
                    "isa13": r.isa13,
                }
                for r in self.records
            ],  # fmt: skip
            "findings": [f.model_dump(mode="json") for f in self.findings],
        }

    def table(self) -> ResultTable:
        return ResultTable(
            sheet=SECONDARY_SHEET,
            columns=SECONDARY_COLUMNS,
            rows=[r.values() for r in self.rows],
            title="Claims for the next payer",
        )


def next_claim_id(claim_id: str, sequence: str) -> str:
    return f"{claim_id}{SUFFIX[sequence]}"


def is_next_payer_claim(claim_id: str) -> bool:
    """Whether a Claim ID is one this step made (``V1-S``, ``V1-T``)."""
    return claim_id.upper().endswith(("-S", "-T"))


def coverage_of(session: Session) -> tuple[CoverageBook, list[Finding]]:
    """The Coverage sheet as plans and its findings, read once a run (the next payers'
    claims and the patient statements both need it); the findings list is the caller's."""
    found = session.data.get("_coverage")
    if found is None:
        found = read_coverage(session.book.own.get(COVERAGE_SHEET), session.book.payers)
        session.data["_coverage"] = found
    return found[0], list(found[1])


def live_primaries(session: Session) -> Iterator[tuple[str, ClaimRecord, Encounter]]:
    """Each primary claim still in force (its last submission not a void, not rejected),
    with its last submission and its encounter: what the next payers and the patient are billed
    from."""
    encounters = {e.encounter_id.strip().upper(): e for e in session.book.encounters}
    for key, subs in submissions_by_claim(session.claim_records).items():
        if is_next_payer_claim(key):
            continue
        last = subs[-1]
        if last.frequency == "8" or last.status in ("voided", "rejected"):
            continue
        enc = encounters.get(last.encounter_id.strip().upper())
        if enc is not None:
            yield key, last, enc


# 835s read with the model reader in this process, by (path, size, mtime): the demo and batch
# run many times in one process over the same kept files; a changed file is read again.
_READ: dict[tuple[str, int, int], list[Any]] = {}
_READ_LIMIT = 2048


def _read(path: Path) -> list[Any]:
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    found = _READ.get(key)
    if found is None:
        found = list(iter_remittance_file(path))
        if len(_READ) >= _READ_LIMIT:
            _READ.clear()
        _READ[key] = found
    return found


def posted_payments(session: Session) -> dict[str, list[Paid]]:
    """Every posted claim payment by CLP01, in posting order, reversals taking back the
    payment they reverse (read with the model reader: the line adjustments are needed)."""
    folder = session.folder(REMITTANCE_FOLDER)
    postings = session.data.get("_postings") or session.postings
    files: dict[str, list[Any]] = {}
    out: dict[str, list[Paid]] = {}
    for record in postings:
        if not record.posted:
            continue
        path = folder / record.file
        if record.file not in files:
            if not path.is_file():
                raise InputError(
                    f"{path}: the Remittance Register posts {record.posting} from this file "
                    f"but it is missing; put it back in {folder.name} (or restore a backup)"
                )
            if path.suffix.lower() in SHEET_SUFFIXES:
                files[record.file] = []  # a portal export has no line adjustments to carry
                continue
            files[record.file] = _read(path)
        sets = files[record.file]
        if not 1 <= record.set_index <= len(sets):
            continue
        rem = sets[record.set_index - 1]
        for pay in rem.claims:
            key = pay.patient_control_number.strip().upper()
            events = out.setdefault(key, [])
            if pay.status == "22":
                if events:
                    events.pop()
                continue
            events.append(Paid(pay, rem.payer_name, rem.payment_date or rem.production_date))
    return out


def last_answer(paid: Sequence[Paid], sequence: str) -> Paid | None:
    return next((p for p in reversed(paid) if p.payment.status in PROCESSED_AS[sequence]), None)


def _prior(
    sequence: str, claim: Claim, cov: Coverage | None, paid: Paid, today: date
) -> PriorPayer:
    """The earlier payer as it was billed: the claim's own payer, or a Coverage plan."""
    if cov is None:
        sub = claim.subscriber
        return PriorPayer(
            sequence=sequence, payer=claim.payer, payer_id=claim.payer_id,
            filing_indicator=claim.claim_filing_indicator or "CI", member_id=claim.member_id,
            group_number=claim.group_number, relationship=claim.relationship,
            subscriber_last=sub.last_name, subscriber_first=sub.first_name,
            payment=paid.payment, adjudicated=paid.day or today,
        )  # fmt: skip
    self_sub = cov.relationship == "18"
    return PriorPayer(
        sequence=sequence, payer=cov.payer, payer_id=cov.payer_id,
        filing_indicator=cov.filing_indicator, member_id=cov.member_id,
        group_number=cov.group_number, relationship=cov.relationship,
        subscriber_last=claim.patient.last_name if self_sub else cov.subscriber_last,
        subscriber_first=claim.patient.first_name if self_sub else cov.subscriber_first,
        payment=paid.payment, adjudicated=paid.day or today,
    )  # fmt: skip


def _for_payer(claim: Claim, cov: Coverage) -> Claim:
    subscriber = (
        claim.patient
        if cov.relationship == "18"
        else Person(last_name=cov.subscriber_last, first_name=cov.subscriber_first)
    )
    return claim.model_copy(
        update={
            "claim_id": next_claim_id(claim.claim_id, cov.sequence), "payer": cov.payer,
            "payer_id": cov.payer_id, "claim_filing_indicator": cov.filing_indicator,
            "member_id": cov.member_id, "group_number": cov.group_number,
            "relationship": cov.relationship, "subscriber": subscriber, "frequency": "1",
            "payer_claim_number": None,
        }
    )  # fmt: skip


def _chains(
    session: Session, coverage: CoverageBook, paid: dict[str, list[Paid]], report: SecondaryReport
) -> Iterator[CobClaim]:
    """Each claim due to a next payer, with a row on the report for every claim that has one."""
    if not paid:
        return  # no payer has answered any claim: no row (a next payer waits for an answer)
    book = session.book
    by_claim = submissions_by_claim(session.claim_records)
    built: dict[str, Claim] = {}
    done: set[int] = set()

    def claim_of(key: str, enc: Encounter) -> Claim | None:
        """The claim as the encounter builds it now; built only for the few claims a next
        payer is due on (building every claim of a big book again costs as much as the
        claims step)."""
        if id(enc) not in done:
            done.add(id(enc))
            for c in build_claims([enc], book.settings, book.payers, book.fees, []).claims:
                built[c.claim_id.strip().upper()] = c
        return built.get(key)

    for key, last, enc in live_primaries(session):
        chain: list[PriorPayer] = []
        prev: Coverage | None = None  # the earlier payer's plan (None: the claim's own payer)
        forwarded = False  # the earlier payer crossed the claim over: answers come on it
        for sequence in ("S", "T"):
            cov = coverage.next_payer(enc, sequence)
            if cov is None:
                break
            earlier = "P" if sequence == "S" else "S"
            this_id = next_claim_id(last.claim_id, sequence)
            source = last.claim_id if sequence == "S" or forwarded else next_claim_id(
                last.claim_id, "S")  # fmt: skip
            row = SecondaryRow(
                claim_id=source, encounter_id=last.encounter_id, patient=last.patient,
                order=cov.order_word, payer=cov.payer, billed=last.billed,
                earlier_paid=ZERO, left=ZERO, next_claim_id=this_id, status="", note="",
            )  # fmt: skip
            answer = last_answer(paid.get(source.upper(), []), earlier)
            if answer is None:
                if sequence == "T":
                    row.status, row.note = "waiting", "waiting for the secondary's ERA"
                    report.rows.append(row)
                break  # the earlier payer has not answered yet
            pay = answer.payment
            row.earlier_paid = sum((p.payment.paid for p in chain), ZERO) + pay.paid
            row.left = patient_liability(pay)
            report.rows.append(row)
            who = answer.payer or "the earlier payer"
            claim = claim_of(key, enc)
            if claim is None:
                row.status = "held"
                row.note = "the encounter no longer builds a claim; see the Findings sheet"
                break
            prior = _prior(earlier, claim, prev, answer, session.today)
            if crossed_over(pay):
                row.status = "forwarded"
                row.note = (
                    f"{who} forwarded the claim to {cov.payer} itself (crossover); not billed "
                    "again - its answer comes on the next ERA"
                )
                chain.append(prior)
                prev, forwarded = cov, True
                continue
            if pay.status == "4" or (pay.paid == ZERO and row.left == ZERO):
                row.status = "held"
                row.note = f"denied by {who}: work the denial (Denials sheet) first"
                break
            if row.left == ZERO:
                row.status, row.note = "nothing left", "the earlier payers left nothing to bill"
                break
            if this_id.upper() in by_claim and by_claim[this_id.upper()][-1].status != "rejected":
                sent = by_claim[this_id.upper()][-1]
                if sent.sent == session.today:  # this day's batch: a rerun shows it the same
                    row.status, row.note = "sent", sent.file
                else:
                    row.status, row.note = "sent before", f"sent {sent.sent} in {sent.file}"
                chain.append(prior)
                prev, forwarded = cov, False
                continue
            if fingerprint(claim) != last.fingerprint:
                row.status = "held"
                row.note = (
                    f"the encounter changed after it was billed to {last.payer} on {last.sent}; "
                    "the next plan must be billed what the first adjudicated - undo the change "
                    "or send the primary a corrected claim first"
                )
                break
            chain.append(prior)
            # never sent, or the clearinghouse rejected what was: it goes (again) as an original
            cob = CobClaim(_for_payer(claim, cov), sequence, list(chain))
            problems = cob_problems(cob)
            if problems:
                row.status, row.note = "held", "; ".join(problems)
                break
            row.status = "to send"
            yield cob
            break  # the tertiary waits for the secondary's answer


def secondary_step(
    session: Session,
    *,
    x12_dir: Path | None = None,
    created: datetime | None = None,
    store: ControlNumberStore | None = None,
) -> SecondaryReport:
    """Bill each claim's next plan once the earlier payer's ERA is posted."""
    book = session.book
    report = SecondaryReport()
    sheet = book.own.get(COVERAGE_SHEET)
    if sheet is None:
        return report  # no Coverage sheet: a clinic that bills one payer a visit
    coverage, report.findings = coverage_of(session)
    if len(coverage):
        paid = posted_payments(session)
        due = list(_chains(session, coverage, paid, report))
        if due:
            _send(session, report, due, x12_dir, created, store)
    for row in report.rows:
        if row.status == "to send":
            row.status, row.note = "held", row.note or "not sent; see Findings"
    session.put(carry_over(report.table(), session.book.own.get(SECONDARY_SHEET),
                           SECONDARY_CARRY))  # fmt: skip
    counts: dict[str, int] = {}
    for row in report.rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    shown = ", ".join(f"{v} {k}" for k, v in counts.items())
    line = f"{len(report.sent)} secondary claim(s) sent" if report.sent else "no secondary claims"
    line += f" ({shown})" if shown else ""
    line += f"; 837P: {report.path}" if report.path else ""
    line += f"; {len(report.findings)} Coverage problem(s)" if report.findings else ""
    report.summary = line
    session.summary.append(line)
    return report


def _send(
    session: Session,
    report: SecondaryReport,
    due: list[CobClaim],
    x12_dir: Path | None,
    created: datetime | None,
    store: ControlNumberStore | None,
) -> None:
    settings = session.book.settings
    store = store or ControlNumberStore()
    when = created or datetime.combine(session.today, datetime.now().time()).replace(microsecond=0)
    numbers = store.reserve(settings["Submitter ID"].strip(), transactions_needed(len(due)))
    rows = {r.next_claim_id: r for r in report.rows}
    remaining = list(due)
    interchange = None
    while remaining:
        interchange, problems = build_cob_837p(remaining, settings, created=when,
                                               numbers=numbers)  # fmt: skip
        checked = check_837p(interchange, {c.claim.claim_id: c.claim for c in remaining})
        blocking = [f for f in checked if f.blocking]
        if problems and not blocking:
            # a name the 837P cannot carry (the Coverage sheet's subscriber, say): nothing
            # goes out until it is fixed, and every claim says why
            for cob in remaining:
                rows[cob.claim.claim_id].status = "held"
                rows[cob.claim.claim_id].note = "; ".join(problems[:3])
            return
        if not blocking:
            break
        report.findings.extend(place_findings(blocking, session.book, session.encounters_sheet()))
        stopped = {f.encounter_id for f in blocking}
        for cob in remaining:
            if cob.claim.encounter_id in stopped or None in stopped:
                row = rows[cob.claim.claim_id]
                row.status = "held"
                mine = (cob.claim.encounter_id, None)
                row.note = "; ".join(f.message for f in blocking if f.encounter_id in mine)
        remaining = [c for c in remaining if c.claim.encounter_id not in stopped]
        if None in stopped:
            remaining = []
        interchange = None
    if interchange is None or not remaining:
        return
    folder = x12_dir or session.folder(X12_FOLDER)
    path = folder / f"{session.home.stem}-{numbers.interchange:09d}-cob.837"
    save_837p(interchange, path)
    session.files.append(path)
    report.path, report.sent = path, remaining
    records = session.claim_records
    new: list[ClaimRecord] = []
    for index, cob in enumerate(remaining):
        claim = cob.claim
        st02 = numbers.first_transaction + index // 5000
        record = ClaimRecord(
            submission=next_submission([*records, *new], claim.claim_id),
            claim_id=claim.claim_id, encounter_id=claim.encounter_id,
            patient=patient_name(claim), payer=claim.payer, payer_id=claim.payer_id,
            frequency="1", replaces="",
            first_service=min(line.date_of_service for line in claim.lines),
            billed=claim.total_charge, line_count=len(claim.lines), lines=lines_text(claim),
            fingerprint=fingerprint(claim), file=path.name,
            isa13=f"{numbers.interchange:09d}", gs06=str(numbers.group), st02=f"{st02:04d}",
            sent=session.today, status="sent", status_date=session.today,
            history=f"{session.today.isoformat()} sent (original) in {path.name}",
        )  # fmt: skip
        new.append(record)
        row = rows[claim.claim_id]
        row.status, row.note = "sent", f"{path.name}"
    report.records = new
    records.extend(new)
    session.register(RegisterEdit(sheet=CLAIM_REGISTER, columns=CLAIM_COLUMNS,
                                  append=[r.values() for r in new]))  # fmt: skip
