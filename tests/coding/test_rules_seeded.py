"""Seed one error per case into a clean Book; the scrubber must find it at the right cell."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from scrub_helpers import TODAY, clean_book, line

from addin.codesets import icd10cm
from addin.codesets.store import user_root, write_vintage
from addin.coding.check import check
from addin.coding.rules import REGISTRY, MemoryCodes, MemoryMue, MemoryPtp, Sources
from addin.models import Book, RuleRow


@dataclass
class Seed:
    name: str
    rule: str
    mutate: Callable[[Book], Any]
    row: int | None
    column: str | None
    sheet: str = "Encounters"
    sources: Sources = field(default_factory=Sources)
    today: date = TODAY
    severity: str | None = None


def enc(book: Book, eid: str) -> Any:
    return next(e for e in book.encounters if e.encounter_id == eid)


def setting(key: str, value: str | None) -> Callable[[Book], None]:
    def mutate(book: Book) -> None:
        if value is None:
            del book.settings[key]
        else:
            book.settings[key] = value

    return mutate


def setattr_(eid: str, path: str, value: Any) -> Callable[[Book], None]:
    """Set ``attr`` or ``attr.sub`` or ``lines[i].attr`` of an encounter, unvalidated."""

    def mutate(book: Book) -> None:
        target: Any = enc(book, eid)
        parts = path.split(".")
        for part in parts[:-1]:
            if part.startswith("lines["):
                target = target.lines[int(part[6:-1])]
            else:
                target = getattr(target, part)
        setattr(target, parts[-1], value)

    return mutate


def dx(eid: str, *codes: str) -> Callable[[Book], None]:
    return setattr_(eid, "diagnoses", list(codes))


def add_line(eid: str, row: int, code: str, **kw: Any) -> Callable[[Book], None]:
    def mutate(book: Book) -> None:
        enc(book, eid).lines.append(line(row, code, **kw))

    return mutate


def rule_cell(row: int, column: str, value: str) -> Callable[[Book], None]:
    def mutate(book: Book) -> None:
        next(r for r in book.rules if r.row == row).values[column] = value

    return mutate


def add_rule(row: int, **values: str) -> Callable[[Book], None]:
    def mutate(book: Book) -> None:
        book.rules.append(
            RuleRow(row=row, values={k.replace("_", " "): v for k, v in values.items()})
        )

    return mutate


def forbid_gt(book: Book) -> None:
    """An Aetna rule forbidding GT, and an Aetna line that carries it."""
    add_rule(
        8,
        Rule_ID="AETNA-NO-GT",
        Payer="Aetna",
        Requirement="forbid_modifier",
        Requirement_Value="GT",
    )(book)
    enc(book, "E5").lines[0].modifiers = ["25", "GT"]


def write_fy2025() -> None:
    """A small FY2025 vintage holding a code that FY2026 no longer has."""
    dest = user_root() / "icd10cm" / "fy2025"
    write_vintage(
        dest,
        {"codes.tsv": ["Z99.999\t1\tZ99\tTest code retired after FY2025\n"]},
        {
            "system": "icd10cm",
            "vintage": "FY2025",
            "effective_from": "2024-10-01",
            "effective_to": "2025-09-30",
        },
        {"codes": 1, "billable": 1},
    )
    icd10cm.reload()


def retired_code(book: Book) -> None:
    write_fy2025()
    enc(book, "E2").diagnoses = ["I10", "Z99.999"]


HCPCS = MemoryCodes(
    [("J3301", date(2000, 1, 1), None), ("G0008", date(2000, 1, 1), date(2025, 12, 31))]
)
CPT = MemoryCodes(
    (code, date(2000, 1, 1), None)
    for code in ("99213", "99214", "99393", "20610", "90460", "90700", "90662")
)
# Synthetic PTP edits (the real ones are imported from CMS files).
PTP = MemoryPtp(
    [
        ("20610", "99214", date(2020, 1, 1), None, 1),
        ("90460", "99393", date(2020, 1, 1), None, 0),
        ("G0439", "90662", date(2020, 1, 1), date(2021, 1, 1), 0),  # deleted: never fires
    ]
)
# Edits that the clean book meets: 25 bypasses the first, the second was deleted in 2021.
CLEAN_PTP = MemoryPtp(
    [
        ("20610", "99214", date(2020, 1, 1), None, 1),
        ("G0439", "90662", date(2020, 1, 1), date(2021, 1, 1), 0),
    ]
)
MUE = MemoryMue([("J3301", 2, 1), ("90700", 1, 3)])


class QuarterMue(MemoryMue):
    """MUE rows from a file whose quarter ends on ``end`` (as the imported store reports)."""

    def __init__(self, rows: list[tuple[str, int, int]], end: date) -> None:
        super().__init__(rows)
        self.end = end

    def outdated(self, on: date) -> str | None:
        return f"MUE-Q1, 2026-01-01 to {self.end}" if on > self.end else None


SEEDS: list[Seed] = [
    # required fields
    Seed("member id", "FIELD-REQUIRED", setattr_("E1", "member_id", ""), 2, "Member ID"),
    Seed("patient dob", "FIELD-REQUIRED", setattr_("E2", "patient.dob", None), 5, "DOB"),
    Seed("patient sex", "FIELD-REQUIRED", setattr_("E2", "patient.sex", None), 5, "Patient Sex"),
    Seed("address", "FIELD-REQUIRED", setattr_("E2", "patient.address", ""), 5, "Patient Address"),
    Seed("no dx", "FIELD-REQUIRED", dx("E2"), 5, "DX1"),
    Seed("no dos", "FIELD-REQUIRED", setattr_("E2", "date_of_service", None), 5, "DOS"),
    Seed("no npi", "FIELD-REQUIRED", setattr_("E2", "rendering_npi", ""), 5, "Rendering NPI"),
    Seed("no pos", "FIELD-REQUIRED", setattr_("E2", "place_of_service", ""), 5, "Place of Service"),
    Seed("no charge", "FIELD-REQUIRED", setattr_("E2", "lines[0].charge", None), 5, "Charge"),
    Seed("no code", "FIELD-REQUIRED", setattr_("E2", "lines[0].procedure_code", ""), 5, "CPT"),
    Seed(
        "subscriber",
        "SUBSCRIBER-REQUIRED",
        setattr_("E3", "subscriber.last_name", ""),
        6,
        "Subscriber Last Name",
    ),
    Seed("settings", "SETTINGS-REQUIRED", setting("Tax ID", None), None, "Tax ID", "Settings"),
    Seed(
        "taxonomy missing",
        "SETTINGS-REQUIRED",
        setting("Taxonomy Code", ""),
        None,
        "Taxonomy Code",
        "Settings",
    ),
    Seed("payer", "PAYER-UNKNOWN", setattr_("E2", "payer", "Medicare Part X"), 5, "Payer"),
    Seed(
        "payer id",
        "PAYER-ID-MISSING",
        lambda b: setattr(b.payers[0], "payer_id", ""),
        2,
        "Payer ID",
        "Payers",
    ),
    # values
    Seed("npi short", "NPI-FORMAT", setattr_("E1", "rendering_npi", "12345"), 2, "Rendering NPI"),
    Seed(
        "npi luhn",
        "NPI-CHECKDIGIT",
        setattr_("E3", "referring_npi", "1234567890"),
        6,
        "Referring NPI",
    ),
    Seed(
        "billing npi",
        "NPI-CHECKDIGIT",
        setting("Billing NPI", "1234567890"),
        None,
        "Billing NPI",
        "Settings",
    ),
    Seed(
        "line npi",
        "NPI-CHECKDIGIT",
        setattr_("E1", "lines[1].rendering_npi", "1111111111"),
        3,
        "Rendering NPI",
    ),
    Seed("tax id", "TAXID-FORMAT", setting("Tax ID", "12-34567"), None, "Tax ID", "Settings"),
    Seed(
        "taxonomy",
        "TAXONOMY-FORMAT",
        setting("Taxonomy Code", "207Q0000X"),
        None,
        "Taxonomy Code",
        "Settings",
    ),
    Seed(
        "billing zip 5",
        "ZIP-FORMAT",
        setting("Billing ZIP", "12207"),
        None,
        "Billing ZIP",
        "Settings",
    ),
    Seed("zip 6", "ZIP-FORMAT", setattr_("E1", "patient.zip", "122071"), 2, "Patient ZIP"),
    Seed("zip 4", "ZIP-LEADING-ZERO", setattr_("E2", "patient.zip", "2134"), 5, "Patient ZIP"),
    Seed("state", "STATE-CODE", setattr_("E1", "patient.state", "XX"), 2, "Patient State"),
    Seed("pos", "POS-UNKNOWN", setattr_("E1", "place_of_service", "30"), 2, "Place of Service"),
    Seed(
        "line pos",
        "POS-UNKNOWN",
        setattr_("E1", "lines[2].place_of_service", "64"),
        4,
        "Place of Service",
    ),
    Seed(
        "pos date",
        "POS-NOT-EFFECTIVE",
        lambda b: (
            setattr_("E1", "place_of_service", "27")(b),
            setattr_("E1", "date_of_service", date(2023, 5, 1))(b),
        ),
        2,
        "Place of Service",
    ),
    Seed("dos future", "DOS-FUTURE", setattr_("E1", "date_of_service", date(2026, 7, 1)), 2, "DOS"),
    Seed(
        "dob after dos", "DOB-AFTER-DOS", setattr_("E1", "patient.dob", date(2026, 4, 1)), 2, "DOB"
    ),
    Seed("age", "AGE-IMPLAUSIBLE", setattr_("E2", "patient.dob", date(1890, 1, 1)), 5, "DOB"),
    Seed(
        "relationship",
        "RELATIONSHIP-CODE",
        setattr_("E3", "relationship", "Cousin"),
        6,
        "Relationship",
    ),
    Seed(
        "units half", "UNITS-INVALID", setattr_("E1", "lines[2].units", Decimal("1.5")), 4, "Units"
    ),
    Seed("units zero", "UNITS-INVALID", setattr_("E1", "lines[2].units", Decimal(0)), 4, "Units"),
    Seed(
        "charge negative",
        "CHARGE-INVALID",
        setattr_("E1", "lines[0].charge", Decimal("-5")),
        2,
        "Charge",
    ),
    Seed(
        "charge cents",
        "CHARGE-INVALID",
        setattr_("E1", "lines[0].charge", Decimal("1.005")),
        2,
        "Charge",
    ),
    Seed("pointer", "DXPTR-INVALID", setattr_("E2", "lines[0].dx_pointers", [3]), 5, "Dx Pointer"),
    Seed(
        "pointer 13", "DXPTR-INVALID", setattr_("E2", "lines[0].dx_pointers", [13]), 5, "Dx Pointer"
    ),
    Seed(
        "no pointer", "DXPTR-MISSING", setattr_("E2", "lines[0].dx_pointers", []), 5, "Dx Pointer"
    ),
    Seed(
        "frequency", "FREQUENCY-CODE", setattr_("E1", "claim_frequency", "5"), 2, "Claim Frequency"
    ),
    Seed(
        "pcn",
        "FREQUENCY-PAYER-CLAIM",
        setattr_("E4", "payer_claim_number", None),
        9,
        "Payer Claim Number",
    ),
    Seed("ndc", "NDC-FORMAT", setattr_("E1", "lines[2].ndc", "0003-293-5"), 4, "NDC"),
    # ICD-10-CM
    Seed("icd not found", "ICD-NOT-FOUND", dx("E2", "E11.99"), 5, "DX1"),
    Seed("icd text", "ICD-NOT-FOUND", dx("E2", "I10", "DIABETES"), 5, "Dx 2"),
    Seed("icd billable", "ICD-BILLABLE", dx("E2", "I10", "E11"), 5, "Dx 2"),
    Seed("icd retired", "ICD-NOT-VALID-ON-DOS", retired_code, 5, "Dx 2"),
    Seed(
        "icd vintage",
        "ICD-VINTAGE",
        setattr_("E2", "date_of_service", date(2026, 11, 3)),
        5,
        "DOS",
        today=date(2026, 12, 1),
    ),
    Seed("7th missing", "ICD-7TH-CHARACTER", dx("E2", "I10", "S93.402"), 5, "Dx 2"),
    Seed("7th wrong", "ICD-7TH-CHARACTER", dx("E2", "I10", "S52.501Z"), 5, "Dx 2"),
    Seed("placeholder", "ICD-PLACEHOLDER-X", dx("E2", "I10", "S80.01A"), 5, "Dx 2"),
    Seed("excludes1", "ICD-EXCLUDES1", dx("E1", "M17.11", "E11.9", "E10.9"), 2, "Dx 3"),
    Seed("manifestation", "ICD-MANIFESTATION-FIRST", dx("E1", "G63", "E11.42"), 2, "DX1"),
    Seed("sex range", "ICD-SEX", dx("E1", "M17.11", "E11.9", "N95.1"), 2, "Dx 3", severity="error"),
    Seed("sex title", "ICD-SEX", dx("E2", "I10", "R97.20"), 5, "Dx 2", severity="warning"),
    Seed("age child exam", "ICD-AGE", dx("E3", "Z00.00", "Z23"), 6, "DX1"),
    Seed("age newborn", "ICD-AGE", dx("E2", "I10", "Z38.00"), 5, "Dx 2", severity="error"),
    Seed("dx duplicate", "ICD-DUPLICATE", dx("E2", "I10", "I10"), 5, "Dx 2"),
    # procedures
    Seed("cpt format", "PROC-FORMAT", setattr_("E2", "lines[0].procedure_code", "9921"), 5, "CPT"),
    Seed(
        "hcpcs format", "PROC-FORMAT", setattr_("E4", "lines[0].procedure_code", "G043"), 9, "CPT"
    ),
    Seed("not verified", "PROC-NOT-VERIFIED", lambda b: None, None, "CPT"),
    Seed(
        "not found",
        "PROC-NOT-FOUND",
        lambda b: None,
        9,
        "CPT",
        sources=Sources(hcpcs=HCPCS, cpt=CPT, ptp=PTP, mue=MUE),
    ),
    Seed(
        "terminated",
        "PROC-NOT-VALID-ON-DOS",
        lambda b: None,
        10,
        "CPT",
        sources=Sources(hcpcs=HCPCS, cpt=CPT, ptp=PTP, mue=MUE),
    ),
    Seed(
        "mue line",
        "MUE-UNITS",
        lambda b: None,
        4,
        "Units",
        sources=Sources(hcpcs=HCPCS, cpt=CPT, ptp=PTP, mue=MUE),
    ),
    Seed(
        "mue day",
        "MUE-UNITS",
        add_line("E3", 20, "90700", modifiers=["76"]),
        20,
        "Units",
        sources=Sources(mue=MUE),
        severity="warning",
    ),
    Seed(
        "ptp indicator 1",
        "NCCI-PTP",
        setattr_("E1", "lines[0].modifiers", []),
        2,
        "CPT",
        sources=Sources(ptp=PTP),
    ),
    Seed("ptp indicator 0", "NCCI-PTP", lambda b: None, 6, "CPT", sources=Sources(ptp=PTP)),
    Seed(
        "payer edits value",
        "PAYERS-NCCI-MUE",
        lambda b: setattr(b.payers[0], "ncci_mue", "sometimes"),
        2,
        "Apply NCCI/MUE",
        "Payers",
    ),
    Seed(
        "set outdated",
        "PROC-SET-OUTDATED",
        lambda b: None,
        None,
        "DOS",
        sources=Sources(mue=QuarterMue([("G0008", 1, 2)], date(2026, 3, 31))),
    ),
    # modifiers
    Seed("mod format", "MOD-FORMAT", setattr_("E2", "lines[0].modifiers", ["9"]), 5, "Mod 1"),
    Seed("mod unknown", "MOD-UNKNOWN", setattr_("E1", "lines[2].modifiers", ["ZZ"]), 4, "Mod 1"),
    Seed(
        "mod repeated",
        "MOD-REPEATED",
        setattr_("E1", "lines[1].modifiers", ["RT", "RT"]),
        3,
        "Modifier 2",
    ),
    Seed("25 missing", "MOD-25-MISSING", setattr_("E1", "lines[0].modifiers", []), 2, "Mod 1"),
    Seed(
        "25 not em",
        "MOD-25-NOT-EM",
        setattr_("E1", "lines[1].modifiers", ["RT", "25"]),
        3,
        "Modifier 2",
    ),
    Seed(
        "25 unneeded",
        "MOD-25-UNNEEDED",
        setattr_("E2", "lines[0].modifiers", ["95", "25"]),
        5,
        "Modifier 2",
    ),
    Seed("rt lt", "MOD-RT-LT", setattr_("E1", "lines[1].modifiers", ["RT", "LT"]), 3, "Mod 1"),
    Seed("laterality", "MOD-LATERALITY", dx("E1", "M17.12", "E11.9"), 3, "Mod 1"),
    Seed(
        "duplicate line", "LINE-DUPLICATE", add_line("E3", 20, "90700", dx_pointers=[2]), 20, "CPT"
    ),
    # payer rules and the Rules sheet
    Seed(
        "rule value", "RULES-SHEET", rule_cell(4, "Requirement Value", "two"), 4, "Value", "Rules"
    ),
    Seed(
        "rule requirement",
        "RULES-SHEET",
        rule_cell(4, "Requirement", "must_have"),
        4,
        "Requirement",
        "Rules",
    ),
    Seed(
        "rule range",
        "RULES-SHEET",
        rule_cell(2, "Procedure Codes", "99215-99202"),
        2,
        "Procedure Codes",
        "Rules",
    ),
    Seed(
        "rule pos",
        "RULES-SHEET",
        rule_cell(2, "Place of Service", "02, 77"),
        2,
        "Place of Service",
        "Rules",
    ),
    Seed("rule severity", "RULES-SHEET", rule_cell(2, "Severity", "high"), 2, "Severity", "Rules"),
    Seed("rule payer", "RULES-SHEET", rule_cell(3, "Payer", "Cigna"), 3, "Payer", "Rules"),
    Seed("rule active", "RULES-SHEET", rule_cell(3, "Active", "maybe"), 3, "Active", "Rules"),
    Seed(
        "rule id twice",
        "RULES-SHEET",
        add_rule(7, Rule_ID="MCD-NDC", Requirement="require_ndc"),
        7,
        "Rule ID",
        "Rules",
    ),
    Seed(
        "rule dx",
        "RULES-SHEET",
        rule_cell(5, "Diagnosis Codes", "pregnancy"),
        5,
        "Diagnosis Codes",
        "Rules",
    ),
    Seed(
        "rule mod value",
        "RULES-SHEET",
        rule_cell(2, "Requirement Value", "95, G"),
        2,
        "Value",
        "Rules",
    ),
    Seed(
        "payer telehealth",
        "PAYER-RULE:MCR-TELE-95",
        setattr_("E2", "lines[0].modifiers", []),
        5,
        "Mod 1",
    ),
    Seed(
        "payer units",
        "PAYER-RULE:ALL-20610-UNITS",
        setattr_("E1", "lines[1].units", Decimal(3)),
        3,
        "Units",
        severity="warning",
    ),
    Seed(
        "payer prior auth",
        "PAYER-RULE:AETNA-PA-PREG",
        setattr_("E5", "prior_authorization", None),
        12,
        "Prior Authorization",
    ),
    Seed(
        "payer ndc", "PAYER-RULE:MCD-NDC", add_line("E3", 21, "J1050", dx_pointers=[1]), 21, "NDC"
    ),
    Seed(
        "payer forbid",
        "PAYER-RULE:AETNA-NO-GT",
        forbid_gt,
        12,
        "Modifier 2",
        severity="error",
    ),
    Seed(
        "payer referring",
        "PAYER-RULE:REF",
        add_rule(
            9,
            Rule_ID="REF",
            Payer="Aetna",
            Requirement="require_referring_npi",
            Procedure_Codes="J3301",
        ),
        4,
        "Referring NPI",
    ),
    Seed(
        "payer dx",
        "PAYER-RULE:DX",
        add_rule(
            9,
            Rule_ID="DX",
            Procedure_Codes="G0439",
            Requirement="require_diagnosis",
            Requirement_Value="Z00.01",
        ),
        9,
        "DX1",
    ),
]


@pytest.mark.parametrize("seed", SEEDS, ids=[s.name for s in SEEDS])
def test_seeded_error_is_found_at_its_cell(seed: Seed) -> None:
    book = clean_book()
    seed.mutate(book)
    findings = check(book, today=seed.today, sources=seed.sources)
    hits = [
        f
        for f in findings
        if f.rule == seed.rule
        and f.sheet == seed.sheet
        and f.row == seed.row
        and f.column == seed.column
    ]
    listing = json.dumps([(f.rule, f.sheet, f.row, f.column) for f in findings], indent=0)
    assert hits, f"{seed.rule} not found at {seed.sheet} {seed.row} {seed.column}:\n{listing}"
    finding = hits[0]
    base = seed.rule.partition(":")[0]
    assert finding.severity == (seed.severity or REGISTRY[base].severity)
    assert finding.fix and finding.message.endswith(finding.fix)
    where = f"{seed.sheet} row {seed.row}" if seed.row is not None else seed.sheet
    assert finding.message.startswith(where)


def test_every_registered_rule_has_a_seed() -> None:
    seeded = {seed.rule.partition(":")[0] for seed in SEEDS}
    assert set(REGISTRY) - seeded == set()


def test_clean_book_has_no_error_or_warning() -> None:
    for sources in (
        Sources(),
        Sources(
            hcpcs=MemoryCodes([(c, date(2000, 1, 1), None) for c in ("J3301", "G0439", "G0008")]),
            cpt=CPT,
            ptp=CLEAN_PTP,
            mue=MemoryMue([("J3301", 10, 1)]),
        ),
    ):
        findings = check(clean_book(), today=TODAY, sources=sources)
        noisy = [f for f in findings if f.severity != "info"]
        assert noisy == []


def test_ptp_indicator_1_is_bypassed_by_a_distinct_modifier_but_0_is_not() -> None:
    book = clean_book()
    enc(book, "E1").lines[0].modifiers = ["XU"]
    enc(book, "E3").lines[0].modifiers = ["59"]
    enc(book, "E3").lines[1].modifiers = ["59"]
    findings = check(book, today=TODAY, sources=Sources(ptp=PTP))
    ptp = [(f.row, f.rule) for f in findings if f.rule == "NCCI-PTP"]
    assert ptp == [(6, "NCCI-PTP")]


def test_empty_charge_priced_by_the_fees_sheet_is_not_an_error() -> None:
    from addin.models import FeeRow

    book = clean_book()
    target = book.encounters[1].lines[0]
    target.charge = None
    unpriced = [f for f in check(book, today=TODAY) if f.rule == "FIELD-REQUIRED"]
    assert [(f.row, f.column) for f in unpriced] == [(target.row, "Charge")]
    assert target.procedure_code in unpriced[0].message

    book.fees.append(FeeRow(code=target.procedure_code, charge=Decimal("150.00")))
    assert not [f for f in check(book, today=TODAY) if f.rule == "FIELD-REQUIRED"]
