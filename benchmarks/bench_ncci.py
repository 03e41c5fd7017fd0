"""Benchmark the NCCI PTP import and lookups on a synthetic 2-million-row practitioner file.

Prints figures and ratios against baselines measured in the same process: import against
a bare read of the same file (split on tabs, nothing stored), and warm lookups against a
plain dict lookup of the same keys. Run: ``.venv/bin/python benchmarks/bench_ncci.py``
(``--rows N`` for a smaller run).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

HEADER = (  # as in the CMS text parts: a notice, a title, a header wrapped over 4 lines
    "CPT only copyright 2019 American Medical Association.  All rights reserved.\t\t\t\t\t\t\n"
    "Column1/Column2 Edits\t\t\t\t\t\t\n"
    "Column 1\tColumn 2\t*=in existence\tEffective\tDeletion\tModifier\tPTP Edit Rationale\n"
    "\t\tprior to 1996\tDate\tDate\t0=not allowed\t\n"
    "\t\t\t\t*=no data\t1=allowed\t\n"
    "\t\t\t\t\t9=not applicable\t\n"
)
RATIONALES = [
    "Standards of medical / surgical practice",
    "Misuse of column two code with column one code",
    "CPT Manual or CMS manual coding instruction",
    "Mutually exclusive procedures",
    "More extensive procedure",
]


def codes(count: int, rng: random.Random) -> list[str]:
    found: set[str] = set()
    while len(found) < count:
        n = rng.randrange(10000, 99999)
        found.add(f"{n:05d}" if rng.random() < 0.9 else f"{'GJ'[n % 2]}{n % 10000:04d}")
    return sorted(found)


def write_file(path: Path, rows: int, rng: random.Random) -> list[tuple[str, str]]:
    """A file in the CMS layout, sorted by column 1 then column 2; returns some pairs."""
    col1 = codes(max(rows // 200, 1), rng)
    col2 = codes(8000, rng)
    per = rows // len(col1) + 1
    sample: list[tuple[str, str]] = []
    written = 0
    with path.open("w", encoding="latin-1", newline="\r\n") as out:
        out.write(HEADER)
        for c1 in col1:
            for c2 in sorted(rng.sample(col2, per)):
                if written == rows:
                    break
                star = "*" if rng.random() < 0.2 else ""
                eff = rng.choice(("19960101", "20020101", "20150101", "20200101"))
                mi = rng.choice("00111119")
                dele = eff if mi == "9" else "*" if rng.random() < 0.9 else "20191231"
                out.write(f"{c1}\t{c2}\t{star}\t{eff}\t{dele}\t{mi}\t{rng.choice(RATIONALES)}\n")
                written += 1
                if rng.random() < 0.001:
                    sample.append((c1, c2))
    return sample


def peak_mb() -> float:
    # ru_maxrss is KiB on Linux; the peak of this process so far
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--lookups", type=int, default=1_000_000)
    args = parser.parse_args()
    rng = random.Random(20200401)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CLAIMBOOK_DATA_DIR"] = str(Path(tmp) / "data")
        from addin.codesets import ncci

        source = Path(tmp) / "ccipra-v261r0-f1.txt"
        t0 = time.perf_counter()
        sample = write_file(source, args.rows, rng)
        print(
            f"wrote {args.rows:,} rows ({source.stat().st_size / 1e6:.0f} MB) "
            f"in {time.perf_counter() - t0:.1f} s"
        )

        t0 = time.perf_counter()
        with source.open(encoding="latin-1") as handle:
            baseline_rows = sum(1 for line in handle if line[:1] != "\t" and line.count("\t") == 6)
        base_s = time.perf_counter() - t0
        print(f"baseline: read+split {baseline_rows:,} lines in {base_s:.2f} s")

        rss_before = peak_mb()
        t0 = time.perf_counter()
        result = ncci.import_ncci(source)
        import_s = time.perf_counter() - t0
        rows = sum(f.get("rows", 0) for f in result.manifest["files"].values())
        print(
            f"import: {rows:,} rows in {import_s:.2f} s ({rows / import_s:,.0f} rows/s), "
            f"{import_s / base_s:.1f}x the bare read; peak RSS {peak_mb():.0f} MB "
            f"(before import {rss_before:.0f} MB); limit 60 s, 500 MB"
        )

        t0 = time.perf_counter()
        again = ncci.import_ncci(source)
        print(
            f"re-import of the same file: unchanged={again.unchanged} "
            f"in {time.perf_counter() - t0:.2f} s"
        )

        table = ncci.table(date(2020, 5, 1))
        assert table is not None
        on = date(2020, 5, 1)
        cold = sample[:2000]
        t0 = time.perf_counter()
        hits = sum(1 for a, b in cold if table.edit(a, b, on) is not None)
        cold_us = (time.perf_counter() - t0) / len(cold) * 1e6
        print(f"cold (SQLite) lookups: {cold_us:.1f} us each, {hits}/{len(cold)} in force")

        t0 = time.perf_counter()
        table.preload()
        print(
            f"preload: {len(table):,} rows in {time.perf_counter() - t0:.2f} s, "
            f"peak RSS {peak_mb():.0f} MB"
        )

        # half pairs that exist, half that do not (the common case on a claim)
        queries = []
        for i in range(args.lookups):
            a, b = sample[i % len(sample)]
            queries.append((a, b) if i % 2 == 0 else (b, a))
        edit = table.edit
        t0 = time.perf_counter()
        found = 0
        for a, b in queries:
            if edit(a, b, on) is not None:
                found += 1
        warm_s = time.perf_counter() - t0
        plain = {a + b: 1 for a, b in sample}
        get = plain.get
        t0 = time.perf_counter()
        for a, b in queries:
            get(a + b)
        dict_s = time.perf_counter() - t0
        print(
            f"warm lookups: {len(queries) / warm_s:,.0f}/s ({found:,} edits in force of "
            f"{len(queries):,}); plain dict baseline {len(queries) / dict_s:,.0f}/s; "
            f"ratio {warm_s / dict_s:.1f}x; target 1,000,000/s"
        )
        for label, part in (
            ("pairs with an edit", queries[0::2]),
            ("pairs without", queries[1::2]),
        ):
            t0 = time.perf_counter()
            for a, b in part:
                edit(a, b, on)
            print(f"  {label}: {len(part) / (time.perf_counter() - t0):,.0f}/s")
        # the figures move with what else runs on the machine: say how busy it was
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        table.close()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
