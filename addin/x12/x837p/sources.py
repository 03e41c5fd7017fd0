"""Where each 837P element Claimbook writes comes from in the workbook, so a problem with a
value is a finding on the cell the biller typed it in (sheet, row, column), not on a segment.

:data:`SOURCES` maps (loop, element) to the sheet and canonical column; :func:`source_cell`
finds the row from the claim (its service lines keep their Encounters row); and
:func:`place_findings` puts the workbook's own header text and the Settings and Payers rows
in, once the Book is at hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from addin.models import Book, Claim, Finding

ENCOUNTERS, SETTINGS, PAYERS = "Encounters", "Settings", "Payers"
#: (loop, element) -> (sheet, canonical column, per line?). A line-level column's row is the
#: service line's; any other Encounters column's row is the encounter's first row.
SOURCES: dict[tuple[str, str], tuple[str, str, bool]] = {
    ("1000A", "NM103"): (SETTINGS, "Submitter Name", False),
    ("1000A", "NM109"): (SETTINGS, "Submitter ID", False),
    ("1000A", "PER02"): (SETTINGS, "Submitter Contact", False),
    ("1000A", "PER04"): (SETTINGS, "Submitter Phone", False),
    ("1000B", "NM103"): (SETTINGS, "Receiver Name", False),
    ("1000B", "NM109"): (SETTINGS, "Receiver ID", False),
    ("2000A", "PRV03"): (SETTINGS, "Taxonomy Code", False),
    ("2010AA", "NM103"): (SETTINGS, "Billing Provider Name", False),
    ("2010AA", "NM109"): (SETTINGS, "Billing NPI", False),
    ("2010AA", "N301"): (SETTINGS, "Billing Address", False),
    ("2010AA", "N401"): (SETTINGS, "Billing City", False),
    ("2010AA", "N402"): (SETTINGS, "Billing State", False),
    ("2010AA", "N403"): (SETTINGS, "Billing ZIP", False),
    ("2010AA", "REF02"): (SETTINGS, "Tax ID", False),
    ("2000B", "SBR03"): (ENCOUNTERS, "Group Number", False),
    ("2000B", "SBR09"): (PAYERS, "Claim Filing Indicator", False),
    ("2010BA", "NM103"): (ENCOUNTERS, "Subscriber Last Name", False),
    ("2010BA", "NM104"): (ENCOUNTERS, "Subscriber First Name", False),
    ("2010BA", "NM109"): (ENCOUNTERS, "Member ID", False),
    ("2010BA", "N301"): (ENCOUNTERS, "Subscriber Address", False),
    ("2010BA", "N401"): (ENCOUNTERS, "Subscriber City", False),
    ("2010BA", "N402"): (ENCOUNTERS, "Subscriber State", False),
    ("2010BA", "N403"): (ENCOUNTERS, "Subscriber ZIP", False),
    ("2010BA", "DMG02"): (ENCOUNTERS, "Subscriber DOB", False),
    ("2010BA", "DMG03"): (ENCOUNTERS, "Subscriber Sex", False),
    ("2010BB", "NM103"): (PAYERS, "Payer", False),
    ("2010BB", "NM109"): (PAYERS, "Payer ID", False),
    ("2000C", "PAT01"): (ENCOUNTERS, "Relationship", False),
    ("2010CA", "NM103"): (ENCOUNTERS, "Patient Last Name", False),
    ("2010CA", "NM104"): (ENCOUNTERS, "Patient First Name", False),
    ("2010CA", "N301"): (ENCOUNTERS, "Patient Address", False),
    ("2010CA", "N401"): (ENCOUNTERS, "Patient City", False),
    ("2010CA", "N402"): (ENCOUNTERS, "Patient State", False),
    ("2010CA", "N403"): (ENCOUNTERS, "Patient ZIP", False),
    ("2010CA", "DMG02"): (ENCOUNTERS, "Patient DOB", False),
    ("2010CA", "DMG03"): (ENCOUNTERS, "Patient Sex", False),
    ("2300", "CLM01"): (ENCOUNTERS, "Encounter ID", False),
    ("2300", "CLM02"): (ENCOUNTERS, "Charge", False),
    ("2300", "CLM05-1"): (ENCOUNTERS, "Place of Service", False),
    ("2300", "CLM05-3"): (ENCOUNTERS, "Claim Frequency", False),
    ("2300", "REF02:G1"): (ENCOUNTERS, "Prior Authorization", False),
    ("2300", "REF02:F8"): (ENCOUNTERS, "Payer Claim Number", False),
    **{("2300", f"HI{n:02d}-2"): (ENCOUNTERS, f"Dx {n}", False) for n in range(1, 13)},
    ("2310A", "NM103"): (SETTINGS, "Provider Names", False),
    ("2310A", "NM104"): (SETTINGS, "Provider Names", False),
    ("2310A", "NM109"): (ENCOUNTERS, "Referring NPI", False),
    ("2310B", "NM103"): (SETTINGS, "Provider Names", False),
    ("2310B", "NM104"): (SETTINGS, "Provider Names", False),
    ("2310B", "NM109"): (ENCOUNTERS, "Rendering NPI", False),
    ("2400", "SV101-2"): (ENCOUNTERS, "Procedure Code", True),
    **{("2400", f"SV101-{n + 2}"): (ENCOUNTERS, f"Modifier {n}", True) for n in range(1, 5)},
    ("2400", "SV102"): (ENCOUNTERS, "Charge", True),
    ("2400", "SV104"): (ENCOUNTERS, "Units", True),
    ("2400", "SV105"): (ENCOUNTERS, "Place of Service", True),
    **{("2400", f"SV107-{n}"): (ENCOUNTERS, "Dx Pointer", True) for n in range(1, 5)},
    ("2400", "DTP03"): (ENCOUNTERS, "Date of Service", True),
    ("2400", "REF02:G1"): (ENCOUNTERS, "Prior Authorization", True),
    ("2410", "LIN03"): (ENCOUNTERS, "NDC", True),
    ("2410", "CTP04"): (ENCOUNTERS, "NDC", True),
    ("2410", "CTP05-1"): (ENCOUNTERS, "NDC", True),
}


def source_cell(
    loop: str,
    ref: str,
    claim: Claim | None,
    line: int | None = None,
    *,
    self_subscriber: bool = False,
    qualifier: str = "",
) -> tuple[str, str, int | None] | None:
    """(sheet, canonical column, Excel row or None) a written element came from, or None.

    ``line`` is the service line's number in the claim; ``qualifier`` tells a REF*G1 from a
    REF*F8; in the subscriber loop of a patient who is the subscriber, the values are the
    patient's (the Patient columns).
    """
    found = SOURCES.get((loop, f"{ref}:{qualifier}")) or SOURCES.get((loop, ref))
    if found is None:
        return None
    sheet, column, per_line = found
    if self_subscriber and column.startswith("Subscriber "):
        column = "Patient " + column.removeprefix("Subscriber ")
    row: int | None = None
    if sheet == ENCOUNTERS and claim is not None and claim.lines:
        if per_line and line is not None and 1 <= line <= len(claim.lines):
            row = claim.lines[line - 1].source_row
        else:
            rows = [ln.source_row for ln in claim.lines if ln.source_row is not None]
            row = min(rows) if rows else None
    return sheet, column, row


def claims_by_id(claims: Sequence[Claim]) -> dict[str, Claim]:
    return {c.claim_id: c for c in claims}


def place_findings(
    findings: Iterable[Finding], book: Book, encounters: str = ENCOUNTERS
) -> list[Finding]:
    """``findings`` with the workbook's own sheet name (``encounters``) and header text, and
    the Settings or Payers row of a value from those sheets (a finding with no sheet is left
    as it is)."""
    payer_of = {enc.encounter_id: enc.payer for enc in book.encounters}
    settings_rows = {" ".join(k.split()).casefold(): r for k, r in book.settings_rows.items()}
    out: list[Finding] = []
    for f in findings:
        if f.sheet is None or f.column is None:
            out.append(f)
            continue
        sheet = encounters if f.sheet == ENCOUNTERS else f.sheet
        update: dict[str, object] = {"sheet": sheet, "column": book.header(sheet, f.column)}
        if f.row is None and f.sheet == SETTINGS:
            update["row"] = settings_rows.get(f.column.casefold())
        elif f.row is None and f.sheet == PAYERS and f.encounter_id:
            payer = book.payer(payer_of.get(f.encounter_id, ""))
            update["row"] = payer.row if payer else None
        out.append(f.model_copy(update=update))
    return out
