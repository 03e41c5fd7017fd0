"""Secondary and tertiary 837Ps: the claim with the earlier payers' adjudication (COB).

A claim billed to the next payer carries, for each payer that adjudicated it before, loop
2320 (SBR with that payer's responsibility sequence, claim-level CAS, AMT*D paid, AMT*EAF
remaining patient liability, OI, MOA when the payer sent one), 2330A (its subscriber) and
2330B (the payer), and per service line loop 2430 (SVD paid, the line's CAS exactly as the
payer sent them, DTP*573 the adjudication date). 2000B's SBR01 says which payer this claim
is for (S secondary, T tertiary).

The guide's balancing is checked before anything is written (:func:`cob_problems`): for each
earlier payer, each line's charge less its 2430 adjustments equals SVD02, and the claim's
charge less the 2320 and 2430 adjustments equals AMT*D.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from addin.errors import OutputError
from addin.models import Adjustment, Claim, ClaimLine, ClaimPayment, ServicePayment
from addin.x12.envelope import ControlNumbers
from addin.x12.x837p.loops import Interchange, Loop2300, RawLoop, Transaction837P
from addin.x12.x837p.names import FORBIDDEN_IN_IDS, Names
from addin.x12.x837p.segs import NM1, REF, SBR, RawSegment, Seg
from addin.x12.x837p.text import amount, d8, quantity
from addin.x12.x837p.writer import assemble, require_settings

ZERO = Decimal("0.00")
#: Remark codes that say the payer sent the claim on to the next payer itself (crossover).
CROSSOVER_REMARKS = frozenset({"MA18", "N89"})
#: CLP02 values of a claim processed and forwarded to another payer.
CROSSOVER_STATUSES = frozenset({"19", "20", "21"})
SEQUENCES = ("P", "S", "T")


def crossed_over(payment: ClaimPayment) -> bool:
    """Whether the payer forwarded the claim to the next payer itself (MA18, N89, CLP02
    19/20/21): billing it again would be a duplicate."""
    if payment.status in CROSSOVER_STATUSES:
        return True
    remarks = {*payment.remark_codes, *(r for s in payment.services for r in s.remark_codes)}
    return bool(remarks & CROSSOVER_REMARKS)


@dataclass(frozen=True)
class PriorPayer:
    """A payer that adjudicated the claim before this one, and what it did (its 835 CLP)."""

    sequence: str  # P, S: this payer's responsibility sequence on the claim
    payer: str
    payer_id: str
    filing_indicator: str
    member_id: str
    group_number: str
    relationship: str  # the patient's relationship to this payer's subscriber (SBR02)
    subscriber_last: str
    subscriber_first: str
    payment: ClaimPayment
    adjudicated: date  # the 835's payment date (BPR16) or production date


@dataclass
class CobClaim:
    """A claim for the next payer (``claim.payer``) with the earlier payers' adjudication."""

    claim: Claim
    sequence: str  # S or T
    priors: list[PriorPayer] = field(default_factory=list)


def line_payments(claim: Claim, payment: ClaimPayment) -> list[ServicePayment | None]:
    """Each billed line's payment on the 835: by procedure, modifiers and date, else by
    position; None for a line the payer did not answer."""
    left = list(payment.services)
    out: list[ServicePayment | None] = []
    for line in claim.lines:
        found = next(
            (
                s
                for s in left
                if s.procedure_code == line.procedure_code
                and list(s.modifiers) == list(line.modifiers)
                and s.date_of_service in (None, line.date_of_service)
            ),
            None,
        ) or next((s for s in left if s.procedure_code == line.procedure_code), None)
        if found is not None:
            left.remove(found)
        out.append(found)
    return out


def patient_liability(payment: ClaimPayment) -> Decimal:
    """What the payer left to the patient: CLP05, else the PR adjustments."""
    if payment.patient_responsibility is not None:
        return payment.patient_responsibility
    return sum((a.amount for a in payment.all_adjustments if a.group == "PR"), ZERO)


def cob_problems(cob: CobClaim) -> list[str]:
    """Every way the claim would not balance as the guide requires (empty when it does)."""
    claim = cob.claim
    out: list[str] = []
    for prior in cob.priors:
        pay = prior.payment
        lines = line_payments(claim, pay)
        if pay.services and any(s is None for s in lines):
            missing = [
                ln.procedure_code for ln, s in zip(claim.lines, lines, strict=True) if s is None
            ]
            out.append(
                f"claim {claim.claim_id}: {prior.payer}'s 835 answers no line for "
                f"{', '.join(missing)}"
            )
            continue
        total = sum((a.amount for a in pay.adjustments), ZERO)
        for line, svc in zip(claim.lines, lines, strict=True):
            if svc is None:
                continue
            adj = sum((a.amount for a in svc.adjustments), ZERO)
            total += adj
            if line.charge - adj != svc.paid:
                out.append(
                    f"claim {claim.claim_id} line {line.line_number} ({line.procedure_code}): "
                    f"charge {line.charge:.2f} - {prior.payer}'s adjustments {adj:.2f} != "
                    f"paid {svc.paid:.2f}"
                )
        if claim.total_charge - total != pay.paid:
            out.append(
                f"claim {claim.claim_id}: charge {claim.total_charge:.2f} - {prior.payer}'s "
                f"adjustments {total:.2f} != AMT*D {pay.paid:.2f}"
            )
    return out


def _cas(adjustments: Sequence[Adjustment]) -> list[Seg]:
    """CAS segments in the payer's order, one per group, at most six reasons each."""
    groups: dict[str, list[Adjustment]] = {}
    for adj in adjustments:
        groups.setdefault(adj.group, []).append(adj)
    out: list[Seg] = []
    for group, adjs in groups.items():
        for start in range(0, len(adjs), 6):
            values: list[str] = [group]
            for adj in adjs[start : start + 6]:
                qty = quantity(adj.quantity) if adj.quantity is not None else ""
                values += [adj.reason, amount(adj.amount), qty]
            while values and not values[-1]:
                values.pop()
            out.append(RawSegment("CAS", tuple(values)))
    return out


def _prior_loops(cob: CobClaim, prior: PriorPayer, names: Names) -> RawLoop:
    """Loop 2320 with 2330A and 2330B below it for one earlier payer."""
    claim, pay = cob.claim, prior.payment
    ident = names.ident
    segs: list[Seg] = [
        SBR(prior.sequence, prior.relationship, ident(prior.group_number, ("2320", "SBR03"), claim),
            "", "", "", "", "", prior.filing_indicator),
        *_cas(pay.adjustments),
        RawSegment("AMT", ("D", amount(pay.paid))),
    ]  # fmt: skip
    liability = patient_liability(pay)
    if liability:
        segs.append(RawSegment("AMT", ("EAF", amount(liability))))
    segs.append(RawSegment("OI", ("", "", "Y", "", "", "Y")))
    # the payer's claim-level remark codes came in its 835 MOA: passed on as it sent them
    remarks = [r for r in pay.remark_codes if r][:5]
    if remarks:
        segs.append(RawSegment("MOA", ("", "", *remarks)))
    subscriber = RawLoop(
        name="2330A",
        segments=[
            NM1("IL", "1", names(prior.subscriber_last, ("2330A", "NM103"), claim),
                names(prior.subscriber_first, ("2330A", "NM104"), claim), "", "", "", "MI",
                ident(prior.member_id, ("2330A", "NM109"), claim)),
        ],
    )  # fmt: skip
    payer_segs: list[Seg] = [
        NM1("PR", "2", names(prior.payer, ("2330B", "NM103"), claim), "", "", "", "", "PI",
            ident(prior.payer_id, ("2330B", "NM109"), claim)),
    ]  # fmt: skip
    if not pay.services:
        payer_segs.append(RawSegment("DTP", ("573", "D8", d8(prior.adjudicated))))
    if pay.payer_claim_number:
        number = pay.payer_claim_number.translate(FORBIDDEN_IN_IDS).strip()
        if number:
            payer_segs.append(REF("F8", number))
    payer = RawLoop(name="2330B", segments=payer_segs)
    return RawLoop(name="2320", segments=segs, loops=[subscriber, payer])


def _line_loop(line: ClaimLine, svc: ServicePayment, prior: PriorPayer) -> RawLoop:
    proc = ":".join(["HC", line.procedure_code, *line.modifiers])
    units = svc.units_paid if svc.units_paid is not None else line.units
    segs: list[Seg] = [
        RawSegment("SVD", (prior.payer_id, amount(svc.paid), proc, "", quantity(units))),
        *_cas(svc.adjustments),
        RawSegment("DTP", ("573", "D8", d8(prior.adjudicated))),
    ]
    return RawLoop(name="2430", segments=segs)


def add_cob(loop: Loop2300, cob: CobClaim, names: Names) -> None:
    """Put the earlier payers' 2320/2330 loops and each line's 2430 loops into ``loop``."""
    for prior in cob.priors:
        loop.loops.append(_prior_loops(cob, prior, names))
    for prior in cob.priors:
        if not prior.payment.services:
            continue
        answered = line_payments(cob.claim, prior.payment)
        for line, line_loop, svc in zip(cob.claim.lines, loop.lines, answered, strict=True):
            if svc is not None:
                line_loop.loops.append(_line_loop(line, svc, prior))


def _with_cob(txn: Transaction837P, cobs: dict[str, CobClaim], names: Names) -> None:
    for sub, _pat, claim_loop in txn.claims():
        cob = cobs[claim_loop.claim_id]
        sbr = sub.sbr
        if sbr is not None and sbr.responsibility != cob.sequence:
            index = sub.segments.index(sbr)
            sub.segments[index] = replace(sbr, responsibility=cob.sequence)
        add_cob(claim_loop, cob, names)


def build_cob_837p(
    cobs: Sequence[CobClaim],
    settings: dict[str, str],
    *,
    created: datetime,
    numbers: ControlNumbers,
) -> tuple[Interchange, list[str]]:
    """The interchange for claims to the next payer, and every balancing problem found
    (a claim with a problem must not be sent: the caller holds it and builds again)."""
    if not cobs:
        raise OutputError("no secondary claims to write")
    require_settings(settings)
    problems = [p for cob in cobs for p in cob_problems(cob)]
    names = Names()
    by_id = {cob.claim.claim_id: cob for cob in cobs}
    claims = [cob.claim for cob in cobs]
    interchange = assemble(claims, settings, names, created=created, numbers=numbers,
                           amend=lambda txn: _with_cob(txn, by_id, names))  # fmt: skip
    problems += [f.message for f in names.findings if f.blocking]
    return interchange, problems
