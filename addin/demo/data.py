"""The demo clinic as data: providers, payers, fees, contract rates and visit profiles.

Everything here is invented for the demo: no real clinic, patient or contract. Procedure
codes are CPT and HCPCS numbers only; CPT descriptors are AMA text and never appear.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

SEED = 2026
ENCOUNTERS = 2000
# The quarter (FY2026 Q4, inside the shipped ICD-10-CM vintage) and the day the office
# manager looks at it: remittances dated after AS_OF have not arrived yet.
QUARTER_START = date(2026, 7, 1)
QUARTER_END = date(2026, 9, 30)
FLU_SEASON = date(2026, 9, 1)
# The office runs Claimbook every Friday; the last run is the day the office manager looks.
FIRST_RUN = date(2026, 7, 3)
AS_OF = date(2026, 10, 30)
RUN_DAYS: tuple[date, ...] = tuple(
    date.fromordinal(FIRST_RUN.toordinal() + 7 * n)
    for n in range((AS_OF - FIRST_RUN).days // 7 + 1)
)
# the batch the clearinghouse rejects whole (999 AK9*R): the one sent on this run
REJECTED_BATCH_RUN = 4
# encounters whose member ID is typed with two digits swapped: the payer's front end
# rejects them (277CA A7:164) and the biller fixes them the week after
MEMBER_TYPOS = 5
OWNERS = ("Maria", "Dev")
# a referring physician outside the clinic (the CO-16 corrections add her)
REFERRING_NPI_STEM = "190400009"
REFERRING_NAME = ("Lee", "Hannah")
# Payers' filing limits (days from the date of service), as the Payers sheet gives them
FILING_LIMITS = {"MB": 365, "MC": 180, "CI": 90, "16": 120}

CLINIC_NAME = "Riverbend Community Health (demo)"
WORKBOOK_NAME = "Riverbend Clinic.xlsx"


@dataclass(frozen=True, slots=True)
class DemoProvider:
    """A rendering provider; the NPI is made from ``npi_stem`` plus a Luhn check digit."""

    npi_stem: str
    last: str
    first: str
    line: str  # service line: primary, urgent, behavioural


PROVIDERS: tuple[DemoProvider, ...] = (
    DemoProvider("190400001", "Okafor", "Adaeze", "primary"),
    DemoProvider("190400002", "Lindqvist", "Erik", "urgent"),
    DemoProvider("190400003", "Ramos", "Teresa", "behavioural"),
)
BILLING_NPI_STEM = "190400000"


@dataclass(frozen=True, slots=True)
class DemoPayer:
    """A payer: the Payers sheet row, how it pays, and whether it sends 835s."""

    name: str
    payer_id: str
    filing: str  # claim filing indicator (837P SBR09 / 835 CLP06)
    share: float  # share of the patient panel
    rate: Decimal  # contract rate as a multiple of the base allowed amounts
    lag: tuple[int, int]  # days from service to adjudication
    weekday: int  # the weekday its payment run goes out (Monday 0)
    era: bool  # sends 835 files; False means a portal spreadsheet
    copay: dict[str, Decimal]  # copay by service line (PR-3)
    coinsurance: Decimal = Decimal(0)  # PR-2 share of the allowed amount
    deductible_share: float = 0.0  # share of claims still inside the deductible (PR-1)
    ages: tuple[int, int] = (0, 90)


_NO_COPAY: dict[str, Decimal] = {}
PAYERS: tuple[DemoPayer, ...] = (
    DemoPayer(
        "Medicare Part B", "MCRB01", "MB", 0.24, Decimal("1.00"), (14, 24), 1, True,
        _NO_COPAY, Decimal("0.20"), 0.05, (65, 92),
    ),
    DemoPayer(
        "State Medicaid", "MCD033", "MC", 0.20, Decimal("0.72"), (18, 40), 4, True,
        _NO_COPAY, ages=(1, 64),
    ),
    DemoPayer(
        "Granite Health Insurance", "GHI7701", "CI", 0.24, Decimal("1.22"), (10, 30), 2, True,
        {"primary": Decimal("25.00"), "urgent": Decimal("50.00"),
         "behavioural": Decimal("30.00")}, deductible_share=0.08, ages=(2, 64),
    ),
    DemoPayer(
        # an HMO product without cost sharing: its portal export has one adjustment a line
        "Summit Health Plan", "SHP5150", "CI", 0.14, Decimal("1.15"), (12, 28), 0, False,
        _NO_COPAY, ages=(2, 64),
    ),
    DemoPayer(
        "Evergreen Medicare Advantage", "EVMA220", "16", 0.18, Decimal("1.03"), (15, 32), 3,
        True, {"primary": Decimal("15.00"), "urgent": Decimal("35.00"),
               "behavioural": Decimal("20.00")}, ages=(65, 92),
    ),
)  # fmt: skip
#: Plans that only ever pay second (never a patient's primary): a Medigap plan behind
#: Medicare, and a spouse's commercial plan behind Granite. State Medicaid is the third pair:
#: behind Medicare it is a crossover (Medicare forwards the claim itself, remark MA18).
SECONDARY_PAYERS: tuple[DemoPayer, ...] = (
    DemoPayer("Keystone Medigap", "KMG410", "CI", 0.0, Decimal("1.00"), (6, 12), 2, True,
              _NO_COPAY),
    DemoPayer("Harbor Family Plan", "HFP880", "CI", 0.0, Decimal("1.00"), (6, 14), 3, True,
              _NO_COPAY),
)  # fmt: skip
ALL_PAYERS = PAYERS + SECONDARY_PAYERS
MEDIGAP = "Keystone Medigap"
SPOUSE_PLAN = "Harbor Family Plan"
MEDICAID = "State Medicaid"
MEDICARE = "Medicare Part B"
MEDICARE_ADVANTAGE = "Evergreen Medicare Advantage"
NO_ERA_PAYER = "Summit Health Plan"

# code -> (clinic charge, base allowed per unit). The base is our own round figure near
# what a Medicare fee schedule allows; payers' contracts are a multiple of it.
FEES: dict[str, tuple[Decimal, Decimal]] = {
    code: (Decimal(charge), Decimal(base))
    for code, charge, base in (
        ("99202", "150.00", "72.00"), ("99203", "210.00", "110.00"),
        ("99204", "320.00", "167.00"), ("99213", "160.00", "91.00"),
        ("99214", "230.00", "129.00"), ("99215", "310.00", "181.00"),
        ("99393", "200.00", "104.00"), ("99394", "220.00", "113.00"),
        ("99395", "240.00", "118.00"), ("99396", "260.00", "126.00"),
        ("99397", "280.00", "136.00"), ("G0438", "250.00", "168.00"),
        ("G0439", "190.00", "130.00"), ("36415", "20.00", "3.00"),
        ("85025", "35.00", "7.77"), ("80053", "45.00", "10.56"),
        ("80061", "50.00", "13.39"), ("83036", "40.00", "9.71"),
        ("81002", "15.00", "3.17"), ("87880", "40.00", "16.53"),
        ("90686", "45.00", "21.48"), ("90471", "35.00", "16.67"),
        ("G0008", "45.00", "33.08"), ("20610", "180.00", "63.00"),
        ("J3301", "12.00", "1.85"), ("96372", "45.00", "14.00"),
        ("J1885", "10.00", "0.53"), ("93000", "70.00", "16.00"),
        ("73610", "120.00", "33.00"), ("73630", "115.00", "31.00"),
        ("71046", "110.00", "30.00"), ("12001", "220.00", "98.00"),
        ("90791", "280.00", "174.00"), ("90832", "120.00", "76.00"),
        ("90834", "170.00", "101.00"), ("90837", "230.00", "149.00"),
        ("90833", "110.00", "70.00"), ("96127", "25.00", "4.60"),
    )
}  # fmt: skip
# 36415 (venipuncture) is priced but no visit profile draws blood on site.
# Lines the payers pay without cost sharing (preventive services, vaccines and their
# administration); the copay goes on the first E/M or psychotherapy line.
NO_COST_SHARE = frozenset({"G0438", "G0439", "99393", "99394", "99395", "99396", "99397",
                           "90686", "90471", "G0008", "80061"})  # fmt: skip
VISIT_CODES = frozenset({"99202", "99203", "99204", "99213", "99214", "99215", "90791",
                         "90832", "90834", "90837"})  # fmt: skip

# A line of a visit: code, modifiers, units, Dx pointers ("1,2")
Line = tuple[str, tuple[str, ...], int, str]
# Diagnoses with the words a biller or provider writes for them (the Diagnosis Text cell).
Dx = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Profile:
    """A kind of visit: service line, place of service, weight, lines and diagnosis options."""

    name: str
    line: str
    pos: str
    weight: float
    lines: tuple[Line, ...]
    diagnoses: tuple[Dx, ...]
    telehealth: float = 0.0  # share seen by video (POS 10, modifier 95)


def _dx(*pairs: str) -> Dx:
    return tuple((pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2))


PROFILES: tuple[Profile, ...] = (
    Profile("chronic care", "primary", "11", 0.10,
            (("99214", (), 1, "1,2"), ("83036", (), 1, "1"), ("80053", (), 1, "2")),
            (_dx("E11.9", "DM2 without complications", "I10", "HTN"),
             _dx("E11.65", "DM2 with hyperglycemia", "E78.5", "hyperlipidemia"))),
    Profile("follow-up", "primary", "11", 0.12, (("99213", (), 1, "1"),),
            (_dx("I10", "HTN"), _dx("E78.5", "hyperlipidemia"), _dx("E03.9", "hypothyroidism"),
             _dx("K21.9", "GERD"), _dx("J45.909", "asthma"), _dx("M54.50", "low back pain"),
             _dx("E66.9", "obesity"))),
    Profile("preventive", "primary", "11", 0.06,
            (("99396", (), 1, "1"), ("80061", (), 1, "1"), ("85025", (), 1, "1")),
            (_dx("Z00.00", "annual physical"),)),
    Profile("flu shot", "primary", "11", 0.05, (("90686", (), 1, "1"), ("90471", (), 1, "1")),
            (_dx("Z23", "flu shot"),)),
    Profile("knee injection", "primary", "11", 0.04,
            (("99213", ("25",), 1, "1"), ("20610", ("RT",), 1, "1"), ("J3301", (), 4, "1")),
            (_dx("M17.11", "OA right knee"), _dx("M17.12", "OA left knee"))),
    Profile("chest pain", "primary", "11", 0.03, (("99214", (), 1, "1,2"), ("93000", (), 1, "1")),
            (_dx("R07.9", "chest pain", "I10", "HTN"),)),
    Profile("sore throat", "urgent", "20", 0.10, (("99213", (), 1, "1"), ("87880", (), 1, "1")),
            (_dx("J02.9", "pharyngitis"), _dx("J02.0", "strep throat"), _dx("J06.9", "URI"))),
    Profile("ankle sprain", "urgent", "20", 0.05,
            (("99203", (), 1, "1"), ("73610", ("RT",), 1, "1"), ("73630", ("59", "RT"), 1, "1")),
            (_dx("S93.401A", "sprain right ankle"), _dx("S93.402A", "sprain left ankle"))),
    Profile("laceration", "urgent", "20", 0.03, (("99213", ("25",), 1, "1"), ("12001", (), 1, "1")),
            (_dx("S61.411A", "laceration right hand"),)),
    Profile("urinary infection", "urgent", "20", 0.05,
            (("99213", (), 1, "1"), ("81002", (), 1, "1")), (_dx("N39.0", "UTI"),)),
    Profile("bronchitis", "urgent", "20", 0.05, (("99214", (), 1, "1,2"), ("71046", (), 1, "1")),
            (_dx("J20.9", "acute bronchitis", "R05.9", "cough"),)),
    Profile("back pain shot", "urgent", "20", 0.03,
            (("99213", ("25",), 1, "1"), ("96372", (), 1, "1"), ("J1885", (), 2, "1")),
            (_dx("M54.50", "low back pain"),)),
    Profile("intake", "behavioural", "11", 0.06, (("90791", (), 1, "1"), ("96127", (), 2, "1")),
            (_dx("F41.1", "GAD"), _dx("F32.A", "depression"), _dx("F43.10", "PTSD"))),
    Profile("therapy", "behavioural", "11", 0.16, (("90834", (), 1, "1"),),
            (_dx("F33.1", "major depressive disorder, recurrent, moderate"), _dx("F41.1", "GAD"),
             _dx("F43.10", "PTSD")), telehealth=0.4),
    Profile("long therapy", "behavioural", "11", 0.04, (("90837", (), 1, "1"),),
            (_dx("F33.1", "major depressive disorder, recurrent, moderate"),), telehealth=0.4),
    Profile("medication check", "behavioural", "11", 0.03,
            (("99214", (), 1, "1"), ("90833", (), 1, "1")),
            (_dx("F33.1", "major depressive disorder, recurrent, moderate"),
             _dx("F90.0", "ADHD, inattentive type")), telehealth=0.3),
)  # fmt: skip
# Preventive visit code by the patient's age on the date of service (top age, code).
PREVENTIVE_BY_AGE = ((11, "99393"), (17, "99394"), (39, "99395"), (64, "99396"), (200, "99397"))

# Denials the payers send: (group, reason, remark) and the share of denials with it.
DENIALS: tuple[tuple[str, str, str, float], ...] = (
    ("CO", "16", "MA130", 0.22),  # information missing; resubmit
    ("CO", "197", "N54", 0.18),  # no prior authorization
    ("CO", "50", "N115", 0.14),  # not medically necessary
    ("CO", "27", "", 0.14),  # coverage ended before the service
    ("CO", "29", "", 0.08),  # timely filing
    ("CO", "18", "N522", 0.12),  # duplicate claim
    ("CO", "109", "N418", 0.12),  # not this payer's claim
)
DENIAL_SHARE = 0.10
UNDERPAID_SHARE = 0.025  # commercial/MA claims allowed below the contract
SUGGEST_SHARE = 0.01  # encounters typed with Diagnosis Text only (codes left for suggestion)
MISTAKE_SHARE = 0.05

LAST_NAMES = ("Alvarez", "Bennett", "Chen", "Dubois", "Eze", "Fischer", "Garcia", "Haddad",
              "Ivanova", "Jensen", "Kowalski", "Larsen", "Mbeki", "Nguyen", "O'Neill", "Patel",
              "Quinn", "Rossi", "Silva", "Tanaka", "Umar", "Valdez", "Weber", "Xu", "Young",
              "Zamora", "Brooks", "Castillo", "Duarte", "Foster")  # fmt: skip
FIRST_F = ("Amara", "Beatriz", "Chloe", "Dana", "Elena", "Fatima", "Grace", "Hana", "Iris",
           "June", "Keiko", "Lena", "Maya", "Nora", "Olga", "Priya")  # fmt: skip
FIRST_M = ("Aaron", "Bilal", "Carlos", "David", "Emeka", "Felix", "Gabriel", "Hiro", "Ivan",
           "Jonah", "Kofi", "Liam", "Marco", "Nikhil", "Oscar", "Pavel")  # fmt: skip
STREETS = ("River Rd", "Mill St", "Elm St", "Harbor Ave", "Birch Ln", "Orchard Way", "Canal St")
# (city, state, ZIP): New England ZIPs start with 0, the case Excel turns into numbers.
PLACES = (("Riverbend", "MA", "01840"), ("Lowell", "MA", "01852"), ("Nashua", "NH", "03060"),
          ("Andover", "MA", "01810"), ("Salem", "NH", "03079"))  # fmt: skip

ZERO = Decimal("0.00")

# The Rules sheet: payer rules as rows (RULES_COLUMNS order). Clean encounters satisfy them;
# one seeded mistake drops the 95 from a Medicare video visit.
RULES: tuple[dict[str, str], ...] = (
    {"Rule ID": "MCR-TELE", "Description": "Medicare video visits carry modifier 95",
     "Payer": "Medicare Part B", "Procedure Codes": "90791-90837, 99202-99215",
     "Place of Service": "02, 10", "Requirement": "require_modifier",
     "Requirement Value": "95", "Severity": "error",
     "Message": "Medicare pays a telehealth visit only with modifier 95", "Active": "Yes"},
    {"Rule ID": "INJ-AUTH", "Description": "Joint injections need a prior authorization",
     "Procedure Codes": "20610", "Requirement": "require_prior_auth", "Severity": "error",
     "Message": "add the prior authorization number for the joint injection",
     "Active": "Yes"},
)  # fmt: skip

SETTINGS: dict[str, str] = {
    "Billing Provider Name": "Riverbend Community Health",
    "Tax ID": "990412345",
    "Taxonomy Code": "193200000X",
    "Billing Address": "200 River Rd",
    "Billing City": "Riverbend",
    "Billing State": "MA",
    "Billing ZIP": "018401234",
    "Submitter Name": "Riverbend Community Health",
    "Submitter ID": "RIVERBEND01",
    "Submitter Contact": "Billing Office",
    "Submitter Phone": "9785550142",
    "Receiver Name": "Demo Clearinghouse",
    "Receiver ID": "DEMOCH",
    "Usage Indicator": "T",
}


def contract_rate(payer: DemoPayer, code: str) -> Decimal:
    """What ``payer`` contracted to allow for one unit of ``code``."""
    return (FEES[code][1] * payer.rate).quantize(Decimal("0.01"))
