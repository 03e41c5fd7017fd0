"""Words to match on: normalising, stemming, and the doc/query token rules of suggestion."""

from __future__ import annotations

import re

# Words that carry no meaning for matching on either side.
STOP = frozenset(
    "a an the of and or in on at to for by as is are be from its this that with due "
    "which pt patient".split()
)
# Words a code's title may hold that the text need not repeat: they name the default.
FREE = frozenset(
    "unspecifi unspecified other nos site part specifi specified elsewhere classifi classified "
    "encount encounter initial not applicabl applicable unknown status closed routine healing "
    "current concurrent conditions condition uncomplicated unilateral primary female".split()
)
# Scope words: what follows them (to the next comma or "with") is negated.
NEGATORS = frozenset(["without", "not", "no", "w/o", "denies", "except"])
# "without foreign body of left hand": the negation stops before a side.
SIDES = frozenset(["right", "left", "bilateral", "unspecified", "other"])
ORDINALS = {
    "1st": "first",
    "2nd": "second",
    "3rd": "third",
    "4th": "fourth",
    "5th": "fifth",
}
_SUFFIXES = (
    "ational",
    "ations",
    "ation",
    "ities",
    "ity",
    "ically",
    "ical",
    "ives",
    "ive",
    "ions",
    "ion",
    "ness",
    "ism",
    "ments",
    "ment",
    "ings",
    "ing",
    "ous",
    "ally",
    "al",
    "ic",
    "ed",
    "ly",
)
_WORD = re.compile(r"\d+(?:\.\d+)?[a-z]?|[a-z][a-z0-9']*|[()\[\],;]")
_stem_cache: dict[str, str] = {}


def normalize(text: str) -> str:
    """Lower case, one kind of apostrophe, hyphens and slashes between words as spaces."""
    text = text.lower().replace("\u2019", "'").replace("\u2013", "-")
    text = re.sub(r"'s\b", "", text)
    text = text.replace("'", "")
    # Keep w/, w/o, h/o, s/p, n/v ... intact for the abbreviation layer; split other joins.
    text = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", text)
    return text


def stem(word: str) -> str:
    """A light suffix stripper: the same on both sides is all that matters."""
    cached = _stem_cache.get(word)
    if cached is not None:
        return cached
    out = word
    if out in ORDINALS:
        out = ORDINALS[out]
    if len(out) > 4 and not out[0].isdigit():
        if out.endswith("ies"):
            out = out[:-3] + "y"
        elif out.endswith("sses"):
            out = out[:-2]
        elif out.endswith("es") and not out.endswith("ses"):
            out = out[:-2]
        elif out.endswith("s") and not out.endswith(("ss", "us", "is")):
            out = out[:-1]
        for suffix in _SUFFIXES:
            if out.endswith(suffix) and len(out) - len(suffix) >= 4:
                out = out[: -len(suffix)]
                break
        if out.endswith("e") and len(out) > 4:
            out = out[:-1]
        if out.endswith("y") and len(out) > 4:
            out = out[:-1] + "i"
    elif out[0].isdigit() and out.endswith(".0"):
        out = out[:-2]
    _stem_cache[word] = out
    return out


FREE_STEMS = frozenset(stem(w) for w in FREE)
# In an inclusion term ("Primary thrombocytopenia NOS") these words name the condition.
ALIAS_FREE_STEMS = FREE_STEMS - {stem(w) for w in ("primary", "unilateral", "female")}


def words(text: str) -> list[str]:
    """Raw lower-case words and punctuation marks of a normalised text."""
    return _WORD.findall(text)


def doc_tokens(text: str, alias: bool = False) -> tuple[list[str], list[str]]:
    """A code title or inclusion term as (required, optional) stems.

    Words in parentheses or brackets are nonessential modifiers (optional); words after
    "without"/"not" become ``no_`` stems and are optional; FREE words are optional. A range
    "stage 1 through stage 4" also yields the numbers between.
    """
    req: list[str] = []
    opt: list[str] = []
    depth = 0
    negated = False
    free = ALIAS_FREE_STEMS if alias else FREE_STEMS
    raw = words(normalize(text))
    loose = _loose_segments(raw)
    for i, word in enumerate(raw):
        if word == "of" and negated and i + 1 < len(raw):
            # "without foreign body of scalp": the site is not negated; "without loss of
            # consciousness" and "without mention of fluctuations" stay negated
            if raw[i + 1] in SIDES or raw[i - 2 : i] == ["foreign", "body"]:
                negated = False
            continue
        if word in "([":
            depth += 1
            continue
        if word in ")]":
            depth = max(0, depth - 1)
            continue
        if word in ",;":
            negated = False
            continue
        if word == "with":
            negated = False
            continue
        if word in NEGATORS:
            negated = True
            continue
        if word == "through" and i > 0 and i + 1 < len(raw):
            _range(raw, i, opt)
            continue
        if word in STOP:
            continue
        token = stem(word)
        if negated:
            opt.append("no_" + token)
        elif depth or token in free or i in loose:
            opt.append(token)
        else:
            req.append(token)
    return req, opt


def _loose_segments(raw: list[str]) -> set[int]:
    """Positions in a short segment that starts with "unspecified" (", unspecified ear"):
    the default side or site, which the text need not name."""
    loose: set[int] = set()
    start = 0
    for end in [*(i for i, w in enumerate(raw) if w in ",;"), len(raw)]:
        segment = raw[start:end]
        # ", unspecified with hematuria" names a qualifier: not loose
        if 0 < start < end and segment[0] == "unspecified" and len(segment) <= 3:
            if "with" not in segment:
                loose.update(range(start, end))
        start = end + 1
    return loose


def _range(raw: list[str], i: int, out: list[str]) -> None:
    """Numbers implied by "stage 1 through stage 4"."""
    before = next((w for w in reversed(raw[max(0, i - 2) : i]) if w.isdigit()), None)
    after = next((w for w in raw[i + 1 : i + 3] if w.isdigit()), None)
    if before and after and int(after) - int(before) < 20:
        out.extend(str(n) for n in range(int(before) + 1, int(after)))


def query_words(text: str) -> list[str]:
    """The words of free text, punctuation kept as separators."""
    return words(normalize(text))
