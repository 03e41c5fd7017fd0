"""The claims step's 837P: built whole then checked and written (the old path) against
built, checked and written one subscriber level at a time (:mod:`addin.x12.x837p.stream`),
on the claims of the 100,000-line week.

``--prepare BOOK`` reads a copy of the workbook (as benchmarks/bench_week.py builds it),
runs the suggest and claims steps on it and keeps the claims the step would send, pickled
beside it (nothing is written to the book). Then each round runs both paths on those
claims, each in a fresh process (so the peak memory is the path's own), alternating which
goes first, and prints the time, the peak resident memory above what the loaded claims
take, and whether the two files are the same byte for byte.

Run: .venv/bin/python benchmarks/bench_837p_stream.py --prepare DIR/clinic-100000.xlsx
     .venv/bin/python benchmarks/bench_837p_stream.py --claims DIR/clinic-100000.claims.pkl
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TODAY = date(2026, 10, 30)
CREATED = datetime(2026, 10, 30, 9, 30)


def prepare(book: Path) -> Path:
    """Pickle the claims the claims step sends from a copy of ``book``."""
    import importlib

    from addin import runs

    step = importlib.import_module("addin.runs.claims")  # the module, not runs.claims

    out = book.with_suffix(".claims.pkl")
    real = step._send

    def keep(session: Any, report: Any, claims: Any, *rest: Any) -> None:
        with out.open("wb") as handle:
            pickle.dump({"claims": claims, "settings": session.book.settings}, handle)
        return real(session, report, claims, *rest)

    step._send = keep  # type: ignore[assignment]
    with tempfile.TemporaryDirectory(prefix="bench-837p-") as tmp:
        copy = Path(tmp) / book.name
        shutil.copyfile(book, copy)
        inputs = runs.Inputs(x12_dir=Path(tmp) / "x12")
        runs.run(copy, inputs, TODAY, steps=("suggest", "claims"), write=False)
    return out


def _rss(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    return 0.0


def child(claims_file: Path, path: str, target: Path) -> dict[str, float | str]:
    from addin.collector import collector_paused
    from addin.x12.envelope import ControlNumbers
    from addin.x12.x837p.stream import stream_837p
    from addin.x12.x837p.writer import build_accepted, save_837p

    with claims_file.open("rb") as handle:
        data = pickle.load(handle)
    claims, settings = data["claims"], data["settings"]
    numbers = ControlNumbers(101, 101, 1)
    Path("/proc/self/clear_refs").write_text("5")  # the peak from here on
    base = _rss("VmRSS:")
    start = time.perf_counter()
    cpu = time.process_time()
    with collector_paused():  # as in a run
        if path == "old":
            accepted = build_accepted(claims, settings, created=CREATED, numbers=numbers)
            assert accepted.interchange is not None, "the claims do not pass the checks"
            save_837p(accepted.interchange, target, accepted.findings)
            del accepted
        else:
            streamed = stream_837p(claims, settings, target, created=CREATED, numbers=numbers)
            assert streamed is not None, "the claims do not pass the checks"
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    return {"seconds": seconds, "cpu": cpu, "peak_mb": _rss("VmHWM:") - base, "sha": digest}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prepare", type=Path, help="Workbook to take the claims from.")
    parser.add_argument("--claims", type=Path, help="Claims pickled by --prepare.")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        claims_file, path, target = args.child
        print(json.dumps(child(Path(claims_file), path, Path(target))))
        return
    if args.prepare:
        start = time.perf_counter()
        out = prepare(args.prepare)
        print(f"claims kept in {out} ({time.perf_counter() - start:.1f} s)")
        return
    if not args.claims:
        parser.error("give --prepare BOOK or --claims FILE")
    got: dict[str, list[dict[str, Any]]] = {"old": [], "new": []}
    with tempfile.TemporaryDirectory(prefix="bench-837p-") as tmp:
        for n in range(args.rounds):
            for path in ("old", "new") if n % 2 == 0 else ("new", "old"):
                target = Path(tmp) / f"{path}-{n}.837"
                done = subprocess.run(
                    [sys.executable, __file__, "--child", str(args.claims), path, str(target)],
                    check=True, capture_output=True, text=True,
                )  # fmt: skip
                got[path].append(json.loads(done.stdout.strip().splitlines()[-1]))
                print(f"round {n + 1} {path}: {got[path][-1]['seconds']:.2f} s "
                      f"(cpu {got[path][-1]['cpu']:.2f} s), "
                      f"peak +{got[path][-1]['peak_mb']:.0f} MB")  # fmt: skip
    same = {r["sha"] for r in got["old"] + got["new"]}
    for path, rows in got.items():
        print(f"{path:>3}: median {statistics.median(r['seconds'] for r in rows):.2f} s "
              f"(cpu {statistics.median(r['cpu'] for r in rows):.2f} s), "
              f"peak +{statistics.median(r['peak_mb'] for r in rows):.0f} MB "
              f"over {len(rows)} runs")  # fmt: skip
    old = statistics.median(r["seconds"] for r in got["old"])
    new = statistics.median(r["seconds"] for r in got["new"])
    cpu_old = statistics.median(r["cpu"] for r in got["old"])
    cpu_new = statistics.median(r["cpu"] for r in got["new"])
    print(f"speed-up {old / new:.2f}x (cpu {cpu_old / cpu_new:.2f}x); "
          f"files byte-identical: {len(same) == 1}")  # fmt: skip
    print(f"cores {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
