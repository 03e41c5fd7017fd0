"""Canonical headers of the clinic workbook's sheets and the aliases people type for them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from addin.models import RULES_COLUMNS

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def header_key(text: object) -> str:
    """Compare headers ignoring case, spaces, NBSP and punctuation: 'Dx #1' == 'DX1'."""
    if text is None:
        return ""
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    return _NON_ALNUM.sub("", str(text).replace("\u00a0", " ").casefold())


# Encounters: canonical header -> aliases (the canonical name itself always matches).
ENCOUNTER_HEADERS: dict[str, tuple[str, ...]] = {
    "Encounter ID": (
        "Encounter",
        "Encounter Number",
        "Encounter No",
        "Visit ID",
        "Visit",
        "Claim ID",
        "Encounter #",
        "Visit Number",
    ),
    "Patient ID": ("MRN", "Patient Number", "Account Number", "Patient Account", "Chart Number"),
    "Patient Last Name": ("Last Name", "Patient Last", "Pt Last Name", "Surname"),
    "Patient First Name": ("First Name", "Patient First", "Pt First Name", "Given Name"),
    # one "Last, First" (or "First Last") column, split when the two are not there
    "Patient Name": ("Name", "Full Name", "Patient Full Name", "Pt Name"),
    "Patient DOB": ("DOB", "Date of Birth", "Birth Date", "Patient Date of Birth", "Birthdate"),
    "Patient Sex": ("Sex", "Gender", "Patient Gender"),
    "Patient Address": ("Address", "Address 1", "Street", "Patient Street", "Address Line 1"),
    "Patient City": ("City",),
    "Patient State": ("State", "ST"),
    "Patient ZIP": ("ZIP", "Zip Code", "Postal Code", "Patient Zip Code", "Patient Postal Code"),
    "Payer": (
        "Payer Name",
        "Insurance",
        "Insurance Company",
        "Payor",
        "Primary Insurance",
        "Carrier",
        "Plan",
    ),
    "Member ID": (
        "Subscriber ID",
        "Insured ID",
        "Policy Number",
        "Policy ID",
        "Insurance ID",
        "Member Number",
        "Policy #",
        "Member #",
    ),
    "Group Number": ("Group", "Group ID", "Group #", "Group No"),
    "Relationship": (
        "Patient Relationship",
        "Relationship to Subscriber",
        "Relationship to Insured",
        "Rel",
    ),
    "Subscriber Last Name": ("Insured Last Name", "Subscriber Last"),
    "Subscriber First Name": ("Insured First Name", "Subscriber First"),
    "Subscriber Name": (
        "Insured Name",
        "Subscriber Full Name",
        "Policy Holder",
        "Policyholder Name",
        "Policyholder",
    ),
    "Subscriber DOB": ("Insured DOB", "Subscriber Date of Birth"),
    "Subscriber Sex": ("Insured Sex", "Subscriber Gender"),
    "Rendering NPI": ("NPI", "Provider NPI", "Rendering Provider NPI", "Doctor NPI"),
    "Referring NPI": ("Referring Provider NPI", "Ref NPI"),
    "Place of Service": ("POS", "Place of Svc", "POS Code"),
    "Date of Service": ("DOS", "Service Date", "Visit Date", "Date", "DOS From"),
    **{
        f"Dx {n}": (
            f"DX{n}",
            f"Diagnosis {n}",
            f"Diag {n}",
            f"ICD {n}",
            f"ICD10 {n}",
            f"ICD-10 {n}",
            f"Diagnosis Code {n}",
            f"Dx Code {n}",
        )
        for n in range(1, 13)
    },
    "Diagnosis Text": (
        "Dx Text",
        "Diagnosis Description",
        "Diagnosis Note",
        "Assessment",
        "Clinical Note",
    ),
    "Procedure Code": (
        "CPT",
        "HCPCS",
        "Proc",
        "CPT/HCPCS",
        "CPT Code",
        "HCPCS Code",
        "Procedure",
        "Proc Code",
        "Service Code",
        "CPT HCPCS",
    ),
    **{f"Modifier {n}": (f"Mod {n}", f"Mod{n}", f"M{n}") for n in range(1, 5)},
    "Units": ("Qty", "Quantity", "Days or Units", "Unit", "Service Units"),
    "Charge": (
        "Charges",
        "Amount",
        "Fee",
        "Billed",
        "Billed Amount",
        "Charge Amount",
        "Line Charge",
    ),
    "Dx Pointer": ("Diagnosis Pointer", "Pointer", "Dx Ptr", "Diag Pointer"),
    "NDC": ("NDC Code", "National Drug Code"),
    "Prior Authorization": ("Prior Auth", "Authorization", "Auth Number", "Auth", "PA Number"),
    "Claim Frequency": ("Frequency", "Claim Frequency Code", "Frequency Code"),
    "Payer Claim Number": ("Original Claim Number", "ICN", "Payer Claim ID", "Original ICN"),
}
ENCOUNTER_REQUIRED: tuple[str, ...] = ("Encounter ID", "Procedure Code")

PAYER_HEADERS: dict[str, tuple[str, ...]] = {
    "Payer": ("Payer Name", "Payor", "Insurance", "Name"),
    "Payer ID": ("Payor ID", "Electronic Payer ID", "EDI Payer ID", "Payer Code"),
    "Claim Filing Indicator": ("Filing Indicator", "CFI", "Claim Filing Indicator Code"),
    "Apply NCCI/MUE": (
        "NCCI/MUE",
        "NCCI and MUE",
        "Apply NCCI",
        "NCCI",
        "MUE",
        "NCCI Edits",
        "CMS Edits",
        "Apply CMS Edits",
    ),  # fmt: skip
}
FEE_HEADERS: dict[str, tuple[str, ...]] = {
    "Code": ("Procedure Code", "CPT", "HCPCS", "CPT/HCPCS", "Proc"),
    "Modifier": ("Mod", "Modifier 1"),
    "Charge": ("Fee", "Amount", "Price", "Standard Charge"),
}
CONTRACT_HEADERS: dict[str, tuple[str, ...]] = {
    "Payer": ("Payer Name", "Payor", "Insurance"),
    "Code": ("Procedure Code", "CPT", "HCPCS", "CPT/HCPCS", "Proc"),
    "Modifier": ("Mod", "Modifier 1"),
    "Allowed": ("Allowed Amount", "Contract Rate", "Rate", "Contracted Amount", "Allowable"),
}
RULE_HEADERS: dict[str, tuple[str, ...]] = {name: () for name in RULES_COLUMNS}
SETTINGS_HEADERS: dict[str, tuple[str, ...]] = {"Setting": ("Key", "Name"), "Value": ()}


def alias_index(headers: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """header_key -> canonical name, for a canonical -> aliases mapping."""
    index: dict[str, str] = {}
    for canonical in headers:
        index.setdefault(header_key(canonical), canonical)
    # aliases second, so a canonical name always wins over another column's alias
    for canonical, aliases in headers.items():
        for alias in aliases:
            index.setdefault(header_key(alias), canonical)
    return index
