"""The demo end to end: what the run reports matches what the generator meant.

One run of 400 encounters (module fixture) is checked against the generator's answer key:
every seeded mistake found and held, the suggested diagnoses, each claim's reconciliation
status, the reversal, split and interest, and deposits = claim payments - PLB to the cent.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from addin.demo import DemoResult, run_demo
from addin.remit.load import read_remittance_file
from addin.sheets import RESULT_SHEETS
from addin.x12.x835 import read_remittances
from addin.x12.x835_models import check_balance
from addin.x12.x837p.reader import read_837p

SIZE = 400


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    data_dir = tmp_path_factory.mktemp("demo-data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CLAIMBOOK_DATA_DIR", str(data_dir))
        return run_demo(tmp_path_factory.mktemp("demo"), encounters=SIZE)


@pytest.fixture(scope="module")
def key(demo: DemoResult) -> dict[str, Any]:
    return demo.inputs.answer_key()


def test_every_seeded_mistake_is_found_and_held(demo: DemoResult, key: dict[str, Any]) -> None:
    mistakes = key["mistakes"]
    assert len(mistakes) >= 14  # every kind at least once
    assert {m["rule"] for m in mistakes} >= {"ICD-BILLABLE", "ICD-VINTAGE", "NPI-CHECKDIGIT"}
    errors = [f for f in demo.run.findings if f.severity == "error"]
    found = {(f.rule, f.encounter_id) for f in errors} | {
        (f.rule, row) for f in errors for row in [f.row]
    }
    missed = [
        m
        for m in mistakes
        if (m["rule"], m["encounter_id"]) not in found
        and not any((m["rule"], row) in found for row in m["rows"])
    ]
    assert not missed, missed
    held = {h.encounter_id for h in demo.run.claims.result.held}
    assert held == {m["encounter_id"] for m in mistakes}


def test_no_error_on_an_encounter_without_a_seeded_mistake(
    demo: DemoResult, key: dict[str, Any]
) -> None:
    seeded_rows = {row for m in key["mistakes"] for row in m["rows"]}
    seeded_ids = {m["encounter_id"] for m in key["mistakes"]}
    stray = [
        f
        for f in demo.run.findings
        if f.severity == "error" and f.encounter_id not in seeded_ids and f.row not in seeded_rows
    ]
    assert not stray, stray[:5]


def test_built_claims_are_the_billable_encounters_and_in_the_837p(
    demo: DemoResult, key: dict[str, Any]
) -> None:
    summary = demo.run.summary()
    assert summary["claims_built"] == key["billable"]
    assert summary["claims_held"] == len(key["mistakes"])
    x12 = demo.run.claims.x12_path
    assert x12 is not None and x12.is_file()
    document = read_837p(x12)
    assert len(document.transactions()) >= 1
    terminator = document.interchanges[0].delimiters.segment
    segments = x12.read_text().replace("\n", "").split(terminator)
    clm01 = {s.split("*")[1] for s in segments if s.startswith("CLM*")}
    assert clm01 == set(key["intent"])
    checks = [f for f in demo.run.claims.findings if f.rule.startswith("837P")]
    assert not [f for f in checks if f.severity == "error"]


def test_missing_diagnoses_are_suggested_as_intended(demo: DemoResult, key: dict[str, Any]) -> None:
    suggested = {s.encounter_id: s.codes for s in demo.run.suggested}
    assert suggested == key["suggested"]
    assert demo.run.summary()["findings_before_suggestion"]["error"] > len(key["mistakes"])
    info = [f for f in demo.run.findings if f.rule == "DX-SUGGESTED"]
    assert {f.encounter_id for f in info} == set(key["suggested"])
    sheet = next(t for t in demo.run.tables if t.sheet == "Suggestions")
    assert {row[0] for row in sheet.rows} == set(key["suggested"])
    best = {(row[0], row[5]) for row in sheet.rows if row[4] == 1}
    assert all((e, c) in best for e, codes in key["suggested"].items() for c in codes)


def test_each_claim_reconciles_to_the_intended_status(
    demo: DemoResult, key: dict[str, Any]
) -> None:
    statuses = {c.encounter_id: c.status for c in demo.run.reconciliation.claims}
    assert statuses == key["intent"]
    counts = Counter(statuses.values())
    billable = key["billable"]
    assert 0.05 * billable <= counts["denied"] <= 0.15 * billable
    assert counts["underpaid"] >= 1
    assert counts["corrected"] == 1


def test_denials_carry_the_payers_reasons(demo: DemoResult, key: dict[str, Any]) -> None:
    by_id = {c.encounter_id: c for c in demo.run.reconciliation.claims}
    for encounter_id, reason in key["denial_reasons"].items():
        claim = by_id[encounter_id]
        assert reason in {a.reason for a in claim.adjustments}, encounter_id
    denials = next(t for t in demo.run.tables if t.sheet == "Denials")
    assert len(denials.rows) >= len(key["denial_reasons"])
    # the portal export's contractual lines are write-offs, not denials
    routine = {a.reason for c in demo.run.reconciliation.claims for a in c.adjustments}
    assert "" not in routine


def test_reversal_split_and_interest(demo: DemoResult, key: dict[str, Any]) -> None:
    by_id = {c.encounter_id: c for c in demo.run.reconciliation.claims}
    reversed_claim = by_id[key["reversed"]]
    assert reversed_claim.status == "corrected"
    assert [p.status for p in reversed_claim.payments] == ["1", "22", "1"]
    split = by_id[key["split"]]
    assert split.status == "paid"
    assert len(split.payer_claim_numbers) == 2
    assert split.paid == sum((p.paid for p in split.payments), Decimal(0))
    interest = by_id[key["interest"]]
    assert interest.interest > 0
    plb = demo.run.reconciliation.provider_adjustments
    assert {p.reason for p in plb} == {"L6", "WO"}


def test_deposits_equal_payments_plus_plb(demo: DemoResult, key: dict[str, Any]) -> None:
    summary = demo.run.summary()
    assert summary["difference"] == "0.00"
    assert summary["unmatched"] == 0
    assert summary["deposits"] == key["deposits"]
    assert summary["claims_paid"] == key["claims_paid"]
    # from the files themselves: sum of BPR02 = sum of CLP04 - sum of PLB
    bpr = clp = plb = Decimal(0)
    for path in demo.inputs.remittances:
        for rem in read_remittance_file(path):
            bpr += rem.payment_amount
            clp += sum((c.paid for c in rem.claims), Decimal(0))
            plb += sum((p.amount for p in rem.provider_adjustments), Decimal(0))
    assert bpr == clp - plb == Decimal(key["deposits"])
    assert all(t.balanced for t in demo.run.reconciliation.transactions)


def test_835_files_balance_at_every_level(demo: DemoResult) -> None:
    files = [p for p in demo.inputs.remittances if p.suffix == ".835"]
    assert len(files) >= 10
    for path in files:
        for txn in read_remittances(path):
            report = check_balance(txn)
            assert report.balanced, (path.name, report.messages)


def test_generated_835_files_pass_pyx12(demo: DemoResult) -> None:
    helper = str(Path(__file__).parents[1] / "x12")  # the 837P tests' pyx12 runner
    sys.path.insert(0, helper)
    try:
        from x837p_pyx12 import pyx12_errors
    finally:
        sys.path.remove(helper)

    files = [p for p in demo.inputs.remittances if p.suffix == ".835"][:8]
    for path in files:
        # pyx12's remark-code list lacks MA15 (claim separated), which the split needs
        errors = [e for e in pyx12_errors(path.read_text()) if "(MA15)" not in e]
        assert not errors, (path.name, errors[:3])


def test_output_workbook_has_every_result_sheet_filled(demo: DemoResult) -> None:
    output = demo.run.output
    assert output is not None and output.is_file()
    book = CalamineWorkbook.from_path(str(output))
    for sheet in RESULT_SHEETS:
        rows = book.get_sheet_by_name(sheet).to_python()
        assert len(rows) > 1, sheet
    # the user's sheets are still there, unchanged in size
    encounters = book.get_sheet_by_name("Encounters").to_python()
    assert len(encounters) == 1 + sum(len(e.lines) for e in demo.inputs.demo.encounters)
    assert demo.inputs.workbook.is_file()
    # openpyxl is strict about the package's XML: a stand-in for "Excel opens it"
    opened = openpyxl.load_workbook(output)
    assert set(RESULT_SHEETS) <= set(opened.sheetnames)


def test_summary_json_on_disk(demo: DemoResult, key: dict[str, Any]) -> None:
    assert demo.run.output is not None
    saved = json.loads((demo.run.output.parent / "summary.json").read_text())
    assert saved["claims_built"] == key["billable"]
    assert set(saved["aging"]) == {"0-30", "31-60", "61-90", "91-120", "120+", "total"}
    total = sum(Decimal(v) for k, v in saved["aging"].items() if k != "total")
    assert total == Decimal(saved["aging"]["total"]) > 0


@pytest.mark.libreoffice
def test_output_workbook_opens_in_libreoffice(demo: DemoResult, tmp_path: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed; `make sysdeps` installs it")
    assert demo.run.output is not None
    source = tmp_path / "results.xlsx"
    shutil.copy(demo.run.output, source)
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path}/lo", "--headless",
         "--convert-to", "ods", "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    converted = tmp_path / "results.ods"
    assert converted.is_file() and converted.stat().st_size > 10_000
    sheets = CalamineWorkbook.from_path(str(converted)).sheet_names
    assert set(RESULT_SHEETS) <= set(sheets)


def test_dashboard_has_its_charts_in_the_workbook(demo: DemoResult) -> None:
    dashboard = next(t for t in demo.run.tables if t.sheet == "Dashboard")
    assert len(dashboard.charts) >= 3
    for chart in dashboard.charts:
        assert dashboard.rows[chart.first_row : chart.last_row]
    assert demo.run.output is not None
    with zipfile.ZipFile(demo.run.output) as package:
        charts = [n for n in package.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == len(dashboard.charts)
