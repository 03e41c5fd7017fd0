"""HCPCS Level II: import the CMS Alpha-Numeric file (ANWEB text or xlsx) and look codes up.

Layout (``../shared/corpus/codesets/SOURCE.md``, CMS record layout): code 1-5, sequence
6-10, record id 11 (3 procedure, 7 modifier, 4/8 their continuation lines), long
description 12-91, short description 92-119, coverage 230, BETOS 257-259, date added
269-276, action effective date 277-284, termination date 285-292, action code 293.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from addin.codesets._common import (
    ImportOptions,
    ImportResult,
    Member,
    SetCache,
    layout_error,
    members,
    norm,
    parse_date,
    quarter_range,
    save_vintage,
    source_info,
    unchanged_import,
)
from addin.codesets.store import VintageInfo
from addin.errors import CodeSetError, CodeSetImportError
from addin.files.workbook import open_calamine

SYSTEM = "hcpcs"
Status = Literal["valid", "terminated", "not_effective"]

COVERAGE = {
    "C": "carrier judgment",
    "D": "special coverage instructions apply",
    "I": "not payable by Medicare",
    "M": "non-covered by Medicare",
    "S": "non-covered by Medicare statute",
}
ACTIONS = {
    "A": "added",
    "B": "change in both administrative data and long description",
    "C": "change in long description",
    "D": "discontinued",
    "F": "change in administrative data and long description of a discontinued code",
    "N": "no maintenance",
    "P": "payment change",
    "R": "re-activated",
    "S": "change in short description",
    "T": "miscellaneous change",
}
RECORD = re.compile(r"^[ A-Z0-9]{5}\d{5}[3478]", re.MULTILINE)
XLSX_HEADER = ("HCPC", "SEQNUM", "RECID", "LONG DESCRIPTION", "SHORT DESCRIPTION")
MONTHS = {"JAN": 1, "APR": 2, "JUL": 3, "OCT": 4}


@dataclass(frozen=True, slots=True)
class HcpcsLookup:
    """A HCPCS Level II procedure or modifier code as of a date of service."""

    code: str
    status: Status
    description: str
    short_description: str
    coverage: str
    betos: str
    added: date | None
    action_effective: date | None
    terminated: date | None
    action: str
    vintage: str
    in_vintage: bool
    is_modifier: bool = False

    @property
    def valid(self) -> bool:
        return self.status == "valid"

    @property
    def coverage_text(self) -> str:
        return COVERAGE.get(self.coverage, "")

    @property
    def message(self) -> str:
        if self.status == "terminated":
            return f"{self.code} was terminated on {self.terminated} ({self.vintage})"
        if self.status == "not_effective":
            return f"{self.code} is not effective before {self.added} ({self.vintage})"
        return f"{self.code} {self.description} ({self.vintage})"

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "status": self.status,
            "description": self.description,
            "short_description": self.short_description,
            "coverage": self.coverage,
            "betos": self.betos,
            "added": self.added.isoformat() if self.added else None,
            "terminated": self.terminated.isoformat() if self.terminated else None,
            "action": self.action,
            "vintage": self.vintage,
            "in_vintage": self.in_vintage,
            "message": self.message,
        }


# code -> (long, short, coverage, betos, added, action_eff, term, action)
Row = tuple[str, str, str, str, date | None, date | None, date | None, str]


class HcpcsVintage:
    """One imported HCPCS file: procedure codes and modifiers."""

    def __init__(self, info: VintageInfo) -> None:
        self.info = info
        self.codes = _read(info.path / "codes.tsv")
        self.modifiers = _read(info.path / "modifiers.tsv")


def _d(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def _read(path: Path) -> dict[str, Row]:
    table: dict[str, Row] = {}
    try:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                f = line.rstrip("\n").split("\t")
                table[f[0]] = (f[1], f[2], f[3], f[4], _d(f[5]), _d(f[6]), _d(f[7]), f[8])
    except (OSError, ValueError, IndexError) as exc:
        raise CodeSetError(f"{path}: cannot read HCPCS codes ({exc}); re-import it") from None
    return table


_cache: SetCache[HcpcsVintage] = SetCache(SYSTEM, HcpcsVintage)


def is_loaded() -> bool:
    """True when a HCPCS Level II file has been imported."""
    return _cache.is_loaded()


def vintage_info(on: date | None = None) -> VintageInfo | None:
    """The imported HCPCS file that answers for ``on`` (see ``lookup``); None if none is."""
    chosen = _cache.choose(on)
    return chosen[1] if chosen else None


def outdated(on: date) -> VintageInfo | None:
    """The imported HCPCS file that answers for ``on`` without covering it (a quarter or year
    before or after the date of service), or None when one covers it or none is imported."""
    return _cache.outdated(on)


def status_on(row: Row, on: date | None) -> Status:
    """valid / terminated (after the termination date) / not_effective (before added)."""
    if on is None:
        return "terminated" if row[6] is not None else "valid"
    if row[6] is not None and on > row[6]:
        return "terminated"
    if row[4] is not None and on < row[4]:
        return "not_effective"
    return "valid"


def _answer(
    code: str, row: Row, on: date | None, info: VintageInfo, covers: bool, mod: bool
) -> HcpcsLookup:
    return HcpcsLookup(
        code=code,
        status=status_on(row, on),
        description=row[0],
        short_description=row[1],
        coverage=row[2],
        betos=row[3],
        added=row[4],
        action_effective=row[5],
        terminated=row[6],
        action=row[7],
        vintage=info.name,
        in_vintage=covers,
        is_modifier=mod,
    )


def lookup(code: str, on: date | None = None) -> HcpcsLookup | None:
    """A HCPCS Level II procedure code as of ``on``; None if not imported or not in the set.

    The vintage covering ``on`` answers; otherwise the nearest one does (``in_vintage`` is
    then False) and the code's own added/termination dates decide its status.
    """
    chosen = _cache.choose(on)
    if chosen is None:
        return None
    vintage, info, covers = chosen
    key = code.strip().upper()
    row = vintage.codes.get(key)
    if row is None:
        return None
    return _answer(key, row, on, info, covers, False)


def modifier(code: str, on: date | None = None) -> HcpcsLookup | None:
    """A HCPCS modifier (record type 7), e.g. ``25`` or ``QW``; None when unknown."""
    chosen = _cache.choose(on)
    if chosen is None:
        return None
    vintage, info, covers = chosen
    key = code.strip().upper()
    row = vintage.modifiers.get(key)
    if row is None:
        return None
    return _answer(key, row, on, info, covers, True)


def modifiers(on: date | None = None) -> dict[str, HcpcsLookup]:
    """Every modifier valid on ``on`` (all of them when None); empty if not imported."""
    chosen = _cache.choose(on)
    if chosen is None:
        return {}
    vintage, info, covers = chosen
    found: dict[str, HcpcsLookup] = {}
    for key, row in vintage.modifiers.items():
        item = _answer(key, row, on, info, covers, True)
        if on is None or item.valid:
            found[key] = item
    return found


def all_codes(on: date | None = None) -> list[HcpcsLookup]:
    """Every procedure code valid on ``on`` (for the suggestion index); [] if not imported."""
    chosen = _cache.choose(on)
    if chosen is None:
        return []
    vintage, info, covers = chosen
    found: list[HcpcsLookup] = []
    for key, row in vintage.codes.items():
        item = _answer(key, row, on, info, covers, False)
        if item.valid:
            found.append(item)
    return found


# --- import -----------------------------------------------------------------------------


def _fields_txt(line: str) -> tuple[str, str, str, str, str, str, str, str, str]:
    return (
        line[11:91].rstrip(),
        line[91:119].rstrip(),
        line[229:230].strip(),
        line[256:259].strip(),
        line[268:276].strip(),
        line[276:284].strip(),
        line[284:292].strip(),
        line[292:293].strip(),
        line[10],
    )


Parsed = dict[str, list[str]]


def _add(
    table: Parsed, where: str, n: int, code: str, f: tuple[str, ...], dates: list[str]
) -> None:
    out = [f[0], f[1], f[2], f[3]]
    for text, what in zip(
        dates, ("date added", "action effective date", "termination date"), strict=True
    ):
        out.append(parse_date(text, where, n, what).isoformat() if text else "")
    out.append(f[7])
    table[code] = out


def parse_anweb(member: Member) -> tuple[Parsed, Parsed]:
    """Procedure and modifier rows of an ANWEB text file (continuations joined)."""
    where = member.name
    procs: Parsed = {}
    mods: Parsed = {}
    last: tuple[Parsed, str] | None = None
    started = False
    for n, line in enumerate(member.lines("cp1252"), start=1):
        if not RECORD.match(line):
            if started and line.strip():
                raise layout_error(
                    where, n, "a HCPCS record (code 1-5, sequence 6-10, record id 3/4/7/8)", line
                )
            continue
        started = True
        rec = line[10]
        code = line[:5].strip()
        if rec in "48":
            if last is None or last[1] != code:
                raise layout_error(
                    where, n, f"a continuation of the record before for {code}", line
                )
            row = last[0][code]
            row[0] = f"{row[0]} {line[11:91].strip()}".strip()
            continue
        if len(line) < 293:
            raise layout_error(where, n, "a 320-character HCPCS record (coverage at 230)", line)
        f = _fields_txt(line)
        table = procs if rec == "3" else mods
        _add(table, where, n, code, f, [f[4], f[5], f[6]])
        last = (table, code)
    if not procs:
        raise layout_error(
            where, None, "HCPCS procedure records (record id 3 in column 11)", "none"
        )
    return procs, mods


def parse_xlsx(member: Member) -> tuple[Parsed, Parsed]:
    """The xlsx variant: a disclaimer, then a header row HCPC, SEQNUM, RECID, ... ACTION CD."""
    where = member.name
    try:
        # checked first: a lying count in the package would abort calamine
        book, _ = open_calamine(Path(member.name), member.read(), CodeSetImportError)
        rows = book.get_sheet_by_index(0).to_python()
    except CodeSetImportError:
        raise
    except Exception as exc:  # calamine raises its own error types for broken workbooks
        raise CodeSetImportError(f"{where}: cannot read this workbook ({exc})") from None
    header_at = next(
        (i for i, r in enumerate(rows[:40]) if tuple(norm(_cell(c)) for c in r[:5]) == XLSX_HEADER),
        None,
    )
    if header_at is None:
        raise layout_error(where, None, f"a header row {', '.join(XLSX_HEADER)}, ...", "none")
    header = [norm(_cell(c)) for c in rows[header_at]]
    need = ("COV", "BETOS", "ADD DT", "ACT EFF DT", "TERM DT", "ACTION CD")
    missing = [h for h in need if h not in header]
    if missing:
        raise layout_error(where, header_at + 1, f"columns {', '.join(missing)}", header)
    col = {h: header.index(h) for h in header}
    procs: Parsed = {}
    mods: Parsed = {}
    last: tuple[Parsed, str] | None = None
    for i, raw in enumerate(rows[header_at + 1 :], start=header_at + 2):
        r = [_cell(c) for c in raw]
        if not any(c.strip() for c in r):
            continue
        code, rec = r[0].strip(), r[2].strip()
        if rec not in ("3", "4", "7", "8") or not code:
            raise layout_error(where, i, "RECID 3, 4, 7 or 8 and a HCPC code", r[:3])
        if rec in "48":
            if last is None or last[1] != code:
                raise layout_error(where, i, f"a continuation of the row before for {code}", r[:3])
            row = last[0][code]
            row[0] = f"{row[0]} {r[3].strip()}".strip()
            continue
        dates = [_xlsx_date(r[col[h]]) for h in ("ADD DT", "ACT EFF DT", "TERM DT")]
        f = (r[3].strip(), r[4].strip(), r[col["COV"]].strip(), r[col["BETOS"]].strip())
        table = procs if rec == "3" else mods
        f8 = (*f, "", "", "", r[col["ACTION CD"]].strip())
        _add(table, where, i, code, f8, dates)
        last = (table, code)
    if not procs:
        raise layout_error(where, None, "HCPCS procedure rows (RECID 3)", "none")
    return procs, mods


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a date typed as the number 20200101
    return str(value)


def _xlsx_date(value: str) -> str:
    text = value.strip()
    return text[:10].replace("-", "") if len(text) >= 10 and text[4] == "-" else text


def find_member(path: Path) -> tuple[Member, str] | None:
    """The ANWEB text or xlsx member of a HCPCS distribution, with its format."""
    for m in members(path):
        low = m.name.lower()
        if low.endswith(".txt") and "anweb" in low:
            return m, "anweb-txt"
        if low.endswith(".xlsx") and "anweb" in low:
            return m, "anweb-xlsx"
    for m in members(path):
        low = m.name.lower()
        if low.endswith(".txt") and RECORD.search(m.head(8192).decode("cp1252", errors="replace")):
            return m, "anweb-txt"
        if low.endswith(".xlsx") and b"SEQNUM" in _xlsx_probe(m):
            return m, "anweb-xlsx"
    return None


def _xlsx_probe(member: Member) -> bytes:
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(member.read())) as book:
            return book.read("xl/sharedStrings.xml")[:200_000]
    except (zipfile.BadZipFile, KeyError, OSError):
        return b""


def _period(name: str, options: ImportOptions) -> tuple[str, date, date]:
    match = re.search(r"HCPC(\d{4})", name, re.IGNORECASE)
    if options.effective_from is not None:
        start = options.effective_from
        end = options.effective_to or date(start.year, 12, 31)
        return f"CY{start.year}-{start.month:02d}", start, end
    if match is None:
        raise CodeSetImportError(
            f"{name}: cannot tell the HCPCS year from the name (HCPCyyyy...); "
            "pass --effective YYYY-MM-DD"
        )
    year = int(match.group(1))
    quarter = next((q for k, q in MONTHS.items() if f"_{k}" in name.upper()), 1)
    start, _ = quarter_range(year, quarter)
    label = f"CY{year}" if quarter == 1 else f"CY{year}-Q{quarter}"
    return label, start, options.effective_to or date(year, 12, 31)


def _lines(table: Parsed) -> list[str]:
    return [
        f"{code}\t" + "\t".join(v.replace("\t", " ") for v in row) + "\n"
        for code, row in sorted(table.items())
    ]


def import_hcpcs(path: Path, options: ImportOptions | None = None) -> ImportResult:
    """Import a CMS Alpha-Numeric HCPCS file (zip, ANWEB .txt or .xlsx) as a vintage."""
    options = options or ImportOptions()
    path = Path(path)
    found = find_member(path)
    if found is None:
        raise layout_error(
            str(path), None, "the CMS HCPCS ANWEB text or xlsx (HCPCyyyy_ANWEB...)", path.name
        )
    member, fmt = found
    source = source_info(path, member.name, fmt, part="hcpcs")
    if (again := unchanged_import(SYSTEM, source["sha256"])) is not None:
        return again
    procs, mods = parse_anweb(member) if fmt == "anweb-txt" else parse_xlsx(member)
    name, start, end = _period(f"{Path(member.name).name} {path.name}", options)

    def build(tmp: Path) -> dict[str, int]:
        (tmp / "codes.tsv").write_text("".join(_lines(procs)), encoding="utf-8")
        (tmp / "modifiers.tsv").write_text("".join(_lines(mods)), encoding="utf-8")
        terminated = sum(1 for r in procs.values() if r[6])
        return {
            "codes": len(procs),
            "terminated": terminated,
            "modifiers": len(mods),
            "codes.tsv": len(procs),
            "modifiers.tsv": len(mods),
        }

    return save_vintage(SYSTEM, name, (start, end), build, source)
