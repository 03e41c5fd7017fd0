"""What the biller typed: an encounter (one claim's worth of rows) and its service lines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from addin.models.types import Digits, IcdCode, Modifier, Money, ProcedureCode, Sex


class Person(BaseModel):
    """A patient or subscriber as the Encounters sheet names them."""

    model_config = ConfigDict(str_strip_whitespace=True)

    last_name: str = ""
    first_name: str = ""
    dob: date | None = None
    sex: Sex | None = None
    address: str = ""
    city: str = ""
    state: str = ""
    zip: Digits = ""


class ServiceLine(BaseModel):
    """One row of the Encounters sheet: a procedure performed on a date of service."""

    model_config = ConfigDict(str_strip_whitespace=True)

    row: int | None = Field(default=None, description="Excel row number of the source row")
    procedure_code: ProcedureCode
    modifiers: list[Modifier] = Field(default_factory=list, max_length=4)
    units: Decimal = Decimal(1)
    charge: Money | None = None
    dx_pointers: list[int] = Field(
        default_factory=list, description="1-based positions into Encounter.diagnoses"
    )
    date_of_service: date | None = None
    place_of_service: str | None = None
    rendering_npi: Digits | None = None
    ndc: str | None = None


class Encounter(BaseModel):
    """Rows of the Encounters sheet that share an Encounter ID: one visit, one claim."""

    model_config = ConfigDict(str_strip_whitespace=True)

    encounter_id: str
    patient_id: str = ""
    patient: Person = Field(default_factory=Person)
    payer: str = ""
    member_id: str = ""
    group_number: str = ""
    relationship: str = "Self"
    subscriber: Person | None = None
    rendering_npi: Digits = ""
    referring_npi: Digits | None = None
    place_of_service: str = ""
    date_of_service: date | None = None
    diagnoses: list[IcdCode] = Field(default_factory=list, max_length=12)
    diagnosis_text: str = ""
    lines: list[ServiceLine] = Field(default_factory=list)
    prior_authorization: str | None = None
    claim_frequency: str = "1"
    payer_claim_number: str | None = None
    rows: list[int] = Field(default_factory=list, description="Excel rows this encounter spans")

    @property
    def is_self(self) -> bool:
        """The patient is the subscriber (X12 relationship 18)."""
        return self.relationship.strip().lower() in {"self", "18", ""}

    @property
    def total_charge(self) -> Decimal:
        """Sum of the line charges that are present."""
        return sum((line.charge for line in self.lines if line.charge is not None), Decimal("0.00"))
