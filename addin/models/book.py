"""A clinic workbook as models: encounters plus the configuration sheets a consultant fills.

The sheets layer (``addin.sheets``) builds a :class:`Book` from a workbook; the coding,
claims and remit layers take a Book (or its parts) and never touch a file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, PrivateAttr

from addin.models.encounter import Encounter
from addin.models.finding import Finding
from addin.models.types import Modifier, Money, ProcedureCode

SETTINGS_KEYS: tuple[str, ...] = (
    "Billing Provider Name",
    "Billing NPI",
    "Tax ID",
    "Taxonomy Code",
    "Billing Address",
    "Billing City",
    "Billing State",
    "Billing ZIP",
    "Submitter Name",
    "Submitter ID",
    "Submitter Contact",
    "Submitter Phone",
    "Receiver Name",
    "Receiver ID",
    "Usage Indicator",
    # "NPI Last, First; NPI Last, First": names the 837P needs for rendering/referring NPIs
    "Provider Names",
)

# The Rules sheet: payer rules as rows an office manager can read. Empty condition cells
# match everything; lists are comma-separated; code ranges use a hyphen (99202-99215).
RULES_COLUMNS: tuple[str, ...] = (
    "Rule ID",
    "Description",
    "Payer",
    "Procedure Codes",
    "Place of Service",
    "Diagnosis Codes",
    "Modifiers",
    "Requirement",
    "Requirement Value",
    "Severity",
    "Message",
    "Active",
)


class PayerRow(BaseModel):
    """A row of the Payers sheet."""

    payer: str
    payer_id: str = ""
    claim_filing_indicator: str = ""
    # Apply NCCI/MUE: "Yes", "No" or "" (the default by filing indicator and name)
    ncci_mue: str = ""
    row: int | None = None
    extra: dict[str, str] = Field(default_factory=dict)


class FeeRow(BaseModel):
    """A row of the Fees sheet: the clinic's charge for a code (and modifier)."""

    code: ProcedureCode
    modifier: Modifier = ""
    charge: Money
    row: int | None = None


class ContractRow(BaseModel):
    """A row of the Contracts sheet: the allowed amount a payer contracted for a code."""

    payer: str
    code: ProcedureCode
    modifier: Modifier = ""
    allowed: Money
    row: int | None = None


class RuleRow(BaseModel):
    """A row of the Rules sheet, as text; the scrubber validates and compiles it."""

    row: int | None = None
    values: dict[str, str] = Field(default_factory=dict)


class SheetRows(BaseModel):
    """A sheet Claimbook writes (a register or a result sheet) as it was read.

    ``headers`` is the header row as written (row 1); ``rows`` holds (Excel row number,
    values in header order) for each non-empty row below it. ``ours`` says whether the sheet
    holds Claimbook's own Excel Table (named ``cb...``); a sheet that does not is the user's.
    ``skimmed``: only the header row was read, ``rows`` is empty until :meth:`whole` reads
    the rest (a result sheet nobody typed into is rebuilt without its rows being read).
    """

    name: str
    headers: list[str] = Field(default_factory=list)
    rows: list[tuple[int, list[Any]]] = Field(default_factory=list)
    ours: bool = False
    skimmed: bool = False
    _whole: Callable[[], SheetRows] | None = PrivateAttr(default=None)

    def whole(self) -> SheetRows:
        """This sheet with every row: a skimmed sheet's rows are read now (once)."""
        if self.skimmed and self._whole is not None:
            full = self._whole()
            self.headers, self.rows = full.headers, full.rows
            self.skimmed, self._whole = False, None
        return self

    def column(self, header: str) -> int | None:
        """The 0-based index of ``header`` (compared case- and space-insensitively)."""
        key = " ".join(header.split()).casefold()
        for index, written in enumerate(self.headers):
            if " ".join(written.split()).casefold() == key:
                return index
        return None

    def records(self) -> list[tuple[int, dict[str, Any]]]:
        """Each row as {header as written: value}, with its Excel row number."""
        out = []
        for row, values in self.whole().rows:
            out.append((row, {h: values[i] if i < len(values) else None
                              for i, h in enumerate(self.headers) if h}))  # fmt: skip
        return out


class Book(BaseModel):
    """Everything read from one clinic workbook."""

    path: Path | None = None
    encounters: list[Encounter] = Field(default_factory=list)
    settings: dict[str, str] = Field(default_factory=dict)
    settings_rows: dict[str, int] = Field(
        default_factory=dict, description="Settings key -> the Excel row that holds it"
    )
    payers: list[PayerRow] = Field(default_factory=list)
    fees: list[FeeRow] = Field(default_factory=list)
    contracts: list[ContractRow] = Field(default_factory=list)
    rules: list[RuleRow] = Field(default_factory=list)
    findings: list[Finding] = Field(
        default_factory=list, description="problems found while reading (row-numbered)"
    )
    headers: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="sheet -> canonical header -> the header text as written in the workbook",
    )
    letters: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="sheet -> header text as written -> its column letter (for cell links)",
    )
    own: dict[str, SheetRows] = Field(
        default_factory=dict,
        description="Claimbook's registers and result sheets as read, by sheet name",
    )

    def header(self, sheet: str, canonical: str) -> str:
        """The header text the user wrote for a canonical column (the canonical name if none)."""
        return self.headers.get(sheet, {}).get(canonical, canonical)

    def payer(self, name: str) -> PayerRow | None:
        """The Payers row for a payer name, compared case- and space-insensitively."""
        key = " ".join(name.split()).casefold()
        for row in self.payers:
            if " ".join(row.payer.split()).casefold() == key:
                return row
        return None
