"""PFS RVU + GPCI import (descriptors dropped) and expected_allowed to the cent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from addin.codesets import pfs
from addin.codesets.importer import detect_kind, import_path
from addin.errors import CodeSetImportError

DATA = Path(__file__).resolve().parents[1] / "data" / "codesets" / "pfs"
RVU = DATA / "PPRRVU20_APR.csv"
GPCI = DATA / "GPCI2020.csv"
ON = date(2020, 5, 1)


def test_not_imported() -> None:
    assert not pfs.is_loaded()
    assert pfs.expected_allowed("99213", "", "0111205", "11", ON) is None


def test_rvu_import_strips_descriptors() -> None:
    assert detect_kind(RVU) == "pfs"
    result = import_path(RVU)
    assert (result.vintage, result.manifest["effective_from"]) == ("CY2020-APR", "2020-04-01")
    assert result.manifest["conversion_factor"] == "36.0896"
    stored = (result.path / "rvu.tsv").read_text(encoding="utf-8")
    assert "LICENSED DESCRIPTOR" not in stored and "99213" in stored
    row = pfs.rvu("99213", "", ON)
    assert row is not None
    assert (row.work, row.nonfacility_pe, row.facility_pe, row.mp) == (
        Decimal("0.97"),
        Decimal("1.13"),
        Decimal("0.40"),
        Decimal("0.07"),
    )
    assert (row.status, row.global_days, row.conversion_factor) == ("A", "XXX", Decimal("36.0896"))
    assert pfs.rvu("71046", "26", ON).work == Decimal("0.22")  # type: ignore[union-attr]
    assert pfs.rvu("29881", "", ON).nonfacility_na  # type: ignore[union-attr]
    assert not pfs.is_loaded()  # GPCIs still missing


def test_expected_allowed() -> None:
    import_path(RVU)
    assert import_path(GPCI).system == "gpci"
    assert pfs.is_loaded()
    # (0.97*1.083 + 1.13*1.459 + 0.07*0.460) * 36.0896 = 98.5744 -> 98.57
    assert pfs.expected_allowed("99213", "", "01112-05", "11", ON) == Decimal("98.57")
    # facility POS 22: (0.97*1.083 + 0.40*1.459 + 0.07*0.460) * 36.0896 = 60.14
    assert pfs.expected_allowed("99213", "", "0111205", "22", ON) == Decimal("60.14")
    # professional component of 71046 in Dallas: (0.22*1.017 + 0.08*1.013 + 0.01*0.905) * CF
    assert pfs.expected_allowed("71046", "26", "0441218", "11", ON) == Decimal("11.33")
    # no non-facility PE (NA): priced at the facility PE even in an office
    assert pfs.expected_allowed("29881", "", "1011200", "11", ON) == Decimal("459.02")
    assert pfs.expected_allowed("99358", "", "1011200", "11", ON) is None  # bundled (B)
    assert pfs.expected_allowed("99213", "", "18", "11", ON) is None  # 18: CA and TX
    assert pfs.expected_allowed("99213", "", "00", "11", ON) == pfs.expected_allowed(
        "99213", "", "1011200", "11", ON
    )
    gpci = pfs.gpci("0210201", ON)
    assert gpci is not None and gpci.work == Decimal("1.500") and gpci.state == "AK"


def test_twice_is_a_no_op() -> None:
    import_path(RVU)
    assert import_path(RVU).unchanged
    import_path(GPCI)
    assert import_path(GPCI).unchanged


def test_damaged_rvu_and_gpci(tmp_path: Path) -> None:
    lines = RVU.read_bytes().decode("cp1252").split("\r\n")
    lines[15] = lines[15].replace("0.97", "O.97")
    bad = tmp_path / RVU.name
    bad.write_bytes("\r\n".join(lines).encode("cp1252"))
    with pytest.raises(CodeSetImportError, match=r"PPRRVU20_APR.csv, line 16: expected a number"):
        import_path(bad, "pfs")
    g = GPCI.read_text(encoding="cp1252").split("\n")
    g[4] = "01112,CA,05,SAN FRANCISCO*,1.083,high,0.460\r"
    bad = tmp_path / GPCI.name
    bad.write_text("\n".join(g), encoding="cp1252")
    with pytest.raises(CodeSetImportError, match=r"GPCI2020.csv, line 5: expected a number"):
        import_path(bad, "pfs")
    other = tmp_path / "fees.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(CodeSetImportError, match="fees.csv: expected a PFS RVU CSV"):
        import_path(other, "pfs")


@pytest.mark.parametrize("variant", ["below", "one_row"])
def test_header_variants(tmp_path: Path, variant: str) -> None:
    """CMS has split the column names above or below the HCPCS row, or kept them in one."""
    lines = RVU.read_bytes().decode("cp1252").split("\r\n")
    upper, names = lines[4].split(","), lines[5].split(",")
    joined = [f"{a} {b}".strip() for a, b in zip(upper, names, strict=True)]
    if variant == "below":  # NON-FAC on the HCPCS row, PE RVU on the row under it
        pairs = list(zip(upper, names, strict=True))
        lines[4:6] = [
            ",".join(a or n for a, n in pairs),
            ",".join(n if a else "" for a, n in pairs),
        ]
    else:
        lines[4:6] = [",".join(joined)]
    variant_file = tmp_path / RVU.name
    variant_file.write_bytes("\r\n".join(lines).encode("cp1252"))
    import_path(variant_file)
    import_path(GPCI)
    assert pfs.expected_allowed("99213", "", "01112-05", "11", ON) == Decimal("98.57")


def test_gpci_short_header(tmp_path: Path) -> None:
    text = GPCI.read_text(encoding="cp1252").replace(
        "Medicare Administrative Contractor (MAC),State", "MAC,STATE"
    )
    short = tmp_path / GPCI.name
    short.write_text(text, encoding="cp1252")
    assert detect_kind(short) == "pfs"
    result = import_path(short)
    assert (result.system, result.manifest["counts"]) == ("gpci", {"localities": 6})


def test_rvu_zip_with_qpp_and_non_qpp(tmp_path: Path) -> None:
    """CY2026 zips hold PPRRVU2026_Jan_QPP.csv and _nonQPP.csv; non-QPP is the default."""
    import zipfile

    text = RVU.read_bytes().decode("cp1252").replace("2020 National", "2026 National")
    text = text.replace("April Release", "January Release")
    bundle = tmp_path / "rvu26a.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("PPRRVU2026_Jan_QPP.csv", text.replace("36.0896", "33.4009"))
        archive.writestr("PPRRVU2026_Jan_nonQPP.csv", text.replace("36.0896", "33.4209"))
        archive.write(GPCI, "GPCI2026.csv")
    result = import_path(bundle)
    assert (result.vintage, result.manifest["effective_from"]) == ("CY2026-JAN", "2026-01-01")
    assert result.manifest["conversion_factor"] == "33.4209"
    assert pfs.gpci("0111205", date(2026, 3, 1)) is None  # the GPCI file says 2020


def test_prices_only_inside_the_files_dates() -> None:
    import_path(RVU)
    import_path(GPCI)
    assert pfs.expected_allowed("99213", "", "0111205", "11", date(2020, 3, 31)) is None
    assert pfs.expected_allowed("99213", "", "0111205", "11", date(2021, 1, 1)) is None
    assert pfs.expected_allowed("99213", "", "0111205", "11", date(2020, 12, 31)) is not None
