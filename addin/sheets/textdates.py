"""Dates typed as text with two numbers and a year: which is the day and which the month.

'01.07.2026' is 7 January or 1 July; one value cannot tell, but its column often can (a
'13.07.2026' elsewhere in it is day first). Nothing ambiguous is ever guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from addin.models.types import Severity

# A problem found in a value: (rule, severity, message after "where: ", fix).
Problem = tuple[str, Severity, str, str]
Converted = tuple[Any, Problem | None]

# Two numbers and a year (01/07/2026, 13.07.2026, 7-1-26): day or month first cannot be
# told from one value when both numbers are 12 or less.
_DAY_MONTH = re.compile(r"(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})")
DateOrder = Literal["MDY", "DMY"]
_ORDER_TEXT = {"MDY": "month first (MM{0}DD{0}YYYY)", "DMY": "day first (DD{0}MM{0}YYYY)"}


def _spoken(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def day_month(text: str) -> tuple[int, int, int, str] | None:
    """'01.07.2026' -> (1, 7, 2026, '.'): the two leading numbers, the year (two digits
    become 19xx/20xx as strptime reads them) and the separator; None for other text."""
    found = _DAY_MONTH.fullmatch(text)
    if found is None:
        return None
    first, sep, second, year = found.groups()
    full = int(year) if len(year) == 4 else datetime.strptime(year, "%y").year
    return int(first), int(second), full, sep


def _from_parts(month: int, day: int, year: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def day_month_date(
    text: str, parts: tuple[int, int, int, str], order: DateOrder | None
) -> Converted:
    first, second, year, _ = parts
    as_mdy, as_dmy = _from_parts(first, second, year), _from_parts(second, first, year)
    if as_mdy is None and as_dmy is None:
        return None, ("READ-DATE", "error", f"{text!r} is not a date",
                      "use YYYY-MM-DD, MM/DD/YYYY or an Excel date")  # fmt: skip
    if as_mdy is None or as_dmy is None or as_mdy == as_dmy:
        return as_mdy or as_dmy, None
    if order == "MDY":
        return as_mdy, None
    if order == "DMY":
        return as_dmy, None
    return None, (
        "READ-DATE-AMBIGUOUS",
        "error",
        f"{text!r} can be {_spoken(as_mdy)} (month first) or {_spoken(as_dmy)} (day first)",
        "type the date as YYYY-MM-DD (e.g. " + as_mdy.isoformat() + ") or enter it as an "
        "Excel date",
    )


@dataclass
class ColumnDates:
    """How a column's text dates are ordered, from the values that show it (13/07 can only
    be day first): ``order`` is None when no value shows it or values disagree."""

    order: DateOrder | None = None
    evidence: dict[DateOrder, tuple[int, str]] = field(default_factory=dict)  # -> row, text
    ambiguous: list[tuple[int, str]] = field(default_factory=list)

    def statement(self, sheet: str, header: str) -> Problem | None:
        """An info (or a warning when values disagree) saying how the column is read."""
        if len(self.evidence) == 2:
            (r1, t1), (r2, t2) = self.evidence["MDY"], self.evidence["DMY"]
            return ("READ-DATE-ORDER", "warning",
                    f"({header}) mixes month-first dates ({t1!r}, row {r1}) and day-first dates "
                    f"({t2!r}, row {r2}); dates that read both ways are not used",
                    "type the dates as YYYY-MM-DD or enter them as Excel dates")  # fmt: skip
        if self.order is None or (self.order == "MDY" and not self.ambiguous):
            return None
        row, text = self.evidence[self.order]
        parts = day_month(text.split(" ")[0])
        how = _ORDER_TEXT[self.order].format(parts[3] if parts else "/")
        message = f"({header}): dates typed as text are read {how}, as {text!r} on row {row} shows"
        if self.ambiguous:
            arow, atext = self.ambiguous[0]
            parts = day_month(atext.split(" ")[0])
            assert parts is not None
            read, _ = day_month_date(atext, parts, self.order)
            message += (
                f"; {len(self.ambiguous)} date(s) that could be read either way were read so, "
                f"e.g. {atext!r} on row {arow} as {_spoken(read)}"
            )
        return ("READ-DATE-ORDER", "info", message,
                "check the dates; YYYY-MM-DD or Excel dates leave no doubt")  # fmt: skip


def column_dates(values: list[tuple[int, Any]]) -> ColumnDates:
    """Scan one column's (row, raw value) pairs for text dates that show their order."""
    found = ColumnDates()
    seen: set[str] = set()
    for row, raw in values:
        if raw.__class__ is not str or raw in seen:
            continue
        seen.add(raw)
        value = " ".join(raw.split())
        parts = day_month(value.split(" ")[0])
        if parts is None:
            continue
        first, second, year, _ = parts
        mdy, dmy = _from_parts(first, second, year), _from_parts(second, first, year)
        if mdy is not None and dmy is None:
            found.evidence.setdefault("MDY", (row, value))
        elif dmy is not None and mdy is None:
            found.evidence.setdefault("DMY", (row, value))
        elif mdy is not None and dmy is not None and mdy != dmy:
            found.ambiguous.append((row, value))
    if len(found.evidence) == 1:
        found.order = next(iter(found.evidence))
    return found
