"""What the demo's payers send back, as files: 835s (005010X221A1) and a portal export.

The payments themselves are worked out in ``addin.demo.payers``; here are the records of a
payment (a check with its claims and lines) and the files written from them.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from addin.demo import data
from addin.demo.data import DemoPayer
from addin.demo.generate import DemoEncounter

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
PAYER_BY_NAME = {p.name: p for p in data.ALL_PAYERS}
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
    claim_id: str = ""  # CLM01 as the claim was sent (CLP01 echoes it)

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
        return ClaimPay(self.enc, "22", self.icn, [x.negated() for x in self.lines],
                        claim_id=self.claim_id)  # fmt: skip


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
            f"CLP*{claim.claim_id or enc.encounter_id}*{claim.status}*{_m(claim.billed)}*"
            f"{_m(claim.paid)}*"
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
                    claim.claim_id or claim.enc.encounter_id, claim.icn, status, line.dos,
                    line.code,
                    " ".join(line.modifiers), line.billed, line.allowed, line.paid, resp,
                    group, reason, amount, " ".join(claim.remarks),
                ])  # fmt: skip
    for cells in ws.iter_rows(min_row=2):
        cells[1].number_format = cells[7].number_format = "mm/dd/yyyy"
        for cell in (*cells[10:14], cells[16]):
            cell.number_format = "#,##0.00"
    from addin.sheets.template import reproducible

    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    wb.save(buffer)
    # the same quarter gives the same export, byte for byte (openpyxl stamps the clock)
    path.write_bytes(reproducible(buffer.getvalue()))
    return path


# -- the bank -----------------------------------------------------------------------------

BANK_COLUMNS = ("Posting Date", "Description", "Debit", "Credit", "Reference")
#: An insurer's payment that reaches the bank with no ERA behind it (the demo's seed).
UNANNOUNCED = ("ACH CREDIT HUMANA CLAIMS HCCLAIMPMT TRN*1*HUM5510073*1610000000",
               Decimal("184.20"))  # fmt: skip


@dataclass
class BankExport:
    """The clinic's checking-account download, and what it was seeded with."""

    path: Path
    not_in_bank: list[str]  # traces of ERAs whose money has not arrived by the download
    no_era: list[Decimal]  # deposits no ERA announced


def write_bank_export(checks: list[Check], path: Path, downloaded: date) -> BankExport:
    """The bank's CSV as the office downloads it on ``downloaded``: every payment the payers
    made arrives the next business day, except the newest one (still in transit), plus one
    insurer's deposit with no ERA, and the practice's own debits (never deposits)."""
    paying = [c for c in checks if c.amount > 0]
    newest = max(paying, key=lambda c: (c.paid_on, c.trace)) if paying else None
    rows: list[tuple[date, str, str, str, str]] = []
    for n, check in enumerate(paying, start=1):
        if check is newest:
            continue
        arrives = check.paid_on + timedelta(days=1 if check.paid_on.weekday() < 4 else 3)
        name = check.payer.name.upper()
        text = (f"ACH CREDIT {name} HCCLAIMPMT TRN*1*{check.trace}*1{check.payer.payer_id}"
                if check.payer.era else f"ACH CREDIT {name} PAYMENT")  # fmt: skip
        rows.append((arrives, text, "", f"{check.amount:.2f}", f"B{n:05d}"))
    unannounced_day = downloaded - timedelta(days=4)
    rows.append((unannounced_day, UNANNOUNCED[0], "", f"{UNANNOUNCED[1]:.2f}", "B99001"))
    for day in sorted({c.paid_on.replace(day=1) for c in paying}):
        rows.append((day, "RENT 100 MAIN ST", "4200.00", "", f"R{day:%y%m}"))
    rows.sort(key=lambda r: (r[0], r[4]))
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["Account,Practice Checking ****0047", "", ",".join(BANK_COLUMNS)]
    lines += [f"{d:%m/%d/%Y},{text},{debit},{credit},{ref}" for d, text, debit, credit, ref in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return BankExport(path, [newest.trace] if newest else [], [UNANNOUNCED[1]])
