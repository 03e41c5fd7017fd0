"""Building claims from encounters, and the Claims sheet."""

from addin.claims.build import (
    RELATIONSHIP_CODES,
    BuildResult,
    HeldEncounter,
    build_claims,
)
from addin.claims.table import CLAIMS_COLUMNS, claims_table

__all__ = [
    "CLAIMS_COLUMNS",
    "RELATIONSHIP_CODES",
    "BuildResult",
    "HeldEncounter",
    "build_claims",
    "claims_table",
]
