"""The 835 remittance as one pydantic model per loop (005010X221A1 names in the docstrings).

The claim and service loops extend the product-wide models in ``addin.models.remittance``
so everything downstream (reconcile, sheets) sees plain ``ClaimPayment``/``ServicePayment``
objects; the loop models only add what an 835 carries beyond them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field

from addin.models.remittance import ZERO, ClaimPayment, Remittance, ServicePayment
from addin.models.types import Money


class Loop1000A(BaseModel):
    """Loop 1000A: Payer Identification (N1*PR, N3, N4, REF, PER)."""

    name: str = ""
    payer_id: str = ""
    address: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    references: dict[str, str] = Field(default_factory=dict)
    contacts: list[str] = Field(default_factory=list)


class Loop1000B(BaseModel):
    """Loop 1000B: Payee Identification (N1*PE, N3, N4, REF)."""

    name: str = ""
    id_qualifier: str = ""
    id: str = ""
    npi: str = ""
    tax_id: str = ""
    address: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    references: dict[str, str] = Field(default_factory=dict)


class Loop2000(BaseModel):
    """Loop 2000: Header Number (LX) with its provider summary (TS3) when sent."""

    number: str
    provider_id: str = ""
    facility_type: str = ""
    fiscal_period_end: date | None = None
    claim_count: int = 0
    total_charge: Money | None = None


class Loop2110(ServicePayment):
    """Loop 2110: Service Payment Information (SVC, DTM, CAS, REF, AMT, QTY, LQ)."""

    revenue_code: str = ""
    units_billed: Decimal | None = None
    service_date_to: date | None = None
    references: dict[str, str] = Field(default_factory=dict)
    amounts: dict[str, Money] = Field(default_factory=dict)


class Loop2100(ClaimPayment):
    """Loop 2100: Claim Payment Information (CLP, CAS, NM1, MIA, MOA, REF, DTM, AMT, QTY)."""

    header_number: str = ""
    insured_last_name: str = ""
    insured_first_name: str = ""
    insured_id: str = ""
    corrected_last_name: str = ""
    corrected_first_name: str = ""
    crossover_carrier: str = ""
    corrected_payer: str = ""
    moa: list[str] = Field(default_factory=list, description="MOA elements as sent")
    mia: list[str] = Field(default_factory=list, description="MIA elements as sent")
    references: dict[str, str] = Field(default_factory=dict)
    amounts: dict[str, Money] = Field(default_factory=dict)


class Transaction835(Remittance):
    """Transaction set 835 (ST..SE): header (BPR, TRN, DTM), loops 1000A/1000B/2000, PLB."""

    control_number: str = ""
    version: str = ""
    handling: str = Field(default="", description="BPR01: I payment, H notification only, ...")
    credit_debit: str = ""
    payer_identifier: str = Field(default="", description="TRN03: payer's EIN with 1 prefix")
    payer: Loop1000A = Field(default_factory=Loop1000A)
    payee: Loop1000B = Field(default_factory=Loop1000B)
    header_numbers: list[Loop2000] = Field(default_factory=list)
    first_segment: int = 0


class BalanceReport(BaseModel):
    """The three balancing checks of one remittance, with the numbers of each failure."""

    trace_number: str = ""
    service_errors: list[str] = Field(default_factory=list)
    claim_errors: list[str] = Field(default_factory=list)
    transaction_error: str | None = None
    transaction_difference: Money = ZERO

    @property
    def balanced(self) -> bool:
        return not (self.service_errors or self.claim_errors or self.transaction_error)

    @property
    def messages(self) -> list[str]:
        tail = [self.transaction_error] if self.transaction_error else []
        return [*self.service_errors, *self.claim_errors, *tail]


def check_balance(remittance: Remittance) -> BalanceReport:
    """Apply the 835 balancing rules at service, claim and transaction level.

    SVC02 - line CAS = SVC03 (only lines that carry a paid amount: supplemental lines are
    skipped); CLP03 - claim and line CAS = CLP04; BPR02 = sum CLP04 - sum PLB.
    """
    report = BalanceReport(trace_number=remittance.trace_number)
    for claim in remittance.claims:
        for service in claim.services:
            message = service.balance_message(claim.patient_control_number)
            if message:
                report.service_errors.append(message)
        message = claim.balance_message()
        if message:
            report.claim_errors.append(message)
    report.transaction_error = remittance.balance_message()
    report.transaction_difference = remittance.balance_difference
    return report
