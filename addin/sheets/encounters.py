"""Encounters rows -> Encounter models: one per Encounter ID, every problem a finding.

Written for 100,000-row sheets: columns are resolved to indexes once, conversions are
cached per value (CellReader), and models are built from values already normalised here.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from operator import itemgetter
from typing import Any, TypeVar

from pydantic import BaseModel

from addin.models import Encounter, Finding, Person, ServiceLine
from addin.models.types import normalize_digits, normalize_icd10
from addin.sheets.headers import ENCOUNTER_HEADERS
from addin.sheets.source import SheetTable
from addin.sheets.values import SEX_CODES, CellReader, clean_text, is_blank

M = TypeVar("M", bound=BaseModel)
ONE = Decimal(1)
# Encounter-level columns: every row of an encounter should agree (blank = same as before).
ENCOUNTER_LEVEL = (
    "Patient ID", "Patient Last Name", "Patient First Name", "Patient Name", "Patient DOB",
    "Patient Sex", "Subscriber Name",
    "Patient Address", "Patient City", "Patient State", "Patient ZIP", "Payer", "Member ID",
    "Group Number", "Relationship", "Subscriber Last Name", "Subscriber First Name",
    "Subscriber DOB", "Subscriber Sex", "Referring NPI", "Prior Authorization",
    "Claim Frequency", "Payer Claim Number", "Diagnosis Text",
    *(f"Dx {n}" for n in range(1, 13)),
)  # fmt: skip
DATE_COLUMNS = ("Date of Service", "Patient DOB", "Subscriber DOB")
# person columns in the order _person_reader unpacks them
_PERSON_FIELDS = {"Last Name": "last_name", "First Name": "first_name", "DOB": "dob",
                  "Sex": "sex", "Address": "address", "City": "city", "State": "state",
                  "ZIP": "zip"}  # fmt: skip
_ENCOUNTER_FIELDS = {
    "Patient ID": "patient_id", "Payer": "payer", "Member ID": "member_id",
    "Group Number": "group_number", "Relationship": "relationship",
    "Referring NPI": "referring_npi", "Prior Authorization": "prior_authorization",
    "Claim Frequency": "claim_frequency", "Payer Claim Number": "payer_claim_number",
    "Diagnosis Text": "diagnosis_text",
}  # fmt: skip


def construct(cls: type[M], values: dict[str, Any]) -> M:
    """A model from values this module already normalised, every field given.

    Like ``model_construct`` (no validation) without its per-field default handling, which
    dominated the read of large sheets. A test validates what this builds.
    """
    obj = cls.__new__(cls)
    _SET_DICT(obj, values)
    every = _EVERY_FIELD.get(cls)
    if every is None:
        every = _EVERY_FIELD[cls] = set(cls.model_fields)
    # every field is given, so every instance's set of fields given is the same: one set per
    # model class, not one per instance (a set of 19 names is 1.2 kB; 220,000 models are
    # built for a 100,000-line sheet). pydantic only ever adds a field name to it (on
    # assignment: a name already in it) and copies it for model_copy, so sharing is safe.
    _SET_FIELDS(obj, every if len(values) == len(every) else set(values))
    _SET_EXTRA(obj, None)
    _SET_PRIVATE(obj, None)
    return obj


_EVERY_FIELD: dict[type[BaseModel], set[str]] = {}


# BaseModel keeps these in slots; their descriptors set them directly (what model_construct
# does through object.__setattr__, minus the attribute lookups).
_SET_DICT = BaseModel.__dict__["__dict__"].__set__
_SET_FIELDS = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_SET_EXTRA = BaseModel.__dict__["__pydantic_extra__"].__set__
_SET_PRIVATE = BaseModel.__dict__["__pydantic_private__"].__set__


class _Columns:
    """Column indexes; an absent column reads the blank appended to every row (index -1)."""

    def __init__(self, table: SheetTable) -> None:
        def ix(name: str) -> int:
            return table.columns.get(name, -1)

        self.id = ix("Encounter ID")
        self.proc, self.units, self.charge = ix("Procedure Code"), ix("Units"), ix("Charge")
        self.pointer, self.dos = ix("Dx Pointer"), ix("Date of Service")
        self.pos, self.npi, self.ndc = ix("Place of Service"), ix("Rendering NPI"), ix("NDC")
        mods = [(f"Modifier {n}", ix(f"Modifier {n}")) for n in range(1, 5)]
        self.mods = [(name, i) for name, i in mods if i >= 0]
        dxs = [(f"Dx {n}", ix(f"Dx {n}")) for n in range(1, 13)]
        self.dxs = [(name, i) for name, i in dxs if i >= 0]
        self.patient = [ix(f"Patient {f}") for f in _PERSON_FIELDS] + [ix("Patient Name")]
        self.subscriber = [ix(f"Subscriber {f}") for f in _PERSON_FIELDS] + [ix("Subscriber Name")]
        self.has_subscriber = [i for i in self.subscriber if i >= 0]
        self.enc = {f: ix(c) for c, f in _ENCOUNTER_FIELDS.items()}
        self.patient_id = ix("Patient ID")


def _person_reader(
    r: CellReader, idx: list[int], prefix: str
) -> Callable[[int, list[Any]], Person]:
    """A function reading one row's patient (or subscriber), with getters and indexes bound."""
    text, cached, state_of = clean_text, r.getters["text"], r.getters["state"]
    sex_of, zip_of = r.getters["sex"], r.getters["zip"]
    dob_of = r.date_getter(f"{prefix} DOB")
    dob_name, sex_name, zip_name = f"{prefix} DOB", f"{prefix} Sex", f"{prefix} ZIP"
    last, first, dob, sex, address, city, state, zip_, full = idx

    def person(row: int, cells: list[Any]) -> Person:
        last_name, first_name = text(cells[last]), text(cells[first])
        if not last_name and not first_name and full >= 0:
            last_name, first_name = split_name(text(cells[full]))
        return construct(
            Person,
            {
                "last_name": last_name,
                "first_name": first_name,
                "dob": dob_of(cells[dob], row, dob_name),
                "sex": sex_of(cells[sex], row, sex_name),
                "address": text(cells[address]),
                # few cities and states among many patients: one string for each
                "city": cached(cells[city], row, "City"),
                "state": state_of(cells[state], row, "State"),
                "zip": zip_of(cells[zip_], row, zip_name),
            },
        )

    # A patient comes back: 55,555 encounters name 20,662 distinct patients. A person read
    # without a finding is kept by its cells and is the Person of every later row with the
    # same cells (one object, as a claim's subscriber often is its patient; the read copies
    # one before changing it). The cells' types are part of the key: True == 1 == 1.0.
    raw = itemgetter(*idx)
    known: dict[tuple[tuple[Any, ...], tuple[type, ...]], Person] = {}
    findings = r.findings

    def shared(row: int, cells: list[Any]) -> Person:
        values = raw(cells)
        key = (values, tuple(map(type, values)))
        made = known.get(key)
        if made is None:
            count = len(findings)
            made = person(row, cells)
            if len(findings) == count:
                known[key] = made
        return made

    return shared


def _line_reader(r: CellReader, c: _Columns) -> Callable[[int, list[Any]], ServiceLine]:
    """A function reading one row's service line, with the getters and indexes bound."""
    get = r.getters
    proc, mod, number, money = get["procedure"], get["modifier"], get["units"], get["charge"]
    pointers, pos, digits = get["pointers"], get["pos"], get["digits"]
    date_ = r.date_getter("Date of Service")
    i_proc, i_units, i_charge, i_ptr = c.proc, c.units, c.charge, c.pointer
    i_dos, i_pos, i_npi, i_ndc, mods = c.dos, c.pos, c.npi, c.ndc, c.mods

    def line(row: int, cells: list[Any]) -> ServiceLine:
        units = number(cells[i_units], row, "Units")
        ndc = cells[i_ndc]
        return construct(
            ServiceLine,
            {
                "row": row,
                "procedure_code": proc(cells[i_proc], row, "Procedure Code"),
                "modifiers": [mod(v, row, name) for name, i in mods if (v := cells[i]) != ""],
                "units": ONE if units is None else units,
                "charge": money(cells[i_charge], row, "Charge"),
                "dx_pointers": list(pointers(cells[i_ptr], row, "Dx Pointer")),
                "date_of_service": date_(cells[i_dos], row, "Date of Service"),
                "place_of_service": pos(cells[i_pos], row, "Place of Service") or None,
                "rendering_npi": digits(cells[i_npi], row, "Rendering NPI") or None,
                "ndc": (clean_text(ndc) or None) if ndc != "" else None,
            },
        )

    return line


def _encounter_reader(r: CellReader, c: _Columns) -> Callable[[str, int, list[Any]], Encounter]:
    """A function reading one row's encounter-level values, with getters and indexes bound."""
    text, cached = clean_text, r.getters["text"]
    icd, digits, procedure = r.getters["icd"], r.getters["digits"], r.getters["procedure"]
    patient = _person_reader(r, c.patient, "Patient")
    subscriber = _person_reader(r, c.subscriber, "Subscriber")
    dx_columns, has_subscriber, e = c.dxs, c.has_subscriber, c.enc
    i_patient_id, i_payer, i_member = c.patient_id, e["payer"], e["member_id"]
    i_group, i_relationship, i_referring = e["group_number"], e["relationship"], e["referring_npi"]
    i_dx_text, i_prior, i_frequency = (
        e["diagnosis_text"],
        e["prior_authorization"],
        e["claim_frequency"],
    )
    i_payer_claim = e["payer_claim_number"]

    def encounter(key: str, row: int, cells: list[Any]) -> Encounter:
        dxs = [icd(v, row, name) for name, i in dx_columns if (v := cells[i]) != ""]
        return construct(
            Encounter,
            {
                "encounter_id": key,
                "patient_id": text(cells[i_patient_id]),
                "patient": patient(row, cells),
                # few payers and relationships among many encounters: one string for each
                "payer": cached(cells[i_payer], row, "Payer"),
                "member_id": text(cells[i_member]),
                "group_number": text(cells[i_group]),
                "relationship": cached(cells[i_relationship], row, "Relationship") or "Self",
                "subscriber": subscriber(row, cells)
                if any(cells[i] != "" and not is_blank(cells[i]) for i in has_subscriber)
                else None,
                "rendering_npi": "",
                "referring_npi": digits(cells[i_referring], row, "Referring NPI") or None,
                "place_of_service": "",
                "date_of_service": None,
                "diagnoses": [d for d in dxs if d],
                "diagnosis_text": text(cells[i_dx_text]),
                "lines": [],
                "prior_authorization": text(cells[i_prior]) or None,
                "claim_frequency": procedure(cells[i_frequency], row, "Claim Frequency") or "1",
                "payer_claim_number": text(cells[i_payer_claim]) or None,
                "rows": [row],
            },
        )

    return encounter


def split_name(full: str) -> tuple[str, str]:
    """'Doe, Jane A' or 'Jane A Doe' -> ('Doe', 'Jane A'); one word is a last name."""
    if "," in full:
        last, _, first = full.partition(",")
        return last.strip(), first.strip()
    words = full.split()
    if len(words) < 2:
        return full, ""
    return words[-1], " ".join(words[:-1])


def comparable(column: str, value: Any) -> str:
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
        if not enc.diagnoses:
            enc.diagnoses = again.diagnoses
    elif col in ("Patient Name", "Subscriber Name"):
        person, again_person = (
            (enc.patient, again.patient) if col == "Patient Name" else (enc.subscriber,
                                                                         again.subscriber)
        )  # fmt: skip
        if person is not None and again_person is not None and not person.last_name:
            person = person.model_copy()  # a Person read is shared by a patient's encounters
            person.last_name, person.first_name = again_person.last_name, again_person.first_name
            if col == "Patient Name":
                enc.patient = person
            else:
                enc.subscriber = person
        elif person is None:
            enc.subscriber = again.subscriber
    elif col.startswith("Patient ") and col != "Patient ID":
        field = _PERSON_FIELDS[col.removeprefix("Patient ")]
        enc.patient = enc.patient.model_copy()  # shared by the patient's encounters
        setattr(enc.patient, field, getattr(again.patient, field))
    elif col.startswith("Subscriber "):
        enc.subscriber = enc.subscriber or again.subscriber
    else:
        attr = _ENCOUNTER_FIELDS[col]
        setattr(enc, attr, getattr(again, attr))


def _ragged_rows(r: CellReader, table: SheetTable) -> None:
    """CSV rows with fewer or more values than the header: each a finding naming the row.

    Fewer: the missing values are read as empty (a warning: Excel and practice systems
    leave trailing empty values out). More: a value held an unquoted delimiter or a quote was
    not closed, so the values after it are in the wrong columns (an error; the row's
    encounter is held).
    """
    if not table.ragged:
        return
    named = {i: table.headers[c] for c, i in table.columns.items()}
    named.update({i: written for written, i in table.other.items()})
    data_rows = dict(table.rows)
    where = table.path.name
    for row, count in table.ragged:
        if row not in data_rows:
            continue
        if count < table.width:
            missing = [named[i] for i in range(count, table.width) if i in named]
            r.finding("READ-SHORT-ROW", "warning", row, None, None,
                      f"{table.sheet} row {row} of {where}: {count} values where the header "
                      f"has {table.width}; {', '.join(missing)} read as empty",
                      "check the row in the file: a value may be missing in the middle, "
                      "which moves the ones after it")  # fmt: skip
        else:
            extra = [clean_text(v) for v in data_rows[row][table.width :]]
            r.finding("READ-LONG-ROW", "error", row, None, " | ".join(extra),
                      f"{table.sheet} row {row} of {where}: {count} values where the header "
                      f"has {table.width}; a value holds an unquoted delimiter or a quote is "
                      "not closed, so the values after it are in the wrong columns",
                      'put quotes around a value that holds a comma ("Doe, Jane") and write '
                      'a quote inside a value twice ("knee pain, ""sharp""")')  # fmt: skip


_READ: tuple[int, list[Any]] = (0, [])  # what a row read leaves in the table


def read_encounters(table: SheetTable, findings: list[Finding]) -> list[Encounter]:
    """Group the table's rows by Encounter ID into Encounters with ServiceLines.

    The table's rows are used up: each is let go once read (a 100,000-row sheet's cells
    are freed as its models are built, so they take the cells' place in memory)."""
    r = CellReader(table.sheet, table.headers, table.date1904)
    for column in DATE_COLUMNS:
        index = table.columns.get(column)
        if index is not None:
            r.order_dates(column, [(row, cells[index]) for row, cells in table.rows])
    cols = _Columns(table)
    read_line = _line_reader(r, cols)
    read_encounter = _encounter_reader(r, cols)
    id_of = r.getters["text"]
    by_id: dict[str, Encounter] = {}
    level = [(c, table.columns[c]) for c in ENCOUNTER_LEVEL if c in table.columns]
    level_idx = [i for _, i in level]
    # a tuple of the level cells, built in C; a single column still gives a tuple
    pick: Callable[[list[Any]], tuple[Any, ...]]
    if len(level_idx) > 1:
        pick = itemgetter(*level_idx)
    else:  # itemgetter of one index returns the item, of none raises: keep tuples
        pick = lambda cells: tuple(cells[i] for i in level_idx)  # noqa: E731
    first_values: dict[str, tuple[Any, ...]] = {}
    for first, last in table.gaps:
        span = f"rows {first}-{last}" if last > first else f"row {first}"
        r.finding("READ-EMPTY-ROW", "info", first, None, None,
                  f"{table.sheet}!{span}: empty inside the table; skipped",
                  "delete the empty rows (or ignore this note)")  # fmt: skip
    for written, canonical in table.duplicates(ENCOUNTER_HEADERS).items():
        used = table.headers[canonical]
        r.finding("READ-DUPLICATE-COLUMN", "warning", table.header_row, None, written,
                  f"{table.sheet} row {table.header_row}: {written!r} and {used!r} both mean "
                  f"{canonical}; {used!r} is read and {written!r} is ignored",
                  f"delete or rename one of the two {canonical} columns")  # fmt: skip
    _ragged_rows(r, table)
    id_header = table.headers["Encounter ID"]
    rows = table.rows
    for at in range(len(rows)):  # each row let go once read: the models take its place
        row, cells = rows[at]
        rows[at] = _READ
        cells.append("")  # what an absent column (index -1) reads
        raw_id = cells[cols.id]
        key = id_of(raw_id, row, "Encounter ID")
        if not key:
            r.finding("READ-MISSING-ENCOUNTER-ID", "error", row, "Encounter ID", None,
                      f"{table.sheet} row {row} ({id_header}): empty, so the row belongs to "
                      "no encounter and is skipped",
                      "type the Encounter ID of the visit this line belongs to")  # fmt: skip
            continue
        line = read_line(row, cells)
        enc = by_id.get(key)
        values = pick(cells)
        if enc is None:
            enc = read_encounter(key, row, cells)
            by_id[key] = enc
            first_values[key] = values
        else:
            enc.rows.append(row)
            if values == first_values[key]:  # the usual case: the row repeats the values
                enc.lines.append(line)
                continue
            seen = list(first_values[key])
            later: list[str] = []
            for i, (col, _) in enumerate(level):
                value = values[i]
                # cheap equality first: most later rows repeat (or leave blank) the values
                if value == seen[i] or value == "" or is_blank(value):
                    continue
                if is_blank(seen[i]):
                    seen[i] = value
                    later.append(col)
                elif comparable(col, value) != comparable(col, seen[i]):
                    r.finding(
                        "READ-INCONSISTENT", "warning", row, col, value,
                        f"{table.sheet} row {row} ({table.headers[col]}): {clean_text(value)!r} "
                        f"differs from {clean_text(seen[i])!r} on row {enc.rows[0]} of encounter "
                        f"{key}; the first value is used",
                        f"make every row of encounter {key} say the same, or leave later rows "
                        "blank",
                        encounter_id=key,
                    )  # fmt: skip
            first_values[key] = tuple(seen)
            if later:
                again = read_encounter(key, row, cells)
                for col in later:
                    _fill_later(enc, again, col)
        enc.lines.append(line)
    for enc in by_id.values():
        head = enc.lines[0]
        fields = enc.__dict__  # values already normalised: skip BaseModel.__setattr__
        fields["date_of_service"] = head.date_of_service
        fields["place_of_service"] = head.place_of_service or ""
        fields["rendering_npi"] = head.rendering_npi or ""
    rows.clear()  # the table's rows are models now
    findings.extend(r.findings)
    return list(by_id.values())
