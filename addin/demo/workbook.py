"""The demo clinic's workbook: Encounters (one row per service line) and its config sheets."""

from __future__ import annotations

import warnings
from decimal import Decimal
from pathlib import Path
from typing import Any

from addin.demo import data
from addin.demo.data import contract_rate
from addin.demo.generate import DemoData
from addin.models import RULES_COLUMNS

ENCOUNTER_COLUMNS: tuple[str, ...] = (
    "Encounter ID", "Patient ID", "Patient Last Name", "Patient First Name", "Patient DOB",
    "Patient Sex", "Patient Address", "Patient City", "Patient State", "Patient ZIP", "Payer",
    "Member ID", "Group Number", "Relationship", "Subscriber Last Name",
    "Subscriber First Name", "Subscriber DOB", "Subscriber Sex", "Rendering NPI",
    "Place of Service", "Date of Service", "Dx 1", "Dx 2", "Dx 3", "Diagnosis Text",
    "Procedure Code", "Modifier 1", "Modifier 2", "Units", "Charge", "Dx Pointer",
    "Prior Authorization", "Claim Frequency",
)  # fmt: skip
TEXT_COLUMNS = frozenset(
    {"Encounter ID", "Patient ID", "Patient ZIP", "Member ID", "Group Number", "Rendering NPI",
     "Place of Service", "Dx 1", "Dx 2", "Dx 3", "Procedure Code", "Modifier 1", "Modifier 2",
     "Dx Pointer", "Claim Frequency", "Prior Authorization"}
)  # fmt: skip


def encounter_rows(demo: DemoData) -> list[dict[str, Any]]:
    """The Encounters sheet as dicts by canonical header, one per service line; sets ``rows``."""
    rows: list[dict[str, Any]] = []
    for enc in demo.encounters:
        p = enc.patient
        base: dict[str, Any] = {
            "Encounter ID": enc.encounter_id,
            "Patient ID": p.patient_id,
            "Patient Last Name": p.last,
            "Patient First Name": p.first,
            "Patient DOB": p.dob,
            "Patient Sex": p.sex,
            "Patient Address": p.address,
            "Patient City": p.city,
            "Patient State": p.state,
            "Patient ZIP": p.zip,
            "Payer": enc.payer,
            "Member ID": p.member_id,
            "Group Number": p.group,
            "Relationship": p.relationship,
            "Rendering NPI": enc.rendering_npi,
            "Place of Service": enc.pos,
            "Date of Service": enc.dos,
            "Diagnosis Text": "; ".join(text for _, text in enc.diagnoses),
            "Prior Authorization": enc.prior_auth,
            "Claim Frequency": "1",
        }
        if p.subscriber:
            base["Subscriber Last Name"], base["Subscriber First Name"] = p.subscriber[:2]
            base["Subscriber DOB"], base["Subscriber Sex"] = p.subscriber[2:]
        if not enc.suggested:
            for n, code in enumerate(enc.typed_dx, start=1):
                base[f"Dx {n}"] = code
        units_override = enc.overrides.get("Units")
        base.update({k: v for k, v in enc.overrides.items() if k != "Units"})
        enc.rows = []
        for i, line in enumerate(enc.lines):
            row = dict(base)
            row["Procedure Code"] = line.code
            for n, modifier in enumerate(line.modifiers[:2], start=1):
                row[f"Modifier {n}"] = modifier
            row["Units"] = units_override if units_override is not None and i == 0 else line.units
            row["Charge"] = line.charge
            row["Dx Pointer"] = line.pointers
            enc.rows.append(len(rows) + 2)  # header on row 1
            rows.append(row)
    return rows


def write_workbook(demo: DemoData, path: Path) -> Path:
    """The clinic workbook: Instructions, Encounters (an Excel Table), Settings, Payers,
    Fees, Rules, Contracts. Codes, ZIPs and NPIs are text cells, dates are dates, money has cents.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.worksheet.filters import AutoFilter
    from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

    rows = encounter_rows(demo)
    # write-only mode: the encounters sheet is ~5,000 rows and this is 5x faster
    wb = Workbook(write_only=True)

    def cells(ws: Any, values: list[Any], formats: dict[int, str]) -> list[Any]:
        out = list(values)
        for i, fmt in formats.items():
            if values[i] is not None:
                out[i] = cell = WriteOnlyCell(ws, value=values[i])
                cell.number_format = fmt
        return out

    about = wb.create_sheet("Instructions")
    for line in (
        data.CLINIC_NAME,
        "Synthetic data made by `claimbook demo`: no real patient, provider or payer.",
        "Encounters: one row per service line; rows with the same Encounter ID are a claim.",
        "Settings, Payers, Fees and Contracts configure the clinic; change rows, not code.",
    ):
        about.append([line])
    enc = wb.create_sheet("Encounters")
    enc.freeze_panes = "A2"
    formats: dict[int, str] = {}
    for i, header in enumerate(ENCOUNTER_COLUMNS):
        if header in TEXT_COLUMNS:
            formats[i] = "@"
        elif header == "Charge":
            formats[i] = "#,##0.00"
    enc.append(list(ENCOUNTER_COLUMNS))
    for row in rows:
        values = [_cell(column, row.get(column)) for column in ENCOUNTER_COLUMNS]
        typed = {i: f for i, f in formats.items() if f != "@" or isinstance(values[i], str)}
        enc.append(cells(enc, values, typed))
    last = _letter(len(ENCOUNTER_COLUMNS))
    table = Table(displayName="Encounters", ref=f"A1:{last}{len(rows) + 1}")
    table.tableColumns = [TableColumn(id=i, name=h) for i, h in enumerate(ENCOUNTER_COLUMNS, 1)]
    table.autoFilter = AutoFilter(ref=table.ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    with warnings.catch_warnings():  # openpyxl warns in write-only mode even with columns set
        warnings.simplefilter("ignore", UserWarning)
        enc.add_table(table)
    settings = wb.create_sheet("Settings")
    settings.append(["Setting", "Value"])
    for key, value in demo.settings.items():
        settings.append(cells(settings, [key, value], {1: "@"}))
    payers = wb.create_sheet("Payers")
    payers.append(["Payer", "Payer ID", "Claim Filing Indicator", "Sends 835"])
    for p in data.PAYERS:
        payers.append([p.name, p.payer_id, p.filing, "yes" if p.era else "no (portal export)"])
    money = {0: "@", 2: "#,##0.00"}
    fees = wb.create_sheet("Fees")
    fees.append(["Code", "Modifier", "Charge"])
    for code, (charge, _) in sorted(data.FEES.items()):
        fees.append(cells(fees, [code, None, charge], money))
    rules = wb.create_sheet("Rules")
    rules.append(list(RULES_COLUMNS))
    for rule in data.RULES:
        rules.append([rule.get(column) or None for column in RULES_COLUMNS])
    contracts = wb.create_sheet("Contracts")
    contracts.append(["Payer", "Code", "Modifier", "Allowed"])
    for p in data.PAYERS:
        for code in sorted(data.FEES):
            contracts.append(
                cells(contracts, [p.name, code, None, contract_rate(p, code)],
                      {1: "@", 3: "#,##0.00"})
            )  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _letter(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell(column: str, value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal) and column == "Units":
        return int(value) if value == value.to_integral_value() else float(value)
    return value
