"""ICD-10-CM cold load and warm lookups per second, against baselines run in the same process.

Targets (issue 2): cold load <= 0.3 s; >= 200,000 lookups/s warm.
Baselines: reading the same codes.tsv into a plain dict of lines (the least a loader can do),
and a bare ``dict.get`` over the same keys (the ceiling for a lookup).
Run: .venv/bin/python benchmarks/bench_icd10cm.py
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from addin.codesets import icd10cm  # noqa: E402


def best_of(runs: int, func: object) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    info = icd10cm.vintages()[0]
    path = info.path / "codes.tsv"

    def baseline_load() -> dict[str, str]:
        with path.open(encoding="utf-8") as handle:
            return {line[: line.index("\t")]: line for line in handle}

    base = best_of(5, baseline_load)
    load = best_of(5, lambda: icd10cm.Icd10cmVintage(info))
    print(f"cold load (in process, best of 5): {load * 1000:.1f} ms   target <= 300 ms")
    print(
        f"  baseline: read codes.tsv into a dict of raw lines: {base * 1000:.1f} ms "
        f"(ratio {load / base:.2f}x)"
    )

    script = (
        "import time; t=time.perf_counter(); import addin; "
        "r=addin.lookup('E11.9'); print(time.perf_counter()-t)"
    )
    fresh = [
        float(subprocess.check_output([sys.executable, "-c", script], cwd=ROOT)) for _ in range(3)
    ]
    bare = [
        float(
            subprocess.check_output(
                [
                    sys.executable,
                    "-c",
                    "import time; t=time.perf_counter(); print(time.perf_counter()-t)",
                ],
                cwd=ROOT,
            )
        )
        for _ in range(3)
    ]
    print(
        f"fresh process: import addin + first lookup: {min(fresh) * 1000:.1f} ms "
        f"(python start-up itself excluded; bare timer {min(bare) * 1000:.3f} ms)"
    )

    vintage = icd10cm.vintage_for(None)
    assert vintage is not None
    rng = random.Random(7)
    codes = rng.sample(sorted(vintage.codes), 20_000)
    typed = [c.replace(".", "").lower() for c in codes[:5_000]]
    dos = date(2026, 3, 2)
    mix = codes + typed
    n = len(mix)

    def run_lookups() -> None:
        for code in mix:
            icd10cm.lookup(code)

    def run_dated() -> None:
        for code in mix:
            icd10cm.lookup(code, dos)

    def run_dict() -> None:
        get = vintage.codes.get
        for code in mix:
            get(code)

    run_lookups()
    t_lookup = best_of(3, run_lookups)
    t_dated = best_of(3, run_dated)
    t_dict = best_of(3, run_dict)
    print(
        f"warm lookups: {n / t_lookup:,.0f}/s (newest vintage), {n / t_dated:,.0f}/s "
        f"(with a date of service)   target >= 200,000/s"
    )
    print(
        f"  mix: {len(codes):,} dotted codes (about a quarter headers, whose answers are "
        f"cached per code after the first pass) + {len(typed):,} typed undotted lower-case"
    )
    print(f"  baseline dict.get: {n / t_dict:,.0f}/s (lookup costs {t_lookup / t_dict:.1f}x)")


if __name__ == "__main__":
    main()
