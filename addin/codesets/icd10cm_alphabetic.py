"""The ICD-10-CM Alphabetic Index as knowledge: term paths, cross-references and the Tables.

A coder finds a code by walking the Index: a main term ("Pneumonia"), subterms under it
("lobar"), nonessential modifiers in parentheses that may or may not be said, "see" and
"see also" cross-references, and the code at the deepest term reached (the code at the
main term is the default when nothing more is said). The Table of Neoplasms gives a code per
site and behaviour, the Table of Drugs and Chemicals one per substance and intent.

This module reads the official CDC XML (``icd10cm-index-YYYY.xml``, the External Cause Index
and the two Tables share one schema) into flat :class:`Entry` rows, one per term, with the
Tables' columns spelt out as a leading term ("benign neoplasm", "adverse effect of"), and
reads and writes the compact TSV the suggestion index is built from.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from addin.errors import CodeSetError

# Kinds of Index file: main Index, External Cause Index, Neoplasm Table, Drug Table.
KINDS = ("I", "E", "N", "D")
SEP = " > "
# Table headings (lower case) to the words a biller writes for that column.
NEOPLASM_COLUMNS = {
    "malignant primary": "malignant neoplasm (primary) (cancer)",
    "malignant secondary": "secondary malignant neoplasm (metastatic) (metastasis)",
    "ca in situ": "carcinoma in situ",
    "benign": "benign neoplasm",
    "uncertain behavior": "neoplasm of uncertain behavior",
    "unspecified behavior": "neoplasm of unspecified behavior",
}
DRUG_COLUMNS = {
    "poisoning accidental (unintentional)": "poisoning by (accidental) (unintentional)",
    "poisoning intentional self-harm": "poisoning by intentional self harm",
    "poisoning assault": "poisoning by assault",
    "poisoning undetermined": "poisoning by undetermined intent",
    "adverse effect": "adverse effect of",
    "underdosing": "underdosing of",
}
_CODE = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{0,4})?-?$|^[A-Z][0-9][0-9A-Z]\.?-$")


@dataclass(frozen=True, slots=True)
class Entry:
    """One term of the Index with the path that leads to it."""

    kind: str
    path: tuple[str, ...]  # main term first; nonessential modifiers taken out
    nemod: str  # the nonessential modifiers along the path, "(acute) (chronic)"
    code: str  # as the Index gives it ("S72.0-" wants more characters); "" for none
    see: str = ""
    see_also: str = ""

    @property
    def text(self) -> str:
        """The path as a coder reads it: ``Pneumonia, lobar``."""
        return ", ".join(self.path)


def clean_code(raw: str) -> str:
    """An Index code as written ("S72.0-", "C79.8-", "T51.3X1") or "" when it is not one."""
    code = raw.strip().upper().replace(" ", "")
    if not code or not _CODE.match(code):
        return ""
    return code


def _title(node: ElementTree.Element) -> tuple[str, str]:
    """Term text and nonessential modifiers of a <title> (or <diff>)."""
    title = node.find("title")
    if title is None:
        title = node.find("diff")
    if title is None:
        return "", ""
    text = [title.text or ""]
    nemod = []
    for child in title:
        if child.tag == "nemod":
            nemod.append("".join(child.itertext()).strip())
        else:
            text.append("".join(child.itertext()))
        text.append(child.tail or "")
    return " ".join("".join(text).split()), " ".join(nemod)


def _headings(root: ElementTree.Element) -> dict[int, str]:
    heading = root.find("indexHeading")
    if heading is None:
        return {}
    out: dict[int, str] = {}
    for head in heading.findall("head"):
        try:
            out[int(head.get("col", "0"))] = " ".join((head.text or "").split()).lower()
        except ValueError:
            continue
    return out


def read_xml(data: bytes, kind: str = "", name: str = "index") -> list[Entry]:
    """Entries of one official Index XML file (main, External Cause, Neoplasm or Drug).

    ``kind`` is guessed from the file's headings when not given. Raises CodeSetError naming
    ``name`` when the file is not Index XML.
    """
    if b"<!ENTITY" in data[:4096]:
        raise CodeSetError(f"{name}: the Index XML declares entities; refusing to read it")
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise CodeSetError(f"{name}: not readable XML ({exc})") from None
    if root.tag != "ICD10CM.index":
        raise CodeSetError(
            f"{name}: root element is <{root.tag}>, expected <ICD10CM.index> "
            "(the CDC ICD-10-CM Index XML)"
        )
    heads = _headings(root)
    columns: dict[int, str] = {}
    if heads:
        table = NEOPLASM_COLUMNS if "benign" in heads.values() else DRUG_COLUMNS
        kind = kind or ("N" if table is NEOPLASM_COLUMNS else "D")
        for col, head in heads.items():
            if head in table:
                columns[col] = table[head]
    else:
        heading = root.find("title")
        title = "" if heading is None else " ".join("".join(heading.itertext()).split()).lower()
        kind = kind or ("E" if "external" in title else "I")
    letters = root.findall("letter")
    if not letters:
        raise CodeSetError(f"{name}: no <letter> elements; is this the ICD-10-CM Index XML?")
    out: list[Entry] = []
    for letter in letters:
        for main in letter.findall("mainTerm"):
            _walk(main, (), (), kind, columns, out)
    return out


def _walk(
    node: ElementTree.Element,
    path: tuple[str, ...],
    nemods: tuple[str, ...],
    kind: str,
    columns: dict[int, str],
    out: list[Entry],
) -> None:
    text, nemod = _title(node)
    if not text:
        return
    path = (*path, text)
    nemods = (*nemods, nemod) if nemod else nemods
    see = " ".join((node.findtext("see") or "").split())
    see_also = " ".join((node.findtext("seeAlso") or "").split())
    joined = " ".join(nemods)
    if columns:
        # the Neoplasm Table's own main term is "Neoplasm, neoplastic": the column says it
        site = path[1:] if kind == "N" else path
        for cell in node.findall("cell"):
            try:
                col = int(cell.get("col", "0"))
            except ValueError:
                continue
            code = clean_code("".join(cell.itertext()))
            if col in columns and code:
                out.append(Entry(kind, (columns[col], *site), joined, code, "", see_also))
        if see:
            out.append(Entry(kind, (next(iter(columns.values())), *path), joined, "", see))
    else:
        code = clean_code(node.findtext("code") or "")
        if code or see or see_also:
            out.append(Entry(kind, path, joined, code, see, see_also))
    for child in node.findall("term"):
        _walk(child, path, nemods, kind, columns, out)


def write_tsv(entries: Iterable[Entry], path: Path) -> int:
    """Write entries as gzip TSV (kind, path, nemod, code, see, see also); returns the count."""
    lines = []
    for e in entries:
        fields = (e.kind, SEP.join(e.path), e.nemod, e.code, e.see, e.see_also)
        lines.append("\t".join(f.replace("\t", " ").replace("\n", " ") for f in fields))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), 9, mtime=0))
    tmp.replace(path)
    return len(lines)


def read_tsv(path: Path) -> Iterator[Entry]:
    """Entries written by :func:`write_tsv`."""
    try:
        text = gzip.decompress(path.read_bytes()).decode("utf-8")
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise CodeSetError(f"{path}: cannot read the Index terms ({exc}); reinstall") from None
    for number, line in enumerate(text.splitlines(), 1):
        if not line:
            continue
        parts = line.split("\t")
        if len(parts) != 6 or parts[0] not in KINDS:
            raise CodeSetError(f"{path.name} line {number}: not an Index term row")
        yield Entry(parts[0], tuple(parts[1].split(SEP)), parts[2], parts[3], parts[4], parts[5])


def index_terms_path(year: int | None = None) -> Path | None:
    """The Index terms to build a vintage's suggestion index from: the newest imported Index
    up to ``year`` (the vintage's fiscal year), else the shipped one."""
    from addin.codesets.store import shipped_root, user_root

    found: list[tuple[int, int, Path]] = []
    for rank, folder in enumerate((shipped_root() / "suggest", user_root() / "icd10cm_index")):
        for path in folder.glob("icd10cm-index-*.tsv.gz"):
            digits = path.name.removeprefix("icd10cm-index-")[:4]
            if digits.isdigit() and (year is None or int(digits) <= year):
                found.append((int(digits), rank, path))
    return max(found)[2] if found else None


# "see Neoplasm, lung, malignant": the behaviour word of a cross-reference into the Table.
_BEHAVIOUR = {
    "malignant": "malignant primary",
    "secondary": "malignant secondary",
    "in situ": "ca in situ",
    "benign": "benign",
    "uncertain behavior": "uncertain behavior",
    "unspecified behavior": "unspecified behavior",
}
_BY = re.compile(r",?\s*\b(by|see)\b.*$", re.IGNORECASE)
SEE_FANOUT = 40


def _key(parts: Iterable[str]) -> str:
    return ", ".join(p.strip() for p in parts).lower()


def _neoplasm_target(see: str) -> tuple[str, tuple[str, ...]] | None:
    """ "Neoplasm, lung, malignant" -> (column words, ("lung",)); None when not a Table ref."""
    parts = [p.strip() for p in see.split(",")]
    if not parts or parts[0].lower() != "neoplasm" or len(parts) < 2:
        return None
    for words, head in _BEHAVIOUR.items():
        for i, part in enumerate(parts[1:], 1):
            if part.lower() == words:
                site = tuple(p for j, p in enumerate(parts) if j not in (0, i))
                site = tuple(p for p in site if not p.lower().startswith("by "))
                return NEOPLASM_COLUMNS[head], site
    return None


def resolve(entries: list[Entry]) -> tuple[list[tuple[Entry, str]], dict[str, str]]:
    """Every coded path, with "see" references followed.

    Returns (entry with a code, the Index path shown for it) pairs, the referring term taking
    the target's code (and each coded term under the target, up to ``SEE_FANOUT``), and
    synonyms: a morphology term that the Index sends to "Neoplasm, <behaviour>, by site"
    (adenocarcinoma -> malignant neoplasm), used on the query side.
    """
    by_path: dict[str, list[int]] = {}
    for number, entry in enumerate(entries):
        for size in range(1, len(entry.path) + 1):
            key = (entry.kind == "I" or entry.kind == "N") and _key(entry.path[:size])
            if key:
                bucket = by_path.setdefault(key, [])
                if len(bucket) < SEE_FANOUT * 4:
                    bucket.append(number)
    out: list[tuple[Entry, str]] = [(e, e.text) for e in entries if e.code]
    synonyms: dict[str, str] = {}
    for entry in entries:
        for target in (entry.see, entry.see_also):
            if not target or entry.kind not in ("I", "E"):
                continue
            table = _neoplasm_target(target)
            if table is not None:
                column, site = table
                if not site and len(entry.path) == 1:
                    synonyms[entry.path[0].split(",")[0].lower()] = column.split("(")[0].strip()
                if not site:
                    continue
                parts: tuple[str, ...] = (column, *site)
            elif target is entry.see:
                parts = tuple(p.strip() for p in _BY.sub("", target).split(","))
            else:
                continue  # "see also" elsewhere only widens the search: the path has a code
            key = _key(parts)
            hits = by_path.get(key, [])
            if not hits and len(parts) > 1:
                # "Pain, abdominal" where the main term is "Abdomen, abdominal"-style: try
                # the first two parts as one main term
                key = _key((", ".join(parts[:2]), *parts[2:]))
                hits = by_path.get(key, [])
            depth = len(parts)
            taken = 0
            for number in hits:
                target_entry = entries[number]
                if not target_entry.code or taken >= SEE_FANOUT:
                    continue
                extra = target_entry.path[depth:] if len(target_entry.path) >= depth else ()
                alias = Entry(
                    entry.kind,
                    (*entry.path, *extra),
                    " ".join(n for n in (entry.nemod, target_entry.nemod) if n),
                    target_entry.code,
                )
                out.append((alias, f"{entry.text} (see {target_entry.text})"))
                taken += 1
    return out, synonyms
