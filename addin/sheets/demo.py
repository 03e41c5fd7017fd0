"""Synthetic encounters for the demo workbook and benchmarks: realistic, deterministic, no PHI."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

# The fee schedule the demo clinic uses (our own wording; CPT descriptors are not shipped).
DEMO_FEES: tuple[tuple[str, str, Decimal, str], ...] = (
    ("99202", "", Decimal("110.00"), "New patient visit, straightforward"),
    ("99203", "", Decimal("160.00"), "New patient visit, low complexity"),
    ("99213", "", Decimal("125.00"), "Established patient visit, low complexity"),
    ("99214", "", Decimal("185.00"), "Established patient visit, moderate complexity"),
    ("99391", "", Decimal("150.00"), "Preventive visit, under 1 year"),
    ("99392", "", Decimal("160.00"), "Preventive visit, age 1-4"),
    ("99393", "", Decimal("160.00"), "Preventive visit, age 5-11"),
    ("99394", "", Decimal("175.00"), "Preventive visit, age 12-17"),
    ("99395", "", Decimal("210.00"), "Preventive visit, age 18-39"),
    ("99396", "", Decimal("225.00"), "Preventive visit, age 40-64"),
    ("99397", "", Decimal("240.00"), "Preventive visit, age 65 and over"),
    ("36415", "", Decimal("15.00"), "Venipuncture"),
    ("81002", "", Decimal("12.00"), "Urinalysis, dipstick"),
    ("85025", "", Decimal("28.00"), "Complete blood count"),
    ("87880", "", Decimal("30.00"), "Rapid strep test"),
    ("90686", "", Decimal("35.00"), "Influenza vaccine, quadrivalent"),
    ("90471", "", Decimal("25.00"), "Vaccine administration"),
    ("G0008", "", Decimal("25.00"), "Influenza vaccine administration (Medicare)"),
    ("93000", "", Decimal("55.00"), "Electrocardiogram with report"),
    ("20610", "", Decimal("140.00"), "Major joint injection"),
    ("J1100", "", Decimal("8.00"), "Dexamethasone injection, per 1 mg"),
)
FEE = {code: charge for code, _, charge, _ in DEMO_FEES}

# Payer, Payer ID, Claim Filing Indicator, share of visits
DEMO_PAYERS: tuple[tuple[str, str, str, float], ...] = (
    ("Aetna", "60054", "CI", 0.30),
    ("UnitedHealthcare", "87726", "CI", 0.25),
    ("Medicare", "14212", "MB", 0.30),
    ("Medicaid", "SKCT0", "MC", 0.15),
)

GOVERNMENT = ("Medicare", "Medicaid")

# visit profile: (share, lines [(code, modifier, units, dx pointers)], diagnoses)
_Line = tuple[str, str, int, str]
_PROFILES: tuple[tuple[float, tuple[_Line, ...], tuple[str, ...]], ...] = (
    (0.22, (("99214", "", 1, "1,2"), ("36415", "", 1, "1"), ("85025", "", 1, "1")),
     ("E11.9", "I10")),
    (0.18, (("99213", "", 1, "1"), ("87880", "", 1, "2")), ("J06.9", "J02.9")),
    (0.12, (("99396", "", 1, "1"), ("36415", "", 1, "1")), ("Z00.00", "E78.5")),
    (0.12, (("90686", "", 1, "1"), ("90471", "", 1, "1")), ("Z23",)),
    (0.08, (("99213", "25", 1, "1"), ("20610", "RT", 1, "1"), ("J1100", "", 4, "1")),
     ("M17.11",)),
    (0.10, (("99213", "", 1, "1"),), ("M54.50",)),
    (0.08, (("99203", "", 1, "1,2"),), ("R51.9", "F41.1")),
    (0.06, (("99214", "", 1, "1"), ("93000", "", 1, "1")), ("R07.9", "I10")),
    (0.04, (("99213", "", 1, "1"), ("81002", "", 1, "1")), ("N39.0",)),
)  # fmt: skip
_PREVENTIVE = ((0, "99391"), (4, "99392"), (11, "99393"), (17, "99394"), (39, "99395"),
               (64, "99396"), (200, "99397"))  # fmt: skip
_LAST = ("Rivera", "Nguyen", "Patel", "Johnson", "Okafor", "Kowalski", "Garcia", "Smith",
         "O'Brien", "Haddad", "Kim", "Schmidt", "Brown", "Lopez", "Tanaka", "Murphy")  # fmt: skip
_FIRST_F = ("Ana", "Mai", "Priya", "Grace", "Ngozi", "Ewa", "Lucia", "Emma", "Siobhan", "Leila")
_FIRST_M = ("Luis", "Minh", "Raj", "James", "Chidi", "Piotr", "Diego", "Noah", "Liam", "Omar")
# (city, state, ZIP): several New England ZIPs start with 0, the case Excel mangles
_PLACES = (("Boston", "MA", "02134"), ("Hartford", "CT", "06103"), ("Newark", "NJ", "07102"),
           ("Portland", "ME", "04101"), ("Albany", "NY", "12207"), ("Providence", "RI", "02903"),
           ("Burlington", "VT", "05401"), ("Springfield", "MA", "01103"))  # fmt: skip
_STREETS = ("Main St", "Elm St", "Oak Ave", "Washington St", "Maple Dr", "Park Rd", "Pine St")
_DOCTORS = ("Alvarez, Maria", "Chen, David", "Osei, Kwame")
_MBI_ALPHA = "ACDEFGHJKMNPQRTUVWXY"  # Medicare Beneficiary Identifier letters (no S L O I B Z)


def npi_check_digit(first9: str) -> str:
    """The NPI check digit: Luhn over '80840' + the first nine digits."""
    digits = [int(d) for d in "80840" + first9]
    total = 0
    for i, digit in enumerate(reversed(digits)):
        if i % 2 == 0:
            digit *= 2
            digit = digit - 9 if digit > 9 else digit
        total += digit
    return str((10 - total % 10) % 10)


def synthetic_npi(rng: random.Random) -> str:
    first9 = "1" + "".join(rng.choice("0123456789") for _ in range(8))
    return first9 + npi_check_digit(first9)


def _mbi(rng: random.Random) -> str:
    pick = rng.choice
    alnum = _MBI_ALPHA + "0123456789"
    return (
        pick("123456789") + pick(_MBI_ALPHA) + pick(alnum) + pick("0123456789")
        + pick(_MBI_ALPHA) + pick(alnum) + pick("0123456789") + pick(_MBI_ALPHA)
        + pick(_MBI_ALPHA) + pick("0123456789") + pick("0123456789")
    )  # fmt: skip


@dataclass(frozen=True)
class DemoClinic:
    """The demo clinic's providers; Settings values are in :func:`demo_settings`."""

    billing_npi: str
    rendering_npis: tuple[str, ...]
    referring_npi: str


def demo_clinic(seed: int = 2026) -> DemoClinic:
    rng = random.Random(seed * 7 + 1)
    return DemoClinic(
        billing_npi=synthetic_npi(rng),
        rendering_npis=tuple(synthetic_npi(rng) for _ in range(3)),
        referring_npi=synthetic_npi(rng),
    )


def demo_settings(seed: int = 2026) -> dict[str, str]:
    """Settings for the synthetic clinic (values an 837P needs; none belong to a real one)."""
    clinic = demo_clinic(seed)
    return {
        "Billing Provider Name": "Demo Family Practice LLC",
        "Billing NPI": clinic.billing_npi,
        "Tax ID": "990000001",
        "Taxonomy Code": "207Q00000X",
        "Billing Address": "100 Example Way",
        "Billing City": "Boston",
        "Billing State": "MA",
        "Billing ZIP": "021341234",
        "Submitter Name": "Demo Family Practice",
        "Submitter ID": "DEMO001",
        "Submitter Contact": "Billing Office",
        "Submitter Phone": "6175550100",
        "Receiver Name": "Example Clearinghouse",
        "Receiver ID": "EXCLEAR",
        "Usage Indicator": "T",
        "Provider Names": "; ".join(
            f"{npi} {name}" for npi, name in zip(clinic.rendering_npis, _DOCTORS, strict=True)
        ),
    }


def synthetic_encounters(
    n: int, seed: int = 2026, start: date = date(2026, 1, 5), days: int = 60
) -> list[dict[str, Any]]:
    """``n`` synthetic encounters as Encounters-sheet rows (one dict per service line).

    Keys are canonical headers; values are typed as a biller would enter them (dates as
    dates, charges as Decimal, codes and ZIPs as text). Deterministic for a seed. Names,
    IDs and NPIs are made up; NPIs carry valid check digits, Medicare IDs follow the MBI
    format, a few ZIPs start with 0, some patients are dependants with a subscriber.
    """
    rng = random.Random(seed)
    clinic = demo_clinic(seed)
    payers = [p[0] for p in DEMO_PAYERS]
    payer_weights = [p[3] for p in DEMO_PAYERS]
    profiles = list(_PROFILES)
    profile_weights = [p[0] for p in _PROFILES]
    rows: list[dict[str, Any]] = []
    for i in range(n):
        sex = rng.choice("FM")
        first = rng.choice(_FIRST_F if sex == "F" else _FIRST_M)
        last = rng.choice(_LAST)
        dob = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 365 * 80))
        city, state, zip_code = rng.choice(_PLACES)
        payer = rng.choices(payers, payer_weights)[0]
        if payer == "Medicare":
            dob = min(dob, date(1958, 12, 31))
        dos = start + timedelta(days=rng.randrange(days))
        dependant = payer != "Medicare" and dos.year - dob.year < 18
        _, lines, diagnoses = rng.choices(profiles, profile_weights)[0]
        if lines[0][0] == "99396":  # the preventive visit code and Z code follow the age
            age = dos.year - dob.year - ((dos.month, dos.day) < (dob.month, dob.day))
            code = next(c for top, c in _PREVENTIVE if age <= top)
            lines = ((code, "", 1, "1"), *lines[1:])
            diagnoses = ("Z00.129",) if age < 18 else diagnoses
        if payer == "Medicare":  # Medicare wants G0008 for the flu shot administration
            lines = tuple(("G0008", *line[1:]) if line[0] == "90471" else line for line in lines)
        member = _mbi(rng) if payer == "Medicare" else f"W{rng.randrange(10**8, 10**9)}"
        base: dict[str, Any] = {
            "Encounter ID": f"E{seed % 100:02d}{i + 1:06d}",
            "Patient ID": f"P{rng.randrange(10**5, 10**6)}",
            "Patient Last Name": last,
            "Patient First Name": first,
            "Patient DOB": dob,
            "Patient Sex": sex,
            "Patient Address": f"{rng.randrange(1, 999)} {rng.choice(_STREETS)}",
            "Patient City": city,
            "Patient State": state,
            "Patient ZIP": zip_code,
            "Payer": payer,
            "Member ID": member,
            "Group Number": "" if payer in GOVERNMENT else f"G{rng.randrange(1000, 9999)}",
            "Relationship": "Child" if dependant else "Self",
            "Rendering NPI": rng.choice(clinic.rendering_npis),
            "Place of Service": "11",
            "Date of Service": dos,
            "Claim Frequency": "1",
        }  # fmt: skip
        if dependant:
            base.update(
                {
                    "Subscriber Last Name": last,
                    "Subscriber First Name": rng.choice(_FIRST_F + _FIRST_M),
                    "Subscriber DOB": dob - timedelta(days=365 * rng.randrange(22, 40)),
                    "Subscriber Sex": rng.choice("FM"),
                }
            )
        if any(line[0] == "20610" for line in lines):
            base["Prior Authorization"] = f"PA{rng.randrange(10**6, 10**7)}"
        for n_dx, code in enumerate(diagnoses, start=1):
            base[f"Dx {n_dx}"] = code
        for code, modifier, units, pointers in lines:
            row = dict(base)
            row.update(
                {
                    "Procedure Code": code,
                    "Modifier 1": modifier,
                    "Units": units,
                    "Charge": FEE[code] * units,
                    "Dx Pointer": pointers,
                }
            )
            rows.append(row)
    return rows
