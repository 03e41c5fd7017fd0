"""The suggestion index of one ICD-10-CM vintage: build it, save it, load it fast.

One document per billable code, except that codes differing only in a 7th character
(S52.501A/D/S ...) share one document, their 6-character stem; the character is chosen
after retrieval. A document's names are its title, its own inclusion terms and the
inclusion terms of its ancestors (each joined with what the code adds to that ancestor's
title); its context is its ancestors' titles. The index holds everything a query needs,
so answering never loads the code set itself.
"""

from __future__ import annotations

import gzip
import itertools
import math
import pickle
import re
import sys
import threading
import zlib
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from addin.codesets.icd10cm import Icd10cmVintage
from addin.codesets.store import VintageInfo, shipped_root, user_root
from addin.coding.suggest.text import doc_tokens
from addin.collector import collector_paused
from addin.errors import CodeSetError

FORMAT = 8
# Decoded documents kept in memory (about 5 kB each: 30,000 stay under 210 MB in all).
DECODED_MAX = 30000
# Notes whose text names the same condition as the code (another name for it).
NAME_KINDS = ("inclusion_term", "includes")
# Category-level "includes" under these are lists of scope, not names of the condition.
_MAX_ALIAS_WORDS = 14

# (required stems, optional stems, is an "NOS" or Index-default name, where it comes from:
# "" for the title and inclusion terms, else the Alphabetic Index path)
Variant = tuple[tuple[str, ...], tuple[str, ...], bool, str]
# Index paths kept per document (the shortest first): bounds the work of scoring one.
INDEX_NAMES_MAX = 24
# An Index code that wants more characters ("S72.0-") names each billable code under it,
# with the words that code adds, up to this many; more is too vague to be a name.
FANOUT_MAX = 30
# 7th character, full code, description, required stems, optional stems
Seventh = tuple[str, str, str, tuple[str, ...], tuple[str, ...]]


@dataclass(slots=True)
class Doc:
    """One retrievable unit: a billable code, or a stem whose 7th character comes later."""

    key: str
    description: str
    variants: list[Variant]
    context: frozenset[str]
    seventh: list[Seventh] = field(default_factory=list)
    # every stem of every name once (made on first use, kept with the decoded document)
    every: tuple[str, ...] | None = None

    def stems(self) -> tuple[str, ...]:
        """Every stem any of the names holds, each once."""
        if self.every is None:
            self.every = tuple({t: None for v in self.variants for t in v[0] + v[1]})
        return self.every


class Index:
    """Documents (kept encoded, decoded on first use), postings and idf of one code set.

    Documents stay one encoded line each until a query needs them, which keeps loading a
    saved index to a few hundred milliseconds.
    """

    __slots__ = (
        "_arrays",
        "_decoded",
        "_labels",
        "_lines",
        "_members",
        "intents",
        "idf",
        "keys",
        "lengths",
        "postings",
        "system",
        "vintage",
    )

    def __init__(
        self,
        system: str,
        vintage: str,
        lines: list[str],
        postings: dict[str, Sequence[int]],
        idf: dict[str, float],
        lengths: Sequence[int],
        keys: list[str] | None = None,
    ) -> None:
        self.system = system
        self.vintage = vintage
        self._lines = lines
        # each document's code (or 7th-character stem), without decoding it (a saved index
        # gives them: cutting 36,000 lines costs more than reading the list)
        self.keys = keys if keys is not None else [line[: line.find("\x1f")] for line in lines]
        self._decoded: dict[int, Doc] = {}
        self._members: dict[str, frozenset[int]] = {}
        # numpy views made on first use: each key's first letter, lengths, common stems' masks
        self._arrays: dict[str, np.ndarray] = {}
        # Index paths named by number in the documents ("#12"), kept compressed until asked
        self._labels: bytes | list[str] = []
        # documents the Index reaches from "History, personal", "History, family",
        # "Screening" and "Status": what those words may lead to besides the Z ranges
        self.intents: dict[str, frozenset[str]] = {}
        self.postings = postings
        self.idf = idf
        # the fewest required words of any name: ties in candidate search go to short titles
        self.lengths = lengths

    @classmethod
    def from_docs(cls, system: str, vintage: str, docs: list[Doc]) -> Index:
        """An index over documents: postings of every name's stems, idf over documents."""
        postings: dict[str, list[int]] = {}
        for number, doc in enumerate(docs):
            seen: set[str] = set()
            for req, opt, _, _ in doc.variants:
                seen.update(req)
                seen.update(opt)
            for token in seen:
                postings.setdefault(token, []).append(number)
        total = len(docs)
        idf = {t: math.log((total + 1) / (len(p) + 0.5)) for t, p in postings.items()}
        lengths = [min(12, min(len(v[0]) for v in d.variants)) for d in docs]
        label_ids: dict[str, int] = {}
        for doc in docs:
            for variant in doc.variants:
                if variant[3].startswith("I:"):
                    label_ids.setdefault(variant[3], len(label_ids))
        lines = [encode(d, label_ids) for d in docs]
        index = cls(system, vintage, lines, dict(postings), idf, lengths)
        index._labels = list(label_ids)
        if len(docs) <= DECODED_MAX:
            index._decoded = dict(enumerate(docs))
        return index

    def __len__(self) -> int:
        return len(self._lines)

    def source(self, why: str) -> str:
        """The name a suggestion matched: "#12" (an Index path by number) spelt out."""
        if not why.startswith("#"):
            return why
        if isinstance(self._labels, bytes):
            self._labels = zlib.decompress(self._labels).decode("utf-8").split("\n")
        number = int(why[1:])
        return self._labels[number] if number < len(self._labels) else ""

    def labels_blob(self) -> bytes:
        if isinstance(self._labels, bytes):
            return self._labels
        return zlib.compress("\n".join(self._labels).encode("utf-8"), 6)

    def members(self, token: str) -> frozenset[int]:
        """The documents holding a stem, as a set (kept for the few very common stems)."""
        found = self._members.get(token)
        if found is None:
            found = frozenset(self.postings.get(token, ()))
            self._members[token] = found
        return found

    def posting(self, token: str) -> np.ndarray | None:
        """The documents holding a stem, as an array (a view of the loaded bytes)."""
        found = self.postings.get(token)
        if found is None:
            return None
        if isinstance(found, memoryview):
            return np.frombuffer(found, dtype=np.uint32)
        return np.asarray(found, dtype=np.uint32)

    def member_mask(self, token: str) -> np.ndarray:
        """Which documents hold a stem, one bool each (kept for the few very common stems)."""
        name = "m:" + token
        found = self._arrays.get(name)
        if found is None:
            found = np.zeros(len(self._lines), dtype=bool)
            docs = self.posting(token)
            if docs is not None:
                found[docs] = True
            self._arrays[name] = found
        return found

    def first_letters(self) -> np.ndarray:
        """Each document's first character (its chapter letter) as a number."""
        found = self._arrays.get("first")
        if found is None:
            found = np.array([ord(k[0]) if k else 0 for k in self.keys], dtype=np.uint8)
            self._arrays["first"] = found
        return found

    def length_array(self) -> np.ndarray:
        found = self._arrays.get("lengths")
        if found is None:
            found = np.frombuffer(bytes(self.lengths), dtype=np.uint8)
            self._arrays["lengths"] = found
        return found

    @property
    def max_idf(self) -> float:
        return math.log(len(self._lines) + 1)

    def doc(self, number: int) -> Doc:
        found = self._decoded.get(number)
        if found is None:
            if len(self._decoded) >= DECODED_MAX:
                # bounds memory: the oldest quarter goes (dicts keep insertion order)
                for old in list(itertools.islice(self._decoded, DECODED_MAX // 4)):
                    del self._decoded[old]
            found = decode(self._lines[number])
            self._decoded[number] = found
        return found

    def docs(self) -> Iterator[Doc]:
        for number in range(len(self._lines)):
            yield self.doc(number)


def encode(doc: Doc, label_ids: dict[str, int] | None = None) -> str:
    """One line: key, description, names, context, 7th characters (control separators)."""
    ids = label_ids or {}
    names = ";".join(
        f"{' '.join(r)}|{' '.join(o)}|{int(n)}|{f'#{ids[w]}' if w in ids else _safe(w)}"
        for r, o, n, w in doc.variants
    )
    seventh = "\x1e".join(
        "\x1d".join((c, code, text, " ".join(r), " ".join(o)))
        for c, code, text, r, o in doc.seventh
    )
    fields = (doc.key, doc.description, names, " ".join(sorted(doc.context)), seventh)
    return "\x1f".join(fields)


def _safe(text: str) -> str:
    return re.sub(r"[;|\x1d-\x1f\n]", ",", text)


# The same word lists recur across decoded documents (a stem's 7th-character words are in
# every one of its names): each is split once and the tuple shared.
_SPLIT_MAX = 100000
_splits: dict[str, tuple[str, ...]] = {}


def _split(text: str) -> tuple[str, ...]:
    found = _splits.get(text)
    if found is None:
        # interned: the same stems recur across thousands of decoded documents
        found = tuple(map(sys.intern, text.split()))
        if len(_splits) >= _SPLIT_MAX:
            _splits.clear()
        _splits[text] = found
    return found


def decode(line: str) -> Doc:
    key, description, names, context, seventh = line.split("\x1f")
    variants: list[Variant] = []
    for name in names.split(";"):
        req, opt, nos, why = name.split("|")
        variants.append((_split(req), _split(opt), nos == "1", why))
    sevenths: list[Seventh] = []
    if seventh:
        for entry in seventh.split("\x1e"):
            c, code, text, req, opt = entry.split("\x1d")
            sevenths.append((c, code, text, _split(req), _split(opt)))
    return Doc(key, description, variants, frozenset(_split(context)), sevenths)


def _key(info: VintageInfo) -> str:
    files = info.manifest.get("files", {})
    digest = "".join(
        str(files.get(n, {}).get("sha256", ""))[:12] for n in ("codes.tsv", "notes.tsv")
    )
    from addin.codesets.icd10cm_alphabetic import index_terms_path

    terms = index_terms_path(_fiscal_year(info.name))
    year = terms.name.removeprefix("icd10cm-index-")[:4] if terms else "none"
    if terms is not None and terms.parent.parent == user_root():
        year += "u" + str(terms.stat().st_size)  # an imported Index rebuilds the cache
    return f"{info.system}-{info.name}-{digest}-ix{year}-v{FORMAT}"


def shipped_dir() -> Path:
    return shipped_root() / "suggest"


def cache_dir() -> Path:
    return user_root().parent / "cache" / "suggest"


def _differentia(
    child: tuple[list[str], list[str]], parent: tuple[list[str], list[str]]
) -> tuple[list[str], list[str]]:
    """What a code's title adds to an ancestor's title (e.g. ``right ear``)."""
    have = set(parent[0]) | set(parent[1])
    return [t for t in child[0] if t not in have], [t for t in child[1] if t not in have]


def _is_variant(vintage: Icd10cmVintage, code: str, parent: str) -> bool:
    compact = code.replace(".", "")
    if len(compact) != 7 or parent not in vintage.codes or vintage.codes[parent][0]:
        return False
    return compact[-1] in vintage.seventh_for(parent)


def build(vintage: Icd10cmVintage, index_terms: Path | None | bool = True) -> Index:
    """Build the index of a loaded vintage (a few seconds; done once per vintage).

    ``index_terms`` is the Alphabetic Index terms file (True: the newest one for the
    vintage's year, shipped or imported; None or False: titles and inclusion terms only).
    """
    codes = vintage.codes
    tokens_cache: dict[str, tuple[list[str], list[str]]] = {}

    def toks(text: str) -> tuple[list[str], list[str]]:
        got = tokens_cache.get(text)
        if got is None:
            got = doc_tokens(text)
            tokens_cache[text] = got
        return got

    names: dict[str, list[tuple[str, bool]]] = {}
    for key in codes:
        for kind, text in vintage.notes_for(key):
            if kind in NAME_KINDS and len(text.split()) <= _MAX_ALIAS_WORDS:
                names.setdefault(key, []).append((text.replace(" NOS", ""), "NOS" in text))
    stems: dict[str, list[str]] = {}
    singles: list[str] = []
    for code, (billable, parent, _) in codes.items():
        if not billable:
            continue
        if _is_variant(vintage, code, parent):
            stems.setdefault(parent, []).append(code)
        else:
            singles.append(code)
    keys = sorted(singles + list(stems))
    intents: dict[str, set[str]] = {}
    from_index = _index_names(vintage, set(keys), stems, index_terms, toks, intents)
    docs: list[Doc] = []
    for key in keys:
        description = codes[key][2]
        own = toks(description)
        variants: list[Variant] = [(tuple(own[0]), tuple(own[1]), False, "")]
        context: set[str] = set()
        chain = [key] + [a for a in vintage.ancestors(key) if a in codes]
        for level, holder in enumerate(chain):
            holder_tokens = toks(codes[holder][2])
            if level:
                context.update(holder_tokens[0])
                context.update(holder_tokens[1])
            extra = _differentia(own, holder_tokens) if level else ([], [])
            for text, nos in names.get(holder, []):
                alias = tokens_cache.get("\x00" + text) or doc_tokens(text, alias=True)
                tokens_cache["\x00" + text] = alias
                req, opt = tuple(alias[0] + extra[0]), tuple(alias[1] + extra[1])
                variants.append((req, opt, nos, "T:" + text))
        variants.extend(from_index.get(key, ()))
        seventh: list[Seventh] = []
        if key in stems:
            table = vintage.seventh_for(key)
            for code in stems[key]:
                char = code[-1]
                text = table.get(char, codes[code][2])
                s_req, s_opt = toks(text)
                seventh.append((char, code, codes[code][2], tuple(s_req), tuple(s_opt)))
            order = list(table)
            seventh.sort(key=lambda s: order.index(s[0]) if s[0] in order else len(order))
            extra_opt = tuple(sorted({t for s in seventh for t in s[3] + s[4]}))
            variants = [(r, o + extra_opt, n, w) for r, o, n, w in variants]
        docs.append(Doc(key, description, _dedupe(variants), frozenset(context), seventh))
    index = Index.from_docs("icd10cm", vintage.name, docs)
    index.intents = {k: frozenset(v) for k, v in intents.items()}
    return index


def _intent_of(path: tuple[str, ...]) -> str:
    """Which Z-code intent an Index path belongs to ("" for none)."""
    main = path[0].split(",")[0].split(" (")[0].strip().lower()
    second = path[1].strip().lower() if len(path) > 1 else ""
    if main == "history":
        return "family" if second.startswith("family") else "personal"
    if main in ("screening", "status"):
        return main
    return ""


def _main_term(term: str) -> str:
    """ "Abdomen, abdominal" -> "Abdomen (abdominal)": a main term's other spelling is optional."""
    head, _, rest = term.partition(", ")
    if rest and all(w[:4].lower() == head[:4].lower() for w in rest.split(", ")):
        return f"{head} ({rest})"
    return term


def _index_names(
    vintage: Icd10cmVintage,
    keys: set[str],
    stems: dict[str, list[str]],
    index_terms: Path | None | bool,
    toks: Callable[[str], tuple[list[str], list[str]]],
    intents: dict[str, set[str]],
) -> dict[str, list[Variant]]:
    """Alphabetic Index paths as names of the documents their codes land on.

    A code billable in this vintage names its document (a 7-character code names its stem);
    a code that gained characters since (or that the Index gives with a dash) names each
    billable code under it, together with the words that code's title adds ("right"), so the
    text decides and nothing is guessed; a code this vintage does not have is dropped."""
    from addin.codesets import icd10cm_alphabetic as alphabetic

    if index_terms is True:
        year = _fiscal_year(vintage.name)
        index_terms = alphabetic.index_terms_path(year)
    if not index_terms:
        return {}
    entries = list(alphabetic.read_tsv(index_terms))
    resolved, _ = alphabetic.resolve(entries)
    codes = vintage.codes
    stem_of = {code: stem for stem, members in stems.items() for code in members}
    landing: dict[str, list[str]] = {}

    def land(raw: str) -> list[str]:
        got = landing.get(raw)
        if got is not None:
            return got
        code = raw.rstrip("-").rstrip(".")
        if code in keys:
            got = [code]
        elif code in stem_of:
            got = [stem_of[code]]
        elif code in codes:
            found = dict.fromkeys(stem_of.get(c, c) for c in vintage.billable_descendants(code))
            got = [k for k in found if k in keys]
            got = got if len(got) <= FANOUT_MAX else []
        else:
            got = []
        landing[raw] = got
        return got

    out: dict[str, list[Variant]] = {}
    for entry, shown in resolved:
        targets = land(entry.code)
        if not targets:
            continue
        intent = _intent_of(entry.path) if entry.kind == "I" else ""
        if intent:
            intents.setdefault(intent, set()).update(targets)
        terms = [_main_term(entry.path[0]), *entry.path[1:]]
        text = " ".join(t.replace(" NEC", "") for t in terms)
        if entry.nemod:
            text += " " + entry.nemod
        req, opt = _alias_tokens(text)
        default = len(entry.path) == 1 and entry.kind == "I"
        base = entry.code.rstrip("-").rstrip(".")
        for key in targets:
            extra: tuple[list[str], list[str]] = ([], [])
            if key != base and base in codes:
                extra = _differentia(toks(codes[key][2]), toks(codes[base][2]))
            variant = (tuple(req + extra[0]), tuple(opt + extra[1]), default, "I:" + shown)
            out.setdefault(key, []).append(variant)
    for variants in out.values():
        if len(variants) > INDEX_NAMES_MAX:
            variants.sort(key=lambda v: (len(v[0]), len(v[3])))
            overflow = variants[INDEX_NAMES_MAX:]
            del variants[INDEX_NAMES_MAX:]
            variants.extend(_bags(overflow))
    return out


def _bags(overflow: list[Variant]) -> list[Variant]:
    """The Table names past the first ``INDEX_NAMES_MAX`` of a code, one name per Table
    column: the words all of them share are required, the rest optional. So a
    rare substance of the Drug Table still finds its code ("flutazolam" -> T42.4X4-)."""
    from addin.codesets.icd10cm_alphabetic import DRUG_COLUMNS

    # Drug Table only: a substance is one name; pooled Neoplasm sites would let "lung"
    # stand for "lung, main bronchus"
    columns = set(DRUG_COLUMNS.values())
    groups: dict[str, list[Variant]] = {}
    for variant in overflow:
        head = variant[3][2:].split(",")[0].split(" (see")[0]
        if head in columns:  # a main term's overflow is too mixed to pool: left out
            groups.setdefault(head, []).append(variant)
    out: list[Variant] = []
    for head, members in groups.items():
        if len(members) == 1:
            out.extend(members)
            continue
        shared = set(members[0][0]).intersection(*(set(m[0]) for m in members[1:]))
        req = tuple(t for t in members[0][0] if t in shared)
        rest = dict.fromkeys(t for m in members for t in m[0] + m[1] if t not in shared)
        if not req:
            out.extend(members[:4])
            continue
        out.append((req, tuple(rest), False, f"I:{head}, ... ({len(members)} Index terms)"))
    return out


_alias_cache: dict[str, tuple[list[str], list[str]]] = {}


def _alias_tokens(text: str) -> tuple[list[str], list[str]]:
    got = _alias_cache.get(text)
    if got is None:
        got = doc_tokens(text, alias=True)
        if len(_alias_cache) < 300000:
            _alias_cache[text] = got
    return got


def _fiscal_year(name: str) -> int | None:
    digits = "".join(c for c in name if c.isdigit())
    return int(digits[:4]) if len(digits) >= 4 else None


def _dedupe(variants: list[Variant]) -> list[Variant]:
    seen: set[tuple[frozenset[str], frozenset[str]]] = set()
    out: list[Variant] = []
    for req, opt, nos, why in variants:
        mark = (frozenset(req), frozenset(opt))
        if mark in seen:
            continue
        seen.add(mark)
        out.append((req, opt, nos, why))
    return out


def save(index: Index, path: Path) -> None:
    """Write an index atomically (a temp file, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    payload: dict[str, Any] = {
        "format": FORMAT,
        "system": index.system,
        "vintage": index.vintage,
        # the documents and their keys as lists: a pickled list of strings loads in under
        # half the time of splitting one joined string, and never holds both at once
        "lines": index._lines,
        "keys": index.keys,
        "postings": {t: array("I", p).tobytes() for t, p in index.postings.items()},
        "idf": index.idf,
        "lengths": bytes(index.lengths),
        "intents": {k: sorted(v) for k, v in index.intents.items()},
        "labels": index.labels_blob(),
    }
    blob = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    # gzip keeps the shipped file small for git and the wheel; inflating costs ~50 ms.
    tmp.write_bytes(gzip.compress(blob, compresslevel=6, mtime=0))
    tmp.replace(path)


# Index files already read and inflated ahead of their loading (see inflate_ahead), by path
_inflated: dict[Path, bytes] = {}


def inflate_ahead(info: VintageInfo) -> threading.Thread:
    """Read and inflate the index file of ``info`` on a thread (zlib releases the GIL, so
    this overlaps the caller's own loading); the next :func:`load_file` of it takes the
    bytes. Join the thread before loading. A failure is left for the load to report."""
    path = index_path(info)

    def inflate() -> None:
        try:
            _inflated[path] = gzip.decompress(path.read_bytes())
        except (OSError, zlib.error, EOFError):
            pass

    thread = threading.Thread(target=inflate, name="claimbook-index-inflate", daemon=True)
    thread.start()
    return thread


def load_file(path: Path) -> Index:
    """Read an index written by :func:`save` (ours only: shipped or in the user cache)."""
    try:
        blob = _inflated.pop(path, None)
        blob = blob if blob is not None else gzip.decompress(path.read_bytes())
        with collector_paused():  # tens of thousands of strings and buffers, no cycles
            payload = pickle.loads(blob)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, zlib.error) as exc:
        raise CodeSetError(f"{path}: cannot read the suggestion index ({exc}); delete it") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CodeSetError(f"{path}: the suggestion index is stale or damaged; rebuild it")
    with collector_paused():
        postings: dict[str, Sequence[int]] = {
            t: memoryview(b).cast("I") for t, b in payload["postings"].items()
        }
        index = Index(
            payload["system"], payload["vintage"], payload["lines"], postings, payload["idf"],
            payload["lengths"], payload["keys"],
        )  # fmt: skip
        index.intents = {k: frozenset(v) for k, v in payload.get("intents", {}).items()}
    index._labels = payload.get("labels", b"")
    return index


def index_path(info: VintageInfo) -> Path:
    """Where the index of a vintage lives: shipped beside the code sets, else the cache."""
    name = f"{_key(info)}.pickle.gz"
    shipped = shipped_dir() / name
    return shipped if shipped.exists() else cache_dir() / name


def load_or_build(info: VintageInfo) -> Index:
    """The index of a vintage: the shipped or cached file, or built now and cached."""
    path = index_path(info)
    if path.exists():
        try:
            return load_file(path)
        except CodeSetError:
            if path.parent != cache_dir():
                raise
    from addin.codesets import icd10cm

    index = build(icd10cm.load(info))
    try:
        save(index, cache_dir() / f"{_key(info)}.pickle.gz")
    except OSError:
        pass  # a read-only data directory only costs a rebuild next time
    return index
