"""Pydantic v2 models of the billing flow: encounters, claims, remittances and findings."""

from addin.models.book import (
    RULES_COLUMNS,
    SETTINGS_KEYS,
    Book,
    ContractRow,
    FeeRow,
    PayerRow,
    RuleRow,
    SheetRows,
)
from addin.models.claim import Claim, ClaimLine, Provider
from addin.models.encounter import Encounter, Person, ServiceLine
from addin.models.finding import Finding
from addin.models.remittance import (
    Adjustment,
    ClaimPayment,
    ProviderAdjustment,
    Remittance,
    ServicePayment,
)
from addin.models.table import CellMark, CellUpdate, ChartSpec, Column, RegisterEdit, ResultTable
from addin.models.types import (
    Money,
    money,
    normalize_digits,
    normalize_icd10,
    normalize_modifier,
    normalize_procedure,
)

__all__ = [
    "RULES_COLUMNS",
    "SETTINGS_KEYS",
    "Book",
    "CellMark",
    "CellUpdate",
    "ChartSpec",
    "Column",
    "ContractRow",
    "FeeRow",
    "PayerRow",
    "RegisterEdit",
    "ResultTable",
    "RuleRow",
    "SheetRows",
    "Adjustment",
    "Claim",
    "ClaimLine",
    "ClaimPayment",
    "Encounter",
    "Finding",
    "Money",
    "Person",
    "Provider",
    "ProviderAdjustment",
    "Remittance",
    "ServiceLine",
    "ServicePayment",
    "money",
    "normalize_digits",
    "normalize_icd10",
    "normalize_modifier",
    "normalize_procedure",
]
