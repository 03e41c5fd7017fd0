"""The sample clinic several workbook tests share: its Settings, the Aetna 835 paying two of
its encounters, and a builder for a workbook from Encounters rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import openpyxl

SETTINGS = {
    "Billing Provider Name": "Riverside Family Medicine", "Billing NPI": "1234567893",
    "Tax ID": "123456789", "Taxonomy Code": "207Q00000X", "Billing Address": "100 Main St",
    "Billing City": "Springfield", "Billing State": "IL", "Billing ZIP": "627011234",
    "Submitter Name": "Riverside", "Submitter ID": "RFM0001", "Submitter Contact": "Jane",
    "Submitter Phone": "2175550100", "Receiver Name": "Availity", "Receiver ID": "030240928",
    "Usage Indicator": "T", "Provider Names": "1987654328 Nguyen, Linh",
}  # fmt: skip
ISA = (
    "ISA*00*          *00*          *ZZ*AETNA          *ZZ*RIVERSIDE      *260401*1200*^*00501*"
    "000000009*0*P*:~\n"
)
# V1 paid (99213 and 36415, with a copay), V2 denied (CO-197).
ERA = (
    ISA
    + """GS*HP*AETNA*RIVERSIDE*20260401*1200*9*X*005010X221A1~
ST*835*0001~
BPR*I*90.00*C*ACH*CCP*01*999999999*DA*1*1999999999**01*999999999*DA*2*20260401~
TRN*1*EFT777*1999999999~
N1*PR*AETNA~
N1*PE*RIVERSIDE FAMILY MEDICINE*XX*1234567893~
LX*1~
CLP*V1*1*137.50*90.00*20.00*12*AET1~
SVC*HC:99213*125.00*80.00**1~
DTM*472*20260304~
CAS*CO*45*25.00~
CAS*PR*3*20.00~
SVC*HC:36415*12.50*10.00**1~
DTM*472*20260304~
CAS*CO*45*2.50~
CLP*V2*4*150.00*0.00**12*AET2~
CAS*CO*197*150.00~
SE*17*0001~
GE*1*9~
IEA*1*000000009~
"""
)


def write_clinic(
    path: Path,
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    settings: Mapping[str, str] = SETTINGS,
    contracts: Iterable[tuple[str, str, float]] = (),
) -> Path:
    """A workbook with Encounters (text starting "=" stays text), Settings, Payers (Aetna)
    and, when given, Contracts rows of (payer, code, allowed)."""
    wb = openpyxl.Workbook()
    enc = wb.active
    assert enc is not None
    enc.title = "Encounters"
    enc.append(list(headers))
    for row in rows:
        enc.append(list(row))
    for cells in enc.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # typed text, not a formula
    sheet = wb.create_sheet("Settings")
    for key, value in settings.items():
        sheet.append([key, value])
    payers = wb.create_sheet("Payers")
    payers.append(["Payer", "Payer ID", "Claim Filing Indicator"])
    payers.append(["Aetna", "60054", "CI"])
    contracts = list(contracts)
    if contracts:
        sheet = wb.create_sheet("Contracts")
        sheet.append(["Payer", "Code", "Allowed"])
        for row in contracts:
            sheet.append(list(row))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
