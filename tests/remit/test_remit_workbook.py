"""``claimbook reconcile BOOK.xlsx ERA.835``: claims as sent (the register), five sheets out."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from clinic_sample import ERA, write_clinic
from typer.testing import CliRunner

from addin.cli import app

pytest.importorskip("addin.sheets.writer", reason="the sheets writer is not in this tree")

HEADERS = ["Encounter ID", "Patient Last Name", "Patient First Name", "Patient DOB",
           "Patient Sex", "Payer", "Member ID", "Relationship", "Rendering NPI",
           "Place of Service", "Date of Service", "Dx 1", "Procedure Code", "Modifier 1",
           "Units", "Charge", "Dx Pointer"]  # fmt: skip
PATIENT = ["Garcia", "Maria", "1980-05-17", "F", "Aetna", "W1", "Self", "1987654328", "11"]
ROWS = [
    ["V1", *PATIENT, "2026-03-04", "E11.9", "99213", "", 1, 125, "1"],
    ["V1", *PATIENT, "2026-03-04", "E11.9", "36415", "", 1, 12.5, "1"],
    ["V2", *PATIENT, "2026-01-05", "E11.9", "99214", "", 1, 150, "1"],
]


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    """The clinic, its two visits billed on 2026-03-05 (reconcile matches what was sent)."""
    contracts = [("Aetna", "99213", 100), ("Aetna", "36415", 10)]
    book = write_clinic(tmp_path / "clinic.xlsx", HEADERS, ROWS, contracts=contracts)
    sent = CliRunner().invoke(app, ["claims", str(book), "--no-check", "--today", "2026-03-05"])
    assert sent.exit_code == 0, sent.output
    return book


def test_reconcile_workbook_writes_five_sheets(workbook: Path, tmp_path: Path) -> None:
    era = tmp_path / "era.835"
    era.write_text(ERA)
    out = tmp_path / "out.xlsx"
    args = ["reconcile", str(workbook), str(era), "--out", str(out), "--as-of", "2026-04-30"]
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    by_enc = {c["encounter_id"]: c for c in data["claims"]}
    assert by_enc["V1"]["status"] == "paid"
    assert (by_enc["V1"]["expected"], by_enc["V1"]["variance"]) == ("110.00", "0.00")
    assert by_enc["V2"]["status"] == "denied"
    assert data["totals"]["difference"] == "0.00" and data["written"] == str(out)
    book = openpyxl.load_workbook(out)
    for sheet in ("Remittance", "Reconciliation", "Denials", "Aging", "Dashboard"):
        assert sheet in book.sheetnames
    denials = [[c.value for c in row] for row in book["Denials"].iter_rows()]
    flat = " ".join(str(v) for row in denials for v in row if v is not None)
    assert "CO-197" in flat and "authorization" in flat
    aging = [[c.value for c in row] for row in book["Aging"].iter_rows()]
    header = [str(v) for v in aging[0]]
    first = dict(zip(header, aging[1], strict=False))
    # V2's 150.00 is aged from the day it was sent (56 days), not from its date of service
    assert first["Payer"] == "Aetna" and float(first["31-60"]) == 150.0
    assert "Encounters" in book.sheetnames  # the user's sheets are kept
    with zipfile.ZipFile(out) as zf:
        charts = sorted(n for n in zf.namelist() if n.startswith("xl/charts/chart"))
        assert len(charts) == 3  # aging, denials by reason, paid vs expected
        xml = " ".join(zf.read(n).decode() for n in charts)
    assert "Dashboard" in xml and "Denied amount by reason" in xml


@pytest.mark.libreoffice
def test_dashboard_charts_survive_libreoffice(workbook: Path, tmp_path: Path) -> None:
    """LibreOffice opens the result and keeps the three Dashboard charts when it re-saves."""
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None:
        pytest.skip("LibreOffice (soffice) is not installed; `make sysdeps` installs it")
    era = tmp_path / "era.835"
    era.write_text(ERA)
    out = tmp_path / "out.xlsx"
    args = ["reconcile", str(workbook), str(era), "--out", str(out), "--as-of", "2026-04-30"]
    assert CliRunner().invoke(app, args).exit_code == 0
    lo_dir = tmp_path / "lo"
    profile = tmp_path / "lo-profile"
    done = subprocess.run(
        [binary, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(lo_dir), str(out)],
        capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(lo_dir / "out.xlsx") as zf:
        charts = [n for n in zf.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 3


def test_reconcile_in_place_keeps_a_backup(workbook: Path, tmp_path: Path) -> None:
    era = tmp_path / "era.835"
    era.write_text(ERA)
    before = set(tmp_path.iterdir())
    result = CliRunner().invoke(app, ["reconcile", str(workbook), str(era), "--in-place"])
    assert result.exit_code == 0, result.output
    assert f"wrote {workbook}" in result.output
    assert "Reconciliation" in openpyxl.load_workbook(workbook).sheetnames
    backups = set(tmp_path.iterdir()) - before
    assert backups, "an in-place write leaves a backup of the original"
    both = CliRunner().invoke(
        app, ["reconcile", str(workbook), str(era), "--in-place", "--out", "x.xlsx"]
    )
    assert both.exit_code != 0
