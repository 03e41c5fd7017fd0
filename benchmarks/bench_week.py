"""The whole weekly run on a 100,000-line clinic workbook, against python-calamine's bare
read of its Encounters sheet in the same process.

The workbook is the demo clinic (the demo generator) with enough encounters for LINES
service lines. In a fresh process (so the peak memory is the run's own):

  baseline - python-calamine reads the Encounters sheet into Python lists, nothing else;
  week     - ``runs.cycle`` on a copy: read, acknowledge, suggest (fill empty Dx cells),
             build the claims and write the 837P, reconcile, check every rule, write
             every result sheet, the registers and the cell marks, save (backup first).
             This first run bills every line of the book at once: the worst week.
  next     - the same cycle a week later on the saved book: every claim is in the Claim
             Register, so each is built again and compared with what was sent (nothing new
             goes out), the register is read back for reconciling and every sheet rewritten.
             Run twice: in the same process (as a long-lived Python would run week after
             week: xlwings' UDF server, a notebook) and in a fresh one (as ``claimbook run``
             and the workbook's RunPython buttons start each week).

Prints each step's time (from addin.runs.progress), the ratio to the bare read and the
peak resident memory when the step ended, beside the bare read's own peak (python-calamine's
parsed sheet and the rows as Python lists: the floor any run that reads the sheet starts
from; the run's peak includes it, as the baseline runs first).
The run may fork children onto the second core (the claims step's check and 837P halves,
addin/x12/x837p/forked.py); their memory is not in the process's own peak, so this script
also samples the proportional set size of the run and its children together from outside,
every 50 ms, and prints that peak too.
Targets (issue 18): <= 3x the bare read, <= 600 MB.
Run: .venv/bin/python benchmarks/bench_week.py [--lines 100000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TODAY = date(2026, 10, 30)


def build(path: Path, lines: int) -> int:
    """The demo clinic with at least ``lines`` service lines; how many it has."""
    from addin.demo.generate import generate
    from addin.demo.workbook import write_workbook

    encounters = max(20, int(lines / 1.8))
    while True:
        demo = generate(encounters, seed=2026)
        count = sum(len(e.lines) for e in demo.encounters)
        if count >= lines:
            break
        encounters = int(encounters * lines / count) + 50
    write_workbook(demo, path)
    return count


def peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


SAMPLE = 0.05  # seconds between two looks at the measured processes' memory


def _pss_mb(pid: int) -> float:
    """A process's proportional set size with its descendants' (pages shared between them
    counted once, split): what the run holds of the machine's memory."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            for line in Path(f"/proc/{current}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue  # gone meanwhile
    return total / 1024


def watch(proc: subprocess.Popen[str], phase: Path) -> dict[str, float]:
    """Sample the measured process and its children from outside (a thread inside would
    stop the run from forking) until it ends: the highest total per phase it announces."""
    peaks: dict[str, float] = {}
    while proc.poll() is None:
        try:
            name = phase.read_text()
        except OSError:
            name = ""
        if name:
            peaks[name] = max(peaks.get(name, 0.0), _pss_mb(proc.pid))
        time.sleep(SAMPLE)
    return peaks


def _announce(name: str) -> None:
    where = os.environ.get("BENCH_WEEK_PHASE")
    if where:
        Path(where).write_text(name)


def child(book: Path) -> dict[str, object]:
    from python_calamine import CalamineWorkbook

    from addin import runs
    from addin.runs.progress import listening

    start = time.perf_counter()
    rows = CalamineWorkbook.from_path(str(book)).get_sheet_by_name("Encounters").to_python()
    bare = time.perf_counter() - start
    bare_peak = peak_mb()  # the floor: calamine's parsed sheet and the rows as Python lists
    del rows
    copy = book.with_name("week.xlsx")
    shutil.copyfile(book, copy)
    steps: list[tuple[str, float, float]] = []
    _announce("week")
    start = time.perf_counter()
    with listening(lambda step, *_: steps.append((step, time.perf_counter(), peak_mb()))):
        outcome = runs.cycle(copy, runs.Inputs(), today=TODAY)
    week = time.perf_counter() - start
    first_peak = peak_mb()
    marks = [t for _, t, _ in steps] + [start + week]
    phases = {name: marks[i + 1] - t for i, (name, t, _) in enumerate(steps)}
    # the peak when each step ended (the next step's start; the last: the run's end)
    peaks = {name: ([p for _, _, p in steps[1:]] + [first_peak])[i]
             for i, (name, _, _) in enumerate(steps)}  # fmt: skip
    summary = outcome.summary
    del outcome
    shutil.copyfile(copy, copy.with_name("week-saved.xlsx"))  # for the fresh next week
    _announce("next")
    start = time.perf_counter()
    again = runs.cycle(copy, runs.Inputs(), today=TODAY + timedelta(days=7))
    following = time.perf_counter() - start
    return {
        "bare": bare,
        "bare_peak_mb": bare_peak,
        "week": week,
        "phases": phases,
        "peaks": peaks,
        "peak_mb": first_peak,
        "next": following,
        "next_peak_mb": peak_mb(),
        "next_summary": again.summary,
        "summary": summary,
        "size_mb": book.stat().st_size / 1e6,
    }


def fresh_next(book: Path) -> dict[str, object]:
    """The next week in a fresh process, as ``claimbook run`` starts every week."""
    from addin import runs

    start = time.perf_counter()
    outcome = runs.cycle(book, runs.Inputs(), today=TODAY + timedelta(days=7))
    return {"seconds": time.perf_counter() - start, "peak_mb": peak_mb(),
            "sent": len(outcome.claims.sent) if outcome.claims is not None else 0}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="Build into (or reuse) this folder.")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--fresh-next", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return
    if args.fresh_next:
        print(json.dumps(fresh_next(args.fresh_next)))
        return
    with tempfile.TemporaryDirectory(prefix="bench-week-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        book = folder / f"clinic-{args.lines}.xlsx"
        if not book.exists():
            start = time.perf_counter()
            count = build(book, args.lines)
            print(f"built {count:,} service lines in {time.perf_counter() - start:.1f} s")
        env = os.environ | {"CLAIMBOOK_DATA_DIR": str(Path(tmp) / "data")}
        for leftover in folder.glob("week*"):
            shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
        phase = Path(tmp) / "phase"
        env["BENCH_WEEK_PHASE"] = str(phase)
        with subprocess.Popen(
            [sys.executable, __file__, "--child", str(book)], env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        ) as proc:  # fmt: skip
            together = watch(proc, phase)
            out, err = proc.communicate()
        if proc.returncode:
            raise SystemExit(f"the measured run failed:\n{err}")
        got = json.loads(out.strip().splitlines()[-1])
        print(f"workbook: {book.name}, {got['size_mb']:.1f} MB")
        for line in got["summary"]:
            print(f"  {line}")
        print(f"python-calamine bare read of Encounters: {got['bare']:7.2f} s  "
              f"(peak {got['bare_peak_mb']:.0f} MB)")  # fmt: skip
        print(f"weekly run (cycle, save included):        {got['week']:7.2f} s  "
              f"= {got['week'] / got['bare']:.2f}x the bare read (target <= 3x)")  # fmt: skip
        for name, seconds in got["phases"].items():
            print(f"    {name:<12} {seconds:7.2f} s  ({seconds / got['bare']:.2f}x)  "
                  f"peak {got['peaks'][name]:5.0f} MB at its end")  # fmt: skip
        # the steps that only read the workbook and write it back: what is left of the
        # ratio for the billing work (suggest, claims, reconcile, check) is 3x less these
        floor = sum(got["phases"].get(name, 0.0) for name in ("read", "write"))
        print(f"    read + write alone: {floor / got['bare']:.2f}x the bare read, before any "
              f"billing work")  # fmt: skip
        print(f"peak memory of the process: {got['peak_mb']:.0f} MB (target <= 600 MB)")
        print(f"the run's processes together (children the run forks included; proportional "
              f"set size, sampled every {SAMPLE * 1000:.0f} ms): peak "
              f"{together.get('week', 0):.0f} MB in the first week, "
              f"{together.get('next', 0):.0f} MB in the next")  # fmt: skip
        print("the next week on the saved book:")
        for line in got["next_summary"]:
            print(f"  {line}")
        print(f"next weekly run (nothing new to send):   {got['next']:7.2f} s  "
              f"= {got['next'] / got['bare']:.2f}x the bare read; "
              f"peak of the process after both runs {got['next_peak_mb']:.0f} MB")  # fmt: skip
        with subprocess.Popen(
            [sys.executable, __file__, "--fresh-next", str(folder / "week-saved.xlsx")],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        ) as proc:  # fmt: skip
            phase.write_text("fresh")
            together = watch(proc, phase)
            out, err = proc.communicate()
        if proc.returncode:
            raise SystemExit(f"the fresh next week failed:\n{err}")
        fresh = json.loads(out.strip().splitlines()[-1])
        print(
            f"next week in a fresh process (as `claimbook run` starts each week): "
            f"{fresh['seconds']:.2f} s = {fresh['seconds'] / got['bare']:.2f}x the bare "
            f"read; peak {fresh['peak_mb']:.0f} MB (processes together "
            f"{together.get('fresh', 0):.0f} MB; target <= 600 MB); "
            f"{fresh['sent']} claim(s) sent"
        )
        print(f"cores {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
