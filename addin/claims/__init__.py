"""Building claims from encounters, the Claims sheet, and the claims run over a workbook."""

from addin.claims.build import (
    RELATIONSHIP_CODES,
    BuildResult,
    HeldEncounter,
    build_claims,
)
from addin.claims.run import ClaimsRun, run_claims
from addin.claims.table import CLAIMS_COLUMNS, claims_table

__all__ = [
    "CLAIMS_COLUMNS",
    "RELATIONSHIP_CODES",
    "BuildResult",
    "ClaimsRun",
    "HeldEncounter",
    "build_claims",
    "claims_table",
    "run_claims",
]
