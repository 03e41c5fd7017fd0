"""Read the official ICD-10-CM release files (tabular XML, order file) into compact rows.

Both the build script that makes the shipped FY2026 set and ``claimbook codesets import``
for newer fiscal years go through this module, so a shipped vintage and an imported one
have the same shape:

- ``codes.tsv``: code, billable (1/0), parent, description; every category, subcategory
  and code, with the 7th-character codes expanded (``S93.402A``) as CMS lists them.
- ``sections.tsv``: chapters (``CH01``) and blocks (``A00-A09``) with their titles.
- ``notes.tsv``: code, kind, text for the tabular's instructional notes.
- ``seventh.tsv``: code that defines 7th characters, character, meaning.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from addin.errors import CodeSetImportError

# Tabular element -> note kind in notes.tsv.
NOTE_KINDS: dict[str, str] = {
    "inclusionTerm": "inclusion_term",
    "includes": "includes",
    "excludes1": "excludes1",
    "excludes2": "excludes2",
    "codeFirst": "code_first",
    "useAdditionalCode": "use_additional_code",
    "codeAlso": "code_also",
    "notes": "note",
    "sevenChrNote": "seven_chr_note",
}

# The tabular states one exception to its 7th-character tables in prose, under S06:
# "7th characters D and S do not apply to codes in category S06 with 6th character 7 ...
# or 8". CMS's code files leave those codes out, so do we. (category, 6th chars, 7th chars)
SEVENTH_EXCEPTIONS: tuple[tuple[str, str, str], ...] = (("S06", "78", "DS"),)


@dataclass(frozen=True, slots=True)
class CodeRow:
    """One code of the classification."""

    code: str
    billable: bool
    parent: str
    description: str


@dataclass(slots=True)
class Tabular:
    """Everything read from one release, ready to be written as a vintage."""

    fiscal_year: int | None
    codes: list[CodeRow] = field(default_factory=list)
    sections: list[tuple[str, str, str, str]] = field(default_factory=list)
    notes: list[tuple[str, str, str]] = field(default_factory=list)
    seventh: list[tuple[str, str, str]] = field(default_factory=list)
    source_kind: str = "tabular-xml"

    @property
    def billable_count(self) -> int:
        return sum(1 for row in self.codes if row.billable)


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _with_dot(compact: str) -> str:
    return compact if len(compact) <= 3 else f"{compact[:3]}.{compact[3:]}"


def _seventh_allowed(base: str, char: str) -> bool:
    compact = base.replace(".", "")
    for category, sixth, excluded in SEVENTH_EXCEPTIONS:
        if compact.startswith(category) and len(compact) >= 6:
            if compact[5] in sixth and char in excluded:
                return False
    return True


def parse_tabular_xml(source: Path | IO[bytes], name: str = "") -> Tabular:
    """Parse the CDC/CMS ICD-10-CM tabular XML (root element ``ICD10CM.tabular``)."""
    label = name or str(source)
    try:
        root = ET.parse(source).getroot()
    except ET.ParseError as exc:
        raise CodeSetImportError(f"{label}: not readable XML ({exc})") from None
    if root.tag != "ICD10CM.tabular":
        raise CodeSetImportError(
            f"{label}: root element is <{root.tag}>, expected <ICD10CM.tabular> "
            "(the ICD-10-CM tabular XML from the CMS release)"
        )
    version = _clean(root.findtext("version"))
    tab = Tabular(fiscal_year=int(version) if version.isdigit() else None)

    def add_notes(key: str, element: ET.Element) -> None:
        for child in element:
            kind = NOTE_KINDS.get(child.tag)
            if kind is None:
                continue
            for note in child.iter("note"):
                text = _clean(note.text)
                if text:
                    tab.notes.append((key, kind, text))

    def walk(diag: ET.Element, parent: str, seventh: dict[str, str]) -> None:
        code = _clean(diag.findtext("name"))
        desc = _clean(diag.findtext("desc"))
        if not code:
            raise CodeSetImportError(f"{label}: a <diag> under {parent} has no <name>")
        add_notes(code, diag)
        definition = diag.find("sevenChrDef")
        if definition is not None:
            seventh = {
                ext.get("char", ""): _clean(ext.text) for ext in definition.findall("extension")
            }
            for char, meaning in seventh.items():
                tab.seventh.append((code, char, meaning))
        children = diag.findall("diag")
        if children:
            tab.codes.append(CodeRow(code, False, parent, desc))
            for child in children:
                walk(child, code, seventh)
        elif seventh:
            tab.codes.append(CodeRow(code, False, parent, desc))
            compact = code.replace(".", "").ljust(6, "X")
            for char, meaning in seventh.items():
                if _seventh_allowed(compact, char):
                    full = _with_dot(compact + char)
                    tab.codes.append(CodeRow(full, True, code, f"{desc}, {meaning}"))
        else:
            tab.codes.append(CodeRow(code, True, parent, desc))

    for number, chapter in enumerate(root.findall("chapter"), start=1):
        chapter_id = f"CH{int(_clean(chapter.findtext('name')) or number):02d}"
        tab.sections.append((chapter_id, "chapter", "", _clean(chapter.findtext("desc"))))
        add_notes(chapter_id, chapter)
        for section in chapter.findall("section"):
            section_id = section.get("id", "")
            if "-" not in section_id:
                # A block of one category (B10) would share its category's id; blocks are
                # always ranges so that a block is never its own child.
                section_id = f"{section_id}-{section_id}"
            tab.sections.append((section_id, "block", chapter_id, _clean(section.findtext("desc"))))
            add_notes(section_id, section)
            for diag in section.findall("diag"):
                walk(diag, section_id, {})
    if not tab.codes:
        raise CodeSetImportError(f"{label}: the tabular XML holds no <diag> codes")
    return tab


_ORDER_RE = re.compile(r"^(\d{5}) ([A-Z0-9 ]{7}) ([01]) (.{60}) (.*)$")


def parse_order_file(lines: Iterable[str], name: str = "") -> Tabular:
    """Parse the fixed-width ``icd10cm_order_YYYY.txt`` (codes and titles, no notes).

    Layout (CMS "ICD-10-CM order file" description): order number 1-5 (zero-filled), blank,
    code 7-13 (no dot, left-justified), blank, 1 = valid for HIPAA-covered transactions /
    0 = header 15, blank, short description 17-76, blank, long description 78-end.
    """
    label = name or "order file"
    tab = Tabular(fiscal_year=None, source_kind="order-file")
    seen: list[str] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        match = _ORDER_RE.match(line)
        if match is None:
            raise CodeSetImportError(
                f"{label} line {number}: {line[:40]!r} does not have the order-file layout "
                "(5-digit order number, code in columns 7-13, 0/1 flag in column 15)"
            )
        order = int(match.group(1))
        if order != len(tab.codes) + 1:
            # CMS numbers the lines 00001, 00002, ... in tabular order: a gap is a cut file
            raise CodeSetImportError(
                f"{label} line {number}: order number {match.group(1)} follows "
                f"{len(tab.codes):05d}: the lines between are missing (the CMS order file "
                "numbers every code in sequence), so this is an excerpt or a file cut short. "
                "Nothing was imported; import the complete icd10cm_order_YYYY.txt from the "
                "CMS release"
            )
        compact = match.group(2).strip()
        code = _with_dot(compact)
        # The file lists codes in tabular order, so a code's parent is the nearest earlier
        # code that is a prefix of it.
        while seen and not compact.startswith(seen[-1]):
            seen.pop()
        parent = _with_dot(seen[-1]) if seen else ""
        seen.append(compact)
        tab.codes.append(CodeRow(code, match.group(3) == "1", parent, _clean(match.group(5))))
    if not tab.codes:
        raise CodeSetImportError(f"{label}: no codes found")
    return tab


# Every ICD-10-CM release has codes in every chapter, A00 (cholera) to Z99 plus the U codes
# of chapter 22 (FY2021 on): one missing first letter means the file stops short.
ALL_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
# A new fiscal year adds and deletes hundreds of codes (a few thousand in the largest years);
# a release with under this share of the codes of the set in force is not a whole release.
WHOLE_SHARE = 0.9


def check_complete(tab: Tabular, label: str, year: int, loaded: list[tuple[str, int]]) -> None:
    """Refuse an excerpt or a cut file: a whole release lists every chapter, and holds about
    as many codes as the vintages already loaded (``loaded``: (vintage, code count))."""
    count = len(tab.codes)
    letters = {row.code[0] for row in tab.codes}
    missing = sorted(ALL_LETTERS - letters - {"U"})  # releases before FY2021 have no U
    largest = max(loaded, key=lambda item: item[1]) if loaded else None
    short = largest is not None and count < WHOLE_SHARE * largest[1]
    if not missing and not short:
        return
    first, last = tab.codes[0].code, tab.codes[-1].code
    why = []
    if missing:
        shown = "".join(missing) if len(missing) <= 8 else f"{''.join(missing[:8])}..."
        why.append(f"no codes starting with {shown}")
    if largest is not None and short:
        why.append(f"Claimbook's {largest[0]} holds {largest[1]:,}")
    if any(name == f"FY{year}" for name, _ in loaded):
        todo = f"Claimbook already has FY{year} complete: there is nothing to import for it"
    else:
        todo = (
            f"import the complete tabular XML or order file of the FY{year} release (CMS: "
            f"{year}-code-tables-tabular-index.zip; CDC: icd10cm-table-and-index-{year}.zip)"
        )
    raise CodeSetImportError(
        f"{label}: holds {count:,} ICD-10-CM codes ({first} to {last}; {'; '.join(why)}), "
        "while a complete release lists every chapter from A00 to Z99: this is an excerpt "
        f"or a file cut short, and would leave FY{year} with a fraction of its codes. "
        f"Nothing was imported; {todo}"
    )


def iter_tsv(rows: Iterable[tuple[str, ...]]) -> Iterator[str]:
    """Rows as TSV lines; tabs and newlines inside fields are folded to spaces."""
    for row in rows:
        yield "\t".join(" ".join(str(v).split()) for v in row) + "\n"


def vintage_files(tab: Tabular) -> dict[str, Iterable[str]]:
    """The compact files of a vintage, as lines, keyed by file name."""
    return {
        "codes.tsv": iter_tsv(
            (r.code, "1" if r.billable else "0", r.parent, r.description) for r in tab.codes
        ),
        "sections.tsv": iter_tsv(tab.sections),
        "notes.tsv": iter_tsv(tab.notes),
        "seventh.tsv": iter_tsv(tab.seventh),
    }


def vintage_counts(tab: Tabular) -> dict[str, int]:
    """Counts for the manifest."""
    return {
        "codes": len(tab.codes),
        "billable": tab.billable_count,
        "not_billable": len(tab.codes) - tab.billable_count,
        "chapters": sum(1 for s in tab.sections if s[1] == "chapter"),
        "blocks": sum(1 for s in tab.sections if s[1] == "block"),
        "notes": len(tab.notes),
        "seventh_character_tables": len({row[0] for row in tab.seventh}),
    }
