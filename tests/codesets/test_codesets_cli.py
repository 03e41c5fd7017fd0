"""`claimbook codesets import/info/remove` over every kind, through the CLI runner."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from addin.cli import app
from addin.codesets import mue, ncci

DATA = Path(__file__).resolve().parents[1] / "data" / "codesets"
runner = CliRunner()


def _json(*args: str) -> dict:  # type: ignore[type-arg]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    data: dict = json.loads(result.output)  # type: ignore[type-arg]
    return data


def test_import_every_fixture_then_info() -> None:
    fixtures = {
        "ncci": DATA / "ncci" / "ccipra-v261r0-f1.txt",
        "mue": DATA / "mue" / "MCR_MUE_PractitionerServices_Eff_04-01-2020.csv",
        "pfs": DATA / "pfs" / "PPRRVU20_APR.csv",
        "gpci": DATA / "pfs" / "GPCI2020.csv",
        "cpt": DATA / "cpt" / "CPT2020_clinic_export.csv",
        "carc": DATA / "carc" / "claim_adjustment_reason_codes_2020-03-01.csv",
        "rarc": DATA / "carc" / "remittance_advice_remark_codes_2020-03-01.csv",
        "mce": DATA / "mce" / "definitions_of_medicare_code_edits_v37.txt",
        "hcpcs": DATA / "hcpcs" / "HCPC2020_ANWEB_excerpt.xlsx",
    }
    for system, path in fixtures.items():
        data = _json("codesets", "import", str(path))
        assert data["system"] == system and data["unchanged"] is False
        assert data["manifest"]["source"]["sha256"]
    info = _json("codesets", "info")
    systems = {v["system"] for v in info["vintages"]}
    assert set(fixtures) <= systems
    assert all(k["loaded"] for k in info["kinds"].values())
    again = runner.invoke(app, ["codesets", "import", str(fixtures["mue"])])
    assert again.exit_code == 0 and "already imported: mue MUE-2020-04-01" in again.output


def test_info_names_kinds_not_imported() -> None:
    info = _json("codesets", "info")
    assert info["kinds"]["ncci"]["loaded"] is False
    text = runner.invoke(app, ["codesets", "info"])
    assert "not imported: hcpcs, ncci" in " ".join(text.output.split())


def test_effective_option_and_remove(tmp_path: Path) -> None:
    unnamed = tmp_path / "ptp_edits.txt"
    unnamed.write_bytes((DATA / "ncci" / "ccipra-v261r0-f1.txt").read_bytes())
    refused = runner.invoke(app, ["codesets", "import", str(unnamed)])
    assert refused.exit_code == 2 and "--effective" in refused.output
    data = _json("codesets", "import", str(unnamed), "--effective", "2020-07-01")
    assert data["vintage"] == "PTP-2020-07-01"
    assert data["manifest"]["effective_to"] == "2020-09-30"
    assert ncci.edit("11042", "11000", date(2020, 8, 1)) is not None
    removed = runner.invoke(app, ["codesets", "remove", "ncci", "PTP-2020-07-01"])
    assert removed.exit_code == 0, removed.output
    assert not ncci.is_loaded() and ncci.edit("11042", "11000", date(2020, 8, 1)) is None


def test_bad_kind_and_damaged_file(tmp_path: Path) -> None:
    source = DATA / "mue" / "MCR_MUE_PractitionerServices_Eff_04-01-2020.csv"
    bad_kind = runner.invoke(app, ["codesets", "import", str(source), "--kind", "drg"])
    assert bad_kind.exit_code == 2 and "'drg' is not a kind" in bad_kind.output
    broken = tmp_path / source.name
    broken.write_bytes(source.read_bytes().replace(b"J1100,120,", b"J1100,lots,"))
    result = runner.invoke(app, ["codesets", "import", str(broken)])
    assert result.exit_code == 2
    assert "line 15: expected a whole number" in " ".join(result.output.split())
    assert not mue.is_loaded()
