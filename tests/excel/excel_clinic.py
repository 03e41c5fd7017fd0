"""A small clinic workbook and an 835 for it, for the button tests."""

from __future__ import annotations

from pathlib import Path

import openpyxl

ENC_HEADERS = [
    "Encounter ID", "Patient Last Name", "Patient First Name", "Patient DOB", "Patient Sex",
    "Patient Address", "Patient City", "Patient State", "Patient ZIP", "Payer", "Member ID",
    "Relationship", "Subscriber Last Name", "Subscriber First Name", "Subscriber DOB",
    "Subscriber Sex", "Rendering NPI", "Place of Service", "Date of Service", "Dx 1", "Dx 2",
    "Diagnosis Text", "Procedure Code", "Modifier 1", "Units", "Charge", "Dx Pointer",
]  # fmt: skip
PATIENT = ["Garcia", "Maria", "1980-05-17", "F", "12 Oak Ave", "Springfield", "IL", "62704"]
SELF = ["Aetna", "W1", "Self", "", "", "", "", "1987654328", "11"]
ROWS = [
    ["V1", *PATIENT, *SELF, "2026-03-04", "E11.9", "I10", "", "99213", "25", 1, 125, "1,2"],
    ["V1", *PATIENT, *SELF, "2026-03-04", "E11.9", "I10", "", "36415", "", 1, 12.5, "1"],
    ["V2", *PATIENT, *SELF, "2026-01-05", "E11.9", "", "", "99214", "", 1, 150, "1"],
    # a mistake for the check: a category, not a billable code; and a payer nobody knows
    ["V3", *PATIENT, "Nobody Insurance", "W3", "Self", "", "", "", "", "1987654328", "11",
     "2026-03-06", "E11", "", "", "99213", "", 1, 110, "1"],
    # codes left for the suggestion button
    ["V4", *PATIENT, *SELF, "2026-03-09", "", "", "flu shot; HTN", "90686", "", 1, 40, "1"],
    ["V5", *PATIENT, *SELF, "2026-03-10", "", "", "=cmd|' /C calc'!A0", "99212", "", 1, 80,
     "1"],
]  # fmt: skip
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


def make_clinic(folder: Path, name: str = "clinic.xlsx") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    enc = wb.active
    assert enc is not None
    enc.title = "Encounters"
    enc.append(ENC_HEADERS)
    for row in ROWS:
        enc.append(row)
    for row in enc.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # typed text, not a formula
    settings = wb.create_sheet("Settings")
    for key, value in SETTINGS.items():
        settings.append([key, value])
    payers = wb.create_sheet("Payers")
    payers.append(["Payer", "Payer ID", "Claim Filing Indicator"])
    payers.append(["Aetna", "60054", "CI"])
    contracts = wb.create_sheet("Contracts")
    contracts.append(["Payer", "Code", "Allowed"])
    contracts.append(["Aetna", "99213", 95])
    contracts.append(["Aetna", "36415", 10])
    path = folder / name
    wb.save(path)
    return path
