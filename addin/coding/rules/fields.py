"""Required fields and value formats: Settings, payers, patients, NPIs, ZIPs, dates, lines."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from addin.coding.rules.registry import Context, row_of, rule
from addin.coding.rules.tables import RELATIONSHIPS, STATES, places_of_service
from addin.models import Encounter, Person
from addin.models.types import Severity, normalize_digits

SETTINGS = "Settings"

REQUIRED = rule("FIELD-REQUIRED", "error", "fields", "a field the 837P needs is empty")
SUBSCRIBER = rule(
    "SUBSCRIBER-REQUIRED", "error", "fields", "subscriber fields when Relationship is not Self"
)
SETTINGS_REQUIRED = rule(
    "SETTINGS-REQUIRED", "error", "settings", "billing NPI, tax ID, taxonomy, address, 9-digit ZIP"
)
PAYER_UNKNOWN = rule("PAYER-UNKNOWN", "error", "fields", "the payer is not on the Payers sheet")
PAYER_ID = rule("PAYER-ID-MISSING", "warning", "fields", "a Payers row has no Payer ID")
NPI_FORMAT = rule("NPI-FORMAT", "error", "values", "an NPI is 10 digits")
NPI_CHECK = rule("NPI-CHECKDIGIT", "error", "values", "NPI Luhn check digit with prefix 80840")
TAXID = rule("TAXID-FORMAT", "error", "values", "a tax ID (EIN/SSN) is 9 digits")
TAXONOMY = rule("TAXONOMY-FORMAT", "error", "values", "a taxonomy code is 9 characters + X")
ZIP = rule("ZIP-FORMAT", "error", "values", "a ZIP is 5 or 9 digits (billing ZIP: 9)")
ZIP_ZERO = rule("ZIP-LEADING-ZERO", "error", "values", "a 4- or 8-digit ZIP lost its leading 0")
STATE = rule("STATE-CODE", "error", "values", "a state is a USPS two-letter code")
POS = rule("POS-UNKNOWN", "error", "values", "Place of Service from the CMS POS list")
POS_DATE = rule("POS-NOT-EFFECTIVE", "error", "values", "POS code not yet valid on the DOS")
DOS_FUTURE = rule("DOS-FUTURE", "error", "values", "a date of service is not in the future")
DOB_FUTURE = rule("DOB-AFTER-DOS", "error", "values", "a birth date is not after the DOS")
AGE = rule("AGE-IMPLAUSIBLE", "warning", "values", "age at the DOS is over 120 years")
RELATIONSHIP = rule("RELATIONSHIP-CODE", "error", "values", "Self, Spouse, Child or Other")
UNITS = rule("UNITS-INVALID", "error", "values", "units are a positive whole number")
CHARGE = rule("CHARGE-INVALID", "error", "values", "a charge is >= 0 with at most 2 decimals")
DXPTR = rule("DXPTR-INVALID", "error", "values", "Dx Pointer refers to a present diagnosis")
DXPTR_NONE = rule("DXPTR-MISSING", "warning", "values", "a line has no Dx Pointer")
FREQ = rule("FREQUENCY-CODE", "error", "values", "claim frequency is 1, 7 or 8")
FREQ_PCN = rule("FREQUENCY-PAYER-CLAIM", "error", "values", "7/8 need the payer claim number")
NDC = rule("NDC-FORMAT", "error", "values", "an NDC is 11 digits (5-4-2)")

_TAXONOMY_RE = re.compile(r"^[0-9]{3}[0-9A-Z]{6}X$")
_CENT = Decimal("0.01")
# Encounter.diagnoses positions as the Encounters sheet names them.
DX_COLUMNS = tuple(f"Dx {i}" for i in range(1, 13))


def npi_problem(npi: str) -> tuple[str, str] | None:
    """(rule, problem) for a bad NPI, None for a good one.

    The check digit is Luhn over the 9 digits prefixed by 80840 (the NPI's ISO card issuer
    prefix); 24 is the Luhn sum of that prefix, so it is added instead of recomputed.
    """
    if len(npi) != 10 or not npi.isdigit():
        return NPI_FORMAT, f"{npi!r} is not 10 digits"
    total = 24
    for position, char in enumerate(reversed(npi[:9])):
        digit = ord(char) - 48
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    check = (10 - total % 10) % 10
    if check != ord(npi[9]) - 48:
        return NPI_CHECK, f"{npi} fails the NPI check digit (the last digit should be {check})"
    return None


def zip_problem(zip_code: str, *, nine: bool = False) -> tuple[str, str, str] | None:
    """(rule, problem, fix) for a bad ZIP; ``nine`` demands ZIP+4 (billing provider)."""
    if not zip_code.isdigit():
        return ZIP, f"{zip_code!r} is not digits", "type the ZIP as 5 or 9 digits"
    size = len(zip_code)
    if size in (4, 8):
        return (
            ZIP_ZERO,
            f"{zip_code} has {size} digits: Excel dropped its leading zero",
            f"format the column as Text and type 0{zip_code}",
        )
    if nine and size != 9:
        return ZIP, f"{zip_code} has {size} digits", "the billing ZIP must be ZIP+4 (9 digits)"
    if size not in (5, 9):
        return ZIP, f"{zip_code} has {size} digits", "type the ZIP as 5 or 9 digits"
    return None


def check_settings(ctx: Context) -> None:
    """Settings completeness and formats: billing NPI, tax ID, taxonomy, address, ZIP+4."""
    settings = {" ".join(k.split()).casefold(): v.strip() for k, v in ctx.book.settings.items()}

    def get(key: str) -> str:
        return settings.get(key.casefold(), "")

    rows = {" ".join(k.split()).casefold(): r for k, r in ctx.book.settings_rows.items()}

    # A workbook with no encounter rows yet (a fresh template) holds no claim that missing
    # settings would stop: the empty ones are its to-do list (info), not errors.
    todo: Severity | None = "info" if not ctx.book.encounters else None

    def add(rule_id: str, key: str, value: str, problem: str, fix: str) -> None:
        # the row of the key when the sheet has it, so the finding points at the cell
        severity = todo if rule_id == SETTINGS_REQUIRED else None
        ctx.add(
            rule_id, rows.get(key.casefold()), key, value, problem, fix, sheet=SETTINGS,
            severity=severity,
        )  # fmt: skip

    if not settings:  # one finding for a missing sheet, not one per key
        ctx.add(
            SETTINGS_REQUIRED,
            None,
            None,
            None,
            "the workbook has no Settings (billing provider NPI, tax ID, taxonomy, address)",
            "add a Settings sheet with Key/Value rows, as in workbooks/claimbook_template.xlsx",
            sheet=SETTINGS,
        )
        return
    for key in ("Billing Provider Name", "Billing NPI", "Tax ID", "Taxonomy Code"):
        if not get(key):
            add(SETTINGS_REQUIRED, key, "", f"{key} is empty", f"fill {key} on the Settings sheet")
    for key in ("Billing Address", "Billing City", "Billing State", "Billing ZIP"):
        if not get(key):
            add(SETTINGS_REQUIRED, key, "", f"{key} is empty", "the billing address is required")
    npi = normalize_digits(get("Billing NPI"))
    if npi and (bad := npi_problem(npi)):
        add(bad[0], "Billing NPI", npi, bad[1], "copy the organisation NPI from NPPES")
    tax = normalize_digits(get("Tax ID"))
    if tax and (len(tax) != 9 or not tax.isdigit()):
        add(TAXID, "Tax ID", tax, f"{tax!r} is not 9 digits", "type the EIN as 9 digits")
    taxonomy = get("Taxonomy Code").upper()
    if taxonomy and not _TAXONOMY_RE.match(taxonomy):
        add(
            TAXONOMY,
            "Taxonomy Code",
            taxonomy,
            f"{taxonomy!r} is not a provider taxonomy code",
            "use the 10-character code from NPPES, e.g. 207Q00000X",
        )
    state = get("Billing State").upper()
    if state and state not in STATES:
        add(STATE, "Billing State", state, f"{state!r} is not a state", "use a USPS code")
    zip_code = normalize_digits(get("Billing ZIP"))
    if zip_code and (bad_zip := zip_problem(zip_code, nine=True)):
        add(bad_zip[0], "Billing ZIP", zip_code, bad_zip[1], bad_zip[2])


def check_payers(ctx: Context) -> None:
    """Payers rows need a Payer ID (NM109 of the 837P's payer loop)."""
    if not ctx.book.payers and ctx.book.encounters:
        ctx.add(
            PAYER_UNKNOWN,
            None,
            None,
            None,
            "the workbook has no Payers sheet, so payer names were not checked",
            "add a Payers sheet (Payer, Payer ID, Claim Filing Indicator)",
            sheet="Payers",
            severity="warning",
        )
    for payer in ctx.book.payers:
        if payer.payer.strip() and not payer.payer_id.strip():
            ctx.add(
                PAYER_ID,
                payer.row,
                "Payer ID",
                payer.payer,
                f"payer {payer.payer!r} has no Payer ID",
                "fill the payer's electronic payer ID from its enrolment letter",
                sheet="Payers",
            )


def _person(
    ctx: Context,
    person: Person | None,
    prefix: str,
    row: int | None,
    dos: date | None,
    rule_id: str,
    eid: str,
    *,
    address: bool,
) -> None:
    """Name, DOB, sex (and address) of a patient or subscriber."""
    add = ctx.add
    if person is None:
        add(
            rule_id,
            row,
            f"{prefix} Last Name",
            "",
            f"{prefix.lower()} is missing",
            f"fill the {prefix.lower()}'s name, DOB and sex",
            encounter_id=eid,
        )
        return
    for attr, label in (("last_name", "Last Name"), ("first_name", "First Name")):
        if not getattr(person, attr):
            add(
                rule_id,
                row,
                f"{prefix} {label}",
                "",
                f"{prefix} {label} is empty",
                f"fill the {prefix.lower()}'s {label.lower()}",
                encounter_id=eid,
            )
    dob = person.dob
    if dob is None:
        add(
            rule_id,
            row,
            f"{prefix} DOB",
            "",
            f"{prefix} DOB is empty",
            "fill the date of birth (YYYY-MM-DD)",
            encounter_id=eid,
        )
    elif dos is not None:
        if dob > dos:
            add(
                DOB_FUTURE,
                row,
                f"{prefix} DOB",
                dob,
                f"birth date {dob} is after the date of service {dos}",
                "correct the date of birth or the date of service",
                encounter_id=eid,
            )
        elif dos.year - dob.year > 120:
            add(
                AGE,
                row,
                f"{prefix} DOB",
                dob,
                f"born {dob}, over 120 years old on {dos}",
                "check the year of birth",
                encounter_id=eid,
            )
    if person.sex is None:
        add(
            rule_id,
            row,
            f"{prefix} Sex",
            "",
            f"{prefix} Sex is empty",
            "use M, F or U",
            encounter_id=eid,
        )
    if not address:
        return
    for attr, label in (
        ("address", "Address"),
        ("city", "City"),
        ("state", "State"),
        ("zip", "ZIP"),
    ):
        if not getattr(person, attr):
            add(
                rule_id,
                row,
                f"{prefix} {label}",
                "",
                f"{prefix} {label} is empty",
                f"fill the {prefix.lower()}'s {label.lower()}",
                encounter_id=eid,
            )
    state = person.state.upper()
    if state and state not in STATES:
        add(
            STATE,
            row,
            f"{prefix} State",
            person.state,
            f"{person.state!r} is not a US state code",
            "use the two-letter USPS code, e.g. NY",
            encounter_id=eid,
        )
    if person.zip and (bad := zip_problem(person.zip)):
        add(bad[0], row, f"{prefix} ZIP", person.zip, bad[1], bad[2], encounter_id=eid)


def check_pos(ctx: Context, pos: str, row: int | None, dos: date | None, eid: str) -> None:
    """POS from the CMS list, and in force on the date of service."""
    place = places_of_service().get(pos)
    if place is None:
        ctx.add(
            POS,
            row,
            "Place of Service",
            pos,
            f"{pos!r} is not a CMS Place of Service code",
            "use a two-digit code such as 11 (office), 02/10 (telehealth)",
            encounter_id=eid,
        )
    elif place.effective_from is not None and dos is not None and dos < place.effective_from:
        ctx.add(
            POS_DATE,
            row,
            "Place of Service",
            pos,
            f"POS {pos} ({place.name}) starts "
            f"{place.effective_from}, after the date of service {dos}",
            "use the code that applied on the date of service",
            encounter_id=eid,
        )


def check_npi(ctx: Context, npi: str, row: int | None, column: str, eid: str) -> None:
    bad = npi_problem(npi)
    if bad is not None:
        ctx.add(
            bad[0],
            row,
            column,
            npi,
            bad[1],
            "copy the NPI from NPPES (npiregistry)",
            encounter_id=eid,
        )


def check_encounter(ctx: Context, enc: Encounter, payers: frozenset[str]) -> None:
    """Claim-level fields of one encounter, reported on its first row."""
    row = row_of(enc)
    eid = enc.encounter_id
    dos = enc.date_of_service
    add = ctx.add
    _person(ctx, enc.patient, "Patient", row, dos, REQUIRED, eid, address=True)
    if not enc.payer:
        add(
            REQUIRED,
            row,
            "Payer",
            "",
            "Payer is empty",
            "pick a payer from the Payers sheet",
            encounter_id=eid,
        )
    elif payers and " ".join(enc.payer.split()).casefold() not in payers:
        add(
            PAYER_UNKNOWN,
            row,
            "Payer",
            enc.payer,
            f"payer {enc.payer!r} is not on the Payers sheet",
            "pick a payer from the list or add a row to Payers",
            encounter_id=eid,
        )
    if not enc.member_id:
        add(
            REQUIRED,
            row,
            "Member ID",
            "",
            "Member ID is empty",
            "copy the member ID from the insurance card",
            encounter_id=eid,
        )
    relation = enc.relationship.strip().casefold()
    if relation not in RELATIONSHIPS:
        add(
            RELATIONSHIP,
            row,
            "Relationship",
            enc.relationship,
            f"{enc.relationship!r} is not a relationship",
            "use Self, Spouse, Child or Other",
            encounter_id=eid,
        )
    if not enc.is_self:
        _person(ctx, enc.subscriber, "Subscriber", row, dos, SUBSCRIBER, eid, address=False)
    if enc.rendering_npi:
        check_npi(ctx, enc.rendering_npi, row, "Rendering NPI", eid)
    elif not all(line.rendering_npi for line in enc.lines):
        add(
            REQUIRED,
            row,
            "Rendering NPI",
            "",
            "Rendering NPI is empty",
            "fill the NPI of the clinician who saw the patient",
            encounter_id=eid,
        )
    if enc.referring_npi:
        check_npi(ctx, enc.referring_npi, row, "Referring NPI", eid)
    if enc.place_of_service:
        check_pos(ctx, enc.place_of_service, row, dos, eid)
    if dos is None:
        if not all(line.date_of_service for line in enc.lines):
            add(
                REQUIRED,
                row,
                "Date of Service",
                "",
                "Date of Service is empty",
                "fill the date of the visit (YYYY-MM-DD)",
                encounter_id=eid,
            )
    elif dos > ctx.today:
        add(
            DOS_FUTURE,
            row,
            "Date of Service",
            dos,
            f"{dos} is in the future (today is {ctx.today})",
            "correct the date; a claim is billed after the service",
            encounter_id=eid,
        )
    if not enc.diagnoses or not enc.diagnoses[0]:
        add(
            REQUIRED,
            row,
            "Dx 1",
            "",
            "Dx 1 is empty",
            "enter the primary ICD-10-CM code",
            encounter_id=eid,
        )
    frequency = enc.claim_frequency.strip()
    if frequency not in ("1", "7", "8"):
        add(
            FREQ,
            row,
            "Claim Frequency",
            frequency,
            f"{frequency!r} is not a claim frequency",
            "use 1 (original), 7 (replacement) or 8 (void)",
            encounter_id=eid,
        )
    elif frequency != "1" and not (enc.payer_claim_number or "").strip():
        add(
            FREQ_PCN,
            row,
            "Payer Claim Number",
            "",
            f"frequency {frequency} replaces or voids a claim the payer already has",
            "copy the payer's claim number from the ERA",
            encounter_id=eid,
        )
    if not enc.lines:
        add(
            REQUIRED,
            row,
            "Procedure Code",
            "",
            "the encounter has no service line",
            "add at least one procedure line",
            encounter_id=eid,
        )


def check_lines(ctx: Context, enc: Encounter) -> None:
    """Line-level fields: POS/DOS overrides, units, charge, Dx pointers, NDC."""
    eid = enc.encounter_id
    add = ctx.add
    dx_count = len(enc.diagnoses)
    enc_dos = enc.date_of_service
    for line in enc.lines:
        row = line.row
        if not line.procedure_code:
            add(
                REQUIRED,
                row,
                "Procedure Code",
                "",
                "Procedure Code is empty",
                "enter the CPT or HCPCS code",
                encounter_id=eid,
            )
        pos = line.place_of_service
        if pos and pos != enc.place_of_service:
            check_pos(ctx, pos, row, line.date_of_service or enc_dos, eid)
        elif not pos and not enc.place_of_service:
            add(
                REQUIRED,
                row,
                "Place of Service",
                "",
                "Place of Service is empty",
                "use a CMS POS code such as 11 (office)",
                encounter_id=eid,
            )
        dos = line.date_of_service
        if dos is not None and dos != enc_dos and dos > ctx.today:
            add(
                DOS_FUTURE,
                row,
                "Date of Service",
                dos,
                f"{dos} is in the future (today is {ctx.today})",
                "correct the date of service",
                encounter_id=eid,
            )
        npi = line.rendering_npi
        if npi and npi != enc.rendering_npi:
            check_npi(ctx, npi, row, "Rendering NPI", eid)
        units = line.units
        if units <= 0 or units != units.to_integral_value():
            add(
                UNITS,
                row,
                "Units",
                units,
                f"units {units} is not a positive whole number",
                "enter the number of units billed, e.g. 1",
                encounter_id=eid,
            )
        charge = line.charge
        if charge is None:
            if not ctx.priced_by_fees(line.procedure_code, line.modifiers):
                add(
                    REQUIRED,
                    row,
                    "Charge",
                    "",
                    f"Charge is empty and the Fees sheet has no charge for "
                    f"{line.procedure_code or 'this code'}",
                    "type the charge, or add the code to the Fees sheet",
                    encounter_id=eid,
                )
        elif charge < 0 or charge != charge.quantize(_CENT):
            add(
                CHARGE,
                row,
                "Charge",
                charge,
                f"charge {charge} is negative or has more than two decimals",
                "enter the amount in dollars and cents",
                encounter_id=eid,
            )
        pointers = line.dx_pointers
        if not pointers:
            if dx_count:
                add(
                    DXPTR_NONE,
                    row,
                    "Dx Pointer",
                    "",
                    "no Dx Pointer on this line",
                    "point the line at its diagnoses, e.g. 1 or A (up to 4)",
                    encounter_id=eid,
                )
        else:
            for pointer in pointers:
                if not 1 <= pointer <= 12 or pointer > dx_count:
                    shown = chr(64 + pointer) if 1 <= pointer <= 12 else str(pointer)
                    add(
                        DXPTR,
                        row,
                        "Dx Pointer",
                        pointer,
                        f"pointer {pointer} ({shown}) "
                        f"refers to no diagnosis (the claim has {dx_count})",
                        "use 1 (A)"
                        if dx_count <= 1
                        else f"use 1-{dx_count} (A-{chr(64 + dx_count)})",
                        encounter_id=eid,
                    )
            if len(pointers) > 4:
                add(
                    DXPTR,
                    row,
                    "Dx Pointer",
                    ",".join(map(str, pointers)),
                    "more than 4 pointers",
                    "keep the 4 most relevant diagnoses",
                    encounter_id=eid,
                )
        ndc = line.ndc
        if ndc:
            digits = normalize_digits(ndc)
            if len(digits) != 11 or not digits.isdigit():
                add(
                    NDC,
                    row,
                    "NDC",
                    ndc,
                    f"{ndc!r} is not an 11-digit NDC",
                    "write the NDC in 5-4-2 form, padding with zeros (e.g. 00002-1433-80)",
                    encounter_id=eid,
                )
