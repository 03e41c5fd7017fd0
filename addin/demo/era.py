"""What the demo's payers send back: adjudication, 835 files and one portal spreadsheet.

The payers pay the contract rate, write off the rest (CO-45), leave deductibles, copays and
coinsurance to the patient (PR-1/3/2), deny about 10 % of claims, underpay a few, reverse
and correct one claim (CLP02 22), split one (MA15), pay interest on a late claim (AMT*I with
a PLB L6) and recoup an old overpayment (PLB WO). Payment runs after the demo's as-of day
have not happened yet, so late visits stay pending.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from addin.demo import data
from addin.demo.data import DemoPayer, contract_rate
from addin.demo.generate import DemoData, DemoEncounter

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
PAYER_BY_NAME = {p.name: p for p in data.PAYERS}
# CLP06 has its own list: commercial plans report their product (12 = PPO), not "CI".
CLP06 = {"CI": "12"}
# the deductible left for patients still inside it this late in the year
DEDUCTIBLE_LEFT = Decimal("150.00")


@dataclass
class LinePay:
    """One SVC: a service line as the payer priced it."""

    code: str
    modifiers: list[str]
    units: Decimal
    billed: Decimal
    allowed: Decimal
    paid: Decimal
    dos: date
    adjustments: list[tuple[str, str, Decimal]] = field(default_factory=list)

    def negated(self) -> LinePay:
        return LinePay(
            self.code, self.modifiers, self.units, -self.billed, -self.allowed, -self.paid,
            self.dos, [(g, r, -a) for g, r, a in self.adjustments],
        )  # fmt: skip


@dataclass
class ClaimPay:
    """One CLP: a claim as the payer adjudicated it."""

    enc: DemoEncounter
    status: str
    icn: str
    lines: list[LinePay]
    remarks: list[str] = field(default_factory=list)
    interest: Decimal = ZERO

    @property
    def billed(self) -> Decimal:
        return sum((x.billed for x in self.lines), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((x.paid for x in self.lines), ZERO)

    @property
    def patient_resp(self) -> Decimal:
        return sum((a for x in self.lines for g, _, a in x.adjustments if g == "PR"), ZERO)

    def reversal(self) -> ClaimPay:
        return ClaimPay(self.enc, "22", self.icn, [x.negated() for x in self.lines])


@dataclass
class Check:
    """One payment (check or EFT) with its claims and provider-level adjustments."""

    payer: DemoPayer
    trace: str
    paid_on: date
    claims: list[ClaimPay] = field(default_factory=list)
    plb: list[tuple[str, str, Decimal]] = field(default_factory=list)  # reason, ref, amount

    @property
    def amount(self) -> Decimal:
        """BPR02: claims paid minus PLB (a negative PLB, such as interest, adds)."""
        return sum((c.paid for c in self.claims), ZERO) - sum((a for _, _, a in self.plb), ZERO)


@dataclass
class Remits:
    """Every payment the payers made up to the as-of day, and what was meant by each."""

    checks: list[Check]
    intent: dict[str, str]  # encounter id -> paid, denied, underpaid, corrected, pending
    denial_reasons: dict[str, str]  # encounter id -> CARC
    split: str = ""
    reversed: str = ""
    interest: str = ""

    @property
    def deposits(self) -> Decimal:
        return sum((c.amount for c in self.checks), ZERO)


def _pay_day(payer: DemoPayer, day: date) -> date:
    while day.weekday() != payer.weekday:
        day += timedelta(days=1)
    return day


def _price(
    rng: random.Random, enc: DemoEncounter, payer: DemoPayer, factor: Decimal, deductible: bool
) -> list[LinePay]:
    """Lines priced at the contract (times ``factor``) with the patient's share."""
    out: list[LinePay] = []
    copay_left = payer.copay.get(enc.service_line, ZERO)
    deductible_left = DEDUCTIBLE_LEFT if deductible else ZERO
    for line in enc.lines:
        allowed = (contract_rate(payer, line.code) * line.units * factor).quantize(CENT)
        allowed = min(allowed, line.charge)
        adjustments: list[tuple[str, str, Decimal]] = []
        if line.charge > allowed:
            adjustments.append(("CO", "45", line.charge - allowed))
        owed = allowed
        if line.code not in data.NO_COST_SHARE:
            if deductible_left > 0:
                amount = min(deductible_left, owed)
                adjustments.append(("PR", "1", amount))
                deductible_left -= amount
                owed -= amount
            if copay_left > 0 and line.code in data.VISIT_CODES and owed > 0:
                amount = min(copay_left, owed)
                adjustments.append(("PR", "3", amount))
                copay_left = ZERO
                owed -= amount
            if payer.coinsurance and owed > 0:
                amount = (owed * payer.coinsurance).quantize(CENT)
                adjustments.append(("PR", "2", amount))
                owed -= amount
        out.append(
            LinePay(line.code, list(line.modifiers), line.units, line.charge, allowed, owed,
                    enc.dos, adjustments)
        )  # fmt: skip
    return out


def _deny(enc: DemoEncounter, reason: tuple[str, str, str, float]) -> list[LinePay]:
    group, carc, _, _ = reason
    return [
        LinePay(line.code, list(line.modifiers), line.units, line.charge, ZERO, ZERO, enc.dos,
                [(group, carc, line.charge)])
        for line in enc.lines
    ]  # fmt: skip


def adjudicate(demo: DemoData) -> Remits:
    """Price, deny and pay the quarter's claims the way the five payers would."""
    rng = random.Random(demo.seed + 835)
    checks: dict[tuple[str, date], Check] = {}
    intent: dict[str, str] = {}
    reasons: dict[str, str] = {}
    counters: dict[str, int] = defaultdict(int)
    by_claim: dict[str, tuple[Check, ClaimPay]] = {}

    def check_for(payer: DemoPayer, day: date) -> Check:
        key = (payer.name, day)
        if key not in checks:
            counters[payer.name] += 1
            trace = f"{payer.payer_id[:3]}{day:%y%m%d}{counters[payer.name]:02d}"
            checks[key] = Check(payer, trace, day)
        return checks[key]

    for enc in demo.billable:
        payer = PAYER_BY_NAME[enc.payer]
        paid_on = _pay_day(payer, enc.dos + timedelta(days=rng.randint(*payer.lag)))
        denied = rng.random() < data.DENIAL_SHARE
        under = not denied and payer.filing in ("CI", "16") and rng.random() < data.UNDERPAID_SHARE
        deductible = rng.random() < payer.deductible_share
        reason = rng.choices(data.DENIALS, [d[3] for d in data.DENIALS])[0]
        if paid_on > data.AS_OF:
            intent[enc.encounter_id] = "pending"
            continue
        counters["icn"] += 1
        icn = f"{payer.payer_id[:2]}{paid_on:%y%j}{counters['icn']:06d}"
        if denied:
            claim = ClaimPay(enc, "4", icn, _deny(enc, reason), [reason[2]] if reason[2] else [])
            intent[enc.encounter_id] = "denied"
            reasons[enc.encounter_id] = reason[1]
        else:
            factor = Decimal("0.90") if under else Decimal(1)
            claim = ClaimPay(enc, "1", icn, _price(rng, enc, payer, factor, deductible))
            intent[enc.encounter_id] = "underpaid" if under else "paid"
        check = check_for(payer, paid_on)
        check.claims.append(claim)
        by_claim[enc.encounter_id] = (check, claim)
    remits = Remits(list(checks.values()), intent, reasons)
    _specials(rng, remits, by_claim, check_for)
    remits.checks.sort(key=lambda c: (c.paid_on, c.payer.name))
    return remits


def _specials(
    rng: random.Random,
    remits: Remits,
    by_claim: dict[str, tuple[Check, ClaimPay]],
    check_for: object,
) -> None:
    """The reversal and correction, the split claim, interest and the recoupment."""
    assert callable(check_for)
    paid = [
        (check, claim)
        for check, claim in by_claim.values()
        if remits.intent[claim.enc.encounter_id] == "paid" and claim.paid > 0
    ]
    # Reversal: Medicare takes back an early payment three weeks later and pays it again
    # without the deductible it had wrongly applied.
    for check, claim in paid:
        if check.payer.name != data.MEDICARE or check.paid_on + timedelta(28) > data.AS_OF:
            continue
        later: Check = check_for(check.payer, _pay_day(check.payer, check.paid_on + timedelta(21)))
        if not any(c is later for c in remits.checks):
            remits.checks.append(later)
        fixed = ClaimPay(claim.enc, "1", claim.icn + "R", [
            LinePay(x.code, x.modifiers, x.units, x.billed, x.allowed, x.paid, x.dos,
                    list(x.adjustments)) for x in claim.lines
        ])  # fmt: skip
        # the original took a deductible from the first line; the correction pays it
        first = claim.lines[0]
        taken = min(Decimal("40.00"), first.paid)
        first.adjustments.append(("PR", "1", taken))
        first.paid -= taken
        later.claims.extend([claim.reversal(), fixed])
        remits.intent[claim.enc.encounter_id] = "corrected"
        remits.reversed = claim.enc.encounter_id
        break
    # Split: Granite pays a multi-line claim as two claims, each marked MA15.
    for check, claim in paid:
        if check.payer.name != "Granite Health Insurance" or len(claim.lines) < 2:
            continue
        if claim.enc.encounter_id == remits.reversed:
            continue
        index = check.claims.index(claim)
        half = len(claim.lines) // 2
        first_part = ClaimPay(claim.enc, "1", claim.icn + "A", claim.lines[:half], ["MA15"])
        second_part = ClaimPay(claim.enc, "1", claim.icn + "B", claim.lines[half:], ["MA15"])
        check.claims[index : index + 1] = [first_part, second_part]
        remits.split = claim.enc.encounter_id
        break
    # Interest on the slowest Medicaid payment; the PLB L6 carries the money (negative: it
    # adds to the check), AMT*I on the claim says which claim earned it.
    slowest = max(
        (pair for pair in paid if pair[0].payer.name == "State Medicaid"),
        key=lambda pair: (pair[0].paid_on - pair[1].enc.dos).days,
        default=None,
    )
    if slowest is not None:
        check, claim = slowest
        days = (check.paid_on - claim.enc.dos).days
        claim.interest = max((claim.paid * Decimal("0.0005") * days).quantize(CENT), CENT)
        check.plb.append(("L6", claim.icn, -claim.interest))
        remits.interest = claim.enc.encounter_id
    # Recoupment: Granite takes back an overpayment on a claim from before the quarter.
    granite = [c for c in remits.checks if c.payer.name == "Granite Health Insurance"]
    if granite:
        biggest = max(granite, key=lambda c: c.amount)
        biggest.plb.append(("WO", "GH2605119000123", Decimal("42.50")))


# -- files --------------------------------------------------------------------------------


def _m(value: Decimal) -> str:
    text = f"{value:.2f}"
    return text[:-3] if text.endswith(".00") else text


def _svc(line: LinePay) -> list[str]:
    composite = ":".join(["HC", line.code, *line.modifiers])
    units = _m(line.units) if line.units != 1 else ""
    segs = [f"SVC*{composite}*{_m(line.billed)}*{_m(line.paid)}**{units}".rstrip("*")]
    segs.append(f"DTM*472*{line.dos:%Y%m%d}")
    by_group: dict[str, list[str]] = defaultdict(list)
    for group, reason, amount in line.adjustments:
        by_group[group].append(f"{reason}*{_m(amount)}")
    for group, items in by_group.items():
        # CAS holds up to six reason/amount pairs; the quantity element between stays empty
        segs.append(f"CAS*{group}*" + "**".join(items))
    segs.append(f"AMT*B6*{_m(line.allowed)}")
    return segs


def era_text(check: Check, settings: dict[str, str], control: int) -> str:
    """The 835 (005010X221A1) for one payment, one segment a line."""
    payer = check.payer
    receiver = settings["Submitter ID"]
    day = check.paid_on
    isa = (
        f"ISA*00*{'':10}*00*{'':10}*ZZ*{payer.payer_id:<15}*ZZ*{receiver:<15}*"
        f"{day:%y%m%d}*0800*^*00501*{control:09d}*0*T*:"
    )
    body: list[str] = [
        "ST*835*0001",
        (
            f"BPR*I*{_m(check.amount)}*C*ACH*CCP*01*011000015*DA*0047120*1{payer.payer_id[:3]}"
            f"000001**01*011000138*DA*5503311*{day:%Y%m%d}"
            if check.amount > 0
            else f"BPR*H*{_m(check.amount)}*C*NON************{day:%Y%m%d}"
        ),
        f"TRN*1*{check.trace}*1{settings['Tax ID']}",
        f"DTM*405*{day:%Y%m%d}",
        f"N1*PR*{payer.name.upper()}",
        "N3*PO BOX 4400",
        "N4*SPRINGFIELD*MA*011024400",
        f"REF*2U*{payer.payer_id}",
        "PER*BL*PROVIDER SERVICES*TE*8005550199",
        f"N1*PE*{settings['Billing Provider Name'].upper()}*XX*{settings['Billing NPI']}",
        f"REF*TJ*{settings['Tax ID']}",
    ]
    for number, claim in enumerate(check.claims, start=1):
        enc = claim.enc
        p = enc.patient
        body.append(f"LX*{number}")
        body.append(
            f"CLP*{enc.encounter_id}*{claim.status}*{_m(claim.billed)}*{_m(claim.paid)}*"
            f"{_m(claim.patient_resp) if claim.patient_resp else ''}*"
            f"{CLP06.get(payer.filing, payer.filing)}*"
            f"{claim.icn}*{enc.pos}*1"
        )
        body.append(f"NM1*QC*1*{p.last.upper()}*{p.first.upper()}****MI*{p.member_id}")
        body.append(f"NM1*82*1******XX*{enc.rendering_npi}")
        if claim.remarks:
            body.append("MOA***" + "*".join(claim.remarks))
        body.append(f"DTM*232*{enc.dos:%Y%m%d}")
        body.append(f"DTM*050*{check.paid_on - timedelta(days=7):%Y%m%d}")
        if claim.interest:
            body.append(f"AMT*I*{_m(claim.interest)}")
        for line in claim.lines:
            body.extend(_svc(line))
    if check.plb:
        items = "*".join(f"{reason}:{ref}*{_m(amount)}" for reason, ref, amount in check.plb)
        body.append(f"PLB*{settings['Billing NPI']}*{day.year}1231*{items}")
    body.append(f"SE*{len(body) + 1}*0001")
    segments = [
        isa,
        f"GS*HP*{payer.payer_id}*{receiver}*{day:%Y%m%d}*0800*{control}*X*005010X221A1",
        *body,
        f"GE*1*{control}",
        f"IEA*1*{control:09d}",
    ]
    return "~\n".join(segments) + "~\n"


PAYER_SHEET_COLUMNS = (
    "Check Number", "Payment Date", "Payer", "Patient", "Claim ID", "Payer Claim Number",
    "Status", "Date of Service", "Procedure", "Modifiers", "Billed", "Allowed", "Paid",
    "Patient Responsibility", "Adjustment Group", "Reason Code", "Adjustment Amount",
    "Remark Codes",
)  # fmt: skip


def write_payer_sheet(checks: list[Check], path: Path) -> Path:
    """The portal export of a payer that sends no 835: one row per service line.

    The export has room for one adjustment a line (group, reason, amount), which is all a
    plan without cost sharing needs: the contractual write-off or the denial.
    """
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Remittance"
    ws.append(list(PAYER_SHEET_COLUMNS))
    for check in checks:
        for claim in check.claims:
            status = {"1": "Paid", "4": "Denied", "22": "Reversed"}[claim.status]
            p = claim.enc.patient
            for line in claim.lines:
                resp = sum((a for g, _, a in line.adjustments if g == "PR"), ZERO)
                if len(line.adjustments) > 1:
                    raise ValueError(f"{claim.enc.encounter_id}: the export holds one adjustment")
                group, reason, amount = line.adjustments[0] if line.adjustments else ("", "", None)
                ws.append([
                    check.trace, check.paid_on, check.payer.name, f"{p.last}, {p.first}",
                    claim.enc.encounter_id, claim.icn, status, line.dos, line.code,
                    " ".join(line.modifiers), line.billed, line.allowed, line.paid, resp,
                    group, reason, amount, " ".join(claim.remarks),
                ])  # fmt: skip
    for cells in ws.iter_rows(min_row=2):
        cells[1].number_format = cells[7].number_format = "mm/dd/yyyy"
        for cell in (*cells[10:14], cells[16]):
            cell.number_format = "#,##0.00"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_remits(remits: Remits, settings: dict[str, str], folder: Path) -> list[Path]:
    """One 835 file per payment from payers that send them; one sheet for the one that does not."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    portal: list[Check] = []
    for control, check in enumerate(remits.checks, start=7001):
        if not check.payer.era:
            portal.append(check)
            continue
        slug = check.payer.name.split()[0].lower()
        path = folder / f"{slug}-{check.paid_on:%Y%m%d}-{check.trace}.835"
        path.write_text(era_text(check, settings, control), encoding="ascii")
        written.append(path)
    if portal:
        slug = portal[0].payer.name.lower().replace(" ", "-")
        written.append(write_payer_sheet(portal, folder / f"{slug}-remittance.xlsx"))
    return written
