"""Encounters to claims: group, split, map pointers, price, and hold what cannot be billed."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from addin.models import (
    Claim,
    ClaimLine,
    Encounter,
    FeeRow,
    Finding,
    PayerRow,
    Person,
    Provider,
    ServiceLine,
)
from addin.models.types import (
    Severity,
    charge_problem,
    normalize_digits,
    normalize_icd10,
    normalize_modifier,
    normalize_procedure,
    units_problem,
)
from addin.x12.x837p.text import parse_ndc

MAX_LINES = 50
MAX_DIAGNOSES = 12
MAX_POINTERS = 4
ICD10_START = date(2015, 10, 1)
SHEET = "Encounters"
_NPI_NAME = re.compile(r"^(\d{10})\s*[:=-]?\s*(\S.*)$")

#: Relationship as typed on the Encounters sheet -> X12 individual relationship code.
RELATIONSHIP_CODES: dict[str, str] = {
    "self": "18",
    "18": "18",
    "": "18",
    "spouse": "01",
    "wife": "01",
    "husband": "01",
    "01": "01",
    "1": "01",
    "child": "19",
    "son": "19",
    "daughter": "19",
    "19": "19",
    "employee": "20",
    "20": "20",
    "unknown": "21",
    "21": "21",
    "organ donor": "39",
    "39": "39",
    "cadaver donor": "40",
    "40": "40",
    "life partner": "53",
    "domestic partner": "53",
    "53": "53",
    "other": "G8",
    "other relationship": "G8",
    "g8": "G8",
}

#: Claim filing indicators whose members are always the subscriber (no 2000C loop).
#: Medicare has no dependents (an error); most state Medicaid companion guides say the same,
#: but some differ, so for Medicaid it is a warning.
SELF_ONLY_PROGRAMS: dict[str, tuple[str, Severity]] = {
    "MA": ("Medicare Part A", "error"),
    "MB": ("Medicare Part B", "error"),
    "MC": ("Medicaid", "warning"),
}

#: Claim Frequency as typed -> CLM05-3.
FREQUENCY_CODES: dict[str, str] = {
    "": "1",
    "1": "1",
    "original": "1",
    "7": "7",
    "replacement": "7",
    "replace": "7",
    "corrected": "7",
    "8": "8",
    "void": "8",
    "cancel": "8",
}


@dataclass
class HeldEncounter:
    """An encounter that was not built, with every reason (each also a Finding)."""

    encounter_id: str
    reasons: list[str]
    rows: list[int] = field(default_factory=list)
    encounter: Encounter | None = None


@dataclass
class BuildResult:
    """Claims ready for the 837P, encounters held back, and what was found on the way."""

    claims: list[Claim] = field(default_factory=list)
    held: list[HeldEncounter] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def provider_from_settings(settings: dict[str, str]) -> Provider:
    """The billing provider as the Settings sheet describes it."""
    return Provider(
        name=settings.get("Billing Provider Name", ""),
        npi=settings.get("Billing NPI", ""),
        tax_id=settings.get("Tax ID", ""),
        taxonomy=settings.get("Taxonomy Code", ""),
        address=settings.get("Billing Address", ""),
        city=settings.get("Billing City", ""),
        state=settings.get("Billing State", ""),
        zip=settings.get("Billing ZIP", ""),
    )


def provider_names(settings: dict[str, str]) -> dict[str, str]:
    """NPI -> "Last, First" from Settings: ``Provider Names`` ("NPI Last, First; ...") and
    ``Provider <NPI>`` rows."""
    names: dict[str, str] = {}
    for part in settings.get("Provider Names", "").replace("\n", ";").split(";"):
        match = _NPI_NAME.match(part.strip())
        if match:
            names[match.group(1)] = match.group(2).strip()
    for key, value in settings.items():
        if key.startswith("Provider ") and key[9:].strip().isdigit() and value.strip():
            names[key[9:].strip()] = value.strip()
    return names


def named_provider(
    settings: dict[str, str], npi: str, names: dict[str, str] | None = None
) -> Provider | None:
    """A rendering/referring provider named on the Settings sheet, or None. ``names`` is
    ``provider_names(settings)`` when the caller has worked it out once for many claims."""
    text = (provider_names(settings) if names is None else names).get(npi, "")
    if not text:
        return None
    last, _, first = text.partition(",")
    return Provider(
        npi=npi,
        last_name=last.strip(),
        first_name=first.strip(),
        taxonomy=settings.get(f"Taxonomy {npi}", "").strip(),
    )


_NAMES: tuple[int, tuple[tuple[str, str], ...], dict[str, str]] | None = None


def _names_of(settings: dict[str, str]) -> dict[str, str]:
    """``provider_names(settings)``, worked out again only when the Settings change (it is
    asked for every encounter of a build)."""
    global _NAMES
    items = tuple(settings.items())
    if _NAMES is None or _NAMES[0] != id(settings) or _NAMES[1] != items:
        _NAMES = (id(settings), items, provider_names(settings))
    return _NAMES[2]


class _Encounter:
    """Collects the problems of one encounter while its claims are built."""

    def __init__(self, enc: Encounter, findings: list[Finding]) -> None:
        self.enc = enc
        self.findings = findings
        self.reasons: list[str] = []

    def problem(
        self,
        rule: str,
        message: str,
        *,
        column: str | None = None,
        row: int | None = None,
        value: str | None = None,
        fix: str | None = None,
        severity: Severity = "error",
    ) -> None:
        where = row if row is not None else (self.enc.rows[0] if self.enc.rows else None)
        # the message says where, as the sheet's own findings do (the CLI prints messages)
        cell = f"{SHEET} row {where}" if where is not None else SHEET
        cell += f" ({column})" if column else ""
        text = f"{cell}, encounter {self.enc.encounter_id}: {message}"
        self.findings.append(
            Finding(
                rule=rule,
                severity=severity,
                message=text,
                sheet=SHEET,
                row=where,
                column=column,
                value=value,
                fix=fix,
                encounter_id=self.enc.encounter_id,
            )
        )
        if severity == "error":
            self.reasons.append(message)


def _blocking(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.blocking and finding.encounter_id:
            out.setdefault(finding.encounter_id, []).append(finding)
    return out


def _blocking_rows(findings: Iterable[Finding]) -> dict[int, list[Finding]]:
    out: dict[int, list[Finding]] = {}
    for finding in findings:
        if finding.blocking and not finding.encounter_id and finding.row is not None:
            if finding.sheet in (None, SHEET):
                out.setdefault(finding.row, []).append(finding)
    return out


FeeTable = dict[tuple[str, str], Decimal]


def _fee(table: FeeTable, line: ServiceLine) -> Decimal | None:
    """The Fees sheet's charge for the line's code with one of its modifiers, else none."""
    for mod in [*line.modifiers, ""]:
        if (line.procedure_code, mod) in table:
            return table[(line.procedure_code, mod)]
    return None


Priced = tuple[ServiceLine, list[int]]


def _chunks(lines: list[Priced]) -> list[list[Priced]]:
    """Split lines in order so that each claim has <= 50 lines and <= 12 diagnoses."""
    out: list[list[Priced]] = [[]]
    used: set[int] = set()
    for item in lines:
        need = used | set(item[1])
        if out[-1] and (len(out[-1]) >= MAX_LINES or len(need) > MAX_DIAGNOSES):
            out.append([])
            used = set()
            need = set(item[1])
        out[-1].append(item)
        used = need
    return out


#: One encounter built on its own: its claims, the reasons it is held (none: it is not)
#: and the findings its build made.
Built = tuple[list[Claim], list[str], list[Finding]]


class Builder:
    """Builds encounters one at a time, what every build shares worked out once."""

    def __init__(
        self,
        settings: dict[str, str],
        payers: Sequence[PayerRow],
        fees: Sequence[FeeRow],
    ) -> None:
        billing = provider_from_settings(settings)
        self.payer_rows = {_key(p.payer): p for p in payers}
        self.fees: FeeTable = {(f.code, f.modifier): f.charge for f in fees}  # once per book
        self.known = _Known(settings, billing)

    def one(self, enc: Encounter, findings: list[Finding] | None = None) -> Built:
        """``enc`` built, its findings appended to ``findings`` (a list of its own when None):
        an encounter's build depends on no other's."""
        found: list[Finding] = [] if findings is None else findings
        state = _Encounter(enc, found)
        claims = _build_one(enc, state, self.known, self.payer_rows, self.fees)
        return claims, state.reasons, found


def build_claims(
    encounters: Sequence[Encounter],
    settings: dict[str, str],
    payers: Sequence[PayerRow],
    fees: Sequence[FeeRow],
    findings: Sequence[Finding] | None = None,
    built: Sequence[Built] | None = None,
) -> BuildResult:
    """Build one claim per Encounter ID (more when it must be split); hold the rest.

    ``findings`` are the scrubber's: an encounter with any ``error`` finding (by encounter ID,
    or on one of its rows) is held with those reasons and not built. ``built``, when given,
    is every encounter already built by :meth:`Builder.one` (in order, before the findings
    were known): the result is the same as building here, the held ones' builds dropped.
    """
    result = BuildResult()
    blocking = _blocking(findings or [])
    blocking_rows = _blocking_rows(findings or [])
    builder = Builder(settings, payers, fees) if built is None else None
    for i, enc in enumerate(encounters):
        prior = list(blocking.get(enc.encounter_id, []))
        for row in [*enc.rows, *(ln.row for ln in enc.lines if ln.row is not None)]:
            for f in blocking_rows.get(row, []):
                if f not in prior:
                    prior.append(f)
        if prior:
            reasons = [f"{f.rule}: {f.message}" for f in prior]
            result.held.append(HeldEncounter(enc.encounter_id, reasons, list(enc.rows), enc))
            continue
        if builder is not None:
            claims, held_for, _ = builder.one(enc, result.findings)
        else:
            claims, held_for, found = built[i]  # type: ignore[index]
            result.findings.extend(found)
        if held_for:
            result.held.append(HeldEncounter(enc.encounter_id, held_for, list(enc.rows), enc))
        else:
            result.claims.extend(claims)
    return result


class _Known:
    """What a build works out once for all its encounters: the Settings' provider names,
    the providers by NPI, the payers whose texts need no stripping, the units that are fine."""

    def __init__(self, settings: dict[str, str], billing: Provider) -> None:
        self.settings = settings
        self.billing = billing
        self.names = _names_of(settings)
        self.providers: dict[tuple[str, bool], Provider | None] = {}
        self.clean_payers: dict[int, bool] = {}
        self.units_fine: set[Decimal] = set()
        # texts seen to be as validation leaves them, by the normaliser that judged them
        self.codes: dict[Callable[[Any], str], set[str]] = {
            f: set() for f in (normalize_procedure, normalize_modifier, normalize_digits,
                               normalize_icd10)
        }  # fmt: skip

    def provider(self, npi: str, column: str, billing: bool, state: _Encounter) -> Provider | None:
        """:func:`_provider`, one Provider per NPI shared by the claims that name it (the
        billing provider is shared the same way); a missing name is a problem each time."""
        key = (npi, billing)
        if key not in self.providers:
            found = _provider(npi, column, self.settings, self.names,
                              self.billing if billing else None, None)  # fmt: skip
            self.providers[key] = found
        found = self.providers[key]
        if found is None and npi:
            _provider(npi, column, self.settings, self.names,
                      self.billing if billing else None, state)  # fmt: skip
        return found

    def units_problem(self, units: Decimal) -> str | None:
        """:func:`units_problem`; whether a value has one depends on the number alone, not
        on how it is written, so the fine ones are remembered by value."""
        if type(units) is not Decimal or not units.is_finite():  # a signalling NaN cannot hash
            return units_problem(units)
        if units in self.units_fine:
            return None
        problem = units_problem(units)
        if problem is None and len(self.units_fine) < 4096:
            self.units_fine.add(units)
        return problem

    def clean_payer(self, payer: PayerRow) -> bool:
        """The payer's texts as Claim validation would leave them (nothing to strip)."""
        clean = self.clean_payers.get(id(payer))
        if clean is None:
            texts = (payer.payer, payer.payer_id, payer.claim_filing_indicator)
            clean = all(not t or not (t[0].isspace() or t[-1].isspace()) for t in texts)
            self.clean_payers[id(payer)] = clean
        return clean


def _build_one(
    enc: Encounter,
    state: _Encounter,
    known: _Known,
    payer_rows: dict[str, PayerRow],
    fees: FeeTable,
) -> list[Claim]:
    payer = payer_rows.get(_key(enc.payer))
    if payer is None:
        state.problem(
            "CLAIM-PAYER",
            f"payer {enc.payer!r} has no row on the Payers sheet",
            column="Payer",
            value=enc.payer,
            fix="add the payer with its Payer ID and Claim Filing Indicator to the Payers sheet",
        )
    elif not payer.payer_id or not payer.claim_filing_indicator:
        state.problem(
            "CLAIM-PAYER",
            f"payer {enc.payer!r} needs a Payer ID and a Claim Filing Indicator on the Payers "
            "sheet",
            column="Payer",
            value=enc.payer,
            fix="fill both columns for this payer (e.g. MB for Medicare Part B, MC Medicaid, "
            "CI commercial)",
        )
    relationship = RELATIONSHIP_CODES.get(_key(enc.relationship))
    if relationship is None:
        state.problem(
            "CLAIM-RELATIONSHIP",
            f"relationship {enc.relationship!r} is not one Claimbook knows",
            column="Relationship",
            value=enc.relationship,
            fix="use Self, Spouse, Child, Employee, Life Partner, Other or an X12 code",
        )
        relationship = "18"
    program = payer.claim_filing_indicator.upper() if payer else ""
    if relationship != "18" and program in SELF_ONLY_PROGRAMS:
        label, severity = SELF_ONLY_PROGRAMS[program]
        state.problem(
            "CLAIM-RELATIONSHIP-PROGRAM",
            f"relationship {enc.relationship!r} with a {label} payer: its members are "
            "normally their own subscriber (no patient loop)",
            column="Relationship",
            value=enc.relationship,
            fix="set Relationship to Self and use the patient's own Member ID"
            + ("" if severity == "error" else ", unless the state's companion guide says not"),
            severity=severity,
        )
    subscriber = enc.patient
    if relationship != "18":
        if enc.subscriber is None or not enc.subscriber.last_name:
            state.problem(
                "CLAIM-SUBSCRIBER",
                f"the patient is the subscriber's {enc.relationship.lower()}, but no "
                "subscriber name is given",
                column="Subscriber Last Name",
                fix="fill Subscriber Last Name, First Name, DOB and Sex from the insurance card",
            )
        else:
            subscriber = enc.subscriber.model_copy(
                update={
                    key: getattr(enc.patient, key)
                    for key in ("address", "city", "state", "zip")
                    if not getattr(enc.subscriber, key)
                }
            )
    frequency = FREQUENCY_CODES.get(_key(enc.claim_frequency))
    if frequency is None:
        state.problem(
            "CLAIM-FREQUENCY",
            f"claim frequency {enc.claim_frequency!r} is not 1 (original), 7 (replacement) or "
            "8 (void)",
            column="Claim Frequency",
            value=enc.claim_frequency,
        )
        frequency = "1"
    if frequency in ("7", "8") and not (enc.payer_claim_number or "").strip():
        state.problem(
            "CLAIM-F8",
            f"frequency {frequency} ({'replacement' if frequency == '7' else 'void'}) needs "
            "the payer's claim number of the original claim",
            column="Payer Claim Number",
            fix="copy the payer claim control number (CLP07) from the 835 or the payer portal",
        )
    # Diagnoses in entered order, duplicates dropped; remember where each old position went.
    diagnoses: list[str] = []
    position: dict[int, int] = {}
    for i, code in enumerate(enc.diagnoses, 1):
        if not code:
            continue
        if code not in diagnoses:
            diagnoses.append(code)
        position[i] = diagnoses.index(code) + 1
    if not diagnoses:
        state.problem(
            "CLAIM-DX",
            "no diagnosis codes",
            column="Dx 1",
            fix="enter at least one ICD-10-CM code in Dx 1",
        )
    if not enc.lines:
        state.problem("CLAIM-LINES", "no service lines", column="Procedure Code")
    pos = enc.place_of_service or next(
        (ln.place_of_service for ln in enc.lines if ln.place_of_service), ""
    )
    if not pos:
        state.problem(
            "CLAIM-POS",
            "no place of service",
            column="Place of Service",
            fix="enter the 2-digit CMS place of service code (11 office, 02/10 telehealth)",
        )
    priced: list[tuple[ServiceLine, list[int]]] = []
    charges: list[Decimal] = []
    dates: list[date] = []
    for line in enc.lines:
        charge = line.charge
        # a line no 837P can carry holds the encounter (the sheet's reading says so too)
        bad_units = known.units_problem(line.units)
        if bad_units is not None:
            state.problem("CLAIM-UNITS", f"line {line.procedure_code}: {bad_units}",
                          column="Units", row=line.row, value=str(line.units),
                          fix="enter the number of units billed, e.g. 1")  # fmt: skip
        bad_charge = charge_problem(charge) if charge is not None else None
        if bad_charge is not None:
            state.problem("CLAIM-CHARGE", f"line {line.procedure_code}: {bad_charge}",
                          column="Charge", row=line.row, value=str(charge),
                          fix="enter the line's charge in dollars and cents")  # fmt: skip
            charge = Decimal("0.00")
        if charge is None:
            fee = _fee(fees, line)
            if fee is None:
                state.problem(
                    "CLAIM-CHARGE",
                    f"line {line.procedure_code} has no charge and the Fees sheet has none for it",
                    column="Charge",
                    row=line.row,
                    value=line.procedure_code,
                    fix="type the charge or add the code to the Fees sheet",
                )
                fee = Decimal("0.00")
            charge = (fee * line.units).quantize(Decimal("0.01")) if not bad_units else fee
        charges.append(charge)
        day = line.date_of_service or enc.date_of_service
        if day is None:
            state.problem(
                "CLAIM-DOS",
                f"line {line.procedure_code} has no date of service",
                column="Date of Service",
                row=line.row,
            )
            day = date.min
        elif day < ICD10_START:
            state.problem(
                "CLAIM-ICD10-DATE",
                f"date of service {day} is before 2015-10-01; ICD-10 codes (ABK/ABF) cannot "
                "be billed for it",
                column="Date of Service",
                row=line.row,
                value=day.isoformat(),
            )
        dates.append(day)
        if line.ndc and parse_ndc(line.ndc) is None:
            state.problem(
                "CLAIM-NDC",
                f"line {line.procedure_code}: NDC {line.ndc!r} cannot be sent",
                column="NDC",
                row=line.row,
                value=line.ndc,
                fix="type the NDC as on the package (5-4-2, 4-4-2, 5-3-2 or 5-4-1 with "
                "hyphens, or 11 digits), optionally followed by a unit and quantity: "
                "63323-0165-01 ML 2",
            )
        pointers = _pointers(line, position, len(diagnoses), state)
        priced.append((line, pointers))
        if line.rendering_npi and enc.rendering_npi and line.rendering_npi != enc.rendering_npi:
            state.problem(
                "CLAIM-LINE-RENDERING",
                f"line {line.procedure_code} names rendering NPI {line.rendering_npi}, the "
                f"encounter {enc.rendering_npi}",
                column="Rendering NPI",
                row=line.row,
                fix="bill each rendering provider under its own Encounter ID",
            )
    rendering = known.provider(enc.rendering_npi, "Rendering NPI", True, state)
    referring = known.provider(enc.referring_npi or "", "Referring NPI", False, state)
    if state.reasons or payer is None:
        return []
    chunks = _chunks(priced)
    if len(chunks) > 1:
        state.problem(
            "CLAIM-SPLIT",
            f"{len(enc.lines)} lines and {len(diagnoses)} diagnoses are split into "
            f"{len(chunks)} claims (an 837P claim holds at most {MAX_LINES} lines and "
            f"{MAX_DIAGNOSES} diagnoses), as billing systems do",
            severity="warning",
            fix="nothing to do; the payer adjudicates each part on its own",
        )
    claims: list[Claim] = []
    index = {id(line): i for i, line in enumerate(enc.lines)}
    for n, chunk in enumerate(chunks, 1):
        if len(chunks) == 1:
            dx = diagnoses
        else:
            wanted = {p for _, ptrs in chunk for p in ptrs}
            dx = [code for i, code in enumerate(diagnoses, 1) if i in wanted]
        remap = {diagnoses.index(code) + 1: j for j, code in enumerate(dx, 1)}
        claim_id = enc.encounter_id if n == 1 else f"{enc.encounter_id}-{n}"
        try:
            # Built from validated parts (the encounter's models, the Payers rows, prices
            # worked out above), a claim needs no validation again when every limit the
            # models put on it holds (checked here); otherwise pydantic validates it and
            # says what is wrong. A test validates every claim built this way.
            trusted = known.clean_payer(payer) and 1 <= len(dx) <= MAX_DIAGNOSES
            lines = []
            for number, (line, ptrs) in enumerate(chunk, 1):
                i = index[id(line)]
                pointers = [remap[p] for p in ptrs]
                values = {
                    "line_number": number,
                    "procedure_code": line.procedure_code,
                    "modifiers": [m for m in line.modifiers if m],
                    "units": line.units,
                    "charge": charges[i],
                    "dx_pointers": pointers,
                    "date_of_service": dates[i],
                    "place_of_service": line.place_of_service or pos,
                    "rendering_npi": line.rendering_npi or None,
                    "ndc": line.ndc or None,
                    "source_row": line.row,
                }
                if trusted and _line_settled(values, len(dx), known.codes):
                    lines.append(_trusted(ClaimLine, values, _LINE_DEFAULTS))
                else:
                    lines.append(ClaimLine(**values))
            number_given = enc.payer_claim_number or None
            claim_values = {
                "claim_id": claim_id,
                "encounter_id": enc.encounter_id,
                "payer": payer.payer,
                "payer_id": payer.payer_id,
                "claim_filing_indicator": payer.claim_filing_indicator,
                "frequency": frequency,
                "payer_claim_number": number_given,
                "member_id": enc.member_id,
                "group_number": enc.group_number,
                "relationship": relationship,
                "patient": enc.patient,
                "subscriber": subscriber if relationship != "18" else enc.patient,
                "billing_provider": known.billing,
                "rendering_provider": rendering,
                "referring_provider": referring,
                "place_of_service": pos,
                "prior_authorization": enc.prior_authorization or None,
                "diagnoses": dx,
                "lines": lines,
                "total_charge": sum((ln.charge for ln in lines), Decimal("0.00")),
            }
            if trusted and _claim_settled(claim_values, known.codes):
                claims.append(_trusted(Claim, claim_values, {}))
            else:
                claims.append(Claim(**claim_values))
        except ValidationError as exc:
            for err in exc.errors():
                where = ".".join(str(p) for p in err["loc"])
                if where == "claim_id":  # CLM01 is the Encounter ID (or ID-2 for a split)
                    state.problem(
                        "CLAIM-INVALID",
                        f"Encounter ID {claim_id[:20]!r}... ({len(claim_id)} characters): the "
                        "837P's claim ID (CLM01) holds at most 38",
                        column="Encounter ID", value=claim_id,
                        fix="use a shorter Encounter ID, such as the practice system's visit "
                        "number",
                    )  # fmt: skip
                    continue
                state.problem(
                    "CLAIM-INVALID", f"claim {claim_id}: {where}: {err['msg']}",
                    fix="correct the value on the Encounters sheet; the 837P cannot carry it",
                )  # fmt: skip
            return []
    return claims


_LINE_DEFAULTS: dict[str, Any] = {"note": None, "prior_authorization": None}


def _bare(text: str | None) -> bool:
    """A text ``str_strip_whitespace`` leaves as it is (None passes too)."""
    return not text or not (text[0].isspace() or text[-1].isspace())


Codes = dict[Callable[[Any], str], set[str]]


def _settled(codes: Codes, code: Any, normal: Callable[[Any], str]) -> bool:
    """Whether ``code`` is a text that ``normal`` leaves as it is (remembered per normaliser
    in ``codes``)."""
    if type(code) is not str:
        return False
    seen = codes[normal]
    if code in seen:
        return True
    if normal(code) != code:
        return False
    if len(seen) < 65536:
        seen.add(code)
    return True


def _line_settled(v: dict[str, Any], diagnoses: int, codes: Codes) -> bool:
    """Whether ClaimLine validation would keep ``v`` as it is and accept it."""
    charge, units, pointers, modifiers = v["charge"], v["units"], v["dx_pointers"], v["modifiers"]
    npi, code = v["rendering_npi"], v["procedure_code"]
    return (
        type(charge) is Decimal
        and charge.as_tuple().exponent == -2  # what Money makes of an amount
        and type(units) is Decimal
        and units > 0
        and type(v["date_of_service"]) is date
        and 1 <= len(pointers) <= MAX_POINTERS
        and all(type(p) is int for p in pointers)
        and 1 <= min(pointers)
        and max(pointers) <= diagnoses
        and len(modifiers) <= 4
        and _settled(codes, code, normalize_procedure)
        and (not modifiers or all(_settled(codes, m, normalize_modifier) for m in modifiers))
        and (npi is None or _settled(codes, npi, normalize_digits))
        and _bare(v["place_of_service"])
        and _bare(v["ndc"])
    )


_CLAIM_TEXTS = ("claim_id", "encounter_id", "member_id", "group_number", "place_of_service",
                "prior_authorization", "payer_claim_number")  # fmt: skip


def _claim_settled(v: dict[str, Any], codes: Codes) -> bool:
    """Whether Claim validation would keep ``v`` as it is and accept it (the Payers row's
    texts are checked once per row by :meth:`_Known.clean_payer`)."""
    diagnoses, lines = v["diagnoses"], v["lines"]
    if not (
        1 <= len(v["claim_id"]) <= 38
        and 1 <= len(lines) <= MAX_LINES
        and (v["frequency"] not in ("7", "8") or bool(v["payer_claim_number"]))
        and all(type(ln) is ClaimLine for ln in lines)
        and type(v["patient"]) is Person
        and type(v["subscriber"]) is Person
    ):
        return False
    for k in _PROVIDERS:  # loops, not all() over generators: this runs for every claim
        if type(v[k]) not in _PROVIDER_TYPES:
            return False
    for k in _CLAIM_TEXTS:
        text = v[k]
        if text is not None and (type(text) is not str or not _bare(text)):
            return False
    for d in diagnoses:
        if not _settled(codes, d, normalize_icd10):
            return False
    return True


_PROVIDERS = ("billing_provider", "rendering_provider", "referring_provider")
_PROVIDER_TYPES = (Provider, type(None))
_new = object.__new__
_set = object.__setattr__
M = TypeVar("M", bound=BaseModel)


class SharedNames(set[str]):
    """The field names set of many trusted models at once. Pydantic copies it for
    ``model_copy`` (a copy is a plain set); setting an attribute on a model adds its name,
    which is a no-op for a name already set, and an error for another (it would mark the
    field set on every model sharing the names: use ``model_copy(update=...)``)."""

    def __copy__(self) -> set[str]:
        return set(self)

    def add(self, name: str) -> None:
        if name not in self:
            raise TypeError(
                f"{name}: a trusted claim or line shares its set fields; change it with "
                "model_copy(update=...), not by setting the attribute"
            )


_FIELDS_SETS: dict[tuple[Any, ...], SharedNames] = {}


def _trusted(cls: type[M], values: dict[str, Any], defaults: dict[str, Any]) -> M:
    """A ``cls`` holding ``values`` (and ``defaults`` for the fields not given) as pydantic
    would after validating them, without validating: for values that already are what
    validation makes of them. The fields given are the set fields, as with ``cls(**values)``.
    (``model_construct`` does the same but costs more than the validation it skips.)"""
    model = _new(cls)
    _set(model, "__dict__", {**values, **defaults} if defaults else values)
    # One set of field names for every model built from the same fields: a set of 20 names
    # is 2.2 KB, and a week of 46,000 claims with 88,000 lines kept 170 MB of them.
    key = (cls, *values)
    fields_set = _FIELDS_SETS.get(key)
    if fields_set is None:
        fields_set = _FIELDS_SETS[key] = SharedNames(values)
    _set(model, "__pydantic_fields_set__", fields_set)
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model


def _pointers(
    line: ServiceLine, position: dict[int, int], count: int, state: _Encounter
) -> list[int]:
    pointers: list[int] = []
    for p in line.dx_pointers:
        if p not in position:
            state.problem(
                "CLAIM-POINTER",
                f"line {line.procedure_code} points to diagnosis {p}, which is empty",
                column="Dx Pointer",
                row=line.row,
                value=str(p),
                fix=f"use pointers 1-{count} (the Dx columns that hold a code)",
            )
            continue
        if position[p] not in pointers:
            pointers.append(position[p])
    if not line.dx_pointers and count:
        pointers = list(range(1, min(count, MAX_POINTERS) + 1))
        state.problem(
            "CLAIM-POINTER-DEFAULT",
            f"line {line.procedure_code} has no Dx Pointer; it points to the first "
            f"{len(pointers)} diagnoses",
            column="Dx Pointer",
            row=line.row,
            severity="warning",
            fix="enter the pointers if the line treats other diagnoses",
        )
    if len(pointers) > MAX_POINTERS:
        state.problem(
            "CLAIM-POINTER-MAX",
            f"line {line.procedure_code} points to {len(pointers)} diagnoses; the 837P "
            f"carries {MAX_POINTERS}, the first {MAX_POINTERS} are kept",
            column="Dx Pointer",
            row=line.row,
            severity="warning",
        )
        pointers = pointers[:MAX_POINTERS]
    return pointers


def _provider(
    npi: str,
    column: str,
    settings: dict[str, str],
    names: dict[str, str],
    billing: Provider | None,
    state: _Encounter | None,
) -> Provider | None:
    """The provider an NPI names (None, and a problem on ``state`` when given, for an NPI
    the Settings sheet does not name)."""
    if not npi:
        return None
    if billing is not None and npi == billing.npi:
        return billing.model_copy(update={"last_name": billing.name})
    provider = named_provider(settings, npi, names)
    if provider is None and state is not None:
        state.problem(
            "CLAIM-PROVIDER-NAME",
            f"{column} {npi} has no name: the 837P must name the provider",
            column=column,
            value=npi,
            fix=f"add '{npi} Last, First' to the Provider Names row of the Settings sheet",
        )
    return provider
