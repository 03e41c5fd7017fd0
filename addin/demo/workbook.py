"""The demo clinic's workbook: the clinic template filled with its configuration and visits.

The template comes from ``addin.sheets.template.build_workbook`` (Instructions, Encounters as
an Excel Table with dropdowns, Settings, Payers, Fees, Contracts, Rules, Lists and the result
sheets); the demo puts the demo clinic's rows into its sheets before it is saved. The same
generator makes the committed ``workbooks/claimbook_demo.xlsx``, ``claimbook template
--demo`` and the weekly demo's starting workbook (no visits yet: the biller adds each week's).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from addin.demo import data
from addin.demo.data import contract_rate
from addin.demo.generate import DemoData, DemoEncounter, generate
from addin.models import RULES_COLUMNS
from addin.sheets.template import DATE, DATE_COLUMNS, MONEY, TEXT_COLUMNS, build_workbook

FILING_LIMIT = "Filing Limit (days)"


def rows_for(enc: DemoEncounter) -> list[dict[str, Any]]:
    """The Encounters rows of one visit as the biller types them, by canonical header."""
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
        "Member ID": enc.member_typo or p.member_id,
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
    rows = []
    for i, line in enumerate(enc.lines):
        row = dict(base)
        row["Procedure Code"] = line.code
        for n, modifier in enumerate(line.modifiers[:2], start=1):
            row[f"Modifier {n}"] = modifier
        row["Units"] = units_override if units_override is not None and i == 0 else line.units
        row["Charge"] = line.charge
        row["Dx Pointer"] = line.pointers
        rows.append({k: _cell(k, v) for k, v in row.items() if v is not None and v != ""})
    return rows


def write_workbook(demo: DemoData, path: Path, *, visits: bool = True) -> Path:
    """The clinic template with the demo's payers, fees, contracts, rules and (unless
    ``visits`` is False) its encounters; each encounter's ``rows`` are set.

    openpyxl writes a brand-new file here, never a user's workbook.
    """
    encounters = demo.encounters if visits else []
    rows: list[dict[str, Any]] = []
    for enc in encounters:
        typed = rows_for(enc)
        enc.rows = list(range(len(rows) + 2, len(rows) + 2 + len(typed)))  # header on row 1
        rows.extend(typed)

    def fill(wb: Any) -> None:
        enc = wb["Encounters"]
        headers = [str(c.value) for c in enc[1]]
        _replace(enc, "Encounters", [[_cell(h, row.get(h)) for h in headers] for row in rows])
        payers = wb["Payers"]
        payers.cell(row=1, column=len([c for c in payers[1] if c.value]) + 1, value=FILING_LIMIT)
        _replace(
            payers,
            "Payers",
            [
                [
                    p.name,
                    p.payer_id,
                    p.filing,
                    None,  # Apply NCCI/MUE: the default
                    "sends 835 files" if p.era else "portal export only",
                    data.FILING_LIMITS.get(p.filing),
                ]
                for p in data.ALL_PAYERS
            ],  # fmt: skip
        )
        _replace(wb["Coverage"], "Coverage", [
            [p.patient_id, p.last, p.first, p.dob, "Secondary", second[0], second[1], None,
             second[2], second[3], second[4]]
            for p in _patients_with_second_plans(demo)
            if (second := p.secondary) is not None
        ])  # fmt: skip
        # no descriptions: CPT descriptors are AMA text
        fees = sorted(data.FEES.items())
        _replace(wb["Fees"], "Fees", [[code, None, charge, None] for code, (charge, _) in fees])
        contracts = [
            [p.name, code, None, contract_rate(p, code)] for p in data.PAYERS for code, _ in fees
        ]
        _replace(
            wb["Contracts"],
            "Contracts",
            [
                [*row, f'=IFERROR(D{i}/INDEX(Fees!C$2:C$2000,MATCH(B{i},Fees!A$2:A$2000,0)),"")']
                for i, row in enumerate(contracts, start=2)
            ],
            formulas=("% of Charge",),
        )
        _replace(
            wb["Rules"], "Rules", [[r.get(c) or None for c in RULES_COLUMNS] for r in data.RULES]
        )

    return build_workbook(path, settings=demo.settings, demo=True, fill=fill)


def _patients_with_second_plans(demo: DemoData) -> list[Any]:
    """The panel's patients with a second plan, in patient order (each once)."""
    seen: dict[str, Any] = {}
    for enc in demo.encounters:
        if enc.patient.secondary is not None:
            seen.setdefault(enc.patient.patient_id, enc.patient)
    return sorted(seen.values(), key=lambda p: p.patient_id)


def build_demo_workbook(path: Path, encounters: int = 200, seed: int = data.SEED) -> Path:
    """``claimbook template --demo``: the demo clinic with ``encounters`` synthetic visits."""
    return write_workbook(generate(encounters, seed), path)


def _replace(
    ws: Any, table: str, rows: Sequence[Sequence[Any]], formulas: Sequence[str] = ()
) -> None:
    """Put ``rows`` under the header of ``ws`` in place of the template's, formatted as the
    template formats its columns, and stretch the Excel Table over them."""
    from openpyxl.worksheet.table import TableColumn

    headers = [str(c.value) for c in ws[1] if c.value is not None]
    formats = {
        i: "@" if h in TEXT_COLUMNS or h in ("Code", "Payer ID") else DATE if h in DATE_COLUMNS
        else MONEY if h in ("Charge", "Allowed") else "0.0%" if h == "% of Charge" else None
        for i, h in enumerate(headers, start=1)
    }  # fmt: skip
    if ws.max_row > 1:
        ws.delete_rows(2, ws.max_row - 1)
    for r, values in enumerate(rows, start=2):
        ws.append(list(values))
        for c, fmt in formats.items():
            cell = ws.cell(row=r, column=c)
            if fmt and cell.value is not None:
                cell.number_format = fmt
            if isinstance(cell.value, str) and cell.value.startswith("="):
                if headers[c - 1] not in formulas:
                    cell.data_type = "s"  # typed text, never a formula
    last = ws.cell(row=1, column=len(headers)).column_letter
    found = ws.tables[table]
    found.ref = f"A1:{last}{max(len(rows), 1) + 1}"
    if found.tableColumns and len(found.tableColumns) != len(headers):
        # columns named when the table was made: name them again (openpyxl names them from
        # the header row only when none are set)
        found.tableColumns = [TableColumn(id=i, name=h) for i, h in enumerate(headers, start=1)]
        if found.autoFilter is not None:
            found.autoFilter.ref = found.ref


def _cell(column: str, value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal) and column == "Units":
        return int(value) if value == value.to_integral_value() else float(value)
    return value
