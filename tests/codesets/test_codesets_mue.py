"""MUE practitioner CSV: import, limits by date, refusals naming file and line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from addin.codesets import mue
from addin.codesets.importer import detect_kind, import_path
from addin.errors import CodeSetImportError

DATA = Path(__file__).resolve().parents[1] / "data" / "codesets" / "mue"
FILE = DATA / "MCR_MUE_PractitionerServices_Eff_04-01-2020.csv"


def test_not_imported() -> None:
    assert not mue.is_loaded() and mue.limit("J1100", date(2020, 5, 1)) is None


def test_import_and_limits() -> None:
    assert detect_kind(FILE) == "mue"
    result = import_path(FILE)
    assert result.vintage == "MUE-2020-04-01"
    assert (result.manifest["effective_from"], result.manifest["effective_to"]) == (
        "2020-04-01",
        "2020-06-30",
    )
    assert result.manifest["counts"] == {"codes": 10}
    j1100 = mue.limit("j1100", date(2020, 5, 1))
    assert j1100 is not None
    assert (j1100.value, j1100.mai, j1100.rationale) == (120, "3", "Prescribing Information")
    assert j1100.per_day and j1100.mai_text == "Date of Service Edit: Clinical" and j1100.in_vintage
    line_edit = mue.limit("A4550", date(2020, 5, 1))
    assert line_edit is not None and line_edit.mai == "1" and not line_edit.per_day
    assert mue.limit("0001U", date(2020, 5, 1)).value == 1  # type: ignore[union-attr]
    assert mue.limit("99213", date(2020, 5, 1)) is None
    later = mue.limit("J1100", date(2020, 8, 1))
    assert later is not None and not later.in_vintage  # only the Q2 file is loaded


def test_twice_is_a_no_op() -> None:
    assert not import_path(FILE).unchanged
    assert import_path(FILE).unchanged


@pytest.mark.parametrize(
    ("line", "text", "expected"),
    [
        (8, '11045,twelve,"3 Date of Service Edit: Clinical",Clinical: Data', "a whole number"),
        (8, "11045,12,7 Something,Clinical: Data", "indicator 1, 2 or 3"),
        (8, "1104,12,3 Date of Service Edit: Clinical,Clinical: Data", "5-character"),
        (8, "11042,1,2 Date of Service Edit: Policy,CMS Policy", "listed twice"),
        (4, "Code,Units", "a header 'HCPCS/CPT Code"),
    ],
)
def test_damaged(tmp_path: Path, line: int, text: str, expected: str) -> None:
    lines = FILE.read_bytes().decode("cp1252").split("\r\n")
    lines[line - 1] = text
    bad = tmp_path / FILE.name
    bad.write_bytes("\r\n".join(lines).encode("cp1252"))
    with pytest.raises(CodeSetImportError) as caught:
        import_path(bad, "mue")
    message = str(caught.value)
    assert FILE.name in message and expected in message
    if "header" not in expected:
        assert f"line {line}" in message
    assert not mue.is_loaded()


def test_dme_table_is_refused(tmp_path: Path) -> None:
    dme = tmp_path / "MCR_MUE_DMESupplierServices_Eff_04-01-2020.csv"
    dme.write_bytes(
        FILE.read_bytes().replace(b"Practitioner Services MUE", b"DME Supplier Services MUE")
    )
    assert detect_kind(dme) == "mue"
    with pytest.raises(CodeSetImportError) as caught:
        import_path(dme)
    message = str(caught.value)
    assert "line 4: this is the CMS 'DME Supplier Services MUE Values' table" in message
    assert "import MCR_MUE_PractitionerServices_Eff_04-01-2020.csv" in message
