"""Build the prebuilt ICD-10-CM suggestion index shipped in codesets/suggest/.

Run after the shipped ICD-10-CM vintage changes (``make codesets`` does both):
    .venv/bin/python codesets/suggest/build_suggest_index.py
Indexes of imported vintages are built on first use and cached in the user data folder.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from addin.codesets import icd10cm
from addin.coding.suggest.index import _key, build, save, shipped_dir


def main() -> int:
    shipped = [v for v in icd10cm.vintages() if v.shipped]
    if not shipped:
        print("no shipped ICD-10-CM vintage found", file=sys.stderr)
        return 1
    for old in shipped_dir().glob("icd10cm-*.pickle*"):
        old.unlink()
    for info in shipped:
        start = time.perf_counter()
        index = build(icd10cm.load(info))
        path = shipped_dir() / f"{_key(info)}.pickle.gz"
        save(index, path)
        took = time.perf_counter() - start
        size = Path(path).stat().st_size / 1e6
        print(
            f"{info.name}: {len(index)} documents, {len(index.postings)} stems, "
            f"{size:.1f} MB, built in {took:.1f} s -> {path.name}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
