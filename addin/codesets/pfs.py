"""Medicare Physician Fee Schedule: import the RVU and GPCI files, price a service.

RVU file (``PPRRVUyy_JAN.csv`` in the CMS ``RVUyyA.zip``): title and copyright lines, then
column names split over two rows (``NON-FAC``/``PE RVU``, ``CONV``/``FACTOR``) around the
row that starts ``HCPCS, MOD, DESCRIPTION, STATUS CODE``; columns are found by their words
(WORK, NON-FAC PE, FACILITY PE, MP, PCTC, GLOB, CONV). Descriptions (CPT short
descriptors) are dropped on import. GPCI file (``GPCIyyyy.csv``): a title line, then ``Medicare
Administrative Contractor (MAC), State, Locality Number, Locality Name, yyyy PW GPCI ...,
yyyy PE GPCI, yyyy MP GPCI`` and footnotes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from addin.codesets._common import (
    ImportOptions,
    ImportResult,
    Member,
    SetCache,
    Staged,
    commit_all,
    csv_rows,
    discard,
    find_header,
    layout_error,
    members,
    norm,
    source_info,
    stage,
    unchanged_import,
)
from addin.codesets.store import VintageInfo
from addin.errors import CodeSetError, CodeSetImportError

SYSTEM = "pfs"
GPCI_SYSTEM = "gpci"
CENT = Decimal("0.01")
# Places of service paid at the facility rate (CMS PFS: facility setting POS codes).
FACILITY_POS = frozenset(
    {"02", "19", "21", "22", "23", "24", "26", "31", "34", "41", "42", "51", "52", "53", "56", "61"}
)
PAYABLE_STATUS = frozenset({"A", "R", "T"})
COMPONENT_MODIFIERS = frozenset({"26", "TC", "53"})
Tokens = set[str]
# Column tests on the words of a header (two header rows joined), tolerant of the wording
# CMS varies between years ("STATUS CODE" / "STATUS", "WORK RVU" / "WORK").
RVU_COLUMNS: dict[str, Callable[[Tokens], bool]] = {
    "code": lambda t: t == {"HCPCS"},
    "mod": lambda t: t == {"MOD"},
    "status": lambda t: "STATUS" in t,
    "work": lambda t: "WORK" in t,
    "nf_pe": lambda t: "NON-FAC" in t and "PE" in t,
    "nf_na": lambda t: "NON-FAC" in t and "NA" in t,
    "f_pe": lambda t: "FACILITY" in t and "PE" in t,
    "f_na": lambda t: "FACILITY" in t and "NA" in t,
    "mp": lambda t: "MP" in t and "TOTAL" not in t,
    "pctc": lambda t: "PCTC" in t,
    "glob": lambda t: "GLOB" in t,
    "cf": lambda t: "CONV" in t,
}
RVU_NAMES = {"work": "WORK RVU", "nf_pe": "NON-FAC PE RVU", "f_pe": "FACILITY PE RVU",
             "mp": "MP RVU", "cf": "CONV FACTOR"}  # fmt: skip
RVU_TITLES = {"code": "HCPCS", "mod": "MOD", "status": "STATUS CODE", "work": "WORK RVU",
              "nf_pe": "NON-FAC PE RVU", "nf_na": "NON-FAC NA INDICATOR",
              "f_pe": "FACILITY PE RVU", "f_na": "FACILITY NA INDICATOR", "mp": "MP RVU",
              "pctc": "PCTC IND", "glob": "GLOB DAYS", "cf": "CONV FACTOR"}  # fmt: skip
MONTHS = {"JAN": 1, "APR": 4, "JUL": 7, "OCT": 10}
_CODE = re.compile(r"^[0-9A-Z]{5}$")


@dataclass(frozen=True, slots=True)
class RvuRow:
    """One RVU line: a code (and modifier) with its relative values and payment indicators."""

    code: str
    modifier: str
    status: str
    work: Decimal
    nonfacility_pe: Decimal
    nonfacility_na: bool
    facility_pe: Decimal
    facility_na: bool
    mp: Decimal
    pctc: str
    global_days: str
    conversion_factor: Decimal


@dataclass(frozen=True, slots=True)
class Gpci:
    """Geographic practice cost indices of one Medicare payment locality."""

    mac: str
    state: str
    locality: str
    name: str
    work: Decimal
    pe: Decimal
    mp: Decimal


class RvuTable:
    def __init__(self, info: VintageInfo) -> None:
        self.info = info
        self.rows: dict[tuple[str, str], RvuRow] = {}
        path = info.path / "rvu.tsv"
        try:
            with path.open(encoding="utf-8") as handle:
                for line in handle:
                    f = line.rstrip("\n").split("\t")
                    row = RvuRow(
                        f[0], f[1], f[2], Decimal(f[3]), Decimal(f[4]), f[5] == "1",
                        Decimal(f[6]), f[7] == "1", Decimal(f[8]), f[9], f[10], Decimal(f[11]),
                    )  # fmt: skip
                    self.rows[(row.code, row.modifier)] = row
        except (OSError, ValueError, IndexError, InvalidOperation) as exc:
            raise CodeSetError(f"{path}: cannot read PFS RVUs ({exc}); re-import it") from None


class GpciTable:
    def __init__(self, info: VintageInfo) -> None:
        self.info = info
        self.localities: dict[str, Gpci] = {}
        path = info.path / "gpci.tsv"
        try:
            with path.open(encoding="utf-8") as handle:
                for line in handle:
                    f = line.rstrip("\n").split("\t")
                    g = Gpci(f[0], f[1], f[2], f[3], Decimal(f[4]), Decimal(f[5]), Decimal(f[6]))
                    self.localities[g.mac + g.locality] = g
        except (OSError, ValueError, IndexError, InvalidOperation) as exc:
            raise CodeSetError(f"{path}: cannot read GPCIs ({exc}); re-import it") from None

    def find(self, locality: str) -> Gpci | None:
        """``MAC+locality`` (``0111205`` or ``01112-05``), or a locality number unique in the
        file (``05`` only when one MAC uses it)."""
        key = locality.replace("-", "").replace(":", "").replace(" ", "")
        if key in self.localities:
            return self.localities[key]
        matches = [g for g in self.localities.values() if g.locality == key]
        return matches[0] if len(matches) == 1 else None


_rvus: SetCache[RvuTable] = SetCache(SYSTEM, RvuTable)
_gpcis: SetCache[GpciTable] = SetCache(GPCI_SYSTEM, GpciTable)


def is_loaded() -> bool:
    """True when both an RVU file and a GPCI file have been imported."""
    return _rvus.is_loaded() and _gpcis.is_loaded()


def rvu(code: str, modifier: str = "", on: date | None = None) -> RvuRow | None:
    """The RVU row of ``code`` with a component modifier (26/TC/53), else the global row.

    None when no imported RVU file covers ``on`` (unlike code lookups, no nearest file).
    """
    chosen = _rvus.choose(on)
    if chosen is None or not chosen[2]:
        return None  # prices from another period would be wrong, not approximately right
    rows = chosen[0].rows
    key = code.strip().upper()
    mod = modifier.strip().upper()
    if mod in COMPONENT_MODIFIERS:
        return rows.get((key, mod))
    return rows.get((key, ""))


def gpci(locality: str, on: date | None = None) -> Gpci | None:
    """The GPCIs of a locality in force on ``on``; None if unknown or no file covers ``on``."""
    chosen = _gpcis.choose(on)
    return chosen[0].find(locality) if chosen and chosen[2] else None


def expected_allowed(
    code: str, modifier: str, locality: str, pos: str, on: date | None
) -> Decimal | None:
    """The Medicare PFS amount for one unit, to the cent, or None when it cannot be priced.

    ((work RVU x work GPCI) + (PE RVU x PE GPCI) + (MP RVU x MP GPCI)) x conversion factor,
    with the facility PE when ``pos`` is a facility place of service (or the non-facility PE
    is not applicable). None: sets not imported, unknown code/locality, or a status that the
    PFS does not price (only A, R and T are).
    """
    row = rvu(code, modifier, on)
    area = gpci(locality, on)
    if row is None or area is None or row.status not in PAYABLE_STATUS:
        return None
    facility = pos.strip().zfill(2) in FACILITY_POS or row.nonfacility_na
    pe = row.facility_pe if facility else row.nonfacility_pe
    total = row.work * area.work + pe * area.pe + row.mp * area.mp
    return (total * row.conversion_factor).quantize(CENT, rounding=ROUND_HALF_UP)


# --- import -----------------------------------------------------------------------------


def _dec(value: str, where: str, line: int, what: str) -> str:
    text = value.strip() or "0"
    try:
        return str(Decimal(text))
    except InvalidOperation:
        raise layout_error(where, line, f"a number for {what}", value) from None


def _fragment(row: list[str]) -> bool:
    """A row that holds parts of column names: empty first cell, two or more words placed."""
    return bool(row) and not row[0] and sum(1 for c in row if c) >= 2


def parse_rvu(member: Member) -> tuple[list[str], str, Decimal]:
    """RVU rows as TSV lines (no descriptions), the title, and the main conversion factor.

    CMS spreads each column name over the rows above the ``HCPCS, MOD, ...`` row (the 2025
    files use four: ``NON-FAC`` / ``NA`` / ``INDICATOR`` stacked, with ``NON-FACILITY`` on
    the top row) or over one row below it (older files); every such row is joined, column by
    column, into one name.
    """
    where = member.name
    rows = csv_rows(member)
    title = ""
    header: list[str] | None = None
    above: list[list[str]] = []
    header_line = 0
    for line, row in rows:
        first = norm(row[0]) if row else ""
        if not title and "RELATIVE VALUE" in " ".join(norm(c) for c in row):
            title = " ".join(c for c in row if c)
        if first == "HCPCS" and len(row) > 2 and norm(row[1]) == "MOD":
            header, header_line = row, line
            break
        # the rows of column-name parts sit right above the HCPCS row
        above = [*above, row] if _fragment(row) else []
        if line >= 30:
            break
    if header is None:
        raise layout_error(where, None, "the RVU header 'HCPCS, MOD, DESCRIPTION, ...'", "none")
    span = len(header)
    parts = [(r + [""] * span)[:span] for r in above] + [list(header)]
    second = next(rows, None)
    data_first: tuple[int, list[str]] | None = None
    if second is not None and _fragment(second[1]) and not _CODE.match(second[1][0].upper()):
        parts.append((second[1] + [""] * span)[:span])
    else:
        data_first = second
    names = [norm(" ".join(cells)) for cells in zip(*parts, strict=True)]
    col: dict[str, int] = {}
    for key, test in RVU_COLUMNS.items():
        hits = [i for i, n in enumerate(names) if "OPPS" not in n and test(set(n.split()))]
        if len(hits) != 1:
            what = "no column" if not hits else f"{len(hits)} columns"
            raise layout_error(
                where, header_line, f"one RVU column for {RVU_TITLES[key]} ({what} found)", names
            )
        col[key] = hits[0]
    out: list[str] = []
    factors: dict[str, int] = {}
    width = max(col.values()) + 1

    def convert(line: int, row: list[str]) -> None:
        if not any(row):
            return
        if len(row) < width or not _CODE.match(row[col["code"]].upper()):
            raise layout_error(where, line, f"an RVU row: a HCPCS code and {width}+ columns", row)
        nums = {
            k: _dec(row[col[k]], where, line, RVU_NAMES[k])
            for k in ("work", "nf_pe", "f_pe", "mp", "cf")
        }
        factors[nums["cf"]] = factors.get(nums["cf"], 0) + 1
        fields = [
            row[col["code"]].upper(), row[col["mod"]].upper(), row[col["status"]].upper(),
            nums["work"], nums["nf_pe"], "1" if row[col["nf_na"]] else "",
            nums["f_pe"], "1" if row[col["f_na"]] else "", nums["mp"],
            row[col["pctc"]], row[col["glob"]], nums["cf"],
        ]  # fmt: skip
        out.append("\t".join(fields) + "\n")

    if data_first is not None:
        convert(*data_first)
    for line, row in rows:
        convert(line, row)
    if not out:
        raise layout_error(where, None, "RVU rows after the header", "none")
    main_cf = max(factors, key=lambda k: factors[k])
    return out, title, Decimal(main_cf)


def _is_gpci_header(row: list[str]) -> bool:
    first = norm(row[0]) if row else ""
    return first.startswith("MEDICARE ADMIN") or first in ("MAC", "CONTRACTOR", "CARRIER")


def parse_gpci(member: Member) -> tuple[list[str], int | None]:
    """GPCI rows as TSV lines and the year the header names."""
    where = member.name
    rows = csv_rows(member)
    found = find_header(rows, _is_gpci_header)
    if found is None:
        raise layout_error(
            where, None, "the GPCI header 'Medicare Administrative Contractor (MAC), State, ...'",
            "none",
        )  # fmt: skip
    header_line, header = found
    names = [norm(c) for c in header]

    def index(word: str) -> int:
        hits = [i for i, n in enumerate(names) if word in n]
        if not hits:
            raise layout_error(where, header_line, f"a GPCI column containing {word!r}", names)
        return hits[0]

    cols = [index("STATE"), index("LOCALITY NUMBER"), index("LOCALITY NAME"), index("PW GPCI"),
            index("PE GPCI"), index("MP GPCI")]  # fmt: skip
    year = re.search(r"(20\d\d)", names[cols[3]])
    out: list[str] = []
    for line, row in rows:
        if not any(row) or (row[0] and not row[0][0].isdigit() and sum(map(bool, row)) < 4):
            continue  # blank lines and footnotes
        if not re.fullmatch(r"\d{5}", row[0]) or len(row) <= max(cols):
            raise layout_error(where, line, "a GPCI row: a 5-digit MAC and the GPCI columns", row)
        state, loc, name, pw, pe, mp = (row[i] for i in cols)
        nums = [_dec(v, where, line, "a GPCI") for v in (pw, pe, mp)]
        out.append("\t".join([row[0], state, loc.zfill(2), name, *nums]) + "\n")
    if not out:
        raise layout_error(where, None, "GPCI rows after the header", "none")
    return out, int(year.group(1)) if year else None


def _kind_of(member: Member) -> str | None:
    if not member.name.lower().endswith(".csv"):
        return None
    head = " ".join(member.head(8192).decode("cp1252", errors="replace").upper().split())
    if "PCTC" in head and "HCPCS,MOD" in head.replace(" ", ""):
        return "rvu"
    if "LOCALITY NAME" in head and "GPCI" in head:
        return "gpci"
    return None


def find_members(path: Path) -> dict[str, Member]:
    """The RVU and GPCI CSVs found in ``path`` (either or both)."""
    found: dict[str, Member] = {}
    for m in members(path):
        kind = _kind_of(m)
        # the non-QPP RVU file (most practices) is preferred when both are in the zip
        if kind and (kind not in found or "NONQPP" in m.name.upper()):
            found[kind] = m
    return found


def _rvu_period(name: str, title: str, options: ImportOptions) -> tuple[str, date, date]:
    if options.effective_from is not None:
        start = options.effective_from
    else:
        text = f"{Path(name).stem} {title}".upper()
        year = re.search(r"(20\d\d) NATIONAL", text) or re.search(r"PPRRVU(\d{4}|\d\d)(?!\d)", text)
        month = next((m for k, m in MONTHS.items() if k in text), 1)
        if year is None:
            raise CodeSetImportError(
                f"{name}: cannot tell the PFS year (title 'yyyy National Physician Fee Schedule"
                " ...' or a name PPRRVUyy_MON.csv); pass --effective YYYY-MM-DD"
            )
        y = int(year.group(1))
        start = date(y if y > 100 else 2000 + y, month, 1)
    end = options.effective_to or date(start.year, 12, 31)
    # from 2026 CMS ships two RVU files with two conversion factors: QPP and non-QPP
    qpp = "-QPP" if "QPP" in name.upper() and "NONQPP" not in name.upper() else ""
    return f"CY{start.year}-{start.strftime('%b').upper()}{qpp}", start, end


def import_pfs(path: Path, options: ImportOptions | None = None) -> ImportResult:
    """Import the PFS RVU CSV and/or GPCI CSV (or the CMS RVU zip that holds both).

    Both files are read and checked before either is stored, and the two vintages are
    swapped in together: a zip whose RVU file fails leaves no GPCI import behind.
    """
    options = options or ImportOptions()
    path = Path(path)
    found = find_members(path)
    if not found:
        raise layout_error(
            str(path), None, "a PFS RVU CSV (PPRRVU...) or a GPCI CSV (GPCIyyyy.csv)", path.name
        )
    staged: list[Staged] = []
    again: list[ImportResult] = []
    try:
        for kind, stager in (("gpci", _stage_gpci), ("rvu", _stage_rvu)):
            if kind in found:
                done = stager(path, found[kind], options)
                if isinstance(done, Staged):
                    staged.append(done)
                else:
                    again.append(done)
    except BaseException:
        discard(staged)
        raise
    results = [*again, *commit_all(staged)]
    # the RVU vintage is the answer when the zip held both (it names the PFS period)
    return next((r for r in results if r.system == SYSTEM), results[0])


def _stage_rvu(path: Path, member: Member, options: ImportOptions) -> Staged | ImportResult:
    source = source_info(path, member.name, "pfs-rvu-csv", part="rvu")
    if (again := unchanged_import(SYSTEM, source["sha256"])) is not None:
        return again
    lines, title, cf = parse_rvu(member)
    name, start, end = _rvu_period(member.name, title, options)
    codes = len({line.split("\t", 1)[0] for line in lines})

    def build(tmp: Path) -> dict[str, int]:
        (tmp / "rvu.tsv").write_text("".join(lines), encoding="utf-8")
        return {"rows": len(lines), "codes": codes, "rvu.tsv": len(lines)}

    extra = {"conversion_factor": str(cf), "title": title}
    return stage(SYSTEM, name, (start, end), build, source, extra=extra)


def _stage_gpci(path: Path, member: Member, options: ImportOptions) -> Staged | ImportResult:
    source = source_info(path, member.name, "pfs-gpci-csv", part="gpci")
    if (again := unchanged_import(GPCI_SYSTEM, source["sha256"])) is not None:
        return again
    lines, year = parse_gpci(member)
    if options.effective_from is not None:
        start = options.effective_from
    elif year is not None:
        start = date(year, 1, 1)
    else:
        raise CodeSetImportError(
            f"{member.name}: cannot tell the GPCI year; pass --effective YYYY-MM-DD"
        )
    end = options.effective_to or date(start.year, 12, 31)

    def build(tmp: Path) -> dict[str, int]:
        (tmp / "gpci.tsv").write_text("".join(lines), encoding="utf-8")
        return {"localities": len(lines), "gpci.tsv": len(lines)}

    return stage(GPCI_SYSTEM, f"CY{start.year}", (start, end), build, source)
