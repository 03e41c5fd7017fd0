"""Per-code ICD-10-CM facts the rules need, derived once per code and vintage.

Sex, age and manifestation edits come from ``codesets/icd10cm_rules/structure.tsv``:
code ranges of the tabular's chapters, blocks and categories, and title patterns applied
to a code's own title and its ancestors' (category, subcategory, block). Excludes1 notes are
parsed from the tabular's note text into code prefixes and ranges.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass

from addin.codesets.icd10cm import Icd10cmVintage
from addin.coding.rules.tables import icd_structure_rules

_CODE = r"[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?"
_PREFIX_RE = re.compile(rf"^({_CODE})(?:\.?-)?$")
_RANGE_RE = re.compile(rf"^({_CODE})-({_CODE})$")
_PAREN_RE = re.compile(r"\(([^()]*)\)")
_RIGHT_RE = re.compile(r"\bright\b", re.IGNORECASE)
_LEFT_RE = re.compile(r"\bleft\b", re.IGNORECASE)
_BILATERAL_RE = re.compile(r"\bbilateral\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Edit:
    """One derived edit: the value it demands, its severity, and where it came from."""

    value: str
    severity: str
    basis: str


@dataclass(frozen=True, slots=True)
class Reference:
    """A code reference in an Excludes1 note: a prefix (lo == hi) or an inclusive range."""

    lo: str
    hi: str
    at: str
    text: str

    def matches(self, compact: str) -> bool:
        if self.lo == self.hi:
            return compact.startswith(self.lo)
        return compact[: len(self.lo)] >= self.lo and compact[: len(self.hi)] <= self.hi


def parse_references(text: str, at: str) -> list[Reference]:
    """Code references in a note's parentheses: ``E10.-``, ``M05.5-``, ``E08-E13``, ``A36.83``.

    A reference qualified by "with ..." (``E08-E13 with .42``) is skipped: it names only some
    codes of the range, and flagging the whole range would be wrong.
    """
    found: list[Reference] = []
    for group in _PAREN_RE.findall(text):
        for part in group.split(","):
            token = part.strip().replace(" ", "")
            if "with" in token.lower():
                continue
            if match := _RANGE_RE.match(token):
                lo, hi = (m.replace(".", "") for m in match.groups())
                found.append(Reference(lo, hi, at, text))
            elif match := _PREFIX_RE.match(token):
                prefix = match.group(1).replace(".", "")
                found.append(Reference(prefix, prefix, at, text))
    return found


@dataclass(frozen=True, slots=True)
class CodeEdits:
    """What the claim-level rules need about one code."""

    sex: Edit | None
    ages: tuple[tuple[int, int, Edit], ...]
    manifestation: Edit | None
    excludes1: tuple[Reference, ...]
    laterality: str | None


_compiled: list[tuple[str, re.Pattern[str] | tuple[str, str], str, str, str, str]] | None = None


def _rules() -> list[tuple[str, re.Pattern[str] | tuple[str, str], str, str, str, str]]:
    global _compiled
    if _compiled is None:
        compiled: list[tuple[str, re.Pattern[str] | tuple[str, str], str, str, str, str]] = []
        for row in icd_structure_rules():
            kind, pattern = row["kind"], row["pattern"]
            matcher: re.Pattern[str] | tuple[str, str]
            if kind == "title":
                matcher = re.compile(pattern, re.IGNORECASE)
            elif kind == "prefix":
                compact = pattern.replace(".", "")
                matcher = (compact, compact)
            else:
                lo, hi = pattern.split("-")
                matcher = (lo, hi)
            compiled.append(
                (kind, matcher, row["edit"], row["value"], row["severity"], row["basis"])
            )
        _compiled = compiled
    return _compiled


def _in(compact: str, kind: str, bounds: tuple[str, str]) -> bool:
    lo, hi = bounds
    if kind == "prefix":
        return compact.startswith(lo)
    return lo <= compact[:3] <= hi


# Per vintage: what the title rules say about one tabular key, and its parsed Excludes1.
# Many codes share a category and block, so each key is matched and parsed once.
_title_memo: weakref.WeakKeyDictionary[Icd10cmVintage, dict[str, tuple[tuple[str, Edit], ...]]]
_title_memo = weakref.WeakKeyDictionary()
_refs_memo: weakref.WeakKeyDictionary[Icd10cmVintage, dict[str, tuple[Reference, ...]]]
_refs_memo = weakref.WeakKeyDictionary()


def _title_hits(vintage: Icd10cmVintage, key: str) -> tuple[tuple[str, Edit], ...]:
    memo = _title_memo.get(vintage)
    if memo is None:
        memo = _title_memo[vintage] = {}
    hits = memo.get(key)
    if hits is None:
        title = vintage.title(key)
        is_code = key in vintage.codes
        found: list[tuple[str, Edit]] = []
        for kind, matcher, edit, value, severity, basis in _rules():
            if kind != "title" or (edit == "manifestation" and not is_code):
                continue
            assert isinstance(matcher, re.Pattern)
            if matcher.search(title):
                found.append((edit, Edit(value, severity, basis)))
        hits = memo[key] = tuple(found)
    return hits


def _excludes1(vintage: Icd10cmVintage, key: str) -> tuple[Reference, ...]:
    memo = _refs_memo.get(vintage)
    if memo is None:
        memo = _refs_memo[vintage] = {}
    refs = memo.get(key)
    if refs is None:
        parsed: list[Reference] = []
        for kind, text in vintage.notes_for(key):
            if kind == "excludes1":
                parsed.extend(parse_references(text, key))
        refs = memo[key] = tuple(parsed)
    return refs


def derive(vintage: Icd10cmVintage, code: str) -> CodeEdits:
    """The derived edits and parsed Excludes1 references of one code in one vintage."""
    compact = code.replace(".", "")
    chain = [key for key in vintage.ancestors(code, include_self=True) if not key.startswith("CH")]
    sex: Edit | None = None
    title_sexes: dict[str, Edit] = {}
    skipped: set[str] = set()
    ages: list[tuple[int, int, Edit]] = []
    manifestation: Edit | None = None
    for key in chain:
        for edit, found in _title_hits(vintage, key):
            if edit == "sex":
                title_sexes[found.value] = found
            elif edit == "manifestation":
                manifestation = found
    for kind, matcher, edit, value, severity, basis in _rules():
        if kind == "title":
            continue
        assert isinstance(matcher, tuple)
        if kind == "skip":
            if _in(compact, "range", matcher):
                skipped.add(edit)
            continue
        if not _in(compact, kind, matcher):
            continue
        if edit == "sex":
            sex = Edit(value, severity, basis)
        elif edit == "age":
            lo, hi = value.split("-")
            ages.append((int(lo), int(hi), Edit(value, severity, basis)))
    # A title naming both sexes ("(female) (male)") demands neither.
    if sex is None and len(title_sexes) == 1 and "sex" not in skipped:
        sex = next(iter(title_sexes.values()))
    excludes = [ref for key in chain for ref in _excludes1(vintage, key)]
    description = vintage.codes[code][2] if code in vintage.codes else ""
    right, left = bool(_RIGHT_RE.search(description)), bool(_LEFT_RE.search(description))
    laterality = None
    if _BILATERAL_RE.search(description) or (right and left):
        laterality = "B"
    elif right:
        laterality = "R"
    elif left:
        laterality = "L"
    return CodeEdits(sex, tuple(ages), manifestation, tuple(excludes), laterality)
