"""Any text at all: suggest never fails and only ever returns billable FY2026 codes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from addin.codesets import icd10cm
from addin.coding.suggest import suggest

WORDS = st.sampled_from(
    "right left bilateral w/ h/o s/p fx pain acute chronic with without of the knee ear "
    "diabetes htn ckd 3a stage 4 follow-up sequela initial type 2 pregnancy trimester "
    "screening history family ( ) [ ] , ; - / 18 weeks 95th bmi 40-44.9 x y z".split()
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(WORDS, st.text(max_size=12)), max_size=12), st.integers(1, 12))
def test_any_text_gives_billable_codes_in_score_order(words: list[str], top: int) -> None:
    vintage = icd10cm.vintage_for(None)
    assert vintage is not None
    found = suggest(" ".join(words), top=top)
    assert len(found) <= top
    assert len({s.code for s in found}) == len(found)
    for item in found:
        billable, _, description = vintage.codes[item.code]
        assert billable and description == item.description
        assert 0.0 <= item.score <= 1.0
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)
