"""``claimbook batch`` on every core against one core, in one process, on a generated folder.

Generates CLINICS small clinics (the demo generator, a seed each), copies the folder, runs
the batch with --jobs 1 on one copy and --jobs N on the other (same creation time, fresh
control-number stores), checks every clinic's results are byte-identical, and prints the
times and the speed-up. Each run is timed in a fresh Python process of this script (as
``claimbook batch`` starts cold: imports and code sets loaded once per process), from the
engine's start to the summary workbook. Target (issue 18): >= 1.8x with 2 jobs on 2 cores.
Run: .venv/bin/python benchmarks/bench_batch.py [--clinics 50] [--encounters 120] [--jobs 2]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from addin.demo.workbook import build_demo_workbook  # noqa: E402
from addin.runs.batch import run_batch  # noqa: E402
from addin.runs.parallel import LocalEngine  # noqa: E402

TODAY = date(2026, 10, 30)
CREATED = datetime(2026, 10, 30, 17, 0)


def generate(folder: Path, clinics: int, encounters: int) -> None:
    for i in range(clinics):
        home = folder / f"clinic-{i:03d}"
        home.mkdir(parents=True)
        build_demo_workbook(home / f"clinic-{i:03d}.xlsx", encounters, seed=1000 + i)


def results(folder: Path) -> dict[str, bytes]:
    """Every file a clinic's run wrote or kept (backups are named by the clock: left out)."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "Claimbook backups" not in p.parts and "batch-out" not in p.parts
    }


def timed(folder: Path, jobs: int, data: Path) -> float:
    """The batch in a fresh process with its own (empty) control-number store."""
    env = os.environ | {"CLAIMBOOK_DATA_DIR": str(data)}
    child = [sys.executable, __file__, "--child", str(folder), "--jobs", str(jobs)]
    done = subprocess.run(child, env=env, check=True, capture_output=True, text=True)
    return float(done.stdout.strip().splitlines()[-1])


def child(folder: Path, jobs: int) -> float:
    start = time.perf_counter()
    with LocalEngine(jobs) as engine:
        result = run_batch(
            folder, folder / "batch-out", today=TODAY, as_of=TODAY, engine=engine,
            created=CREATED,
        )  # fmt: skip
    elapsed = time.perf_counter() - start
    failed = [c.name for c, run, _ in result.clinics if run is None]
    assert not failed, f"clinics failed: {failed}"
    return elapsed


def spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def ceiling(jobs: int) -> float:
    """What the machine gives ``jobs`` processes right now: a pure CPU loop, four chunks
    one after another against the same chunks on ``jobs`` processes (other work on a
    shared machine takes its share of the cores)."""
    from concurrent.futures import ProcessPoolExecutor

    chunks = [4_000_000] * (2 * jobs)
    start = time.perf_counter()
    for n in chunks:
        spin(n)
    one = time.perf_counter() - start
    with ProcessPoolExecutor(jobs) as pool:
        pool.submit(os.getpid).result()
        start = time.perf_counter()
        list(pool.map(spin, chunks))
        many = time.perf_counter() - start
    return one / many


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clinics", type=int, default=50)
    parser.add_argument("--encounters", type=int, default=120)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(child(args.child, args.jobs))
        return
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        generate(root / "one", args.clinics, args.encounters)
        shutil.copytree(root / "one", root / "many")
        print(f"generated {args.clinics} clinics x {args.encounters} encounters "
              f"in {time.perf_counter() - start:.1f} s")  # fmt: skip
        one = timed(root / "one", 1, root / "data-1")
        many = timed(root / "many", args.jobs, root / "data-n")
        same = results(root / "one") == results(root / "many")
        print(f"--jobs 1:        {one:7.2f} s  ({args.clinics / one:.1f} clinics/s)")
        print(f"--jobs {args.jobs}:        {many:7.2f} s  ({args.clinics / many:.1f} clinics/s)")
        print(f"speed-up:        {one / many:7.2f}x  (target >= 1.8x with 2 jobs on 2 cores)")
        print(f"cores: {os.cpu_count()}, load average now {os.getloadavg()[0]:.1f}; a pure "
              f"CPU loop on {args.jobs} processes gets {ceiling(args.jobs):.2f}x right now "
              "(the machine's ceiling while others share it)")  # fmt: skip
        print(f"results byte-identical to --jobs 1: {same}")
        if not same:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
