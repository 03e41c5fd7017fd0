"""The scrubber's parts: NPI/ZIP checks, Excludes1 parsing, derived edits, sources, outputs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from scrub_helpers import TODAY, clean_book

from addin.codesets import icd10cm
from addin.coding.check import cell_address, cell_marks, check, findings_table, to_json
from addin.coding.rules import REGISTRY, MemoryMue, MemoryPtp, Sources, default_sources
from addin.coding.rules.fields import npi_problem, zip_problem
from addin.coding.rules.icd_edits import derive, parse_references
from addin.coding.rules.tables import modifiers, ncci_bypass_modifiers, places_of_service
from addin.errors import InputError
from addin.models import Book, Finding


@pytest.mark.parametrize(
    ("npi", "rule"),
    [
        ("1234567893", None),  # the CMS example NPI
        ("1245319599", None),
        ("1234567890", "NPI-CHECKDIGIT"),
        ("123456789", "NPI-FORMAT"),
        ("12345678AB", "NPI-FORMAT"),
    ],
)
def test_npi_check_digit_uses_luhn_with_80840(npi: str, rule: str | None) -> None:
    found = npi_problem(npi)
    assert (found[0] if found else None) == rule


def test_zip_with_a_lost_leading_zero_says_so() -> None:
    found = zip_problem("2134")
    assert found is not None and found[0] == "ZIP-LEADING-ZERO" and "02134" in found[2]
    assert zip_problem("02134") is None and zip_problem("021341234") is None
    nine = zip_problem("12207", nine=True)
    assert nine is not None and nine[0] == "ZIP-FORMAT"


def test_excludes1_references_are_parsed_from_note_text() -> None:
    refs = parse_references("type 1 diabetes mellitus (E10.-)", "E11")
    assert [(r.lo, r.hi) for r in refs] == [("E10", "E10")]
    assert refs[0].matches("E109") and not refs[0].matches("E119")
    (rng,) = parse_references("neoplasm (C00-D49)", "G63")
    assert rng.matches("C50911") and rng.matches("D4960") and not rng.matches("E119")
    assert parse_references("diabetes mellitus (E08-E13 with .42)", "G63") == []
    assert [(r.lo, r.hi) for r in parse_references("x (M05.5-, A36.83)", "G63")] == [
        ("M055", "M055"),
        ("A3683", "A3683"),
    ]


def _edits(code: str):  # type: ignore[no-untyped-def]
    vintage = icd10cm.vintage_for(date(2026, 3, 1))
    assert vintage is not None
    return derive(vintage, code)


@pytest.mark.parametrize(
    ("code", "sex", "severity"),
    [
        ("O80", "F", "error"),  # chapter 15
        ("Z34.00", "F", "error"),
        ("N40.0", "M", "error"),  # block N40-N53
        ("N95.1", "F", "error"),  # block N80-N98
        ("R97.20", "M", "warning"),  # title: prostate
        ("C50.911", "F", "warning"),  # title: female breast
        ("C50.921", "M", "warning"),  # title: male breast
        ("N39.3", None, None),  # "(female) (male)": neither
        ("P07.30", None, None),  # "weeks of gestation" names the mother, not the newborn
        ("Z38.00", None, None),  # "delivered vaginally": the newborn may be either sex
        ("M54.2", None, None),  # cervicalgia: the neck, not the cervix
        ("I10", None, None),
    ],
)
def test_sex_edits_are_derived_from_chapters_blocks_and_titles(
    code: str, sex: str | None, severity: str | None
) -> None:
    edits = _edits(code)
    assert (edits.sex.value if edits.sex else None) == sex
    assert (edits.sex.severity if edits.sex else None) == severity


def test_age_manifestation_and_laterality_edits() -> None:
    assert [(lo, hi) for lo, hi, _ in _edits("Z00.129").ages] == [(0, 17)]
    assert [(lo, hi) for lo, hi, _ in _edits("Z00.00").ages] == [(18, 124)]
    assert [(lo, hi, e.severity) for lo, hi, e in _edits("Z38.00").ages] == [(0, 0, "error")]
    assert [(lo, hi, e.severity) for lo, hi, e in _edits("P07.30").ages] == [(0, 0, "warning")]
    assert _edits("G63").manifestation is not None
    assert _edits("E11.42").manifestation is None
    assert _edits("M17.11").laterality == "R" and _edits("M17.12").laterality == "L"
    assert _edits("I10").laterality is None
    assert any(r.matches("E109") for r in _edits("E11.9").excludes1)


def test_reference_tables_load() -> None:
    pos = places_of_service()
    assert pos["11"].name == "Office" and pos["10"].telehealth and "30" not in pos
    assert pos["27"].effective_from == date(2023, 10, 1)
    assert modifiers()["25"].kind == "cpt" and modifiers()["25"].description == ""
    assert modifiers()["RT"].kind == "hcpcs" and modifiers()["RT"].description
    assert {"59", "XE", "XS", "XP", "XU", "RT", "25"} <= ncci_bypass_modifiers()
    assert "GT" not in ncci_bypass_modifiers()


def test_memory_ptp_honours_effective_and_deletion_dates() -> None:
    ptp = MemoryPtp(
        [
            ("11055", "11056", date(2020, 1, 1), date(2023, 1, 1), 0),
            ("11055", "11056", date(2023, 1, 1), None, 1),
        ]
    )
    assert ptp.indicator("11055", "11056", date(2019, 12, 31)) is None
    assert ptp.indicator("11055", "11056", date(2022, 12, 31)) == 0
    assert ptp.indicator("11055", "11056", date(2023, 1, 1)) == 1  # deletion day excluded
    assert ptp.indicator("11056", "11055", date(2024, 1, 1)) is None  # directional
    assert MemoryMue([("J3301", 4, 1)]).limit("J3301", TODAY) == (4, 1)


def test_nothing_imported_means_info_not_silence() -> None:
    sources = default_sources()
    assert (sources.cpt, sources.hcpcs, sources.ptp, sources.mue) == (None, None, None, None)
    findings = check(clean_book(), today=TODAY)
    infos = {f.value for f in findings if f.rule == "PROC-NOT-VERIFIED"}
    assert infos == {"CPT", "HCPCS", "NCCI PTP", "MUE"}
    assert all("claimbook codesets import" in f.message for f in findings)


def test_disable_turns_a_rule_off_and_unknown_ids_are_refused() -> None:
    book = clean_book()
    book.encounters[0].lines[0].modifiers = []
    rules = {f.rule for f in check(book, today=TODAY, sources=Sources())}
    assert "MOD-25-MISSING" in rules
    quiet = check(book, today=TODAY, sources=Sources(), disable=["MOD-25-MISSING"])
    assert "MOD-25-MISSING" not in {f.rule for f in quiet}
    with pytest.raises(InputError, match="NO-SUCH-RULE"):
        check(book, today=TODAY, sources=Sources(), disable=["NO-SUCH-RULE"])


def test_check_takes_encounters_and_refuses_a_path_without_a_reader(tmp_path: Path) -> None:
    findings = check(clean_book().encounters, today=TODAY, sources=Sources())
    assert any(f.rule == "PAYER-UNKNOWN" for f in findings)  # no Payers sheet given
    with pytest.raises(InputError, match="workbook reader"):
        check(tmp_path / "x.xlsx")
    with pytest.raises(InputError, match="cannot check"):
        check(42)


def test_findings_name_the_users_sheet_and_header() -> None:
    book = clean_book()
    book.headers = {"Visits": {"Encounter ID": "Visit #", "Member ID": "Policy #"}}
    book.encounters[0].member_id = ""
    (found,) = [f for f in check(book, today=TODAY, sources=Sources()) if f.row == 2]
    assert (found.sheet, found.column) == ("Visits", "Policy #")
    assert found.message.startswith("Visits row 2 (Policy #): ")


def test_findings_table_marks_and_json() -> None:
    findings = [
        Finding(rule="A", severity="warning", message="m1", sheet="Encounters", row=5,
                column="DX1", value="E11", fix="f1"),
        Finding(rule="B", severity="error", message="m2", sheet="Encounters", row=5,
                column="DX1", value="E11", fix="f2"),
        Finding(rule="C", severity="info", message="m3", sheet="Encounters"),
    ]  # fmt: skip
    table = findings_table(findings, {"Encounters": {"DX1": "P"}})
    assert [c.name for c in table.columns] == [
        "Sheet", "Cell", "Column", "Severity", "Rule", "Message", "Value", "Fix",
    ]  # fmt: skip
    assert table.rows[0][:2] == ["Encounters", "'Encounters'!P5"]
    assert cell_address(findings[0]) == "'Encounters'!5:5"
    marks = cell_marks(findings)
    assert [(m.row, m.column, m.severity) for m in marks] == [(5, "DX1", "error")]
    data = to_json(Book(), findings)
    assert data["summary"] == {"rows": 0, "errors": 1, "warnings": 1, "info": 1}
    assert set(data["findings"][0]) >= {"sheet", "row", "column", "severity", "rule", "message",
                                         "value"}  # fmt: skip


def test_registry_ids_are_stable_and_documented() -> None:
    for rule_id, info in REGISTRY.items():
        assert rule_id == rule_id.upper() and " " not in rule_id
        assert info.severity in ("error", "warning", "info") and info.summary


def test_missing_settings_and_payers_sheets_are_one_finding_each() -> None:
    book = clean_book()
    book.settings = {}
    book.payers = []
    findings = check(book, today=TODAY, sources=Sources())
    settings = [f for f in findings if f.rule == "SETTINGS-REQUIRED"]
    payers = [f for f in findings if f.rule == "PAYER-UNKNOWN"]
    assert len(settings) == 1 and settings[0].severity == "error"
    assert [(p.sheet, p.row, p.severity) for p in payers] == [("Payers", None, "warning")]
