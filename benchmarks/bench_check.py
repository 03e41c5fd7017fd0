"""The claim scrubber on 100,000 lines with every rule enabled, against baselines in-process.

Target (issue 4): >= 100,000 lines/s excluding file reading, with NCCI and MUE from synthetic
tables of realistic size (2,000,000 PTP pairs, 15,000 MUE rows) and CPT/HCPCS sets loaded.
Baselines, same process, same Book:
  floor  - one pass that reads every field the rules read and does nothing else;
  naive  - a straightforward scrubber: icd10cm.lookup() for each diagnosis of each claim,
           NPI Luhn and a PTP lookup per line pair, no per-code caching.
Run: .venv/bin/python benchmarks/bench_check.py [--lines N]
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from addin.codesets import icd10cm  # noqa: E402
from addin.coding.check import check  # noqa: E402
from addin.coding.rules import MemoryCodes, MemoryMue, MemoryPtp, Sources  # noqa: E402
from addin.coding.rules.fields import npi_problem  # noqa: E402
from addin.models import Book, Encounter, PayerRow, Person, RuleRow, ServiceLine  # noqa: E402

RNG = random.Random(20260301)
FEES: dict[str, Decimal] = {}  # the clinic's fee schedule: one charge per code
EM = ["99202", "99203", "99204", "99212", "99213", "99214", "99215"]
PAYERS = ["Aetna", "Medicare", "Medicaid NY", "Cigna", "UnitedHealthcare", "BCBS"]


def npi(stem: str) -> str:
    total = 0
    for position, char in enumerate(reversed("80840" + stem)):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return stem + str((10 - total % 10) % 10)


def code_universe() -> tuple[list[str], list[str]]:
    """15,000 procedure codes: CPT-shaped (5 digits) and HCPCS-shaped (letter + 4 digits)."""
    cpt = sorted({f"{RNG.randint(10004, 99499):05d}" for _ in range(16_000)})[:12_000]
    hcpcs = sorted({f"{RNG.choice('AGJLQ')}{RNG.randint(0, 9999):04d}" for _ in range(4_000)})
    return cpt, hcpcs[:3_000]


def build_sources(cpt: list[str], hcpcs: list[str], used: list[str]) -> tuple[Sources, float]:
    start = time.perf_counter()
    codes = cpt + hcpcs
    old = date(2000, 1, 1)
    # 2,000,000 PTP pairs; 20,000 among the codes the clinic bills, so some lookups hit.
    pairs: set[tuple[str, str]] = set()
    while len(pairs) < 20_000:
        a, b = RNG.sample(used, 2)
        pairs.add((a, b))
    while len(pairs) < 2_000_000:
        pairs.add((RNG.choice(codes), RNG.choice(codes)))
    rows = [
        (a, b, old, date(2024, 1, 1) if i % 20 == 0 else None, 1 if i % 3 else 0)
        for i, (a, b) in enumerate(pairs)
        if a != b
    ]
    ptp = MemoryPtp(rows)
    mue = MemoryMue((code, RNG.choice((1, 2, 3, 4, 10, 20)), RNG.choice((1, 2, 3))) for code in
                    RNG.sample(codes, 15_000))  # fmt: skip
    sources = Sources(
        cpt=MemoryCodes((c, old, None) for c in cpt + EM + ["20610"]),
        hcpcs=MemoryCodes((c, old, date(2030, 12, 31)) for c in hcpcs),
        ptp=ptp,
        mue=mue,
    )
    print(f"synthetic tables: {len(ptp):,} PTP pairs, {len(mue):,} MUE rows "
          f"({time.perf_counter() - start:.1f} s to build)")  # fmt: skip
    return sources, time.perf_counter() - start


def build_book(lines: int, used: list[str]) -> Book:
    vintage = icd10cm.vintage_for(date(2026, 3, 1))
    assert vintage is not None
    billable = [c for c, (b, _, _) in vintage.codes.items() if b]
    dx_pool = RNG.sample(billable, 3_000) + ["E11.9", "I10", "Z00.00", "J06.9", "M17.11"] * 50
    bad_dx = ["E11", "S93.402", "S80.01A", "E11.99", "O80", "N40.0"]
    npis = [npi(f"{RNG.randint(100000000, 299999999)}") for _ in range(40)]
    encounters: list[Encounter] = []
    row = 2
    made = 0
    n = 0
    while made < lines:
        n += 1
        count = min(RNG.choice((1, 2, 3, 3, 4, 5)), lines - made)
        dos = date(2025, 10, 1) + timedelta(days=RNG.randint(0, 240))
        dx = RNG.sample(dx_pool, RNG.randint(1, 4))
        if RNG.random() < 0.01:
            dx[-1] = RNG.choice(bad_dx)
        dependent = RNG.random() < 0.2
        enc_lines = []
        for i in range(count):
            # Most visits bill an E/M; modifiers as clinics use them, 25 only on E/M lines.
            code = RNG.choice(EM) if i == 0 and RNG.random() < 0.7 else RNG.choice(used)
            if code in EM:
                mods = []  # 25 is added below when the visit also has a procedure
            else:
                mods = RNG.choice(([], [], [], [], [], ["59"], ["XU"], ["RT"], ["TC"]))
            enc_lines.append(
                ServiceLine(
                    row=row + i,
                    procedure_code=code,
                    modifiers=mods,
                    units=Decimal(1 if RNG.random() < 0.9 else 2),
                    charge=FEES.setdefault(code, Decimal(RNG.randint(2000, 40000)) / 100),
                    dx_pointers=[1 + (i % len(dx))],
                    ndc="00002143380" if code.startswith("J") else None,
                )
            )
        if any("10004" <= s.procedure_code <= "69990" for s in enc_lines):
            for service in enc_lines:
                if service.procedure_code in EM and RNG.random() < 0.95:
                    service.modifiers = ["25"]
        place = RNG.choice(("11", "11", "11", "02", "10", "22"))
        if place in ("02", "10"):
            for service in enc_lines:
                if service.procedure_code in EM:
                    service.modifiers = [*service.modifiers, "95"]
        encounters.append(
            Encounter(
                encounter_id=f"V{n}",
                patient=Person(
                    last_name="Doe",
                    first_name="Pat",
                    dob=date(1950 + n % 70, 1 + n % 12, 1 + n % 28),
                    sex=RNG.choice("MF"),
                    address="1 Main St",
                    city="Albany",
                    state="NY",
                    zip="12207",
                ),  # fmt: skip
                payer=RNG.choice(PAYERS),
                member_id=f"M{n:08d}",
                relationship="Child" if dependent else "Self",
                subscriber=Person(last_name="Doe", first_name="Sam", dob=date(1970, 1, 1), sex="F")
                if dependent
                else None,  # fmt: skip
                rendering_npi=RNG.choice(npis) if RNG.random() > 0.005 else "1234567890",
                place_of_service=place,
                date_of_service=dos,
                diagnoses=dx,
                lines=enc_lines,
                rows=list(range(row, row + count)),
            )
        )
        row += count
        made += count
    rule_rows = [
        RuleRow(row=2, values={"Rule ID": "MCR-TELE", "Payer": "Medicare", "Procedure Codes":
                "99202-99215", "Place of Service": "02, 10", "Requirement": "require_modifier",
                "Requirement Value": "95"}),
        RuleRow(row=3, values={"Rule ID": "MCD-NDC", "Payer": "Medicaid NY", "Procedure Codes":
                "J0120-J9999", "Requirement": "require_ndc"}),
        RuleRow(row=4, values={"Rule ID": "UNITS", "Requirement": "max_units",
                "Requirement Value": "4", "Severity": "warning"}),
        RuleRow(row=5, values={"Rule ID": "CIGNA-PA", "Payer": "Cigna", "Diagnosis Codes":
                "M17", "Requirement": "require_prior_auth"}),
        RuleRow(row=6, values={"Rule ID": "BCBS-DX", "Payer": "BCBS", "Procedure Codes":
                "G0439", "Requirement": "require_diagnosis", "Requirement Value": "Z00"}),
    ]  # fmt: skip
    return Book(
        encounters=encounters,
        settings={
            "Billing Provider Name": "Clinic",
            "Billing NPI": npis[0],
            "Tax ID": "123456789",
            "Taxonomy Code": "207Q00000X",
            "Billing Address": "1 Elm",
            "Billing City": "Albany",
            "Billing State": "NY",
            "Billing ZIP": "122071234",
        },  # fmt: skip
        payers=[PayerRow(payer=p, payer_id=f"P{i}", row=i + 2) for i, p in enumerate(PAYERS)],
        rules=rule_rows,
    )


def floor_pass(book: Book) -> int:
    """Read every field the rules read; the least any scrubber must do."""
    touched = 0
    for enc in book.encounters:
        p = enc.patient
        touched += bool(p.last_name and p.first_name and p.dob and p.sex and p.zip and p.state)
        touched += bool(enc.payer and enc.member_id and enc.rendering_npi and enc.date_of_service)
        for code in enc.diagnoses:
            touched += bool(code)
        for line in enc.lines:
            touched += bool(line.procedure_code and line.units and line.charge is not None)
            touched += len(line.modifiers) + len(line.dx_pointers)
    return touched


def naive_pass(book: Book, sources: Sources) -> int:
    """A straightforward scrubber without per-code caches (the way one would first write it)."""
    ptp = sources.ptp
    assert ptp is not None
    problems = 0
    for enc in book.encounters:
        for code in enc.diagnoses:
            if icd10cm.lookup(code, enc.date_of_service).status != "ok":
                problems += 1
        if npi_problem(enc.rendering_npi):
            problems += 1
        dos = enc.date_of_service
        assert dos is not None
        for a in enc.lines:
            for b in enc.lines:
                if a is not b and ptp.indicator(a.procedure_code, b.procedure_code, dos) == 0:
                    problems += 1
    return problems


def timed(func: Any) -> tuple[float, Any]:
    """Wall time of one call (the CPU time is kept in CPU_TIMES: the machine is shared)."""
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    result = func()
    CPU_TIMES.append(time.process_time() - cpu)
    return time.perf_counter() - start, result


CPU_TIMES: list[float] = []


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=100_000)
    args = parser.parse_args()
    cpt, hcpcs = code_universe()
    used = RNG.sample(cpt, 1_200) + RNG.sample(hcpcs, 300) + EM + ["20610", "G0439"]
    sources, _ = build_sources(cpt, hcpcs, used)
    start = time.perf_counter()
    book = build_book(args.lines, used)
    lines = sum(len(e.lines) for e in book.encounters)
    print(f"book: {lines:,} lines in {len(book.encounters):,} encounters "
          f"(built in {time.perf_counter() - start:.1f} s, not timed below)")  # fmt: skip
    today = date(2026, 6, 1)
    first, findings = timed(lambda: check(book, today=today, sources=sources))
    CPU_TIMES.clear()
    runs = [timed(lambda: check(book, today=today, sources=sources))[0] for _ in range(3)]
    best, best_cpu = min(runs), min(CPU_TIMES)
    CPU_TIMES.clear()
    floor = min(timed(lambda: floor_pass(book))[0] for _ in range(3))
    floor_cpu = min(CPU_TIMES)
    naive, _ = timed(lambda: naive_pass(book, sources))
    by_severity = {s: sum(f.severity == s for f in findings) for s in ("error", "warning", "info")}
    print(f"findings: {len(findings):,} {by_severity}")
    print(f"check, first run (loads ICD notes, derives per-code facts): {first:.2f} s = "
          f"{lines / first:,.0f} lines/s")  # fmt: skip
    print(f"check, best of 3 (warm: ICD per-code facts kept from the first run): {best:.2f} s"
          f" = {lines / best:,.0f} lines/s   target >= 100,000 lines/s")  # fmt: skip
    print(f"  same runs in CPU time of this process: {best_cpu:.2f} s = "
          f"{lines / best_cpu:,.0f} lines/s")  # fmt: skip
    print(
        f"  baseline floor (read the fields only): {floor:.2f} s = {lines / floor:,.0f} lines/s"
        f" -> check costs {best / floor:.1f}x the floor (CPU: {best_cpu / floor_cpu:.1f}x)"
    )
    print(f"  baseline naive (ICD lookup per dx, NPI per claim, PTP per pair; no other rule, no "
          f"cache): {naive:.2f} s = {lines / naive:,.0f} lines/s; the full check takes "
          f"{best / naive:.2f}x its time")  # fmt: skip
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS (tables + book + runs): {peak:,.0f} MB")


if __name__ == "__main__":
    main()
