"""Importing a newer ICD-10-CM fiscal year from the CMS release layouts."""

from __future__ import annotations

import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest

from addin.codesets import import_path, info, lookup, remove_vintage
from addin.errors import CodeSetError, CodeSetImportError

DATA = Path(__file__).resolve().parents[1] / "data" / "icd10cm"
NOV_2026 = date(2026, 11, 3)


@pytest.mark.parametrize(
    "name", ["icd10cm_tabular_2027.xml", "icd10cm-table-index-2027.zip", "icd10cm_order_2027.txt"]
)
def test_import_adds_fy2027_beside_the_shipped_set(name: str, isolated_data_dir: Path) -> None:
    assert lookup("I10", on=NOV_2026).status == "outside_vintage"
    result = import_path(DATA / name)
    assert (result.vintage, result.unchanged) == ("FY2027", False)
    assert result.path.is_relative_to(isolated_data_dir)
    assert result.manifest["effective_from"] == "2026-10-01"
    assert result.manifest["effective_to"] == "2027-09-30"

    now = lookup("I10", on=NOV_2026)
    assert (now.status, now.vintage) == ("ok", "FY2027")
    assert lookup("S80.01XA", on=NOV_2026).status == "ok"
    assert lookup("E11", on=NOV_2026).status == "not_billable"
    # FY2026 still answers for its own dates
    assert lookup("E11.A", on=date(2026, 5, 1)).status == "ok"
    # the excerpt leaves E11.A out: for a FY2027 date it is not a code, and we say where it is
    gone = lookup("E11.A", on=NOV_2026)
    assert gone.status == "not_found"
    assert "FY2026" in gone.message
    vintages = {(row["system"], row["vintage"]) for row in info()}
    assert ("icd10cm", "FY2027") in vintages and ("icd10cm", "FY2026") in vintages


def test_xml_import_keeps_notes_and_order_import_has_none() -> None:
    import_path(DATA / "icd10cm_tabular_2027.xml")
    notes = lookup("E11.9", on=NOV_2026, with_notes=True).notes
    assert any("E10.-" in n["text"] for n in notes["excludes1"])


def test_order_file_parents_and_billable_flags() -> None:
    result = import_path(DATA / "icd10cm_order_2027.txt")
    assert result.manifest["source"]["format"] == "order-file"
    assert result.manifest["counts"]["billable"] == sum(
        1 for line in (DATA / "icd10cm_order_2027.txt").read_text().splitlines() if line[14] == "1"
    )
    category = lookup("S80.0", on=NOV_2026)
    assert category.status == "not_billable"
    assert "S80.01" in category.children


def test_same_file_twice_is_a_no_op() -> None:
    first = import_path(DATA / "icd10cm_tabular_2027.xml")
    stamp = (first.path / "codes.tsv").stat().st_mtime_ns
    second = import_path(DATA / "icd10cm_tabular_2027.xml")
    assert second.unchanged is True
    assert (second.path / "codes.tsv").stat().st_mtime_ns == stamp


def test_remove_imported_vintage_but_not_the_shipped_one() -> None:
    import_path(DATA / "icd10cm_tabular_2027.xml")
    remove_vintage("icd10cm", "FY2027")
    from addin.codesets import icd10cm

    icd10cm.reload()
    assert lookup("I10", on=NOV_2026).status == "outside_vintage"
    with pytest.raises(CodeSetError, match="ships with Claimbook"):
        remove_vintage("icd10cm", "FY2026")


def test_damaged_order_line_names_file_and_line(tmp_path: Path) -> None:
    lines = (DATA / "icd10cm_order_2027.txt").read_text().splitlines()
    lines[4] = "garbage line"
    bad = tmp_path / "icd10cm_order_2027.txt"
    bad.write_text("\n".join(lines))
    with pytest.raises(CodeSetImportError, match=r"icd10cm_order_2027.txt line 5"):
        import_path(bad)


def test_wrong_xml_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "icd10cm_tabular_2027.xml"
    bad.write_text('<?xml version="1.0"?><ICD10PCS.tabular/>')
    with pytest.raises(CodeSetImportError, match=r"<ICD10CM\.tabular>"):
        import_path(bad)


def test_zip_without_icd_files_says_what_it_holds(tmp_path: Path) -> None:
    bad = tmp_path / "icd10cm-2027.zip"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(CodeSetImportError, match="readme.txt"):
        import_path(bad)


def test_fiscal_year_is_required_when_it_cannot_be_told(tmp_path: Path) -> None:
    nameless = tmp_path / "codes-order.txt"
    shutil.copy(DATA / "icd10cm_order_2027.txt", nameless)
    with pytest.raises(CodeSetImportError, match="fiscal year"):
        import_path(nameless, kind="icd10cm")


def test_missing_file() -> None:
    with pytest.raises(CodeSetImportError, match="no such file"):
        import_path(Path("/nonexistent/icd10cm_order_2027.txt"), kind="icd10cm")
