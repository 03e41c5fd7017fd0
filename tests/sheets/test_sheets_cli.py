"""claimbook template: a new clinic workbook (or the demo copy) from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from addin.cli import app
from addin.sheets import read_book

runner = CliRunner()


def test_template_and_demo(tmp_path: Path) -> None:
    blank = tmp_path / "clinic.xlsx"
    result = runner.invoke(app, ["template", str(blank), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"path": str(blank), "demo": False, "encounters": 0}
    assert read_book(blank).encounters == []
    again = runner.invoke(app, ["template", str(blank)])
    assert again.exit_code == 2 and "already exists" in again.output
    demo = tmp_path / "demo.xlsx"
    result = runner.invoke(app, ["template", str(demo), "--demo", "--encounters", "12"])
    assert result.exit_code == 0, result.output
    assert len(read_book(demo).encounters) == 12
    result = runner.invoke(app, ["template", str(demo), "--demo", "--encounters", "5", "--force"])
    assert result.exit_code == 0 and len(read_book(demo).encounters) == 5
    bad = runner.invoke(app, ["template", str(tmp_path / "x.xlsm")])
    assert bad.exit_code == 2 and "ending .xlsx" in bad.output
