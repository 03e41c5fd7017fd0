"""What a payer paid: a remittance (835 transaction or payer sheet) and its claim payments.

Balancing is reported, not enforced: a payer's out-of-balance file must still be read, so
each level exposes its difference and a message that shows the numbers.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from addin.models.types import AdjustmentGroup, Modifier, Money, ProcedureCode

ZERO = Decimal("0.00")


class Adjustment(BaseModel):
    """One CAS reason: group (CO/PR/OA/PI/CR), reason code (CARC), amount, quantity."""

    model_config = ConfigDict(frozen=True)

    group: AdjustmentGroup
    reason: str
    amount: Money
    quantity: Decimal | None = None


class ServicePayment(BaseModel):
    """Payment for one service line (loop 2110, SVC)."""

    procedure_code: ProcedureCode
    modifiers: list[Modifier] = Field(default_factory=list)
    qualifier: str = "HC"
    billed: Money
    paid: Money
    units_paid: Decimal | None = None
    original_procedure_code: str | None = None
    date_of_service: date | None = None
    line_control_number: str | None = None
    allowed: Money | None = None
    adjustments: list[Adjustment] = Field(default_factory=list)
    remark_codes: list[str] = Field(default_factory=list)

    @property
    def balance_difference(self) -> Decimal:
        """SVC02 - line CAS - SVC03; zero when the line balances."""
        return self.billed - sum((a.amount for a in self.adjustments), ZERO) - self.paid

    def balance_message(self, claim_id: str = "") -> str | None:
        """None when balanced, else a message that shows the numbers."""
        diff = self.balance_difference
        if diff == 0:
            return None
        adj = sum((a.amount for a in self.adjustments), ZERO)
        return (
            f"claim {claim_id} line {self.procedure_code}: SVC02 {self.billed:.2f} - "
            f"adjustments {adj:.2f} != SVC03 {self.paid:.2f} (off by {diff:.2f})"
        )


class ClaimPayment(BaseModel):
    """Payment for one claim (loop 2100, CLP)."""

    patient_control_number: str
    status: str = Field(description="CLP02 claim status code (1, 2, 3, 4, 19, 20, 21, 22, 23, 25)")
    billed: Money
    paid: Money
    patient_responsibility: Money | None = None
    filing_indicator: str | None = None
    payer_claim_number: str | None = None
    facility_type: str | None = None
    frequency: str | None = None
    patient_last_name: str = ""
    patient_first_name: str = ""
    member_id: str = ""
    rendering_npi: str | None = None
    statement_from: date | None = None
    statement_to: date | None = None
    received: date | None = None
    interest: Money | None = None
    adjustments: list[Adjustment] = Field(default_factory=list)
    services: list[ServicePayment] = Field(default_factory=list)
    remark_codes: list[str] = Field(default_factory=list)

    @property
    def all_adjustments(self) -> list[Adjustment]:
        """Claim-level then line-level adjustments."""
        return [*self.adjustments, *(a for s in self.services for a in s.adjustments)]

    @property
    def balance_difference(self) -> Decimal:
        """CLP03 - claim and line CAS - CLP04; zero when the claim balances."""
        return self.billed - sum((a.amount for a in self.all_adjustments), ZERO) - self.paid

    def balance_message(self) -> str | None:
        """None when balanced, else a message that shows the numbers."""
        diff = self.balance_difference
        if diff == 0:
            return None
        adj = sum((a.amount for a in self.all_adjustments), ZERO)
        return (
            f"claim {self.patient_control_number}: CLP03 {self.billed:.2f} - adjustments "
            f"{adj:.2f} != CLP04 {self.paid:.2f} (off by {diff:.2f})"
        )


class ProviderAdjustment(BaseModel):
    """A provider-level adjustment (PLB): interest, recoupment, forward balance and others.

    ``amount`` has the 835's sign: positive reduces the payment, negative increases it.
    """

    reason: str
    reference: str = ""
    amount: Money
    provider_id: str = ""
    fiscal_period_end: date | None = None


class Remittance(BaseModel):
    """One remittance: an 835 transaction set (ST..SE), or a payer sheet normalised to it."""

    source: str = ""
    payer_name: str = ""
    payer_id: str = ""
    payee_name: str = ""
    payee_npi: str = ""
    payee_tax_id: str = ""
    trace_number: str = ""
    payment_method: str = ""
    payment_amount: Money = ZERO
    payment_date: date | None = None
    production_date: date | None = None
    claims: list[ClaimPayment] = Field(default_factory=list)
    provider_adjustments: list[ProviderAdjustment] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    @property
    def balance_difference(self) -> Decimal:
        """BPR02 - (sum CLP04 - sum PLB); zero when the transaction balances."""
        claims = sum((c.paid for c in self.claims), ZERO)
        plb = sum((p.amount for p in self.provider_adjustments), ZERO)
        return self.payment_amount - (claims - plb)

    def balance_message(self) -> str | None:
        """None when balanced, else a message that shows the numbers."""
        diff = self.balance_difference
        if diff == 0:
            return None
        claims = sum((c.paid for c in self.claims), ZERO)
        plb = sum((p.amount for p in self.provider_adjustments), ZERO)
        return (
            f"transaction {self.trace_number}: BPR02 {self.payment_amount:.2f} != sum CLP04 "
            f"{claims:.2f} - sum PLB {plb:.2f} (off by {diff:.2f})"
        )
