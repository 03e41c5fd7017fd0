"""The importer registry: every fixture recognised by its layout; damaged zips refused."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from addin.codesets.importer import IMPORTERS, KIND_HELP, detect_kind, import_path
from addin.errors import CodeSetImportError

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.mark.parametrize(
    ("relative", "kind"),
    [
        ("codesets/hcpcs/HCPC2020_ANWEB_excerpt.xlsx", "hcpcs"),
        ("codesets/ncci/ccipra-v261r0-f2.txt", "ncci"),
        ("codesets/mue/MCR_MUE_PractitionerServices_Eff_04-01-2020.csv", "mue"),
        ("codesets/pfs/PPRRVU20_APR.csv", "pfs"),
        ("codesets/pfs/GPCI2020.csv", "pfs"),
        ("codesets/cpt/CPT2020_clinic_export.csv", "cpt"),
        ("codesets/cpt/cpt_2020_medium.xlsx", "cpt"),
        ("codesets/carc/remittance_advice_remark_codes_2020-03-01.csv", "carc"),
        ("codesets/mce/definitions_of_medicare_code_edits_v37.txt", "mce"),
        ("icd10cm/icd10cm_tabular_2027.xml", "icd10cm"),
    ],
)
def test_detects_each_layout(relative: str, kind: str, tmp_path: Path) -> None:
    path = DATA / relative
    assert detect_kind(path) == kind
    # the same file inside a zip with another name is recognised by its contents
    bundle = tmp_path / "download.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.write(path, path.name)
        archive.writestr("readme.txt", "Read me first.\n")
    if kind != "icd10cm":
        assert detect_kind(bundle) == kind


def test_every_kind_is_documented() -> None:
    assert set(IMPORTERS) == set(KIND_HELP)


def test_damaged_zip_and_unknown_file(tmp_path: Path) -> None:
    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w") as archive:
        archive.write(DATA / "codesets/ncci/ccipra-v261r0-f1.txt", "ccipra-v261r0-f1.txt")
    broken = tmp_path / "ccipra-v261r0-f1.zip"
    broken.write_bytes(good.read_bytes()[:-30])
    with pytest.raises(
        CodeSetImportError, match="ccipra-v261r0-f1.zip: the zip is damaged or incomplete"
    ):
        import_path(broken)
    unknown = tmp_path / "notes.csv"
    unknown.write_text("a,b\n1,2\n")
    with pytest.raises(CodeSetImportError, match="notes.csv: not a code-set file .* --kind"):
        import_path(unknown)
    with pytest.raises(CodeSetImportError, match="missing.zip: no such file"):
        import_path(tmp_path / "missing.zip")


def test_undecodable_byte_is_not_a_crash(tmp_path: Path) -> None:
    """0x81 is undefined in cp1252: the line is still read (and checked), never a traceback."""
    mce_text = (DATA / "codesets/mce/definitions_of_medicare_code_edits_v37.txt").read_bytes()
    odd = tmp_path / "definitions_of_medicare_code_edits_v37.txt"
    odd.write_bytes(mce_text.replace(b"Delayed puberty", b"Delayed \x81puberty"))
    assert import_path(odd).manifest["counts"]["pediatric"] == 3
