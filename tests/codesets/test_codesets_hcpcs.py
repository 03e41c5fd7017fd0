"""HCPCS Level II import (ANWEB text and xlsx) and lookups by date of service."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest

from addin.codesets import hcpcs
from addin.codesets.importer import ImportOptions, detect_kind, import_path
from addin.errors import CodeSetImportError

DATA = Path(__file__).resolve().parents[1] / "data" / "codesets" / "hcpcs"


@pytest.fixture
def anweb(shared: Path) -> Path:
    return shared / "corpus" / "codesets" / "HCPC2020_ANWEB.zip"


def test_not_imported_answers_none() -> None:
    assert not hcpcs.is_loaded()
    assert hcpcs.lookup("A0021", date(2020, 5, 1)) is None
    assert hcpcs.modifiers() == {}
    assert hcpcs.all_codes(date(2020, 5, 1)) == []


def test_anweb_zip_counts_and_fields(anweb: Path) -> None:
    assert detect_kind(anweb) == "hcpcs"
    result = import_path(anweb)
    assert result.vintage == "CY2020"
    assert result.manifest["counts"] == {"codes": 6710, "terminated": 605, "modifiers": 369}
    assert result.manifest["effective_from"] == "2020-01-01"
    assert result.manifest["source"]["format"] == "anweb-txt"
    a0021 = hcpcs.lookup("a0021", date(2020, 5, 1))
    assert a0021 is not None and a0021.valid and a0021.in_vintage
    assert a0021.description == (
        "Ambulance service, outside state per mile, transport (medicaid only)"
    )
    assert (a0021.coverage, a0021.betos, a0021.action) == ("I", "O1A", "N")
    assert a0021.added == date(1985, 1, 1)
    assert a0021.coverage_text == "not payable by Medicare"
    # continuation lines (record type 8) joined onto the modifier's long description
    qj = hcpcs.modifier("QJ")
    assert qj is not None and qj.description.endswith("meets the requirements in 42 cfr 411.4 (b)")
    assert len(hcpcs.modifiers()) == 369
    assert hcpcs.lookup("99213") is None  # CPT is not in the HCPCS file


def test_termination_and_added_dates(anweb: Path) -> None:
    import_path(anweb)
    before = hcpcs.lookup("A4466", date(2016, 12, 31))
    after = hcpcs.lookup("A4466", date(2017, 1, 1))
    assert before is not None and before.status == "valid"
    assert not before.in_vintage  # answered by CY2020 from the code's own dates
    assert after is not None and after.status == "terminated"
    assert "terminated on 2016-12-31" in after.message
    new = hcpcs.lookup("J0121", date(2019, 9, 30))
    assert new is not None and new.status == "not_effective"
    valid_2020 = {c.code for c in hcpcs.all_codes(date(2020, 6, 1))}
    assert "J0121" in valid_2020 and "A4466" not in valid_2020
    assert len(valid_2020) == 6710 - 605


def test_same_file_twice_is_a_no_op(anweb: Path) -> None:
    first = import_path(anweb)
    second = import_path(anweb)
    assert not first.unchanged and second.unchanged
    assert second.path == first.path


def test_xlsx_variant_matches_the_text(anweb: Path) -> None:
    excerpt = DATA / "HCPC2020_ANWEB_excerpt.xlsx"
    assert detect_kind(excerpt) == "hcpcs"
    result = import_path(excerpt, "hcpcs")
    assert result.manifest["source"]["format"] == "anweb-xlsx"
    assert result.manifest["counts"] == {"codes": 10, "terminated": 2, "modifiers": 6}
    from_xlsx = {c: hcpcs.lookup(c, date(2020, 3, 1)) for c in ("A0021", "A4466", "J0121")}
    qj_xlsx = hcpcs.modifier("QJ")
    import_path(anweb)  # same period, imported later: it now answers
    for code, item in from_xlsx.items():
        text = hcpcs.lookup(code, date(2020, 3, 1))
        assert item is not None and text is not None
        assert item.to_json() == text.to_json()
    assert qj_xlsx is not None and qj_xlsx.description == hcpcs.modifier("QJ").description  # type: ignore[union-attr]


def _zip_with(tmp_path: Path, name: str, text: bytes) -> Path:
    target = tmp_path / "HCPC2020_ANWEB.zip"
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr(name, text)
    return target


def test_truncated_record_names_file_and_line(anweb: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(anweb) as archive:
        name = next(n for n in archive.namelist() if n.endswith("_disclaimer.txt"))
        lines = archive.read(name).split(b"\r\n")
    lines[500] = lines[500][:150]
    broken = _zip_with(tmp_path, name, b"\r\n".join(lines))
    with pytest.raises(CodeSetImportError) as caught:
        import_path(broken, "hcpcs")
    message = str(caught.value)
    assert name in message and "line 501" in message and "320-character" in message
    assert not hcpcs.is_loaded()


def test_garbage_line_and_wrong_file(anweb: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(anweb) as archive:
        name = next(n for n in archive.namelist() if n.endswith("_disclaimer.txt"))
        lines = archive.read(name).split(b"\r\n")
    lines.insert(3000, b"this is not a record")
    broken = _zip_with(tmp_path, name, b"\r\n".join(lines))
    with pytest.raises(CodeSetImportError, match="line 3001: expected a HCPCS record"):
        import_path(broken, "hcpcs")
    other = tmp_path / "notes.txt"
    other.write_text("hello\n")
    with pytest.raises(CodeSetImportError, match="notes.txt: expected the CMS HCPCS ANWEB"):
        import_path(other, "hcpcs")


def test_xlsx_with_typed_cells(tmp_path: Path) -> None:
    """Some CMS workbooks start at the header and type RECID and dates as numbers/dates."""
    import openpyxl

    source = openpyxl.load_workbook(DATA / "HCPC2020_ANWEB_excerpt.xlsx").active
    assert source is not None
    rows = [list(r) for r in source.iter_rows(values_only=True)]
    rows = rows[next(i for i, r in enumerate(rows) if r[0] == "HCPC") :]
    header = rows[0]
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows[1:]:
        typed = list(row)
        typed[2] = int(typed[2])
        for i in (header.index("ADD DT"), header.index("TERM DT")):
            text = typed[i]
            typed[i] = date(int(text[:4]), int(text[4:6]), int(text[6:])) if text else None
        typed[header.index("ACT EFF DT")] = int(typed[header.index("ACT EFF DT")])
        sheet.append(typed)
    target = tmp_path / "HCPC2020_JAN_ANWEB_v2.xlsx"
    book.save(target)
    result = import_path(target)
    assert result.manifest["counts"] == {"codes": 10, "terminated": 2, "modifiers": 6}
    a4466 = hcpcs.lookup("A4466", date(2017, 1, 1))
    assert a4466 is not None and a4466.terminated == date(2016, 12, 31)
    assert a4466.status == "terminated"


def test_text_recognised_without_anweb_in_its_name(anweb: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(anweb) as archive:
        name = next(n for n in archive.namelist() if n.endswith("_disclaimer.txt"))
        text = archive.read(name)
    renamed = tmp_path / "hcpcs_2020.txt"
    renamed.write_bytes(text)
    assert detect_kind(renamed) == "hcpcs"
    result = import_path(renamed, "hcpcs", ImportOptions(effective_from=date(2020, 1, 1)))
    assert result.manifest["counts"]["codes"] == 6710
