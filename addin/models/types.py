"""Field types shared by the models: money, codes, NPIs and the small code lists."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, PlainSerializer

CENT = Decimal("0.01")
# Claimbook's limits for a service line, well inside the 837P's elements (SV102 charge is
# R 1/18, SV104 units R 1/15; X12 leaves tighter limits to each business): a line charge of
# ten million dollars or more, or a unit count of a hundred million or more, is a typo or a
# pasted number, not a service. Units carry at most three decimals, the 837P guide's rule
# for SV104.
MAX_CHARGE = Decimal("9999999.99")
MAX_UNITS = Decimal("99999999.999")
UNIT_PLACES = 3


def shown(number: Decimal) -> str:
    """A number for a message: 1,234.5 as typed, 1.00E+308 rather than 309 digits."""
    if number.is_finite() and number.adjusted() > 15:
        return f"{number:.2E}"
    return f"{number:,f}" if number.is_finite() else str(number)


def units_problem(units: Decimal | int | float) -> str | None:
    """Why ``units`` cannot go on a claim line, or None when it can."""
    units = units if isinstance(units, Decimal) else Decimal(repr(units))
    if not units.is_finite():
        return f"{units} is not a number of units"
    if units <= 0:
        return f"units {shown(units)} is not a positive number"
    if units > MAX_UNITS:
        return f"units {shown(units)} is over the limit of {MAX_UNITS:,} units on one line"
    exponent = units.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > UNIT_PLACES:
        return (
            f"units {units} has more than {UNIT_PLACES} decimal places, more than an 837P carries"
        )
    return None


def charge_problem(charge: Decimal | int | float) -> str | None:
    """Why ``charge`` cannot be a line's charge, or None when it can."""
    charge = charge if isinstance(charge, Decimal) else Decimal(repr(charge))
    if not charge.is_finite():
        return f"{charge} is not an amount"
    if charge < 0:
        return f"charge {shown(charge)} is negative"
    if charge > MAX_CHARGE:
        return f"charge {shown(charge)} is over the limit of {MAX_CHARGE:,} for one line"
    return None


Sex = Literal["M", "F", "U"]
Severity = Literal["error", "warning", "info"]
AdjustmentGroup = Literal["CO", "PR", "OA", "PI", "CR"]
ClaimFrequency = Literal["1", "7", "8"]


_THOUSANDS = re.compile(r"[-+]?\d{1,3}(,\d{3})+(\.\d*)?")


def to_decimal(value: Any) -> Decimal:
    """Return ``value`` as an exact Decimal; floats go through ``repr`` so 0.1 stays 0.1."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not an amount")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        text = value.strip().replace("$", "").replace("\u00a0", "")
        if text.startswith("(") and text.endswith(")"):  # accounting negative
            text = "-" + text[1:-1]
        if "," in text:
            # thousands separators only: '125,50' is a decimal comma, never 12550
            if not _THOUSANDS.fullmatch(text):
                raise ValueError(
                    f"{value!r} is not an amount: use a decimal point (125.50) and commas only "
                    "between thousands (1,250.00)"
                )
            text = text.replace(",", "")
        try:
            return Decimal(text)
        except InvalidOperation:
            raise ValueError(f"{value!r} is not an amount") from None
    raise ValueError(f"{value!r} is not an amount")


def _money(value: Any) -> Decimal:
    amount = to_decimal(value)
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not a finite amount")
    try:
        if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
            raise ValueError(f"{value!r} has more than two decimal places")
        return amount.quantize(CENT)
    except ArithmeticError:  # more digits than any amount (1E+308): quantize overflows
        raise ValueError(f"{shown(amount)} is too large to be an amount") from None


def money(value: Any) -> Decimal:
    """Parse an amount to a two-place Decimal; more than two places is an error, not rounding."""
    return _money(value)


Money = Annotated[
    Decimal,
    BeforeValidator(_money),
    PlainSerializer(lambda d: f"{d:.2f}", return_type=str, when_used="json"),
]


def _strip_excel_number(value: Any) -> str:
    """Codes typed as numbers reach us as floats: 99213.0 -> '99213'."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a code")
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a code")
    return _clean_code_text(value)


# Codes repeat across a workbook's rows (a clinic bills a few hundred codes), and every model
# built from them normalises them again: the text rules below are pure, so each distinct text
# is worked out once per process (bounded, so a huge book cannot grow them without limit).
_DOT_ZEROS = re.compile(r"\d+\.0+")
_SPACE_OR_DOT = re.compile(r"[\s.]")
_SPACE = re.compile(r"\s")
_SPACE_OR_DASH = re.compile(r"[\s-]")


@lru_cache(maxsize=1 << 16)
def _clean_code_text(value: str) -> str:
    text = value.replace("\u00a0", " ").strip().upper()
    if _DOT_ZEROS.fullmatch(text):
        text = text.split(".", 1)[0]
    return text


_ICD_RE = re.compile(r"^[A-Z][0-9][0-9A-Z]([0-9A-Z]{1,4})?$")


def normalize_icd10(value: Any) -> str:
    """Normalise an ICD-10-CM code: ``e119``, ``E11 .9``, ``E119`` -> ``E11.9``.

    Text that cannot be an ICD-10 code is returned upper-cased and stripped, so that a
    lookup can say "not found" with the value the user typed.
    """
    return _icd10_text(_strip_excel_number(value))


@lru_cache(maxsize=1 << 16)
def _icd10_text(text: str) -> str:
    compact = _SPACE_OR_DOT.sub("", text)
    if not _ICD_RE.match(compact):
        return text
    return compact if len(compact) == 3 else f"{compact[:3]}.{compact[3:]}"


@lru_cache(maxsize=1 << 16)
def _no_space(text: str) -> str:
    return _SPACE.sub("", text)


def normalize_procedure(value: Any) -> str:
    """Normalise a CPT/HCPCS code: ``99213.0`` -> ``99213``, `` j3301 `` -> ``J3301``."""
    return _no_space(_strip_excel_number(value))


def normalize_modifier(value: Any) -> str:
    """Normalise a modifier: ``rt`` -> ``RT``, ``25.0`` -> ``25``."""
    return _no_space(_strip_excel_number(value))


def normalize_digits(value: Any) -> str:
    """NPIs, ZIPs, tax IDs: digits as text. A float such as 1234567893.0 becomes its digits.

    Leading zeros that Excel dropped are not restored here: the scrubber flags them.
    """
    return _digits_text(_strip_excel_number(value))


@lru_cache(maxsize=1 << 16)
def _digits_text(text: str) -> str:
    return _SPACE_OR_DASH.sub("", text)


IcdCode = Annotated[str, BeforeValidator(normalize_icd10)]
ProcedureCode = Annotated[str, BeforeValidator(normalize_procedure)]
Modifier = Annotated[str, BeforeValidator(normalize_modifier)]
Digits = Annotated[str, BeforeValidator(normalize_digits)]
