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


def test_fixtures_carry_no_licensed_text() -> None:
    """Every descriptor / list text cell in the fixtures is a placeholder, never real text."""
    import csv
    import re

    from python_calamine import CalamineWorkbook

    base = REPO / "tests" / "data" / "codesets"
    placeholder = re.compile(r"^(LICENSED (DESCRIPTOR|SHORT) \d+(, LONG FORM)?|(CARC|RARC) TEXT "
                             r"PLACEHOLDER \w+(, with a comma)?)$")  # fmt: skip
    cells: list[str] = []
    with (base / "cpt" / "CPT2020_clinic_export.csv").open(newline="") as handle:
        cells += [c for row in list(csv.reader(handle))[1:] for c in row[1:]]
    longult = (base / "cpt" / "LONGULT2020.txt").read_text().splitlines()
    cells += [line.split("\t")[1] for line in longult]
    sheet = CalamineWorkbook.from_path(base / "cpt" / "cpt_2020_medium.xlsx")
    cells += [str(r[2]) for r in sheet.get_sheet_by_index(0).to_python()[1:]]
    with (base / "pfs" / "PPRRVU20_APR.csv").open(newline="", encoding="cp1252") as handle:
        cells += [row[2] for row in list(csv.reader(handle))[6:]]
    for name in ("claim_adjustment_reason_codes", "remittance_advice_remark_codes"):
        with (base / "carc" / f"{name}_2020-03-01.csv").open(newline="") as handle:
            cells += [row[1] for row in list(csv.reader(handle))[1:]]
    assert len(cells) > 50
    assert [c for c in cells if not placeholder.match(c.strip())] == []
