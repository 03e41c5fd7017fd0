"""CARC/RARC CSV import, dated lookups, and refusals."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from addin.codesets import carc, rarc
from addin.codesets.importer import detect_kind, import_path
from addin.errors import CodeSetImportError

DATA = Path(__file__).resolve().parents[1] / "data" / "codesets" / "carc"
CARC = DATA / "claim_adjustment_reason_codes_2020-03-01.csv"
RARC = DATA / "remittance_advice_remark_codes_2020-03-01.csv"


def test_not_imported() -> None:
    assert not carc.is_loaded() and carc.describe("45") is None
    assert not rarc.is_loaded() and rarc.describe("N130") is None


def test_both_lists() -> None:
    assert detect_kind(CARC) == "carc" and detect_kind(RARC) == "carc"
    first = import_path(CARC)
    assert (first.system, first.vintage) == ("carc", "CARC-2018-03-01")
    second = import_path(RARC)
    assert (second.system, second.vintage) == ("rarc", "RARC-2019-11-01")
    assert carc.describe("45") == "CARC TEXT PLACEHOLDER 45, with a comma"
    assert rarc.describe("n130") == "RARC TEXT PLACEHOLDER N130"
    assert carc.describe("N130") is None and rarc.describe("45") is None
    stopped = carc.lookup("D1")
    assert stopped is not None and stopped.stop == date(2005, 8, 1)
    assert stopped.status_on(date(2005, 8, 1)) == "valid"
    assert stopped.status_on(date(2005, 8, 2)) == "stopped"
    p2 = carc.lookup("P2")
    assert p2 is not None and p2.status_on(date(2017, 10, 31)) == "not_started"
    assert import_path(CARC).unchanged and import_path(RARC).unchanged


def test_kind_rarc_refuses_carc_codes() -> None:
    with pytest.raises(CodeSetImportError, match="expected RARC codes"):
        import_path(CARC, "rarc")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('45,"x",2018-13-01,,', "Start Date as YYYYMMDD or MM/DD/YYYY"),
        ('ZZ9,"x",01/01/1995,,', "a CARC (e.g. 45, B7) or RARC"),
        ('N130,"x",01/01/1995,,', "CARC and RARC codes in separate files"),
    ],
)
def test_damaged(tmp_path: Path, text: str, expected: str) -> None:
    lines = CARC.read_text().split("\n")
    lines[3] = text + "\r"
    bad = tmp_path / CARC.name
    bad.write_text("\n".join(lines))
    with pytest.raises(CodeSetImportError) as caught:
        import_path(bad, "carc")
    assert f"{CARC.name}, line 4: expected {expected}" in str(caught.value)
    assert not carc.is_loaded()
