"""Ranking: candidates from the postings, then a coder's preference applied to each.

A code scores by how much of the query its best name covers (idf-weighted, ancestors'
titles at half weight) less what its name says that the query does not (a qualifier the
text never gave). Words a title may hold without the text repeating them (unspecified,
other, the negated "without ..." parts, nonessential modifiers in parentheses) cost
nothing, which is how the unspecified code wins exactly when the text has no qualifier.
The 7th character is chosen afterwards from the stem's table the same way.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

from addin.coding.suggest.index import Doc, Index, Seventh
from addin.coding.suggest.query import Slot

CANDIDATES = 100
CANDIDATE_FLOOR = 0.3
LENGTH_COST = 0.05
# Postings longer than this (right, left, encounter ...) are not walked to find candidates.
DF_WALK = 4000
CONTEXT_WEIGHT = 0.5
MISS_WEIGHT = 0.6
NOS_BONUS = 0.04
# An unmet "without X" costs a little: "without complications" is the default, but
# "without aura" is a statement the text did not make.
NEG_COST = 0.1
UNSPECIFIED_BONUS = 0.01
OWN_CREDIT = 0.85
# "other" is free, but an unspecified code should still beat "Other X" when both fit.
SOFT = {"other": 0.35, "oth": 0.35}
SLOT_FLOOR = 0.8


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked answer before formatting."""

    code: str
    description: str
    score: float


def _weights(slots: list[Slot], index: Index) -> list[tuple[Slot, float]]:
    weighted: list[tuple[Slot, float]] = []
    idf = index.idf
    for slot in slots:
        best = 0.0
        for alt in slot.alts:
            known = [idf[t] for t in alt if t in idf]
            if known:
                best = max(best, sum(known) / len(alt))
        if best > 0:
            weighted.append((slot, max(best, SLOT_FLOOR)))
    return weighted


# Per query: (slot weight, [(((stem, idf), ...), idf sum), ...]) for each slot.
Prepared = list[tuple[float, list[tuple[tuple[tuple[str, float], ...], float]]]]


def _prepare(weighted: list[tuple[Slot, float]], index: Index) -> Prepared:
    idf = index.idf
    top = index.max_idf
    prepared: Prepared = []
    for slot, weight in weighted:
        alts = []
        last = len(slot.alts) - 1
        for number, alt in enumerate(slot.alts):
            valued = tuple((t, idf.get(t, top)) for t in alt)
            size = sum(v for _, v in valued) or 1.0
            if slot.own_last and number == last and number:
                size /= OWN_CREDIT
            alts.append((valued, size))
        prepared.append((weight, alts))
    return prepared


def _candidates(prepared: Prepared, index: Index) -> list[int]:
    acc: dict[int, float] = {}
    postings = index.postings
    walked = False
    for weight, alts in prepared:
        best: dict[int, float] = {}
        get = best.get
        for valued, total in alts:
            for token, value in valued:
                docs = postings.get(token)
                if not docs or len(docs) > DF_WALK:
                    continue
                walked = True
                share = value / total
                for number in docs:
                    best[number] = get(number, 0.0) + share
        add = acc.get
        for number, value in best.items():
            acc[number] = add(number, 0.0) + weight * (value if value < 1.0 else 1.0)
    if not walked:  # only very common words: walk them after all
        for weight, alts in prepared:
            for valued, _ in alts:
                for token, _ in valued:
                    for number in postings.get(token, ()):
                        acc[number] = acc.get(number, 0.0) + weight
    if not acc:
        return []
    # Far behind the best match cannot win after scoring: drop before the exact ranking.
    floor = max(acc.values()) * CANDIDATE_FLOOR
    lengths = index.lengths
    keyed = [(value - LENGTH_COST * lengths[n], n) for n, value in acc.items() if value >= floor]
    return [n for _, n in heapq.nlargest(CANDIDATES, keyed)]


def _score_doc(doc: Doc, prepared: Prepared, words: set[str], total: float, index: Index) -> float:
    idf = index.idf
    top = index.max_idf
    best = -9.0
    context = doc.context
    for req, opt, nos in doc.variants:
        names = set(req)
        names.update(opt)
        covered = 0.0
        for weight, alts in prepared:
            slot_best = 0.0
            for valued, size in alts:
                got = 0.0
                for token, value in valued:
                    if token in names:
                        got += value
                    elif token in context:
                        got += CONTEXT_WEIGHT * value
                if got > slot_best * size:
                    slot_best = got / size
            covered += weight * slot_best
        miss = 0.0
        size = 1.0
        for token in req:
            value = idf.get(token, top)
            size += value
            if token not in words:
                miss += value
        extra = 0.0
        unspecified = False
        for token in opt:
            if token in words:
                continue
            if token in SOFT:
                extra += SOFT[token]
            elif token[:3] == "no_":
                extra += NEG_COST * idf.get(token, top)
            elif token == "unspecifi":
                unspecified = True
        score = covered / total - MISS_WEIGHT * (miss + extra) / (size + extra)
        if nos and miss == 0.0:
            score += NOS_BONUS
        if unspecified:
            score += UNSPECIFIED_BONUS
        if score > best:
            best = score
    return best


def choose_seventh(seventh: list[Seventh], words: set[str], index: Index) -> Seventh:
    """The 7th character the text supports: initial (the table's first) unless it says else."""
    idf = index.idf
    best = seventh[0]
    best_score = -1e9
    for entry in seventh:
        _, _, _, req, opt = entry
        score = 0.0
        for token in req:
            score += idf.get(token, 1.0) if token in words else -idf.get(token, 1.0)
        for token in opt:
            if token in words:
                score += idf.get(token, 1.0)
        if score > best_score + 1e-9:
            best, best_score = entry, score
    return best


def rank(slots: list[Slot], index: Index, top: int) -> list[Hit]:
    """The best ``top`` codes for the parsed query, best first."""
    weighted = _weights(slots, index)
    if not weighted:
        return []
    total = sum(weight for _, weight in weighted)
    words: set[str] = set()
    for slot, _ in weighted:
        for alt in slot.alts:
            words.update(alt)
    prepared = _prepare(weighted, index)
    scored: list[tuple[float, int]] = []
    for number in _candidates(prepared, index):
        scored.append((_score_doc(index.doc(number), prepared, words, total, index), number))
    scored.sort(key=lambda item: (-item[0], index.doc(item[1]).key))
    hits: list[Hit] = []
    for score, number in scored[:top]:
        doc = index.doc(number)
        if doc.seventh:
            _, code, description, _, _ = choose_seventh(doc.seventh, words, index)
        else:
            code, description = doc.key, doc.description
        hits.append(Hit(code, description, round(max(0.0, min(1.0, score)), 4)))
    return hits
