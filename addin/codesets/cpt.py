"""CPT descriptors from the clinic's licensed file (CSV, TSV or XLSX), kept in the user store.

Claimbook never ships CPT text (AMA copyright). The clinic's file is read with a column
mapping: ``--code-column`` and ``--descriptor-column`` take a header name or a 1-based
number; without them the usual headers (``CPT Code``/``Code``, ``Long Descriptor``/
``Descriptor``/``Description``) are looked for. Codes without an imported descriptor still
validate by format elsewhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from addin.codesets._common import (
    ImportOptions,
    ImportResult,
    Member,
    SetCache,
    csv_rows,
    layout_error,
    members,
    norm,
    save_vintage,
    source_info,
    unchanged_import,
)
from addin.codesets.store import VintageInfo
from addin.errors import CodeSetError, CodeSetImportError
from addin.files.workbook import open_calamine

SYSTEM = "cpt"
# Category I (5 digits), II (4 digits + F), III (+T), PLA (+U), and the vaccine M codes.
CODE = re.compile(r"^\d{4}[0-9FTUM]$")
CODE_HEADERS = ("CPT CODE", "CPT_CODE", "CPT", "CODE", "HCPCS", "HCPCS CODE")
DESCRIPTOR_HEADERS = (
    "LONG DESCRIPTOR",
    "LONG DESCRIPTION",
    "DESCRIPTOR",
    "DESCRIPTION",
    "MEDIUM DESCRIPTOR",
    "SHORT DESCRIPTOR",
    "SHORT DESCRIPTION",
)
SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx")


@dataclass(frozen=True, slots=True)
class CptEntry:
    """A CPT code with the descriptor from the clinic's licensed file."""

    code: str
    descriptor: str
    vintage: str


class CptTable:
    def __init__(self, info: VintageInfo) -> None:
        self.info = info
        self.codes: dict[str, str] = {}
        path = info.path / "cpt.tsv"
        try:
            with path.open(encoding="utf-8") as handle:
                for line in handle:
                    code, text = line.rstrip("\n").split("\t", 1)
                    self.codes[code] = text
        except (OSError, ValueError) as exc:
            raise CodeSetError(f"{path}: cannot read CPT descriptors ({exc}); re-import") from None


_cache: SetCache[CptTable] = SetCache(SYSTEM, CptTable)


def is_loaded() -> bool:
    """True when a licensed CPT file has been imported."""
    return _cache.is_loaded()


def outdated(on: date) -> VintageInfo | None:
    """The imported CPT file that answers for ``on`` without covering it (a quarter or year
    before or after the date of service), or None when one covers it or none is imported."""
    return _cache.outdated(on)


def lookup(code: str, on: date | None = None) -> CptEntry | None:
    """The licensed descriptor entry of ``code``; None if unknown or nothing imported."""
    chosen = _cache.choose(on)
    if chosen is None:
        return None
    table, info, _ = chosen
    key = code.strip().upper()
    text = table.codes.get(key)
    return CptEntry(key, text, info.name) if text is not None else None


def describe(code: str, on: date | None = None) -> str | None:
    """The licensed descriptor of a CPT code, or None."""
    found = lookup(code, on)
    return found.descriptor if found else None


def all_codes(on: date | None = None) -> list[CptEntry]:
    """Every imported CPT code (for the suggestion index); [] when none is imported."""
    chosen = _cache.choose(on)
    if chosen is None:
        return []
    table, info, _ = chosen
    return [CptEntry(c, t, info.name) for c, t in table.codes.items()]


# --- import -----------------------------------------------------------------------------


def _rows(member: Member) -> list[tuple[int, list[str]]]:
    low = member.name.lower()
    if low.endswith(".xlsx"):
        try:
            # checked first: a lying count in the package would abort calamine
            book, _ = open_calamine(Path(member.name), member.read(), CodeSetImportError)
            sheet = book.get_sheet_by_index(0).to_python()
        except CodeSetImportError:
            raise
        except Exception as exc:  # calamine's own error types for broken workbooks
            raise CodeSetImportError(f"{member.name}: cannot read this workbook ({exc})") from None
        out = []
        for i, raw in enumerate(sheet, start=1):
            cells = []
            for c in raw:
                if isinstance(c, float) and c.is_integer():
                    c = int(c)  # a numeric code cell: 99213.0 -> 99213
                cells.append("" if c is None else str(c).strip())
            out.append((i, cells))
        return out
    head = member.head(4096).decode("utf-8", errors="replace")
    delimiter = (
        "\t" if low.endswith((".tsv", ".txt")) or head.count("\t") > head.count(",") else ","
    )
    return list(csv_rows(member, delimiter))


def _column(spec: str | None, names: list[str], defaults: tuple[str, ...]) -> int | None:
    if spec:
        if spec.isdigit():
            return int(spec) - 1
        wanted = norm(spec)
        return names.index(wanted) if wanted in names else None
    for candidate in defaults:
        if candidate in names:
            return names.index(candidate)
    return None


def parse(member: Member, options: ImportOptions) -> list[str]:
    """``code<TAB>descriptor`` lines from the licensed file, by the column mapping."""
    where = member.name
    rows = [(n, r) for n, r in _rows(member) if any(r)]
    if not rows:
        raise layout_error(where, None, "a CPT table with code and descriptor columns", "nothing")
    first_line, first = rows[0]
    names = [norm(c) for c in first]
    code_at = _column(options.code_column, names, CODE_HEADERS)
    text_at = _column(options.descriptor_column, names, DESCRIPTOR_HEADERS)
    headerless = bool(
        options.code_column
        and options.code_column.isdigit()
        and code_at is not None
        and code_at < len(first)
        and CODE.match(first[code_at].upper())
    )
    if code_at is None or text_at is None:
        raise layout_error(
            where,
            first_line,
            "a header with a code and a descriptor column (e.g. 'CPT Code', 'Long Descriptor');"
            " or name them with --code-column/--descriptor-column",
            first,
        )
    out: list[str] = []
    seen: set[str] = set()
    for line, row in rows if headerless else rows[1:]:
        if max(code_at, text_at) >= len(row):
            raise layout_error(where, line, f"at least {max(code_at, text_at) + 1} columns", row)
        code, text = row[code_at].upper(), " ".join(row[text_at].split())
        if not CODE.match(code):
            raise layout_error(
                where, line, "a CPT code (4 digits then a digit, F, T, U or M)", code
            )
        if not text:
            raise layout_error(where, line, f"a descriptor for {code}", row)
        if code in seen:
            continue  # files with several descriptor lengths repeat the code; the first wins
        seen.add(code)
        out.append(f"{code}\t{text}\n")
    if not out:
        raise layout_error(where, None, "CPT rows after the header", "none")
    return out


def looks_like(member: Member) -> bool:
    """A CSV/TSV/XLSX whose header names a code and a descriptor column over CPT codes."""
    if not member.name.lower().endswith(SUFFIXES):
        return False
    try:
        rows = [r for _, r in _rows(member)[:5] if any(r)]
    except (CodeSetImportError, UnicodeDecodeError):
        return False
    if len(rows) < 2:
        return False
    names = [norm(c) for c in rows[0]]
    code_at = _column(None, names, CODE_HEADERS)
    text_at = _column(None, names, DESCRIPTOR_HEADERS)
    return (
        code_at is not None
        and text_at is not None
        and all(code_at < len(r) and CODE.match(r[code_at].upper()) for r in rows[1:])
    )


def import_cpt(path: Path, options: ImportOptions | None = None) -> ImportResult:
    """Import a licensed CPT file into the user data directory (never into the package)."""
    options = options or ImportOptions()
    path = Path(path)
    candidates = [m for m in members(path) if m.name.lower().endswith(SUFFIXES)]
    if not candidates:
        raise layout_error(str(path), None, "a CSV, TSV or XLSX file of CPT codes", path.name)
    member = next((m for m in candidates if looks_like(m)), candidates[0])
    source = source_info(path, member.name, "cpt-licensed", part="cpt")
    if (again := unchanged_import(SYSTEM, source["sha256"])) is not None:
        return again
    lines = parse(member, options)
    if options.effective_from is not None:
        start = options.effective_from
    else:
        year = re.search(r"(20\d\d)", Path(member.name).name) or re.search(r"(20\d\d)", path.name)
        if year is None:
            raise CodeSetImportError(
                f"{path}: cannot tell the CPT year from the name; pass --effective YYYY-01-01"
            )
        start = date(int(year.group(1)), 1, 1)
    end = options.effective_to or date(start.year, 12, 31)
    mapping = {"code_column": options.code_column, "descriptor_column": options.descriptor_column}

    def build(tmp: Path) -> dict[str, int]:
        (tmp / "cpt.tsv").write_text("".join(lines), encoding="utf-8")
        return {"codes": len(lines), "cpt.tsv": len(lines)}

    extra = {"mapping": mapping, "licensed": True}
    return save_vintage(SYSTEM, f"CY{start.year}", (start, end), build, source, extra=extra)
