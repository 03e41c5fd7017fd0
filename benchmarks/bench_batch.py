"""``claimbook batch`` on every core against one core, on a generated folder, several times.

Generates CLINICS small clinics (the demo generator, a seed each), then ROUNDS times: copies
the folder twice, runs the batch with --jobs 1 on one copy and --jobs N on the other (same
creation time, fresh control-number stores; which goes first alternates between rounds, so
a burst of other work on a shared machine does not always land on the same side), checks
every clinic's results are byte-identical to --jobs 1 and to the first round's, and
measures the machine's own yardstick: a pure CPU loop on N processes against one. Each run
is timed in a fresh Python process of this script (as ``claimbook batch`` starts cold:
imports and code sets loaded once per process), from the engine's start to the summary
workbook. Prints each round and the medians. Target (issue 18): >= 1.8x with 2 jobs on 2
cores; the yardstick says what the machine allowed while the rounds ran.
Run: .venv/bin/python benchmarks/bench_batch.py [--clinics 50] [--encounters 120] [--jobs 2]
     [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
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


def timed(folder: Path, jobs: int, data: Path) -> tuple[float, float, float]:
    """The batch in a fresh process with its own (empty) control-number store: seconds on
    the clock, CPU seconds of every process of the run, CPU seconds of the parent alone."""
    env = os.environ | {"CLAIMBOOK_DATA_DIR": str(data)}
    child = [sys.executable, __file__, "--child", str(folder), "--jobs", str(jobs)]
    done = subprocess.run(child, env=env, check=True, capture_output=True, text=True)
    wall, cpu, parent = done.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu), float(parent)


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def child(folder: Path, jobs: int) -> str:
    start = time.perf_counter()
    mine, theirs = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
    with LocalEngine(jobs) as engine:
        result = run_batch(
            folder, folder / "batch-out", today=TODAY, as_of=TODAY, engine=engine,
            created=CREATED,
        )  # fmt: skip
    elapsed = time.perf_counter() - start  # the workers have exited: their CPU is counted
    parent = _cpu(resource.RUSAGE_SELF) - mine
    workers = _cpu(resource.RUSAGE_CHILDREN) - theirs
    failed = [c.name for c, run, _ in result.clinics if run is None]
    assert not failed, f"clinics failed: {failed}"
    return f"{elapsed} {parent + workers} {parent}"


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
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(child(args.child, args.jobs))
        return
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        generate(root / "base", args.clinics, args.encounters)
        print(f"generated {args.clinics} clinics x {args.encounters} encounters "
              f"in {time.perf_counter() - start:.1f} s; cores: {os.cpu_count()}; "
              f"{args.rounds} rounds")  # fmt: skip
        ones, manys, ratios, yards, loads = [], [], [], [], []
        cpus: list[tuple[float, float, float]] = []
        first: dict[str, bytes] | None = None
        same = True
        for r in range(args.rounds):
            one, many = root / f"one-{r}", root / f"many-{r}"
            shutil.copytree(root / "base", one)
            shutil.copytree(root / "base", many)
            load = os.getloadavg()[0]
            d1, dn = root / f"data-1-{r}", root / f"data-n-{r}"
            if r % 2 == 0:
                (t1, c1, _), (tn, cn, pn) = timed(one, 1, d1), timed(many, args.jobs, dn)
            else:
                (tn, cn, pn), (t1, c1, _) = timed(many, args.jobs, dn), timed(one, 1, d1)
            yard = ceiling(args.jobs)
            written = results(one)
            first = first if first is not None else written
            agree = written == results(many) and written == first
            same = same and agree
            ones.append(t1), manys.append(tn), ratios.append(t1 / tn)
            yards.append(yard), loads.append(load)
            cpus.append((c1, cn, pn))
            print(f"round {r + 1}: --jobs 1 {t1:6.2f} s ({c1:.1f} CPU s), --jobs {args.jobs} "
                  f"{tn:6.2f} s ({cn:.1f} CPU s, {pn:.1f} of them in the parent): "
                  f"{t1 / tn:.2f}x; CPU yardstick {yard:.2f}x; load average {load:.1f} at "
                  f"the start; identical: {agree}", flush=True)  # fmt: skip
            shutil.rmtree(one), shutil.rmtree(many)
        med = statistics.median
        print(f"--jobs 1:        {med(ones):7.2f} s  ({args.clinics / med(ones):.1f} clinics/s, "
              "median)")  # fmt: skip
        print(f"--jobs {args.jobs}:        {med(manys):7.2f} s  "
              f"({args.clinics / med(manys):.1f} clinics/s, median)")  # fmt: skip
        print(f"speed-up:        {med(ratios):7.2f}x  median of {args.rounds} rounds "
              f"(min {min(ratios):.2f}x, max {max(ratios):.2f}x; target >= 1.8x with 2 jobs "
              "on 2 cores)")  # fmt: skip
        print(f"CPU yardstick:   {med(yards):7.2f}x  median (min {min(yards):.2f}x, max "
              f"{max(yards):.2f}x): what a pure CPU loop on {args.jobs} processes got in the "
              f"same rounds; load average {min(loads):.1f}-{max(loads):.1f} "
              f"(now {os.getloadavg()[0]:.1f})")  # fmt: skip
        c1 = med(c[0] for c in cpus)
        cn = med(c[1] for c in cpus)
        pn = med(c[2] for c in cpus)
        # what 2 free cores would give this work: the parent's share runs alone, the rest
        # is spread over the workers (an estimate from CPU time, which other load on the
        # machine barely changes, unlike the clock)
        print(f"work:            --jobs 1 {c1:.1f} CPU s; --jobs {args.jobs} {cn:.1f} CPU s "
              f"({cn / c1:.2f}x the work, {pn:.1f} s in the parent); on {args.jobs} free "
              f"cores that is about {c1 / (pn + (cn - pn) / args.jobs):.2f}x "
              "(median CPU times; the parent's CPU counted as serial)")  # fmt: skip
        print(f"results byte-identical to --jobs 1 and between rounds: {same}")
        if not same:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
