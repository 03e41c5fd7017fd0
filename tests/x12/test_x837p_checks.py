"""Our own 837P checks catch what pyx12 lets through, naming the claim and the segment."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addin.errors import X12Error
from addin.x12.x837p.checks import check_837p, npi_valid
from addin.x12.x837p.reader import read_837p

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "x837p" / "golden"


def findings_for(case: str, old: str, new: str) -> list[tuple[str, str]]:
    text = (GOLDEN / f"{case}.837").read_text("ascii")
    assert old in text, f"{old!r} not in {case}.837"
    doc = read_837p(text.replace(old, new, 1))
    return [(f.rule, f.message) for f in check_837p(doc)]


def test_goldens_are_clean() -> None:
    for path in sorted(GOLDEN.glob("*.837")):
        assert check_837p(read_837p(path)) == [], path.name


@pytest.mark.parametrize(
    ("case", "old", "new", "rule", "words"),
    [
        ("E1001", "CLM*E1001*190.5*", "CLM*E1001*200*", "X12-CLM02-SUM", ["claim E1001", "CLM"]),
        ("E1009", "REF*F8*AET24043000123~\n", "", "X12-F8", ["claim E1009", "CLM05-3", "CLM"]),
        ("E1001", "XX*1987654328", "XX*1987654329", "X12-NPI", ["claim E1001", "NM1*82"]),
        (
            "E1001",
            "HI*ABK:E119*ABF:I10",
            "HI*BK:25000*BF:4019",
            "X12-ICD9-QUALIFIER",
            ["claim E1001", "2024-03-04", "HI"],
        ),
        ("E1001", "*IL*627011234~", "*IL*62701~", "X12-BILLING-ZIP", ["62701", "E1001", "N4"]),
        ("E1001", "***1:2~", "***1:5~", "X12-POINTER", ["claim E1001", "SV107", "SV1"]),
        ("E1004", "HL*2*1*22*1~", "HL*2*1*22*0~", "X12-HL", ["HL04", "HL"]),
        ("E1004", "SBR*P**B77001", "SBR*P*18*B77001", "X12-RELATIONSHIP", ["SBR02", "2000C"]),
        ("E1001", "SE*32*0101", "SE*31*0101", "X12-SE01", ["SE01 says 31", "SE"]),
    ],
)
def test_check_catches(case: str, old: str, new: str, rule: str, words: list[str]) -> None:
    found = findings_for(case, old, new)
    messages = [m for r, m in found if r == rule]
    assert messages, f"{rule} not reported; got {found}"
    for word in words:
        assert word in messages[0], (word, messages[0])
    assert "segment" in messages[0]


def test_npi_check_digit() -> None:
    assert npi_valid("1234567893")
    assert not npi_valid("1234567890")
    assert not npi_valid("123456789")
    assert not npi_valid("12345678A3")


@settings(max_examples=60, deadline=None)
@given(
    case=st.sampled_from(["E1001", "E1004", "E1008", "E1010"]),
    op=st.sampled_from(["drop", "copy", "swap", "cut", "poke"]),
    i=st.integers(min_value=0, max_value=10_000),
    j=st.integers(min_value=0, max_value=10_000),
    char=st.sampled_from(list("*:~^X1 ")),
)
def test_damaged_files_are_read_or_refused_never_crash(
    case: str, op: str, i: int, j: int, char: str
) -> None:
    segs = (GOLDEN / f"{case}.837").read_text("ascii").split("~")
    a, b = i % len(segs), j % len(segs)
    if op == "drop":
        del segs[a]
    elif op == "copy":
        segs.insert(a, segs[b])
    elif op == "swap":
        segs[a], segs[b] = segs[b], segs[a]
    elif op == "cut":
        segs[a] = segs[a][: j % (len(segs[a]) + 1)]
    elif segs[a]:
        k = j % len(segs[a])
        segs[a] = segs[a][:k] + char + segs[a][k + 1 :]
    try:
        doc = read_837p("~".join(segs))
    except X12Error as exc:
        assert str(exc)  # refused with a message
        return
    check_837p(doc)
    doc.x12()


def test_read_837p_takes_a_path_string_or_content() -> None:
    path = GOLDEN / "E1004.837"
    by_path = read_837p(str(path))
    by_text = read_837p(path.read_text("ascii"))
    assert by_path.x12() == by_text.x12() == path.read_text("ascii")
    txn = by_path.transactions()[0]
    assert txn.segment_count() == len(list(txn.walk())) == int(txn.trailer[0][1])
