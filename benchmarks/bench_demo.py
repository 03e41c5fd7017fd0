"""The demo's time: the quarter's 18 weekly runs, and what each costs next to reading the book.

    .venv/bin/python benchmarks/bench_demo.py [--encounters 2000]

Baseline: reading the final workbook (``read_book``) in the same process; each week's cycle
is printed in seconds and as a multiple of it, with the workbook's size that week. A second,
quarter-size run shows how the total grows with the encounter count. Peak RSS is the
process's.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path


def timed_quarter(folder: Path, encounters: int) -> tuple[float, list[tuple[int, float]], float]:
    """(total seconds, [(week, cycle seconds)], seconds to read the final workbook)."""
    from addin import runs
    from addin.demo import run as demo_run
    from addin.sheets import read_book

    weeks: list[tuple[int, float]] = []
    real = runs.cycle

    def timed(*args: object, **kwargs: object) -> runs.Outcome:
        start = time.perf_counter()
        outcome = real(*args, **kwargs)  # type: ignore[arg-type]
        weeks.append((len(weeks) + 1, time.perf_counter() - start))
        return outcome

    demo_run.runs.cycle = timed  # type: ignore[assignment]
    try:
        start = time.perf_counter()
        result = demo_run.run_demo(folder, encounters=encounters)
        total = time.perf_counter() - start
    finally:
        demo_run.runs.cycle = real  # type: ignore[assignment]
    start = time.perf_counter()
    read_book(result.ledger)
    return total, weeks, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encounters", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CLAIMBOOK_DATA_DIR"] = str(Path(tmp) / "data")
        # warm-up: imports, the ICD-10-CM load and the suggestion index, as a user's 2nd run
        timed_quarter(Path(tmp) / "warm", 40)
        small, _, _ = timed_quarter(Path(tmp) / "small", args.encounters // 4)
        total, weeks, baseline = timed_quarter(Path(tmp) / "full", args.encounters)
    print(f"demo, {args.encounters} encounters, {len(weeks)} weeks; baseline read_book of the "
          f"final workbook {baseline:.2f} s")  # fmt: skip
    print(f"{'week':<6}{'cycle s':>9}{'x read':>9}")
    for week, seconds in weeks:
        print(f"{week:<6}{seconds:9.2f}{seconds / baseline:9.1f}")
    cycles = sum(s for _, s in weeks)
    print(f"cycles {cycles:.2f} s; the office and the world (typing, 999/277CA/835 files) "
          f"{total - cycles:.2f} s; total {total:.2f} s")  # fmt: skip
    print(
        f"quarter-size run: {small:.2f} s; full / quarter = {total / small:.2f} "
        "(4.00 would be linear)"
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
