"""CMS Medicare Code Editor (MCE) diagnosis lists: age, sex, manifestation, unacceptable PDX.

Source: the text version of "ICD-10 Definitions of Medicare Code Edits" (CMS MS-DRG
software page, one zip per version with a PDF and a text file). Numbered sections ("4. Age
conflict", "5. Sex conflict", "6. Manifestation code as principal diagnosis", "9.
Unacceptable principal diagnosis"); the age section has sub-lists headed "Perinatal/
Newborn diagnoses. Age of 0 years only", "Pediatric diagnoses. Age range is 0-17 years
inclusive", "Maternity ... 9-64", "Adult ... 15-124"; the sex section "Diagnoses for
females only edit" / "... males only ..." (procedure sub-lists are skipped). Code lines
are an undotted ICD-10-CM code, a tab (or spaces), the title.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from addin.codesets._common import (
    ImportOptions,
    ImportResult,
    Member,
    SetCache,
    layout_error,
    members,
    save_vintage,
    source_info,
    unchanged_import,
)
from addin.codesets.store import VintageInfo
from addin.errors import CodeSetError, CodeSetImportError

SYSTEM = "mce"
TITLE = "DEFINITIONS OF MEDICARE CODE EDITS"
SECTION = re.compile(r"^\s*(\d{1,2})\.\s+(\S.*)$")
CODE_LINE = re.compile(r"^\s*([A-Z][0-9][0-9A-Z]{1,5})\s+(\S.*)$")
AGE_RANGE = re.compile(r"(\d{1,3})\s*[-–]\s*(\d{1,3})\s+years")
AGE_LISTS = {"NEWBORN": "newborn", "PEDIATRIC": "pediatric", "MATERNITY": "maternity",
             "ADULT": "adult"}  # fmt: skip
DEFAULT_AGES = {"newborn": (0, 0), "pediatric": (0, 17), "maternity": (9, 64), "adult": (15, 124)}
LISTS = ("newborn", "pediatric", "maternity", "adult", "female", "male", "manifestation",
         "unacceptable_principal")  # fmt: skip
CHAPTER = re.compile(r"^\s*Chapter\s+\d+\s*:\s*(\S.*?)\s*$", re.IGNORECASE)
DEACTIVATED = re.compile(r"\(?deactivated[^)]*\)?", re.IGNORECASE)
PAGE = re.compile(r"\t\s*\d+\s*$")  # a table-of-contents line ends with its page
_VERSION = re.compile(r"(?:\bversion\s*|(?<![A-Za-z])v_?)(\d{2})(?:[._](\d))?", re.IGNORECASE)
_FY = re.compile(r"\bFY\s*(20\d\d)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class AgeEdit:
    """An age-restricted diagnosis: its MCE category and the ages (years) it fits."""

    category: str
    low: int
    high: int

    def fits(self, age: int) -> bool:
        return self.low <= age <= self.high


class MceTables:
    """The lists of one MCE version (codes undotted, upper case)."""

    def __init__(self, info: VintageInfo) -> None:
        self.info = info
        path = info.path / "lists.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            self.lists = {k: frozenset(data["lists"][k]) for k in LISTS}
            self.ages = {k: (int(v[0]), int(v[1])) for k, v in data["ages"].items()}
        except (OSError, ValueError, KeyError) as exc:
            raise CodeSetError(f"{path}: cannot read MCE lists ({exc}); re-import it") from None

    def age_edit(self, code: str) -> AgeEdit | None:
        key = _key(code)
        for category in ("newborn", "pediatric", "maternity", "adult"):
            if key in self.lists[category]:
                low, high = self.ages[category]
                return AgeEdit(category, low, high)
        return None

    def sex_edit(self, code: str) -> Literal["F", "M"] | None:
        key = _key(code)
        if key in self.lists["female"]:
            return "F"
        if key in self.lists["male"]:
            return "M"
        return None


def _key(code: str) -> str:
    return code.replace(".", "").strip().upper()


_cache: SetCache[MceTables] = SetCache(SYSTEM, MceTables)


def is_loaded() -> bool:
    """True when an MCE definitions file has been imported (it then replaces derived tables)."""
    return _cache.is_loaded()


def tables(on: date | None = None) -> MceTables | None:
    """The MCE lists for ``on`` (nearest version when none covers it); None if not imported."""
    chosen = _cache.choose(on)
    return chosen[0] if chosen else None


def age_edit(code: str, on: date | None = None) -> AgeEdit | None:
    """The age category of an ICD-10-CM code (``P00.0`` or ``P000``), or None."""
    found = tables(on)
    return found.age_edit(code) if found else None


def sex_edit(code: str, on: date | None = None) -> Literal["F", "M"] | None:
    """``F``/``M`` when the code is for females/males only, else None."""
    found = tables(on)
    return found.sex_edit(code) if found else None


def is_manifestation(code: str, on: date | None = None) -> bool | None:
    """Whether the code may not be the principal diagnosis (a manifestation); None if the
    MCE is not imported."""
    found = tables(on)
    return _key(code) in found.lists["manifestation"] if found else None


def is_unacceptable_principal(code: str, on: date | None = None) -> bool | None:
    """Whether the code is unacceptable as principal diagnosis; None if not imported."""
    found = tables(on)
    return _key(code) in found.lists["unacceptable_principal"] if found else None


# --- import -----------------------------------------------------------------------------


def _section_kind(title: str) -> str | None:
    t = title.upper()
    if t.startswith("AGE CONFLICT"):
        return "age"
    if t.startswith("SEX CONFLICT"):
        return "sex"
    if t.startswith("MANIFESTATION CODE AS PRINCIPAL"):
        return "manifestation"
    if t.startswith("UNACCEPTABLE PRINCIPAL DIAGNOSIS"):
        return "unacceptable_principal"
    return None


@dataclass(slots=True)
class Parsed:
    """What one MCE definitions file holds."""

    lists: dict[str, list[str]]
    ages: dict[str, tuple[int, int]]
    title: str
    opening: str
    # "deactivated as of 10/01/2024" when the file says the sex edit no longer applies
    sex_edit: str = ""


def parse(member: Member) -> Parsed:
    """The diagnosis lists, the age ranges the text states, the title and the opening lines.

    Only the edit lists count: the closing "Code list changes" chapter repeats codes that
    were removed from a list, which must not be read as members of it. From v42
    (2024-10-01) CMS publishes "5. Sex conflict (deactivated as of 10/01/2024)" with no
    lists; the file is then complete without them.
    """
    where = member.name
    lists: dict[str, list[str]] = {k: [] for k in LISTS}
    ages = dict(DEFAULT_AGES)
    title = ""
    opening: list[str] = []  # the first lines, where the version and fiscal year are named
    section: str | None = None
    current: str | None = None
    sex_edit = ""
    last = 0
    for n, raw in enumerate(member.lines("cp1252"), start=1):
        last = n
        line = raw.replace("\f", "").rstrip()
        if n <= 50:
            opening.append(line)
        if not title:
            if TITLE in line.upper():
                title = line.strip()
            elif n >= 50:
                raise layout_error(
                    where, n, f"the title '{TITLE.title()}' in the first 50 lines", ""
                )
            continue
        chapter = CHAPTER.match(line)
        if chapter and "CHANGES" in chapter.group(1).upper() and not PAGE.search(line):
            break  # the summary of changes (removed codes), not the lists themselves
        code = CODE_LINE.match(line)
        if code is None:  # a heading or text; a code line's title never starts a list
            head = SECTION.match(line)
            upper = line.upper()
            if head:
                section = _section_kind(head.group(2))
                keep = section in ("manifestation", "unacceptable_principal")
                current = section if keep else None
                off = DEACTIVATED.search(head.group(2))
                if section == "sex" and off and not PAGE.search(line):
                    sex_edit = off.group(0).strip("()")
            elif section == "age":
                category = next((v for k, v in AGE_LISTS.items() if k in upper), None)
                span = AGE_RANGE.search(line)
                if category and span:
                    ages[category] = (int(span.group(1)), int(span.group(2)))
                if "DIAGNOSES" in upper:
                    current = category
            elif section == "sex" and ("DIAGNOSES" in upper or "PROCEDURES" in upper):
                is_dx = "DIAGNOSES" in upper
                current = ("female" if "FEMALE" in upper else "male") if is_dx else None
            continue
        if current is None:
            continue
        value = code.group(1)
        if len(value) < 3 or len(value) > 7:
            raise layout_error(where, n, "an ICD-10-CM code (3-7 characters) and its title", line)
        lists[current].append(value)
    if not title:
        raise layout_error(where, last, f"the title '{TITLE.title()}'", "end of file")
    optional = ("female", "male") if sex_edit else ()
    empty = [k for k in LISTS if not lists[k] and k not in optional]
    if empty:
        raise layout_error(
            where,
            last,
            "the sections Age conflict, Sex conflict (unless it says it is deactivated), "
            "Manifestation code as principal diagnosis and Unacceptable principal diagnosis "
            f"with their codes (no codes for {empty}; the file may be cut short)",
            "end of file",
        )
    return Parsed(lists, ages, title, " ".join(opening), sex_edit)


def find_member(path: Path) -> Member | None:
    for m in members(path):
        if m.name.lower().endswith(".txt"):
            if TITLE in m.head(16384).decode("cp1252", errors="replace").upper():
                return m
    return None


def _period(text: str, options: ImportOptions) -> tuple[str, date, date]:
    fy = _FY.search(text)
    version = _VERSION.search(text)
    if options.effective_from is not None:
        start = options.effective_from
        year = start.year + 1 if start.month >= 10 else start.year
    elif fy or version:
        year = int(fy.group(1)) if fy else 1983 + int(version.group(1))  # type: ignore[union-attr]
        minor = int(version.group(2) or 0) if version else 0
        start = date(year, 4, 1) if minor == 1 else date(year - 1, 10, 1)
    else:
        raise CodeSetImportError(
            f"{text[:80]!r}: cannot tell the MCE version or fiscal year; pass --effective"
        )
    end = options.effective_to or date(year, 9, 30)
    label = f"v{version.group(1)}.{version.group(2) or 0}" if version else f"FY{year}"
    return f"MCE-{label}", start, end


def import_mce(path: Path, options: ImportOptions | None = None) -> ImportResult:
    """Import the text "ICD-10 Definitions of Medicare Code Edits" (or its zip)."""
    options = options or ImportOptions()
    path = Path(path)
    member = find_member(path)
    if member is None:
        texts = [m for m in members(path) if m.name.lower().endswith(".txt")]
        if not texts:
            raise layout_error(str(path), None, "the MCE definitions text file", path.name)
        member = texts[0]  # parse() names the line it gave up at
    source = source_info(path, member.name, "mce-definitions-txt", part="mce")
    if (again := unchanged_import(SYSTEM, source["sha256"])) is not None:
        return again
    parsed = parse(member)
    name, start, end = _period(f"{parsed.opening} {Path(member.name).name}", options)

    def build(tmp: Path) -> dict[str, int]:
        data = {
            "lists": {k: sorted(set(v)) for k, v in parsed.lists.items()},
            "ages": parsed.ages,
        }
        (tmp / "lists.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        return {k: len(set(v)) for k, v in parsed.lists.items()}

    extra: dict[str, str] = {"title": parsed.title}
    if parsed.sex_edit:
        extra["sex_edit"] = parsed.sex_edit
    return save_vintage(SYSTEM, name, (start, end), build, source, extra=extra)
