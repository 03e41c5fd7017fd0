"""The weekly cycle's claims step of this tree against a git ref's, alternating, each run in
a fresh process on a copy of the book; every output compared with the first run's.

Ways: ``ref`` (REF's addin/), ``this`` (this tree as it chooses: a forked child when a core
is idle), ``this-fork0`` (``CLAIMBOOK_837P_FORK=0``: one process) and ``this-fork1``
(``CLAIMBOOK_837P_FORK=1``: a child whatever the load). Each run prints the claims step's
wall and CPU seconds (the parent's CPU only), the whole cycle's wall seconds, the peak
resident memory, the forked 837P child's own memory and the load average when it started,
and whether the 837P, every part of the saved workbook, the findings, the summary and the
claims JSON are the same as the first run's (byte for byte; paths aside).

Run: .venv/bin/python benchmarks/bench_claims_against.py --book DIR/clinic-100000.xlsx
     --against REF [--rounds 3] [--ways ref,this,this-fork0,this-fork1]
(the book as benchmarks/bench_week.py builds it; it is copied, never written).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TODAY = date(2026, 10, 30)
CREATED = datetime(2026, 10, 30, 9, 30)
WAYS = {
    "ref": {},
    "this": {},
    "this-fork0": {"CLAIMBOOK_837P_FORK": "0"},
    "this-fork1": {"CLAIMBOOK_837P_FORK": "1"},
}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def child(tree: Path, book: Path, folder: Path) -> dict[str, Any]:
    """One cycle with ``tree``'s addin/ on a copy of ``book`` in ``folder``."""
    sys.path.insert(0, str(tree))
    from addin import runs
    from addin.runs.progress import listening
    from addin.x12.envelope import ControlNumberStore

    module = importlib.import_module("addin.runs.claims")
    real = module.stream_837p
    child_mb: list[float] = []

    def stream(*args: Any, **kwargs: Any) -> Any:
        streamed = real(*args, **kwargs)
        child_mb.append(getattr(streamed, "child_mb", 0.0))
        return streamed

    module.stream_837p = stream  # type: ignore[attr-defined]
    copy = folder / "week.xlsx"
    shutil.copyfile(book, copy)
    marks: list[tuple[str, float, float]] = []

    def note(step: str, *_: Any) -> None:
        marks.append((step, time.perf_counter(), time.process_time()))

    inputs = runs.Inputs(x12_dir=folder / "x12", created=CREATED,
                         store=ControlNumberStore(folder / "numbers.json"))  # fmt: skip
    start = time.perf_counter()
    with listening(note):
        outcome = runs.cycle(copy, inputs, today=TODAY)
    note("end")
    total = time.perf_counter() - start
    assert outcome.claims is not None, "the cycle built no claims"
    steps = {a[0]: (b[1] - a[1], b[2] - a[2]) for a, b in zip(marks, marks[1:], strict=False)}
    with zipfile.ZipFile(copy) as saved:
        parts = {name: _sha(saved.read(name)) for name in saved.namelist()}
    x12 = outcome.claims.x12_path.read_bytes() if outcome.claims.x12_path else b""
    claims = json.dumps(outcome.claims.to_json(), sort_keys=True, default=str)
    findings = json.dumps([f.model_dump(mode="json") for f in outcome.findings], sort_keys=True)
    peak = next(line for line in Path("/proc/self/status").read_text().splitlines()
                if line.startswith("VmHWM:"))  # fmt: skip
    return {
        "claims": steps["claims"],
        "total": total,
        "peak": int(peak.split()[1]) // 1024,
        "child_mb": sum(child_mb),
        "same": [_sha(x12), parts, _sha(claims.replace(str(folder), "F").encode()),
                 _sha(findings.encode()), [s.replace(str(folder), "F") for s in outcome.summary]],
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--book", type=Path)
    parser.add_argument("--against", metavar="REF", default="main")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ways", default="ref,this,this-fork0,this-fork1")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        tree, book, folder = map(Path, args.child)
        print(json.dumps(child(tree, book, folder)))
        return
    if not args.book:
        parser.error("give --book: the workbook benchmarks/bench_week.py builds")
    ways = args.ways.split(",")
    got: dict[str, list[dict[str, Any]]] = {way: [] for way in ways}
    first: list[Any] | None = None
    with tempfile.TemporaryDirectory(prefix="bench-claims-against-") as tmp:
        old = Path(tmp) / "ref"
        old.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.against],
                                 check=True, capture_output=True).stdout  # fmt: skip
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
        for n in range(args.rounds):
            for way in ways if n % 2 == 0 else list(reversed(ways)):
                folder = Path(tmp) / f"{way}-{n}"
                folder.mkdir()
                tree = old if way == "ref" else ROOT
                env = os.environ | {"CLAIMBOOK_DATA_DIR": str(folder / "data")} | WAYS[way]
                load = os.getloadavg()[0]
                done = subprocess.run(
                    [sys.executable, __file__, "--child", str(tree), str(args.book), str(folder)],
                    env=env, check=True, capture_output=True, text=True,
                )  # fmt: skip
                run = json.loads(done.stdout.strip().splitlines()[-1])
                first = first or run["same"]
                named = ("837P", "saved parts", "claims JSON", "findings", "summary")
                differ = [name for name, a, b in zip(named, run["same"], first, strict=True)
                          if a != b]  # fmt: skip
                got[way].append(run)
                print(f"round {n + 1} {way:>10}: claims {run['claims'][0]:5.2f} s wall "
                      f"{run['claims'][1]:5.2f} s CPU, cycle {run['total']:5.2f} s, "
                      f"peak {run['peak']} MB, 837P child {run['child_mb']:.0f} MB, "
                      f"load average {load:.1f}, "
                      f"{'differs: ' + ', '.join(differ) if differ else 'same outputs'}",
                      flush=True)  # fmt: skip
                shutil.rmtree(folder)
    for way in ways:
        rows = got[way]
        wall = statistics.median(r["claims"][0] for r in rows)
        cpu = statistics.median(r["claims"][1] for r in rows)
        total = statistics.median(r["total"] for r in rows)
        peak = statistics.median(r["peak"] for r in rows)
        print(f"median {way:>10}: claims {wall:5.2f} s wall {cpu:5.2f} s CPU, cycle "
              f"{total:5.2f} s, peak {peak:.0f} MB ({len(rows)} runs)")  # fmt: skip
    print(f"cores {os.cpu_count()}, load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
