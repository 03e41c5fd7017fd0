"""ICD-10-CM rules on a claim's diagnoses: existence, billable, vintage, 7th character,
Excludes1, manifestation sequencing, sex and age, duplicates."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from addin.codesets import icd10cm
from addin.codesets.icd10cm import Icd10cmVintage
from addin.coding.rules.fields import DX_COLUMNS
from addin.coding.rules.icd_edits import CodeEdits, Edit, derive
from addin.coding.rules.registry import Context, row_of, rule
from addin.models import Encounter

NOT_FOUND = rule("ICD-NOT-FOUND", "error", "icd", "the diagnosis is an ICD-10-CM code")
BILLABLE = rule("ICD-BILLABLE", "error", "icd", "a category or subcategory is not billable")
NOT_ON_DOS = rule("ICD-NOT-VALID-ON-DOS", "error", "icd", "the code is valid on the DOS")
VINTAGE = rule("ICD-VINTAGE", "error", "icd", "an ICD-10-CM vintage covers the DOS")
SEVENTH = rule("ICD-7TH-CHARACTER", "error", "icd", "the code needs a valid 7th character")
PLACEHOLDER = rule("ICD-PLACEHOLDER-X", "error", "icd", "placeholder X before a 7th character")
EXCLUDES1 = rule("ICD-EXCLUDES1", "warning", "icd", "two codes an Excludes1 note separates")
MANIFESTATION = rule("ICD-MANIFESTATION-FIRST", "error", "icd", "manifestation code first")
SEX = rule("ICD-SEX", "error", "icd", "the code conflicts with the patient's sex")
AGE = rule("ICD-AGE", "warning", "icd", "the code conflicts with the patient's age")
DUPLICATE = rule("ICD-DUPLICATE", "warning", "icd", "the same diagnosis twice on a claim")

_SEVEN = {"A": "initial encounter", "D": "subsequent encounter", "S": "sequela"}


@dataclass(frozen=True, slots=True)
class CodeFacts:
    """One code in one vintage: its problem (if any) and its derived edits."""

    problem: tuple[str, str, str] | None  # (rule, problem, fix)
    edits: CodeEdits | None

    @property
    def plain(self) -> bool:
        """No problem and no edit that depends on the patient or on first place."""
        edits = self.edits
        return (
            self.problem is None
            and edits is not None
            and edits.sex is None
            and not edits.ages
            and edits.manifestation is None
        )


def _edits(vintage: Icd10cmVintage, code: str, mce: Any) -> CodeEdits:
    """Derived edits, with sex, age and manifestation from the CMS MCE when imported."""
    derived = derive(vintage, code)
    if mce is None:
        return derived
    basis = f"CMS MCE {mce.info.name}"
    age = mce.age_edit(code)
    compact = code.replace(".", "")
    if mce.info.manifest.get("sex_edit"):
        # CMS stopped publishing the sex lists (v42, 2024-10-01): the derived edit stays
        sex_edit = derived.sex
    else:
        sex = mce.sex_edit(code)
        sex_edit = Edit(sex, "error", basis) if sex else None
    return CodeEdits(
        sex=sex_edit,
        ages=(
            (
                age.low,
                age.high,
                Edit(f"{age.low}-{age.high}", "warning", f"{basis}, {age.category}"),
            ),
        )
        if age
        else (),  # fmt: skip
        manifestation=Edit("yes", "error", basis)
        if compact in mce.lists["manifestation"]
        else None,
        excludes1=derived.excludes1,
        laterality=derived.laterality,
    )


def _classify(vintage: Icd10cmVintage, code: str, on: date | None, mce: Any) -> CodeFacts:
    if code in vintage.codes and vintage.codes[code][0]:
        return CodeFacts(None, _edits(vintage, code, mce))
    answer = icd10cm.lookup(code, on if on is not None else vintage.info.effective_from)
    compact = code.replace(".", "")
    if answer.status == "not_billable":
        seventh = vintage.seventh_for(code)
        if seventh and all(len(c.replace(".", "")) == 7 for c in answer.children):
            choices = ", ".join(f"{k} {v}" for k, v in seventh.items())
            fix = f"add the 7th character ({choices}), e.g. {answer.children[0]}"
            return CodeFacts((SEVENTH, f"{code} needs a 7th character", fix), None)
        examples = ", ".join(answer.billable_examples)
        return CodeFacts(
            (
                BILLABLE,
                answer.message.split("; pick", 1)[0],
                f"pick a billable code such as {examples}",
            ),
            _edits(vintage, code, mce),
        )
    if "placeholder X" in answer.message:
        candidate = answer.message.split("did you mean ", 1)[1].split(" ", 1)[0]
        return CodeFacts(
            (PLACEHOLDER, f"{code} lacks the placeholder X", f"write {candidate}"), None
        )
    if len(compact) == 7:
        stem = f"{compact[:3]}.{compact[3:6]}".rstrip(".")
        seventh = vintage.seventh_for(stem) if stem in vintage.codes else {}
        if seventh and compact[6] not in seventh:
            choices = ", ".join(f"{k} {v}" for k, v in seventh.items())
            return CodeFacts(
                (SEVENTH, f"{compact[6]!r} is not a 7th character for {stem}", f"use {choices}"),
                None,
            )
    if " is a code in " in answer.message:
        return CodeFacts(
            (NOT_ON_DOS, answer.message, "use the code in force on the date of service"), None
        )
    return CodeFacts((NOT_FOUND, answer.message, "correct the code (claimbook lookup)"), None)


def _age(dob: date, on: date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


_UNKNOWN = "?"  # a pair not yet looked at (a real answer is None or a note)
# What the quiet path needs to know of a code: nothing more, a problem, or patient edits.
_PLAIN, _PROBLEM, _DEMOGRAPHIC = 1, 0, 2


class _Memo:
    """Per-vintage answers that do not depend on the claim: code facts and Excludes1 pairs."""

    def __init__(self, mce: Any) -> None:
        self.mce = mce  # the CMS MCE tables these facts used (None: the derived edits)
        self.facts: dict[str, CodeFacts] = {}
        self.pairs: dict[tuple[str, str], str | None] = {}


def _mce_tables(vintage: Icd10cmVintage) -> Any:
    """The imported CMS MCE lists for the vintage's year, which replace the derived edits."""
    try:
        from addin.codesets import mce
    except ImportError:  # the MCE importer is optional
        return None
    if not mce.is_loaded():
        return None
    return mce.tables(vintage.info.effective_from)


# Kept across checks: a workbook is checked again and again with the same codes. A reload of
# the code sets makes new vintage objects, so stale answers are never reused.
_memos: weakref.WeakKeyDictionary[Icd10cmVintage, _Memo] = weakref.WeakKeyDictionary()


class IcdRules:
    """Checks the diagnoses of each encounter; answers are cached per code, pair and date."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._vintage: dict[date | None, Icd10cmVintage | None] = {}
        self._memo_of: dict[Path, _Memo] = {}
        # code -> CodeFacts.plain, for the one vintage most claims use (reset if another)
        self._plain: dict[str, int] = {}
        self._plain_vintage: Icd10cmVintage | None = None
        self._plain_memo = _Memo(None)
        self._outside: dict[int, str] = {}

    def vintage(self, on: date | None) -> Icd10cmVintage | None:
        try:
            return self._vintage[on]
        except KeyError:
            found = self._vintage[on] = icd10cm.vintage_for(on)
            return found

    def memo(self, vintage: Icd10cmVintage) -> _Memo:
        # A plain dict in front of the weak one: this is asked once per claim.
        memo = self._memo_of.get(vintage.info.path)
        if memo is None:
            mce = _mce_tables(vintage)
            memo = _memos.get(vintage)
            if memo is None or memo.mce is not mce:
                memo = _memos[vintage] = _Memo(mce)
            self._memo_of[vintage.info.path] = memo
        return memo

    def facts(self, vintage: Icd10cmVintage, code: str, on: date | None) -> CodeFacts:
        facts = self.memo(vintage).facts
        found = facts.get(code)
        if found is None:
            found = facts[code] = _classify(vintage, code, on, self.memo(vintage).mce)
        return found

    def excluded(self, memo: _Memo, a: str, edits_a: CodeEdits, b: str) -> str | None:
        """The Excludes1 note of ``a`` that names ``b``, if any (cached per ordered pair)."""
        key = (a, b)
        try:
            return memo.pairs[key]
        except KeyError:
            pass
        compact = b.replace(".", "")
        note = None
        for ref in edits_a.excludes1:
            if ref.matches(compact):
                note = f"Excludes1 at {ref.at}: {ref.text}"
                break
        memo.pairs[key] = note
        return note

    def quiet(self, enc: Encounter, vintage: Icd10cmVintage) -> bool:
        """True when no ICD rule can fire: every code known-good and no pair excluded."""
        if vintage is not self._plain_vintage:
            self._plain = {}
            self._plain_vintage = vintage
            self._plain_memo = self.memo(vintage)
        memo = self._plain_memo
        facts = memo.facts
        diagnoses = enc.diagnoses
        edits_list: list[CodeEdits] = []
        plain = self._plain
        several = len(diagnoses) > 1
        age = -1  # computed when a code has an age range
        for index, code in enumerate(diagnoses):
            kind = plain.get(code)
            if kind is None:
                found = facts.get(code) or self.facts(vintage, code, enc.date_of_service)
                if not code or found.problem is not None or found.edits is None:
                    kind = _PROBLEM
                else:
                    kind = _PLAIN if found.plain else _DEMOGRAPHIC
                plain[code] = kind
            if kind == _PROBLEM:
                return False
            if kind == _DEMOGRAPHIC:
                # Sex, age and first-place edits: quiet only when this patient meets them.
                edits = facts[code].edits
                assert edits is not None
                if index == 0 and edits.manifestation is not None:
                    return False
                patient = enc.patient
                if edits.sex is not None and patient.sex in ("M", "F"):
                    if edits.sex.value != patient.sex:
                        return False
                if edits.ages:
                    if age == -1:
                        on, dob = enc.date_of_service, patient.dob
                        age = _age(dob, on) if dob is not None and on is not None else -2
                    if age != -2 and not all(lo <= age <= hi for lo, hi, _ in edits.ages):
                        return False
            if several:
                edits = facts[code].edits
                assert edits is not None
                edits_list.append(edits)
        if len(diagnoses) > 1:
            if len(set(diagnoses)) != len(diagnoses):
                return False
            pairs = memo.pairs
            for i, edits in enumerate(edits_list):
                if edits.excludes1:
                    a = diagnoses[i]
                    for b in diagnoses:
                        if b == a:
                            continue
                        note = pairs.get((a, b), _UNKNOWN)
                        if note is _UNKNOWN:
                            note = self.excluded(memo, a, edits, b)
                        if note is not None:
                            return False
        return True

    def check(self, enc: Encounter) -> None:
        ctx = self.ctx
        diagnoses = enc.diagnoses
        if not diagnoses:
            return
        on = enc.date_of_service
        vintage = self._vintage.get(on) or self.vintage(on)
        if vintage is not None and self.quiet(enc, vintage):
            return
        row = row_of(enc)
        eid = enc.encounter_id
        if vintage is None:
            assert on is not None
            year = icd10cm.fiscal_year(on)
            if year not in self._outside:
                self._outside[year] = icd10cm.lookup(diagnoses[0], on).message
            ctx.add(
                VINTAGE,
                row,
                "Date of Service",
                on,
                self._outside[year],
                f"import the FY{year} ICD-10-CM files, then check again",
                encounter_id=eid,
            )
            return
        seen: dict[str, int] = {}
        good: list[tuple[int, str, CodeEdits]] = []
        for index, code in enumerate(diagnoses):
            if not code:
                continue
            column = DX_COLUMNS[index]
            if code in seen:
                ctx.add(
                    DUPLICATE,
                    row,
                    column,
                    code,
                    f"{code} is already {DX_COLUMNS[seen[code]]}",
                    f"clear {column}",
                    encounter_id=eid,
                )
                continue
            seen[code] = index
            facts = self.facts(vintage, code, on)
            if facts.problem is not None:
                rule_id, problem, fix = facts.problem
                ctx.add(rule_id, row, column, code, problem, fix, encounter_id=eid)
            if facts.edits is not None:
                good.append((index, code, facts.edits))
        if not good:
            return
        first_index, first_code, first_edits = good[0]
        if first_index == 0 and first_edits.manifestation is not None:
            ctx.add(
                MANIFESTATION,
                row,
                "Dx 1",
                first_code,
                f"{first_code} is a manifestation "
                'code ("in diseases classified elsewhere") and cannot be listed first',
                "list the underlying disease first and move this code after it",
                encounter_id=eid,
            )
        patient = enc.patient
        sex = patient.sex
        age = _age(patient.dob, on) if patient.dob is not None and on is not None else None
        for index, code, edits in good:
            if edits.sex is not None and sex in ("M", "F") and edits.sex.value != sex:
                ctx.add(
                    SEX,
                    row,
                    DX_COLUMNS[index],
                    code,
                    f"{code} is for "
                    f"{'female' if edits.sex.value == 'F' else 'male'} patients "
                    f"({edits.sex.basis}) but Patient Sex is {sex}",
                    "correct the diagnosis or the patient's sex",
                    severity="error" if edits.sex.severity == "error" else "warning",
                    encounter_id=eid,
                )
            if age is not None:
                for lo, hi, edit in edits.ages:
                    if not lo <= age <= hi:
                        ctx.add(
                            AGE,
                            row,
                            DX_COLUMNS[index],
                            code,
                            f"{code} applies to ages "
                            f"{lo}-{hi} ({edit.basis}); the patient is {age} on {on}",
                            "check the code and the patient's date of birth",
                            severity="error" if edit.severity == "error" else "warning",
                            encounter_id=eid,
                        )
        if len(good) > 1:
            self._excludes1(enc, good, row, self.memo(vintage))

    def _excludes1(
        self, enc: Encounter, good: list[tuple[int, str, CodeEdits]], row: int | None, memo: _Memo
    ) -> None:
        reported: set[tuple[int, int]] = set()
        for i, a, edits_a in good:
            if not edits_a.excludes1:
                continue
            for j, b, _ in good:
                if i == j:
                    continue
                note = self.excluded(memo, a, edits_a, b)
                if note is None:
                    continue
                pair = (min(i, j), max(i, j))
                if pair in reported:
                    continue
                reported.add(pair)
                later, other = (b, a) if j > i else (a, b)
                column = DX_COLUMNS[pair[1]]
                self.ctx.add(
                    EXCLUDES1,
                    row,
                    column,
                    later,
                    f"{a} and {b} cannot be reported together ({note})",
                    f"keep only the code that fits; both only "
                    f"when the conditions are unrelated (then keep {other} and {later} "
                    "and document it)",
                    encounter_id=enc.encounter_id,
                )
