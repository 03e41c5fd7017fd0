"""read_book: a clinic workbook (or CSV) -> addin.models.Book, problems as findings."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from addin.errors import WorkbookError
from addin.models import (
    RULES_COLUMNS,
    SETTINGS_KEYS,
    Book,
    ContractRow,
    Encounter,
    FeeRow,
    Finding,
    PayerRow,
    Person,
    RuleRow,
    ServiceLine,
)
from addin.models.types import normalize_digits, normalize_icd10
from addin.sheets.headers import (
    CONTRACT_HEADERS,
    ENCOUNTER_HEADERS,
    ENCOUNTER_REQUIRED,
    FEE_HEADERS,
    PAYER_HEADERS,
    RULE_HEADERS,
    alias_index,
    header_key,
)
from addin.sheets.source import SheetTable, Source, find_table
from addin.sheets.values import SEX_CODES, CellReader, clean_text, is_blank

ENCOUNTERS = "Encounters"
# Encounter-level columns: every row of an encounter should agree (blank = same as before).
_ENCOUNTER_LEVEL = (
    "Patient ID", "Patient Last Name", "Patient First Name", "Patient DOB", "Patient Sex",
    "Patient Address", "Patient City", "Patient State", "Patient ZIP", "Payer", "Member ID",
    "Group Number", "Relationship", "Subscriber Last Name", "Subscriber First Name",
    "Subscriber DOB", "Subscriber Sex", "Referring NPI", "Prior Authorization",
    "Claim Frequency", "Payer Claim Number", "Diagnosis Text",
    *(f"Dx {n}" for n in range(1, 13)),
)  # fmt: skip


def read_book(path: Path | str) -> Book:
    """Read the Encounters, Settings, Payers, Fees, Contracts and Rules sheets of a workbook.

    A CSV file is read as the Encounters sheet. A missing Encounters table (or a required
    header) is a WorkbookError; every problem with a value is a finding in ``Book.findings``.
    """
    source = Source(Path(path))
    try:
        book = Book(path=source.path)
        table = _encounters_table(source)
        book.headers[table.sheet] = dict(table.headers)
        book.encounters = _encounters(table, book.findings)
        if not source.is_csv:
            _read_settings(source, book)
            _read_payers(source, book)
            _read_fees(source, book)
            _read_contracts(source, book)
            _read_rules(source, book)
        return book
    finally:
        source.close()


def _encounters_table(source: Source) -> SheetTable:
    named = source.find_sheet(ENCOUNTERS, "Encounter", "Visits")
    order = ([named] if named else []) + [s for s in source.sheet_names if s != named]
    for sheet in order:
        table = find_table(source, sheet, ENCOUNTER_HEADERS, ENCOUNTER_REQUIRED)
        if table is not None:
            return table
    if named is not None:
        grid = source.grid(named)
        index = alias_index(ENCOUNTER_HEADERS)
        best: list[str] = []
        for row in grid[:20]:
            found = [index[k] for k in (header_key(c) for c in row) if k in index]
            if len(found) > len(best):
                best = found
        missing = [h for h in ENCOUNTER_REQUIRED if h not in best]
        raise WorkbookError(
            f"{source.path}: sheet {named!r} has no header row with "
            f"{' and '.join(repr(m) for m in missing)} in its first 20 rows; add the "
            f"header(s) (aliases work too: 'CPT' or 'HCPCS' for Procedure Code, 'Visit ID' for "
            "Encounter ID)"
        )
    raise WorkbookError(
        f"{source.path}: no sheet named 'Encounters' and no sheet with the headers "
        f"{' and '.join(repr(h) for h in ENCOUNTER_REQUIRED)}; add an Encounters sheet (the "
        "template in workbooks/ has one)"
    )


def _person(
    r: CellReader, t: SheetTable, row: int, cells: list[Any], prefix: str, address: bool
) -> Person:
    person = Person.model_construct(
        last_name=r.text(t.get(cells, f"{prefix} Last Name")),
        first_name=r.text(t.get(cells, f"{prefix} First Name")),
        dob=r.date(t.get(cells, f"{prefix} DOB"), row, f"{prefix} DOB"),
        sex=r.sex(t.get(cells, f"{prefix} Sex"), row, f"{prefix} Sex"),
        address="",
        city="",
        state="",
        zip="",
    )
    if address:
        person.address = r.text(t.get(cells, f"{prefix} Address"))
        person.city = r.text(t.get(cells, f"{prefix} City"))
        person.state = r.text(t.get(cells, f"{prefix} State")).upper()
        person.zip = r.digits(t.get(cells, f"{prefix} ZIP"), row, f"{prefix} ZIP", 5, "ZIP")
    return person


def _pos(r: CellReader, value: Any, row: int) -> str:
    """Place of Service is always two digits; Excel turns '02' into 2."""
    code = r.code(value, row, "Place of Service")
    if code.isdigit() and len(code) == 1:
        r.finding(
            "READ-POS-LEADING-ZERO",
            "info",
            row,
            "Place of Service",
            value,
            f"{r.sheet}!row {row}: Place of Service {code} was stored as a number; read as 0{code}",
            "format the column as Text so Excel keeps the leading zero",
        )
        return "0" + code
    return code


def _line(r: CellReader, t: SheetTable, row: int, cells: list[Any]) -> ServiceLine:
    mods = [
        m
        for m in (r.code(t.get(cells, f"Modifier {n}"), row, f"Modifier {n}", "modifier")
                  for n in range(1, 5))
        if m
    ]  # fmt: skip
    units = r.number(t.get(cells, "Units"), row, "Units")
    npi = r.digits(t.get(cells, "Rendering NPI"), row, "Rendering NPI")
    return ServiceLine.model_construct(
        row=row,
        procedure_code=r.code(t.get(cells, "Procedure Code"), row, "Procedure Code"),
        modifiers=mods,
        units=units if units is not None else Decimal(1),
        charge=r.money(t.get(cells, "Charge"), row, "Charge"),
        dx_pointers=r.pointers(t.get(cells, "Dx Pointer"), row, "Dx Pointer"),
        date_of_service=r.date(t.get(cells, "Date of Service"), row, "Date of Service"),
        place_of_service=_pos(r, t.get(cells, "Place of Service"), row) or None,
        rendering_npi=npi or None,
        ndc=r.text(t.get(cells, "NDC")) or None,
    )


def _encounter_values(r: CellReader, t: SheetTable, row: int, cells: list[Any]) -> Encounter:
    has_subscriber = any(
        not is_blank(t.get(cells, f"Subscriber {f}"))
        for f in ("Last Name", "First Name", "DOB", "Sex")
    )
    dxs = [r.code(t.get(cells, f"Dx {n}"), row, f"Dx {n}", "icd") for n in range(1, 13)]
    return Encounter.model_construct(
        encounter_id=r.text(t.get(cells, "Encounter ID")),
        patient_id=r.text(t.get(cells, "Patient ID")),
        patient=_person(r, t, row, cells, "Patient", True),
        payer=r.text(t.get(cells, "Payer")),
        member_id=r.text(t.get(cells, "Member ID")),
        group_number=r.text(t.get(cells, "Group Number")),
        relationship=r.text(t.get(cells, "Relationship")) or "Self",
        subscriber=_person(r, t, row, cells, "Subscriber", False) if has_subscriber else None,
        rendering_npi="",
        referring_npi=r.digits(t.get(cells, "Referring NPI"), row, "Referring NPI") or None,
        place_of_service="",
        date_of_service=None,
        diagnoses=[d for d in dxs if d],
        diagnosis_text=r.text(t.get(cells, "Diagnosis Text")),
        lines=[],
        prior_authorization=r.text(t.get(cells, "Prior Authorization")) or None,
        claim_frequency=r.code(t.get(cells, "Claim Frequency"), row, "Claim Frequency") or "1",
        payer_claim_number=r.text(t.get(cells, "Payer Claim Number")) or None,
        rows=[row],
    )


def _encounters(table: SheetTable, findings: list[Finding]) -> list[Encounter]:
    r = CellReader(table.sheet, table.headers)
    by_id: dict[str, Encounter] = {}
    level_cols = [c for c in _ENCOUNTER_LEVEL if c in table.columns]
    level_idx = [table.columns[c] for c in level_cols]
    first_values: dict[str, list[Any]] = {}
    id_col = table.columns["Encounter ID"]
    for first, last in table.gaps:
        span = f"rows {first}-{last}" if last > first else f"row {first}"
        r.finding(
            "READ-EMPTY-ROW",
            "info",
            first,
            None,
            None,
            f"{table.sheet}!{span}: empty inside the table; skipped",
            "delete the empty rows (or ignore this note)",
        )
    for row, cells in table.rows:
        raw_id = cells[id_col] if id_col < len(cells) else None
        if is_blank(raw_id):
            r.finding(
                "READ-MISSING-ENCOUNTER-ID",
                "error",
                row,
                "Encounter ID",
                None,
                f"{table.sheet}!row {row} ({table.headers['Encounter ID']}): empty, so the "
                "row belongs to no encounter and is skipped",
                "type the Encounter ID of the visit this line belongs to",
            )
            continue
        key = clean_text(raw_id)
        line = _line(r, table, row, cells)
        enc = by_id.get(key)
        values = [cells[i] if i < len(cells) else "" for i in level_idx]
        if enc is None:
            enc = _encounter_values(r, table, row, cells)
            enc.encounter_id = key
            by_id[key] = enc
            first_values[key] = values
        else:
            enc.rows.append(row)
            seen = first_values[key]
            later: list[str] = []
            for i, col in enumerate(level_cols):
                value = values[i]
                # cheap equality first: most later rows repeat (or leave blank) the values
                if value == seen[i] or is_blank(value):
                    continue
                if is_blank(seen[i]):
                    seen[i] = value
                    later.append(col)
                elif _comparable(col, value) != _comparable(col, seen[i]):
                    r.finding(
                        "READ-INCONSISTENT",
                        "warning",
                        row,
                        col,
                        value,
                        f"{table.sheet}!row {row} ({table.headers[col]}): {clean_text(value)!r} "
                        f"differs from {clean_text(seen[i])!r} on row {enc.rows[0]} of encounter "
                        f"{key}; the first value is used",
                        f"make every row of encounter {key} say the same, or leave later "
                        "rows blank",
                        encounter_id=key,
                    )
            if later:
                again = _encounter_values(r, table, row, cells)
                for col in later:
                    _fill_later(enc, again, col)
        enc.lines.append(line)
    for enc in by_id.values():
        head = enc.lines[0]
        enc.date_of_service = head.date_of_service
        enc.place_of_service = head.place_of_service or ""
        enc.rendering_npi = head.rendering_npi or ""
    findings.extend(r.findings)
    return list(by_id.values())


def _comparable(column: str, value: Any) -> str:
    """A value as compared across an encounter's rows: 'Female' == 'F', 'e119' == 'E11.9'."""
    if is_blank(value):
        return ""
    try:
        if column.startswith("Dx "):
            return normalize_icd10(value)
        if column.endswith("Sex"):
            return SEX_CODES.get(clean_text(value).casefold(), clean_text(value))
        if column.endswith(("ZIP", "NPI")):
            return normalize_digits(value).lstrip("0")
        if column.endswith("DOB"):
            return str(CellReader("", {}).date(value, 0, column) or clean_text(value))
    except ValueError:
        pass
    return clean_text(value).casefold()


def _fill_later(enc: Encounter, again: Encounter, col: str) -> None:
    """An encounter-level value first given on a later row (earlier rows left it blank)."""
    if col.startswith("Dx "):
        enc.diagnoses = again.diagnoses if not enc.diagnoses else enc.diagnoses
        return
    if col.startswith("Patient ") and col != "Patient ID":
        field = {
            "Last Name": "last_name", "First Name": "first_name", "DOB": "dob", "Sex": "sex",
            "Address": "address", "City": "city", "State": "state", "ZIP": "zip",
        }[col.removeprefix("Patient ")]  # fmt: skip
        setattr(enc.patient, field, getattr(again.patient, field))
        return
    if col.startswith("Subscriber "):
        enc.subscriber = enc.subscriber or again.subscriber
        return
    attr = {
        "Patient ID": "patient_id", "Payer": "payer", "Member ID": "member_id",
        "Group Number": "group_number", "Relationship": "relationship",
        "Referring NPI": "referring_npi", "Prior Authorization": "prior_authorization",
        "Claim Frequency": "claim_frequency", "Payer Claim Number": "payer_claim_number",
        "Diagnosis Text": "diagnosis_text",
    }[col]  # fmt: skip
    setattr(enc, attr, getattr(again, attr))


# -- configuration sheets --------------------------------------------------------------


_SETTINGS_HEADER_WORDS = {"setting", "settings", "key", "name", "option"}


def _read_settings(source: Source, book: Book) -> None:
    sheet = source.find_sheet("Settings", "Setting", "Configuration")
    if sheet is None:
        return
    keys = {header_key(k): k for k in SETTINGS_KEYS}
    headers: dict[str, str] = {}
    r = CellReader(sheet, headers)
    for index, cells in enumerate(source.grid(sheet)):
        filled = [(c, v) for c, v in enumerate(cells) if not is_blank(v)]
        if not filled:
            continue
        col, raw_key = filled[0]
        key = keys.get(header_key(raw_key))
        if key is None:
            # other keys ("Provider 1234567893", "Taxonomy ...") are kept as written
            if header_key(raw_key) in _SETTINGS_HEADER_WORDS or not isinstance(raw_key, str):
                continue
            key = clean_text(raw_key)
        headers[key] = clean_text(raw_key)
        value = cells[col + 1] if col + 1 < len(cells) else None
        row = index + 1
        if key.endswith("NPI"):
            text = r.digits(value, row, key, 10, "NPI")
        elif key == "Tax ID":
            text = r.digits(value, row, key, 9, "Tax ID")
        elif key.endswith("ZIP"):
            text = r.digits(value, row, key, 5, "ZIP")
        else:
            text = r.text(value)
        book.settings[key] = text
    book.headers[sheet] = headers
    book.findings.extend(r.findings)


def _config_table(
    source: Source, book: Book, names: tuple[str, ...], headers: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
) -> tuple[SheetTable, CellReader] | None:  # fmt: skip
    sheet = source.find_sheet(*names)
    if sheet is None:
        return None
    table = find_table(source, sheet, headers, required)
    if table is None:
        book.findings.append(
            Finding(
                rule="READ-HEADERS",
                severity="warning",
                message=f"{sheet}: no header row with {', '.join(required)} in the first 20 "
                "rows; the sheet was not read",
                sheet=sheet,
                fix=f"put the headers {', '.join(headers)} in one row",
            )
        )
        return None
    book.headers[table.sheet] = dict(table.headers)
    return table, CellReader(table.sheet, table.headers)


def _read_payers(source: Source, book: Book) -> None:
    found = _config_table(source, book, ("Payers", "Payors", "Payer"), PAYER_HEADERS, ("Payer",))
    if found is None:
        return
    t, r = found
    for row, cells in t.rows:
        name = r.text(t.get(cells, "Payer"))
        if not name:
            continue
        book.payers.append(
            PayerRow(
                payer=name,
                payer_id=r.text(t.get(cells, "Payer ID")),
                claim_filing_indicator=r.text(t.get(cells, "Claim Filing Indicator")).upper(),
                row=row,
                extra={h: r.text(cells[c]) for h, c in t.other.items() if c < len(cells)},
            )
        )
    book.findings.extend(r.findings)


def _read_fees(source: Source, book: Book) -> None:
    found = _config_table(
        source, book, ("Fees", "Fee Schedule", "Fee"), FEE_HEADERS, ("Code", "Charge")
    )
    if found is None:
        return
    t, r = found
    for row, cells in t.rows:
        code = r.code(t.get(cells, "Code"), row, "Code")
        charge = r.money(t.get(cells, "Charge"), row, "Charge")
        if not code or charge is None:
            continue
        modifier = r.code(t.get(cells, "Modifier"), row, "Modifier", "modifier")
        book.fees.append(FeeRow(code=code, modifier=modifier, charge=charge, row=row))
    book.findings.extend(r.findings)


def _read_contracts(source: Source, book: Book) -> None:
    found = _config_table(
        source, book, ("Contracts", "Contract", "Contract Rates"), CONTRACT_HEADERS,
        ("Payer", "Code", "Allowed"),
    )  # fmt: skip
    if found is None:
        return
    t, r = found
    for row, cells in t.rows:
        payer = r.text(t.get(cells, "Payer"))
        code = r.code(t.get(cells, "Code"), row, "Code")
        allowed = r.money(t.get(cells, "Allowed"), row, "Allowed")
        if not payer or not code or allowed is None:
            continue
        modifier = r.code(t.get(cells, "Modifier"), row, "Modifier", "modifier")
        book.contracts.append(
            ContractRow(payer=payer, code=code, modifier=modifier, allowed=allowed, row=row)
        )
    book.findings.extend(r.findings)


def _read_rules(source: Source, book: Book) -> None:
    found = _config_table(
        source, book, ("Rules", "Payer Rules"), RULE_HEADERS, ("Rule ID", "Requirement")
    )
    if found is None:
        return
    t, r = found
    for row, cells in t.rows:
        values = {c: r.text(t.get(cells, c)) for c in RULES_COLUMNS if c in t.columns}
        book.rules.append(RuleRow(row=row, values=values))
    book.findings.extend(r.findings)
