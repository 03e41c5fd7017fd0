"""NCCI procedure-to-procedure (PTP) edits: stream the CMS practitioner files into SQLite.

CMS ships the practitioner PTP table as several tab-delimited latin-1 text parts
(``ccipra-v261r0-f1.txt`` ... ``-f4``), each opening with a copyright line and a header:
Column 1, Column 2, ``*`` = in existence prior to 1996, effective date (YYYYMMDD),
deletion date (YYYYMMDD, the last day in force, or ``*`` = no data), modifier indicator
0/1/9, PTP edit rationale; the header's wrapped text continues on lines starting with tabs.
Each part becomes one SQLite file of the vintage; lookups query it (tens of microseconds)
or, after ``preload()``, a dict of packed integers (about a microsecond).
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import NamedTuple

from addin.codesets._common import (
    ImportOptions,
    ImportResult,
    Member,
    SetCache,
    layout_error,
    members,
    quarter_range,
    save_vintage,
    source_info,
    unchanged_import,
)
from addin.codesets.store import VintageInfo
from addin.errors import CodeSetError, CodeSetImportError

SYSTEM = "ncci"
_BASE = date(1970, 1, 1).toordinal()
_OPEN = 0xFFFF  # "no deletion date": day 65535 after 1970, i.e. never
_LINE = re.compile(
    r"^([0-9A-Z]{5})\t([0-9A-Z]{5})\t(\*?) *\t(\d{8})\t(\d{8}|\*|) *\t([019])(?:\t(.*))?$"
)
_VERSION = re.compile(r"v(\d\d)(\d)r(\d)", re.IGNORECASE)
_PART = re.compile(r"-(f\d+)", re.IGNORECASE)
HEADER_WITHIN = 20
SCHEMA = """
CREATE TABLE ptp (
    c1 TEXT NOT NULL, c2 TEXT NOT NULL,
    eff INTEGER NOT NULL,  -- days since 1970-01-01
    del INTEGER NOT NULL,  -- last day the edit applies (inclusive); 65535 = not deleted
    mi INTEGER NOT NULL, star INTEGER NOT NULL, rat INTEGER NOT NULL,
    -- CMS files repeat a pair with the same effective date (one row deleted the day it
    -- began, modifier 9, beside the row in force), so the deletion date is in the key
    PRIMARY KEY (c1, c2, eff, del)
) WITHOUT ROWID;
CREATE TABLE rationale (id INTEGER PRIMARY KEY, text TEXT NOT NULL);
"""


class PtpEdit(NamedTuple):
    """One PTP edit: column 2 is not paid with column 1 unless the modifier indicator allows.

    ``modifier_indicator``: "0" never (no modifier bypasses it), "1" a modifier such as 59
    or XE/XS/XP/XU may bypass it, "9" the edit never applied (its deletion date is its
    effective date; such rows show in ``history`` only). ``deletion`` is the last date the
    edit applies, as CMS lists it (20231231: through the end of 2023); None: still in force.
    """

    column1: str
    column2: str
    effective: date
    deletion: date | None
    modifier_indicator: str
    prior_to_1996: bool
    rationale: str

    @property
    def modifier_allowed(self) -> bool:
        return self.modifier_indicator == "1"


def _day(days: int) -> date | None:
    return None if days == _OPEN else date.fromordinal(_BASE + days)


class NcciTable:
    """The PTP edits of one vintage (all its parts), looked up by pair and date."""

    def __init__(self, info: VintageInfo) -> None:
        self.info = info
        self._lock = threading.Lock()
        self._parts = sorted(info.path.glob("ptp-*.sqlite"))
        if not self._parts:
            raise CodeSetError(f"{info.path}: no PTP part files (ptp-*.sqlite); re-import it")
        self._conns: list[sqlite3.Connection] | None = None
        self._ranges: list[tuple[str, str]] = []  # column-1 codes each part holds
        self._pairs: dict[str, int] | None = None  # pair -> packed row, or ~index in _multi
        self._multi: list[tuple[int, ...]] = []
        self._fast: Callable[[str, str, date], PtpEdit | None] | None = None
        self._rationales: list[str] = []
        self._decoded: dict[int, tuple[date, date | None, str, bool, str]] = {}

    @property
    def name(self) -> str:
        return self.info.name

    def _connections(self) -> list[sqlite3.Connection]:
        if self._conns is None:
            conns = []
            ranges = []
            for part in self._parts:
                uri = f"{part.resolve().as_uri()}?mode=ro"
                conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
                conns.append(conn)
                # two queries: SQLite reads one end of the index for a lone min() or max()
                # but scans the table for both in one statement
                (low,) = conn.execute("SELECT min(c1) FROM ptp").fetchone()
                (high,) = conn.execute("SELECT max(c1) FROM ptp").fetchone()
                ranges.append((low or "", high or ""))
            self._ranges = ranges
            self._conns = conns
        return self._conns

    def close(self) -> None:
        with self._lock:
            for conn in self._conns or []:
                conn.close()
            self._conns = None

    def preload(self) -> NcciTable:
        """Load every pair into memory (about 130 bytes a pair) for microsecond lookups."""
        with self._lock:
            if self._pairs is not None:
                return self
            pairs: dict[str, int] = {}
            multis: list[tuple[int, ...]] = []
            rationales: list[str] = []
            for conn in self._connections():
                offset = len(rationales)
                rationales.extend(
                    t for (t,) in conn.execute("SELECT text FROM rationale ORDER BY id")
                )
                query = (
                    "SELECT c1 || c2, (eff << 37) | (del << 21) | (mi << 17) | (star << 16)"
                    " | (rat + ?) FROM ptp"
                )
                # modifier-9 rows never applied: leave them out of the lookup table
                pairs.update(conn.execute(query + " WHERE mi != 9", (offset,)))
                multi = conn.execute(
                    query + " WHERE mi != 9 AND (c1, c2) IN (SELECT c1, c2 FROM ptp"
                    " WHERE mi != 9 GROUP BY c1, c2 HAVING count(*) > 1) ORDER BY c1, c2, eff",
                    (offset,),
                )
                grouped: dict[str, list[int]] = {}
                for key, packed in multi:
                    grouped.setdefault(key, []).append(packed)
                for key, packs in grouped.items():
                    pairs[key] = ~len(multis)
                    multis.append(tuple(packs))
            self._rationales = rationales
            self._multi = multis
            self._pairs = pairs
            self._fast = self._warm_lookup()
            # the instance attribute shadows the method: the hot path skips one call
            setattr(self, "edit", self._fast)  # noqa: B010
        return self

    def _warm_lookup(self) -> Callable[[str, str, date], PtpEdit | None]:
        """``edit`` over the preloaded dict, with everything it touches bound locally."""
        assert self._pairs is not None
        get = self._pairs.get
        multi = self._multi
        cached = self._decoded.get
        decode = self._decode
        new = tuple.__new__
        base = _BASE

        def edit(col1: str, col2: str, on: date) -> PtpEdit | None:
            found = get(col1 + col2)
            if found is None:
                return None
            day = on.toordinal() - base
            if found >= 0:  # one row for the pair, the usual case
                if (found >> 37) <= day <= ((found >> 21) & 0xFFFF):
                    return new(PtpEdit, (col1, col2) + (cached(found) or decode(found)))
                return None
            for packed in multi[~found]:
                if (packed >> 37) <= day <= ((packed >> 21) & 0xFFFF):
                    return new(PtpEdit, (col1, col2) + (cached(packed) or decode(packed)))
            return None

        return edit

    def __len__(self) -> int:
        """The number of edit rows (modifier-9 rows included)."""
        return sum(
            conn.execute("SELECT count(*) FROM ptp").fetchone()[0] for conn in self._connections()
        )

    def _decode(self, packed: int) -> tuple[date, date | None, str, bool, str]:
        found = self._decoded.get(packed)
        if found is None:
            found = (
                date.fromordinal(_BASE + (packed >> 37)),
                _day((packed >> 21) & 0xFFFF),
                str((packed >> 17) & 0xF),
                bool((packed >> 16) & 1),
                self._rationales[packed & 0xFFFF],
            )
            self._decoded[packed] = found
        return found

    def edit(self, col1: str, col2: str, on: date) -> PtpEdit | None:
        """The edit for column 1 ``col1`` and column 2 ``col2`` in force on ``on``, or None.

        In force: effective date <= ``on`` <= deletion date, modifier indicator 0 or 1.

        Codes are the 5-character CPT/HCPCS codes as billed (upper case). The pair is
        directional; ``pair`` checks both orders.
        """
        if self._fast is not None:
            return self._fast(col1, col2, on)
        return self._edit_sql(col1, col2, on)

    def pair(self, first: str, second: str, on: date) -> PtpEdit | None:
        """The edit between two codes in either order (column 1 first), or None."""
        return self.edit(first, second, on) or self.edit(second, first, on)

    def edits_among(self, codes: Iterable[str], on: date) -> list[PtpEdit]:
        """Every edit in force on ``on`` between two different codes of one claim.

        Each ordered pair is asked once (codes repeated on several lines count once), so a
        claim's lines can be checked in one call; the result is in column-1 order of ``codes``.
        """
        unique = list(dict.fromkeys(codes))
        found: list[PtpEdit] = []
        for first in unique:
            for second in unique:
                if first != second:
                    hit = self.edit(first, second, on)
                    if hit is not None:
                        found.append(hit)
        return found

    def history(self, col1: str, col2: str) -> list[PtpEdit]:
        """Every row for the pair, in force or not, oldest first."""
        rows: list[PtpEdit] = []
        with self._lock:
            for conn, (low, high) in zip(self._connections(), self._ranges, strict=True):
                if not low <= col1 <= high:
                    continue  # parts split the table by column 1
                rows.extend(
                    PtpEdit(col1, col2, date.fromordinal(_BASE + e), _day(d), str(m), bool(s), t)
                    for e, d, m, s, t in conn.execute(
                        "SELECT eff, del, mi, star, r.text FROM ptp JOIN rationale r "
                        "ON r.id = ptp.rat WHERE c1 = ? AND c2 = ? ORDER BY eff",
                        (col1, col2),
                    )
                )
        return rows

    def _edit_sql(self, col1: str, col2: str, on: date) -> PtpEdit | None:
        day = on.toordinal() - _BASE
        for row in self.history(col1, col2):
            start = row.effective.toordinal() - _BASE
            end = _OPEN if row.deletion is None else row.deletion.toordinal() - _BASE
            if row.modifier_indicator != "9" and start <= day <= end:
                return row
        return None


_cache: SetCache[NcciTable] = SetCache(SYSTEM, NcciTable)


def is_loaded() -> bool:
    """True when NCCI PTP edits have been imported."""
    return _cache.is_loaded()


def outdated(on: date) -> VintageInfo | None:
    """The imported NCCI PTP edits that answers for ``on`` without covering it (a quarter or year
    before or after the date of service), or None when one covers it or none is imported."""
    return _cache.outdated(on)


def table(on: date | None = None, *, preload: bool = False) -> NcciTable | None:
    """The PTP table for ``on`` (nearest vintage when none covers it); None if not imported."""
    chosen = _cache.choose(on)
    if chosen is None:
        return None
    found = chosen[0]
    return found.preload() if preload else found


def edits_among(codes: Iterable[str], on: date) -> list[PtpEdit]:
    """The PTP edits in force on ``on`` among a claim's codes; [] when nothing is imported."""
    found = table(on)
    return found.edits_among((c.strip().upper() for c in codes), on) if found else []


def edit(col1: str, col2: str, on: date) -> PtpEdit | None:
    """The PTP edit for the pair on ``on``; None when there is none or nothing is imported."""
    found = table(on)
    return found.edit(col1.strip().upper(), col2.strip().upper(), on) if found else None


# --- import -----------------------------------------------------------------------------


Row = tuple[str, str, int, int, int, int, int]


def is_header(line: str) -> bool:
    fields = [f.strip().lower().replace(" ", "") for f in line.split("\t")]
    return len(fields) >= 2 and fields[0].startswith("column1") and fields[1] == "column2"


def _rows(member: Member, rationales: dict[str, int]) -> Iterator[Row]:
    where = member.name
    lines = member.lines("latin-1")
    header_seen = False
    dates: dict[str, int] = {"": _OPEN, "*": _OPEN}
    for n, line in enumerate(lines, start=1):
        if not header_seen:
            if is_header(line):
                header_seen = True
            elif n >= HEADER_WITHIN:
                raise layout_error(
                    where,
                    n,
                    "the NCCI PTP header 'Column 1<TAB>Column 2<TAB>*...' within the first "
                    f"{HEADER_WITHIN} lines",
                    line,
                )
            continue
        match = _LINE.match(line)
        if match is None:
            if not line.strip() or line.startswith("\t"):
                continue  # the rest of a multi-line header, or a blank line
            raise layout_error(
                where,
                n,
                "column 1, column 2, '*' or blank, effective YYYYMMDD, deletion YYYYMMDD or '*',"
                " modifier 0/1/9, rationale (tab-separated)",
                line,
            )
        c1, c2, star, eff, dele, mi, rat = match.groups()
        eff_day = dates.get(eff)
        if eff_day is None:
            eff_day = dates[eff] = _yyyymmdd(eff, where, n)
        del_day = dates.get(dele)
        if del_day is None:
            del_day = dates[dele] = _yyyymmdd(dele, where, n)
        text = (rat or "").strip()
        rid = rationales.get(text)
        if rid is None:
            rid = rationales[text] = len(rationales)
        yield (c1, c2, eff_day, del_day, int(mi), 1 if star else 0, rid)
    if not header_seen:
        raise layout_error(where, None, "the NCCI PTP header 'Column 1<TAB>Column 2...'", "none")


def _yyyymmdd(text: str, where: str, line: int) -> int:
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:])).toordinal() - _BASE
    except ValueError:
        raise layout_error(where, line, "a date YYYYMMDD", text) from None


def ptp_members(path: Path) -> list[Member]:
    """The PTP text parts of a distribution (zip of parts, one part's zip, or a .txt)."""
    found = []
    for m in members(path):
        if not m.name.lower().endswith(".txt"):
            continue
        head = m.head(4096).decode("latin-1")
        if any(is_header(line) for line in head.splitlines()[:HEADER_WITHIN]):
            found.append(m)
    return found


def _period(name: str, options: ImportOptions) -> tuple[str, date, date]:
    match = _VERSION.search(name)
    if options.effective_from is not None:
        start = options.effective_from
        end = options.effective_to or quarter_range(start.year, (start.month - 1) // 3 + 1)[1]
        label = match.group(0).lower() if match else f"{start.isoformat()}"
        return f"PTP-{label}", start, end
    if match is None:
        raise CodeSetImportError(
            f"{name}: cannot tell the NCCI version from the name (e.g. ccipra-v261r0-f1.txt);"
            " pass --effective YYYY-MM-DD (the first day of the quarter)"
        )
    major, minor = int(match.group(1)), int(match.group(2))
    if minor > 3:
        raise CodeSetImportError(f"{name}: NCCI version {match.group(0)} has no quarter {minor}")
    start, end = quarter_range(1994 + major, minor + 1)
    return f"PTP-{match.group(0).lower()}", start, end


def import_ncci(path: Path, options: ImportOptions | None = None) -> ImportResult:
    """Import NCCI practitioner PTP parts; parts of one version gather in one vintage."""
    options = options or ImportOptions()
    path = Path(path)
    parts = ptp_members(path)
    if not parts:
        texts = [m for m in members(path) if m.name.lower().endswith(".txt")]
        for _ in _rows(texts[0], {}) if texts else ():
            break  # a text file without the header: _rows names the line it gave up at
        raise layout_error(
            str(path), None, "NCCI PTP text parts with a 'Column 1<TAB>Column 2' header", path.name
        )
    hospital = [p.name for p in parts if Path(p.name).name.lower().startswith("ccioph")]
    if hospital:
        # the outpatient hospital table shares the layout but not the edits
        raise layout_error(
            hospital[0], None, "the practitioner PTP edits (ccipra-...), not the outpatient "
            "hospital ones (ccioph-...)", Path(hospital[0]).name,
        )  # fmt: skip
    source = source_info(path, ", ".join(p.name for p in parts), "ncci-ptp-txt")
    if (again := unchanged_import(SYSTEM, source["sha256"])) is not None:
        return again
    name, start, end = _period(Path(parts[0].name).name, options)
    labels = []
    for part in parts:
        m = _PART.search(Path(part.name).name)
        labels.append(m.group(1).lower() if m else Path(part.name).stem.lower())
    source["part"] = "+".join(labels)

    def build(tmp: Path) -> dict[str, int]:
        counts: dict[str, int] = {}
        for part, label in zip(parts, labels, strict=True):
            file = f"ptp-{label}.sqlite"
            counts[file] = _write_part(part, tmp / file)
        return counts

    return save_vintage(
        SYSTEM, name, (start, end), build, source, merge_parts=True, total=("edits", ".sqlite")
    )


def _write_part(member: Member, target: Path) -> int:
    conn = sqlite3.connect(target)
    try:
        conn.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + SCHEMA)
        rationales: dict[str, int] = {}
        conn.executemany(
            "INSERT OR REPLACE INTO ptp VALUES (?, ?, ?, ?, ?, ?, ?)", _rows(member, rationales)
        )
        conn.executemany(
            "INSERT INTO rationale VALUES (?, ?)", [(i, t) for t, i in rationales.items()]
        )
        rows: int = conn.execute("SELECT count(*) FROM ptp").fetchone()[0]
        conn.commit()
    finally:
        conn.close()
    if rows == 0:
        raise layout_error(member.name, None, "at least one PTP edit row after the header", "none")
    return rows
