"""The Lines Billed cell read back: what was written, whether parsed for the first time or
answered from the lines already read, and a damaged part left out."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from addin.claims import build_claims
from addin.models import Book
from addin.registers import claims as register
from addin.registers.claims import SentLine, lines_text, parse_lines

DATA = Path(__file__).resolve().parents[1] / "data" / "x837p"


def test_every_golden_claim_reads_back_as_billed() -> None:
    book = Book.model_validate(json.loads((DATA / "encounters.json").read_text("utf-8")))
    claims = build_claims(book.encounters, book.settings, book.payers, book.fees, book.findings)
    for claim in claims.claims:
        read = parse_lines(lines_text(claim))
        assert [(s.procedure_code, s.modifiers, s.units, s.charge, s.date_of_service)
                for s in read] == [
            (ln.procedure_code, list(ln.modifiers), ln.units, ln.charge, ln.date_of_service)
            for ln in claim.lines
        ]  # fmt: skip
        assert parse_lines(lines_text(claim)) == read  # the second time from the parts read


def test_a_line_read_again_reads_the_same_and_damage_is_left_out() -> None:
    text = "99214:25 x1 230.00 2026-07-06 @11; not a line ;20610:RT x1.5 -180.00 2026-07-07"
    first, again = parse_lines(text), parse_lines(text)
    assert (
        first
        == again
        == [
            SentLine("99214", ["25"], Decimal("1"), Decimal("230.00"), date(2026, 7, 6), "11"),
            SentLine("20610", ["RT"], Decimal("1.5"), Decimal("-180.00"), date(2026, 7, 7), None),
        ]
    )
    assert parse_lines("") == parse_lines(";") == []
    # a damaged date leaves that line out, as a damaged line does
    assert parse_lines("99214 x1 230.00 2026-13-45; 99213 x1 90.00 2026-07-06") == [
        SentLine("99213", [], Decimal("1"), Decimal("90.00"), date(2026, 7, 6), None)
    ]


codes = st.from_regex(r"[A-Z0-9]{5}", fullmatch=True)
mods = st.lists(st.from_regex(r"[A-Z0-9]{2}", fullmatch=True), max_size=4)
parts = st.tuples(
    codes, mods, st.decimals(min_value=0, max_value=999, places=1),
    st.decimals(min_value=-9999, max_value=9999, places=2),
    st.dates(date(2000, 1, 1), date(2030, 12, 31)), st.sampled_from(["", "11", "22"]),
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(parts, min_size=1, max_size=5))
def test_remembered_parts_read_as_parsing_afresh(given_parts) -> None:
    text = "; ".join(
        f"{c}{''.join(':' + m for m in ms)} x{u} {ch:.2f} {d.isoformat()}"
        + (f" @{pos}" if pos else "")
        for c, ms, u, ch, d, pos in given_parts
    )
    register._sent_line.cache_clear()
    fresh = parse_lines(text)
    assert parse_lines(text) == fresh
    assert [(s.procedure_code, s.modifiers, s.units, s.charge.quantize(Decimal("0.01")),
             s.date_of_service, s.place_of_service) for s in fresh] == [
        (c, ms, Decimal(str(u)), ch.quantize(Decimal("0.01")), d, pos or None)
        for c, ms, u, ch, d, pos in given_parts
    ]  # fmt: skip
