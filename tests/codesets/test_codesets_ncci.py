"""NCCI PTP practitioner edits: import of the tab-delimited parts, lookups by pair and date."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest

from addin.codesets import ncci
from addin.codesets.importer import detect_kind, import_path
from addin.errors import CodeSetImportError

DATA = Path(__file__).resolve().parents[1] / "data" / "codesets" / "ncci"
F1 = DATA / "ccipra-v261r0-f1.txt"
F2 = DATA / "ccipra-v261r0-f2.txt"


def test_not_imported_answers_none() -> None:
    assert not ncci.is_loaded()
    assert ncci.table() is None
    assert ncci.edit("11042", "11000", date(2020, 5, 1)) is None


def test_part_import_and_lookup() -> None:
    assert detect_kind(F1) == "ncci"
    result = import_path(F1)
    assert result.vintage == "PTP-v261r0"
    assert (result.manifest["effective_from"], result.manifest["effective_to"]) == (
        "2020-04-01",
        "2020-06-30",
    )
    assert result.manifest["files"]["ptp-f1.sqlite"]["rows"] == 10
    found = ncci.edit("11042", "11000", date(2020, 5, 1))
    assert found is not None
    assert found.modifier_indicator == "1" and found.modifier_allowed
    assert found.effective == date(2009, 1, 1) and found.deletion is None
    assert found.rationale == "Standards of medical / surgical practice"
    assert not found.prior_to_1996
    assert ncci.edit("11000", "11042", date(2020, 5, 1)) is None  # directional
    table = ncci.table(date(2020, 5, 1))
    assert table is not None
    assert table.pair("11000", "11042", date(2020, 5, 1)) == found
    never = ncci.edit("20610", "76942", date(2020, 5, 1))
    assert never is not None and never.modifier_indicator == "0" and not never.modifier_allowed
    # modifier 9: deleted the day it began, so never in force, but kept in the history
    assert ncci.edit("36415", "36416", date(1996, 1, 1)) is None
    (na,) = table.history("36415", "36416")
    assert na.modifier_indicator == "9" and na.prior_to_1996 and na.deletion == na.effective
    # the same pair and effective date twice (as in the CMS files): the row in force wins
    same_day = ncci.edit("13121", "13120", date(2020, 5, 1))
    assert same_day is not None and same_day.modifier_indicator == "0"
    assert len(table.history("13121", "13120")) == 2


@pytest.mark.parametrize("preload", [False, True])
def test_dates_are_honoured(preload: bool) -> None:
    import_path(F1)
    import_path(F2)
    table = ncci.table(date(2020, 5, 1), preload=preload)
    assert table is not None
    assert table.edit("20610", "20604", date(2014, 12, 31)) is None  # before effective
    assert table.edit("20610", "20604", date(2015, 1, 1)) is not None
    # in force through its deletion date 2002-12-31, re-added 2015-01-01 (another rationale)
    old = table.edit("29881", "29880", date(2002, 12, 31))
    assert old is not None and old.deletion == date(2002, 12, 31)
    assert old.rationale == "Mutually exclusive procedures"
    assert table.edit("29881", "29880", date(2003, 1, 1)) is None
    assert table.edit("29881", "29880", date(2020, 5, 1)).rationale == "More extensive procedure"  # type: ignore[union-attr]
    assert len(table.history("29881", "29880")) == 2
    # part f2 joined the same vintage
    assert table.edit("13121", "13120", date(1996, 1, 1)).modifier_indicator == "0"  # type: ignore[union-attr]
    assert table.edit("36415", "36416", date(1996, 1, 1)) is None
    assert table.edit("J1100", "96372", date(2019, 12, 31)) is not None
    assert table.edit("J1100", "96372", date(2020, 1, 1)) is None
    latin = table.edit("G0439", "99497", date(2020, 5, 1))
    assert latin is not None and "résumé" in latin.rationale


def test_parts_gather_and_reimport_is_a_no_op() -> None:
    import_path(F1)
    second = import_path(F2)
    assert set(second.manifest["files"]) == {"ptp-f1.sqlite", "ptp-f2.sqlite"}
    assert second.manifest["counts"] == {"edits": 15}
    assert [s["part"] for s in second.manifest["sources"]] == ["f1", "f2"]
    again = import_path(F1)
    assert again.unchanged and again.vintage == "PTP-v261r0"
    table = ncci.table(date(2020, 5, 1))
    assert table is not None and len(table) == 15


def test_zip_of_parts(tmp_path: Path) -> None:
    bundle = tmp_path / "ncci_ptp_v261r0.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        for part in (F1, F2):
            inner = tmp_path / (part.stem + ".zip")
            with zipfile.ZipFile(inner, "w") as one:
                one.write(part, part.name)
            archive.write(inner, inner.name)
    assert detect_kind(bundle) == "ncci"
    result = import_path(bundle)
    assert set(result.manifest["files"]) == {"ptp-f1.sqlite", "ptp-f2.sqlite"}
    assert ncci.edit("93000", "93010", date(2020, 5, 1)) is not None


def _damaged(tmp_path: Path, line_no: int, text: bytes) -> Path:
    lines = F1.read_bytes().split(b"\r\n")
    lines[line_no - 1] = text
    target = tmp_path / F1.name
    target.write_bytes(b"\r\n".join(lines))
    return target


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"11042\t11000\t\t2009-01-01\t*\t1\tx", "modifier 0/1/9"),
        (b"11042\t11000\t\t20090101\t*\t5\tx", "modifier 0/1/9"),
        (b"11042\t11000\t\t20091301\t*\t1\tx", "a date YYYYMMDD"),
        (b"11042,11000,,20090101,*,1,x", "tab-separated"),
    ],
)
def test_damaged_rows_name_file_and_line(tmp_path: Path, text: bytes, expected: str) -> None:
    bad = _damaged(tmp_path, 8, text)
    with pytest.raises(CodeSetImportError) as caught:
        import_path(bad, "ncci")
    message = str(caught.value)
    assert F1.name in message and "line 8" in message and expected in message
    assert not ncci.is_loaded()


def test_wrong_file_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "ccipra-v261r0-f3.txt"
    other.write_text("HCPCS,MUE\n" * 30, encoding="latin-1")
    with pytest.raises(CodeSetImportError, match="f3.txt, line 20: expected the NCCI PTP header"):
        import_path(other, "ncci")
    unnamed = tmp_path / "edits.txt"
    unnamed.write_bytes(F1.read_bytes())
    with pytest.raises(CodeSetImportError, match="pass --effective"):
        import_path(unnamed, "ncci")


def test_hospital_table_is_refused(tmp_path: Path) -> None:
    hospital = tmp_path / "ccioph-v261r0-f1.txt"
    hospital.write_bytes(F1.read_bytes())
    with pytest.raises(CodeSetImportError, match="expected the practitioner PTP edits"):
        import_path(hospital)


def test_preloaded_answers_equal_sqlite_answers() -> None:
    import_path(F1)
    import_path(F2)
    cold = ncci.table(date(2020, 5, 1))
    assert cold is not None
    rows = [line.split("\t") for line in F1.read_text("latin-1").splitlines()[6:]]
    rows += [line.split("\t") for line in F2.read_text("latin-1").splitlines()[6:]]
    days = [date(1995, 12, 31), date(1996, 1, 1), date(2002, 12, 31), date(2003, 1, 1)]
    days += [date(2019, 12, 31), date(2020, 1, 1), date(2020, 4, 1), date(2026, 1, 1)]
    questions = [(r[0], r[1], d) for r in rows for d in days]
    questions += [(r[1], r[0], d) for r in rows for d in days]
    expected = [cold.edit(a, b, d) for a, b, d in questions]
    cold.preload()
    assert [cold.edit(a, b, d) for a, b, d in questions] == expected
    assert sum(e is not None for e in expected) > 20


def test_edits_among_a_claims_codes() -> None:
    assert ncci.edits_among(["93000", "93010"], date(2020, 5, 1)) == []  # nothing imported
    import_path(F1)
    import_path(F2)
    found = ncci.edits_among(["93010", "93000", "g0439", "93000", "99497"], date(2020, 5, 1))
    assert [(e.column1, e.column2) for e in found] == [("93000", "93010"), ("G0439", "99497")]
