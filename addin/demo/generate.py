"""Generate the demo clinic's quarter: patients, encounters and seeded mistakes.

Deterministic for a seed. Every name, ID and NPI is invented; NPIs carry valid check
digits. About 5 % of encounters get one mistake each, recorded with the rule that should
find it, so a test can hold the scrubber to what was seeded.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from addin.codesets import icd10cm
from addin.coding.rules.fields import npi_problem
from addin.demo import data
from addin.demo.data import DemoPayer, Profile


def npi(stem: str) -> str:
    """A 10-digit NPI from a 9-digit stem: the check digit the scrubber accepts."""
    for digit in "0123456789":
        if npi_problem(stem + digit) is None:
            return stem + digit
    raise ValueError(f"no check digit makes {stem} an NPI")  # pragma: no cover


@dataclass
class Patient:
    """A patient of the panel with the insurance on file."""

    patient_id: str
    last: str
    first: str
    sex: str
    dob: date
    address: str
    city: str
    state: str
    zip: str
    payer: DemoPayer
    member_id: str
    group: str
    relationship: str = "Self"
    subscriber: tuple[str, str, date, str] | None = None
    # a plan after the primary: (payer, member ID, relationship, subscriber last, first)
    secondary: tuple[str, str, str, str, str] | None = None


@dataclass
class DemoLine:
    """A service line as the biller types it."""

    code: str
    modifiers: list[str]
    units: Decimal
    charge: Decimal
    pointers: str


@dataclass
class DemoEncounter:
    """One visit: what was typed, and what the generator meant by it."""

    encounter_id: str
    patient: Patient
    profile: str
    service_line: str
    payer: str
    rendering_npi: str
    pos: str
    dos: date
    diagnoses: list[tuple[str, str]]
    lines: list[DemoLine]
    typed_dx: list[str] = field(default_factory=list)
    prior_auth: str = ""
    mistake: str | None = None  # rule id the scrubber should raise
    mistake_column: str | None = None
    suggested: bool = False  # Dx cells left empty, Diagnosis Text only
    rows: list[int] = field(default_factory=list)
    overrides: dict[str, Any] = field(default_factory=dict)  # typed values that differ
    # what the payer will do with it: paid, denied (with the reason), underpaid
    intent: str = "paid"
    denial: tuple[str, str, str, float] | None = None
    deductible: bool = False
    member_typo: str = ""  # a member ID typed with two digits swapped (277CA rejects it)
    fix: bool = False  # the biller fixes the seeded mistake the week after it shows
    # what fixing the mistake types: (line index, or None for every row; header; value)
    fix_cells: list[tuple[int | None, str, Any]] = field(default_factory=list)

    @property
    def billable(self) -> bool:
        """Meant to become a claim: no seeded mistake."""
        return self.mistake is None

    @property
    def total(self) -> Decimal:
        return sum((line.charge for line in self.lines), Decimal("0.00"))


def _age(dob: date, on: date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def _patients(rng: random.Random, count: int) -> list[Patient]:
    payers = list(data.PAYERS)
    weights = [p.share for p in payers]
    out: list[Patient] = []
    for i in range(count):
        payer = rng.choices(payers, weights)[0]
        sex = rng.choice("FM")
        low, high = payer.ages
        age = rng.randint(low, high)
        dob = data.QUARTER_START - timedelta(days=365 * age + rng.randrange(365))
        city, state, zip_code = rng.choice(data.PLACES)
        last = rng.choice(data.LAST_NAMES)
        first = rng.choice(data.FIRST_F if sex == "F" else data.FIRST_M)
        if payer.name in (data.MEDICARE, data.MEDICARE_ADVANTAGE):
            # the shape of a Medicare Beneficiary Identifier, letters fixed to stay fake
            digits = [rng.randint(0, 9) for _ in range(4)]
            member = f"{digits[0] or 1}EG{digits[1]}TE{digits[2]}MK{digits[3]}{digits[0]}"
        else:
            member = f"{payer.payer_id[:3]}{rng.randrange(10**8, 10**9)}"
        patient = Patient(
            patient_id=f"P{100000 + i}",
            last=last,
            first=first,
            sex=sex,
            dob=dob,
            address=f"{rng.randint(1, 990)} {rng.choice(data.STREETS)}",
            city=city,
            state=state,
            zip=zip_code,
            payer=payer,
            member_id=member,
            group="" if payer.filing in ("MB", "MC", "16") else f"G{rng.randint(1000, 9999)}",
        )
        if age < 18 and payer.filing == "CI":
            parent_sex = rng.choice("FM")
            patient.relationship = "Child"
            patient.subscriber = (
                last,
                rng.choice(data.FIRST_F if parent_sex == "F" else data.FIRST_M),
                dob - timedelta(days=365 * rng.randint(24, 40)),
                parent_sex,
            )
        out.append(patient)
    _second_plans(out)
    return out


def _second_plans(patients: list[Patient]) -> None:
    """Some patients carry a second plan: Medicare with a Medigap plan or with Medicaid (a
    crossover), Granite with the spouse's plan. Chosen by position, so the generator's random
    stream (and every other patient and visit) stays as it was."""
    medicare = [p for p in patients if p.payer.name == data.MEDICARE]
    granite = [p for p in patients if p.payer.name == "Granite Health Insurance"
               and p.relationship == "Self"]  # fmt: skip
    for n, p in enumerate(medicare):
        number = int(p.patient_id[1:])
        if n % 4 == 0:
            p.secondary = (data.MEDIGAP, f"KMG{number * 7919 % 10**8:08d}", "Self", p.last,
                           p.first)  # fmt: skip
        elif n % 4 == 1:
            p.secondary = (data.MEDICAID, f"MCD{number * 104729 % 10**9:09d}", "Self", p.last,
                           p.first)  # fmt: skip
    for n, p in enumerate(granite):
        if n % 4 == 0:
            spouse = data.FIRST_M[n % len(data.FIRST_M)] if p.sex == "F" else data.FIRST_F[
                n % len(data.FIRST_F)]  # fmt: skip
            number = int(p.patient_id[1:])
            p.secondary = (data.SPOUSE_PLAN, f"HFP{number * 3571 % 10**8:08d}", "Spouse",
                           p.last, spouse)  # fmt: skip


def _dos(rng: random.Random, profile: Profile) -> date:
    start = data.FLU_SEASON if profile.name == "flu shot" else data.QUARTER_START
    span = (data.QUARTER_END - start).days + 1
    while True:
        day = start + timedelta(days=rng.randrange(span))
        # urgent care opens on Saturdays; nobody sees patients on Sundays
        if day.weekday() < 5 or (day.weekday() == 5 and profile.line == "urgent"):
            return day


def _encounter(
    rng: random.Random, number: int, profile: Profile, patient: Patient, npis: dict[str, str]
) -> DemoEncounter:
    dos = _dos(rng, profile)
    diagnoses = list(rng.choice(profile.diagnoses))
    lines: list[tuple[str, tuple[str, ...], int, str]] = list(profile.lines)
    age = _age(patient.dob, dos)
    medicare = patient.payer.filing in ("MB", "16")
    if profile.name == "preventive":
        if medicare:
            lines = [("G0439" if rng.random() < 0.75 else "G0438", (), 1, "1")]
        else:
            code = next(c for top, c in data.PREVENTIVE_BY_AGE if age <= top)
            lines = [(code, (), 1, "1"), *lines[1:]]
            if age < 18:
                diagnoses = [("Z00.129", "well child visit")]
    if profile.name == "flu shot" and medicare:
        lines = [line if line[0] != "90471" else ("G0008", (), 1, "1") for line in lines]
    if profile.name == "knee injection" and diagnoses[0][0] == "M17.12":
        lines = [(c, tuple("LT" if m == "RT" else m for m in mods), u, p)
                 for c, mods, u, p in lines]  # fmt: skip
    if profile.name == "ankle sprain" and diagnoses[0][0] == "S93.402A":
        lines = [(c, tuple("LT" if m == "RT" else m for m in mods), u, p)
                 for c, mods, u, p in lines]  # fmt: skip
    pos = profile.pos
    video = rng.random() < profile.telehealth
    if video:
        pos = "10"
    demo_lines = []
    for code, mods, units, pointers in lines:
        modifiers = list(mods)
        if video and code in data.VISIT_CODES | {"90833"}:
            modifiers.append("95")
        charge, _ = data.FEES[code]
        demo_lines.append(DemoLine(code, modifiers, Decimal(units), charge * units, pointers))
    enc = DemoEncounter(
        encounter_id=f"RB{number:05d}",
        patient=patient,
        profile=profile.name,
        service_line=profile.line,
        payer=patient.payer.name,
        rendering_npi=npis[profile.line],
        pos=pos,
        dos=dos,
        diagnoses=diagnoses,
        lines=demo_lines,
    )
    enc.typed_dx = [code for code, _ in diagnoses]
    if profile.name == "knee injection":
        enc.prior_auth = f"PA{rng.randrange(10**6, 10**7)}"
    return enc


# -- seeded mistakes -------------------------------------------------------------------
# Each takes an encounter and returns True when it applied; the rule id is what the
# scrubber must report for it. Order is the round-robin order.


def _category(enc: DemoEncounter, rng: random.Random) -> bool:
    code = enc.typed_dx[0]
    if "." not in code:
        return False
    category = code.split(".")[0]  # the header a biller copies from a code book's page
    if icd10cm.lookup(category, enc.dos).status != "not_billable":
        return False
    enc.typed_dx[0] = category
    enc.fix_cells.append((None, "Dx 1", code))
    return True


def _typo(enc: DemoEncounter, rng: random.Random) -> bool:
    for digit in "98765":
        typed = enc.typed_dx[0] + digit if "." in enc.typed_dx[0] else enc.typed_dx[0] + "." + digit
        if icd10cm.lookup(typed, enc.dos).status == "not_found":
            enc.fix_cells.append((None, "Dx 1", enc.typed_dx[0]))
            enc.typed_dx[0] = typed
            return True
    return False


def _seventh(enc: DemoEncounter, rng: random.Random) -> bool:
    code = enc.typed_dx[0]
    if not code.startswith("S") or len(code) != 8:
        return False
    enc.typed_dx[0] = code[:-1]
    enc.fix_cells.append((None, "Dx 1", code))
    return True


def _npi(enc: DemoEncounter, rng: random.Random) -> bool:
    good = enc.rendering_npi
    enc.overrides["Rendering NPI"] = good[:9] + str((int(good[9]) + 3) % 10)
    enc.fix_cells.append((None, "Rendering NPI", good))
    return True


def _pointer(enc: DemoEncounter, rng: random.Random) -> bool:
    enc.fix_cells.append((len(enc.lines) - 1, "Dx Pointer", enc.lines[-1].pointers))
    enc.lines[-1].pointers = str(len(enc.typed_dx) + 1)
    return True


def _member(enc: DemoEncounter, rng: random.Random) -> bool:
    enc.overrides["Member ID"] = ""
    enc.fix_cells.append((None, "Member ID", enc.patient.member_id))
    return True


def _payer(enc: DemoEncounter, rng: random.Random) -> bool:
    enc.overrides["Payer"] = enc.payer.split()[0] + " Health"
    enc.fix_cells.append((None, "Payer", enc.payer))
    return True


def _sex(enc: DemoEncounter, rng: random.Random) -> bool:
    if len(enc.typed_dx) > 2:
        return False
    code = "N40.0" if enc.patient.sex == "F" else "N95.1"
    enc.typed_dx.append(code)
    enc.fix_cells.append((None, f"Dx {len(enc.typed_dx)}", None))
    return True


def _mod25(enc: DemoEncounter, rng: random.Random) -> bool:
    for line in enc.lines:
        if (
            line.code not in data.VISIT_CODES
            and not line.code.startswith("99")
            and not line.modifiers
        ):
            line.modifiers = ["25"]
            enc.fix_cells.append((enc.lines.index(line), "Modifier 1", None))
            return True
    return False


def _dob(enc: DemoEncounter, rng: random.Random) -> bool:
    enc.overrides["Patient DOB"] = enc.dos + timedelta(days=rng.randint(20, 300))
    enc.fix_cells.append((None, "Patient DOB", enc.patient.dob))
    return True


def _vintage(enc: DemoEncounter, rng: random.Random) -> bool:
    # the visit happened in October: FY2027 ICD-10-CM applies, which is not installed
    enc.dos = date(2026, 10, rng.randint(5, 9))
    return True


def _units(enc: DemoEncounter, rng: random.Random) -> bool:
    enc.overrides["Units"] = Decimal("1.5")
    enc.fix_cells.append((0, "Units", 1))
    return True


def _zip(enc: DemoEncounter, rng: random.Random) -> bool:
    if not enc.patient.zip.startswith("0"):
        return False
    enc.overrides["Patient ZIP"] = int(enc.patient.zip)  # what Excel makes of 01840
    enc.fix_cells.append((None, "Patient ZIP", enc.patient.zip))
    return True


def _subscriber(enc: DemoEncounter, rng: random.Random) -> bool:
    if enc.patient.relationship != "Self":
        return False
    enc.overrides["Relationship"] = "Child"
    enc.fix_cells.append((None, "Relationship", "Self"))
    return True


def _tele(enc: DemoEncounter, rng: random.Random) -> bool:
    if enc.payer != data.MEDICARE or enc.pos != "10":
        return False
    for index, line in enumerate(enc.lines):
        if "95" in line.modifiers:
            line.modifiers = [m for m in line.modifiers if m != "95"]
            enc.fix_cells.append((index, f"Modifier {len(line.modifiers) + 1}", "95"))
    return True


MISTAKES: tuple[tuple[str, str, Any], ...] = (
    ("ICD-BILLABLE", "Dx 1", _category),
    ("ICD-NOT-FOUND", "Dx 1", _typo),
    ("ICD-7TH-CHARACTER", "Dx 1", _seventh),
    ("NPI-CHECKDIGIT", "Rendering NPI", _npi),
    ("DXPTR-INVALID", "Dx Pointer", _pointer),
    ("FIELD-REQUIRED", "Member ID", _member),
    ("PAYER-UNKNOWN", "Payer", _payer),
    ("ICD-SEX", "Dx 2", _sex),
    ("MOD-25-NOT-EM", "Modifier 1", _mod25),
    ("DOB-AFTER-DOS", "Patient DOB", _dob),
    ("ICD-VINTAGE", "Date of Service", _vintage),
    ("UNITS-INVALID", "Units", _units),
    ("ZIP-LEADING-ZERO", "Patient ZIP", _zip),
    ("SUBSCRIBER-REQUIRED", "Relationship", _subscriber),
    ("PAYER-RULE:MCR-TELE", "Modifier 1", _tele),
)


@dataclass
class DemoData:
    """The generated quarter: the clinic's configuration and its encounters."""

    seed: int
    settings: dict[str, str]
    providers: dict[str, str]  # service line -> NPI
    encounters: list[DemoEncounter]

    @property
    def billable(self) -> list[DemoEncounter]:
        return [e for e in self.encounters if e.billable]


def generate(encounters: int = data.ENCOUNTERS, seed: int = data.SEED) -> DemoData:
    """The quarter's encounters with ~5 % seeded mistakes and ~1 % Dx left for suggestion."""
    rng = random.Random(seed)
    npis = {p.line: npi(p.npi_stem) for p in data.PROVIDERS}
    settings = dict(data.SETTINGS)
    settings["Billing NPI"] = npi(data.BILLING_NPI_STEM)
    referring = npi(data.REFERRING_NPI_STEM)
    settings["Provider Names"] = "; ".join(
        [f"{npis[p.line]} {p.last}, {p.first}" for p in data.PROVIDERS]
        + [f"{referring} {data.REFERRING_NAME[0]}, {data.REFERRING_NAME[1]}"]
    )
    panel = _patients(rng, max(encounters * 2 // 5, 10))
    profiles = list(data.PROFILES)
    weights = [p.weight for p in profiles]
    out: list[DemoEncounter] = []
    for number in range(1, encounters + 1):
        profile = rng.choices(profiles, weights)[0]
        patient = rng.choice(panel)
        # Medicare patients do not get the commercial preventive codes' age bands wrong,
        # and children are not seen for therapy in this clinic
        while profile.line == "behavioural" and _age(patient.dob, data.QUARTER_START) < 18:
            patient = rng.choice(panel)
        out.append(_encounter(rng, number, profile, patient, npis))
    out.sort(key=lambda e: (e.dos, e.encounter_id))
    _seed_mistakes(rng, out)
    for enc in rng.sample(
        [e for e in out if e.billable], max(1, round(len(out) * data.SUGGEST_SHARE))
    ):
        enc.suggested = True
    _intents(random.Random(seed + 835), out)
    return DemoData(seed=seed, settings=settings, providers=npis, encounters=out)


def _intents(rng: random.Random, encounters: list[DemoEncounter]) -> None:
    """What each payer will do with each claim, and which mistakes the biller fixes."""
    weights = [d[3] for d in data.DENIALS]
    for enc in encounters:
        payer = next(p for p in data.PAYERS if p.name == enc.payer)
        denied = rng.random() < data.DENIAL_SHARE
        under = not denied and payer.filing in ("CI", "16") and rng.random() < data.UNDERPAID_SHARE
        enc.deductible = rng.random() < payer.deductible_share
        reason = rng.choices(data.DENIALS, weights)[0]
        if denied:
            enc.intent, enc.denial = "denied", reason
        elif under:
            enc.intent = "underpaid"
        # a mistake found on the Friday is fixed by the next one, unless the visit is late in
        # the quarter, one of four left for later, or the code set it needs is not here
        enc.fix = (
            enc.mistake is not None
            and enc.mistake != "ICD-VINTAGE"
            and enc.dos < data.QUARTER_END.replace(day=14)
            and rng.random() < 0.75
        )

    def swappable(member: str) -> bool:
        return member[-2:].isdigit() and member[-1] != member[-2]

    candidates = [
        e for e in encounters
        if e.billable and not e.suggested and e.intent == "paid"
        and swappable(e.patient.member_id)
    ]  # fmt: skip
    for enc in rng.sample(candidates, min(data.MEMBER_TYPOS, len(candidates))):
        member = enc.patient.member_id
        enc.member_typo = member[:-2] + member[-1] + member[-2]


def _seed_mistakes(rng: random.Random, encounters: list[DemoEncounter]) -> None:
    wanted = max(len(MISTAKES), round(len(encounters) * data.MISTAKE_SHARE))
    order = list(range(len(encounters)))
    rng.shuffle(order)
    kind = 0
    tried = 0
    for index in order:
        if wanted == 0:
            break
        enc = encounters[index]
        rule, column, apply = MISTAKES[kind % len(MISTAKES)]
        if apply(enc, rng):
            enc.mistake, enc.mistake_column = rule, column
            wanted -= 1
            kind += 1
            tried = 0
        else:
            tried += 1
            if tried > 40:  # no encounter fits this kind: move on to the next
                kind += 1
                tried = 0
