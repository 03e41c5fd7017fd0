"""The scrubber with the real CMS files imported: sets that do not cover the dates of
service are said to, and the MCE without sex lists keeps the sex edit."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from scrub_helpers import TODAY, clean_book, line

from addin.codesets.importer import import_path
from addin.coding.check import check

pytestmark = pytest.mark.shared


@pytest.fixture
def real(shared: Path) -> Path:
    return shared / "corpus" / "codesets" / "real"


def test_an_october_2025_hcpcs_file_asked_about_2026_says_so(real: Path) -> None:
    import_path(real / "HCPC2025_OCT_ANWEB.xlsx")
    book = clean_book()  # dates of service in March and April 2026
    book.encounters[3].lines.append(line(40, "K9999"))  # not in the October 2025 file
    findings = check(book, today=TODAY)
    outdated = [f for f in findings if f.rule == "PROC-SET-OUTDATED"]
    assert [(f.severity, f.value) for f in outdated] == [
        ("warning", "CY2025-Q4, 2025-10-01 to 2025-12-31")
    ]
    assert "2026-03-02 to 2026-04-14" in outdated[0].message
    missing = next(f for f in findings if f.rule == "PROC-NOT-FOUND" and f.row == 40)
    # a file that ends before the DOS cannot know newer codes: a warning that says why
    assert missing.severity == "warning"
    assert "which does not cover 2026-04-14" in missing.message


def test_mue_q2_file_on_july_dates(real: Path) -> None:
    import_path(real / "MCR_MUE_PractitionerServices_Eff_04-01-2026.csv")
    book = clean_book()
    for enc in book.encounters:
        enc.date_of_service = date(2026, 7, 6)
    findings = check(book, today=date(2026, 8, 1))
    outdated = [f for f in findings if f.rule == "PROC-SET-OUTDATED"]
    assert [f.value for f in outdated] == ["MUE-2026-04-01, 2026-04-01 to 2026-06-30"]
    book = clean_book()  # the same visits in May: the file covers them, nothing to say
    for enc in book.encounters:
        enc.date_of_service = date(2026, 5, 4)
    assert not [f for f in check(book, today=TODAY) if f.rule == "PROC-SET-OUTDATED"]


def test_mce_v43_keeps_the_derived_sex_edit_and_adds_its_lists(real: Path) -> None:
    import_path(real / "Definitions of Medicare Code Edits_v_43_1.txt")
    book = clean_book()
    e2 = book.encounters[1]  # a woman, March 2026
    e2.diagnoses = ["I10", "N40.0", "D63.1"]  # N40.0 is for males; D63.1 a manifestation
    e2.lines[0].dx_pointers = [1, 2, 3]
    findings = check(book, today=TODAY)
    sex = [f for f in findings if f.rule == "ICD-SEX"]
    assert [(f.row, f.value) for f in sex] == [(5, "N40.0")]
    assert "CMS MCE" not in sex[0].message  # CMS no longer publishes it: the derived edit
    first = clean_book()
    first.encounters[1].diagnoses = ["D63.1", "N18.30"]
    manifest = [f for f in check(first, today=TODAY) if f.rule == "ICD-MANIFESTATION-FIRST"]
    assert [(f.row, f.value) for f in manifest] == [(5, "D63.1")]
