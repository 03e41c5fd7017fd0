"""Claimbook: medical billing inside Excel workbooks.

The public API. Every face (the ``claimbook`` command, the xlwings UDFs and buttons) is a
thin wrapper over these functions.
"""

from __future__ import annotations

from addin.checkbook import check
from addin.claims import build_claims, run_claims
from addin.codesets import CodeLookup, import_path, info, lookup
from addin.coding.suggest import Suggestion, suggest
from addin.errors import ClaimbookError
from addin.models import (
    Adjustment,
    Claim,
    ClaimLine,
    ClaimPayment,
    Encounter,
    Finding,
    Remittance,
    ServiceLine,
    ServicePayment,
)
from addin.remit import Reconciliation, reconcile
from addin.x12.x835 import read_remittance, read_remittances
from addin.x12.x837p import read_837p, write_837p

__version__ = "0.1.0"

__all__ = [
    "Adjustment",
    "ClaimbookError",
    "Claim",
    "ClaimLine",
    "ClaimPayment",
    "CodeLookup",
    "Encounter",
    "Finding",
    "Remittance",
    "ServiceLine",
    "ServicePayment",
    "check",
    "Suggestion",
    "import_path",
    "info",
    "lookup",
    "suggest",
    "Reconciliation",
    "reconcile",
    "read_remittance",
    "read_remittances",
    "build_claims",
    "run_claims",
    "read_837p",
    "write_837p",
]
