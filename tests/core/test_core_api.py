"""The public API, the error tree and the CLI faces of the foundation."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest
from icd10cm_release import fy2027_release
from typer.testing import CliRunner

import addin
from addin import errors
from addin.cli import app

runner = CliRunner()
DATA = Path(__file__).resolve().parents[1] / "data" / "icd10cm"


def test_every_public_name_exists_and_is_documented() -> None:
    for name in addin.__all__:
        obj = getattr(addin, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert inspect.getdoc(obj), f"addin.{name} has no docstring"


def test_error_tree_is_drawn_in_the_module_docstring() -> None:
    doc = errors.__doc__ or ""
    for name in errors.__all__:
        cls = getattr(errors, name)
        assert issubclass(cls, errors.ClaimbookError)
        assert name in doc, f"{name} missing from the tree in addin/errors.py"
        assert cls.__doc__


def test_lookup_json_billable() -> None:
    result = runner.invoke(app, ["lookup", "E11.9", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {
        "code",
        "system",
        "description",
        "billable",
        "vintage",
        "effective_from",
        "effective_to",
        "notes",
        "status",
    } <= data.keys()
    assert (data["code"], data["billable"], data["status"]) == ("E11.9", True, "ok")
    assert data["system"] == "icd10cm"


def test_lookup_json_not_billable_names_children() -> None:
    data = json.loads(runner.invoke(app, ["lookup", "E11", "--json"]).output)
    assert data["status"] == "not_billable"
    assert "E11.9" in data["children"] and "E11.9" in data["message"]


@pytest.mark.parametrize("code", ["S93.402A", "S80.01XA"])
def test_lookup_json_seventh_character_codes(code: str) -> None:
    data = json.loads(runner.invoke(app, ["lookup", code, "--json"]).output)
    assert (data["status"], data["billable"]) == ("ok", True)


def test_lookup_not_found_exits_1() -> None:
    result = runner.invoke(app, ["lookup", "E11.99", "--json"])
    assert result.exit_code == 1
    assert json.loads(result.output)["status"] == "not_found"


def test_lookup_outside_vintage_names_fy2027() -> None:
    result = runner.invoke(app, ["lookup", "I10", "--on", "2026-11-03", "--json"])
    data = json.loads(result.output)
    assert data["status"] == "outside_vintage"
    assert "FY2027" in data["message"]


def test_lookup_bad_date_is_a_clean_error() -> None:
    result = runner.invoke(app, ["lookup", "I10", "--on", "11/03/2026"])
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output
    assert "Traceback" not in result.output


def test_codesets_info_json_reports_74719() -> None:
    result = runner.invoke(app, ["codesets", "info", "--json"])
    assert result.exit_code == 0, result.output
    vintages = json.loads(result.output)["vintages"]
    fy2026 = next(v for v in vintages if (v["system"], v["vintage"]) == ("icd10cm", "FY2026"))
    assert fy2026["counts"]["billable"] == 74_719
    assert (fy2026["effective_from"], fy2026["effective_to"]) == ("2025-10-01", "2026-09-30")


def test_codesets_import_then_lookup_through_the_cli(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    excerpt = runner.invoke(app, ["codesets", "import", str(DATA / "icd10cm-table-index-2027.zip")])
    assert excerpt.exit_code == 2 and "excerpt" in excerpt.output
    release = fy2027_release(tmp_path_factory.getbasetemp() / "fy2027")
    result = runner.invoke(app, ["codesets", "import", str(release["order"])])
    assert result.exit_code == 0, result.output
    assert "FY2027" in result.output
    data = json.loads(runner.invoke(app, ["lookup", "I10", "--on", "2026-11-03", "--json"]).output)
    assert (data["status"], data["vintage"]) == ("ok", "FY2027")


def test_codesets_import_bad_file_is_a_clean_error(tmp_path: Path) -> None:
    bad = tmp_path / "icd10cm_order_2027.txt"
    bad.write_text("this is not an order file\n")
    result = runner.invoke(app, ["codesets", "import", str(bad), "--kind", "icd10cm"])
    assert result.exit_code == 2
    assert "line 1" in result.output and "Traceback" not in result.output


def test_demo_runs(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--out", str(tmp_path), "--encounters", "60"])
    assert result.exit_code == 0, result.output
    assert "74719" in result.output
    assert "FY2027" in result.output


def test_all_lists_exactly_the_lazy_exports() -> None:
    assert sorted(addin.__all__) == sorted(addin._EXPORTS)
    assert set(addin.__all__) <= set(dir(addin))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = addin.nope  # type: ignore[attr-defined]
