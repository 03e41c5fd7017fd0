"""Which payers the CMS NCCI and MUE edits apply to: the Payers sheet says, else a default.

NCCI PTP pairs and Medically Unlikely Edits are Medicare's claim edits (state Medicaid
programs apply the NCCI methodology too); a commercial plan applies them only when its
contract says so. The Payers column ``Apply NCCI/MUE`` (Yes / No) decides per payer; an empty
cell takes the default: on for Medicare (claim filing indicator MA, MB), Medicare Advantage
(16, an HMO Medicare risk plan) and Medicaid (MC), off for every other indicator; with no
indicator, on when the payer's name says Medicare or Medicaid. An MUE of 0 is Medicare
saying it does not pay the code (preventive visits 99381-99397, for one), not a unit limit,
so it is applied only to original Medicare (MA, MB): Medicaid and Medicare Advantage plans
cover some of those codes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from addin.coding.rules.registry import Context, rule
from addin.models import PayerRow

VALUE = rule(
    "PAYERS-NCCI-MUE", "error", "payer", "the Payers sheet's Apply NCCI/MUE is Yes, No or empty"
)

COLUMN = "Apply NCCI/MUE"
MEDICARE_INDICATORS = frozenset({"MA", "MB"})
ADVANTAGE_INDICATORS = frozenset({"16"})
MEDICAID_INDICATORS = frozenset({"MC"})
YES = frozenset({"yes", "y", "true", "1", "x", "on"})
NO = frozenset({"no", "n", "false", "0", "off"})
_MEDICARE_NAME = re.compile(r"\bmedicare\b", re.IGNORECASE)
_ADVANTAGE_NAME = re.compile(r"\badvantage\b", re.IGNORECASE)
_MEDICAID_NAME = re.compile(r"\b(medicaid|medi-cal)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class EditPolicy:
    """Whether a payer's claims get the NCCI and MUE edits, and why."""

    apply: bool
    medicare: bool  # original Medicare: an MUE of 0 (Medicare does not pay the code) applies
    why: str


def default_policy(payer: str, filing_indicator: str) -> EditPolicy:
    """The policy when the Payers sheet leaves Apply NCCI/MUE empty (see the module doc)."""
    cfi = filing_indicator.strip().upper()
    if cfi:
        if cfi in MEDICARE_INDICATORS:
            return EditPolicy(True, True, f"Medicare (claim filing indicator {cfi})")
        if cfi in ADVANTAGE_INDICATORS:
            return EditPolicy(True, False, f"Medicare Advantage (claim filing indicator {cfi})")
        if cfi in MEDICAID_INDICATORS:
            return EditPolicy(True, False, f"Medicaid (claim filing indicator {cfi})")
        return EditPolicy(False, False, f"claim filing indicator {cfi} is not Medicare/Medicaid")
    if _MEDICARE_NAME.search(payer):
        if _ADVANTAGE_NAME.search(payer):
            return EditPolicy(True, False, "Medicare Advantage (by the payer's name)")
        return EditPolicy(True, True, "Medicare (by the payer's name)")
    if _MEDICAID_NAME.search(payer):
        return EditPolicy(True, False, "Medicaid (by the payer's name)")
    return EditPolicy(False, False, "not a Medicare or Medicaid payer")


def policy_for(row: PayerRow | None, payer: str) -> tuple[EditPolicy, bool]:
    """The policy of one payer and whether its Apply NCCI/MUE cell could be read."""
    cfi = row.claim_filing_indicator if row is not None else ""
    default = default_policy(payer, cfi)
    setting = (row.ncci_mue if row is not None else "").strip().casefold()
    if not setting:
        return default, True
    if setting in YES:
        return EditPolicy(True, default.medicare, f"{COLUMN} is Yes on the Payers sheet"), True
    if setting in NO:
        return EditPolicy(False, False, f"{COLUMN} is No on the Payers sheet"), True
    return default, False


class PayerEdits:
    """Answers per payer name, once; an unreadable cell is a finding on the Payers sheet."""

    def __init__(self, ctx: Context) -> None:
        self._book = ctx.book
        self._policies: dict[str, EditPolicy] = {}
        for row in ctx.book.payers:
            found, readable = policy_for(row, row.payer)
            if not readable:
                ctx.add(
                    VALUE,
                    row.row,
                    COLUMN,
                    row.ncci_mue,
                    f"{row.ncci_mue!r} is not Yes or No for {row.payer}",
                    f"type Yes, No, or leave it empty for the default ({found.why}: "
                    f"{'on' if found.apply else 'off'}); the default is used meanwhile",
                    sheet="Payers",
                )

    def __call__(self, payer: str) -> EditPolicy:
        found = self._policies.get(payer)
        if found is None:
            found = self._policies[payer] = policy_for(self._book.payer(payer), payer)[0]
        return found
