"""CARC and RARC lists (X12 claim adjustment / remittance advice remark codes) from a CSV.

X12 publishes the lists on its web pages (code, description, start, last modified, stop);
the user saves them as CSV with the header ``Code, Description, Start Date, Last Modified,
Stop Date`` (dates MM/DD/YYYY, stop blank while in use). Claimbook ships none of the texts.
The same importer takes either list and tells them apart by the codes (RARC: M, MA, N).
"""

from __future__ import annotations

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
    csv_rows,
    find_header,
    layout_error,
    members,
    norm,
    parse_date,
    save_vintage,
    source_info,
    unchanged_import,
)
from addin.codesets.store import VintageInfo
from addin.errors import CodeSetError

CARC = "carc"
RARC = "rarc"
CARC_CODE = re.compile(r"^(\d{1,3}|[A-LO-Z]\d{1,2})$")
RARC_CODE = re.compile(r"^(MA\d{2,3}|M\d{1,3}|N\d{1,3})$")
FAR = date(9999, 12, 31)
Status = Literal["valid", "stopped", "not_started"]


@dataclass(frozen=True, slots=True)
class AdjustmentCode:
    """A CARC or RARC with its text and the dates it may be used."""

    system: str
    code: str
    description: str
    start: date | None
    stop: date | None
    vintage: str

    def status_on(self, on: date) -> Status:
        if self.stop is not None and on > self.stop:
            return "stopped"
        if self.start is not None and on < self.start:
            return "not_started"
        return "valid"


class CodeList:
    def __init__(self, info: VintageInfo) -> None:
        self.info = info
        self.codes: dict[str, tuple[str, date | None, date | None]] = {}
        path = info.path / "codes.tsv"
        try:
            with path.open(encoding="utf-8") as handle:
                for line in handle:
                    code, start, stop, text = line.rstrip("\n").split("\t", 3)
                    self.codes[code] = (
                        text,
                        date.fromisoformat(start) if start else None,
                        date.fromisoformat(stop) if stop else None,
                    )
        except (OSError, ValueError) as exc:
            raise CodeSetError(f"{path}: cannot read {info.system} codes ({exc})") from None


_carc: SetCache[CodeList] = SetCache(CARC, CodeList)
_rarc: SetCache[CodeList] = SetCache(RARC, CodeList)


def _lookup(cache: SetCache[CodeList], code: str, on: date | None) -> AdjustmentCode | None:
    chosen = cache.choose(on)
    if chosen is None:
        return None
    table, info, _ = chosen
    key = code.strip().upper()
    found = table.codes.get(key)
    if found is None:
        return None
    return AdjustmentCode(cache.system, key, found[0], found[1], found[2], info.name)


def is_loaded() -> bool:
    """True when a CARC list has been imported."""
    return _carc.is_loaded()


def lookup(code: str, on: date | None = None) -> AdjustmentCode | None:
    """A claim adjustment reason code (e.g. ``45``, ``CO-45`` is group + code: pass ``45``)."""
    return _lookup(_carc, code, on)


def describe(code: str, on: date | None = None) -> str | None:
    """The imported text of a CARC, or None (not imported or unknown)."""
    found = _lookup(_carc, code, on)
    return found.description if found else None


def rarc_is_loaded() -> bool:
    """True when a RARC list has been imported."""
    return _rarc.is_loaded()


def rarc_lookup(code: str, on: date | None = None) -> AdjustmentCode | None:
    """A remittance advice remark code (e.g. ``N130``, ``MA01``)."""
    return _lookup(_rarc, code, on)


def rarc_describe(code: str, on: date | None = None) -> str | None:
    """The imported text of a RARC, or None."""
    found = _lookup(_rarc, code, on)
    return found.description if found else None


# --- import -----------------------------------------------------------------------------


def _is_header(row: list[str]) -> bool:
    names = [norm(c) for c in row]
    return len(names) >= 2 and names[0] == "CODE" and names[1].startswith("DESCRIPTION")


def find_member(path: Path) -> Member | None:
    for m in members(path):
        if m.name.lower().endswith(".csv"):
            first = m.head(512).decode("utf-8", errors="replace").lstrip("\ufeff")
            if _is_header(
                [c.strip('" ') for c in first.splitlines()[0].split(",")] if first else []
            ):
                return m
    return None


def parse(member: Member) -> tuple[str, list[str], date, str]:
    """(system, TSV lines, earliest start, latest change) of a CARC or RARC CSV."""
    where = member.name
    rows = csv_rows(member)
    found = find_header(rows, _is_header, within=5)
    if found is None:
        raise layout_error(
            where, 1, "the header 'Code, Description, Start Date, Last Modified, Stop Date'", "?"
        )
    header_line, header = found
    names = [norm(c) for c in header]
    start_at = next((i for i, n in enumerate(names) if n.startswith("START")), None)
    stop_at = next((i for i, n in enumerate(names) if n.startswith("STOP")), None)
    mod_at = next((i for i, n in enumerate(names) if "MODIFIED" in n), None)
    if start_at is None or stop_at is None:
        raise layout_error(where, header_line, "'Start Date' and 'Stop Date' columns", header)
    lines: list[str] = []
    systems: set[str] = set()
    starts: list[date] = []
    changes: list[date] = []
    for line, row in rows:
        if not any(row):
            continue
        if len(row) <= max(start_at, stop_at):
            raise layout_error(where, line, f"{len(names)} columns", row)
        code = row[0].upper()
        system = RARC if RARC_CODE.match(code) else CARC if CARC_CODE.match(code) else None
        if system is None:
            raise layout_error(where, line, "a CARC (e.g. 45, B7) or RARC (e.g. N130, MA01)", code)
        systems.add(system)
        if len(systems) > 1:
            raise layout_error(where, line, "CARC and RARC codes in separate files", code)
        start = parse_date(row[start_at], where, line, "Start Date") if row[start_at] else None
        stop = parse_date(row[stop_at], where, line, "Stop Date") if row[stop_at] else None
        if mod_at is not None and mod_at < len(row) and row[mod_at]:
            changes.append(parse_date(row[mod_at], where, line, "Last Modified"))
        if start:
            starts.append(start)
        text = " ".join(row[1].split())
        iso = [d.isoformat() if d else "" for d in (start, stop)]
        lines.append(f"{code}\t{iso[0]}\t{iso[1]}\t{text}\n")
    if not lines:
        raise layout_error(where, None, "code rows after the header", "none")
    earliest = min(starts) if starts else date(1995, 1, 1)
    latest = max(changes + starts) if changes or starts else earliest
    return systems.pop(), lines, earliest, latest.isoformat()


def import_rarc(path: Path, options: ImportOptions | None = None) -> ImportResult:
    """Import a RARC CSV (``--kind rarc``): a file of CARC codes is refused."""
    return import_carc(path, options, expect=RARC)


def import_carc(
    path: Path, options: ImportOptions | None = None, expect: str | None = None
) -> ImportResult:
    """Import a CARC or RARC CSV; the codes decide which list it is (``expect`` checks)."""
    options = options or ImportOptions()
    path = Path(path)
    member = find_member(path)
    if member is None:
        csvs = [m for m in members(path) if m.name.lower().endswith(".csv")]
        if not csvs:
            raise layout_error(str(path), None, "a CARC or RARC CSV", path.name)
        member = csvs[0]
    source = source_info(path, member.name, "x12-code-list-csv", part="list")
    for system in (CARC, RARC):
        if (again := unchanged_import(system, source["sha256"])) is not None:
            return again
    system, lines, earliest, latest = parse(member)
    if expect is not None and system != expect:
        first = lines[0].split("\t", 1)[0]
        raise layout_error(
            member.name, None, f"{expect.upper()} codes", f"{system.upper()} {first}"
        )
    start = options.effective_from or earliest
    end = options.effective_to or FAR

    def build(tmp: Path) -> dict[str, int]:
        (tmp / "codes.tsv").write_text("".join(lines), encoding="utf-8")
        return {"codes": len(lines), "codes.tsv": len(lines)}

    return save_vintage(system, f"{system.upper()}-{latest}", (start, end), build, source)
