"""Cells nobody should have typed: units and charges out of any claim's range, ambiguous dates.

Each case is from issue 17's "Measured" list: it crashed (a pydantic traceback, a
decimal.InvalidOperation), was accepted into a 309-digit 837P field, or was read as a guess.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from clinic_sample import ERA, SETTINGS, write_clinic
from typer.testing import CliRunner

from addin.cli import app
from addin.models.types import MAX_CHARGE, MAX_UNITS, charge_problem, to_decimal, units_problem
from addin.sheets import read_book

runner = CliRunner()
HEADERS = [
    "Encounter ID", "Patient Last Name", "Patient First Name", "Patient DOB", "Patient Sex",
    "Patient Address", "Patient City", "Patient State", "Patient ZIP", "Payer", "Member ID",
    "Rendering NPI", "Place of Service", "Date of Service", "Dx 1", "Procedure Code", "Units",
    "Charge", "Dx Pointer",
]  # fmt: skip
FULL = {**SETTINGS, "Provider Names": "1234567893 Nguyen, Linh"}


def _row(
    eid: str = "V1", units: object = 1, charge: object = 125, dos: object = "2026-03-04"
) -> list[object]:
    return [eid, "Doe", "Jane", "1980-01-02", "F", "1 Main St", "Springfield", "IL", "62704",
            "Aetna", "W123", "1234567893", "11", dos, "E11.9", "99213", units, charge,
            "1"]  # fmt: skip


def _book(tmp_path: Path, *rows: list[object], fees: bool = False) -> Path:
    path = write_clinic(tmp_path / "clinic.xlsx", HEADERS, rows, FULL)
    if fees:
        import openpyxl

        wb = openpyxl.load_workbook(path)
        sheet = wb.create_sheet("Fees")
        sheet.append(["Code", "Charge"])
        sheet.append(["99213", 125])
        wb.save(path)
    return path


def _claims(book: Path, tmp_path: Path, *extra: str) -> dict[str, Any]:
    """claims on a copy of ``book`` (claims write into the workbook and record what went)."""
    copy = tmp_path / f"run{len(list(tmp_path.glob('run*')))}" / book.name
    copy.parent.mkdir()
    copy.write_bytes(book.read_bytes())
    result = runner.invoke(app, ["claims", str(copy), "--json", "--x12-dir",
                                 str(copy.parent / "x12"), *extra])  # fmt: skip
    assert result.exit_code in (0, 1), result.output  # 1: a claim was held
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def _reconcile(book: Path, tmp_path: Path) -> None:
    era = tmp_path / "era.835"
    era.write_text(ERA)
    result = runner.invoke(app, ["reconcile", str(book), str(era), "--out",
                                 str(tmp_path / "r.xlsx")])  # fmt: skip
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("units", [0, -3])
def test_units_of_zero_or_negative_hold_the_encounter(units: int, tmp_path: Path) -> None:
    book = _book(tmp_path, _row("V1", units=units), _row("V2"))
    data = _claims(book, tmp_path, "--no-check")  # was a pydantic ValidationError traceback
    status = {c["encounter_id"]: c["status"] for c in data["claims"]}
    assert status == {"V1": "Held", "V2": "Sent"}
    found = next(f for f in data["findings"] if f["rule"] == "CLAIM-UNITS")
    assert (found["sheet"], found["row"], found["column"], found["value"]) == (
        "Encounters",
        2,
        "Units",
        str(units),
    )
    assert "Encounters row 2 (Units)" in found["message"]
    _reconcile(book, tmp_path)  # was the same traceback


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [("Units", 1e308, "READ-UNITS"), ("Units", 10**15, "READ-UNITS"),
     ("Units", "1e308", "READ-UNITS"), ("Charge", 10**15, "READ-MONEY-SIZE"),
     ("Charge", 1e308, "READ-MONEY-SIZE"), ("Charge", 12_000_000, "READ-CHARGE"),
     ("Units", "NaN", "READ-NUMBER"), ("Units", "inf", "READ-NUMBER"),
     ("Units", "two", "READ-NUMBER"), ("Charge", "NaN", "READ-MONEY"),
     ("Charge", "125,50", "READ-MONEY")],
)  # fmt: skip
def test_units_or_charge_out_of_range_are_findings(
    column: str, value: object, rule: str, tmp_path: Path
) -> None:
    row = _row("V1", **{column.lower(): value})  # type: ignore[arg-type]
    book = _book(tmp_path, row, _row("V2"), fees=True)
    for extra in ((), ("--no-check",)):
        data = _claims(book, tmp_path, *extra)  # 1e308 was decimal.InvalidOperation
        status = {c["encounter_id"]: c["status"] for c in data["claims"]}
        assert status == {"V1": "Held", "V2": "Sent"}, data["findings"]
        found = next(f for f in data["findings"] if f["rule"] == rule)
        assert (found["row"], found["column"]) == (2, column) and found["value"]
        assert "Encounters row 2" in found["message"]
        x12 = Path(data["x12"]).read_text()
        assert max(len(e) for seg in x12.split("~") for e in seg.split("*")) < 40
    result = runner.invoke(app, ["check", str(book), "--json"])
    assert result.exit_code == 1, result.output
    _reconcile(book, tmp_path)


def test_units_without_a_charge_are_priced_from_fees_only_when_sane(tmp_path: Path) -> None:
    book = _book(tmp_path, _row("V1", units=1e308, charge=None), fees=True)
    result = runner.invoke(app, ["claims", str(book), "--no-check", "--json"])
    assert result.exit_code in (0, 1), result.output  # fee x 1e308 was decimal.InvalidOperation


def test_the_limits_say_what_they_are() -> None:
    assert units_problem(Decimal("1.5")) is None and units_problem(MAX_UNITS) is None
    assert "3 decimal places" in (units_problem(Decimal("1.2345")) or "")
    assert "1.00E+308" in (units_problem(Decimal("1e308")) or "")
    assert charge_problem(MAX_CHARGE) is None and charge_problem(Decimal(0)) is None
    assert "negative" in (charge_problem(Decimal(-1)) or "")
    with pytest.raises(ValueError, match="decimal point"):
        to_decimal("125,50")  # was read as 12550
    assert to_decimal("1,250.00") == Decimal("1250.00")


@pytest.mark.parametrize("typed", ["01.07.2026", "01/07/2026", "1-7-26"])
def test_an_ambiguous_date_is_a_finding_never_a_guess(typed: str, tmp_path: Path) -> None:
    book = read_book(_book(tmp_path, _row("V1", dos=typed)))
    assert book.encounters[0].date_of_service is None  # was 7 January, silently
    found = next(f for f in book.findings if f.rule == "READ-DATE-AMBIGUOUS")
    assert (found.row, found.column, found.value, found.severity) == (
        2,
        "Date of Service",
        typed,
        "error",
    )
    assert "7 January" in found.message and "1 July" in found.message


def test_an_unambiguous_day_first_date_is_read_and_the_reading_stated(tmp_path: Path) -> None:
    book = read_book(
        _book(
            tmp_path,
            _row("V1", dos="13.07.2026"),
            _row("V2", dos="01.07.2026"),
            _row("V3", dos="2026-07-02"),
        )  # fmt: skip
    )
    dates = {e.encounter_id: e.date_of_service for e in book.encounters}
    assert dates == {"V1": date(2026, 7, 13), "V2": date(2026, 7, 1), "V3": date(2026, 7, 2)}
    (said,) = [f for f in book.findings if f.rule == "READ-DATE-ORDER"]
    assert said.severity == "info" and "day first (DD.MM.YYYY)" in said.message
    assert "'13.07.2026' on row 2" in said.message and "1 July 2026" in said.message


def test_a_column_mixing_both_orders_settles_nothing(tmp_path: Path) -> None:
    book = read_book(
        _book(
            tmp_path,
            _row("V1", dos="13/07/2026"),
            _row("V2", dos="07/14/2026"),
            _row("V3", dos="01/07/2026"),
        )  # fmt: skip
    )
    dates = {e.encounter_id: e.date_of_service for e in book.encounters}
    assert dates == {"V1": date(2026, 7, 13), "V2": date(2026, 7, 14), "V3": None}
    assert {f.rule for f in book.findings} == {"READ-DATE-ORDER", "READ-DATE-AMBIGUOUS"}
