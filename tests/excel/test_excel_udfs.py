"""The worksheet functions with the values Excel really hands them; never an exception."""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from addin.codesets.importer import import_path
from addin.excel import codes
from addin.excel.args import NA, VALUE
from addin.excel.udfs import (
    CB_BILLABLE,
    CB_DESCRIBE,
    CB_EXPECTED,
    CB_NCCI,
    CB_NPI_VALID,
    CB_SUGGEST,
    CB_VALID,
    UDFS,
)
from addin.sheets.values import date_to_serial

DATA = Path(__file__).resolve().parents[1] / "data" / "codesets"
FY2026_DAY = datetime(2026, 3, 2, 0, 0)
FY2026_SERIAL = date_to_serial(date(2026, 3, 2))  # 46083.0, what a number-formatted cell sends


@pytest.fixture(autouse=True)
def fresh_answers() -> Any:
    """The UDF caches follow imports; each test starts from what its data dir holds."""
    codes.reload()
    yield
    codes.reload()


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (("E11.9",), True),
        (("e119",), True),
        ((" E11 .9 ",), True),
        ((["E11.9"],), True),  # a one-cell range
        (([["E11.9"]],), True),
        (("E11.9", FY2026_DAY), True),
        (("E11.9", FY2026_SERIAL), True),
        (("E11.9", int(FY2026_SERIAL)), True),
        (("E11.9", "2026-03-02"), True),
        (("E11.9", "03/22/2026"), True),  # text whose day/month order is clear
        (("E11.9", None, None, None), True),
        (("E11.9", "", "", ""), True),
        ((99213.0,), True),  # CPT typed as a number: shape only without a CPT file
        (("J3301",), True),  # HCPCS by shape when no HCPCS file is imported
        (("N40.0", None, "M", 70.0), True),
        (("N40.0", None, "Male"), True),
        (("Z00.129", FY2026_DAY, "F", 8.0), True),
    ],
)
def test_valid_codes_are_true(arguments: tuple[Any, ...], expected: bool) -> None:
    assert CB_VALID(*arguments) is expected


@pytest.mark.parametrize(
    ("arguments", "reason"),
    [
        (("E11",), "E11 is a category, not a billable code"),
        (("S93.40",), "S93.40 is a subcategory, not a billable code"),
        (("S93.402",), "S93.402 needs a 7th character"),
        (("E11.99",), "E11.99 is not an ICD-10-CM code in FY2026"),
        (("N40.0", None, "F"), "N40.0 is for male patients"),
        (("O80", None, "M"), "O80 is for female patients"),
        (("Z00.129", None, None, 40.0), "Z00.129 applies to ages 0-17"),
        (("1234",), "1234 is not an ICD-10-CM, CPT or HCPCS code"),
        (("E11.9", datetime(2026, 11, 3)), "falls in FY2027"),
    ],
)
def test_invalid_codes_give_a_short_reason(arguments: tuple[Any, ...], reason: str) -> None:
    answer = CB_VALID(*arguments)
    assert isinstance(answer, str) and reason in answer
    assert "\n" not in answer and "Traceback" not in answer and len(answer) < 200


@pytest.mark.parametrize(
    "arguments",
    [
        (None,),
        ("",),
        (True,),
        (99213.5,),  # a decimal number is not a code
        ([["E11.9", "I10"]],),  # more than one cell
        ("E11.9", "not a date"),
        ("E11.9", True),
        ("E11.9", None, "Q"),
        ("E11.9", None, None, -1.0),
        ("E11.9", None, None, 40.5),
        ("E11.9", None, None, "forty"),
    ],
)
def test_bad_arguments_are_value_errors(arguments: tuple[Any, ...]) -> None:
    assert CB_VALID(*arguments) == VALUE


def test_describe_and_billable() -> None:
    assert CB_DESCRIBE("E11.9") == "Type 2 diabetes mellitus without complications"
    assert CB_DESCRIBE("e119", FY2026_SERIAL) == CB_DESCRIBE("E11.9")
    assert CB_DESCRIBE("E11") == "Type 2 diabetes mellitus"  # a header still has a title
    assert CB_DESCRIBE("E11.99") == NA
    assert CB_DESCRIBE("E11.9", datetime(2026, 11, 3)) == NA  # FY2027 not imported
    assert CB_DESCRIBE(99213.0) == NA  # CPT descriptors need the licensed file
    assert CB_DESCRIBE(None) == VALUE
    assert CB_BILLABLE("E11.9") is True
    assert CB_BILLABLE("e11") is False
    assert CB_BILLABLE("E11.99") == NA
    assert CB_BILLABLE(3.5) == VALUE


def test_licensed_cpt_and_hcpcs_once_imported(shared: Path) -> None:
    import_path(DATA / "cpt" / "CPT2020_clinic_export.csv")
    import_path(shared / "corpus" / "codesets" / "HCPC2020_ANWEB.zip")
    codes.reload()
    on = datetime(2020, 5, 1)
    assert CB_DESCRIBE(99202.0, on) == "LICENSED DESCRIPTOR 1, LONG FORM"
    assert CB_VALID(99202.0, on) is True
    # CPT validity follows the scrubber's sources (addin.coding.rules.sources), which check a
    # licensed CPT file only when addin.codesets.cpt offers scrubber_source().
    assert CB_DESCRIBE("a0021", on).startswith("Ambulance service, outside state per mile")
    assert CB_VALID("A0021", on) is True
    assert CB_VALID("Q0000", on) == "Q0000 is not in the imported HCPCS set"
    # G0439 is the annual wellness visit once HCPCS is imported, not ICD-10-CM G04.39
    assert "wellness" in CB_DESCRIBE("G0439", on).lower()
    assert CB_VALID("G04.39") is True  # the dot says ICD-10-CM


def test_npi() -> None:
    assert CB_NPI_VALID("1234567893") is True
    assert CB_NPI_VALID(1234567893.0) is True  # a number-formatted cell
    assert CB_NPI_VALID(1234567890.0) == (
        "1234567890 fails the NPI check digit (the last digit should be 3)"
    )
    assert CB_NPI_VALID(123456789.0) == "'123456789' is not 10 digits"
    assert CB_NPI_VALID(None) == VALUE


def test_suggest_spills_rows() -> None:
    rows = CB_SUGGEST("DM2 w/ neuropathy")
    assert isinstance(rows, list) and len(rows) == 5
    # code, description, score, and "check the Index ..." when the score is low
    assert all(len(row) == 4 for row in rows)
    assert all(row[3] == "" or row[3].startswith("check the Index") for row in rows)
    assert rows[0][0] == "E11.40"
    assert rows[0][1].startswith("Type 2 diabetes mellitus with diabetic neuropathy")
    scores = [row[2] for row in rows]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
    assert len(CB_SUGGEST("flu shot", "icd10cm", 2.0, FY2026_SERIAL)) == 2
    assert CB_SUGGEST("flu shot", None, 1.0)[0][0] == "Z23"
    assert CB_SUGGEST([["hypertension"]], "ICD10CM", 1.0, FY2026_DAY)[0][0] == "I10"
    assert CB_SUGGEST("HTN", "hcpcs") == NA  # HCPCS not imported here
    assert CB_SUGGEST("HTN", "loinc") == VALUE
    assert CB_SUGGEST("HTN", None, 0.0) == VALUE
    assert CB_SUGGEST("HTN", None, 2.5) == VALUE
    assert CB_SUGGEST(None) == VALUE
    assert CB_SUGGEST("HTN", None, None, datetime(2026, 11, 3)) == NA  # FY2027 not imported


CONTRACTS = [
    ["Payer", "CPT", "Mod", "Contract Rate"],
    ["Aetna", "99213", None, 85.5],
    ["aetna ", 99214.0, None, 120.0],
    ["Aetna", "99213", "25", 90.25],
    ["BCBS", "99213", None, 70.0],
    [None, None, None, None],  # Excel ranges often end in blank rows
]


def test_expected_from_a_contracts_range() -> None:
    assert CB_EXPECTED("Aetna", 99213.0, None, CONTRACTS) == 85.5
    assert CB_EXPECTED("AETNA", "99213", "25", CONTRACTS) == 90.25
    assert CB_EXPECTED("Aetna", "99213", 59.0, CONTRACTS) == 85.5  # no row for 59: base rate
    assert CB_EXPECTED("Aetna", "99214", "", CONTRACTS) == 120.0
    assert CB_EXPECTED("bcbs", 99213.0, None, CONTRACTS) == 70.0
    assert CB_EXPECTED("Cigna", 99213.0, None, CONTRACTS) == NA
    assert CB_EXPECTED("Aetna", 99215.0, None, CONTRACTS) == NA
    # without a header row: Payer, Code, Modifier, Allowed (or Payer, Code, Allowed)
    assert CB_EXPECTED("Aetna", 99213.0, None, CONTRACTS[1:]) == 85.5
    assert CB_EXPECTED("Aetna", 99213.0, None, [["Aetna", 99213.0, 85.5]]) == 85.5
    assert CB_EXPECTED("Aetna", 99213.0, None, ["Aetna", 99213.0, 85.5]) == 85.5  # one row
    # headers in another order, with a money string
    other = [["Allowed Amount", "Procedure Code", "Payer Name"], ["$1,085.50", "99213", "Aetna"]]
    assert CB_EXPECTED("Aetna", 99213.0, None, other) == 1085.5


def test_expected_bad_arguments() -> None:
    assert CB_EXPECTED("Aetna", 99213.0, None, None) == VALUE  # no range given
    assert CB_EXPECTED("Aetna", 99213.0, None, [["Aetna", 85.5]]) == VALUE  # two columns
    bad = [["Payer", "Code", "Allowed"], ["Aetna", "99213", "eighty"]]
    assert CB_EXPECTED("Aetna", 99213.0, None, bad) == VALUE  # a wrong rate never looks right
    assert CB_EXPECTED(None, 99213.0, None, CONTRACTS) == VALUE
    assert CB_EXPECTED("Aetna", None, None, CONTRACTS) == VALUE


def test_ncci_when_imported() -> None:
    on = datetime(2020, 5, 1)
    assert CB_NCCI("11042", "11000", on) == NA  # not imported yet
    import_path(DATA / "ncci" / "ccipra-v261r0-f1.txt")
    assert CB_NCCI(11042.0, 11000.0, on) == (
        "11000 bundles into 11042 (indicator 1: a modifier such as 59/XU may bypass it)"
    )
    assert CB_NCCI("11000", "11042", date_to_serial(date(2020, 5, 1))) == CB_NCCI(
        "11042", "11000", on
    )  # either order
    assert "indicator 0: no modifier bypasses it" in CB_NCCI("20610", "76942", on)
    assert CB_NCCI("99213", "99214", on) is False
    assert CB_NCCI("11042", None, on) == VALUE


# Things a sheet can hold or a careless formula can pass, in every argument position.
ODD_VALUES: list[Any] = [
    None,
    "",
    "   ",
    "\u00a0",
    0.0,
    -1.0,
    1e308,
    math.nan,
    math.inf,
    True,
    False,
    '=HYPERLINK("x")',
    "#N/A",
    [[None]],
    [],
    [[]],
    [[1.0, 2.0], [3.0, 4.0]],
    datetime(1900, 1, 1),
    "x" * 10_000,
    "E11.9\x00",
    object(),
]


@pytest.mark.parametrize("udf", UDFS, ids=lambda f: f.__name__)
def test_never_raises_on_odd_values(udf: Any) -> None:
    import inspect

    count = len(inspect.signature(udf).parameters)
    base = ["E11.9", "I10", None, CONTRACTS][:count]
    for position in range(count):
        for odd in ODD_VALUES:
            arguments = list(base)
            arguments[position] = odd
            answer = udf(*arguments)  # must not raise
            assert isinstance(answer, bool | float | str | list), (udf.__name__, position, odd)
            if isinstance(answer, str) and answer.startswith("#"):
                assert answer in (NA, VALUE)


def test_failures_are_logged_without_cell_values(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import sys

    suggest_module = sys.modules["addin.coding.suggest"]

    secret = "Maria Garcia DOB 1980-05-17 chest pain"

    def broken(text: str, *_: Any, **__: Any) -> Any:
        raise ValueError(f"cannot handle {text!r}")

    monkeypatch.setattr(suggest_module, "suggest", broken)
    with caplog.at_level("INFO", logger="addin.excel"):
        assert CB_SUGGEST(secret) == VALUE
        assert CB_VALID(secret) != True  # noqa: E712 - not a code: a reason, logged nothing
        assert CB_SUGGEST(secret, "nope") == VALUE
    assert "CB_SUGGEST failed: ValueError at" in caplog.text
    assert "test_excel_udfs.py" in caplog.text  # where it broke, so it can be fixed
    assert "Maria" not in caplog.text and "chest" not in caplog.text


def test_ncci_reads_hcpcs_codes_as_procedures(tmp_path: Path) -> None:
    """G0439 is a HCPCS code in a PTP pair even though ICD-10-CM has G04.39."""
    source = (DATA / "ncci" / "ccipra-v261r0-f1.txt").read_bytes()
    extra = b"G0439\t99213\t\t20200101\t*\t1\tMisuse of column two code with column one code\r\n"
    part = tmp_path / "ccipra-v261r0-f1.txt"
    part.write_bytes(source.rstrip(b"\r\n") + b"\r\n" + extra)
    import_path(part)
    assert CB_NCCI("g0439", 99213.0, datetime(2020, 5, 1)) == (
        "99213 bundles into G0439 (indicator 1: a modifier such as 59/XU may bypass it)"
    )
