"""A clean clinic Book for the scrubber tests, and NPIs with valid check digits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from addin.models import Book, Encounter, PayerRow, Person, RuleRow, ServiceLine

TODAY = date(2026, 6, 1)
DOS = date(2026, 3, 2)

# Header text as a clinic wrote it, to check findings name the user's column, not ours.
HEADERS = {
    "Encounters": {
        "Date of Service": "DOS",
        "Procedure Code": "CPT",
        "Dx 1": "DX1",
        "Patient DOB": "DOB",
        "Modifier 1": "Mod 1",
        "Units": "Units",
    },
    "Settings": {},
    "Rules": {"Requirement Value": "Value"},
}


def npi(stem: str) -> str:
    """A 10-digit NPI with the Luhn check digit over 80840 + the 9-digit stem."""
    digits = [int(c) for c in "80840" + stem]
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return stem + str((10 - total % 10) % 10)


RENDERING = npi("123456789")
OTHER = npi("198765432")
BILLING = npi("154321098")


def person(**overrides: Any) -> Person:
    values: dict[str, Any] = {
        "last_name": "Rivera",
        "first_name": "Ana",
        "dob": date(1980, 5, 17),
        "sex": "F",
        "address": "12 Elm St",
        "city": "Albany",
        "state": "NY",
        "zip": "12207",
    }
    values.update(overrides)
    return Person(**values)


def line(row: int, code: str, **overrides: Any) -> ServiceLine:
    values: dict[str, Any] = {
        "row": row,
        "procedure_code": code,
        "units": Decimal(1),
        "charge": Decimal("100.00"),
        "dx_pointers": [1],
    }
    values.update(overrides)
    return ServiceLine(**values)


def clean_book() -> Book:
    """Several payers, a dependent, telehealth, modifiers and HCPCS lines; no error in it."""
    encounters = [
        # Office visit with a same-day knee injection: 25 on the E/M, RT matching M17.11.
        Encounter(
            encounter_id="E1",
            patient=person(sex="M", first_name="Luis", dob=date(1961, 2, 3)),
            payer="Aetna",
            member_id="W123456789",
            rendering_npi=RENDERING,
            place_of_service="11",
            date_of_service=DOS,
            diagnoses=["M17.11", "E11.9"],
            lines=[
                line(2, "99214", modifiers=["25"], dx_pointers=[1, 2], charge=Decimal("180")),
                line(3, "20610", modifiers=["RT"], charge=Decimal("150.50")),
                line(4, "J3301", units=Decimal(4), ndc="00003-0293-05", charge=Decimal("12")),
            ],
            rows=[2, 3, 4],
        ),
        # Medicare telehealth in the patient's home with modifier 95.
        Encounter(
            encounter_id="E2",
            patient=person(dob=date(1950, 8, 9)),
            payer="Medicare",
            member_id="1EG4TE5MK73",
            rendering_npi=RENDERING,
            place_of_service="10",
            date_of_service=DOS,
            diagnoses=["I10", "N95.1"],
            lines=[line(5, "99213", modifiers=["95"], dx_pointers=[1, 2])],
            rows=[5],
        ),
        # A child on a parent's Medicaid plan: well-child visit and vaccines.
        Encounter(
            encounter_id="E3",
            patient=person(first_name="Mia", dob=date(2020, 7, 1), sex="F"),
            payer="Medicaid NY",
            member_id="AB12345C",
            relationship="Child",
            subscriber=person(first_name="Rosa", dob=date(1990, 1, 1)),
            rendering_npi=RENDERING,
            referring_npi=OTHER,
            place_of_service="11",
            date_of_service=DOS,
            diagnoses=["Z00.129", "Z23"],
            lines=[
                line(6, "99393"),
                line(7, "90460", dx_pointers=[2], charge=Decimal("25")),
                line(8, "90700", dx_pointers=[2], charge=Decimal("40")),
            ],
            rows=[6, 7, 8],
        ),
        # Medicare annual wellness visit (HCPCS) and a flu shot, a replacement claim.
        Encounter(
            encounter_id="E4",
            patient=person(sex="M", first_name="Tom", dob=date(1948, 11, 30), zip="122071234"),
            payer="medicare",
            member_id="2EG4TE5MK74",
            rendering_npi=RENDERING,
            place_of_service="11",
            date_of_service=date(2026, 4, 14),
            diagnoses=["Z00.00", "Z23", "N40.0"],
            lines=[
                line(9, "G0439"),
                line(10, "G0008", dx_pointers=[2], charge=Decimal("30")),
                line(11, "90662", dx_pointers=[2], charge=Decimal("70")),
            ],
            claim_frequency="7",
            payer_claim_number="2226012345678",
            rows=[9, 10, 11],
        ),
        # Pregnant patient, prenatal visit with a high-risk supervision code.
        Encounter(
            encounter_id="E5",
            patient=person(first_name="Jade", dob=date(1995, 3, 3)),
            payer="Aetna",
            member_id="W987654321",
            rendering_npi=OTHER,
            place_of_service="11",
            date_of_service=DOS,
            diagnoses=["O09.90", "Z3A.20"],
            prior_authorization="PA-7781",
            lines=[line(12, "99213", dx_pointers=[1, 2])],
            rows=[12],
        ),
    ]
    rules = [
        RuleRow(
            row=2,
            values={
                "Rule ID": "MCR-TELE-95",
                "Description": "Medicare telehealth E/M needs 95",
                "Payer": "Medicare",
                "Procedure Codes": "99202-99215",
                "Place of Service": "02, 10",
                "Requirement": "require_modifier",
                "Requirement Value": "95",
                "Severity": "error",
                "Message": "Medicare pays telehealth E/M visits with modifier 95",
                "Active": "Yes",
            },
        ),
        RuleRow(
            row=3,
            values={
                "Rule ID": "MCD-NDC",
                "Payer": "Medicaid NY",
                "Procedure Codes": "J0120-J9999",
                "Requirement": "require_ndc",
                "Message": "Medicaid needs the NDC on drug lines",
            },
        ),
        RuleRow(
            row=4,
            values={
                "Rule ID": "ALL-20610-UNITS",
                "Procedure Codes": "20610",
                "Requirement": "max_units",
                "Requirement Value": "2",
                "Severity": "warning",
            },
        ),
        RuleRow(
            row=5,
            values={
                "Rule ID": "AETNA-PA-PREG",
                "Payer": "Aetna",
                "Diagnosis Codes": "O09",
                "Requirement": "require_prior_auth",
            },
        ),
        RuleRow(row=6, values={"Rule ID": "OFF", "Requirement": "bogus", "Active": "No"}),
    ]
    return Book(
        encounters=encounters,
        settings={
            "Billing Provider Name": "Elm Street Family Practice",
            "Billing NPI": BILLING,
            "Tax ID": "12-3456789",
            "Taxonomy Code": "207Q00000X",
            "Billing Address": "100 Elm St",
            "Billing City": "Albany",
            "Billing State": "NY",
            "Billing ZIP": "12207-1234",
        },
        payers=[
            # Aetna's contract follows the CMS edits: NCCI and MUE apply (off by default)
            PayerRow(payer="Aetna", payer_id="60054", ncci_mue="Yes", row=2),
            PayerRow(payer="Medicare", payer_id="13282", row=3),
            PayerRow(payer="Medicaid NY", payer_id="MCDNY", row=4),
        ],
        rules=rules,
        headers=HEADERS,
    )
