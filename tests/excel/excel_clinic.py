"""The button tests' clinic: encounters with mistakes to find and codes to suggest (its 835 is
clinic_sample.ERA)."""

from __future__ import annotations

from pathlib import Path

from clinic_sample import write_clinic

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


def make_clinic(folder: Path, name: str = "clinic.xlsx") -> Path:
    contracts = [("Aetna", "99213", 95), ("Aetna", "36415", 10)]
    return write_clinic(folder / name, ENC_HEADERS, ROWS, contracts=contracts)
