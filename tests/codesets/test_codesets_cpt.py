"""Licensed CPT import: column mappings, user store only, refusals naming file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from addin.codesets import cpt
from addin.codesets.importer import ImportOptions, detect_kind, import_path
from addin.codesets.store import user_root
from addin.errors import CodeSetImportError

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data" / "codesets" / "cpt"


def test_not_imported() -> None:
    assert not cpt.is_loaded() and cpt.describe("99213") is None and cpt.all_codes() == []


def test_csv_with_default_headers_goes_to_the_user_store() -> None:
    source = DATA / "CPT2020_clinic_export.csv"
    assert detect_kind(source) == "cpt"
    result = import_path(source)
    assert result.vintage == "CY2020" and result.manifest["counts"] == {"codes": 10}
    assert result.path.is_relative_to(user_root())
    assert not result.path.is_relative_to(REPO)
    assert cpt.describe("99213") == "LICENSED DESCRIPTOR 5, LONG FORM"
    assert cpt.describe("0591T") == "LICENSED DESCRIPTOR 8, LONG FORM"
    assert cpt.describe("99999") is None
    assert len(cpt.all_codes()) == 10
    assert import_path(source).unchanged


def test_headerless_tsv_by_column_numbers() -> None:
    source = DATA / "LONGULT2020.txt"
    with pytest.raises(CodeSetImportError, match="pass --kind"):
        detect_kind(source)
    with pytest.raises(CodeSetImportError, match="--code-column/--descriptor-column"):
        import_path(source, "cpt")
    import_path(source, "cpt", ImportOptions(code_column="1", descriptor_column="2"))
    assert cpt.describe("1036F") == "LICENSED DESCRIPTOR 9"


def test_xlsx_by_header_name() -> None:
    source = DATA / "cpt_2020_medium.xlsx"
    import_path(source, "cpt", ImportOptions(descriptor_column="Medium Descriptor"))
    assert cpt.describe("99202") == "LICENSED DESCRIPTOR 1"  # a numeric cell keeps its code
    assert cpt.describe("0001U") == "LICENSED DESCRIPTOR 7"


def test_bad_code_names_file_and_line(tmp_path: Path) -> None:
    text = (DATA / "CPT2020_clinic_export.csv").read_text().replace("99212,", "9921,", 1)
    bad = tmp_path / "CPT2020_clinic_export.csv"
    bad.write_text(text)
    with pytest.raises(CodeSetImportError, match=r"export.csv, line 5: expected a CPT code"):
        import_path(bad, "cpt")
    assert not cpt.is_loaded()


def test_fixtures_carry_no_cpt_text() -> None:
    for path in (REPO / "tests" / "data" / "codesets").rglob("*"):
        if path.is_file() and path.suffix in (".csv", ".txt"):
            for line in path.read_bytes().decode("cp1252").splitlines():
                if "DESCRIPTOR" in line.upper() and "LICENSED" not in line.upper():
                    assert "Descriptor" in line or "DESCRIPTION" in line.upper(), line
