"""NCCI and MUE per payer: the Payers sheet's Apply NCCI/MUE, its default, and MUE 0."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from scrub_helpers import TODAY, clean_book, line

from addin.coding.check import check
from addin.coding.rules import MemoryMue, MemoryPtp, Sources
from addin.coding.rules.payer_edits import default_policy
from addin.models import Book, PayerRow
from addin.sheets import read_book

# the real practitioner MUEs of these codes (CMS, 2026 Q2): preventive visits 0, 99213 2
MUE = MemoryMue([("99393", 0, 3), ("99397", 0, 3), ("99213", 2, 3), ("90460", 1, 3)])
PTP = MemoryPtp([("99214", "20610", date(2020, 1, 1), None, 0)])


@pytest.mark.parametrize(
    ("payer", "cfi", "apply", "medicare"),
    [
        ("Medicare", "MB", True, True),
        ("Railroad Medicare", "MA", True, True),
        ("Evergreen Medicare Advantage", "16", True, False),
        ("State Medicaid", "MC", True, False),
        ("Aetna", "CI", False, False),
        ("Blue Cross", "BL", False, False),
        ("Medicare Part B", "", True, True),  # no indicator: the name decides
        ("Humana Medicare Advantage", "", True, False),
        ("Medi-Cal", "", True, False),
        ("Aetna", "", False, False),
        ("Medicare supplement", "CI", False, False),  # the indicator wins over the name
    ],
)
def test_default_by_filing_indicator_then_name(
    payer: str, cfi: str, apply: bool, medicare: bool
) -> None:
    policy = default_policy(payer, cfi)
    assert (policy.apply, policy.medicare) == (apply, medicare)


def _book(aetna: str) -> Book:
    book = clean_book()
    book.payers[0].ncci_mue = aetna
    book.payers[0].claim_filing_indicator = "CI"
    e1 = book.encounters[0]  # Aetna: 99214 + 20610 (a PTP pair), and a preventive visit
    e1.lines[0].modifiers = []
    e1.lines.append(line(30, "99393"))
    e2 = book.encounters[1]  # Medicare: a preventive visit Medicare does not pay
    e2.lines.append(line(31, "99397"))
    e3 = book.encounters[2]  # Medicaid NY: its well-child visit 99393, 2 units of 90460
    e3.lines[1].units = Decimal(2)
    return book


def _found(book: Book) -> set[tuple[str, int | None]]:
    findings = check(book, today=TODAY, sources=Sources(mue=MUE, ptp=PTP))
    return {(f.rule, f.row) for f in findings if f.rule in ("MUE-UNITS", "NCCI-PTP")}


def test_commercial_payer_gets_no_ncci_or_mue_unless_its_row_says_yes() -> None:
    assert _found(_book("")) == {("MUE-UNITS", 31), ("MUE-UNITS", 7)}
    assert _found(_book("No")) == {("MUE-UNITS", 31), ("MUE-UNITS", 7)}
    # Yes: the pair and the units apply; the MUE of 0 is Medicare's, not Aetna's
    assert _found(_book("yes")) == {("NCCI-PTP", 3), ("MUE-UNITS", 31), ("MUE-UNITS", 7)}


def test_mue_of_zero_says_medicare_does_not_pay() -> None:
    findings = check(_book(""), today=TODAY, sources=Sources(mue=MUE))
    zero = next(f for f in findings if f.rule == "MUE-UNITS" and f.row == 31)
    assert zero.column == "CPT" and zero.value == "99397"
    assert "Medicare does not pay 99397" in zero.message
    for advice in ("59", "XU", "split onto", "appeal", "exceed"):
        assert advice not in zero.message
    # Medicaid's 99393 (row 6) is not flagged: Medicaid pays well-child visits
    assert not [f for f in findings if f.row == 6 and f.rule == "MUE-UNITS"]
    units = next(f for f in findings if f.rule == "MUE-UNITS" and f.row == 7)
    assert "2 units of 90460" in units.message and "exceed the MUE of 1" in units.message


def test_a_value_that_is_not_yes_or_no_is_a_finding_on_the_payers_sheet() -> None:
    book = _book("sometimes")
    findings = check(book, today=TODAY, sources=Sources(mue=MUE, ptp=PTP))
    bad = [f for f in findings if f.rule == "PAYERS-NCCI-MUE"]
    assert [(f.sheet, f.row, f.column, f.value, f.severity) for f in bad] == [
        ("Payers", 2, "Apply NCCI/MUE", "sometimes", "error")
    ]
    assert "claim filing indicator CI is not Medicare/Medicaid: off" in bad[0].fix
    assert ("NCCI-PTP", 3) not in {(f.rule, f.row) for f in findings}  # the default, off


def test_the_payers_column_is_read_by_its_aliases(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    enc = wb.active
    assert enc is not None
    enc.title = "Encounters"
    enc.append(["Encounter ID", "Payer", "Procedure Code"])
    enc.append(["E1", "Aetna", "99213"])
    payers = wb.create_sheet("Payers")
    payers.append(["Payer", "Payer ID", "Filing Indicator", "NCCI / MUE"])
    payers.append(["Aetna", "60054", "CI", "Yes"])
    payers.append(["Medicare", "13282", "MB", ""])
    path = tmp_path / "clinic.xlsx"
    wb.save(path)
    book = read_book(path)
    assert [(p.payer, p.ncci_mue) for p in book.payers] == [("Aetna", "Yes"), ("Medicare", "")]
    assert book.header("Payers", "Apply NCCI/MUE") == "NCCI / MUE"
    assert isinstance(book.payers[0], PayerRow)
