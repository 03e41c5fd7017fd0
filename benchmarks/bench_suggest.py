"""Suggestion accuracy, speed and memory over tests/data/suggest_eval.tsv.

Prints top-1 / top-5 accuracy (all, dev, held-out, per category), the misses, the cold
start (loading the prebuilt index), query latency percentiles, and the loaded index's
memory; the baseline measured in the same process is plain BM25 over the code titles alone
(the same tokens, no knowledge, no conventions), to show what the knowledge layers add.
Run: .venv/bin/python benchmarks/bench_suggest.py [--misses] [--split dev|heldout]
"""

from __future__ import annotations

import argparse
import csv
import gc
import math
import statistics
import sys
import time
import tracemalloc
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

EVAL = REPO / "tests" / "data" / "suggest_eval.tsv"


def read_eval() -> list[dict[str, str]]:
    with EVAL.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def bm25_baseline(index, rows):  # type: ignore[no-untyped-def]
    """Plain BM25 over each document's own title (k1=1.2, b=0.75), no knowledge layers."""
    from addin.coding.suggest.text import doc_tokens, query_words, stem

    docs = [d.variants[0][0] + d.variants[0][1] for d in index.docs()]
    keys_of = [d.key for d in index.docs()]
    avg = sum(len(d) for d in docs) / len(docs)
    post: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for n, d in enumerate(docs):
        for t, c in Counter(d).items():
            post[t].append((n, c))
    total = len(docs)
    idf = {t: math.log(1 + (total - len(p) + 0.5) / (len(p) + 0.5)) for t, p in post.items()}
    _ = doc_tokens
    top1 = top5 = 0
    for row in rows:
        acc: dict[int, float] = defaultdict(float)
        for word in query_words(row["phrase"]):
            t = stem(word)
            for n, c in post.get(t, ()):
                acc[n] += idf[t] * c * 2.2 / (c + 1.2 * (0.25 + 0.75 * len(docs[n]) / avg))
        best = sorted(acc, key=lambda n: -acc[n])[:5]
        keys = [keys_of[n] for n in best]
        want = row["expected"]
        hit = [k == want or (len(want.replace(".", "")) == 7 and want.startswith(k)) for k in keys]
        top1 += bool(hit[:1] and hit[0])
        top5 += any(hit)
    return top1 / len(rows), top5 / len(rows)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--misses", action="store_true", help="print every top-1 miss")
    parser.add_argument("--split", choices=["dev", "heldout"], help="only this split")
    args = parser.parse_args()
    rows = read_eval()
    if args.split:
        rows = [r for r in rows if r["split"] == args.split]

    # the package and its function share a name: take the module from sys.modules
    import importlib

    sg = importlib.import_module("addin.coding.suggest")
    from addin.coding.suggest.index import index_path, load_file

    info = sg._icd10cm_info(None)
    path = index_path(info)
    gc.collect()
    tracemalloc.start()
    start = time.perf_counter()
    index = load_file(path)
    cold = time.perf_counter() - start
    current, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del index
    start = time.perf_counter()
    sg.suggest("hypertension")  # first call: index + curated data
    first = time.perf_counter() - start

    times: list[float] = []
    results: list[tuple[dict[str, str], list[str]]] = []
    for row in rows:
        t0 = time.perf_counter()
        got = sg.suggest(row["phrase"], top=5)
        times.append(time.perf_counter() - t0)
        results.append((row, [s.code for s in got]))

    def accuracy(subset: list[tuple[dict[str, str], list[str]]]) -> tuple[float, float, int]:
        if not subset:
            return 0.0, 0.0, 0
        one = sum(1 for r, c in subset if c[:1] == [r["expected"]])
        five = sum(1 for r, c in subset if r["expected"] in c)
        return one / len(subset), five / len(subset), len(subset)

    print(f"eval: {EVAL.relative_to(REPO)} ({len(rows)} phrases)")
    for name in ("all", "dev", "heldout"):
        subset = [x for x in results if name == "all" or x[0]["split"] == name]
        t1, t5, n = accuracy(subset)
        if n:
            print(f"  {name:8} n={n:4}  top-1 {t1:6.1%}  top-5 {t5:6.1%}")
    print("by category (top-1 / top-5 / n):")
    for category in sorted({r["category"] for r in rows}):
        t1, t5, n = accuracy([x for x in results if x[0]["category"] == category])
        print(f"  {category:14} {t1:6.1%} {t5:6.1%} {n:4}")
    b1, b5 = bm25_baseline(sg.icd10cm_index(None), rows)
    print(f"baseline plain BM25 on titles: top-1 {b1:6.1%}  top-5 {b5:6.1%}")
    ms = sorted(t * 1000 for t in times)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * len(ms))) - 1)]
    print(
        f"cold start (load prebuilt index): {cold:.3f} s; first suggest call: {first:.3f} s; "
        f"query median {statistics.median(ms):.2f} ms, p95 {p95:.2f} ms, max {ms[-1]:.2f} ms"
    )
    print(f"loaded index memory (tracemalloc): {current / 1e6:.1f} MB")
    if args.misses:
        print("top-1 misses (phrase | expected | got top-5):")
        for row, codes in results:
            if codes[:1] != [row["expected"]]:
                mark = "top5" if row["expected"] in codes else "MISS"
                print(f"  [{row['split']}] {mark} {row['phrase']!r} | {row['expected']} | {codes}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
