"""``claimbook archive`` and ``claimbook report``: registers into Parquet, answers by DuckDB."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from addin.archive.queries import Archive
from addin.archive.store import archive_folder
from addin.cli import app
from addin.demo import DemoResult

runner = CliRunner()


def _rows(book: Path, sheet: str) -> list[list[object]]:
    rows = CalamineWorkbook.from_path(str(book)).get_sheet_by_name(sheet).to_python()
    return [r for r in rows[1:] if any(v not in ("", None) for v in r)]


def test_archive_holds_every_register_row_once_and_again_adds_nothing(
    clinics: tuple[Path, DemoResult, DemoResult], tmp_path: Path
) -> None:
    root, north, south = clinics
    store = tmp_path / "archive"
    _, first, _ = archive_folder(root, store, now=datetime(2026, 11, 1, 9))
    assert sorted(c.clinic for c in first) == ["north-riverbend-clinic", "south-riverbend-clinic"]
    for done in first:
        assert done.error is None
        book = done.workbook
        assert done.added["claims"] == len(_rows(book, "Claim Register"))
        assert done.added["payments"] == len(_rows(book, "Remittance Register"))
        assert done.added["acknowledgments"] == len(_rows(book, "Acknowledgments"))
        assert done.added["service_payments"] == len(_rows(book, "Remittance"))
        assert done.added["denials"] == len(_rows(book, "Denials"))
        assert done.added["adjustments"] > done.added["service_payments"] // 2
    parquet = sorted(store.rglob("*.parquet"))
    assert any("clinic=north-riverbend-clinic/month=2026-07" in str(p) for p in parquet)
    _, again, _ = archive_folder(root, store, now=datetime(2026, 11, 2, 9))
    assert all(sum(c.added.values()) == 0 for c in again)
    assert sorted(store.rglob("*.parquet")) == parquet  # not a file more
    with Archive(store) as archive:
        payments = archive.sql("SELECT count(*) AS n, count(DISTINCT key) AS k FROM payments")
        assert payments[0]["n"] == payments[0]["k"] == sum(c.added["payments"] for c in first)


def test_a_changed_work_status_is_a_new_version_and_the_newest_is_read(
    clinics: tuple[Path, DemoResult, DemoResult], tmp_path: Path
) -> None:
    root, north, _ = clinics
    folder = tmp_path / "one"
    shutil.copytree(north.out, folder, ignore=shutil.ignore_patterns("inputs"))
    store = tmp_path / "archive"
    archive_folder(folder, store, now=datetime(2026, 11, 1, 9))
    book = next(folder.glob("*.xlsx"))
    wb = load_workbook(book)
    ws = wb["Denials"]
    headers = [c.value for c in ws[1]]
    claim = ws.cell(row=2, column=headers.index("Claim ID") + 1).value
    ws.cell(row=2, column=headers.index("Work Status") + 1).value = "Appealed"
    wb.save(book)
    _, done, _ = archive_folder(folder, store, now=datetime(2026, 11, 8, 9))
    assert done[0].added["denials"] == 1 and done[0].added["payments"] == 0
    with Archive(store) as archive:
        rows = archive.sql(
            "SELECT work_status FROM denials WHERE claim_id = $c AND source = '835'"
            " AND check_eft = (SELECT check_eft FROM denials WHERE claim_id = $c LIMIT 1)",
            {"c": claim},
        )
        assert [r["work_status"] for r in rows] == ["Appealed"]


def test_the_answers_agree_with_the_workbooks(
    clinics: tuple[Path, DemoResult, DemoResult], tmp_path: Path
) -> None:
    root, north, south = clinics
    store = tmp_path / "archive"
    archive_folder(root, store)
    outcomes = [r for d in (north, south) for r in _rows(d.ledger, "Reconciliation")]
    adjudicated = [r for r in outcomes if r[1] and r[14] != "pending"]
    underpaid = [r for r in outcomes if r[14] == "underpaid"]
    with Archive(store) as archive:
        by_payer = archive.denial_rate_by_payer()
        assert sum(r["claims"] for r in by_payer) == len(adjudicated)
        assert all(0 <= r["denial_rate"] <= 1 for r in by_payer)
        short = sum((r["short"] for r in archive.underpayment_by_payer()), Decimal(0))
        expected = sum(-Decimal(str(r[12])) for r in underpaid)  # Variance, negated
        assert short == expected.quantize(Decimal("0.01"))
        assert short == sum(
            Decimal(d.summary()["statuses"]["underpaid"]["short"]) for d in (north, south)
        )
        days = archive.days_to_pay_by_payer()
        assert days and all(0 < r["average_days"] < 120 for r in days)
        passes = {r["clinic"]: r for r in archive.first_pass_by_clinic()}
        assert set(passes) == {"north-riverbend-clinic", "south-riverbend-clinic"}
        for row in passes.values():
            assert 0 < row["clean_claim_rate"] < 1 and 0 < row["first_pass_resolution_rate"] < 1
        reasons = archive.denial_rate_by_reason()
        assert reasons and all(r["reason"][:2] in ("CO", "PR", "OA", "PI", "CR") for r in reasons)
        procedures = archive.denial_rate_by_procedure()
        assert sum(r["denied"] for r in procedures) > 0
        pending = [r for r in outcomes if r[14] == "pending"]
        ar = archive.ar_by_clinic()
        assert sum(r["claims"] for r in ar) == len(pending)
        assert sum((r["total"] for r in ar), Decimal(0)) == sum(
            (Decimal(str(r[5])) for r in pending), Decimal(0)
        ).quantize(Decimal("0.01"))


def test_the_commands_archive_and_report(
    clinics: tuple[Path, DemoResult, DemoResult], tmp_path: Path
) -> None:
    root, _, _ = clinics
    store = tmp_path / "archive"
    first = runner.invoke(app, ["archive", str(root), "--to", str(store), "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["added"]["claims"] > 0
    again = runner.invoke(app, ["archive", str(root), "--to", str(store)])
    assert again.exit_code == 0 and "0 new row(s)" in again.stdout
    out = tmp_path / "report.xlsx"
    shown = runner.invoke(app, ["report", str(store), "--out", str(out), "--json"])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    with Archive(store) as archive:
        assert data["denial_rate_by_payer"] == json.loads(
            json.dumps(archive.denial_rate_by_payer(), default=str)
        )
    wb = load_workbook(out)
    assert wb.sheetnames[0] == "About" and len(wb.sheetnames) == 8
    assert all(len(wb[name]._charts) == 1 for name in wb.sheetnames[1:])  # noqa: SLF001
    table = runner.invoke(app, ["report", str(store), "--out", str(out)])
    assert table.exit_code == 0 and "Denial rate by payer" in table.stdout
    missing = runner.invoke(app, ["report", str(tmp_path / "nowhere")])
    assert missing.exit_code == 2 and "no archive here" in missing.output


@pytest.mark.libreoffice
def test_libreoffice_opens_the_report(
    clinics: tuple[Path, DemoResult, DemoResult], tmp_path: Path
) -> None:
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None:
        pytest.skip("LibreOffice (soffice) is not installed; `make sysdeps` installs it")
    root, _, _ = clinics
    store = tmp_path / "archive"
    archive_folder(root, store)
    out = tmp_path / "report.xlsx"
    assert runner.invoke(app, ["report", str(store), "--out", str(out)]).exit_code == 0
    done = subprocess.run(
        [binary, f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless",
         "--norestore", "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir",
         str(tmp_path / "lo"), str(out)],
        capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    resaved = load_workbook(tmp_path / "lo" / "report.xlsx")
    assert "Denials by Payer" in resaved.sheetnames
    assert sum(len(resaved[n]._charts) for n in resaved.sheetnames) == 7  # noqa: SLF001
