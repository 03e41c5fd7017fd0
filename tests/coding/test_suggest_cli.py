"""The ``claimbook suggest`` command and the public ``addin.suggest`` name."""

from __future__ import annotations

import json

from typer.testing import CliRunner

import addin
from addin.cli import app

runner = CliRunner()


def test_suggest_json_lists_codes_best_first() -> None:
    result = runner.invoke(app, ["suggest", "DM2 w/ neuropathy", "--top", "3", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert all({"code", "system", "description", "score", "why"} <= set(item) for item in data)
    assert len(data) == 3
    assert data[0]["code"] == "E11.40"
    assert data[0]["system"] == "icd10cm"
    assert data[0]["score"] >= data[1]["score"] >= data[2]["score"]


def test_suggest_table_and_date_of_service() -> None:
    result = runner.invoke(app, ["suggest", "right ankle sprain", "--on", "2026-02-01"])
    assert result.exit_code == 0, result.output
    assert "S93.401A" in result.stdout


def test_suggest_uncovered_date_is_a_clean_error() -> None:
    result = runner.invoke(app, ["suggest", "HTN", "--on", "2023-05-01"])
    assert result.exit_code == 2
    assert "FY2023" in result.output
    assert "Traceback" not in result.output


def test_suggest_bad_date_and_no_match() -> None:
    assert runner.invoke(app, ["suggest", "HTN", "--on", "5/1/2023"]).exit_code == 2
    result = runner.invoke(app, ["suggest", "qqzx"])
    assert result.exit_code == 1
    assert "no suggestion" in result.stdout


def test_public_api_exports_suggest() -> None:
    assert "suggest" in addin.__all__ and "Suggestion" in addin.__all__
    assert addin.suggest.__doc__
    assert addin.suggest("high blood pressure", top=1)[0].code == "I10"
