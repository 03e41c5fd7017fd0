"""Text from outside (paths, typed values, payers' names, clinic names) reaches the terminal
as text: never read as rich markup ("[/]" was a traceback, "[bold]" vanished) or emoji codes.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from addin.cli import app
from addin.demo.workbook import build_demo_workbook

runner = CliRunner()
INTERCHANGE = (
    "ISA*00*          *00*          *ZZ*ACMEHEALTH     *ZZ*CLINIC         *240301*1200*^*"
    "00501*000000104*0*P*:~GS*HP*ACMEHEALTH*CLINIC*20240401*1200*104*X*005010X221A1~"
    "ST*835*0001~BPR*I*80.00*C*CHK************20240401~TRN*1*CHK1*1999999999~"
    "N1*PR*ACME [/] HEALTH :smile:~N1*PE*SAMPLE CLINIC*XX*1234567893~LX*1~"
    "CLP*C[bold]1*1*100.00*80.00**12*PCN1~SVC*HC:99212*100.00*80.00**1~DTM*472*20240101~"
    "CAS*CO*45*20.00~SE*11*0001~GE*1*104~IEA*1*000000104~"
)


def test_a_typed_value_with_markup_is_shown_as_typed(tmp_path: Path) -> None:
    folder = tmp_path / "Clinic [bold]2026 [red]"
    folder.mkdir()
    book = build_demo_workbook(folder / "clinic.xlsx", 30)
    wb = openpyxl.load_workbook(book)
    sheet = wb["Encounters"]
    header = [c.value for c in sheet[1]]
    sheet.cell(2, header.index("Dx 1") + 1, "E11[/]")
    wb.save(book)
    result = runner.invoke(app, ["check", str(book), "--today", "2026-10-30"], terminal_width=300)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 1, result.output
    assert "E11[/]" in result.stdout  # the finding's message, in the table
    assert "Clinic [bold]2026 [red]" in result.stdout  # the path of the workbook written


def test_an_error_naming_a_path_with_markup_is_the_error_not_a_traceback(tmp_path: Path) -> None:
    missing = tmp_path / "old [/] files" / "clinic.xlsx"
    result = runner.invoke(app, ["check", str(missing)])
    assert result.exit_code == 2, result.output  # not 3, "busy": nothing to wait for
    assert "Traceback" not in result.output and "old [/] files" in result.output
    assert "does not exist" in result.output
    looked = runner.invoke(app, ["lookup", "E11[/]"])
    assert looked.exit_code == 1 and "E11[/]" in looked.stdout


def test_a_payers_name_with_markup_or_emoji_codes_is_printed_as_sent(tmp_path: Path) -> None:
    era = tmp_path / "era.835"
    era.write_text(INTERCHANGE, encoding="ascii")
    result = runner.invoke(app, ["remit", str(era)], terminal_width=300)
    assert result.exit_code == 0, result.output
    assert "ACME [/] HEALTH :smile:" in result.stdout and "C[bold]1" in result.stdout
