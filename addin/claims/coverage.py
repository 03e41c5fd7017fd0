"""The Coverage sheet: each patient's secondary and tertiary insurance.

The Encounters sheet holds the primary payer on every row of a visit; a second or third
plan belongs to the patient, not to a service line, so it is typed once per patient on a
sheet of its own: one row per plan, keyed by Patient ID (or, where the Encounters sheet has
no Patient ID, by the patient's last name, first name and date of birth).

    Patient ID | Patient Last Name | Patient First Name | Patient DOB | Order | Payer |
    Member ID | Group Number | Relationship | Subscriber Last Name | Subscriber First Name

``Order`` is Secondary or Tertiary (S/T, 2/3). Relationship is the patient's to that plan's
subscriber, as on the Encounters sheet (Self, Spouse, Child...). Every problem is a finding
naming the Coverage row and column.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from addin.claims.build import RELATIONSHIP_CODES
from addin.models import Encounter, Finding, PayerRow, SheetRows
from addin.registers.cells import as_date, as_text

COVERAGE_SHEET = "Coverage"
COVERAGE_COLUMNS = (
    "Patient ID", "Patient Last Name", "Patient First Name", "Patient DOB", "Order", "Payer",
    "Member ID", "Group Number", "Relationship", "Subscriber Last Name", "Subscriber First Name",
)  # fmt: skip
ORDERS = {"secondary": "S", "s": "S", "2": "S", "2nd": "S", "tertiary": "T", "t": "T",
          "3": "T", "3rd": "T"}  # fmt: skip


@dataclass(frozen=True)
class Coverage:
    """A patient's plan after the primary: which payer, in which order, for whom."""

    sequence: str  # S or T
    payer: str
    payer_id: str
    filing_indicator: str
    member_id: str
    group_number: str
    relationship: str  # X12 code (18 self, 01 spouse, 19 child...)
    subscriber_last: str
    subscriber_first: str
    patient_id: str = ""
    patient_last: str = ""
    patient_first: str = ""
    patient_dob: date | None = None
    row: int | None = None

    @property
    def order_word(self) -> str:
        return "secondary" if self.sequence == "S" else "tertiary"


def patient_key(patient_id: str, last: str, first: str, dob: date | None) -> str:
    """Patient ID when there is one, else name and date of birth, compared loosely."""
    if patient_id.strip():
        return "id:" + patient_id.strip().casefold()
    name = " ".join(f"{last} {first}".split()).casefold()
    return f"name:{name}|{dob.isoformat() if dob else ''}"


def encounter_keys(enc: Encounter) -> list[str]:
    """The keys a Coverage row may use for this encounter's patient."""
    p = enc.patient
    keys = [patient_key("", p.last_name, p.first_name, p.dob)]
    if enc.patient_id.strip():
        keys.insert(0, patient_key(enc.patient_id, "", "", None))
    return keys


class CoverageBook:
    """Coverage rows by patient key and order."""

    def __init__(self, coverages: list[Coverage]) -> None:
        self.coverages = coverages
        self._by: dict[tuple[str, str], Coverage] = {}
        for cov in coverages:
            key = patient_key(cov.patient_id, cov.patient_last, cov.patient_first, cov.patient_dob)
            self._by.setdefault((key, cov.sequence), cov)

    def next_payer(self, enc: Encounter, sequence: str) -> Coverage | None:
        """The encounter's patient's plan in ``sequence`` (S or T), if any."""
        for key in encounter_keys(enc):
            found = self._by.get((key, sequence))
            if found is not None:
                return found
        return None

    def __len__(self) -> int:
        return len(self.coverages)


def _finding(sheet: str, row: int, column: str, value: Any, message: str, fix: str) -> Finding:
    shown = "" if value is None else str(value)
    return Finding(
        rule="COVERAGE-" + column.upper().replace(" ", "-"),
        severity="error",
        message=f"{sheet}!{column} row {row}: {message}" + (f" ({shown!r})" if shown else ""),
        sheet=sheet,
        row=row,
        column=column,
        value=shown or None,
        fix=fix,
    )


def read_coverage(
    sheet: SheetRows | None, payers: list[PayerRow]
) -> tuple[CoverageBook, list[Finding]]:
    """The Coverage sheet as plans, and a finding for each row that cannot be billed."""
    if sheet is None:
        return CoverageBook([]), []
    known = {" ".join(p.payer.split()).casefold(): p for p in payers}
    out: list[Coverage] = []
    findings: list[Finding] = []
    name = sheet.name
    header = {" ".join(h.split()).casefold(): h for h in sheet.headers if h}

    def col(canonical: str) -> str:
        return header.get(canonical.casefold(), canonical)

    for row, cells in sheet.records():

        def get(canonical: str, cells: dict[str, Any] = cells) -> Any:
            return cells.get(col(canonical))

        patient_id = as_text(get("Patient ID"))
        last, first = as_text(get("Patient Last Name")), as_text(get("Patient First Name"))
        dob = as_date(get("Patient DOB"))
        bad: list[Finding] = []
        if not patient_id and not (last and first and dob):
            bad.append(_finding(name, row, col("Patient ID"), None, "no patient: give the "
                                "Patient ID, or the patient's last name, first name and DOB",
                                "type the Patient ID used on the Encounters sheet"))  # fmt: skip
        order_text = as_text(get("Order")) or "Secondary"
        sequence = ORDERS.get(order_text.casefold())
        if sequence is None:
            bad.append(_finding(name, row, col("Order"), order_text, "order is not Secondary "
                                "or Tertiary", "type Secondary or Tertiary"))  # fmt: skip
        payer_text = as_text(get("Payer"))
        payer = known.get(" ".join(payer_text.split()).casefold())
        if payer is None:
            bad.append(_finding(name, row, col("Payer"), payer_text or None,
                                "payer is not on the Payers sheet" if payer_text else
                                "no payer", "add the payer (with its Payer ID) to the Payers "
                                "sheet, or correct the name"))  # fmt: skip
        elif not payer.payer_id.strip():
            bad.append(_finding(name, row, col("Payer"), payer_text, "payer has no Payer ID "
                                "on the Payers sheet", "fill its Payer ID there"))  # fmt: skip
        member = as_text(get("Member ID"))
        if not member:
            bad.append(_finding(name, row, col("Member ID"), None, "coverage without a member ID",
                                "type the member ID from the patient's card"))  # fmt: skip
        rel_text = as_text(get("Relationship")) or "Self"
        relationship = RELATIONSHIP_CODES.get(" ".join(rel_text.split()).casefold())
        if relationship is None:
            bad.append(_finding(name, row, col("Relationship"), rel_text, "relationship not "
                                "known", "type Self, Spouse, Child or Other"))  # fmt: skip
        sub_last = as_text(get("Subscriber Last Name")) or (last if relationship == "18" else "")
        sub_first = as_text(get("Subscriber First Name")) or (first if relationship == "18" else "")
        if relationship not in (None, "18") and not sub_last:
            bad.append(_finding(name, row, col("Subscriber Last Name"), None, "the patient is "
                                "not the subscriber, so the subscriber's name is needed",
                                "type the subscriber's last and first name"))  # fmt: skip
        if bad or sequence is None or payer is None or relationship is None:
            findings.extend(bad)
            continue
        out.append(
            Coverage(
                sequence=sequence, payer=payer.payer, payer_id=payer.payer_id.strip(),
                filing_indicator=payer.claim_filing_indicator.strip() or "CI",
                member_id=member, group_number=as_text(get("Group Number")),
                relationship=relationship, subscriber_last=sub_last,
                subscriber_first=sub_first, patient_id=patient_id, patient_last=last,
                patient_first=first, patient_dob=dob, row=row,
            )
        )  # fmt: skip
    return CoverageBook(out), findings
