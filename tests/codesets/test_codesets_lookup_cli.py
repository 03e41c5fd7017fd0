"""`claimbook lookup` on a HCPCS-shaped code, and `codesets info` after imports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from addin.cli import app
from addin.codesets.importer import import_path

runner = CliRunner()
DATA = Path(__file__).resolve().parents[1] / "data" / "codesets"


def _lookup(*args: str) -> tuple[int, dict[str, object]]:
    result = runner.invoke(app, ["lookup", *args, "--json"])
    return result.exit_code, json.loads(result.output)


def test_g0439_without_hcpcs_is_never_answered_as_g04_39() -> None:
    code, data = _lookup("G0439")
    assert code == 1
    assert (data["status"], data["system"], data["code"]) == ("not_imported", "hcpcs", "G0439")
    assert data["description"] is None  # not the encephalopathy of G04.39
    message = str(data["message"])
    assert message.startswith("G0439 has the shape of a HCPCS Level II code")
    assert "no HCPCS Level II file is imported" in message
    # the diagnosis is named only as the other reading, with how to ask for it
    assert "type it with its dot, G04.39" in message
    dotted_code, dotted = _lookup("G04.39")
    assert (dotted_code, dotted["status"], dotted["system"]) == (0, "ok", "icd10cm")


def test_hcpcs_code_from_the_imported_file_and_icd_without_the_dot() -> None:
    import_path(DATA / "hcpcs" / "HCPC2020_ANWEB_excerpt.xlsx")
    code, data = _lookup("g0008", "--on", "2020-06-01")
    assert code == 0
    assert (data["status"], data["system"], data["vintage"]) == ("ok", "hcpcs", "CY2020")
    assert str(data["description"]).lower().startswith("administration of influenza")
    # not in the HCPCS file but an ICD-10-CM code typed without its dot: E11.65
    code, data = _lookup("E1165")
    assert (code, data["system"], data["code"]) == (0, "icd10cm", "E11.65")
    # the 2020 file does not cover 2026: said, exit 1
    code, data = _lookup("G0008", "--on", "2026-03-02")
    assert (code, data["status"]) == (1, "outside_vintage")
    assert "covers 2020-01-01 to 2020-12-31, not 2026-03-02" in str(data["message"])


@pytest.mark.parametrize("text", [False, True])
def test_info_reports_pfs_loaded_only_with_both_files(text: bool) -> None:
    import_path(DATA / "pfs" / "GPCI2020.csv")
    args = ["codesets", "info"] + ([] if text else ["--json"])
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    if text:
        assert "not imported: " in result.output and "pfs" in result.output.split("not imp")[1]
        return
    kinds = json.loads(result.output)["kinds"]
    assert kinds["pfs"]["loaded"] is False  # the GPCI file alone cannot price
    import_path(DATA / "pfs" / "PPRRVU20_APR.csv")
    kinds = json.loads(runner.invoke(app, ["codesets", "info", "--json"]).output)["kinds"]
    assert kinds["pfs"]["loaded"] is True
