"""``claimbook report`` on an archive of 10 million claim lines: time and peak memory.

Generates, with DuckDB's own SQL (not through workbooks: 5 million claims would take days
of demo runs), an archive in exactly the layout ``claimbook archive`` writes: 50 clinics,
12 months, LINES claim lines (two per claim), as many service payments, about 1.5
adjustments a line, an outcome a claim, denials, payments; compacts it
(``addin.archive.compact``), then, each in a fresh process so its peak memory is its own:

  baseline   - one scan of the biggest table (count and sum of paid over every service line)
  partitions - every question of ``claimbook report``, reading every partition file
               directly (``Archive(root, compacted=False)``: the archive before compaction)
  report     - Archive(root).report(): the same questions on the compacted copy
  workbook   - the same plus the report workbook written (``claimbook report --out``)

Target (issue 18): the report under 10 s and under 2 GB on this machine.
Run: .venv/bin/python benchmarks/bench_archive.py [--lines 10000000] [--keep DIR]

``--workbooks``: ``claimbook archive`` itself, through real clinic workbooks. Runs the demo
quarter once (``claimbook demo --encounters E``: every register and result sheet written by
the real weekly cycle), copies its workbook into as many clinic folders as it takes to hold
LINES claim lines (each copy is a clinic of its own in the archive), then runs
``claimbook archive FOLDER --to DIR --json`` in a fresh process (claim lines and rows a
second, peak memory, the compaction's share), runs it again (every workbook unchanged: it
must skip them all and add nothing; ``--once`` leaves this out) and, on the archive it
wrote, ``claimbook report``'s questions as above.
Run: .venv/bin/python benchmarks/bench_archive.py --workbooks [--lines 1000000]
     [--encounters 2000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAYERS = (
    "['Medicare Part B','State Medicaid','Granite Health','Summit Health Plan',"
    "'Evergreen MA','Cascade Mutual']"
)
CODES = (
    "['99213','99214','99212','99203','99204','36415','85025','80053','83036','93000',"
    "'96372','J1885','90834','90837','71046','87880','81002','G0439','99396','20610']"
)
CARCS = "['CO-16','CO-18','CO-29','CO-50','CO-96','CO-97','CO-109','CO-197','PR-27','CO-4']"


def generate(root: Path, lines: int) -> None:
    """The archive's tables as Parquet, partitioned clinic=/month= as the store writes."""
    import duckdb

    claims = lines // 2
    root.mkdir(parents=True, exist_ok=True)
    db = duckdb.connect(":memory:")
    db.execute("SET memory_limit = '1500MB'")
    db.execute("SET preserve_insertion_order = false")
    stamp = "TIMESTAMP '2026-11-01 09:00:00'"
    base = f"""
        SELECT i, 'clinic-' || lpad((i % 50)::VARCHAR, 3, '0') AS clinic,
               'C' || i::VARCHAR AS claim_id,
               ({PAYERS})[1 + (hash(i, 1) % 6)::INT] AS payer,
               DATE '2025-11-01' + (hash(i, 2) % 365)::INT AS sent,
               CASE WHEN hash(i, 3) % 100 < 8 THEN 'denied'
                    WHEN hash(i, 3) % 100 < 10 THEN 'pending'
                    WHEN hash(i, 3) % 100 < 13 THEN 'underpaid' ELSE 'paid' END AS status,
               hash(i, 4) % 23 = 0 AS rejected
        FROM range({claims}) t(i)"""
    db.execute(f"CREATE TABLE base AS {base}")

    def copy(table: str, select: str) -> None:
        target = str(root / table).replace("'", "''")
        db.execute(
            f"COPY ({select}) TO '{target}' (FORMAT PARQUET, PARTITION_BY (clinic, month), "
            "OVERWRITE_OR_IGNORE true)"
        )

    copy("claims", f"""
        SELECT claim_id || '/1' AS submission, claim_id, claim_id AS encounter_id, payer,
               'P' || (hash(payer) % 1000)::VARCHAR AS payer_id, '1' AS frequency,
               '' AS replaces, sent - 2 AS date_of_service,
               (150 + (hash(i, 5) % 300))::DECIMAL(14,2) AS billed, 2::INT AS lines, sent,
               status, sent + 30 AS status_date, 'PCN' || i::VARCHAR AS payer_claim_number,
               rejected, claim_id || '/1' AS key, md5(claim_id) AS row_hash,
               {stamp} AS archived_on, clinic, strftime(sent, '%Y-%m') AS month
        FROM base""")  # fmt: skip
    db.execute(f"""CREATE TABLE line AS
        SELECT b.*, l AS line, ({CODES})[1 + (hash(i, l, 6) % 20)::INT] AS code,
               (60 + (hash(i, l, 7) % 200))::DECIMAL(14,2) AS charge,
               sent + 14 + (hash(i, 8) % 40)::INT AS paid_on
        FROM base b, range(1, 3) r(l)""")  # fmt: skip
    copy("claim_lines", """
        SELECT claim_id || '/1' AS submission, claim_id, payer, line::INT AS line,
               code AS procedure_code, '' AS modifiers, 1::DECIMAL(12,3) AS units, charge,
               sent - 2 AS date_of_service, sent, claim_id || '/1#' || line AS key,
               md5(claim_id || line) AS row_hash, TIMESTAMP '2026-11-01 09:00:00' AS archived_on,
               clinic, strftime(sent, '%Y-%m') AS month
        FROM line""")  # fmt: skip
    paid = """CASE WHEN status = 'denied' THEN 0::DECIMAL(14,2)
                   WHEN status = 'underpaid' THEN round(charge * 0.45, 2)
                   ELSE round(charge * 0.55, 2) END"""
    copy("service_payments", f"""
        SELECT 'EFT' || (hash(clinic, payer, paid_on) % 1000000)::VARCHAR AS check_eft,
               paid_on AS payment_date, payer, claim_id, 'PCN' || i::VARCHAR
               AS payer_claim_number, CASE WHEN status = 'denied' THEN '4' ELSE '1' END
               AS claim_status, sent - 2 AS date_of_service, code AS procedure_code,
               '' AS modifiers, charge AS billed,
               CASE WHEN status = 'denied' THEN 0::DECIMAL(14,2) ELSE {paid} END AS allowed,
               {paid} AS paid, '' AS adjustments, '' AS remark_codes,
               status = 'denied' AS denied, claim_id || '#' || line AS key,
               md5(claim_id || line || 'p') AS row_hash,
               {stamp} AS archived_on, clinic, strftime(paid_on, '%Y-%m') AS month
        FROM line WHERE status <> 'pending'""")  # fmt: skip
    copy("adjustments", f"""
        SELECT claim_id || '#' || line AS service_key, 'EFT' AS check_eft,
               paid_on AS payment_date, payer, claim_id, code AS procedure_code,
               split_part(reason, '-', 1) AS group_code, split_part(reason, '-', 2)
               AS reason_code, amount, status = 'denied' AS line_denied,
               claim_id || '#' || line || '#' || n AS key,
               md5(claim_id || line || n) AS row_hash, {stamp} AS archived_on, clinic,
               strftime(paid_on, '%Y-%m') AS month
        FROM (SELECT *, 1 AS n, CASE WHEN status = 'denied'
                                     THEN ({CARCS})[1 + (hash(i, 9) % 10)::INT]
                                     ELSE 'CO-45' END AS reason,
                     CASE WHEN status = 'denied' THEN charge ELSE charge - {paid} END AS amount
              FROM line WHERE status <> 'pending'
              UNION ALL
              SELECT *, 2 AS n, 'PR-2' AS reason, round(charge * 0.1, 2) AS amount
              FROM line WHERE status IN ('paid', 'underpaid') AND hash(i, line) % 2 = 0)
        """)  # fmt: skip
    copy("outcomes", f"""
        SELECT claim_id, claim_id AS encounter_id, payer, sent - 2 AS date_of_service, sent,
               sum(charge) AS billed, sum({paid}) AS allowed, sum({paid}) AS paid,
               sum(charge - {paid}) AS contractual, 0::DECIMAL(14,2) AS patient_responsibility,
               0::DECIMAL(14,2) AS other_adjustments,
               sum(CASE WHEN status = 'underpaid' THEN round(charge * 0.55, 2)
                        ELSE {paid} END) AS expected,
               sum(CASE WHEN status = 'underpaid' THEN {paid} - round(charge * 0.55, 2)
                        ELSE 0 END)::DECIMAL(14,2) AS variance,
               0::DECIMAL(14,2) AS interest, any_value(status) AS status,
               'PCN' || any_value(i)::VARCHAR AS payer_claim_number, sent AS first_sent,
               CASE WHEN any_value(status) IN ('paid', 'underpaid') THEN min(paid_on) END
                   AS first_paid, CASE WHEN any_value(rejected) THEN 2 ELSE 1 END::INT
                   AS submissions, any_value(rejected) AS rejected,
               any_value(status) = 'denied' AS denied, claim_id AS key,
               md5(claim_id || 'o') AS row_hash, {stamp} AS archived_on, clinic,
               strftime(sent, '%Y-%m') AS month
        FROM line GROUP BY clinic, claim_id, payer, sent""")  # fmt: skip
    copy("denials", f"""
        SELECT claim_id, claim_id AS encounter_id, payer, sent - 2 AS date_of_service,
               '835' AS source, 'EFT' AS check_eft, 'PCN' || i::VARCHAR AS payer_claim_number,
               sent + 30 AS event_date, 'denied' AS claim_status,
               (300)::DECIMAL(14,2) AS billed, (300)::DECIMAL(14,2) AS denied_amount,
               ({CARCS})[1 + (hash(i, 9) % 10)::INT] AS reason_codes, 'open' AS resolution,
               '' AS owner, 'Open' AS work_status, sent + 44 AS follow_up,
               claim_id || '#835#EFT#PCN' || i::VARCHAR AS key, md5(claim_id || 'd') AS row_hash,
               {stamp} AS archived_on, clinic, strftime(sent + 30, '%Y-%m') AS month
        FROM base WHERE status = 'denied'""")  # fmt: skip
    copy("payments", f"""
        SELECT 'P' || row_number() OVER ()::VARCHAR AS posting, '835' AS kind, payer,
               'P1' AS payer_id, check_eft, sum(paid) AS amount, payment_date,
               count(*)::INT AS claims, sum(paid) AS claims_paid, 'f.835' AS file,
               1::INT AS set_index, md5(check_eft) AS content_hash,
               payment_date AS posted_on, 'posted' AS status, md5(clinic || check_eft) AS key,
               md5(check_eft || 'x') AS row_hash, {stamp} AS archived_on, clinic,
               strftime(payment_date, '%Y-%m') AS month
        FROM (SELECT clinic, payer, paid_on AS payment_date, {paid} AS paid,
                     'EFT' || (hash(clinic, payer, paid_on) % 1000000)::VARCHAR AS check_eft
              FROM line WHERE status <> 'pending')
        GROUP BY clinic, payer, payment_date, check_eft""")  # fmt: skip
    db.close()


def child(root: Path, what: str) -> dict[str, float]:
    from addin.archive.queries import Archive
    from addin.archive.report import write_report

    start = time.perf_counter()
    # "partitions": the report reading every partition file, not the compacted copy
    with Archive(root, compacted=what != "partitions") as archive:
        if what == "baseline":
            archive.sql("SELECT count(*), sum(paid) FROM service_payments")
            rows = 1
        else:
            day = archive.latest_date()
            answers = archive.report(day)
            rows = sum(len(v) for v in answers.values())
            if what == "workbook":
                write_report(answers, root.parent / "report.xlsx", day)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_mb": peak_mb(), "rows": rows}


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited from
    the parent that generated the data)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measured(root: Path, what: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", what, "--root", str(root)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def demo_workbook(folder: Path, encounters: int) -> Path:
    """The demo quarter's clinic workbook (the real cycle, week by week)."""
    if not any(folder.glob("*.xlsx")):
        run = [sys.executable, "-m", "addin.cli", "demo", "--out", str(folder),
               "--encounters", str(encounters), "--json"]  # fmt: skip
        subprocess.run(run, check=True, capture_output=True, text=True, cwd=ROOT)
    return next(p for p in sorted(folder.glob("*.xlsx")) if ".claimbook." not in p.name)


def archive_child(folder: Path, to: Path, jobs: int | None) -> dict[str, Any]:
    """``claimbook archive FOLDER --to DIR --json`` in this (fresh) process."""
    import contextlib
    import io

    from addin.cli import app

    sys.argv = ["claimbook", "archive", str(folder), "--to", str(to), "--json"]
    sys.argv += ["--jobs", str(jobs)] if jobs else []
    out = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        app()
    seconds = time.perf_counter() - start
    data = json.loads(out.getvalue())
    failed = [c["error"] for c in data["clinics"] if c["error"]]
    assert not failed, failed
    # a worker's peak (ru_maxrss: the largest child's, counting what it shares with this
    # process since the fork)
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"seconds": seconds, "peak_mb": peak_mb(), "worker_mb": worker,
            "added": data["added"], "clinics": len(data["clinics"]),
            "skipped": data["skipped"], "compacted": data["compacted"]}  # fmt: skip


def archived(folder: Path, to: Path, jobs: int | None) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", "archive", "--root", str(to),
         "--folder", str(folder), *(["--jobs", str(jobs)] if jobs else [])],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def clinic_of(book: Path, target: Path, number: int) -> None:
    """A copy of ``book`` that is a clinic of its own: the archive refuses a byte-for-byte
    copy of a clinic's workbook (its history would count twice), so the first claim of
    the Claim Register gets another fingerprint (every other part copied untouched)."""
    import re

    from addin.registers.claims import CLAIM_COLUMNS, CLAIM_REGISTER
    from addin.sheets.package import Package

    # the Fingerprint column, as the register writes it (within A-Z)
    cell = chr(65 + [c.name for c in CLAIM_COLUMNS].index("Fingerprint")) + "2"

    package = Package(book)
    try:
        rels = package.rels("xl/workbook.xml")
        found = re.search(
            rf'<sheet [^>]*name="{CLAIM_REGISTER}"[^>]*r:id="([^"]+)"',
            package.text("xl/workbook.xml"),
        )
        assert found, f"{book}: no {CLAIM_REGISTER}"
        part = rels[found.group(1)][1]
        xml = package.text(part)
        row = xml.index('<row r="2"')
        at = xml.index(f'<c r="{cell}"', row)
        text = xml.index("<t", at)
        start = xml.index(">", text) + 1
        end = xml.index("</t>", start)
        package.set(part, xml[:start] + f"{number:016x}" + xml[end:])
        with target.open("wb") as handle:
            package.write(handle)
    finally:
        package.close()


def through_workbooks(
    base: Path, lines: int, encounters: int, jobs: int | None, once: bool = False
) -> None:
    """``claimbook archive`` on copies of the demo quarter's workbook holding ``lines``."""
    import shutil

    from addin.archive.store import rows_of

    start = time.perf_counter()
    book = demo_workbook(base / "demo", encounters)
    print(f"demo quarter ({encounters:,} encounters) in {time.perf_counter() - start:.1f} s: "
          f"{book.name}, {book.stat().st_size / 1e6:.1f} MB")  # fmt: skip
    per_book = rows_of(book)
    book_lines = len(per_book["claim_lines"])
    book_rows = sum(len(rows) for rows in per_book.values())
    copies = -(-lines // book_lines)
    folder = base / "clinics"
    if not folder.is_dir():
        for i in range(copies):
            home = folder / f"clinic-{i:04d}"
            home.mkdir(parents=True)
            clinic_of(book, home / f"clinic-{i:04d}.xlsx", i)
    print(
        f"{copies} clinic workbooks x {book_lines:,} claim lines ({book_rows:,} rows in "
        f"all tables) = {copies * book_lines:,} claim lines, {copies * book_rows:,} rows"
    )
    to = base / "archive"
    shutil.rmtree(to, ignore_errors=True)
    load = os.getloadavg()[0]
    first = archived(folder, to, jobs)
    again = None if once else archived(folder, to, jobs)
    added = sum(first["added"].values())
    assert first["added"]["claim_lines"] == copies * book_lines, first["added"]
    print_sizes(to)
    cores = jobs or os.cpu_count()
    packed = first["compacted"]
    print(f"claimbook archive --jobs {cores}: {first['seconds']:6.1f} s, peak "
          f"{first['peak_mb']:.0f} MB (largest worker {first['worker_mb']:.0f} MB): "
          f"{copies * book_lines / first['seconds']:,.0f} claim lines/s, "
          f"{added / first['seconds']:,.0f} rows/s ({added:,} rows); of which compacting "
          f"{packed['files']:,} files into {packed['segments']}: "
          f"{packed['seconds']:.1f} s")  # fmt: skip
    if again is not None:
        print(f"archived again:         {again['seconds']:6.1f} s, peak {again['peak_mb']:.0f} MB "
              f"(largest worker {again['worker_mb']:.0f} MB): {again['skipped']} of "
              f"{again['clinics']} workbooks unchanged (not read), added "
              f"{sum(again['added'].values())} rows (must be 0)")  # fmt: skip
        if sum(again["added"].values()):
            raise SystemExit("re-archiving added rows")
    report_both(to)
    print(f"cores {os.cpu_count()}, load average {load:.1f} at the start, "
          f"{os.getloadavg()[0]:.1f} now")  # fmt: skip


def print_sizes(root: Path) -> None:
    """The partitions' and the compacted copy's file count and size."""
    parts = [p for p in root.rglob("*.parquet") if "_compact" not in p.parts]
    copy = list((root / "_compact").rglob("*.parquet"))
    print(f"archive: {len(parts):,} partition files, "
          f"{sum(p.stat().st_size for p in parts) / 1e6:,.0f} MB; compacted copy "
          f"{len(copy):,} files, {sum(p.stat().st_size for p in copy) / 1e6:,.0f} MB")  # fmt: skip


def report_both(root: Path) -> None:
    """The report on the compacted copy, against the same report reading every partition
    file (the archive before compaction), each in a fresh process."""
    partitions = measured(root, "partitions")
    report = measured(root, "report")
    book = measured(root, "workbook")
    print(f"claimbook report, every partition file: {partitions['seconds']:6.2f} s, "
          f"peak {partitions['peak_mb']:5.0f} MB (before compaction)")  # fmt: skip
    print(f"claimbook report, compacted copy:       {report['seconds']:6.2f} s, "
          f"peak {report['peak_mb']:5.0f} MB, {report['rows']:.0f} answer rows: "
          f"{partitions['seconds'] / report['seconds']:.1f}x faster")  # fmt: skip
    print(f"report + workbook written:              {book['seconds']:6.2f} s, "
          f"peak {book['peak_mb']:5.0f} MB")  # fmt: skip
    print("target: under 10 s and under 2,048 MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=None)
    parser.add_argument("--keep", type=Path, help="Generate into (or reuse) this folder.")
    parser.add_argument(
        "--workbooks",
        action="store_true",
        help="Measure claimbook archive through clinic workbooks.",
    )
    parser.add_argument("--encounters", type=int, default=2000)
    parser.add_argument("--once", action="store_true", help="Skip archiving a second time.")
    parser.add_argument("--jobs", type=int, default=None, help="claimbook archive --jobs")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "archive":
        print(json.dumps(archive_child(args.folder, args.root, args.jobs)))
        return
    if args.child:
        print(json.dumps(child(args.root, args.child)))
        return
    if args.workbooks:
        with tempfile.TemporaryDirectory(prefix="bench-archive-") as tmp:
            base = args.keep or Path(tmp)
            through_workbooks(base, args.lines or 1_000_000, args.encounters, args.jobs, args.once)
        return
    args.lines = args.lines or 10_000_000
    with tempfile.TemporaryDirectory(prefix="bench-archive-") as tmp:
        root = (args.keep or Path(tmp)) / "archive"
        if not (root / "claims").is_dir():
            start = time.perf_counter()
            generate(root, args.lines)
            print(f"generated {args.lines:,} claim lines in {time.perf_counter() - start:.1f} s")
        from addin.archive.compact import compact

        packed = compact(root)
        print(f"compacted {packed.files:,} files into {packed.segments} in "
              f"{packed.seconds:.1f} s")  # fmt: skip
        print_sizes(root)
        base = measured(root, "baseline")
        print(f"baseline (one scan of service_payments): {base['seconds']:6.2f} s, "
              f"peak {base['peak_mb']:6.0f} MB")  # fmt: skip
        report_both(root)
        print(f"cores {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
