"""The read step alone on a big workbook, against python-calamine's bare read of its
Encounters sheet in the same process: ``read_book`` (with the registers and result sheets a
run reads), the Claim Register read back into records, and what the Book holds.

Each book is read in a fresh process (so the peak memory is the read's own): first the bare
read (python-calamine reads Encounters into Python lists, nothing else), then ``read_book``
as a run calls it, then ``read_claim_register`` on what was read. Prints wall and CPU time
(CPU time moves less with the load of a shared machine), the ratio to the bare read, the
peak resident memory of each (the read's counted from after the bare read, its rows freed)
and the deep size of the encounter models.

Give the first-week book (``bench_week.py --keep DIR`` builds DIR/clinic-100000.xlsx) and
the book saved after a week (DIR/week.xlsx) to see both.

``--against DIR`` reads each book with the code in DIR too (another checkout, e.g. ``git
worktree add /tmp/main main``), alternating the two round by round so a shared machine's
load falls on both alike, and prints both and the change.
Run: .venv/bin/python benchmarks/bench_read.py BOOK [BOOK...] [--rounds 3] [--against DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def reset_peak() -> None:
    """Start the peak resident memory (VmHWM) again from what is resident now (Linux)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass  # the peak then includes the bare read's


def deep_size(obj: Any, seen: set[int]) -> int:
    """Bytes held by ``obj`` and what it refers to (models, lists, dicts, sets), once each."""
    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    size = sys.getsizeof(obj)
    if isinstance(obj, dict):
        size += sum(deep_size(k, seen) + deep_size(v, seen) for k, v in obj.items())
    elif isinstance(obj, list | tuple | set | frozenset):
        size += sum(deep_size(x, seen) for x in obj)
    elif hasattr(obj, "__pydantic_fields_set__"):
        size += deep_size(obj.__dict__, seen) + deep_size(obj.__pydantic_fields_set__, seen)
    return size


def child(book: Path, code: Path) -> dict[str, Any]:
    sys.path.insert(0, str(code))
    from python_calamine import CalamineWorkbook

    import addin

    assert Path(addin.__file__).resolve().is_relative_to(code.resolve()), addin.__file__

    from addin.registers.claims import CLAIM_REGISTER, read_claim_register
    from addin.runs.session import INPUT_SHEETS, REGISTERS, RESULT_SHEETS
    from addin.sheets import read_book

    start = time.perf_counter()
    rows = CalamineWorkbook.from_path(str(book)).get_sheet_by_name("Encounters").to_python()
    bare = time.perf_counter() - start
    bare_peak = peak_mb()
    del rows
    reset_peak()  # the read's own peak from here, not the bare read's
    cpu, start = time.process_time(), time.perf_counter()
    read = read_book(book, own=(*REGISTERS, *RESULT_SHEETS, *INPUT_SHEETS))
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = peak_mb()
    register = read.own.get(CLAIM_REGISTER)
    cpu_register, claims = None, 0
    if register is not None:
        cpu_register = time.process_time()
        claims = len(read_claim_register(register))
        cpu_register = time.process_time() - cpu_register
    return {
        "bare": bare,
        "read": wall,
        "read_cpu": cpu,
        "peak_mb": peak,
        "bare_peak_mb": bare_peak,
        "register_cpu": cpu_register,
        "claims": claims,
        "lines": sum(len(e.lines) for e in read.encounters),
        "encounters_mb": deep_size(read.encounters, set()) / 2**20,
        "own_mb": deep_size(read.own, set()) / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("books", nargs="*", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--against", type=Path, help="Another checkout to read with too.")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--code", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.code)))
        return
    if not args.books:
        parser.error("give a workbook (bench_week.py --keep DIR builds one)")
    codes = {"this": ROOT} | ({"against": args.against} if args.against else {})
    loads: list[float] = []
    for book in args.books:
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in codes}
        for _ in range(args.rounds):
            for name, code in codes.items():  # alternating: the same load on both
                loads.append(os.getloadavg()[0])
                done = subprocess.run(
                    [sys.executable, __file__, "--child", str(book), "--code", str(code)],
                    check=True, capture_output=True, text=True,
                )  # fmt: skip
                runs[name].append(json.loads(done.stdout.strip().splitlines()[-1]))
        first = runs["this"][0]
        print(f"{book.name}: {first['lines']:,} service lines, {first['claims']:,} claims "
              f"in its Claim Register (medians of {args.rounds} fresh processes)")  # fmt: skip
        for name, code in codes.items():
            got = runs[name]

            def median(key: str, got: list[dict[str, Any]] = got) -> float:
                return float(statistics.median(r[key] for r in got))

            if len(codes) > 1:
                print(f" {name} ({code}):")
            print(f"  python-calamine bare read of Encounters: {median('bare'):6.2f} s  "
                  f"(peak {median('bare_peak_mb'):.0f} MB)")  # fmt: skip
            print(f"  read_book (registers, result sheets):    {median('read'):6.2f} s  "
                  f"= {median('read') / median('bare'):.2f}x the bare read; "
                  f"{median('read_cpu'):.2f} s CPU")  # fmt: skip
            if got[0]["register_cpu"] is not None:
                print(f"  Claim Register read back:                "
                      f"{median('register_cpu'):6.2f} s CPU")  # fmt: skip
            print(f"  peak memory of the read {median('peak_mb'):.0f} MB; encounter models "
                  f"{median('encounters_mb'):.0f} MB, sheets Claimbook wrote "
                  f"{median('own_mb'):.0f} MB")  # fmt: skip
        if len(codes) > 1:
            ratios = [t["read"] / t["bare"] / (a["read"] / a["bare"])
                      for t, a in zip(runs["this"], runs["against"], strict=True)]  # fmt: skip
            print(f"  this / against, read as a multiple of the bare read, round by round: "
                  f"{', '.join(f'{r:.2f}' for r in ratios)}")  # fmt: skip
    print(f"cores {os.cpu_count()}, load average {min(loads):.1f}-{max(loads):.1f} "
          "while it ran")  # fmt: skip


if __name__ == "__main__":
    main()
