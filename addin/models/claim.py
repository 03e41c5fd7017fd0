"""A claim as it is sent to a payer: built from an encounter, written to the 837P."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

from addin.models.encounter import Person
from addin.models.types import ClaimFrequency, Digits, IcdCode, Modifier, Money, ProcedureCode


class Provider(BaseModel):
    """A billing, rendering or referring provider."""

    name: str = ""
    npi: Digits = ""
    tax_id: Digits = ""
    taxonomy: str = ""
    address: str = ""
    city: str = ""
    state: str = ""
    zip: Digits = ""
    last_name: str = ""
    first_name: str = ""


class ClaimLine(BaseModel):
    """A service line of a claim (loop 2400)."""

    model_config = ConfigDict(str_strip_whitespace=True)

    line_number: int = Field(ge=1, le=50)
    procedure_code: ProcedureCode
    modifiers: list[Modifier] = Field(default_factory=list, max_length=4)
    units: Decimal = Field(default=Decimal(1), gt=0)
    charge: Money
    dx_pointers: list[int] = Field(min_length=1, max_length=4)
    date_of_service: date
    place_of_service: str | None = None
    rendering_npi: Digits | None = None
    ndc: str | None = None
    source_row: int | None = None
    note: str | None = Field(default=None, description="line note (2400 NTE*ADD), max 80")
    prior_authorization: str | None = Field(
        default=None, description="line-level authorization (2400 REF*G1) when it differs"
    )


class Claim(BaseModel):
    """One claim (loop 2300 and below) for one payer; ``claim_id`` is CLM01."""

    model_config = ConfigDict(str_strip_whitespace=True)

    claim_id: str = Field(min_length=1, max_length=38)
    encounter_id: str
    payer: str
    payer_id: str = ""
    claim_filing_indicator: str = ""
    frequency: ClaimFrequency = "1"
    payer_claim_number: str | None = None
    member_id: str = ""
    group_number: str = ""
    relationship: str = "18"
    patient: Person
    subscriber: Person
    billing_provider: Provider = Field(default_factory=Provider)
    rendering_provider: Provider | None = None
    referring_provider: Provider | None = None
    place_of_service: str
    prior_authorization: str | None = None
    diagnoses: list[IcdCode] = Field(min_length=1, max_length=12)
    lines: list[ClaimLine] = Field(min_length=1, max_length=50)
    total_charge: Money

    @model_validator(mode="after")
    def _balances(self) -> Claim:
        lines_total = sum((line.charge for line in self.lines), Decimal("0.00"))
        if lines_total != self.total_charge:
            raise ValueError(
                f"claim {self.claim_id}: total charge {self.total_charge:.2f} != "
                f"sum of line charges {lines_total:.2f}"
            )
        for line in self.lines:
            for pointer in line.dx_pointers:
                if not 1 <= pointer <= len(self.diagnoses):
                    raise ValueError(
                        f"claim {self.claim_id} line {line.line_number}: diagnosis pointer "
                        f"{pointer} refers to no diagnosis (claim has {len(self.diagnoses)})"
                    )
        if self.frequency in ("7", "8") and not self.payer_claim_number:
            raise ValueError(
                f"claim {self.claim_id}: frequency {self.frequency} needs the payer claim number"
            )
        return self


class BilledLine(Protocol):
    """What reconciling needs of a line as billed (a ClaimLine, or a register's line)."""

    @property
    def procedure_code(self) -> str: ...
    @property
    def modifiers(self) -> Sequence[str]: ...
    @property
    def units(self) -> Decimal: ...
    @property
    def charge(self) -> Decimal: ...
    @property
    def date_of_service(self) -> date: ...
    @property
    def place_of_service(self) -> str | None: ...


class BilledClaim(Protocol):
    """What reconciling needs of a claim as billed: a Claim just built, or a Claim Register
    row read back (``addin.registers.claims.SentClaim``)."""

    @property
    def claim_id(self) -> str: ...
    @property
    def encounter_id(self) -> str: ...
    @property
    def payer(self) -> str: ...
    @property
    def payer_id(self) -> str: ...
    @property
    def total_charge(self) -> Decimal: ...
    @property
    def lines(self) -> Sequence[BilledLine]: ...
    @property
    def place_of_service(self) -> str: ...
    @property
    def payer_claim_number(self) -> str | None: ...
