"""`codesets import` of the CDC Alphabetic Index XML, on excerpts written in its schema."""

from __future__ import annotations

import importlib
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

from addin.codesets import import_path
from addin.codesets.icd10cm_alphabetic import read_tsv, read_xml, resolve
from addin.codesets.importer import detect_kind
from addin.errors import CodeSetError, CodeSetImportError

sg = importlib.import_module("addin.coding.suggest")
DATA = Path(__file__).resolve().parents[1] / "data" / "codesets" / "icd10cm_index"
MAIN = DATA / "icd10cm-index-2026.xml"


def test_read_main_index_paths_codes_and_references() -> None:
    entries = read_xml(MAIN.read_bytes(), name=MAIN.name)
    by_text = {e.text: e for e in entries}
    assert by_text["Pneumonia"].code == "J18.9"  # the default at the main term
    assert by_text["Pneumonia"].nemod.startswith("(acute) (double)")
    lobar = by_text["Pneumonia, lobar"]
    assert lobar.code == "J18.1" and "(disseminated)" in lobar.nemod
    assert by_text["Pneumonia, with, lung abscess"].code == "J85.1"
    assert by_text["Abdominalgia"].see == "Pain, abdominal"
    assert by_text["Pain"].see_also == "Painful"
    assert by_text["Pain, joint, knee"].code == "M25.56-"  # wants more characters
    assert all(e.kind == "I" for e in entries)


def test_tables_spell_out_their_columns() -> None:
    neoplasm = read_xml((DATA / "icd10cm-neoplasm-2026.xml").read_bytes())
    liver = {e.path[0]: e.code for e in neoplasm if e.path[1:] == ("liver",)}
    assert liver["secondary malignant neoplasm (metastatic) (metastasis)"] == "C78.7"
    assert liver["benign neoplasm"] == "D13.4"
    assert {e.kind for e in neoplasm} == {"N"}
    drug = read_xml((DATA / "icd10cm-drug-2026.xml").read_bytes())
    aspirin = {e.path[0]: e.code for e in drug}
    assert aspirin["adverse effect of"] == "T39.015"
    assert aspirin["underdosing of"] == "T39.016"
    external = read_xml((DATA / "icd10cm-eindex-2026.xml").read_bytes())
    assert {e.kind for e in external} == {"E"}


def test_see_reference_gives_the_referring_term_the_target_codes() -> None:
    resolved, _ = resolve(read_xml(MAIN.read_bytes()))
    shown = {(e.text, e.code) for e, _ in resolved}
    assert ("Abdominalgia", "R10.9") in shown
    assert ("Abdominalgia, lower, right quadrant", "R10.31") in shown


def test_excerpts_use_only_the_official_schema(shared: Path) -> None:
    """Every element and attribute of the excerpts is declared in the CDC schemas."""
    folder = shared / "corpus" / "codesets" / "icd10cm_index_fy2025"
    xs = "{http://www.w3.org/2001/XMLSchema}"
    declared: set[str] = set()
    for xsd in folder.glob("*.xsd"):
        root = ElementTree.parse(xsd).getroot()
        declared |= {e.get("name", "") for e in root.iter(f"{xs}element")}
        declared |= {e.get("name", "") for e in root.iter(f"{xs}attribute")}
    for path in DATA.glob("*.xml"):
        for element in ElementTree.parse(path).getroot().iter():
            assert element.tag in declared, (path.name, element.tag)
            assert set(element.attrib) <= declared, (path.name, element.attrib)


def test_import_index_xml_changes_suggestions_and_maps_codes(isolated_data_dir: Path) -> None:
    assert detect_kind(MAIN) == "icd10cm_index"
    result = import_path(MAIN)
    assert result.system == "icd10cm_index" and result.vintage == "FY2026"
    assert result.path == isolated_data_dir / "codesets" / "icd10cm_index" / MAIN.name.replace(
        ".xml", ".tsv.gz"
    )
    counts = result.manifest["counts"]
    # the External Cause Index and both Tables beside the main Index are read too
    assert set(counts) == {"index terms", "external terms", "neoplasm terms", "drug terms"}
    assert {e.kind for e in read_tsv(result.path)} == {"I", "E", "N", "D"}
    try:
        # "Quokka lung" is a marker term only the excerpt has: found through the import
        found = sg.suggest("quokka lung", top=3)
        assert found[0].code == "J67.8"
        assert found[0].why == "Index: Quokka lung"
        # "Quondam fever" points at A99.99, which FY2026 does not have: dropped, never offered
        assert all(s.code != "A99.99" for s in sg.suggest("quondam fever", top=10))
        # a code that gained characters is completed from the words only
        assert sg.suggest("pain joint knee right", top=1)[0].code == "M25.561"
    finally:
        sg.reload()
    again = import_path(MAIN)
    assert again.unchanged


def test_import_the_cdc_zip(tmp_path: Path) -> None:
    archive = tmp_path / "icd10cm-Index-2026.zip"
    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w") as z:
        z.write(DATA / "icd10cm-drug-2026.xml", "icd10cm-drug-2026.xml")
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted(DATA.glob("*.xml")):
            if "drug" not in path.name:
                z.write(path, f"Index/{path.name}")
        z.write(inner, "Index/tables.zip")
        z.writestr("Index/README.txt", "not xml")
    assert detect_kind(archive) == "icd10cm_index"
    result = import_path(archive, "icd10cm_index")
    assert result.manifest["counts"]["drug terms"] == 6
    assert result.manifest["counts"]["neoplasm terms"] == 12
    sg.reload()


def test_bad_index_files_are_refused_with_the_file_named(tmp_path: Path) -> None:
    no_letters = tmp_path / "icd10cm-index-2026.xml"
    no_letters.write_text('<?xml version="1.0"?><ICD10CM.index><version>2026</version>'
                          "</ICD10CM.index>", encoding="utf-8")  # fmt: skip
    with pytest.raises(CodeSetImportError, match="icd10cm-index-2026.xml"):
        import_path(no_letters, "icd10cm_index")
    tables_only = tmp_path / "tables-2026.zip"
    with zipfile.ZipFile(tables_only, "w") as z:
        z.write(DATA / "icd10cm-drug-2026.xml", "icd10cm-drug-2026.xml")
    with pytest.raises(CodeSetImportError, match="no main Alphabetic Index"):
        import_path(tables_only, "icd10cm_index")
    other = tmp_path / "notes.xml"
    other.write_text("<notes/>", encoding="utf-8")
    with pytest.raises(CodeSetImportError, match="not the ICD-10-CM Index XML"):
        import_path(other, "icd10cm_index")
    with pytest.raises(CodeSetError, match="entities"):
        read_xml(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><ICD10CM.index/>')
