"""Writing an 837P a payer accepts: what X12 cannot carry is a finding on the biller's cell,
the encounter is held, and every file written passes pyx12.

The cases are issue 17's "Measured" ones for writing X12 (an Arabic, Hebrew or Chinese
patient name; a 35-character city; Units or Charge of 10^15 and 1e308; a patient sex of X),
and their neighbours, run through a workbook as a biller would.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from clinic_sample import SETTINGS, write_clinic
from x837p_pyx12 import pyx12_errors

from addin import runs
from addin.errors import OutputError
from addin.runs.claims import ClaimsReport, claims_table_for
from addin.x12.envelope import ControlNumbers
from addin.x12.x837p.writer import write_837p

# Aliases on purpose: findings must name the column as the workbook writes it.
HEADERS = [
    "Encounter ID", "Last Name", "First Name", "DOB", "Sex", "Address", "City", "State", "ZIP",
    "Payer", "Member ID", "Relationship", "Subscriber Last Name", "Subscriber First Name",
    "Subscriber DOB", "Subscriber Sex", "Rendering NPI", "Place of Service",
    "Date of Service", "Dx 1", "Procedure Code", "Units", "Charge", "Dx Pointer",
]  # fmt: skip
COLUMN = {h: i for i, h in enumerate(HEADERS)}


def row(encounter: str, **cells: Any) -> list[Any]:
    values: dict[str, Any] = {
        "Encounter ID": encounter, "Last Name": "Garcia", "First Name": "Maria",
        "DOB": "1980-05-17", "Sex": "F", "Address": "12 Oak Ave", "City": "Springfield",
        "State": "IL", "ZIP": "62704", "Payer": "Aetna", "Member ID": f"W{encounter}",
        "Relationship": "Self", "Rendering NPI": "1987654328", "Place of Service": "11",
        "Date of Service": "2026-03-04", "Dx 1": "J06.9", "Procedure Code": "99213",
        "Units": 1, "Charge": 125, "Dx Pointer": "1",
    }  # fmt: skip
    values.update(cells)
    return [values.get(h, "") for h in HEADERS]


def run(tmp_path: Path, rows: list[list[Any]], settings: dict[str, str] = SETTINGS) -> ClaimsReport:
    book = write_clinic(tmp_path / "clinic.xlsx", HEADERS, rows, settings)
    inputs = runs.Inputs(x12_dir=tmp_path, scrub=False, created=datetime(2026, 3, 10, 9, 0))
    outcome = runs.claims(book, inputs, today=date(2026, 3, 10))
    assert outcome.claims is not None
    return outcome.claims


def written(result: ClaimsReport) -> str:
    assert result.x12_path is not None, [f.message for f in result.findings if f.blocking]
    text = result.x12_path.read_text("ascii")
    assert pyx12_errors(text) == [], "every 837P Claimbook writes passes pyx12"
    return text


def status(result: ClaimsReport) -> dict[str, str]:
    """Encounter ID -> built (in the 837P) or held (by the scrubber or the 837P checks)."""
    sent = {c.encounter_id for c in result.sent}
    out = {
        c.encounter_id: "built" if c.encounter_id in sent else "held" for c in result.result.claims
    }
    return out | {h.encounter_id: "held" for h in result.result.held}


@pytest.mark.parametrize(
    ("last", "first", "script"),
    [("محمد", "Ali", "Arabic"), ("כהן", "Dana", "Hebrew"), ("王", "李", "Chinese")],
)
def test_a_name_x12_cannot_carry_is_a_finding_on_its_cell(
    tmp_path: Path, last: str, first: str, script: str
) -> None:
    result = run(tmp_path, [row("A1"), row("A2", **{"Last Name": last, "First Name": first})])
    assert status(result) == {"A1": "built", "A2": "held"}
    (finding,) = [
        f for f in result.findings if f.rule == "X12-NAME-SCRIPT" and f.column == "Last Name"
    ]
    assert (finding.severity, finding.sheet, finding.row) == ("error", "Encounters", 3)
    assert finding.value == last and finding.encounter_id == "A2"
    assert script in finding.message and "Latin" in (finding.fix or "")
    text = written(result)
    assert "NM1*IL*1**" not in text and "CLM*A2*" not in text  # never an empty NM103
    # and no second finding for the empty element that name would have become
    assert not [f for f in result.findings if f.rule == "X12-REQUIRED"]


def test_accented_latin_is_spelled_in_a_to_z_and_said(tmp_path: Path) -> None:
    result = run(tmp_path, [row("A1", **{"Last Name": "Núñez-Øster", "First Name": "Zoë"})])
    assert status(result) == {"A1": "built"}
    text = written(result)
    assert "NM1*IL*1*NUNEZ-OSTER*ZOE" in text
    warnings = [f for f in result.findings if f.rule == "X12-NAME-CHARS"]
    assert {f.column for f in warnings} == {"Last Name", "First Name"}
    assert all(f.severity == "warning" and f.row == 2 for f in warnings)
    assert "'NUNEZ-OSTER'" in warnings[0].message or "'NUNEZ-OSTER'" in warnings[1].message


def test_a_city_over_30_characters_is_held_on_its_cell(tmp_path: Path) -> None:
    city = "Llanfairpwllgwyngyllgogerychwyrnd"  # 33 characters
    result = run(tmp_path, [row("A1"), row("A2", City=city + "ro")])
    assert status(result) == {"A1": "built", "A2": "held"}
    (finding,) = [f for f in result.findings if f.encounter_id == "A2"]
    assert (finding.rule, finding.sheet, finding.row, finding.column) == (
        "X12-LENGTH", "Encounters", 3, "City"
    )  # fmt: skip
    assert "30" in finding.message and "N401" in finding.message
    assert "CLM*A2*" not in written(result)


@pytest.mark.parametrize(
    ("column", "value"),
    [("Units", 10**15), ("Units", 1e308), ("Charge", 10**15)],
    ids=["units 10^15", "units 1e308", "charge 10^15"],
)
def test_huge_units_or_charge_never_reach_the_file(tmp_path: Path, column: str, value: Any) -> None:
    result = run(tmp_path, [row("A1"), row("A2", **{column: value})])
    assert status(result) == {"A1": "built", "A2": "held"}
    # caught when the cell is read (READ-UNITS, READ-CHARGE), or at the latest by the 837P's
    # element limits (X12-VALUE, X12-LENGTH): a finding on the cell either way
    held = [f for f in result.findings if f.blocking and f.row == 3]
    assert held and {f.column for f in held} == {column}
    assert all(f.sheet == "Encounters" for f in held)
    assert all(f.rule in ("X12-VALUE", "X12-LENGTH") or f.rule.startswith("READ-") for f in held)
    text = written(result)
    assert max(len(e) for seg in text.split("~") for e in seg.split("*")) < 40  # no 309 digits


def test_every_reason_reaches_the_claims_table(tmp_path: Path) -> None:
    result = run(tmp_path, [row("A1"), row("A2", City="X" * 31)])
    rows = [r for r in claims_table_for(result).rows if "A2" in [str(v) for v in r]]
    assert rows and any("Not sent" in [str(v) for v in r] for r in rows)
    assert any("N401" in str(v) for r in rows for v in r)


def test_an_empty_sex_is_sent_as_u_and_said(tmp_path: Path) -> None:
    result = run(tmp_path, [row("A1", Sex="")])
    assert "DMG*D8*19800517*U~" in written(result)
    (finding,) = [f for f in result.findings if f.rule == "X12-SEX-UNKNOWN"]
    assert (finding.severity, finding.column, finding.row) == ("warning", "Sex", 2)


def test_sex_x_is_a_finding_that_says_what_5010_allows(tmp_path: Path) -> None:
    result = run(tmp_path, [row("A1", Sex="X")])
    findings = [f for f in result.findings if f.column == "Sex" and f.blocking]
    assert findings and "F" in findings[0].message and "U" in findings[0].message
    assert status(result) == {"A1": "held"}


def test_a_subscriber_name_held_for_every_claim_it_is_sent_on(tmp_path: Path) -> None:
    child = {
        "Relationship": "Child", "Member ID": "WSHARED", "Subscriber Last Name": "כהן",
        "Subscriber First Name": "Dan", "Subscriber DOB": "1983-01-22", "Subscriber Sex": "M",
    }  # fmt: skip
    rows = [
        row("A1"),
        row("A2", **child, **{"First Name": "Noa", "Last Name": "Cohen"}),
        row("A3", **child, **{"First Name": "Eli", "Last Name": "Cohen"}),
    ]
    result = run(tmp_path, rows)
    assert status(result) == {"A1": "built", "A2": "held", "A3": "held"}
    rows_found = sorted(
        f.row for f in result.findings if f.rule == "X12-NAME-SCRIPT" and f.row is not None
    )
    assert rows_found == [3, 4]
    written(result)


def test_a_settings_value_holds_the_file_with_a_finding_on_settings(tmp_path: Path) -> None:
    settings = {**SETTINGS, "Billing City": "Llanfairpwllgwyngyllgogerychwyrndrob"}
    result = run(tmp_path, [row("A1")], settings)
    assert result.x12_path is None and not list(tmp_path.glob("*.837"))
    (finding,) = [f for f in result.findings if f.rule == "X12-LENGTH"]
    assert finding.sheet == "Settings" and finding.column == "Billing City"
    assert finding.row == list(SETTINGS).index("Billing City") + 1


def test_the_library_writer_refuses_rather_than_cutting_a_name(tmp_path: Path) -> None:
    result = run(tmp_path, [row("A1")])
    claim = result.result.claims[0]
    patient = claim.patient.model_copy(update={"last_name": "محمد"})
    bad = claim.model_copy(update={"patient": patient, "subscriber": patient})
    with pytest.raises(OutputError, match="Arabic"):
        write_837p([bad], SETTINGS, tmp_path / "x.837", numbers=ControlNumbers(7, 7, 7))
    assert not (tmp_path / "x.837").exists()
