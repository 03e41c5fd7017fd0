"""The write step of the weekly run alone: every result sheet, the registers, the cell values
and marks on Encounters, and the save, on the 100,000-line clinic of bench_week.py.

In a fresh process: python-calamine reads the Encounters sheet (the yardstick), the weekly
run goes as far as its save, and the save is then timed by itself on a fresh copy of the
workbook, with the memory it adds over what the run holds (a thread samples the resident
size every 20 ms). Prints seconds (wall and CPU), the ratio to the bare read, the memory
added, and the size of the workbook written.
Run: .venv/bin/python benchmarks/bench_write.py [--lines 100000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="Build into (or reuse) this folder.")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
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
