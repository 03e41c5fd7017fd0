"""The clinic billing template (and its demo copy), built with openpyxl as a new workbook.

openpyxl is fine here: it writes a brand-new file. Writing into a workbook the user owns
always goes through ``write_tables``. Formulas use only functions LibreOffice 7.4 computes.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from addin.coding.rules.tables import places_of_service
from addin.errors import OutputError
from addin.files.folders import make_folder
from addin.models import RULES_COLUMNS, SETTINGS_KEYS
from addin.sheets.headers import ENCOUNTER_HEADERS
from addin.sheets.writer import RESULT_SHEETS

# the canonical columns (the one-column name aliases are for reading other layouts)
ENCOUNTER_COLUMNS: tuple[str, ...] = tuple(
    h for h in ENCOUNTER_HEADERS if h not in ("Patient Name", "Subscriber Name")
)
# Example fees the template ships with, to replace (our own wording; no CPT descriptors).
EXAMPLE_FEES: tuple[tuple[str, str, Decimal, str], ...] = (
    ("99202", "", Decimal("110.00"), "New patient visit, straightforward"),
    ("99203", "", Decimal("160.00"), "New patient visit, low complexity"),
    ("99213", "", Decimal("125.00"), "Established patient visit, low complexity"),
    ("99214", "", Decimal("185.00"), "Established patient visit, moderate complexity"),
    ("99391", "", Decimal("150.00"), "Preventive visit, under 1 year"),
    ("99392", "", Decimal("160.00"), "Preventive visit, age 1-4"),
    ("99393", "", Decimal("160.00"), "Preventive visit, age 5-11"),
    ("99394", "", Decimal("175.00"), "Preventive visit, age 12-17"),
    ("99395", "", Decimal("210.00"), "Preventive visit, age 18-39"),
    ("99396", "", Decimal("225.00"), "Preventive visit, age 40-64"),
    ("99397", "", Decimal("240.00"), "Preventive visit, age 65 and over"),
    ("36415", "", Decimal("15.00"), "Venipuncture"),
    ("81002", "", Decimal("12.00"), "Urinalysis, dipstick"),
    ("85025", "", Decimal("28.00"), "Complete blood count"),
    ("87880", "", Decimal("30.00"), "Rapid strep test"),
    ("90686", "", Decimal("35.00"), "Influenza vaccine, quadrivalent"),
    ("90471", "", Decimal("25.00"), "Vaccine administration"),
    ("G0008", "", Decimal("25.00"), "Influenza vaccine administration (Medicare)"),
    ("93000", "", Decimal("55.00"), "Electrocardiogram with report"),
    ("20610", "", Decimal("140.00"), "Major joint injection"),
    ("J1100", "", Decimal("8.00"), "Dexamethasone injection, per 1 mg"),
)
# Example payers (Payer, Payer ID, Claim Filing Indicator, share of visits), to replace
EXAMPLE_PAYERS: tuple[tuple[str, str, str, float], ...] = (
    ("Aetna", "60054", "CI", 0.30),
    ("UnitedHealthcare", "87726", "CI", 0.25),
    ("Medicare", "14212", "MB", 0.30),
    ("Medicaid", "SKCT0", "MC", 0.15),
)

# Columns typed as text so Excel keeps leading zeros and never turns a code into a number.
TEXT_COLUMNS = {"Encounter ID", "Patient ID", "Patient ZIP", "Member ID", "Group Number",
                "Rendering NPI", "Referring NPI", "Place of Service", "Procedure Code",
                "NDC", "Prior Authorization", "Claim Frequency", "Payer Claim Number",
                "Dx Pointer", *(f"Dx {n}" for n in range(1, 13)),
                *(f"Modifier {n}" for n in range(1, 5))}  # fmt: skip
DATE_COLUMNS = {"Patient DOB", "Subscriber DOB", "Date of Service"}
MONEY = '"$"#,##0.00_);[Red]\\("$"#,##0.00\\)'
DATE = "mm/dd/yyyy"
DATA_ROWS = 10000  # validations and summary formulas cover this many rows
# X12 SBR09 claim filing indicator codes
FILING_INDICATORS = (("11", "Other non-federal program"), ("12", "PPO"), ("13", "POS"),
                     ("14", "EPO"), ("15", "Indemnity"), ("16", "HMO Medicare Risk"),
                     ("17", "Dental maintenance organization"), ("AM", "Automobile medical"),
                     ("BL", "Blue Cross/Blue Shield"), ("CH", "TRICARE"), ("CI", "Commercial"),
                     ("DS", "Disability"), ("FI", "Federal Employees Program"), ("HM", "HMO"),
                     ("LM", "Liability medical"), ("MA", "Medicare Part A"),
                     ("MB", "Medicare Part B"), ("MC", "Medicaid"), ("OF", "Other federal"),
                     ("TV", "Title V"), ("VA", "Veterans Affairs plan"),
                     ("WC", "Workers' compensation"), ("ZZ", "Mutually defined"))  # fmt: skip
PAYER_COLUMNS = ("Payer", "Payer ID", "Claim Filing Indicator", "Apply NCCI/MUE", "Notes")
# The template's payers: the ones its example rules name, with placeholder payer IDs.
TEMPLATE_PAYERS = (
    ("Medicare", "00000", "MB", "", "example: your Medicare contractor's payer ID; NCCI/MUE on "
     "by default (Medicare)"),
    ("Medicaid", "00000", "MC", "", "example: your state Medicaid's payer ID; NCCI/MUE on by "
     "default (Medicaid)"),
    ("Aetna", "00000", "CI", "", "example: a commercial plan; NCCI/MUE off unless you type Yes"),
)  # fmt: skip
REQUIREMENT_CHOICES = ("Require Modifier", "Forbid Modifier", "Require Prior Auth",
                       "Require Referring NPI", "Max Units", "Require NDC",
                       "Require Diagnosis")  # fmt: skip
EXAMPLE_RULES: tuple[dict[str, str], ...] = (
    {"Rule ID": "AET-25", "Description": "Aetna: a visit billed with a joint injection needs 25",
     "Payer": "Aetna", "Procedure Codes": "99202-99215", "Requirement": "Require Modifier",
     "Requirement Value": "25", "Severity": "warning",
     "Message": "Aetna pays the visit with a same-day procedure only with modifier 25",
     "Active": "No"},
    {"Rule ID": "ALL-INJ-AUTH", "Description": "Joint injections need a prior authorization",
     "Procedure Codes": "20610", "Requirement": "Require Prior Auth", "Severity": "error",
     "Message": "add the prior authorization number for the joint injection",
     "Active": "Yes"},
    {"Rule ID": "MCD-J1100", "Description": "Medicaid: dexamethasone at most 10 units a line",
     "Payer": "Medicaid", "Procedure Codes": "J1100", "Requirement": "Max Units",
     "Requirement Value": "10", "Severity": "error",
     "Message": "Medicaid limits J1100 to 10 units on one line", "Active": "Yes"},
)  # fmt: skip
INSTRUCTIONS = (
    "Claimbook clinic workbook",
    "",
    "1. Settings: fill in the billing provider, submitter and receiver (your clearinghouse).",
    "2. Payers: one row per payer with its electronic Payer ID and Claim Filing Indicator. "
    "Apply NCCI/MUE: Yes or No; empty means on for Medicare (MA, MB), Medicare Advantage (16) "
    "and Medicaid (MC), off for other payers.",
    "3. Fees: your charge for each code (and modifier); Contracts: what each payer allows.",
    "4. Rules: payer rules as rows. Empty conditions match everything; Active = No turns a "
    "row off.",
    "5. Encounters: one row per service line; rows with the same Encounter ID are one claim. "
    "Codes, ZIPs and NPIs are text columns, so leading zeros stay.",
    "6. Coverage: a patient's second (and third) plan, one row per plan; Patient Payments: "
    "what patients paid (the statements subtract it).",
    "7. Run Claimbook (the buttons in Excel or `claimbook` on the command line).",
    "",
    "Claimbook replaces these sheets on every run: " + ", ".join(RESULT_SHEETS) + ".",
    "Everything else in this workbook is yours and is never changed (only highlights are "
    "added to Encounters cells that have a finding).",
    "By default results go to a copy named <workbook>.claimbook.xlsx; --in-place saves into "
    "this file after writing a timestamped backup beside it.",
)
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_HEADER_FONT = Font(bold=True, color="FFFFFF")


def build_workbook(
    path: Path,
    *,
    encounters: Sequence[dict[str, Any]] = (),
    settings: dict[str, str] | None = None,
    demo: bool = False,
    fill: Callable[[Workbook], None] | None = None,
) -> Path:
    """Write the clinic template to ``path``; ``fill`` puts a clinic's rows into its sheets
    (the demo clinic: ``addin.demo.workbook``) before it is saved."""
    wb = Workbook()
    first = wb.active
    assert first is not None
    _instructions(first)
    _encounters(wb.create_sheet("Encounters"), encounters)
    _settings(wb.create_sheet("Settings"), settings or {})
    _payers(wb.create_sheet("Payers"), demo)
    _fees(wb.create_sheet("Fees"), demo)
    _contracts(wb.create_sheet("Contracts"), demo)
    _rules(wb.create_sheet("Rules"))
    _coverage(wb.create_sheet("Coverage"))
    _patient_payments(wb.create_sheet("Patient Payments"))
    _lists(wb, wb.create_sheet("Lists"))
    for name in RESULT_SHEETS:
        ws = wb.create_sheet(name)
        ws["A1"] = f"Claimbook writes the {name} sheet here on each run."
        ws["A1"].font = Font(italic=True, color="808080")
    if fill is not None:
        fill(wb)
    stamp = datetime(2026, 1, 1)
    wb.properties.creator = "Claimbook"
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.active = 0
    make_folder(path.parent, path)
    buffer = io.BytesIO()
    wb.save(buffer)
    tmp = path.with_name(f".~{path.name}.{os.getpid()}.claimbook-tmp")
    try:  # a temp file renamed into place: an existing workbook is never half-overwritten
        tmp.write_bytes(reproducible(buffer.getvalue()))
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot be written ({exc}); check the folder") from None
    return path


def reproducible(blob: bytes) -> bytes:
    """openpyxl stamps 'now' into core.xml and the zip entries; pin both so a rebuild of the
    committed templates (or the demo's payer exports) is byte-identical."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(blob)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
                    rb"\g<1>2026-01-01T00:00:00Z",
                    data,
                )
            pinned = zipfile.ZipInfo(info.filename, (2026, 1, 1, 0, 0, 0))
            pinned.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(pinned, data)
    return out.getvalue()


def _header(ws: Worksheet, names: Sequence[str], widths: Mapping[str, float] | None = None) -> None:
    ws.append(list(names))
    for i, name in enumerate(names, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        width = (widths or {}).get(name, max(len(name) + 4, 12))
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"


def _table(ws: Worksheet, name: str, ncols: int, nrows: int, style: str) -> None:
    ref = f"A1:{get_column_letter(ncols)}{max(nrows, 1) + 1}"
    ws.add_table(
        Table(displayName=name, ref=ref, tableStyleInfo=TableStyleInfo(name=style,
                                                                       showRowStripes=True))
    )  # fmt: skip


def _validate(
    ws: Worksheet, formula: str, column: int, prompt: str, first: int = 2, last: int = DATA_ROWS
) -> None:
    letter = get_column_letter(column)
    dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True)
    dv.error, dv.errorTitle = prompt, "Claimbook"
    ws.add_data_validation(dv)
    dv.add(f"{letter}{first}:{letter}{last}")


def _instructions(ws: Worksheet) -> None:
    ws.title = "Instructions"
    ws.column_dimensions["A"].width = 100
    ws.column_dimensions["B"].width = 18
    for line in INSTRUCTIONS:
        ws.append([line])
    ws["A1"].font = Font(bold=True, size=14)
    for row in ws.iter_rows(min_row=2):
        row[0].alignment = Alignment(wrap_text=True)
    charge = get_column_letter(ENCOUNTER_COLUMNS.index("Charge") + 1)
    code = get_column_letter(ENCOUNTER_COLUMNS.index("Procedure Code") + 1)
    n = DATA_ROWS
    summary = [
        ("At a glance (recalculated by Excel or LibreOffice)", None),
        ("Service lines entered", f"=COUNTA(Encounters!A2:A{n})"),
        ("Total charges", f"=SUM(Encounters!{charge}2:{charge}{n})"),
        ("Payers configured", "=COUNTA(Payers!A2:A500)"),
        ("Settings filled", f'=COUNTA(Settings!B2:B{len(SETTINGS_KEYS) + 1})&" of "&'
                            f"ROWS(Settings!B2:B{len(SETTINGS_KEYS) + 1})"),
        ("Submission mode", f'=IF(UPPER(Settings!B{SETTINGS_KEYS.index("Usage Indicator") + 2})'
                            '="P","Production","Test")'),
        ("Lines whose code is not on the Fees sheet",
         f'=SUMPRODUCT((Encounters!{code}2:{code}{n}<>"")*'
         f"(COUNTIF(Fees!A2:A2000,Encounters!{code}2:{code}{n})=0))"),
    ]  # fmt: skip
    start = len(INSTRUCTIONS) + 2
    for offset, (label, formula) in enumerate(summary):
        ws.cell(row=start + offset, column=1, value=label)
        if formula is not None:
            ws.cell(row=start + offset, column=2, value=formula)
    ws.cell(row=start, column=1).font = Font(bold=True)
    ws.cell(row=start + 2, column=2).number_format = MONEY


def _encounters(ws: Worksheet, rows: Sequence[dict[str, Any]]) -> None:
    widths = {"Encounter ID": 14, "Diagnosis Text": 30, "Payer": 18, "Date of Service": 16}
    _header(ws, ENCOUNTER_COLUMNS, widths)
    for index, name in enumerate(ENCOUNTER_COLUMNS, start=1):
        letter = get_column_letter(index)
        if name in TEXT_COLUMNS:
            ws.column_dimensions[letter].number_format = "@"
        elif name in DATE_COLUMNS:
            ws.column_dimensions[letter].number_format = DATE
        elif name == "Charge":
            ws.column_dimensions[letter].number_format = MONEY
    for values in rows:
        ws.append([values.get(name) for name in ENCOUNTER_COLUMNS])
        r = ws.max_row
        for index, name in enumerate(ENCOUNTER_COLUMNS, start=1):
            cell = ws.cell(row=r, column=index)
            if name in TEXT_COLUMNS:
                cell.number_format = "@"
            elif name in DATE_COLUMNS:
                cell.number_format = DATE
            elif name == "Charge":
                cell.number_format = MONEY
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text typed by a person, never a formula
    _table(ws, "Encounters", len(ENCOUNTER_COLUMNS), len(rows), "TableStyleMedium2")
    col = {name: i for i, name in enumerate(ENCOUNTER_COLUMNS, start=1)}
    _validate(ws, '"M,F,U"', col["Patient Sex"], "use M, F or U")
    _validate(ws, '"M,F,U"', col["Subscriber Sex"], "use M, F or U")
    _validate(ws, '"Self,Spouse,Child,Other"', col["Relationship"], "pick a relationship")
    _validate(ws, "POSList", col["Place of Service"], "pick a Place of Service code")
    _validate(ws, "PayerList", col["Payer"], "pick a payer from the Payers sheet")
    _validate(ws, '"1,7,8"', col["Claim Frequency"], "1 original, 7 replacement, 8 void")


def _settings(ws: Worksheet, values: dict[str, str]) -> None:
    _header(ws, ("Setting", "Value", "Notes"), {"Setting": 24, "Value": 32, "Notes": 60})
    notes = {
        "Billing NPI": "10 digits", "Tax ID": "9 digits (EIN), no dash",
        "Taxonomy Code": "e.g. 207Q00000X family medicine", "Billing ZIP": "9 digits (ZIP+4)",
        "Submitter ID": "from your clearinghouse", "Receiver ID": "from your clearinghouse",
        "Usage Indicator": "T while testing, P for production",
    }  # fmt: skip
    for key in SETTINGS_KEYS:
        ws.append([key, values.get(key, ""), notes.get(key, "")])
    ws.column_dimensions["B"].number_format = "@"
    for row in ws.iter_rows(min_row=2, min_col=2, max_col=2):
        row[0].number_format = "@"
    usage = SETTINGS_KEYS.index("Usage Indicator") + 2
    _validate(ws, '"T,P"', 2, "T (test) or P (production)", first=usage, last=usage)


def _payers(ws: Worksheet, demo: bool) -> None:
    _header(ws, PAYER_COLUMNS, {"Notes": 60, "Apply NCCI/MUE": 16})
    rows = [(p, pid, cfi, "", "") for p, pid, cfi, _ in EXAMPLE_PAYERS]
    if not demo:
        rows = list(TEMPLATE_PAYERS)
    for row in rows:
        ws.append(list(row))
    for r in range(2, ws.max_row + 1):
        ws.cell(row=r, column=2).number_format = "@"
    ws.column_dimensions["B"].number_format = "@"
    _table(ws, "Payers", len(PAYER_COLUMNS), len(rows), "TableStyleMedium4")
    _validate(ws, "CFIList", 3, "pick a claim filing indicator", last=500)
    _validate(ws, '"Yes,No"', 4, "Yes, No, or empty for the default", last=500)


def _fees(ws: Worksheet, demo: bool) -> None:
    _header(ws, ("Code", "Modifier", "Charge", "Description"), {"Description": 44})
    for code, modifier, charge, text in EXAMPLE_FEES:
        ws.append([code, modifier, charge, text])
    for r in range(2, ws.max_row + 1):
        ws.cell(row=r, column=1).number_format = "@"
        ws.cell(row=r, column=3).number_format = MONEY
    ws.column_dimensions["A"].number_format = "@"
    _table(ws, "Fees", 4, len(EXAMPLE_FEES), "TableStyleMedium4")


def _contracts(ws: Worksheet, demo: bool) -> None:
    _header(ws, ("Payer", "Code", "Modifier", "Allowed", "% of Charge"))
    rows = []
    for payer, _, _, _ in EXAMPLE_PAYERS if demo else EXAMPLE_PAYERS[:1]:
        share = {"Aetna": "0.82", "UnitedHealthcare": "0.78", "Medicare": "0.65"}.get(payer, "0.55")
        for code, modifier, charge, _ in EXAMPLE_FEES[:: 1 if demo else 4]:
            allowed = (charge * Decimal(share)).quantize(charge)
            rows.append([payer, code, modifier, allowed])
    for i, row in enumerate(rows, start=2):
        ws.append([*row, f'=IFERROR(D{i}/INDEX(Fees!C$2:C$2000,MATCH(B{i},Fees!A$2:A$2000,0)),"")'])
        ws.cell(row=i, column=2).number_format = "@"
        ws.cell(row=i, column=4).number_format = MONEY
        ws.cell(row=i, column=5).number_format = "0.0%"
    _table(ws, "Contracts", 5, len(rows), "TableStyleMedium4")
    _validate(ws, "PayerList", 1, "pick a payer from the Payers sheet", last=5000)


def _rules(ws: Worksheet) -> None:
    widths = {"Description": 44, "Message": 50, "Procedure Codes": 18, "Requirement": 22}
    _header(ws, RULES_COLUMNS, widths)
    for rule in EXAMPLE_RULES:
        ws.append([rule.get(c, "") for c in RULES_COLUMNS])
    _table(ws, "Rules", len(RULES_COLUMNS), len(EXAMPLE_RULES), "TableStyleMedium7")
    col = {name: i for i, name in enumerate(RULES_COLUMNS, start=1)}
    _validate(ws, f'"{",".join(REQUIREMENT_CHOICES)}"', col["Requirement"], "pick a requirement")
    _validate(ws, '"error,warning,info"', col["Severity"], "error, warning or info")
    _validate(ws, '"Yes,No"', col["Active"], "Yes or No")
    _validate(ws, "PayerList", col["Payer"], "pick a payer (or leave empty for all)")


COVERAGE_COLUMNS = (
    "Patient ID", "Patient Last Name", "Patient First Name", "Patient DOB", "Order", "Payer",
    "Member ID", "Group Number", "Relationship", "Subscriber Last Name", "Subscriber First Name",
)  # fmt: skip
PAYMENT_COLUMNS = ("Date", "Patient ID", "Patient", "Amount", "Method", "Reference")


def _coverage(ws: Worksheet) -> None:
    """Each patient's plans after the primary (the primary is on the Encounters rows)."""
    _header(ws, COVERAGE_COLUMNS)
    _table(ws, "Coverage", len(COVERAGE_COLUMNS), 0, "TableStyleMedium4")
    col = {name: i for i, name in enumerate(COVERAGE_COLUMNS, start=1)}
    for name in ("Patient ID", "Member ID", "Group Number"):
        ws.column_dimensions[get_column_letter(col[name])].number_format = "@"
    _validate(ws, '"Secondary,Tertiary"', col["Order"], "Secondary or Tertiary")
    _validate(ws, "PayerList", col["Payer"], "pick a payer from the Payers sheet")
    _validate(ws, '"Self,Spouse,Child,Other"', col["Relationship"],
              "the patient's relationship to this plan's subscriber")  # fmt: skip


def _patient_payments(ws: Worksheet) -> None:
    """What patients paid at the desk, by mail or online (the statements subtract them)."""
    _header(ws, PAYMENT_COLUMNS, {"Patient": 28})
    _table(ws, "PatientPayments", len(PAYMENT_COLUMNS), 0, "TableStyleMedium4")
    ws.column_dimensions["B"].number_format = "@"
    _validate(ws, '"Cash,Check,Card,Online"', 5, "how the patient paid")


def _lists(wb: Workbook, ws: Worksheet) -> None:
    ws.append(["Place of Service", "Name", "", "Claim Filing Indicator", "Meaning"])
    places = sorted(places_of_service().values(), key=lambda p: p.code)
    for i, place in enumerate(places, start=2):
        ws.cell(row=i, column=1, value=place.code).number_format = "@"
        ws.cell(row=i, column=2, value=place.name)
    for i, (code, meaning) in enumerate(FILING_INDICATORS, start=2):
        ws.cell(row=i, column=4, value=code).number_format = "@"
        ws.cell(row=i, column=5, value=meaning)
    ws.column_dimensions["B"].width = 50
    ws.column_dimensions["E"].width = 30
    ws.sheet_state = "hidden"
    names = {
        "POSList": f"Lists!$A$2:$A${len(places) + 1}",
        "CFIList": f"Lists!$D$2:$D${len(FILING_INDICATORS) + 1}",
        "PayerList": "Payers!$A$2:$A$500",
    }
    for name, ref in names.items():
        wb.defined_names[name] = DefinedName(name, attr_text=ref)
