"""The importers on the official files as CMS publishes them (../shared/corpus/codesets/real).

Each count is the file's own, counted here independently of the importer (CSV rows whose
first cell is a code, tab-separated edit lines, code lines between section headings).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from addin.codesets import hcpcs, icd10cm, info, lookup, mce, mue, ncci, pfs
from addin.codesets.importer import detect_kind, import_path
from addin.errors import CodeSetImportError

pytestmark = pytest.mark.shared

MCE = "Definitions of Medicare Code Edits_v_43_1.txt"
MUE_FILE = "MCR_MUE_PractitionerServices_Eff_04-01-2026.csv"
CODE = re.compile(r"^[0-9A-Z]{5}$")


@pytest.fixture
def real(shared: Path) -> Path:
    return shared / "corpus" / "codesets" / "real"


def _csv_codes(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("cp1252")
    # "HCPCS" (the header's first cell) has the shape of a code too
    rows = csv.reader(io.StringIO(text))
    return [row for row in rows if row and CODE.match(row[0]) and row[0] != "HCPCS"]


def _systems() -> set[str]:
    return {row["system"] for row in info()}


def test_pfs_rvu_with_its_four_header_rows_and_the_gpci(real: Path) -> None:
    rvu_file, gpci_file = real / "PPRRVU2025_Oct.csv", real / "GPCI2025.csv"
    rows = _csv_codes(rvu_file)
    assert detect_kind(rvu_file) == "pfs"
    result = import_path(rvu_file)
    assert (result.vintage, result.manifest["effective_from"]) == ("CY2025-OCT", "2025-10-01")
    assert result.manifest["counts"]["rows"] == len(rows) == 19_090
    assert result.manifest["counts"]["codes"] == len({r[0] for r in rows})
    assert result.manifest["conversion_factor"] == "32.3465"
    assert "Office o/p est low" not in (result.path / "rvu.tsv").read_text()  # AMA text
    on = date(2025, 11, 3)
    row = pfs.rvu("99213", "", on)
    assert row is not None
    assert (row.work, row.nonfacility_pe, row.facility_pe, row.mp) == tuple(
        Decimal(v) for v in ("1.30", "1.35", "0.57", "0.10")
    )
    # 0075T: the facility NA indicator sits under FACILITY / NA / INDICATOR (three rows)
    stent = pfs.rvu("0075T", "", on)
    assert stent is not None and stent.facility_na and not stent.nonfacility_na
    gpci = import_path(gpci_file)
    assert (gpci.system, gpci.manifest["counts"]) == ("gpci", {"localities": 109})
    # Alabama (MAC 10112, locality 00): PW 1, PE 0.869, MP 0.575, in an office
    total = (
        Decimal("1.30") * 1
        + Decimal("1.35") * Decimal("0.869")
        + Decimal("0.10") * Decimal("0.575")
    )
    expected = (total * Decimal("32.3465")).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert pfs.expected_allowed("99213", "", "1011200", "11", on) == expected


def test_a_pfs_zip_whose_rvu_file_fails_imports_nothing(real: Path, tmp_path: Path) -> None:
    """GPCI first, RVU second used to leave the GPCI in and `info` saying pfs was loaded."""
    text = (real / "PPRRVU2025_Oct.csv").read_bytes().decode("cp1252").split("\n")
    cells = next(csv.reader([text[5000].rstrip("\r")]))
    cells[5] = "n/a"  # WORK RVU
    text[5000] = ",".join(f'"{cell}"' for cell in cells)
    bundle = tmp_path / "rvu25d.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.write(real / "GPCI2025.csv", "GPCI2025.csv")
        archive.writestr("PPRRVU2025_Oct.csv", "\n".join(text).encode("cp1252"))
    with pytest.raises(
        CodeSetImportError, match="PPRRVU2025_Oct.csv, line 5001: expected a num"
    ) as e:
        import_path(bundle)
    assert "download it again" not in str(e.value)
    assert "import the original file from the CMS download" in str(e.value)
    assert _systems() == {"icd10cm"}
    assert not pfs.is_loaded() and pfs.gpci("1011200", date(2025, 11, 3)) is None
    # the whole zip imports both, together
    good = tmp_path / "rvu25d-good.zip"
    with zipfile.ZipFile(good, "w") as archive:
        archive.write(real / "GPCI2025.csv", "GPCI2025.csv")
        archive.write(real / "PPRRVU2025_Oct.csv", "PPRRVU2025_Oct.csv")
    assert import_path(good).vintage == "CY2025-OCT"
    assert _systems() == {"icd10cm", "pfs", "gpci"} and pfs.is_loaded()


def test_mce_v43_without_sex_lists_and_without_its_changes_chapter(real: Path) -> None:
    lines = (real / MCE).read_bytes().decode("cp1252").split("\n")
    codes = re.compile(r"^([A-Z][0-9][0-9A-Z]{1,5})\t")

    stripped = [line.rstrip() for line in lines]
    body = stripped.index("A. Perinatal/Newborn diagnoses")  # the lists, after the contents

    def between(start: str, end: str) -> int:
        """Code lines from a body heading to the next (a contents line ends with its page)."""
        first = stripped.index(start, body)
        stop = stripped.index(end, first)
        return sum(1 for line in lines[first:stop] if codes.match(line))

    result = import_path(real / MCE)
    assert (result.vintage, result.manifest["effective_from"]) == ("MCE-v43.1", "2026-04-01")
    assert result.manifest["sex_edit"] == "deactivated as of 10/01/2024"
    counts = result.manifest["counts"]
    assert counts == {
        "newborn": between(
            "A. Perinatal/Newborn diagnoses", "B. Pediatric diagnoses (age 0 through 17)"
        ),
        "pediatric": between(
            "B. Pediatric diagnoses (age 0 through 17)", "C. Maternity diagnoses (age 9 through 64)"
        ),
        "maternity": between(
            "C. Maternity diagnoses (age 9 through 64)", "D. Adult diagnoses (age 15 through 124)"
        ),
        "adult": between(
            "D. Adult diagnoses (age 15 through 124)",
            "5. Sex conflict (deactivated as of 10/01/2024)",
        ),
        "female": 0,
        "male": 0,
        "manifestation": between(
            "6. Manifestation code as principal diagnosis",
            "7. Non-specific principal diagnosis (discontinued as of 10/01/2007)",
        ),
        "unacceptable_principal": between(
            "9. Unacceptable principal diagnosis",
            "10. Non-specific O.R. procedure (discontinued as of 10/01/2007)",
        ),
    }
    assert counts["maternity"] == 2543 and counts["unacceptable_principal"] == 2652
    on = date(2026, 5, 1)
    assert mce.age_edit("Z00.110", on).category == "newborn"  # type: ignore[union-attr]
    assert mce.is_manifestation("D63.1", on)
    assert mce.is_unacceptable_principal("Z51.89", on)
    # "9. Unacceptable principal diagnosis / The following codes were removed" (chapter 2)
    assert not mce.is_unacceptable_principal("F07.81", on)
    assert mce.sex_edit("N40.0", on) is None
    row = next(r for r in info() if r["system"] == "mce")
    assert "no sex-conflict lists" in row["note"]


def test_mue_practitioner_file_and_zero_meaning_not_paid(real: Path) -> None:
    rows = _csv_codes(real / MUE_FILE)
    result = import_path(real / MUE_FILE)
    assert (result.vintage, result.manifest["effective_to"]) == ("MUE-2026-04-01", "2026-06-30")
    assert result.manifest["counts"]["codes"] == len(rows) == 15_095
    edit = mue.limit("99396", date(2026, 5, 4))
    assert edit is not None and (edit.value, edit.mai, edit.in_vintage) == (0, "3", True)
    # a July date: the Q2 file still answers, but says it does not cover the date
    late = mue.limit("99213", date(2026, 7, 6))
    assert late is not None and not late.in_vintage
    assert mue.outdated(date(2026, 7, 6)).name == "MUE-2026-04-01"  # type: ignore[union-attr]
    assert mue.outdated(date(2026, 5, 4)) is None


@pytest.mark.parametrize(
    ("name", "whose"),
    [
        ("MCR_MUE_OutpatientHospitalServices_Eff_04-01-2026.csv", "hospital outpatient claims"),
        ("MCR_MUE_DMESupplierServices_Eff_04-01-2026.csv", "claims DME suppliers send"),
    ],
)
def test_hospital_and_dme_mue_tables_are_refused_with_what_to_import(
    real: Path, name: str, whose: str
) -> None:
    assert detect_kind(real / name) == "mue"
    with pytest.raises(CodeSetImportError) as caught:
        import_path(real / name)
    message = str(caught.value)
    assert whose in message and "professional claims (837P)" in message
    assert f"import {MUE_FILE} from the same CMS MUE release" in message
    assert "download it again" not in message
    assert _systems() == {"icd10cm"}


def test_ncci_excerpt_with_retired_edits(real: Path) -> None:
    file = real / "ccipra-v322r0-f1.excerpt.txt"
    edits = [
        line
        for line in file.read_bytes().decode("latin-1").splitlines()
        if re.match(r"^[0-9A-Z]{5}\t[0-9A-Z]{5}\t", line)
    ]
    result = import_path(file)
    assert (result.vintage, result.manifest["effective_from"]) == ("PTP-v322r0", "2026-07-01")
    assert result.manifest["counts"]["edits"] == len(edits) == 154
    # 0001A/36591, modifier 0, deleted 2023-12-31: in force in 2023, gone in 2026
    assert ncci.edit("0001A", "36591", date(2023, 6, 1)) is not None
    assert ncci.edit("0001A", "36591", date(2026, 7, 1)) is None


def test_hcpcs_october_2025_and_a_2026_date(real: Path) -> None:
    from addin.codesets.anycode import lookup_code

    result = import_path(real / "HCPC2025_OCT_ANWEB.xlsx")
    assert result.vintage == "CY2025-Q4"
    assert result.manifest["counts"] == {"codes": 8463, "terminated": 1205, "modifiers": 383}
    now = lookup_code("G0439", date(2025, 11, 3))
    assert (now.system, now.status) == ("hcpcs", "ok")
    assert now.description and now.description.startswith("Annual wellness visit")
    later = lookup_code("G0439", date(2026, 3, 2))
    assert later.status == "outside_vintage"
    assert "covers 2025-10-01 to 2025-12-31, not 2026-03-02" in later.message
    assert hcpcs.outdated(date(2026, 3, 2)) is not None


def test_order_file_excerpt_never_replaces_fy2026(real: Path) -> None:
    before = icd10cm.vintage_for(date(2026, 5, 1))
    assert before is not None and len(before.codes) == 98_186
    with pytest.raises(CodeSetImportError) as caught:
        import_path(real / "icd10cm_order_2026.excerpt.txt")
    message = str(caught.value)
    assert "excerpt or a file cut short" in message and "Nothing was imported" in message
    assert "download it again" not in message
    assert [r["vintage"] for r in info() if r["system"] == "icd10cm"] == ["FY2026"]
    icd10cm.reload()
    after = lookup("E11.9", on=date(2026, 5, 1))
    assert (after.status, after.vintage) == ("ok", "FY2026")
    assert len(icd10cm.vintage_for(date(2026, 5, 1)).codes) == 98_186  # type: ignore[union-attr]
