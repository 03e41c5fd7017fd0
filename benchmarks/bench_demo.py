"""The demo's time by stage: generating the quarter, then each stage of the clinic run.

    .venv/bin/python benchmarks/bench_demo.py [--encounters 2000]

Baseline: reading the generated workbook (``read_book``) in the same process; every stage is
also printed as a multiple of it. A second, quarter-size run shows how time grows with the
encounter count. Peak RSS is the process's.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path


def timed_run(folder: Path, encounters: int) -> tuple[list[tuple[str, float]], float]:
    """(stage, seconds) for one demo run, and the seconds read_book takes on its workbook."""
    from addin.demo.pipeline import run_clinic

    from addin.demo import data
    from addin.demo.era import adjudicate, write_remits
    from addin.demo.generate import generate
    from addin.demo.workbook import write_workbook
    from addin.sheets import read_book

    stages: list[tuple[str, float]] = []
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        stages.append((name, now - clock))
        clock = now

    demo = generate(encounters)
    lap("generate encounters")
    remits = adjudicate(demo)
    lap("adjudicate (payers)")
    book = write_workbook(demo, folder / "clinic.xlsx")
    lap("write the workbook")
    files = write_remits(remits, demo.settings, folder / "remittances")
    lap("write 835s + portal sheet")
    names: list[str] = []

    def step(name: str) -> None:
        if names:
            lap(names[-1])
        else:
            lap("(between)")
        names.append(name)

    run_clinic(
        book, files, out=folder / "out.xlsx", x12_dir=folder, today=data.AS_OF,
        as_of=data.AS_OF, progress=step,
    )  # fmt: skip
    lap(names[-1])
    stages = [s for s in stages if s[0] != "(between)"]
    start = time.perf_counter()
    read_book(book)
    return stages, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encounters", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CLAIMBOOK_DATA_DIR"] = str(Path(tmp) / "data")
        # warm-up: imports, the ICD-10-CM load and the suggestion index, as a user's 2nd run
        timed_run(Path(tmp) / "warm", 50)
        small, small_read = timed_run(Path(tmp) / "small", args.encounters // 4)
        full, baseline = timed_run(Path(tmp) / "full", args.encounters)
    total = sum(t for _, t in full)
    print(f"demo, {args.encounters} encounters; baseline read_book {baseline:.2f} s")
    print(f"{'stage':<28}{'seconds':>9}{'x read':>9}{'ms/enc':>9}")
    for (name, seconds), (_, quarter) in zip(full, small, strict=True):
        ms = seconds * 1000 / args.encounters
        growth = seconds / quarter if quarter else 0.0
        print(f"{name:<28}{seconds:9.2f}{seconds / baseline:9.1f}{ms:9.2f}"
              f"   (x{growth:.1f} of the quarter-size run)")  # fmt: skip
    small_total = sum(t for _, t in small)
    print(f"{'total':<28}{total:9.2f}{total / baseline:9.1f}{total * 1000 / args.encounters:9.2f}")
    print(f"quarter-size run: {small_total:.2f} s; full / quarter = {total / small_total:.2f} "
          f"(4.00 would be linear); read_book quarter {small_read:.2f} s")  # fmt: skip
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
