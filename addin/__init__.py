"""Claimbook: medical billing inside Excel workbooks.

The public API. Every face (the ``claimbook`` command, the xlwings UDFs and buttons) is a
thin wrapper over these functions. Names load on first use, so ``import addin`` stays cheap
for a worksheet function that needs one code lookup and not the whole pipeline.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it (or module and the name there)
_EXPORTS: dict[str, str | tuple[str, str]] = {
    "check": ("addin.runs", "findings"),
    "build_claims": "addin.claims",
    "run": "addin.runs",
    "Inputs": "addin.runs",
    "Outcome": "addin.runs",
    "CodeLookup": "addin.codesets",
    "import_path": "addin.codesets",
    "info": "addin.codesets",
    "lookup": "addin.codesets",
    "Suggestion": "addin.coding.suggest",
    "suggest": "addin.coding.suggest",
    "ClaimbookError": "addin.errors",
    "Adjustment": "addin.models",
    "Claim": "addin.models",
    "ClaimLine": "addin.models",
    "ClaimPayment": "addin.models",
    "Encounter": "addin.models",
    "Finding": "addin.models",
    "Remittance": "addin.models",
    "ServiceLine": "addin.models",
    "ServicePayment": "addin.models",
    "Reconciliation": "addin.remit",
    "reconcile": "addin.remit",
    "read_remittance": "addin.x12.x835",
    "read_remittances": "addin.x12.x835",
    "read_837p": "addin.x12.x837p",
    "write_837p": "addin.x12.x837p",
}

__all__ = [
    "Adjustment",
    "Claim",
    "ClaimLine",
    "ClaimPayment",
    "ClaimbookError",
    "CodeLookup",
    "Encounter",
    "Finding",
    "Inputs",
    "Outcome",
    "Reconciliation",
    "Remittance",
    "ServiceLine",
    "ServicePayment",
    "Suggestion",
    "build_claims",
    "check",
    "import_path",
    "info",
    "lookup",
    "read_837p",
    "read_remittance",
    "read_remittances",
    "reconcile",
    "run",
    "suggest",
    "write_837p",
]

if TYPE_CHECKING:
    from addin.claims import build_claims
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
    from addin.runs import Inputs, Outcome, run
    from addin.runs import findings as check
    from addin.x12.x835 import read_remittance, read_remittances
    from addin.x12.x837p import read_837p, write_837p


def __getattr__(name: str) -> Any:
    """Import a public name on first use (PEP 562)."""
    found = _EXPORTS.get(name)
    if found is None:
        raise AttributeError(f"module 'addin' has no attribute {name!r}")
    module, attr = found if isinstance(found, tuple) else (found, name)
    value = getattr(import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """Public names, loaded or not."""
    return sorted({*globals(), *_EXPORTS})
