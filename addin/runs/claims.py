"""The claims step: bill what has not been billed, never the same claim twice.

Every encounter without an error becomes a claim; the Claim Register decides what happens
to it. Never sent: it goes into this run's 837P. Sent and unchanged: nothing (it was billed
already). Sent and changed since: listed, not billed, until someone asks for a replacement
(frequency 7 with the payer's claim number in REF*F8) on the worklist (Work Status
"Corrected claim") or with ``--replace``; ``--void`` sends a frequency 8. Rejected by the
clearinghouse: a whole batch goes out again by itself; a claim rejected for its content goes
out again, as a new original, once it has changed (or with ``--resend``). Each claim sent is
appended to the Claim Register with its file and control numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from addin.claims.build import Builder, BuildResult, Built, build_claims
from addin.claims.table import claims_table
from addin.errors import InputError
from addin.models import CellUpdate, Claim, Finding, RegisterEdit
from addin.registers.claims import (
    CLAIM_COLUMNS,
    CLAIM_REGISTER,
    ClaimRecord,
    fingerprint,
    lines_text,
    patient_name,
    submissions_by_claim,
)
from addin.registers.timely import timely_filing
from addin.registers.worklist import corrections_wanted
from addin.runs.acks import ack_events
from addin.runs.check import findings_of
from addin.runs.session import X12_FOLDER, Session
from addin.x12.envelope import ControlNumbers, ControlNumberStore
from addin.x12.x837p.forked import Forked, can_fork
from addin.x12.x837p.sources import place_findings
from addin.x12.x837p.stream import legacy_837p, stream_837p
from addin.x12.x837p.writer import (
    MAX_CLAIMS_PER_ST,
    build_accepted,
    require_settings,
    save_837p,
    transactions_needed,
)

FREQUENCY_WORDS = {"1": "original", "7": "replacement", "8": "void"}


@dataclass(frozen=True)
class Sent837:
    """Where the step's 837P went and its control numbers. The interchange and its text are
    not kept: on a big week they are hundreds of megabytes the rest of the run never reads."""

    path: Path | None
    numbers: ControlNumbers


@dataclass
class ClaimsReport:
    """What the claims step built, sent, held and left alone."""

    result: BuildResult
    sent: list[Claim] = field(default_factory=list)
    statuses: dict[str, tuple[str, str]] = field(default_factory=dict)
    already: int = 0
    write: Sent837 | None = None
    findings: list[Finding] = field(default_factory=list)
    records: list[ClaimRecord] = field(default_factory=list)

    @property
    def x12_path(self) -> Path | None:
        return self.write.path if self.write else None

    def to_json(self) -> dict[str, Any]:
        claims: list[dict[str, Any]] = []
        frequency: dict[str, str] = {}
        for sent in self.sent:  # the first sent copy's frequency (one dict, not a scan a claim)
            frequency.setdefault(sent.claim_id, sent.frequency)
        for claim in self.result.claims:
            status, reason = self.statuses.get(claim.claim_id, ("", ""))
            if not status:
                continue
            claims.append(
                {
                    "encounter_id": claim.encounter_id,
                    "claim_id": claim.claim_id,
                    "payer": claim.payer,
                    "frequency": frequency.get(claim.claim_id, claim.frequency),
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
                    "status": status,
                    "reasons": [reason] if reason else [],
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
            "sent": len(self.sent),
            "already_sent": self.already,
            "x12": str(self.x12_path) if self.x12_path else None,
            "control_number": self.write.numbers.interchange if self.write else None,
            "register": [
                {
                    "submission": r.submission,
                    "claim_id": r.claim_id,
                    "frequency": r.frequency,
                    "replaces": r.replaces,
                    "billed": f"{r.billed:.2f}",
                    "file": r.file,
                    "isa13": r.isa13,
                    "st02": r.st02,
                }
                for r in self.records
            ],  # fmt: skip
            "findings": [f.model_dump(mode="json") for f in self.findings],
        }


def _finding(
    session: Session,
    claim: Claim,
    rule: str,
    severity: Literal["error", "warning", "info"],
    message: str,
    fix: str,
) -> Finding:
    enc = next((e for e in session.book.encounters if e.encounter_id == claim.encounter_id), None)
    row = enc.rows[0] if enc and enc.rows else None
    sheet = session.encounters_sheet()
    column = session.book.header(sheet, "Encounter ID")
    return Finding(
        rule=rule,
        severity=severity,
        message=f"{sheet} row {row} ({column}): claim {claim.claim_id}: {message}",
        sheet=sheet if row else None,
        row=row,
        column=column if row else None,
        value=claim.claim_id,
        fix=fix,
        encounter_id=claim.encounter_id,
    )


#: A book with fewer encounters is checked, then built, in this process: a fork and the
#: findings sent back cost more than the rules take on a small book.
FORK_ENCOUNTERS = 2000


def _checked_and_built(
    session: Session, timely: Callable[[], list[Finding]]
) -> tuple[list[Built], list[Finding]] | None:
    """The check's findings (:func:`findings_of`) and the ``timely`` ones worked out by a
    forked child while every encounter is built here (a build depends on no other
    encounter, nor on the findings, which only decide which builds are kept): each
    encounter's build and the timely findings, or None when the check's findings are known
    already, the book is small or there is no second core to be had (then the findings
    come first and only the encounters they leave are built)."""
    book = session.book
    if session.findings is not None or len(book.encounters) < FORK_ENCOUNTERS or not can_fork():
        return None
    try:
        child = Forked(lambda: (findings_of(session), timely()))
    except OSError:
        return None
    try:
        builder = Builder(book.settings, book.payers, book.fees)
        built = [builder.one(enc) for enc in book.encounters]
    except BaseException:
        child.cancel()
        raise
    found = child.join()
    if found is None:  # findings_of works them out here, as without a child
        return built, timely()
    session.findings = found[0]
    return built, found[1]


def claims_step(
    session: Session,
    *,
    x12_dir: Path | None = None,
    x12_path: Path | None = None,
    scrub: bool = True,
    replace: Collection[str] = (),
    void: Collection[str] = (),
    resend: Collection[str] = (),
    created: datetime | None = None,
    store: ControlNumberStore | None = None,
) -> ClaimsReport:
    """Build the claims, decide against the register, write one 837P for what goes out."""
    book = session.book
    records = session.claim_records
    by_claim = submissions_by_claim(records)
    sheet = session.encounters_sheet()
    # the scrubber's rules run in a forked child while the claims are built here, every
    # encounter built before its findings are known (see _checked_and_built)
    sent_encounters = {r.encounter_id.strip().upper() for r in records}

    def late() -> list[Finding]:
        return timely_filing(
            book.encounters,
            book.payers,
            sent_encounters,
            session.today,
            sheet,
            book.header(sheet, "Date of Service"),
        )

    forked = _checked_and_built(session, late) if scrub else None
    findings = list(findings_of(session)) if scrub else list(book.findings)
    each, timely = forked if forked is not None else (None, late())
    result = build_claims(
        book.encounters, book.settings, book.payers, book.fees, [*findings, *timely], each
    )
    # without the scrubber the sheet's own reading findings are what holds a claim: report
    # them, or a held line would have a reason but no finding naming its cell
    read = [] if scrub else list(book.findings)
    report = ClaimsReport(result, findings=[*read, *timely, *result.findings])
    asked = {
        "replace": {c.strip().upper() for c in replace},
        "void": {c.strip().upper() for c in void},
        "resend": {c.strip().upper() for c in resend},
    }
    built = {c.claim_id.strip().upper() for c in result.claims}
    for what, ids in asked.items():
        unknown = sorted(ids - built)
        if unknown:
            raise InputError(
                f"--{what} {', '.join(unknown)}: no claim with that Claim ID was built from the "
                "Encounters sheet this run (it is held, or the ID is mistyped); see the Claims "
                "sheet"
            )
    old = book.own.get("Denials")
    wanted = corrections_wanted(old.records() if old is not None and old.ours else [])
    events = ack_events(session) if records else {}
    sending: list[Claim] = []
    for claim in result.claims:
        key = claim.claim_id.strip().upper()
        subs = by_claim.get(key, [])
        if not subs:
            if key in asked["replace"] or key in asked["void"]:
                report.findings.append(
                    _finding(
                        session,
                        claim,
                        "CLAIM-NOT-SENT",
                        "error",
                        "was never sent from this workbook, so there is nothing to replace or void",
                        "build claims without --replace/--void to send it as an original",
                    )
                )
                report.statuses[claim.claim_id] = ("Not sent", "never sent; nothing to replace")
                continue
            sending.append(claim)
            continue
        last = subs[-1]
        fp = fingerprint(claim)  # only a claim sent before is compared with what was sent
        mine = events.get(last.submission, [])
        rejected = bool(mine) and not mine[-1].accepted
        correction = wanted.get(key)
        correction_due = correction is not None and not any(
            s.frequency == "7" and (correction[1] is None or (s.sent and s.sent >= correction[1]))
            for s in subs
        )
        if key in asked["void"]:
            number = last.payer_claim_number
            if last.frequency == "8":
                report.statuses[claim.claim_id] = ("Not sent", f"voided on {last.sent}")
            elif not number:
                report.findings.append(
                    _finding(
                        session,
                        claim,
                        "CLAIM-NO-PAYER-NUMBER",
                        "error",
                        "cannot be voided yet: the payer has not given a claim number (no ERA or "
                        "277CA with one)",
                        "wait for the payer's answer, or call the payer",
                    )
                )
                report.statuses[claim.claim_id] = ("Not sent", "no payer claim number yet")
            else:
                sending.append(
                    claim.model_copy(update={"frequency": "8", "payer_claim_number": number})
                )
        elif rejected:
            batch = mine[-1].batch
            if batch or fp != last.fingerprint or key in asked["resend"]:
                sending.append(
                    claim.model_copy(update={"frequency": "1", "payer_claim_number": None})
                )
            else:
                report.statuses[claim.claim_id] = (
                    "Rejected",
                    f"rejected {mine[-1].when} ({mine[-1].reason}); nothing changed since - fix "
                    f"{', '.join(mine[-1].fields) or 'the claim'} and build claims again",
                )
        elif key in asked["replace"] or correction_due or claim.frequency in ("7", "8") and (
            claim.frequency != last.frequency or fp != last.fingerprint
        ):  # fmt: skip
            number = (correction[0] if correction and correction[0] else "") or (
                last.payer_claim_number or (claim.payer_claim_number or "")
            )
            if not number:
                report.findings.append(
                    _finding(
                        session,
                        claim,
                        "CLAIM-NO-PAYER-NUMBER",
                        "error",
                        "cannot be replaced yet: the payer has not given a claim number for it",
                        "wait for the payer's ERA (or 277CA), or type the Payer Claim Number",
                    )
                )
                report.statuses[claim.claim_id] = ("Not sent", "no payer claim number yet")
            elif fp == last.fingerprint and key not in asked["replace"]:
                report.findings.append(
                    _finding(
                        session,
                        claim,
                        "CLAIM-UNCHANGED",
                        "warning",
                        f"the worklist asks for a corrected claim, but nothing on the encounter "
                        f"changed since it was sent on {last.sent}",
                        "correct the encounter first (or use --replace to send it as it is)",
                    )
                )
                report.statuses[claim.claim_id] = ("Not sent", "unchanged since sent")
            else:
                frequency = "8" if claim.frequency == "8" else "7"
                sending.append(
                    claim.model_copy(update={"frequency": frequency, "payer_claim_number": number})
                )
        elif fp == last.fingerprint:
            report.already += 1
            if last.sent == session.today:
                # sent earlier today: listed as this day's batch, so a rerun changes nothing
                word = FREQUENCY_WORDS.get(last.frequency, last.frequency)
                report.statuses[claim.claim_id] = ("Sent", f"{word} in {last.file}")
        else:
            report.findings.append(
                _finding(
                    session,
                    claim,
                    "CLAIM-CHANGED-AFTER-SENT",
                    "warning",
                    f"changed after it was sent on {last.sent} in {last.file or 'an earlier 837P'} "
                    f"({last.submission}); it is not billed again by itself",
                    "to send the change as a replacement (frequency 7), set Work Status "
                    "'Corrected claim' on its worklist row or run claims with --replace "
                    f"{claim.claim_id}; or undo the change",
                )
            )
            report.statuses[claim.claim_id] = (
                "Changed since sent",
                f"sent {last.sent} in {last.file}; changed since",
            )
    if sending:
        _send(session, report, sending, x12_dir, x12_path, created, store)
    return report


def _send(
    session: Session,
    report: ClaimsReport,
    claims: list[Claim],
    x12_dir: Path | None,
    x12_path: Path | None,
    created: datetime | None,
    store: ControlNumberStore | None,
) -> None:
    settings = session.book.settings
    require_settings(settings)
    store = store or ControlNumberStore()
    numbers = store.reserve(settings["Submitter ID"].strip(), transactions_needed(len(claims)))
    folder = x12_dir or session.folder(X12_FOLDER)
    path = x12_path or folder / f"{session.home.stem}-{numbers.interchange:09d}.837"
    when = created or datetime.combine(session.today, datetime.now().time()).replace(microsecond=0)
    # Every value is checked against the 837P guide first: an encounter with one a payer
    # would reject (a name X12 cannot carry, a city over 30 characters) is held with findings
    # on its cells and the file goes out without it; a problem outside any encounter (a
    # Settings value) keeps the whole file back.
    book = session.book
    # the register rows are made while a forked child writes part of the 837P (and
    # dropped, to be made again from the claims that went, when the file is not streamed)
    streamed = None if legacy_837p() else stream_837p(
        claims, settings, path, created=when, numbers=numbers,
        meanwhile=lambda: _sent_rows(session, claims, path.name, numbers),
    )  # fmt: skip
    if streamed is not None:  # every check passed: built, checked and written in one pass
        report.findings.extend(place_findings(streamed.findings, book, session.encounters_sheet()))
        report.write = Sent837(streamed.path, streamed.numbers)
        rows: _SentRows = streamed.meanwhile
        del streamed
    else:
        accepted = build_accepted(claims, settings, created=when, numbers=numbers)
        report.findings.extend(place_findings(accepted.findings, book, session.encounters_sheet()))
        for claim in claims:
            if claim.encounter_id in accepted.held:
                reason = accepted.held[claim.encounter_id][0]
                report.statuses[claim.claim_id] = ("Not sent", f"{reason.rule}: {reason.message}")
        if accepted.interchange is None:
            for claim in claims:
                report.statuses.setdefault(
                    claim.claim_id,
                    (
                        "Not sent",
                        "the 837P failed its checks (X12-... findings); nothing was written",
                    ),
                )
            return
        claims = accepted.claims
        written = save_837p(accepted.interchange, path, accepted.findings)
        report.write = Sent837(written.path, written.numbers)
        del written, accepted  # the interchange's loops: free them before the register rows
        rows = _sent_rows(session, claims, path.name, numbers)
    session.files.append(path)
    report.sent = claims
    new, updates, statuses = rows
    report.statuses.update(statuses)
    report.records = new
    session.claim_records.extend(new)
    session.register(
        RegisterEdit(sheet=CLAIM_REGISTER, columns=CLAIM_COLUMNS,
                     append=[r.values() for r in new], updates=updates)
    )  # fmt: skip


#: the Claim Register rows a file's claims add, the cells of the rows they replace, and
#: each claim's status on the Claims sheet
_SentRows = tuple[list[ClaimRecord], list[CellUpdate], dict[str, tuple[str, str]]]


def _sent_rows(
    session: Session, claims: list[Claim], name: str, numbers: ControlNumbers
) -> _SentRows:
    """The register rows for ``claims`` sent in file ``name`` (changes nothing: see _send)."""
    by_claim = submissions_by_claim(session.claim_records)
    updates: list[CellUpdate] = []
    new: list[ClaimRecord] = []
    statuses: dict[str, tuple[str, str]] = {}
    # submissions so far per claim, counted once (next_submission per claim over the whole
    # register was quadratic: 50,000 claims took minutes)
    sent_before = {key: len(earlier) for key, earlier in by_claim.items()}
    # the texts every claim of the file shares, made once (not 46,000 equal copies)
    isa13 = f"{numbers.interchange:09d}"
    gs06 = str(numbers.group)
    texts: dict[str, tuple[tuple[str, str], str]] = {}
    for index, claim in enumerate(claims):
        st02 = numbers.first_transaction + index // MAX_CLAIMS_PER_ST
        key = claim.claim_id.strip().upper()
        sent_before[key] = sent_before.get(key, 0) + 1
        submission = f"{claim.claim_id}/{sent_before[key]}"
        shared = texts.get(claim.frequency)
        if shared is None:
            word = FREQUENCY_WORDS.get(claim.frequency, claim.frequency)
            shared = texts[claim.frequency] = (
                ("Sent", f"{word} in {name}"),
                f"{session.today.isoformat()} sent ({word}) in {name}",
            )
        status_text, sent_history = shared
        record = ClaimRecord(
            submission=submission,
            claim_id=claim.claim_id,
            encounter_id=claim.encounter_id,
            patient=patient_name(claim),
            payer=claim.payer,
            payer_id=claim.payer_id,
            frequency=claim.frequency,
            replaces=claim.payer_claim_number or "",
            first_service=min(line.date_of_service for line in claim.lines),
            billed=claim.total_charge,
            line_count=len(claim.lines),
            lines=lines_text(claim),
            fingerprint=fingerprint(claim),
            file=name,
            isa13=isa13,
            gs06=gs06,
            st02=f"{st02:04d}",
            sent=session.today,
            status="voided" if claim.frequency == "8" else "sent",
            status_date=session.today,
            history=sent_history,
        )
        new.append(record)
        statuses[claim.claim_id] = status_text
        for earlier in by_claim.get(claim.claim_id.strip().upper(), [])[-1:]:
            if earlier.row is None:
                continue
            status = "rejected" if earlier.status == "rejected" else "replaced"
            history = f"{earlier.history}; {session.today.isoformat()} replaced by {submission}"
            updates += [
                CellUpdate(row=earlier.row, column="Status", value=status),
                CellUpdate(row=earlier.row, column="Status Date", value=session.today),
                CellUpdate(row=earlier.row, column="History", value=history.lstrip("; ")),
            ]
    return new, updates, statuses


def claims_table_for(report: ClaimsReport) -> Any:
    """The Claims sheet: what this run sent, held, or left for a person to decide."""
    return claims_table(report.result, report.statuses)
