"""Free text to query slots: abbreviations, lay terms and visit phrases from the curated data."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path

from addin.codesets.store import shipped_root
from addin.coding.suggest.text import NEGATORS, STOP, normalize, query_words, stem
from addin.errors import CodeSetError

MAX_PHRASE = 6
# The 7th-character words end a "without ..." scope.
ENCOUNTER_WORDS = frozenset(["initial", "subsequent", "sequela", "sequelae", "encounter"])


@dataclass(frozen=True, slots=True)
class Slot:
    """One concept of the query: alternative stem sequences, any of which may match."""

    alts: tuple[tuple[str, ...], ...]
    words: str
    # The text's own words, kept as the last alternative after a curated meaning, match
    # for a little less, so that the meaning wins where both fit.
    own_last: bool = False


@dataclass(slots=True)
class Knowledge:
    """The curated layers: abbreviations (rewritten) and terms (added as alternatives)."""

    slash: list[tuple[re.Pattern[str], str]]
    abbreviations: dict[str, str]
    terms: dict[tuple[str, ...], list[str]]


def data_dir() -> Path:
    return shipped_root() / "suggest"


def read_table(path: Path) -> list[tuple[str, list[str]]]:
    """Rows of ``phrase<TAB>meaning[ | meaning ...]``; ``#`` starts a comment line."""
    rows: list[tuple[str, list[str]]] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CodeSetError(f"{path}: cannot read suggestion data ({exc}); reinstall") from None
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 2 or not parts[0].strip() or not parts[1].strip():
            raise CodeSetError(
                f"{path.name} line {number}: expected 'phrase<TAB>meaning', got {line!r}"
            )
        rows.append((parts[0].strip(), [m.strip() for m in parts[1].split("|") if m.strip()]))
    return rows


def _key(phrase: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in query_words(phrase) if w.isalnum() or w[0].isdigit())


_lock = threading.Lock()
_knowledge: Knowledge | None = None


def knowledge() -> Knowledge:
    """The curated data, read once."""
    global _knowledge
    if _knowledge is None:
        with _lock:
            if _knowledge is None:
                _knowledge = _read_knowledge(data_dir())
    return _knowledge


def _read_knowledge(folder: Path) -> Knowledge:
    slash: list[tuple[re.Pattern[str], str]] = []
    abbreviations: dict[str, str] = {}
    for phrase, meanings in read_table(folder / "abbreviations.tsv"):
        key = normalize(phrase)
        if "/" in key or " " in key or "-" in key:
            pattern = re.compile(r"(?<![a-z0-9])" + re.escape(key) + r"(?![a-z0-9])")
            slash.append((pattern, f" {meanings[0]} "))
        else:
            abbreviations[key] = meanings[0]
    slash.sort(key=lambda item: -len(item[0].pattern))
    terms: dict[tuple[str, ...], list[str]] = {}
    generated = folder / "index_synonyms.tsv"
    rows = read_table(folder / "terms.tsv")
    rows += read_table(generated) if generated.exists() else []
    for phrase, meanings in rows:
        stems = _key(phrase)
        if stems:
            terms.setdefault(stems, []).extend(meanings)
    return Knowledge(slash, abbreviations, terms)


def _tokens(text: str, negated: bool = False) -> tuple[str, ...]:
    out: list[str] = []
    for word in query_words(text):
        if word in NEGATORS:
            negated = True
            continue
        if not (word.isalnum() or word[0].isdigit()) or word in STOP:
            continue
        token = stem(word)
        out.append("no_" + token if negated else token)
    return tuple(out)


def rewrite(text: str, know: Knowledge) -> list[str]:
    """Normalise and expand abbreviations (each has one billing meaning) into plain words."""
    clean = normalize(text)
    for pattern, meaning in know.slash:
        clean = pattern.sub(meaning, clean)
    out: list[str] = []
    for word in query_words(clean):
        expansion = know.abbreviations.get(word)
        out.extend(query_words(normalize(expansion)) if expansion else [word])
    return out


def parse(text: str, know: Knowledge | None = None) -> list[Slot]:
    """The slots of a text: longest curated term first, then single words."""
    know = know or knowledge()
    raw = rewrite(text, know)
    slots: list[Slot] = []
    negated = False
    i = 0
    while i < len(raw):
        word = raw[i]
        if word in ",;" or word == "with":
            negated = False
            i += 1
            continue
        if word in ENCOUNTER_WORDS:
            negated = False  # "without disruption ... sequela": the encounter is not negated
        if word in NEGATORS:
            negated = True
            i += 1
            continue
        if not (word.isalnum() or word[0].isdigit()):
            i += 1
            continue
        matched = False
        for size in range(min(MAX_PHRASE, len(raw) - i), 0, -1):
            span = raw[i : i + size]
            key = tuple(stem(w) for w in span if w.isalnum() or w[0].isdigit())
            meanings = know.terms.get(key) if len(key) == size else None
            if meanings:
                own = _tokens(" ".join(span), negated)
                alts = tuple(a for a in (_tokens(m, negated) for m in meanings) if a)
                keep = (own,) if own and own not in alts else ()
                slots.append(Slot(alts + keep, " ".join(span), bool(keep)))
                i += size
                matched = True
                break
        if matched:
            continue
        if word not in STOP:
            token = stem(word)
            slots.append(Slot((("no_" + token if negated else token,),), word))
        i += 1
    return slots
