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
import math
import pickle
import zlib
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from addin.codesets.icd10cm import Icd10cmVintage
from addin.codesets.store import VintageInfo, shipped_root, user_root
from addin.coding.suggest.text import doc_tokens
from addin.errors import CodeSetError

FORMAT = 6
# Decoded documents kept in memory (about 3 kB each).
DECODED_MAX = 20000
# Notes whose text names the same condition as the code (another name for it).
NAME_KINDS = ("inclusion_term", "includes")
# Category-level "includes" under these are lists of scope, not names of the condition.
_MAX_ALIAS_WORDS = 14

# (required stems, optional stems, is an "NOS" name)
Variant = tuple[tuple[str, ...], tuple[str, ...], bool]
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


class Index:
    """Documents (kept encoded, decoded on first use), postings and idf of one code set.

    Documents stay one encoded line each until a query needs them, which keeps loading a
    saved index to a few hundred milliseconds.
    """

    __slots__ = ("_decoded", "_lines", "idf", "lengths", "postings", "system", "vintage")

    def __init__(
        self,
        system: str,
        vintage: str,
        lines: list[str],
        postings: dict[str, Sequence[int]],
        idf: dict[str, float],
        lengths: Sequence[int],
    ) -> None:
        self.system = system
        self.vintage = vintage
        self._lines = lines
        self._decoded: dict[int, Doc] = {}
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
            for req, opt, _ in doc.variants:
                seen.update(req)
                seen.update(opt)
            for token in seen:
                postings.setdefault(token, []).append(number)
        total = len(docs)
        idf = {t: math.log((total + 1) / (len(p) + 0.5)) for t, p in postings.items()}
        lengths = [min(12, min(len(r) for r, _, _ in d.variants)) for d in docs]
        index = cls(system, vintage, [encode(d) for d in docs], dict(postings), idf, lengths)
        if len(docs) <= DECODED_MAX:
            index._decoded = dict(enumerate(docs))
        return index

    def __len__(self) -> int:
        return len(self._lines)

    @property
    def max_idf(self) -> float:
        return math.log(len(self._lines) + 1)

    def doc(self, number: int) -> Doc:
        found = self._decoded.get(number)
        if found is None:
            if len(self._decoded) >= DECODED_MAX:
                self._decoded.clear()  # bounds memory; common documents come back at once
            found = decode(self._lines[number])
            self._decoded[number] = found
        return found

    def docs(self) -> Iterator[Doc]:
        for number in range(len(self._lines)):
            yield self.doc(number)


def encode(doc: Doc) -> str:
    """One line: key, description, names, context, 7th characters (control separators)."""
    names = ";".join(f"{' '.join(r)}|{' '.join(o)}|{int(n)}" for r, o, n in doc.variants)
    seventh = "\x1e".join(
        "\x1d".join((c, code, text, " ".join(r), " ".join(o)))
        for c, code, text, r, o in doc.seventh
    )
    fields = (doc.key, doc.description, names, " ".join(sorted(doc.context)), seventh)
    return "\x1f".join(fields)


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split()) if text else ()


def decode(line: str) -> Doc:
    key, description, names, context, seventh = line.split("\x1f")
    variants: list[Variant] = []
    for name in names.split(";"):
        req, opt, nos = name.split("|")
        variants.append((_split(req), _split(opt), nos == "1"))
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
    return f"{info.system}-{info.name}-{digest}-v{FORMAT}"


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


def build(vintage: Icd10cmVintage) -> Index:
    """Build the index of a loaded vintage (a few seconds; done once per vintage)."""
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
    docs: list[Doc] = []
    for key in keys:
        description = codes[key][2]
        own = toks(description)
        variants: list[Variant] = [(tuple(own[0]), tuple(own[1]), False)]
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
                variants.append((tuple(alias[0] + extra[0]), tuple(alias[1] + extra[1]), nos))
        seventh: list[Seventh] = []
        if key in stems:
            table = vintage.seventh_for(key)
            for code in stems[key]:
                char = code[-1]
                text = table.get(char, codes[code][2])
                req, opt = toks(text)
                seventh.append((char, code, codes[code][2], tuple(req), tuple(opt)))
            order = list(table)
            seventh.sort(key=lambda s: order.index(s[0]) if s[0] in order else len(order))
            extra_opt = tuple(sorted({t for s in seventh for t in s[3] + s[4]}))
            variants = [(r, o + extra_opt, n) for r, o, n in variants]
        docs.append(Doc(key, description, _dedupe(variants), frozenset(context), seventh))
    return Index.from_docs("icd10cm", vintage.name, docs)


def _dedupe(variants: list[Variant]) -> list[Variant]:
    seen: set[tuple[frozenset[str], frozenset[str]]] = set()
    out: list[Variant] = []
    for req, opt, nos in variants:
        mark = (frozenset(req), frozenset(opt))
        if mark in seen:
            continue
        seen.add(mark)
        out.append((req, opt, nos))
    return out


def save(index: Index, path: Path) -> None:
    """Write an index atomically (a temp file, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    payload: dict[str, Any] = {
        "format": FORMAT,
        "system": index.system,
        "vintage": index.vintage,
        "lines": "\n".join(index._lines),
        "postings": {t: array("I", p).tobytes() for t, p in index.postings.items()},
        "idf": index.idf,
        "lengths": bytes(index.lengths),
    }
    blob = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    # gzip keeps the shipped file small for git and the wheel; inflating costs ~50 ms.
    tmp.write_bytes(gzip.compress(blob, compresslevel=6, mtime=0))
    tmp.replace(path)


def load_file(path: Path) -> Index:
    """Read an index written by :func:`save` (ours only: shipped or in the user cache)."""
    try:
        payload = pickle.loads(gzip.decompress(path.read_bytes()))
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, zlib.error) as exc:
        raise CodeSetError(f"{path}: cannot read the suggestion index ({exc}); delete it") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CodeSetError(f"{path}: the suggestion index is stale or damaged; rebuild it")
    postings: dict[str, Sequence[int]] = {
        t: memoryview(b).cast("I") for t, b in payload["postings"].items()
    }
    lines = payload["lines"].split("\n")
    lengths = payload["lengths"]
    return Index(payload["system"], payload["vintage"], lines, postings, payload["idf"], lengths)


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
