"""Typed values from register cells as a workbook gives them back (Excel may retype them)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from addin.models.remittance import ZERO

CENT = Decimal("0.01")


def as_text(value: Any) -> str:
    """Text as written; a number Excel made of a code comes back without '.0'."""
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
    return number.quantize(CENT)


def as_int(value: Any) -> int:
    try:
        return int(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return 0
