"""Typed values from register cells as a workbook gives them back (Excel may retype them)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from operator import itemgetter
from typing import Any

from addin.errors import WorkbookError
from addin.models import SheetRows
from addin.models.remittance import ZERO

CENT = Decimal("0.01")


def as_text(value: Any) -> str:
    """Text as written; a number Excel made of a code comes back without '.0'."""
    if value.__class__ is str:
        # most cells: printable text (so no whitespace but ' ') without a double space
        # needs only its ends trimmed; what " ".join(value.split()) gives, at a fraction
        if value.isprintable() and "  " not in value:
            return value.strip()
        return " ".join(value.split())
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return " ".join(str(value).split())


def as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = as_text(value)
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def as_money(value: Any) -> Decimal:
    """Two-place Decimal from a number cell (a float rounded to the cent) or text."""
    if value is None or value == "":
        return ZERO
    try:
        number = Decimal(str(value).replace("$", "").replace(",", "").strip())
    except InvalidOperation:
        return ZERO
    if not number.is_finite():
        return ZERO
    try:
        return number.quantize(CENT)
    except InvalidOperation:  # more digits than any amount (1E+300): unreadable, as 'abc'
        return ZERO


def as_int(value: Any) -> int:
    try:
        return int(Decimal(str(value)))
    except (InvalidOperation, ValueError, OverflowError):  # 'abc', NaN, 'inf'
        return 0


def columns(sheet: SheetRows, names: Sequence[str]) -> list[Sequence[Any]]:
    """The values under each header in ``names``, row by row (None where a row is short or
    the sheet has no such header): what ``sheet.records()`` gives under those keys, a column
    at a time, without a dict per row. A header is matched as written, as there; of two
    columns with the same header the last is read, as there."""
    at = header_index(sheet)
    wanted = [at.get(name) for name in names]
    present = sorted({i for i in wanted if i is not None})
    rows = [cells for _, cells in sheet.rows]
    picked: dict[int, Sequence[Any]] = {}
    if len(present) > 1 and rows and min(map(len, rows)) > present[-1]:
        # every row is long enough (as read_book gives them): pick the cells row by row
        # and turn them into columns in C
        columns_ = zip(*map(itemgetter(*present), rows), strict=True)
        picked = dict(zip(present, columns_, strict=True))
    else:
        picked = {i: [cells[i] if i < len(cells) else None for cells in rows] for i in present}
    none = [None] * len(rows)
    return [none if i is None else picked[i] for i in wanted]


def require_keys(
    sheet: SheetRows, keys: Sequence[str], remembers: str, known: Collection[str] = ()
) -> None:
    """A WorkbookError when a register's row 1 lacks a column Claimbook keys it by. Read
    without it, the register would look empty (or every row changed), and the run would
    send, post or file again what it ``remembers``. A sheet with nothing in it at all is an
    empty register (the run writes its header)."""
    at = header_index(sheet)
    missing = [name for name in keys if name not in at]
    if not missing or (not at and not sheet.rows):
        return
    # what stands in row 1 that Claimbook did not write there: the likely retyped header
    strange = [h for h in sheet.headers if h and h not in known]
    raise header_lost(
        sheet.name, missing, strange,
        f"Claimbook reads this register to know what it already {remembers}; read without "
        "that column it would take that for missing",
    )  # fmt: skip


def header_lost(
    sheet: str, missing: Sequence[str], strange: Sequence[str], why: str
) -> WorkbookError:
    """The error for a sheet whose key header is gone from row 1: which header, what stands
    there instead that Claimbook did not write (``strange``), ``why`` the run cannot go on,
    and what to type back."""
    shown = ", ".join(repr(h) for h in strange[:5])
    found = f" ({shown} in row 1 is not a header Claimbook wrote)" if strange else ""
    return WorkbookError(
        f"{sheet}: row 1 has no {' or '.join(repr(m) for m in missing)} column{found}. {why}, "
        f"so Claimbook stops here and writes nothing. Type "
        f"{' and '.join(repr(m) for m in missing)} back into row 1 as Claimbook wrote it"
    )


def header_index(sheet: SheetRows) -> dict[str, int]:
    """Header as written -> the 0-based column ``records()`` reads it from (the last of two
    with the same header), in the order ``records()`` keys a row."""
    at: dict[str, int] = {}
    for i, header in enumerate(sheet.headers):
        if header:
            at[header] = i
    return at


def others(sheet: SheetRows, known: Collection[str]) -> list[dict[str, Any]]:
    """Each row's values under the headers not in ``known``, as ``records()`` keys them."""
    rest = [(h, i) for h, i in header_index(sheet).items() if h not in known]
    if not rest:
        return [{} for _ in sheet.rows]
    return [{h: cells[i] if i < len(cells) else None for h, i in rest} for _, cells in sheet.rows]


def texts(values: Iterable[Any]) -> list[str]:
    """``as_text`` of each value (a column of them)."""
    return [
        v.strip() if v.__class__ is str and v.isprintable() and "  " not in v else as_text(v)
        for v in values
    ]


def dates(values: Iterable[Any]) -> list[date | None]:
    """``as_date`` of each value: a date cell is taken as it is."""
    return [v if v.__class__ is date else as_date(v) for v in values]
