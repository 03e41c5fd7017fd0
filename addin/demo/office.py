"""The demo clinic's office between runs: the biller types and fixes, staff work the worklist.

Everything a person does is typed into the workbook through ``addin.sheets.typing`` (the
way Excel would save it): the week's visits appended to the Encounters table, seeded
mistakes corrected the week after Claimbook showed them, a member ID the payer did not know
corrected, denial rows given an owner, a work status, a follow-up date and a note, and the
encounters behind two kinds of denial corrected so a replacement claim can go out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from addin.demo import data
from addin.demo.generate import DemoData, DemoEncounter, npi
from addin.demo.workbook import rows_for
from addin.sheets.reader import read_own_sheet
from addin.sheets.source import Source
from addin.sheets.typing import type_into

ENCOUNTERS = "Encounters"
# what staff do with each kind of denial: Work Status, a note, and the encounter column they
# correct first (a replacement claim then goes out with it)
DENIAL_WORK: dict[str, tuple[str, str, str | None]] = {
    "16": ("Corrected claim", "payer wants the referring provider; added, corrected claim",
           "Referring NPI"),
    "197": ("Corrected claim", "authorization found in the chart; corrected claim",
            "Prior Authorization"),
    "50": ("Appealed", "appeal sent with the visit notes", None),
    "18": ("Closed", "duplicate of a claim the payer already has", None),
    "27": ("Written off", "coverage had ended; patient to be billed", None),
    "29": ("Written off", "past the filing limit, no proof of timely filing", None),
    "109": ("Working", "not this payer: asking the patient for the right plan", None),
}  # fmt: skip


@dataclass
class Typed:
    """What staff typed on one worklist row (the test holds the workbook to it)."""

    claim_id: str
    trace: str
    owner: str
    work_status: str
    follow_up: date
    note: str
    week: int


@dataclass
class Office:
    """The people of the clinic, and what they have typed so far."""

    demo: DemoData
    ledger: Path
    typed: list[Typed] = field(default_factory=list)
    fixed: dict[str, int] = field(default_factory=dict)  # encounter id -> week fixed
    member_fixed: dict[str, int] = field(default_factory=dict)
    corrected: dict[str, int] = field(default_factory=dict)  # claim id -> week corrected
    entered: dict[str, int] = field(default_factory=dict)  # encounter id -> week typed

    def __post_init__(self) -> None:
        self.by_id = {e.encounter_id: e for e in self.demo.encounters}
        self.referring = npi(data.REFERRING_NPI_STEM)

    def enter_visits(self, visits: list[DemoEncounter], week: int) -> None:
        """The biller types the week's visits below the Encounters table."""
        if not visits:
            return
        rows: list[dict[str, Any]] = []
        spans: list[tuple[DemoEncounter, int]] = []
        for enc in visits:
            typed = rows_for(enc)
            spans.append((enc, len(typed)))
            rows.extend(typed)
        added = type_into(self.ledger, append={ENCOUNTERS: rows})[ENCOUNTERS]
        at = 0
        for enc, count in spans:
            enc.rows = added[at : at + count]
            at += count
            self.entered[enc.encounter_id] = week

    def fix_mistakes(self, week: int) -> None:
        """Mistakes Claimbook showed last week, corrected where the biller means to."""
        cells: list[tuple[str, int, str, Any]] = []
        for enc in self.demo.encounters:
            if not enc.fix or self.entered.get(enc.encounter_id) != week - 1:
                continue
            for line, header, value in enc.fix_cells:
                rows = enc.rows if line is None else enc.rows[line : line + 1]
                cells.extend((ENCOUNTERS, row, header, value) for row in rows)
            self.fixed[enc.encounter_id] = week
        if cells:
            type_into(self.ledger, cells=cells)

    def fix_members(self, claim_ids: list[str], week: int) -> None:
        """Member IDs the payer did not know (277CA A7:164), typed again correctly."""
        cells: list[tuple[str, int, str, Any]] = []
        for claim_id in claim_ids:
            enc = self.by_id.get(claim_id)
            if enc is None or not enc.member_typo:
                continue
            cells.extend((ENCOUNTERS, row, "Member ID", enc.patient.member_id) for row in enc.rows)
            self.member_fixed[claim_id] = week
        if cells:
            type_into(self.ledger, cells=cells)

    def work_denials(self, denials: list[tuple[str, str, str]], week: int, today: date) -> None:
        """Each new denial row gets an owner, a work status, a follow-up date and a note;
        the encounters behind corrected claims get the missing data."""
        if not denials:
            return
        source = Source(self.ledger)
        try:
            sheet = read_own_sheet(source, "Denials")
        finally:
            source.close()
        if sheet is None:
            return
        rows = {
            (str(v.get("Claim ID")), str(v.get("Check/EFT"))): row for row, v in sheet.records()
        }
        cells: list[tuple[str, int, str, Any]] = []
        for n, (claim_id, trace, reason) in enumerate(denials):
            row = rows.get((claim_id, trace))
            if row is None:
                continue  # not on the worklist: the test that reads self.typed will say so
            status, note, column = DENIAL_WORK.get(reason, ("Working", "calling the payer", None))
            owner = data.OWNERS[n % len(data.OWNERS)]
            follow = today + timedelta(days=14)
            cells += [
                ("Denials", row, "Owner", owner),
                ("Denials", row, "Work Status", status),
                ("Denials", row, "Follow-up Date", follow),
                ("Denials", row, "Notes", note),
            ]
            self.typed.append(Typed(claim_id, trace, owner, status, follow, note, week))
            enc = self.by_id.get(claim_id)
            if column is not None and enc is not None:
                value = self.referring if column == "Referring NPI" else f"PA{enc.dos:%m%d}{n:03d}"
                cells.extend((ENCOUNTERS, r, column, value) for r in enc.rows)
                self.corrected[claim_id] = week
        if cells:
            type_into(self.ledger, cells=cells)
