"""The evaluation set: well-formed, codes real and billable, and accuracy above a floor.

The floors sit a few points under what benchmarks/bench_suggest.py measures, so a change
that makes suggestion worse fails here; the benchmark prints the exact figures and misses.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from addin.codesets import lookup
from addin.coding.suggest import suggest

EVAL = Path(__file__).resolve().parents[1] / "data" / "suggest_eval.tsv"
CATEGORIES = {
    "abbreviation",
    "lay term",
    "laterality",
    "7th character",
    "combination",
    "pediatric",
    "obstetric",
    "Z screening",
    "Z history",
    "Z visit",
    "Z status",
}


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with EVAL.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_eval_set_is_large_varied_and_split(rows: list[dict[str, str]]) -> None:
    assert len(rows) >= 300
    counts = Counter(r["category"] for r in rows)
    assert CATEGORIES <= set(counts), CATEGORIES - set(counts)
    assert all(counts[c] >= 5 for c in CATEGORIES), counts
    splits = Counter(r["split"] for r in rows)
    assert set(splits) == {"dev", "heldout"} and splits["heldout"] >= 100
    phrases = [r["phrase"].lower() for r in rows]
    assert len(phrases) == len(set(phrases)), "duplicate phrases"


def test_every_expected_code_is_billable_in_fy2026(rows: list[dict[str, str]]) -> None:
    bad = [(r["phrase"], r["expected"], lookup(r["expected"]).status) for r in rows]
    assert [b for b in bad if b[2] != "ok"] == []


@pytest.mark.parametrize(("split", "top1", "top5"), [("dev", 0.95, 0.99), ("heldout", 0.87, 0.95)])
def test_accuracy_stays_above_the_floor(
    rows: list[dict[str, str]], split: str, top1: float, top5: float
) -> None:
    subset = [r for r in rows if r["split"] == split]
    ranked = [[s.code for s in suggest(r["phrase"], top=5)] for r in subset]
    first = sum(1 for r, codes in zip(subset, ranked, strict=True) if codes[:1] == [r["expected"]])
    five = sum(1 for r, codes in zip(subset, ranked, strict=True) if r["expected"] in codes)
    assert first / len(subset) >= top1, f"{split} top-1 {first}/{len(subset)}"
    assert five / len(subset) >= top5, f"{split} top-5 {five}/{len(subset)}"
