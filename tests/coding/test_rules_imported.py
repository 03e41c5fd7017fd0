"""The scrubber on code sets imported from the official layouts (the importers' fixtures)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from scrub_helpers import TODAY, clean_book, line

from addin.codesets.importer import import_path
from addin.coding.check import check
from addin.coding.rules import default_sources

DATA = Path(__file__).resolve().parents[1] / "data" / "codesets"


def test_imported_hcpcs_ncci_and_mue_are_used() -> None:
    import_path(DATA / "ncci" / "ccipra-v261r0-f1.txt")
    import_path(DATA / "mue" / "MCR_MUE_PractitionerServices_Eff_04-01-2020.csv")
    import_path(DATA / "hcpcs" / "HCPC2020_ANWEB_excerpt.xlsx")
    sources = default_sources()
    assert sources.ptp is not None and sources.mue is not None and sources.hcpcs is not None
    book = clean_book()
    e1 = book.encounters[0]
    e1.lines[1].units = Decimal(3)  # 20610: MUE 2, MAI 2 (per day)
    e1.lines.append(line(30, "76942", dx_pointers=[1]))  # PTP 20610/76942, indicator 0
    e1.lines.append(line(31, "11000", dx_pointers=[1]))
    e1.lines.append(line(32, "11042", dx_pointers=[1], modifiers=["XS"]))  # 11042/11000: 1
    findings = check(book, today=TODAY)
    got = {(f.rule, f.row) for f in findings}
    assert ("NCCI-PTP", 30) in got  # indicator 0: never bypassed
    assert ("NCCI-PTP", 31) not in got  # indicator 1, XS on the column-one line is distinct
    assert ("MUE-UNITS", 3) in got
    # The 2020 HCPCS excerpt lacks J3301 and G0439: reported, not passed (as warnings: a
    # 2020 file cannot know codes added by 2026, and it says so).
    assert ("PROC-NOT-FOUND", 4) in got and ("PROC-NOT-FOUND", 9) in got
    outdated = {f.value: f for f in findings if f.rule == "PROC-SET-OUTDATED"}
    assert set(outdated) == {
        "CY2020, 2020-01-01 to 2020-12-31",
        "MUE-2020-04-01, 2020-04-01 to 2020-06-30",
        "PTP-v261r0, 2020-04-01 to 2020-06-30",
    }
    assert all(f.severity == "warning" for f in outdated.values())
    assert ("PROC-NOT-FOUND", 10) not in got  # G0008 is in it
    not_verified = {f.value for f in findings if f.rule == "PROC-NOT-VERIFIED"}
    assert not_verified == {"CPT"}


def test_imported_mce_replaces_the_derived_sex_and_age_edits() -> None:
    import_path(DATA / "mce" / "definitions_of_medicare_code_edits_v37.txt")
    book = clean_book()
    e1 = book.encounters[0]  # a male patient
    e1.diagnoses = ["M17.11", "E11.9", "N92.0"]  # N92.0 is on the MCE female list
    found = [f for f in check(book, today=TODAY) if f.rule == "ICD-SEX"]
    assert [(f.row, f.column) for f in found] == [(2, "Dx 3")]
    assert "CMS MCE MCE-v37.0" in found[0].message
