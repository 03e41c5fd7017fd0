"""ICD-10-CM lookups by date of service against the shipped FY2026 vintage."""

from __future__ import annotations

from datetime import date

import pytest

from addin.codesets import icd10cm, lookup


@pytest.mark.parametrize("typed", ["E11.9", "e119", "E11 .9", "E119", " e11.9 ", "E11\u00a0.9"])
def test_input_is_normalised(typed: str) -> None:
    result = lookup(typed)
    assert result.code == "E11.9"
    assert result.status == "ok"
    assert result.billable is True
    assert result.description == "Type 2 diabetes mellitus without complications"


@pytest.mark.parametrize(
    ("code", "description"),
    [
        ("S93.402A", "Sprain of unspecified ligament of left ankle, initial encounter"),
        ("S80.01XA", "Contusion of right knee, initial encounter"),
        ("I10", "Essential (primary) hypertension"),
        ("Z00.00", "Encounter for general adult medical examination without abnormal findings"),
        ("O09.529", "Supervision of elderly multigravida, unspecified trimester"),
    ],
)
def test_billable_codes(code: str, description: str) -> None:
    result = lookup(code)
    assert (result.status, result.billable, result.description) == ("ok", True, description)
    assert result.vintage == "FY2026"
    assert result.effective_from == date(2025, 10, 1)
    assert result.effective_to == date(2026, 9, 30)


def test_category_names_billable_children() -> None:
    result = lookup("E11")
    assert result.status == "not_billable"
    assert result.billable is False
    assert "E11.9" in result.children and "E11.6" in result.children
    assert result.billable_examples[0] == "E11.9"
    assert "E11.9" in result.message and "category" in result.message
    assert all(lookup(code).status == "ok" for code in result.billable_examples)


def test_code_missing_its_seventh_character() -> None:
    result = lookup("S93.402")
    assert result.status == "not_billable"
    assert "7th character" in result.message
    assert set(result.children) == {"S93.402A", "S93.402D", "S93.402S"}


def test_s06_death_codes_take_only_initial_encounter() -> None:
    # The tabular's note under S06: 7th characters D and S do not apply to 6th character 7/8.
    assert lookup("S06.1X7A").status == "ok"
    assert lookup("S06.1X7D").status == "not_found"
    assert lookup("S06.1X1D").status == "ok"


def test_not_found_points_to_nearest_code() -> None:
    result = lookup("E11.99")
    assert result.status == "not_found"
    assert result.billable is None
    assert "closest existing code: E11.9" in result.message


def test_missing_placeholder_x_is_suggested() -> None:
    result = lookup("S80.01A")
    assert result.status == "not_found"
    assert "S80.01XA" in result.message


def test_text_that_is_not_a_code() -> None:
    result = lookup("99213")
    assert result.status == "not_found"
    assert "'99213' is not an ICD-10-CM code" in result.message


def test_date_inside_the_vintage() -> None:
    assert lookup("I10", on=date(2025, 10, 1)).status == "ok"
    assert lookup("I10", on=date(2026, 9, 30)).status == "ok"


@pytest.mark.parametrize(
    ("on", "year"),
    [(date(2026, 11, 3), 2027), (date(2026, 10, 1), 2027), (date(2025, 9, 30), 2025)],
)
def test_date_outside_every_vintage_names_the_fiscal_year(on: date, year: int) -> None:
    result = lookup("I10", on=on)
    assert result.status == "outside_vintage"
    assert result.billable is None
    assert f"FY{year}" in result.message
    assert "claimbook codesets import" in result.message


def test_notes_are_gathered_from_ancestors() -> None:
    notes = lookup("E11.9", with_notes=True).notes
    excludes1 = {(n["at"], n["text"]) for n in notes["excludes1"]}
    assert ("E11", "type 1 diabetes mellitus (E10.-)") in excludes1
    seventh = lookup("S93.402A", with_notes=True).notes["seventh_characters"]
    assert {n["at"] for n in seventh} == {"A", "D", "S"}


def test_shipped_counts_match_the_official_fy2026_figure() -> None:
    vintage = icd10cm.vintage_for(date(2026, 1, 15))
    assert vintage is not None
    assert vintage.billable_count == 74_719
    assert vintage.info.manifest["counts"]["billable"] == 74_719


def test_fiscal_year() -> None:
    assert icd10cm.fiscal_year(date(2026, 9, 30)) == 2026
    assert icd10cm.fiscal_year(date(2026, 10, 1)) == 2027
    assert icd10cm.fiscal_year_range(2027) == (date(2026, 10, 1), date(2027, 9, 30))


def test_every_code_has_a_chain_to_its_chapter_and_headers_have_billable_children() -> None:
    vintage = icd10cm.vintage_for(None)
    assert vintage is not None
    sections = vintage.sections()
    for code, (billable, _, _) in vintage.codes.items():
        chain = vintage.ancestors(code)
        assert chain and chain[-1].startswith("CH"), code
        assert sections[chain[-1]][0] == "chapter"
        if not billable:
            assert vintage.billable_descendants(code), f"{code} has no billable code under it"
