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

import numpy as np

from addin.coding.suggest.conventions import GATE_COST, Intent, gated, intent
from addin.coding.suggest.index import Doc, Index, Seventh
from addin.coding.suggest.query import Slot
from addin.coding.suggest.text import stem

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
GATED_FIRST = frozenset("STVWXYPO")
# The other 7th characters of a stem follow, this much below it (so other codes that fit
# about as well come first).
ALT_SEVENTH_COST = 0.12
# Float slack when comparing an upper bound with a score (the bound is exact otherwise).
BOUND_SLACK = 1e-9


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked answer before formatting."""

    code: str
    description: str
    score: float
    # why: the name matched ("I:" Index path, "T:" tabular inclusion term, "" the title) and
    # the conventions applied
    why: str = ""
    applied: tuple[str, ...] = ()


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


def _candidates(
    prepared: Prepared, index: Index, words: set[str], wanted: Intent | None
) -> list[int]:
    # one dense accumulator over all documents: numpy adds a posting list at once, in the
    # same order (token by token) as a loop would, so the sums are the same floats
    size = len(index)
    acc = np.zeros(size)
    best = np.zeros(size)
    posting = index.posting
    walked = False
    common: list[tuple[float, str]] = []
    for weight, alts in prepared:
        hit = False
        for valued, total in alts:
            for token, value in valued:
                docs = posting(token)
                if docs is None or not len(docs):
                    continue
                if len(docs) > DF_WALK:
                    if len(alts) == 1:
                        common.append((weight * value / total, token))
                    continue
                walked = hit = True
                best[docs] += value / total
        if hit:
            np.minimum(best, 1.0, out=best)
            best *= weight
            acc += best
            best[:] = 0.0
    if not walked:  # only very common words: walk them after all
        for weight, alts in prepared:
            for valued, _ in alts:
                for token, _ in valued:
                    docs = posting(token)
                    if docs is not None:
                        acc[docs] += weight
    top = acc.max() if size else 0.0
    if top <= 0.0:
        return []
    # a side or an encounter word ("right") is too common to walk, but among the documents
    # found it still tells "pain in right knee" from "pain in unspecified knee"
    if common:
        # only documents that can still reach the candidate floor are worth the look-up
        near = acc >= top * CANDIDATE_FLOOR * 0.5
        for share, token in common:
            acc[near & index.member_mask(token)] += share
    found = np.flatnonzero(acc)
    keys = index.keys
    if wanted is not None:
        # "history of X": the personal history codes first, whatever else matched better
        inside = np.array([n for n in found.tolist() if wanted.allows(keys[n])], dtype=np.intp)
        if len(inside):
            found = inside
    values = acc[found]
    # Far behind the best match cannot win after scoring: drop before the exact ranking.
    keep = values >= values.max() * CANDIDATE_FLOOR
    found, values = found[keep], values[keep]
    closed = [ord(first) for first in GATED_FIRST if gated(first, words)]
    halved = np.isin(index.first_letters()[found], closed)
    keyed = np.where(halved, values * 0.5, values) - LENGTH_COST * index.length_array()[found]
    if len(found) > CANDIDATES:
        # the best first; among equals the later document, as sorting (value, number) would
        order = np.lexsort((found, keyed))[::-1][:CANDIDATES]
        found = found[order]
    return [int(n) for n in found.tolist()]


# Per query: the coverage of each (name's words in the text, context's words in the text)
# seen so far; many names of many documents share the same pair.
Covers = dict[tuple[frozenset[str], frozenset[str]], float]


def _coverage(
    hit: frozenset[str], seen: frozenset[str], prepared: Prepared, covers: Covers
) -> float:
    """How much of the query a name covers (idf-weighted, the context's words at half)."""
    found = covers.get((hit, seen))
    if found is not None:
        return found
    covered = 0.0
    for weight, alts in prepared:
        slot_best = 0.0
        for valued, size in alts:
            got = 0.0
            for token, value in valued:
                if token in hit:
                    got += value
                elif token in seen:
                    got += CONTEXT_WEIGHT * value
            if got > slot_best * size:
                slot_best = got / size
        covered += weight * slot_best
    covers[(hit, seen)] = covered
    return covered


def _bound(
    every: frozenset[str], seen: frozenset[str], prepared: Prepared, total: float, covers: Covers
) -> float:
    """The most any of a document's names can score: every name's words at once, no cost.

    A name's coverage sums a subset of the same non-negative terms in the same order, so
    (float rounding being monotone) this is never below the true score."""
    return _coverage(every, seen, prepared, covers) / total + NOS_BONUS + UNSPECIFIED_BONUS


def _score_doc(
    doc: Doc,
    hits: list[frozenset[str]],
    seen: frozenset[str],
    prepared: Prepared,
    words: set[str],
    total: float,
    index: Index,
    covers: Covers,
    floor: float = -9.0,
) -> tuple[float, str]:
    """The document's best name's score and where that name comes from.

    Names are tried most promising first (coverage plus the largest bonus bounds a name's
    score), and the rest are left once none can beat the best so far or reach ``floor``
    (what the document must score to matter); among equal scores the earlier name wins,
    as in the document's own order."""
    idf = index.idf
    top = index.max_idf
    # only the names sharing the most words with the text (and the title) are scored in full
    sizes = list(map(len, hits))
    enough = max(sizes) - 1
    order: list[tuple[float, int, float]] = []
    for number, hit in enumerate(hits):
        if number and (sizes[number] < enough or not sizes[number]):
            continue
        covered = _coverage(hit, seen, prepared, covers)
        order.append((covered / total + NOS_BONUS + UNSPECIFIED_BONUS, number, covered))
    order.sort(key=lambda item: (-item[0], item[1]))
    best = -9.0
    best_number = -1
    why = ""
    variants = doc.variants
    for bound, number, covered in order:
        if bound + BOUND_SLACK < (best if best > floor else floor):
            break
        req, opt, nos, source = variants[number]
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
        if score > best or (score == best and number < best_number):
            best = score
            best_number = number
            why = source
    return best, why


_SEQUELA = "sequela"
_SUBSEQUENT = "subsequent"
_INITIAL = stem("initial")
_STAGES = ((_SEQUELA, "sequela -> S"), (_SUBSEQUENT, "subsequent encounter"))


def order_seventh(
    seventh: list[Seventh], words: set[str], index: Index
) -> tuple[list[Seventh], str]:
    """The 7th characters best first, and the convention that chose the first.

    The encounter words decide first, as a coder reads them: "sequela" -> the sequela
    character, "subsequent" -> a subsequent-encounter one, else the initial encounter; then
    the other words (open, delayed healing, nonunion ...) choose within that stage.
    """
    idf = index.idf

    def has(entry: Seventh, token: str) -> bool:
        return token in entry[3] or token in entry[4]

    stage = ""
    for token, reason in _STAGES:
        if token in words and any(has(e, token) for e in seventh):
            stage = reason
            preferred = {id(e) for e in seventh if has(e, token)}
            break
    else:
        preferred = {id(e) for e in seventh if has(e, _INITIAL)} or {id(e) for e in seventh}
        if _INITIAL in words:
            stage = "initial encounter -> A"

    def value(entry: Seventh) -> float:
        _, _, _, req, opt = entry
        score = 0.0
        for token in req:
            score += idf.get(token, 1.0) if token in words else -idf.get(token, 1.0)
        for token in opt:
            if token in words:
                score += idf.get(token, 1.0)
        return score + (1000.0 if id(entry) in preferred else 0.0)

    table_order = {id(e): n for n, e in enumerate(seventh)}
    ranked = sorted(seventh, key=lambda e: (-round(value(e), 9), table_order[id(e)]))
    reason = f"{stage}: 7th character {ranked[0][0]}" if stage else ""
    return ranked, reason


def choose_seventh(seventh: list[Seventh], words: set[str], index: Index) -> Seventh:
    """The 7th character the text supports: initial (the table's first) unless it says else."""
    return order_seventh(seventh, words, index)[0][0]


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
    wanted = intent(words)
    if wanted is not None:
        wanted = wanted.within(index.intents)
    prepared = _prepare(weighted, index)
    scored: list[tuple[float, str, tuple[str, ...], int]] = []
    covers: Covers = {}
    bounded: list[
        tuple[float, int, Doc, float, tuple[str, ...], frozenset[str], frozenset[str]]
    ] = []
    for number in _candidates(prepared, index, words, wanted):
        doc = index.doc(number)
        cost = 0.0
        applied: tuple[str, ...] = ()
        if wanted is not None:
            if wanted.allows(doc.key):
                applied = (wanted.reason,)
            else:
                cost = GATE_COST
        elif doc.key[:1] in GATED_FIRST:
            reason = gated(doc.key, words)
            if reason:
                cost = GATE_COST
                applied = (reason,)
        seen = frozenset(words.intersection(doc.context))
        every = frozenset(words.intersection(doc.stems()))
        bound = _bound(every, seen, prepared, total, covers) - cost
        bounded.append((bound, number, doc, cost, applied, every, seen))
    bounded.sort(key=lambda item: -item[0])
    # the top-th best score so far: a document whose bound is below it cannot enter the top
    best: list[float] = []
    for bound, number, doc, cost, applied, every, seen in bounded:
        if len(best) == top and bound + BOUND_SLACK < best[0]:
            break
        shared = [frozenset(every.intersection(req + opt)) for req, opt, _, _ in doc.variants]
        # below the top-th score so far (after its own cost) the exact score does not matter
        floor = best[0] + cost if len(best) == top else -9.0
        score, why = _score_doc(doc, shared, seen, prepared, words, total, index, covers, floor)
        score -= cost
        scored.append((score, why, applied, number))
        if len(best) < top:
            heapq.heappush(best, score)
        elif score > best[0]:
            heapq.heapreplace(best, score)
    scored.sort(key=lambda item: (-item[0], index.keys[item[3]]))
    hits: list[Hit] = []
    for position, (score, why, applied, number) in enumerate(scored[:top]):
        doc = index.doc(number)
        if not doc.seventh:
            hits.append(Hit(doc.key, doc.description, _clip(score), why, applied))
            continue
        ordered, reason = order_seventh(doc.seventh, words, index)
        for rank_alt, entry in enumerate(ordered):
            notes = (*applied, reason) if reason and not rank_alt else applied
            if rank_alt:
                notes = (*notes, "another 7th character")
            # the first stem's other characters are offered; later stems keep their best one
            if rank_alt and position:
                break
            cost = ALT_SEVENTH_COST * rank_alt
            hits.append(Hit(entry[1], entry[2], _clip(score - cost), why, notes))
    hits.sort(key=lambda h: -h.score)
    return hits[:top]


def _clip(score: float) -> float:
    return round(max(0.0, min(1.0, score)), 4)
