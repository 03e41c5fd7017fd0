"""Worksheet functions in process: 10,000 CB_VALID calls with Excel-typed arguments.

Target (issue 8): 10,000 CB_VALID calls <= 0.5 s, so a column of codes recalculates without
a visible pause. Baseline, run in the same process on the same 10,000 cells: the library call
the UDF wraps for the code alone (``icd10cm.lookup``), so the ratio is what argument handling,
the scrubber's facts, sex/age edits and error trapping add. Also: the other UDFs per call.
Run: .venv/bin/python benchmarks/bench_udfs.py
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from addin.codesets import icd10cm  # noqa: E402
from addin.excel.udfs import (  # noqa: E402
    CB_BILLABLE,
    CB_DESCRIBE,
    CB_EXPECTED,
    CB_NPI_VALID,
    CB_SUGGEST,
    CB_VALID,
)

CALLS = 10_000
TARGET = 0.5


def best_of(runs: int, func: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def cells() -> list[tuple[object, object, object, object]]:
    """A recalculating column: codes as typed (text, lower case, CPT as floats), dates as
    datetimes and serials, sex and age cells, some empty, some wrong."""
    rng = random.Random(8)
    vintage = icd10cm.vintage_for(None)
    assert vintage is not None
    billable = [c for c, entry in vintage.codes.items() if entry[0]]
    pool: list[object] = [*rng.sample(billable, 300), "e119", "E11", "S93.402", "E11.99"]
    pool += [99213.0, 99214.0, "J3301", "1234"]
    dates: list[object] = [datetime(2026, 3, 2), 46083.0, None, "2026-03-02"]
    sexes: list[object] = ["F", "M", None, "Female"]
    ages: list[object] = [40.0, 8.0, None, 70.0]
    return [
        (rng.choice(pool), rng.choice(dates), rng.choice(sexes), rng.choice(ages))
        for _ in range(CALLS)
    ]


def main() -> None:
    column = cells()
    # the first recalculation pays once per session for each code's derived edits
    cold = best_of(1, lambda: [CB_VALID(*cell) for cell in column])
    plain = [(str(c) if not isinstance(c, float) else str(int(c))) for c, *_ in column]
    base = best_of(5, lambda: [icd10cm.lookup(code) for code in plain])
    udf = best_of(5, lambda: [CB_VALID(*cell) for cell in column])
    verdict = "meets" if udf <= TARGET else "MISSES"
    print(f"{CALLS:,} CB_VALID calls (code, date, sex, age), warm, best of 5: {udf:.3f} s")
    print(f"  target <= {TARGET} s: {verdict} ({udf / TARGET:.2f} of the budget)")
    print(
        f"  baseline: {CALLS:,} icd10cm.lookup(code) on the same cells: {base:.3f} s "
        f"(ratio {udf / base:.2f}x)"
    )
    print(f"  first recalculation of the column (cold caches): {cold:.3f} s")

    contracts = [["Payer", "Code", "Modifier", "Allowed"]] + [
        ["Aetna", f"{99200 + i}", "", 50.0 + i] for i in range(200)
    ]
    others: list[tuple[str, Callable[[], object], int]] = [
        ("CB_DESCRIBE", lambda: [CB_DESCRIBE(c) for c in plain[:2000]], 2000),
        ("CB_BILLABLE", lambda: [CB_BILLABLE(c) for c in plain[:2000]], 2000),
        ("CB_NPI_VALID", lambda: [CB_NPI_VALID(1234567893.0) for _ in range(2000)], 2000),
        ("CB_EXPECTED (200-row range)", lambda: [
            CB_EXPECTED("Aetna", 99213.0, None, contracts) for _ in range(200)], 200),
    ]  # fmt: skip
    phrases = [
        "DM2 w/ neuropathy",
        "HTN",
        "flu shot",
        "annual physical",
        "low back pain",
        "acute sinusitis",
        "UTI",
        "sprained left ankle",
        "well child 4 yo",
        "COPD flare",
        "anxiety",
        "GERD",
        "hyperlipidemia",
        "otitis media right",
        "chest pain",
        "migraine",
        "hypothyroid",
        "asthma mild intermittent",
        "obesity",
        "B12 def",
    ]
    fresh = best_of(1, lambda: [CB_SUGGEST(p) for p in phrases])
    again = best_of(3, lambda: [CB_SUGGEST(p) for p in phrases])
    print(f"CB_SUGGEST (top 5): {fresh / len(phrases) * 1e3:.2f} ms per new text, "
          f"{again / len(phrases) * 1e6:.1f} us when the text recalculates")  # fmt: skip
    for name, run, count in others:
        seconds = best_of(3, run)
        print(f"{name}: {seconds / count * 1e6:,.1f} us per call ({count} calls)")


if __name__ == "__main__":
    main()
