"""The weekly cycle step by step in CPU seconds and resident memory, the 837P built whole
(``CLAIMBOOK_837P_WHOLE_FILE=1``), streamed in this process (``CLAIMBOOK_837P_FORK=0``) and
streamed with its later transaction sets in a forked child (``CLAIMBOOK_837P_FORK=1``),
alternating, each run in a fresh process.

The forked way's CPU seconds are the parent's only: its wall seconds show what the second
core gave, and "child" is the memory the child held of its own (pages it or the parent
copied while both ran), which the parent's peak does not count.

On a machine whose cores other work shares, wall-clock step times move by half from one run
to the next; CPU seconds of the process move much less. Each run also prints the resident
memory after every step and the peak so far, so the memory each step keeps is seen.

Run: .venv/bin/python benchmarks/bench_claims_step.py --book DIR/clinic-100000.xlsx [--rounds 3]
(the book as benchmarks/bench_week.py builds it; it is copied, never written).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TODAY = date(2026, 10, 30)


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) // 1024
    return 0


def child(book: Path, folder: Path) -> list[dict[str, Any]]:
    """One cycle on a copy of ``book``: each step's wall and CPU seconds and the resident
    memory when it ended (the cycle's steps as :mod:`addin.runs.progress` reports them)."""
    from addin import runs
    from addin.runs.progress import listening

    copy = folder / "week.xlsx"
    shutil.copyfile(book, copy)
    marks: list[tuple[str, float, float, int]] = []

    def note(step: str, *_: Any) -> None:
        marks.append((step, time.perf_counter(), time.process_time(), _status("VmRSS:")))

    module = importlib.import_module("addin.runs.claims")  # not runs.claims the function
    real = module.stream_837p
    child_mb: list[float] = []

    def stream(*args: Any, **kwargs: Any) -> Any:
        streamed = real(*args, **kwargs)
        child_mb.append(streamed.child_mb if streamed is not None else 0.0)
        return streamed

    module.stream_837p = stream
    with listening(note):
        runs.cycle(copy, runs.Inputs(), today=TODAY)
    note("end")
    rows: list[dict[str, Any]] = []
    for (name, wall, cpu, _), (_, wall2, cpu2, rss) in zip(marks, marks[1:], strict=False):
        rows.append({"step": name, "wall": wall2 - wall, "cpu": cpu2 - cpu, "rss": rss})
    rows.append({"step": "peak", "wall": 0.0, "cpu": 0.0, "mb": _status("VmHWM:")})
    rows.append({"step": "child", "wall": 0.0, "cpu": 0.0, "mb": sum(child_mb)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--book", type=Path, required=False)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(Path(args.child[0]), Path(args.child[1]))))
        return
    if not args.book:
        parser.error("give --book: the workbook benchmarks/bench_week.py builds")
    ways = {
        "whole": {"CLAIMBOOK_837P_WHOLE_FILE": "1", "CLAIMBOOK_837P_FORK": "0"},
        "streamed": {"CLAIMBOOK_837P_WHOLE_FILE": "", "CLAIMBOOK_837P_FORK": "0"},
        "forked": {"CLAIMBOOK_837P_WHOLE_FILE": "", "CLAIMBOOK_837P_FORK": "1"},
    }
    got: dict[str, list[list[dict[str, Any]]]] = {way: [] for way in ways}
    with tempfile.TemporaryDirectory(prefix="bench-claims-step-") as tmp:
        for n in range(args.rounds):
            for way in list(ways) if n % 2 == 0 else list(reversed(ways)):
                folder = Path(tmp) / f"{way}-{n}"
                folder.mkdir()
                env = os.environ | {"CLAIMBOOK_DATA_DIR": str(folder / "data")} | ways[way]
                load = os.getloadavg()[0]
                done = subprocess.run(
                    [sys.executable, __file__, "--child", str(args.book), str(folder)],
                    env=env, check=True, capture_output=True, text=True,
                )  # fmt: skip
                rows = json.loads(done.stdout.strip().splitlines()[-1])
                got[way].append(rows)
                shown = {r["step"]: r for r in rows}
                print(f"round {n + 1} {way:>8}: claims wall {shown['claims']['wall']:.2f} s "
                      f"cpu {shown['claims']['cpu']:.2f} s, "
                      f"rss after claims {shown['claims'].get('rss', 0)} MB, "
                      f"peak {shown['peak']['mb']} MB, child {shown['child']['mb']:.0f} MB, "
                      f"load average {load:.1f}")  # fmt: skip
    print("medians (wall and CPU seconds; resident MB at the end of the step):")
    steps = [r["step"] for r in got["whole"][0] if r["step"] not in ("peak", "child")]
    for step in steps:
        line = f"  {step:<12}"
        for way in ways:
            rows = [next(r for r in run if r["step"] == step) for run in got[way]]
            wall = statistics.median(r["wall"] for r in rows)
            cpu = statistics.median(r["cpu"] for r in rows)
            rss = statistics.median(r.get("rss", 0) for r in rows)
            line += f"  {way} {wall:5.2f} s cpu {cpu:5.2f} s rss {rss:4.0f} MB"
        print(line)
    for way in ways:
        peak, own = (statistics.median(next(r for r in run if r["step"] == name)["mb"]
                                         for run in got[way])
                       for name in ("peak", "child"))  # fmt: skip
        print(f"  peak of the run, {way}: {peak:.0f} MB (a forked child's own: {own:.0f} MB)")
    print(f"cores {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
