"""Benchmark the 835 reader and reconcile on a generated ~20 MB ERA; fuzz in large batches.

    .venv/bin/python benchmarks/bench_835.py                 # 40,000 claims, ~20 MB (lean + models)
    .venv/bin/python benchmarks/bench_835.py --claims 4000   # quick
    .venv/bin/python benchmarks/bench_835.py --fuzz 100000   # mutated corpus files
    .venv/bin/python benchmarks/bench_835.py --claims 4000 --pyx12 4000   # and pyx12

Figures are MB/s against a baseline measured in the same run: splitting the same bytes into
segments and elements with str.split and nothing else. Peak memory is the process's maximum
resident set size after each phase (resource.getrusage), so the streaming read is measured
before anything holds the whole file's results.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
import traceback
import tracemalloc
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from addin.errors import ClaimbookError  # noqa: E402
from addin.models import Claim  # noqa: E402
from addin.remit import reconcile  # noqa: E402
from addin.remit.load import collector_paused, reconcile_files  # noqa: E402
from addin.x12.x835 import read_remittances  # noqa: E402
from addin.x12.x835_models import check_balance  # noqa: E402

CODES = [
    ("99213", "150.00"),
    ("99214", "210.00"),
    ("36415", "12.00"),
    ("85025", "35.00"),
    ("93000", "60.00"),
    ("99203", "180.00"),
]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(
    path: Path, claims: int, per_st: int, seed: int = 7
) -> list[tuple[str, date, list[tuple[str, Decimal]]]]:
    """Write an 835 with ``claims`` claims, ``per_st`` per transaction; return what was billed."""
    rng = random.Random(seed)
    billed: list[tuple[str, date, list[tuple[str, Decimal]]]] = []
    start = date(2024, 1, 1)
    with open(path, "w", encoding="ascii", newline="") as fh:
        fh.write(
            "ISA*00*          *00*          *ZZ*BENCHPAYER     *ZZ*BENCHCLINIC    *240401*"
            "1200*^*00501*000000001*0*P*:~\nGS*HP*BENCHPAYER*BENCHCLINIC*20240401*1200*1*X*"
            "005010X221A1~\n"
        )
        n = 0
        st = 0
        while n < claims:
            st += 1
            body: list[str] = []
            total = Decimal("0.00")
            for _ in range(min(per_st, claims - n)):
                n += 1
                cid = f"ENC{n:07d}"
                dos = start + timedelta(days=rng.randrange(90))
                lines = [CODES[rng.randrange(len(CODES))] for _ in range(rng.randint(1, 4))]
                items = [(code, Decimal(charge) * 2) for code, charge in lines]
                billed.append((cid, dos, items))
                claim_billed = sum((c for _, c in items), Decimal("0.00"))
                svc: list[str] = []
                claim_paid = Decimal("0.00")
                resp = Decimal("0.00")
                for code, charge in items:
                    allowed = (charge / 2).quantize(Decimal("0.01"))
                    copay = Decimal("10.00") if code.startswith("99") else Decimal("0.00")
                    paid = allowed - copay
                    claim_paid += paid
                    resp += copay
                    svc.append(
                        f"SVC*HC:{code}*{charge}*{paid}**1~\nDTM*472*{dos:%Y%m%d}~\n"
                        f"CAS*CO*45*{charge - allowed}~\n"
                        + (f"CAS*PR*3*{copay}~\n" if copay else "")
                        + f"REF*6R*{cid}-{code}~\nAMT*B6*{allowed}~\n"
                    )
                total += claim_paid
                body.append(
                    f"CLP*{cid}*1*{claim_billed}*{claim_paid}*{resp}*12*PCN{n:09d}*11*1~\n"
                    f"NM1*QC*1*PATIENT*NUMBER{n}****MI*M{n:08d}~\n"
                    f"NM1*82*1*RENDERING*DOCTOR****XX*1234567893~\nREF*EA*MRN{n:08d}~\n"
                    f"DTM*232*{dos:%Y%m%d}~\nDTM*233*{dos:%Y%m%d}~\n"
                    f"DTM*050*{dos + timedelta(days=3):%Y%m%d}~\n" + "".join(svc)
                )
            head = (
                f"ST*835*{st:04d}~\nBPR*I*{total}*C*ACH*CCP*01*999999999*DA*12345*1999999999"
                f"**01*999999999*DA*54321*20240401~\nTRN*1*EFT{st:06d}*1999999999~\n"
                "DTM*405*20240331~\nN1*PR*BENCH PAYER~\nN3*1 MAIN ST~\nN4*SPRINGFIELD*IL*62701~\n"
                "REF*2U*99999~\nPER*BL*EDI SUPPORT*TE*8005550100~\n"
                "N1*PE*BENCH CLINIC*XX*1234567893~\nREF*TJ*123456789~\nLX*1~\n"
            )
            text = head + "".join(body)
            count = text.count("~") + 1
            fh.write(text + f"SE*{count}*{st:04d}~\n")
        fh.write(f"GE*{st}*1~\nIEA*1*000000001~\n")
    return billed


def baseline(path: Path) -> tuple[float, int]:
    start = time.perf_counter()
    text = path.read_bytes().decode("utf-8")
    n = 0
    for seg in text.split("~"):
        n += len(seg.strip().split("*"))
    return time.perf_counter() - start, n


def bench(claims: int, per_st: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.835"
        billed = generate(path, claims, per_st)
        mb = path.stat().st_size / 1e6
        print(f"file: {mb:.1f} MB, {claims} claims, {per_st} claims per transaction set")
        claim_models = [
            Claim.model_construct(
                claim_id=cid,
                encounter_id=cid,
                payer="BENCH PAYER",
                payer_id="99999",
                total_charge=sum((c for _, c in items), Decimal("0.00")),
                lines=[_line(i, code, charge, dos) for i, (code, charge) in enumerate(items, 1)],
            )
            for cid, dos, items in billed
        ]
        # The lean path first, so the process's peak RSS after it is its own peak.
        rss0 = rss_mb()
        start = time.perf_counter()
        with collector_paused():
            lean = reconcile_files(claim_models, [path])
        lean_s = time.perf_counter() - start
        lean_rss = rss_mb()
        lean_json = lean.to_json()
        del lean
        base, elements = baseline(path)
        print(
            f"baseline str.split into segments/elements: {base:.2f} s = {mb / base:.1f} MB/s "
            f"({elements} elements)"
        )
        print(
            f"LEAN read + reconcile (reconcile_files, collector paused, as the CLI runs): "
            f"{lean_s:.2f} s = {mb / lean_s:.1f} MB/s; ratio to baseline {lean_s / base:.1f}x; "
            f"peak RSS {lean_rss:.0f} MB (before: {rss0:.0f} MB)"
        )
        rss0 = rss_mb()
        start = time.perf_counter()
        count = unbalanced = 0
        for txn in read_remittances(path):
            count += len(txn.claims)
            unbalanced += not check_balance(txn).balanced
        read_s = time.perf_counter() - start
        print(
            f"stream read + balance check: {read_s:.2f} s = {mb / read_s:.1f} MB/s, "
            f"{count} claims, {unbalanced} unbalanced transactions; ratio to baseline "
            f"{read_s / base:.1f}x; peak RSS {rss_mb():.0f} MB (before: {rss0:.0f} MB)"
        )
        start = time.perf_counter()
        with collector_paused():
            paused_count = sum(len(t.claims) for t in read_remittances(path))
        paused_read = time.perf_counter() - start
        print(
            f"stream read with the collector paused: {paused_read:.2f} s = "
            f"{mb / paused_read:.1f} MB/s ({paused_count} claims); ratio to baseline "
            f"{paused_read / base:.1f}x"
        )
        # Python allocations while streaming: bounded by one transaction set, not the file.
        tracemalloc.start()
        for txn in read_remittances(path):
            check_balance(txn)
        traced_peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        print(
            f"streaming read, traced peak Python memory: {traced_peak:.0f} MB for a {mb:.0f} MB "
            f"file ({per_st} claims per transaction set)"
        )
        start = time.perf_counter()
        rec = reconcile(claim_models, read_remittances(path))
        total_s = time.perf_counter() - start
        del rec
        start = time.perf_counter()
        with collector_paused():
            rec = reconcile(claim_models, read_remittances(path))
        paused_s = time.perf_counter() - start
        print(
            f"read + reconcile with the collector paused (as the CLI runs): {paused_s:.2f} s = "
            f"{mb / paused_s:.1f} MB/s; ratio to baseline {paused_s / base:.1f}x"
        )
        totals = rec.totals()
        statuses = {k: v for k, v in totals["statuses"].items() if v}
        print(
            f"read + reconcile: {total_s:.2f} s = {mb / total_s:.1f} MB/s; ratio to baseline "
            f"{total_s / base:.1f}x; statuses {statuses}; "
            f"difference {totals['difference']}; peak RSS {rss_mb():.0f} MB"
        )
        same = rec.to_json() == lean_json
        print(f"lean path JSON equals the model path's: {same}")


def _line(n: int, code: str, charge: Decimal, dos: date) -> object:
    from addin.models import ClaimLine

    return ClaimLine.model_construct(
        line_number=n,
        procedure_code=code,
        modifiers=[],
        units=Decimal(1),
        charge=charge,
        dx_pointers=[1],
        date_of_service=dos,
    )


def fuzz(runs: int, seed: int) -> None:
    sys.path.insert(0, str(ROOT / "tests" / "x12"))
    from test_x835_fuzz import SEEDS, SPECIAL, run_all  # the same work as the CI test

    rng = random.Random(seed)
    bugs: Counter[tuple[str, str, int]] = Counter()
    start = time.perf_counter()
    for i in range(runs):
        data = bytearray(rng.choice(SEEDS))
        for _ in range(rng.randint(1, 6)):
            if not data:
                break
            at = rng.randrange(len(data))
            op = rng.randrange(5)
            if op == 0:
                data[at] = rng.randrange(256)
            elif op == 1:
                data[at:at] = rng.choice(SPECIAL)
            elif op == 2:
                del data[at : at + rng.randint(1, 40)]
            elif op == 3:
                data[at:at] = data[at : at + rng.randint(1, 200)]
            else:
                del data[at:]
        try:
            run_all(bytes(data))
        except ClaimbookError:
            pass
        except Exception as exc:  # noqa: BLE001 - counting what escapes is the point
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            bugs[(type(exc).__name__, Path(frame.filename).name, frame.lineno or 0)] += 1
        if (i + 1) % 100_000 == 0:
            print(f"  {i + 1} runs, {sum(bugs.values())} escaped", flush=True)
    elapsed = time.perf_counter() - start
    print(
        f"fuzz: {runs} mutated files in {elapsed:.0f} s ({runs / elapsed:.0f}/s), seed {seed}; "
        f"exceptions other than ClaimbookError: {sum(bugs.values())}"
    )
    for key, n in bugs.most_common():
        print(f"  {n} x {key}")


def compare_pyx12(claims: int) -> None:
    """pyx12 on a smaller file of the same shape (it is too slow for the full 20 MB)."""
    import io
    import logging

    import pyx12.params
    import pyx12.x12file
    import pyx12.x12n_document

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "small.835"
        generate(path, claims, 1_000)
        mb = path.stat().st_size / 1e6
        start = time.perf_counter()
        count = sum(len(t.claims) for t in read_remittances(path))
        ours = time.perf_counter() - start
        start = time.perf_counter()
        segments = sum(1 for _ in pyx12.x12file.X12Reader(str(path)))
        split = time.perf_counter() - start
        logging.disable(logging.CRITICAL)  # pyx12 logs every finding; only its speed matters
        start = time.perf_counter()
        pyx12.x12n_document.x12n_document(pyx12.params.params(), str(path), io.StringIO(), None)
        validate = time.perf_counter() - start
        logging.disable(logging.NOTSET)
        print(
            f"same machine, {mb:.1f} MB / {claims} claims: Claimbook models {mb / ours:.2f} MB/s "
            f"({count} claims); pyx12 X12Reader segments only {mb / split:.2f} MB/s "
            f"({segments} segments); pyx12 validation {mb / validate:.2f} MB/s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=40_000)
    parser.add_argument("--per-st", type=int, default=1_000)
    parser.add_argument("--fuzz", type=int, default=0, help="run N mutated files instead")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pyx12", type=int, default=0, help="also time pyx12 on N claims")
    args = parser.parse_args()
    if args.fuzz:
        fuzz(args.fuzz, args.seed)
    else:
        bench(args.claims, args.per_st)
        if args.pyx12:
            compare_pyx12(args.pyx12)


if __name__ == "__main__":
    main()
