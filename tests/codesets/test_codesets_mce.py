"""MCE definitions text: the age, sex, manifestation and unacceptable-PDX lists."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from addin.codesets import mce
from addin.codesets.importer import detect_kind, import_path
from addin.errors import CodeSetImportError

FILE = (
    Path(__file__).resolve().parents[1]
    / "data"
    / "codesets"
    / "mce"
    / "definitions_of_medicare_code_edits_v37.txt"
)


def test_not_imported() -> None:
    assert not mce.is_loaded()
    assert mce.age_edit("P00.0") is None and mce.is_manifestation("G63.2") is None


def test_lists() -> None:
    assert detect_kind(FILE) == "mce"
    result = import_path(FILE)
    assert result.vintage == "MCE-v37.0"
    assert (result.manifest["effective_from"], result.manifest["effective_to"]) == (
        "2019-10-01",
        "2020-09-30",
    )
    assert result.manifest["counts"] == {
        "newborn": 3,
        "pediatric": 3,
        "maternity": 3,
        "adult": 2,
        "female": 3,
        "male": 2,
        "manifestation": 3,
        "unacceptable_principal": 4,
    }
    on = date(2020, 1, 15)
    newborn = mce.age_edit("P00.0", on)
    assert newborn is not None and (newborn.category, newborn.low, newborn.high) == (
        "newborn",
        0,
        0,
    )
    maternity = mce.age_edit("O80", on)
    assert maternity is not None and maternity.fits(9) and not maternity.fits(65)
    assert mce.age_edit("Q652", on).category == "pediatric"  # type: ignore[union-attr]
    assert mce.age_edit("E11.9", on) is None
    assert mce.sex_edit("N92.0", on) == "F" and mce.sex_edit("C61", on) == "M"
    assert mce.sex_edit("0UT90ZZ", on) is None  # procedure lists are not diagnoses
    assert mce.is_manifestation("G63.2", on) and not mce.is_manifestation("E11.9", on)
    assert mce.is_unacceptable_principal("Z37.0", on)
    assert not mce.is_unacceptable_principal("Z38.00", on)
    assert import_path(FILE).unchanged


def test_truncated_file_is_refused(tmp_path: Path) -> None:
    text = FILE.read_bytes().decode("cp1252")
    bad = tmp_path / FILE.name
    cut = text[: text.rindex("6. Manifestation")]
    bad.write_bytes(cut.encode("cp1252"))
    with pytest.raises(CodeSetImportError) as caught:
        import_path(bad, "mce")
    message = str(caught.value)
    assert FILE.name in message and f"line {cut.count(chr(10))}:" in message
    assert "'manifestation', 'unacceptable_principal'" in message
    other = tmp_path / "notes.txt"
    other.write_text("hello\n" * 60)
    with pytest.raises(CodeSetImportError, match="notes.txt, line 50: expected the title"):
        import_path(other, "mce")


def test_ranges_and_version_come_from_the_file(tmp_path: Path) -> None:
    text = FILE.read_bytes().decode("cp1252")
    text = text.replace("Version 37.0\r\n", "").replace("0\u201317 years", "0\u201316 years")
    text = text.replace(" v37.0", "")
    other = tmp_path / "Definitions of Medicare Code Edits_v_41_1.txt"
    other.write_bytes(text.encode("cp1252"))
    result = import_path(other)
    assert result.vintage == "MCE-v41.1"
    assert (result.manifest["effective_from"], result.manifest["effective_to"]) == (
        "2024-04-01",
        "2024-09-30",
    )
    pediatric = mce.age_edit("E30.0", date(2024, 5, 1))
    assert pediatric is not None and (pediatric.low, pediatric.high) == (0, 16)
