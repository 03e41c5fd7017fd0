"""The scrubber's reference tables: POS codes, modifiers, states, and code ranges as data."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from addin.codesets.store import shipped_root
from addin.errors import CodeSetError

# USPS codes for the states, DC, territories and military post offices (837P N402).
STATES: frozenset[str] = frozenset(
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "
    "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR VI GU AS MP AA AE AP".split()
)

# Relationship values the sheets accept (words or X12 individual relationship codes).
RELATIONSHIPS: frozenset[str] = frozenset(
    {"self", "18", "spouse", "01", "child", "19", "other", "g8", "employee", "20", "21", "unknown"}
)

# CPT Evaluation and Management section.
EM_RANGES: tuple[tuple[str, str], ...] = (("99202", "99499"),)
# Services that make a same-day E/M need modifier 25: procedures with a global surgery
# package (the surgery section), injections/infusions and wound care. Labs, radiology,
# vaccines and blood draws (venipuncture and specimen collection sit in the surgery range
# numerically but carry no global package) do not. With PFS global days imported this
# would come from the fee schedule; until then these ranges approximate it.
PROCEDURE_RANGES: tuple[tuple[str, str], ...] = (
    ("10004", "36399"),
    ("36426", "36590"),
    ("36601", "69990"),
    ("96360", "96549"),
    ("97597", "97610"),
)

# NCCI-associated modifiers also come from modifiers.tsv; these are the distinct-service ones
# that a biller is told to consider when a PTP edit with indicator 1 fires.
DISTINCT_MODIFIERS: tuple[str, ...] = ("59", "XE", "XS", "XP", "XU")


def in_ranges(code: str, ranges: tuple[tuple[str, str], ...]) -> bool:
    """A same-length code inside any inclusive (lo, hi) string range."""
    return any(len(code) == len(lo) and lo <= code <= hi for lo, hi in ranges)


def _read_tsv(path: Path) -> list[dict[str, str]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CodeSetError(f"{path}: cannot read the scrubber table ({exc}); reinstall") from None
    header = lines[0].split("\t")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) != len(header):
            raise CodeSetError(
                f"{path} line {number}: {len(cells)} columns, expected {len(header)}"
            )
        rows.append(dict(zip(header, cells, strict=True)))
    return rows


@dataclass(frozen=True, slots=True)
class PlaceOfService:
    """One CMS Place of Service code."""

    code: str
    name: str
    effective_from: date | None
    telehealth: bool


@functools.cache
def places_of_service() -> dict[str, PlaceOfService]:
    """The CMS POS list shipped in ``codesets/pos/pos.tsv``."""
    table: dict[str, PlaceOfService] = {}
    for row in _read_tsv(shipped_root() / "pos" / "pos.tsv"):
        start = row["effective_from"]
        table[row["code"]] = PlaceOfService(
            code=row["code"],
            name=row["name"],
            effective_from=date.fromisoformat(start) if start else None,
            telehealth=row["telehealth"] == "yes",
        )
    return table


@dataclass(frozen=True, slots=True)
class ModifierInfo:
    """A modifier the scrubber knows: CPT by number only, HCPCS with our own wording."""

    code: str
    kind: str
    group: str
    ncci_bypass: bool
    description: str


@functools.cache
def modifiers() -> dict[str, ModifierInfo]:
    """The modifiers shipped in ``codesets/modifiers/modifiers.tsv``."""
    return {
        row["modifier"]: ModifierInfo(
            code=row["modifier"],
            kind=row["kind"],
            group=row["group"],
            ncci_bypass=row["ncci_bypass"] == "yes",
            description=row["description"],
        )
        for row in _read_tsv(shipped_root() / "modifiers" / "modifiers.tsv")
    }


@functools.cache
def ncci_bypass_modifiers() -> frozenset[str]:
    """Modifiers that can bypass an NCCI PTP edit whose modifier indicator is 1."""
    return frozenset(code for code, info in modifiers().items() if info.ncci_bypass)


@functools.cache
def anatomic_modifiers() -> frozenset[str]:
    """Modifiers that name a body site or side (RT, LT, F1, TA, LC, E1, ...)."""
    return frozenset(
        code for code, info in modifiers().items() if info.group in ("anatomic", "laterality")
    )


@functools.cache
def icd_structure_rules() -> list[dict[str, str]]:
    """The rows of ``codesets/icd10cm_rules/structure.tsv`` (sex, age, manifestation)."""
    return _read_tsv(shipped_root() / "icd10cm_rules" / "structure.tsv")
