"""Importing a newer ICD-10-CM fiscal year from the CMS release layouts."""

from __future__ import annotations

import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest
from icd10cm_release import fy2027_release

from addin.codesets import icd10cm, import_path, info, lookup, remove_vintage
from addin.errors import CodeSetError, CodeSetImportError

DATA = Path(__file__).resolve().parents[1] / "data" / "icd10cm"
NOV_2026 = date(2026, 11, 3)


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A whole FY2027-labelled release (xml, the CMS zip, order file)."""
    return fy2027_release(tmp_path_factory.getbasetemp() / "fy2027")


@pytest.mark.parametrize("kind", ["xml", "zip", "order"])
def test_import_adds_fy2027_beside_the_shipped_set(
    kind: str, release: dict[str, Path], isolated_data_dir: Path
) -> None:
    if kind not in release:
        pytest.skip("the tabular XML comes from simple-icd-10-cm (dev extra), not installed")
    assert lookup("I10", on=NOV_2026).status == "outside_vintage"
    result = import_path(release[kind])
    assert (result.vintage, result.unchanged) == ("FY2027", False)
    assert result.path.is_relative_to(isolated_data_dir)
    assert result.manifest["effective_from"] == "2026-10-01"
    assert result.manifest["effective_to"] == "2027-09-30"
    assert result.manifest["counts"]["codes"] == 98_185  # FY2026's 98,186 without E11.A

    now = lookup("I10", on=NOV_2026)
    assert (now.status, now.vintage) == ("ok", "FY2027")
    assert lookup("S80.01XA", on=NOV_2026).status == "ok"
    assert lookup("E11", on=NOV_2026).status == "not_billable"
    # FY2026 still answers for its own dates
    assert lookup("E11.A", on=date(2026, 5, 1)).status == "ok"
    # the release leaves E11.A out: for a FY2027 date it is not a code, and we say where it is
    gone = lookup("E11.A", on=NOV_2026)
    assert gone.status == "not_found"
    assert "it is a code in FY2026 (2025-10-01 to 2026-09-30)" in gone.message
    vintages = {(row["system"], row["vintage"]) for row in info()}
    assert ("icd10cm", "FY2027") in vintages and ("icd10cm", "FY2026") in vintages
    if kind != "order":  # the tabular keeps its notes
        notes = lookup("E11.9", on=NOV_2026, with_notes=True).notes
        assert any("E10.-" in n["text"] for n in notes["excludes1"])


@pytest.mark.parametrize(
    "name", ["icd10cm_tabular_2027.xml", "icd10cm-table-index-2027.zip", "icd10cm_order_2027.txt"]
)
def test_an_excerpt_of_a_release_is_refused(name: str, isolated_data_dir: Path) -> None:
    """Three categories of FY2027 are not FY2027: refused, saying so, nothing stored."""
    with pytest.raises(CodeSetImportError) as caught:
        import_path(DATA / name)
    message = str(caught.value)
    assert "excerpt or a file cut short" in message and "Nothing was imported" in message
    assert "CMS: 2027-code-tables-tabular-index.zip" in message
    assert "CDC: icd10cm-table-and-index-2027.zip" in message
    assert "download it again" not in message
    assert not (isolated_data_dir / "codesets" / "icd10cm").exists()
    assert [v["vintage"] for v in info() if v["system"] == "icd10cm"] == ["FY2026"]
    assert lookup("I10", on=NOV_2026).status == "outside_vintage"


def test_order_file_import_again_and_remove(release: dict[str, Path]) -> None:
    """Parents and billable flags from the order file; the same file twice changes nothing;
    an imported year can be removed, the shipped one cannot."""
    result = import_path(release["order"])
    assert result.manifest["source"]["format"] == "order-file"
    assert result.manifest["counts"]["billable"] == sum(
        1 for line in release["order"].read_text().splitlines() if line[14] == "1"
    )
    category = lookup("S80.0", on=NOV_2026)
    assert category.status == "not_billable"
    assert "S80.01" in category.children
    assert lookup("E11.9", on=NOV_2026, with_notes=True).notes == {}  # no notes in it

    stamp = (result.path / "codes.tsv").stat().st_mtime_ns
    again = import_path(release["order"])
    assert again.unchanged is True
    assert (again.path / "codes.tsv").stat().st_mtime_ns == stamp

    remove_vintage("icd10cm", "FY2027")
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
