"""Values in the 837P: amounts, names, NDCs; Hypothesis round-trips amounts and delimiters."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addin.x12.segments import Delimiters, read_segments
from addin.x12.x837p.reader import read_837p
from addin.x12.x837p.text import amount, cleaned, ndc11, parse_ndc


@pytest.mark.parametrize(
    ("value", "text"),
    [("100.00", "100"), ("40.50", "40.5"), ("0.00", "0"), ("0.05", "0.05"), ("1234.56", "1234.56")],
)
def test_amount_without_needless_zeros(value: str, text: str) -> None:
    assert amount(Decimal(value)) == text


@given(st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2))
def test_amount_round_trips(value: Decimal) -> None:
    text = amount(value)
    assert Decimal(text) == value
    assert not (("." in text) and text.endswith("0"))


@pytest.mark.parametrize(
    ("name", "out", "changed"),
    [
        ("Garcia", "GARCIA", False),
        ("  de la  Cruz ", "DE LA CRUZ", False),
        ("O'Brien-Núñez", "O'BRIEN-NUNEZ", True),
        ("Smith*Jr", "SMITHJR", True),
        ("Lee~Kim:^", "LEEKIM", True),
    ],
)
def test_names_cleaned(name: str, out: str, changed: bool) -> None:
    assert cleaned(name) == (out, changed)


@pytest.mark.parametrize(
    ("ndc", "out"),
    [
        ("63323-0165-01", "63323016501"),
        ("0409-4888-02", "00409488802"),
        ("12345-678-90", "12345067890"),
        ("12345-6789-1", "12345678901"),
        ("63323016501", "63323016501"),
        ("6332301650", None),
        ("abc", None),
    ],
)
def test_ndc11(ndc: str, out: str | None) -> None:
    assert ndc11(ndc) == out


GOLDEN = Path(__file__).resolve().parents[1] / "data" / "x837p" / "golden"
_seps = "*|!>:^{}~"


@st.composite
def delimiters(draw: st.DrawFn) -> Delimiters:
    chosen = draw(st.permutations(_seps).map(lambda p: p[:4]))
    return Delimiters(chosen[0], chosen[1], chosen[2], chosen[3])


@settings(max_examples=40, deadline=None)
@given(delims=delimiters())
def test_golden_rewritten_with_any_delimiters_reads_back(delims: Delimiters) -> None:
    doc = read_837p(GOLDEN / "E1008.837")
    original = [[s.id, *s.elements] for s in read_segments(GOLDEN / "E1008.837")]
    text = doc.interchanges[0].x12(delims)
    reader = read_segments(text)
    back = [[s.id, *s.elements] for s in reader]
    assert reader.delimiters == delims
    assert len(back) == len(original)
    for old, new in zip(original[1:], back[1:], strict=True):
        assert [e.split(":") for e in old] == [e.split(delims.component) for e in new]
    again = read_837p(text).interchanges[0].x12()
    assert again == text


@pytest.mark.parametrize(
    ("text", "out"),
    [
        ("63323-0165-01", ("63323016501", "UN", "")),
        ("63323-0165-01 ML 2", ("63323016501", "ML", "2")),
        ("63323016501 ml0.5", ("63323016501", "ML", "0.5")),
        ("63323-0165-01 XX 2", None),
        ("633230165", None),
    ],
)
def test_parse_ndc(text: str, out: tuple[str, str, str] | None) -> None:
    assert parse_ndc(text) == out
