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
import statistics
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
from addin.models import Claim, ContractRow  # noqa: E402
from addin.remit import reconcile  # noqa: E402
from addin.remit.load import collector_paused, reconcile_files  # noqa: E402
from addin.x12 import x835_lean  # noqa: E402
from addin.x12.x835 import read_remittances  # noqa: E402
from addin.x12.x835_lean import read_remittances_lean  # noqa: E402
from addin.x12.x835_models import check_balance  # noqa: E402

# A clinic's mix: office visits, labs, imaging, injections, therapy (units), supplies.
CODES = [
    ("99202", "110.00"), ("99203", "180.00"), ("99204", "265.00"), ("99212", "95.00"),
    ("99213", "150.00"), ("99214", "210.00"), ("99215", "295.00"), ("99395", "240.00"),
    ("99396", "255.00"), ("36415", "12.00"), ("80053", "38.00"), ("80061", "42.00"),
    ("81002", "9.00"), ("82947", "14.00"), ("83036", "31.00"), ("84443", "48.00"),
    ("85025", "35.00"), ("87804", "32.00"), ("87880", "36.00"), ("93000", "60.00"),
    ("71046", "125.00"), ("73030", "110.00"), ("73610", "105.00"), ("72100", "120.00"),
    ("76700", "310.00"), ("90471", "28.00"), ("90686", "42.00"), ("90715", "58.00"),
    ("96372", "45.00"), ("J1885", "8.50"), ("J3301", "6.25"), ("J0696", "11.75"),
    ("97110", "62.00"), ("97140", "58.00"), ("97530", "66.00"), ("97112", "64.00"),
    ("11102", "185.00"), ("17000", "120.00"), ("17110", "160.00"), ("20610", "210.00"),
    ("69210", "85.00"), ("94010", "78.00"), ("94640", "42.00"), ("G0439", "175.00"),
    ("G0008", "30.00"), ("99406", "40.00"), ("99497", "190.00"), ("29125", "140.00"),
]  # fmt: skip
UNIT_CODES = {"J1885", "J3301", "J0696", "97110", "97140", "97530", "97112", "17110"}
MODIFIERS = ["", "", "", "", "", "25", "59", "RT", "LT"]
# (payer name, payer id, share of the fee allowed, copay for visits, coinsurance)
PAYERS = [
    ("MEDICARE PART B", "00112", "0.62", "0.00", "0.20"),
    ("BLUE PLAN", "54771", "0.78", "25.00", "0.00"),
    ("UNITED PLAN", "87726", "0.71", "30.00", "0.10"),
    ("STATE MEDICAID", "77027", "0.55", "0.00", "0.00"),
]
CENT = Decimal("0.01")
Billed = tuple[str, str, date, list[tuple[str, str, int, Decimal]]]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _allowed(payer: int, code: str, fee: Decimal) -> Decimal:
    """The contracted rate for a unit of ``code``: the payer's share of the fee, varied."""
    share = Decimal(PAYERS[payer][2]) + Decimal(sum(map(ord, code)) % 9 - 4) / 100
    return (fee * share).quantize(CENT)


def contracts() -> list[ContractRow]:
    """Contracts rows for every payer and code (what the benchmark prices lines with)."""
    return [
        ContractRow(payer=name, code=code, allowed=_allowed(i, code, Decimal(fee)))
        for i, (name, *_rest) in enumerate(PAYERS)
        for code, fee in CODES
    ]


def generate(
    path: Path, claims: int, per_st: int, seed: int = 7, jitter: bool = False
) -> list[Billed]:
    """Write an 835 with ``claims`` claims, ``per_st`` per transaction; return what was billed.

    Transactions rotate over four payers with their own rates, copays and coinsurance; lines
    draw from 48 codes with units, modifiers, deductibles, denials, remark codes, interest and
    PLB, so amounts repeat about as much as a clinic's real remittances do; claims carry the
    segments payers commonly send (insured, rendering provider, group number, coverage).
    With ``jitter`` every charge gets random cents, so hardly any amount or segment repeats
    (the worst case for the reader's per-text caches)."""
    rng = random.Random(seed)
    billed: list[Billed] = []
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
            payer = st % len(PAYERS)
            name, payer_id, _share, copay_text, coins_text = PAYERS[payer]
            copay, coins = Decimal(copay_text), Decimal(coins_text)
            paid_on = start + timedelta(days=30 + st)
            body: list[str] = []
            total = Decimal("0.00")
            for _ in range(min(per_st, claims - n)):
                n += 1
                cid = f"ENC{n:07d}"
                dos = paid_on - timedelta(days=rng.randrange(14, 120))
                items: list[tuple[str, str, int, Decimal]] = []
                for _ in range(rng.choice((1, 1, 2, 2, 3, 4))):
                    code, fee_text = CODES[rng.randrange(len(CODES))]
                    units = rng.randint(1, 4) if code in UNIT_CODES else 1
                    fee = Decimal(fee_text)
                    if jitter:
                        fee += Decimal(rng.randrange(1, 9999)) / 100
                    items.append((code, rng.choice(MODIFIERS), units, fee * units))
                billed.append((cid, name, dos, items))
                claim_billed = sum((c for *_, c in items), Decimal("0.00"))
                denied = rng.random() < 0.04
                deductible = (
                    Decimal(rng.randrange(500, 20000)) / 100 if rng.random() < 0.08 else None
                )
                svc: list[str] = []
                claim_paid = resp = Decimal("0.00")
                for code, modifier, units, charge in items:
                    rate = _allowed(payer, code, charge / units)
                    if rng.random() < 0.03:
                        rate -= Decimal("1.50")  # paid under the contract
                    allowed = min(rate * units, charge)
                    cas = [("CO", "45", charge - allowed)] if charge > allowed else []
                    if denied:
                        cas = [("CO", "97" if len(items) > 1 else "16", charge)]
                        allowed = paid = Decimal("0.00")
                    else:
                        owed = []
                        left = allowed
                        if deductible and left:
                            take = min(deductible, left)
                            owed.append(("PR", "1", take))
                            deductible -= take
                            left -= take
                        if copay and code.startswith("992") and left:
                            take = min(copay, left)
                            owed.append(("PR", "3", take))
                            left -= take
                        if coins and left:
                            take = (left * coins).quantize(CENT)
                            owed.append(("PR", "2", take))
                            left -= take
                        cas += owed
                        paid = left
                        resp += sum((a for _, _, a in owed), Decimal("0.00"))
                    claim_paid += paid
                    mods = f":{modifier}" if modifier else ""
                    segs = [
                        f"SVC*HC:{code}{mods}*{charge}*{paid}**{units}~\nDTM*472*{dos:%Y%m%d}~\n"
                    ]
                    segs += [f"CAS*{g}*{r}*{a}~\n" for g, r, a in cas]
                    segs.append(f"REF*6R*{cid}-{code}~\n")
                    if not denied:
                        segs.append(f"AMT*B6*{allowed}~\n")
                    if denied:
                        segs.append("LQ*HE*N130~\n")
                    svc.append("".join(segs))
                status = "4" if denied else ("2" if payer == 3 and rng.random() < 0.2 else "1")
                interest = rng.random() < 0.01 and not denied
                total += claim_paid
                dependent = rng.random() < 0.35
                body.append(
                    f"CLP*{cid}*{status}*{claim_billed}*{claim_paid}*{resp}*12*PCN{n:09d}*11*1~\n"
                    f"NM1*QC*1*PATIENT*NUMBER{n}****MI*M{n:08d}~\n"
                    + (f"NM1*IL*1*SUBSCRIBER*HOLDER{n}****MI*M{n:08d}~\n" if dependent else "")
                    + f"NM1*82*1*RENDERING*DOCTOR****XX*1234567893~\nREF*EA*MRN{n:08d}~\n"
                    + (f"REF*1L*GRP{payer_id}~\n" if payer else "")
                    + ("MOA***MA01~\n" if denied else "")
                    + f"DTM*232*{dos:%Y%m%d}~\nDTM*233*{dos:%Y%m%d}~\n"
                    f"DTM*050*{dos + timedelta(days=3):%Y%m%d}~\n"
                    + ("" if denied else f"AMT*AU*{claim_paid + resp}~\n")
                    + ("AMT*I*1.37~\n" if interest else "")
                    + "".join(svc)
                )
            plb = ""
            if st % 5 == 0:
                plb = f"PLB*1234567893*{paid_on.year}1231*L6:INT{st}*-4.11*WO:RECOUP{st}*25.00~\n"
                total += Decimal("4.11") - Decimal("25.00")
            head = (
                f"ST*835*{st:04d}~\nBPR*I*{total}*C*ACH*CCP*01*999999999*DA*12345*1999999999"
                f"**01*999999999*DA*54321*{paid_on:%Y%m%d}~\nTRN*1*EFT{st:06d}*1999999999~\n"
                f"DTM*405*{paid_on:%Y%m%d}~\nN1*PR*{name}~\nN3*1 MAIN ST~\n"
                f"N4*SPRINGFIELD*IL*62701~\nREF*2U*{payer_id}~\nPER*BL*EDI SUPPORT*TE*8005550100~\n"
                "N1*PE*BENCH CLINIC*XX*1234567893~\nREF*TJ*123456789~\nLX*1~\n"
            )
            text = head + "".join(body) + plb
            count = text.count("~") + 1
            fh.write(text + f"SE*{count}*{st:04d}~\n")
        fh.write(f"GE*{st}*1~\nIEA*1*000000001~\n")
    return billed


def generate_uniform(path: Path, claims: int, per_st: int, seed: int = 7) -> list[Billed]:
    """The session-1 benchmark file: one payer, six codes at fixed amounts, a $10 copay on
    visits, no denials. Far more repetitive than a clinic's ERA (``generate``); kept so the
    figures stay comparable with the first measurements (``--uniform``)."""
    rng = random.Random(seed)
    six = [("99213", "150.00"), ("99214", "210.00"), ("36415", "12.00"), ("85025", "35.00"),
           ("93000", "60.00"), ("99203", "180.00")]  # fmt: skip
    billed: list[Billed] = []
    start = date(2024, 1, 1)
    with open(path, "w", encoding="ascii", newline="") as fh:
        fh.write(
            "ISA*00*          *00*          *ZZ*BENCHPAYER     *ZZ*BENCHCLINIC    *240401*"
            "1200*^*00501*000000001*0*P*:~\nGS*HP*BENCHPAYER*BENCHCLINIC*20240401*1200*1*X*"
            "005010X221A1~\n"
        )
        n = st = 0
        while n < claims:
            st += 1
            body: list[str] = []
            total = Decimal("0.00")
            for _ in range(min(per_st, claims - n)):
                n += 1
                cid = f"ENC{n:07d}"
                dos = start + timedelta(days=rng.randrange(90))
                lines = [six[rng.randrange(len(six))] for _ in range(rng.randint(1, 4))]
                items = [(code, "", 1, Decimal(charge) * 2) for code, charge in lines]
                billed.append((cid, "BENCH PAYER", dos, items))
                svc: list[str] = []
                claim_paid = resp = Decimal("0.00")
                for code, _mod, _units, charge in items:
                    allowed = (charge / 2).quantize(CENT)
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
                claim_billed = sum((c for *_, c in items), Decimal("0.00"))
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
            fh.write(text + f"SE*{text.count('~') + 1}*{st:04d}~\n")
        fh.write(f"GE*{st}*1~\nIEA*1*000000001~\n")
    return billed


def baseline(path: Path) -> tuple[float, int]:
    start = time.perf_counter()
    text = path.read_bytes().decode("utf-8")
    n = 0
    for seg in text.split("~"):
        n += len(seg.strip().split("*"))
    return time.perf_counter() - start, n


def claim_models(billed: list[Billed]) -> list[Claim]:
    """The workbook's claims for what was billed (as the Claims sheet would give them)."""
    from addin.models import ClaimLine

    return [
        Claim.model_construct(
            claim_id=cid,
            encounter_id=cid,
            payer=payer,
            payer_id="",
            place_of_service="11",
            total_charge=sum((c for *_, c in items), Decimal("0.00")),
            lines=[
                ClaimLine.model_construct(
                    line_number=i,
                    procedure_code=code,
                    modifiers=[modifier] if modifier else [],
                    units=Decimal(units),
                    charge=charge,
                    dx_pointers=[1],
                    date_of_service=dos,
                )
                for i, (code, modifier, units, charge) in enumerate(items, 1)
            ],
        )
        for cid, payer, dos, items in billed
    ]


def cold() -> None:
    """Empty the lean reader's per-text caches: each timed run reads as a new process does."""
    for cache in (x835_lean._AMOUNTS, x835_lean._DATES, x835_lean._CAS, x835_lean._DTM,
                  x835_lean._AMT, x835_lean._SVC):  # fmt: skip
        cache.clear()


def bench(claims: int, per_st: int, jitter: bool, runs: int, uniform: bool = False) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.835"
        if uniform:
            billed = generate_uniform(path, claims, per_st)
        else:
            billed = generate(path, claims, per_st, jitter=jitter)
        mb = path.stat().st_size / 1e6
        kind = (
            "the session-1 uniform file (--uniform)"
            if uniform
            else "clinic-like, every charge with random cents (--jitter)"
            if jitter
            else "clinic-like"
        )
        print(f"file: {mb:.1f} MB, {claims} claims, {per_st} claims per transaction set; {kind}")
        claims_list = claim_models(billed)
        rows = [] if uniform else contracts()
        del billed
        bases = [baseline(path) for _ in range(runs)]
        base = min(b for b, _ in bases)
        print(
            f"baseline str.split into segments/elements: best of {runs} {base:.3f} s = "
            f"{mb / base:.1f} MB/s ({bases[0][1]} elements)"
        )
        # The lean path first, so the process's peak RSS after it is its own peak.
        times = []
        rss0 = rss_mb()
        for run in range(runs):
            cold()
            start = time.perf_counter()
            with collector_paused():
                lean = reconcile_files(claims_list, [path], rows)
            times.append(time.perf_counter() - start)
            if run + 1 < runs:
                del lean
        lean_rss = rss_mb()
        best, median = min(times), statistics.median(times)
        print(
            f"READ + RECONCILE (reconcile_files, {len(rows)} Contracts rows, collector paused as "
            f"the CLI runs, cold caches): {runs} runs, best {best:.3f} s = {mb / best:.1f} MB/s, "
            f"median {median:.3f} s = {mb / median:.1f} MB/s; ratio to baseline "
            f"{best / base:.1f}x; peak RSS {lean_rss:.0f} MB (claims loaded: {rss0:.0f} MB)"
        )
        totals = lean.totals()
        statuses = {k: v for k, v in totals["statuses"].items() if v}
        print(
            f"  statuses {statuses}; payments {totals['payments']}, "
            f"difference {totals['difference']}"
        )
        with collector_paused():  # as the CLI makes them
            start = time.perf_counter()
            lean_json = lean.to_json()
            json_s = time.perf_counter() - start
            start = time.perf_counter()
            row_count = len(lean.remittance_rows)
            rows_s = time.perf_counter() - start
        print(
            f"  then, not in the figure above: to_json (what --json prints) {json_s:.3f} s; "
            f"the Remittance sheet's {row_count} rows, made on first use, {rows_s:.3f} s"
        )
        del lean
        cold()
        start = time.perf_counter()
        with collector_paused():
            lean_claims = sum(len(t.claims) for t in read_remittances_lean(path))
        read_s = time.perf_counter() - start
        print(
            f"lean read alone (cold caches, collector paused): {read_s:.3f} s = "
            f"{mb / read_s:.1f} MB/s ({lean_claims} claims)"
        )
        cold()
        start = time.perf_counter()
        gc_on = reconcile_files(claims_list, [path], rows)
        on_s = time.perf_counter() - start
        del gc_on
        print(
            f"read + reconcile with the collector left on (a long-running host): {on_s:.3f} s = "
            f"{mb / on_s:.1f} MB/s"
        )
        # Python allocations while streaming the lean reader: one transaction set at a time.
        tracemalloc.start()
        for _txn in read_remittances_lean(path):
            pass
        traced_peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        print(
            f"lean streaming read, traced peak Python memory: {traced_peak:.1f} MB for a "
            f"{mb:.0f} MB file"
        )
        start = time.perf_counter()
        count = unbalanced = 0
        for txn in read_remittances(path):
            count += len(txn.claims)
            unbalanced += not check_balance(txn).balanced
        model_read = time.perf_counter() - start
        print(
            f"model reader, stream read + balance check: {model_read:.2f} s = "
            f"{mb / model_read:.1f} MB/s, {count} claims, {unbalanced} unbalanced transactions"
        )
        start = time.perf_counter()
        with collector_paused():
            rec = reconcile(claims_list, read_remittances(path), rows)
        model_s = time.perf_counter() - start
        print(
            f"model reader + reconcile (collector paused): {model_s:.2f} s = "
            f"{mb / model_s:.1f} MB/s"
        )
        print(f"lean path JSON equals the model path's: {rec.to_json() == lean_json}")


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
    parser.add_argument("--jitter", action="store_true", help="no repeated charges (worst case)")
    parser.add_argument("--uniform", action="store_true", help="the session-1 file (6 codes)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of the lean path")
    args = parser.parse_args()
    if args.fuzz:
        fuzz(args.fuzz, args.seed)
    else:
        bench(args.claims, args.per_st, args.jitter, args.runs, args.uniform)
        if args.pyx12:
            compare_pyx12(args.pyx12)


if __name__ == "__main__":
    main()
