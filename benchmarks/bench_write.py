"""The write step of the weekly run alone: every result sheet, the registers, the cell values
and marks on Encounters, and the save, on the 100,000-line clinic of bench_week.py.

In a fresh process: python-calamine reads the Encounters sheet (the yardstick), the weekly
run goes as far as its save, and the save is then timed by itself on a fresh copy of the
workbook, with the memory it adds over what the run holds (a thread samples the resident
size every 20 ms). Prints seconds (wall and CPU), the ratio to the bare read, the memory
added, and the size of the workbook written.
Run: .venv/bin/python benchmarks/bench_write.py [--lines 100000] [--keep DIR]

With ``--against REF`` (a git ref, e.g. main) the write step of this tree and of REF's
``addin/`` are timed in turn on the same captured run (the first week, and the following
week on the book the first saved), ``--rounds`` times each, alternating which goes first;
each saved workbook is compared with REF's part by part, and the medians are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
if os.environ.get("BENCH_WRITE_TREE"):  # --against: the addin/ whose write step is timed
    sys.path.insert(0, os.environ["BENCH_WRITE_TREE"])


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / (1 << 20)


class _Stop(Exception):
    """The run reached its save: what it would write is in hand."""


def child(book: Path) -> dict[str, object]:
    from bench_week import TODAY
    from python_calamine import CalamineWorkbook

    import addin.runs as runs
    from addin.sheets import write_book

    start = time.perf_counter()
    CalamineWorkbook.from_path(str(book)).get_sheet_by_name("Encounters").to_python()
    bare = time.perf_counter() - start
    copy = book.with_name("write.xlsx")
    shutil.copyfile(book, copy)
    held: dict[str, Any] = {}

    def keep(path: Path, tables: Any, **kw: Any) -> None:
        held.update(kw, tables=tables, path=path)
        raise _Stop

    runs.write_book = keep  # type: ignore[assignment]
    try:
        runs.cycle(copy, runs.Inputs(), today=TODAY)
    except _Stop:
        pass
    finally:
        runs.write_book = write_book
    before = rss_mb()
    top = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            top[0] = max(top[0], rss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    wall, cpu = time.perf_counter(), time.process_time()
    written = write_book(
        held["path"], held["tables"], in_place=True, marks=held["marks"],
        values=held["values"], registers=held["registers"], expect=held["expect"],
    )  # fmt: skip
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    done.set()
    sampler.join()
    return {
        "bare": bare,
        "wall": wall,
        "cpu": cpu,
        "added_mb": max(top[0], rss_mb()) - before,
        "held_mb": before,
        "size_mb": written.path.stat().st_size / 1e6,
        "cells": sum(len(t.rows) * len(t.columns) for t in held["tables"]),
    }


def capture(book: Path, out: Path, days: int) -> None:
    """Run the cycle on a copy of ``book`` up to its save; pickle write_book's arguments."""
    from bench_week import TODAY

    import addin.runs as runs

    copy = out.with_suffix(".xlsx")
    shutil.copyfile(book, copy)
    held: dict[str, Any] = {}

    def keep(path: Path, tables: Any, **kw: Any) -> None:
        held.update(kw, tables=tables)
        raise _Stop

    runs.write_book = keep  # type: ignore[assignment]
    try:
        runs.cycle(copy, runs.Inputs(), today=TODAY + timedelta(days=days))
    except _Stop:
        pass
    held["expect"] = None  # the copy written to is made afresh for each timing
    out.write_bytes(pickle.dumps(held, protocol=5))


def timed(book: Path, held_file: Path, out: Path) -> dict[str, float]:
    """write_book (of whichever addin/ is first on sys.path) on the captured arguments."""
    import addin
    from addin.sheets import write_book
    from addin.sheets.source import head_rows

    assert Path(addin.__file__).is_relative_to(os.environ.get("BENCH_WRITE_TREE", ROOT))
    held = pickle.loads(held_file.read_bytes())
    tables = held.pop("tables")
    shutil.copyfile(book, out)
    for sheet in sorted({m.sheet for m in [*(held["marks"] or ()), *(held["values"] or ())]}):
        head_rows(out, sheet)  # the run's own read leaves these remembered
    before = rss_mb()
    top = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.01):
            top[0] = max(top[0], rss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    wall, cpu = time.perf_counter(), time.process_time()
    write_book(out, tables, **held)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    done.set()
    sampler.join()
    return {"wall": wall, "cpu": cpu, "added_mb": max(top[0], rss_mb()) - before}


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


def against(ref: str, book: Path, folder: Path, rounds: int, env: dict[str, str]) -> None:
    """This tree's write step against ``ref``'s, alternating, on both weeks."""
    old = folder / "write-ref"
    old.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "addin"], check=True,
                             capture_output=True).stdout  # fmt: skip
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
    trees = {"ref": old, "this": ROOT}

    def run(*args: str, tree: Path = ROOT) -> dict[str, Any]:
        done = subprocess.run(
            [sys.executable, __file__, *args], env=env | {"BENCH_WRITE_TREE": str(tree)},
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))

    first = folder / "write-first.pickle"
    run("--capture", str(book), str(first), "0")
    saved = folder / "write-saved.xlsx"  # the book as this tree saves the first week
    run("--timed", str(book), str(first), str(saved))
    following = folder / "write-next.pickle"
    run("--capture", str(saved), str(following), "7")
    weeks = {"first week": (book, first), "following week": (saved, following)}
    got: dict[tuple[str, str], list[dict[str, float]]] = {}
    for r in range(rounds):
        for week, (source, held) in weeks.items():
            for name in ("ref", "this") if r % 2 == 0 else ("this", "ref"):
                out = folder / f"write-{name}-{week[:5]}.xlsx"
                timing = run("--timed", str(source), str(held), str(out), tree=trees[name])
                got.setdefault((week, name), []).append(timing)
    for week in weeks:
        ref_parts = _parts(folder / f"write-ref-{week[:5]}.xlsx")
        this_parts = _parts(folder / f"write-this-{week[:5]}.xlsx")
        differ = [n for n in ref_parts if ref_parts[n] != this_parts.get(n)]
        same_file = (folder / f"write-ref-{week[:5]}.xlsx").read_bytes() == (
            folder / f"write-this-{week[:5]}.xlsx").read_bytes()  # fmt: skip
        print(f"{week}: {len(ref_parts)} parts, {len(differ)} differ "
              f"{'(' + ', '.join(differ) + ')' if differ else ''}"
              f"{'; parts in another order' if list(ref_parts) != list(this_parts) else ''}; "
              f"whole file {'identical' if same_file else 'differs'}")  # fmt: skip
        for name in ("ref", "this"):
            runs_ = got[(week, name)]
            print(f"  {name + ' (' + ref + ')' if name == 'ref' else name:<14} "
                  f"median {statistics.median(t['wall'] for t in runs_):5.2f} s wall, "
                  f"{statistics.median(t['cpu'] for t in runs_):5.2f} s CPU, "
                  f"adds {statistics.median(t['added_mb'] for t in runs_):4.0f} MB "
                  f"({len(runs_)} runs)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="Build into (or reuse) this folder.")
    parser.add_argument("--against", metavar="REF", help="Time REF's write step in turn.")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--capture", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--timed", nargs=3, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return
    if args.capture:
        capture(Path(args.capture[0]), Path(args.capture[1]), int(args.capture[2]))
        print("{}")
        return
    if args.timed:
        print(json.dumps(timed(*args.timed)))
        return
    from bench_week import build

    with tempfile.TemporaryDirectory(prefix="bench-write-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        book = folder / f"clinic-{args.lines}.xlsx"
        if not book.exists():
            count = build(book, args.lines)
            print(f"built {count:,} service lines")
        for leftover in folder.glob("write*"):
            shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
        env = os.environ | {"CLAIMBOOK_DATA_DIR": str(Path(tmp) / "data")}
        if args.against:
            against(args.against, book, folder, args.rounds, env)
            print(f"cores {os.cpu_count()}, load average "
                  f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")  # fmt: skip
            return
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(book)], env=env, check=True,
            capture_output=True, text=True,
        )  # fmt: skip
        got = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"python-calamine bare read of Encounters: {got['bare']:6.2f} s")
        print(f"write step ({got['cells']:,} result cells, values, marks, registers, save): "
              f"{got['wall']:.2f} s wall, {got['cpu']:.2f} s CPU "
              f"= {got['wall'] / got['bare']:.2f}x the bare read")  # fmt: skip
        print(f"memory the write step adds: {got['added_mb']:.0f} MB "
              f"(over {got['held_mb']:.0f} MB the run holds)")  # fmt: skip
        print(f"workbook written: {got['size_mb']:.1f} MB")
        print(f"cores {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
