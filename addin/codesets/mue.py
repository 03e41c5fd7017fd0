"""Medically Unlikely Edits (MUE): import the CMS practitioner services CSV, look limits up.

CMS layout (``MCR_MUE_PractitionerServices_Eff_MM-DD-YYYY.csv``): a few copyright lines,
then the header ``HCPCS/CPT Code, Practitioner Services MUE Values, MUE Adjudication
Indicator, MUE Rationale``; the indicator reads like ``2 Date of Service Edit: Policy``.
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
    find_header,
    layout_error,
    members,
    norm,
    quarter_range,
    save_vintage,
    source_info,
    unchanged_import,
)
from addin.codesets.store import VintageInfo
from addin.errors import CodeSetError, CodeSetImportError

SYSTEM = "mue"
CODE = re.compile(r"^[0-9A-Z]{5}$")
MAI_TEXT = {
    "1": "Line Edit",
    "2": "Date of Service Edit: Policy",
    "3": "Date of Service Edit: Clinical",
}
_EFF = re.compile(r"Eff_(\d\d)-(\d\d)-(\d{4})|Eff_(\d{4})-(\d\d)-(\d\d)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class MueEdit:
    """The most units of a code one practitioner reports for a patient on a date of service.

    MAI 1 applies per claim line; 2 (policy) and 3 (clinical) per date of service.
    """

    code: str
    value: int
    mai: str
    rationale: str
    vintage: str
    in_vintage: bool

    @property
    def mai_text(self) -> str:
        return MAI_TEXT.get(self.mai, "")

    @property
    def per_day(self) -> bool:
        return self.mai in ("2", "3")


class MueTable:
    """One imported MUE file."""

    def __init__(self, info: VintageInfo) -> None:
        self.info = info
        self.limits: dict[str, tuple[int, str, str]] = {}
        path = info.path / "mue.tsv"
        try:
            with path.open(encoding="utf-8") as handle:
                for line in handle:
                    code, value, mai, rationale = line.rstrip("\n").split("\t")
                    self.limits[code] = (int(value), mai, rationale)
        except (OSError, ValueError) as exc:
            raise CodeSetError(f"{path}: cannot read MUE limits ({exc}); re-import it") from None


_cache: SetCache[MueTable] = SetCache(SYSTEM, MueTable)


def is_loaded() -> bool:
    """True when an MUE file has been imported."""
    return _cache.is_loaded()


def outdated(on: date) -> VintageInfo | None:
    """The imported MUE file that answers for ``on`` without covering it (a quarter or year
    before or after the date of service), or None when one covers it or none is imported."""
    return _cache.outdated(on)


def limit(code: str, on: date | None = None) -> MueEdit | None:
    """The practitioner MUE of ``code`` for ``on``; None when the code has none or no MUE
    file is imported (tell them apart with ``is_loaded``)."""
    chosen = _cache.choose(on)
    if chosen is None:
        return None
    table, info, covers = chosen
    key = code.strip().upper()
    found = table.limits.get(key)
    if found is None:
        return None
    return MueEdit(key, found[0], found[1], found[2], info.name, covers)


# --- import -----------------------------------------------------------------------------


def _is_header(row: list[str]) -> bool:
    cells = [norm(c) for c in row]
    return len(cells) >= 3 and "HCPCS" in cells[0] and "MUE" in cells[1]


def find_member(path: Path) -> Member | None:
    """The practitioner MUE CSV of a distribution (a zip or the CSV itself)."""
    found = None
    for m in members(path):
        if not m.name.lower().endswith(".csv"):
            continue
        head = m.head(8192).decode("cp1252", errors="replace").upper()
        if "MUE" in head and "HCPCS" in head:
            if "PRACTITIONER" in head:
                return m
            found = found or m
    return found


def _other_table(where: str, line: int, found: str, table: str) -> str:
    """Why an MUE table other than the practitioner one is refused, and what to take."""
    name = Path(where).name
    eff = _EFF.search(name)
    sibling = f"MCR_MUE_PractitionerServices_{eff.group(0)}.csv" if eff else (
        "MCR_MUE_PractitionerServices_Eff_MM-DD-YYYY.csv")  # fmt: skip
    if "HOSPITAL" in table:
        whose = "hospital outpatient claims (the 837I a hospital sends)"
    elif "DME" in table:
        whose = "claims DME suppliers send to the DME MACs"
    else:
        whose = "another kind of claim"
    return (
        f"{where}, line {line}: this is the CMS {found!r} table, which CMS applies to "
        f"{whose}; Claimbook checks a practice's professional claims (837P), which CMS edits "
        f"with the Practitioner Services table. Nothing was imported; import {sibling} from "
        "the same CMS MUE release instead"
    )


def parse(member: Member) -> list[str]:
    """The rows of the MUE CSV as ``code<TAB>value<TAB>mai<TAB>rationale`` lines."""
    where = member.name
    rows = csv_rows(member)
    header = find_header(rows, _is_header, within=60)  # the notice is one multi-line cell
    if header is None:
        raise layout_error(
            where,
            None,
            "a header 'HCPCS/CPT Code, Practitioner Services MUE Values, MUE Adjudication "
            "Indicator, MUE Rationale' in the first 60 lines",
            "none",
        )
    table = norm(header[1][1])
    if "PRACTITIONER" not in table:
        # the DME supplier and outpatient hospital tables share the layout, not the limits
        raise CodeSetImportError(_other_table(where, header[0], header[1][1], table))
    out: list[str] = []
    seen: set[str] = set()
    for line, row in rows:
        if not any(row):
            continue
        if len(row) < 4:
            raise layout_error(where, line, "4 columns: code, MUE value, MAI, rationale", row)
        code, value, mai, rationale = row[0].upper(), row[1], row[2], row[3]
        if not CODE.match(code):
            raise layout_error(where, line, "a 5-character HCPCS/CPT code", row[0])
        if not value.isdigit():
            raise layout_error(where, line, "a whole number of units (MUE value)", value)
        if mai[:1] not in MAI_TEXT:
            raise layout_error(where, line, "an MUE adjudication indicator 1, 2 or 3", mai)
        if code in seen:
            raise layout_error(where, line, f"one row per code ({code} is listed twice)", row)
        seen.add(code)
        out.append(f"{code}\t{int(value)}\t{mai[0]}\t{rationale.replace(chr(9), ' ')}\n")
    if not out:
        raise layout_error(where, None, "MUE rows after the header", "none")
    return out


def _period(name: str, options: ImportOptions) -> tuple[str, date, date]:
    if options.effective_from is not None:
        start = options.effective_from
    else:
        match = _EFF.search(name)
        if match is None:
            raise CodeSetImportError(
                f"{name}: cannot tell the MUE quarter from the name (..._Eff_MM-DD-YYYY.csv);"
                " pass --effective YYYY-MM-DD"
            )
        g = match.groups()
        y, m, d = (int(g[2]), int(g[0]), int(g[1])) if g[0] else (int(g[3]), int(g[4]), int(g[5]))
        start = date(y, m, d)
    end = options.effective_to or quarter_range(start.year, (start.month - 1) // 3 + 1)[1]
    return f"MUE-{start.isoformat()}", start, end


def import_mue(path: Path, options: ImportOptions | None = None) -> ImportResult:
    """Import a CMS practitioner services MUE CSV (or its zip) as a quarterly vintage."""
    options = options or ImportOptions()
    path = Path(path)
    member = find_member(path)
    if member is None:
        csvs = [m for m in members(path) if m.name.lower().endswith(".csv")]
        if not csvs:
            raise layout_error(str(path), None, "the CMS practitioner MUE CSV", path.name)
        member = csvs[0]  # parse() names the line where the layout breaks
    source = source_info(path, member.name, "mue-practitioner-csv", part="mue")
    if (again := unchanged_import(SYSTEM, source["sha256"])) is not None:
        return again
    lines = parse(member)
    name, start, end = _period(Path(member.name).name, options)

    def build(tmp: Path) -> dict[str, int]:
        (tmp / "mue.tsv").write_text("".join(lines), encoding="utf-8")
        return {"codes": len(lines), "mue.tsv": len(lines)}

    return save_vintage(SYSTEM, name, (start, end), build, source)
