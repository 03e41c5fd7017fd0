"""``claimbook claims``: a workbook in, a Claims sheet and an 837P out (through CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from clinic_sample import write_clinic
from typer.testing import CliRunner

from addin.cli import app
from addin.x12.x837p.checks import check_837p
from addin.x12.x837p.reader import read_837p

ENC_HEADERS = [
    "Encounter ID", "Patient Last Name", "Patient First Name", "Patient DOB", "Patient Sex",
    "Patient Address", "Patient City", "Patient State", "Patient ZIP", "Payer", "Member ID",
    "Relationship", "Subscriber Last Name", "Subscriber First Name", "Subscriber DOB",
    "Subscriber Sex", "Rendering NPI", "Place of Service", "Date of Service", "Dx 1", "Dx 2",
    "Procedure Code", "Modifier 1", "Units", "Charge", "Dx Pointer",
]  # fmt: skip
PATIENT = ["Garcia", "Maria", "1980-05-17", "F", "12 Oak Ave", "Springfield", "IL", "62704"]
ROWS = [
    ["V1", *PATIENT, "Aetna", "W1", "Self", "", "", "", "", "1987654328", "11", "2026-03-04",
     "E11.9", "I10", "99213", "25", 1, 125, "1,2"],
    ["V1", *PATIENT, "Aetna", "W1", "Self", "", "", "", "", "1987654328", "11", "2026-03-04",
     "E11.9", "I10", "36415", "", 1, 12.5, "1"],
    ["V2", "Lee", "Ethan", "2015-07-09", "M", "12 Oak Ave", "Springfield", "IL", "62704",
     "Aetna", "W2", "Child", "Lee", "Daniel", "1983-01-22", "M", "1987654328", "02",
     "2026-03-05", "Z00.129", "", "99393", "95", 1, 150, "1"],
    ["V3", *PATIENT, "Nobody Insurance", "W3", "Self", "", "", "", "", "1987654328", "11",
     "2026-03-06", "J06.9", "", "99213", "", 1, 110, "1"],
]  # fmt: skip
SETTINGS = {
    "Billing Provider Name": "Riverside Family Medicine",
    "Billing NPI": "1234567893",
    "Tax ID": "123456789",
    "Taxonomy Code": "207Q00000X",
    "Billing Address": "100 Main St",
    "Billing City": "Springfield",
    "Billing State": "IL",
    "Billing ZIP": "627011234",
    "Submitter Name": "Riverside Family Medicine",
    "Submitter ID": "RFM0001",
    "Submitter Contact": "Jane Biller",
    "Submitter Phone": "2175550100",
    "Receiver Name": "Availity",
    "Receiver ID": "030240928",
    "Usage Indicator": "T",
    "Provider Names": "1987654328 Nguyen, Linh",
}


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    return write_clinic(tmp_path / "clinic.xlsx", ENC_HEADERS, ROWS, SETTINGS)


def test_claims_command_json(workbook: Path, tmp_path: Path) -> None:
    x12 = tmp_path / "x12"
    result = CliRunner().invoke(app, ["claims", str(workbook), "--x12-dir", str(x12), "--json"])
    assert result.exit_code == 1, result.output  # V3 is held with an error
    data = json.loads(result.stdout)
    status = {c["encounter_id"]: c["status"] for c in data["claims"]}
    assert status == {"V1": "Sent", "V2": "Sent", "V3": "Held"}
    v1 = next(c for c in data["claims"] if c["encounter_id"] == "V1")
    assert v1["total"] == "137.50" and len(v1["lines"]) == 2
    v3 = next(c for c in data["claims"] if c["encounter_id"] == "V3")
    assert any("Nobody Insurance" in r for r in v3["reasons"])
    assert [r["claim_id"] for r in data["register"]] == ["V1", "V2"]
    path = Path(data["x12"])
    assert path.parent == x12 and path.name == "clinic-000000001.837"
    doc = read_837p(path)
    assert check_837p(doc) == []
    text = path.read_text("ascii")
    assert "PAT*19~" in text and "CLM*V1*137.5***11:B:1" in text
    sheet = openpyxl.load_workbook(workbook)["Claims"]  # written into the workbook itself
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    header = [str(v) for v in values[0] if v is not None]
    statuses = [row[header.index("Status")] for row in values[1:] if row[0]]
    assert statuses.count("Sent") == 3 and statuses.count("Held") == 1
    # a second run bills nothing again and writes no 837P
    again = json.loads(CliRunner().invoke(
        app, ["claims", str(workbook), "--x12-dir", str(x12), "--json"]).stdout)  # fmt: skip
    assert again["x12"] is None and again["already_sent"] == 2
    assert sorted(p.name for p in x12.iterdir()) == ["clinic-000000001.837"]


def test_claims_command_table_and_errors(workbook: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["claims", str(workbook), "--x12-dir", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert "2 claim(s) sent, 1 held; 837P:" in result.stdout and "PAYER-UNKNOWN" in result.stdout
    copy = runner.invoke(app, ["claims", str(workbook), "--out", "x.xlsx"])
    assert copy.exit_code != 0
    missing = runner.invoke(app, ["claims", str(tmp_path / "nope.xlsx")])
    assert missing.exit_code == 2 and "Traceback" not in missing.output


def test_claims_command_exact_x12_path_and_no_check(workbook: Path, tmp_path: Path) -> None:
    target = tmp_path / "send" / "today.837"
    result = CliRunner().invoke(
        app, ["claims", str(workbook), "--x12", str(target), "--no-check", "--json"]
    )
    data = json.loads(result.stdout)
    assert data["x12"] == str(target) and target.is_file()
    findings = data["findings"]
    assert findings and all(f["rule"] != "ICD-BILLABLE" for f in findings)
    assert Path(data["written"]) == workbook


def test_claims_keep_an_unsendable_file_back(workbook: Path, tmp_path: Path) -> None:
    import openpyxl as xl

    from addin import runs

    wb = xl.load_workbook(workbook)
    settings = wb["Settings"]
    for row in settings.iter_rows():
        if row[0].value == "Billing NPI":
            row[1].value = "1234567890"  # fails the NPI check digit
    wb.save(workbook)
    outcome = runs.claims(workbook, runs.Inputs(x12_dir=tmp_path / "x12", scrub=False))
    assert outcome.claims is not None and outcome.claims.result.claims
    assert outcome.claims.write is None and outcome.claims.to_json()["x12"] is None
    assert any(f.rule == "X12-NPI" for f in outcome.findings)
    assert not (tmp_path / "x12").exists() or not any((tmp_path / "x12").iterdir())
    assert outcome.claims.records == []  # nothing went out, so nothing is registered


def test_check_837p_command(tmp_path: Path, shared: Path) -> None:
    runner = CliRunner()
    golden = Path(__file__).resolve().parents[1] / "data" / "x837p" / "golden" / "all.837"
    ok = runner.invoke(app, ["check-837p", str(golden), "--json"])
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.stdout)
    assert data["claims"] == 12 and data["findings"] == []
    corpus = shared / "corpus" / "x12" / "837p"
    bad = runner.invoke(app, ["check-837p", str(corpus / "badx12__X222-encounter.edi")])
    assert bad.exit_code == 1 and "X12-NPI" in bad.stdout and "X12-BILLING-ZIP" in bad.stdout
    refused = runner.invoke(app, ["check-837p", str(corpus / "lfh__demo.837")])
    assert refused.exit_code == 2 and "X222A2" in refused.output
    assert "Traceback" not in refused.output
