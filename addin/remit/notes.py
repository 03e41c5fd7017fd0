"""Plain-language notes and next actions for common adjustment and remark codes.

These are Claimbook's own short explanations for a billing office, written for this
product, not the code lists' official wording. Official descriptions are shown only when
the user imports them (:func:`load_descriptions`), because that text is licensed.
"""

from __future__ import annotations

from pathlib import Path

from addin.errors import InputError
from addin.files.text import read_delimited

# CLP02 claim status code -> what it means, in our words (835 5010 code list)
CLAIM_STATUS: dict[str, str] = {
    "1": "processed as primary",
    "2": "processed as secondary",
    "3": "processed as tertiary",
    "4": "denied",
    "19": "processed as primary, forwarded to another payer",
    "20": "processed as secondary, forwarded to another payer",
    "21": "processed as tertiary, forwarded to another payer",
    "22": "reversal of an earlier payment",
    "23": "not this payer's claim, forwarded to another payer",
    "25": "priced only (predetermination), no payment",
}


def status_meaning(code: str) -> str:
    """What a CLP02 claim status code means ("" for an empty code; unknown codes say so)."""
    if not code:
        return ""
    return CLAIM_STATUS.get(code, "not a CLP02 status code in the 835 5010 list")


# CARC -> (what it means for us, what to do next)
CARC_NOTES: dict[str, tuple[str, str]] = {
    "1": ("Patient's deductible: the patient owes this part", "Bill the patient"),
    "2": ("Patient's coinsurance share", "Bill the patient or the secondary payer"),
    "3": ("Patient's copay", "Collect from the patient"),
    "4": (
        "Modifier missing or does not fit the code",
        "Fix the modifier and send a corrected claim",
    ),
    "5": (
        "Place of service does not fit the code",
        "Check the place of service and correct the claim",
    ),
    "11": (
        "Diagnosis does not support the procedure",
        "Review coding; correct or appeal with notes",
    ),
    "16": (
        "Claim is missing information the payer needs",
        "See the remark codes, add the data, resubmit",
    ),
    "18": (
        "Payer thinks this is a duplicate of a claim it already has",
        "Check for an earlier claim before resending",
    ),
    "22": (
        "Another payer should pay first",
        "Bill the primary payer, then send with its remittance",
    ),
    "23": (
        "Reduced because of what an earlier payer paid",
        "No action unless the prior payment is wrong",
    ),
    "24": ("Covered by a managed care plan or capitation", "Bill the managed care plan"),
    "26": (
        "Service was before coverage started",
        "Check eligibility dates; bill the right payer or the patient",
    ),
    "27": ("Service was after coverage ended", "Check eligibility; find the current payer"),
    "29": ("Sent too late for the payer's filing limit", "Appeal only with proof of timely filing"),
    "31": (
        "Payer cannot find this patient as its member",
        "Verify member ID and name, then resubmit",
    ),
    "45": ("Above the contracted rate: write-off", "None; compare with the contract"),
    "50": ("Payer says it was not medically necessary", "Appeal with clinical notes"),
    "59": ("Reduced by multiple-procedure rules", "Check modifiers and order of procedures"),
    "96": (
        "Service not covered by the plan",
        "Check for a signed waiver; bill the patient if allowed",
    ),
    "97": (
        "Paid as part of another service (bundled)",
        "Check NCCI edits; add modifier if truly separate",
    ),
    "109": ("Not this payer's claim", "Find the right payer and send it there"),
    "119": ("Patient reached the plan's benefit limit", "Bill the secondary payer or the patient"),
    "125": (
        "Claim was sent with a submission or billing error",
        "See the remark codes; correct and resubmit",
    ),
    "146": (
        "Diagnosis code is not valid for the date of service",
        "Recode with a valid ICD-10-CM code",
    ),
    "151": (
        "Payer thinks the number of services is too high",
        "Appeal with documentation of frequency",
    ),
    "167": ("Diagnosis is not covered", "Review coding; appeal with notes if appropriate"),
    "181": (
        "Procedure code not valid on the date of service",
        "Use a valid code and send a corrected claim",
    ),
    "182": ("Modifier not valid on the date of service", "Fix the modifier and resubmit"),
    "185": (
        "Rendering provider cannot bill this service",
        "Check provider enrollment and credentials",
    ),
    "197": (
        "Prior authorization or precertification missing",
        "Get the auth number; resubmit or appeal",
    ),
    "204": (
        "Service not covered under the patient's current benefit plan",
        "Bill the patient if a waiver was signed",
    ),
    "226": ("Payer asked for information that was not sent", "Send the requested records"),
    "242": (
        "Provider is out of the payer's network",
        "Check network status; bill as out-of-network",
    ),
    "252": (
        "Payer needs an attachment or other documentation",
        "Send the attachment with the claim number",
    ),
    "253": ("Sequestration cut to the federal payment", "None; write off"),
    "B7": (
        "Provider was not certified for this service on that date",
        "Check enrollment and certification dates",
    ),
    "B13": ("Already paid on another claim", "Find the earlier payment; do not resend"),
}

# RARC -> note (remark codes explain CARCs; same rule: our own words)
RARC_NOTES: dict[str, str] = {
    "MA04": "Secondary claim needs the primary payer's payment details",
    "MA15": "Payer split this claim into several claims; each has its own payer claim number",
    "MA18": "Payer forwarded the claim to the patient's supplemental insurer",
    "MA130": "Claim had incomplete or invalid data; fix it and send as a new claim",
    "M15": "Services were bundled into another procedure billed together",
    "M86": "Payer already paid for the same or a similar service in this period",
    "N30": "Patient is not eligible for this service",
    "N130": "Check the plan's benefit documents for coverage limits",
    "N290": "Rendering provider's identifier is missing or invalid",
    "N362": "Units or days are above the maximum the payer accepts",
}

# PLB adjustment reasons (provider level): our words. A positive amount reduces the check.
PLB_NOTES: dict[str, str] = {
    "L6": "interest the payer added for paying late",
    "WO": "payer recovering an earlier overpayment",
    "72": "authorized return of money",
    "FB": "forwarding balance carried to or from another check",
    "CS": "adjustment the payer explains in the reference",
    "CT": "capitation payment",
    "CV": "capital pass-through",
    "B2": "rebate",
    "IR": "federal tax withholding",
    "J1": "non-reimbursable amount",
    "WU": "recovery by another payer's request",
    "90": "fee for a service the payer provided",
    "50": "late-filing reduction",
    "BD": "bad debt adjustment",
    "AP": "accelerated payment",
}

# Group codes say who carries an amount.
GROUP_NOTES: dict[str, str] = {
    "CO": "contractual: the practice writes it off",
    "PR": "patient responsibility",
    "OA": "other adjustment",
    "PI": "payer-initiated reduction",
    "CR": "correction or reversal (4010)",
}

# Codes that reduce the payment by design, not a denial to work.
ROUTINE = frozenset({"1", "2", "3", "45", "23", "253", "59"})


def note_for(code: str) -> str:
    """Our plain-language note for a CARC or RARC, ``""`` when we have none."""
    if code in CARC_NOTES:
        return CARC_NOTES[code][0]
    return RARC_NOTES.get(code, "")


def action_for(code: str) -> str:
    """The next action we suggest for a CARC, ``""`` when we have none."""
    return CARC_NOTES[code][1] if code in CARC_NOTES else ""


def load_descriptions(path: Path) -> dict[str, str]:
    """Read the user's CARC/RARC list: a CSV or TSV with a code column and a description.

    The first row is a header; the columns are found by name (``code`` and
    ``description``), else the first two columns are used.
    """
    if path.is_dir() or not path.exists():
        raise InputError(f"{path}: {'a folder' if path.is_dir() else 'no such file'}; give the "
                         "CSV file of your CARC/RARC list")  # fmt: skip
    rows = [r for r in read_delimited(path).rows if any(c.strip() for c in r)]
    if not rows:
        raise InputError(f"{path}: the code list is empty; give a CSV with code,description")
    header = [h.strip().lower() for h in rows[0]]
    code_col = header.index("code") if "code" in header else 0
    desc_col = header.index("description") if "description" in header else 1
    out: dict[str, str] = {}
    for number, row in enumerate(rows[1:], start=2):
        if len(row) <= max(code_col, desc_col):
            if any(cell.strip() for cell in row):
                raise InputError(
                    f"{path} row {number}: expected a code and a description, got {row!r}"
                )
            continue
        out[row[code_col].strip().upper()] = row[desc_col].strip()
    return out
