"""Generate tests/data/suggest_index_eval.tsv: Index paths and reworded titles, fixed seed.

Three slices, each split into dev (tuned on) and heldout (never looked at while tuning) by a
hash of the expected code, so one code's phrases are all on one side:
* ``index``: terms drawn at random from the main Alphabetic Index (with "see" references
  followed), written as a biller writes them from the path's own words ("lobar pneumonia",
  "fx rt femur shaft subs"); the expected code is the Index's, completed through the
  shipped tabular only when that is unambiguous (paths whose code fans out are skipped).
* ``tables``: the Neoplasm Table (site + behaviour) and the Drug Table (substance + intent).
* ``titles``: official titles of random billable codes, reworded (order, abbreviations,
  "unspecified" dropped).
Run: .venv/bin/python benchmarks/build_index_eval.py   (deterministic: same file each time)
"""

from __future__ import annotations

import csv
import hashlib
import random
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

OUT = REPO / "tests" / "data" / "suggest_index_eval.tsv"
SEED = 20251001
SIZES = {"index": 520, "tables": 120, "titles": 160}
ABBREVIATIONS = {
    "right": "rt",
    "left": "lt",
    "fracture": "fx",
    "history": "hx",
    "with": "w/",
    "without": "w/o",
    "bilateral": "bilat",
    "superficial": "superfic",
}
ENCOUNTER = {
    "A": ["initial encounter", "init", "initial"],
    "D": ["subsequent encounter", "subs", "subsequent"],
    "S": ["sequela", "sqla", "sequela"],
}


def split_of(code: str) -> str:
    """heldout for a quarter of the codes, by a hash nobody tunes against."""
    return "heldout" if hashlib.sha256(code.encode()).digest()[0] % 4 == 0 else "dev"


def _clean(term: str) -> str:
    term = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", term)
    term = re.sub(r"\bNEC\b|\bNOS\b", " ", term)
    return " ".join(term.split())


def phrase_from_path(path: tuple[str, ...], rng: random.Random) -> str:
    """A biller's phrase from an Index path: the main term's head word and the subterms."""
    main = _clean(path[0].split(",")[0])
    subs = [_clean(s) for s in path[1:] if _clean(s)]
    joined = " ".join(subs)
    connectors = ("with ", "without ", "due to ", "in ", "associated with ", "following ")
    if not subs:
        text = main
    elif any(s.lower().startswith(connectors) or s.lower() in ("with", "in") for s in subs):
        text = f"{main} {joined}"
    else:
        text = rng.choice([f"{joined} {main}", f"{main} {joined}", f"{main} of {joined}"])
    return text.lower()


def abbreviate(text: str, rng: random.Random) -> str:
    words = text.split()
    return " ".join(
        ABBREVIATIONS[w] if w in ABBREVIATIONS and rng.random() < 0.4 else w for w in words
    )


def main() -> int:
    from addin.codesets import icd10cm
    from addin.codesets.icd10cm_alphabetic import index_terms_path, read_tsv, resolve

    info = [v for v in icd10cm.vintages() if v.shipped][-1]
    vintage = icd10cm.load(info)
    codes = vintage.codes
    terms = index_terms_path()
    assert terms is not None
    resolved, _ = resolve(list(read_tsv(terms)))

    def complete(raw: str) -> tuple[str, dict[str, str]] | None:
        """The one billable code (or 7th-character stem with its table) an Index code means."""
        code = raw.rstrip("-").rstrip(".")
        if code not in codes:
            return None
        if codes[code][0]:
            return code, {}
        below = vintage.billable_descendants(code)
        stems = {c[:-1] for c in below if len(c.replace(".", "")) == 7}
        table = vintage.seventh_for(code)
        if table and len(stems) == 1 and all(len(c.replace(".", "")) == 7 for c in below):
            return stems.pop(), table
        if len(below) == 1:
            return below[0], {}
        return None

    rng = random.Random(SEED)
    rows: list[tuple[str, str, str, str, str]] = []
    seen: set[str] = set()

    def add(phrase: str, code: str, slice_: str, source: str) -> bool:
        key = phrase.lower()
        if key in seen or len(phrase) < 3:
            return False
        seen.add(key)
        rows.append((phrase, code, slice_, split_of(code), source))
        return True

    def draw(pool: list, slice_: str, size: int) -> None:  # type: ignore[type-arg]
        order = list(range(len(pool)))
        rng.shuffle(order)
        taken = 0
        for number in order:
            if taken >= size:
                break
            entry, shown = pool[number]
            done = complete(entry.code)
            if done is None:
                continue
            code, table = done
            text = phrase_from_path(entry.path, rng)
            if table:
                chars = [c for c in "ADS" if c in table]
                if not chars:
                    continue
                char = rng.choice(chars)
                full = f"{code}{char}"
                if full not in codes:
                    continue
                text = f"{text} {rng.choice(ENCOUNTER[char])}"
                code = full
            if code.startswith(("V", "W", "X", "Y")):
                continue
            taken += add(abbreviate(text, rng), code, slice_, shown)

    main_index = [(e, s) for e, s in resolved if e.kind == "I"]
    draw(main_index, "index", SIZES["index"])
    tables = [(e, s) for e, s in resolved if e.kind in ("N", "D")]
    draw(tables, "tables", SIZES["tables"])
    billable = sorted(c for c, (b, _, _) in codes.items() if b)
    rng.shuffle(billable)
    taken = 0
    for code in billable:
        if taken >= SIZES["titles"]:
            break
        title = codes[code][2]
        text = re.sub(r",? unspecified\b|\bunspecified ", " ", title, flags=re.IGNORECASE)
        parts = re.split(r" of (?!the)", text, maxsplit=1)
        if len(parts) == 2 and "," not in parts[0] and rng.random() < 0.6:
            head, rest = parts
            site, _, tail = rest.partition(",")
            text = f"{site} {head}{',' + tail if tail else ''}"
        text = abbreviate(" ".join(text.lower().split()), rng)
        taken += add(text, code, "titles", title)
    rows.sort(key=lambda r: (r[2], r[3] == "heldout", r[0]))
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["phrase", "expected", "category", "split", "source"])
        writer.writerows(rows)
    counts = {s: sum(1 for r in rows if r[2] == s) for s in SIZES}
    held = sum(1 for r in rows if r[3] == "heldout")
    print(f"{len(rows)} phrases {counts} ({held} heldout) -> {OUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
