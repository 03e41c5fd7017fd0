"""Remittances and reconciliation: payer sheets, matching to claims, worklists and sheets."""

from addin.remit.notes import CARC_NOTES, RARC_NOTES, load_descriptions, note_for
from addin.remit.payer_sheet import load_mapping, read_payer_sheet
from addin.remit.reconcile import (
    STATUSES,
    ClaimResult,
    Reconciliation,
    UnmatchedClaim,
    reconcile,
)
from addin.remit.tables import (
    aging_table,
    dashboard_table,
    denials_table,
    reconciliation_table,
    remittance_table,
    result_tables,
)

__all__ = [
    "CARC_NOTES",
    "RARC_NOTES",
    "STATUSES",
    "ClaimResult",
    "Reconciliation",
    "UnmatchedClaim",
    "aging_table",
    "dashboard_table",
    "denials_table",
    "load_descriptions",
    "load_mapping",
    "note_for",
    "read_payer_sheet",
    "reconcile",
    "reconciliation_table",
    "remittance_table",
    "result_tables",
]
