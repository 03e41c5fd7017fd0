"""Values as the 837P wants them: amounts without needless zeros, clean upper-case names, NDCs."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal
from functools import lru_cache

# X12 basic and extended character sets minus our four delimiters (* : ^ ~); names and
# addresses keep only the conservative subset clearinghouses accept.
_NAME_OK = re.compile(r"[^A-Z0-9 &'\-.,/#]")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=4096)
def amount(value: Decimal) -> str:
    """X12 R-type amount: ``100.00`` -> ``100``, ``40.50`` -> ``40.5``, ``0.00`` -> ``0``."""
    if value == value.to_integral_value():
        return str(int(value))
    text = format(value, "f").rstrip("0")
    return text[:-1] if text.endswith(".") else text


def quantity(value: Decimal) -> str:
    """Units as X12 writes them: ``1.000`` -> ``1``, ``1.50`` -> ``1.5``."""
    return amount(value)


def clean(text: str) -> str:
    """Upper-case, accents folded to ASCII, forbidden characters dropped, spaces collapsed."""
    if text.isascii():
        folded = text
    else:
        folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _SPACES.sub(" ", _NAME_OK.sub("", folded.upper())).strip()


@lru_cache(maxsize=8192)
def cleaned(text: str) -> tuple[str, bool]:
    """``clean(text)`` and whether that changed more than letter case and spacing."""
    out = clean(text)
    return out, out != _SPACES.sub(" ", text.upper()).strip()


@lru_cache(maxsize=4096)
def d8(day: date) -> str:
    """CCYYMMDD."""
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def icd(code: str) -> str:
    """ICD-10-CM without the dot, as X12 carries it."""
    return code.replace(".", "")


def ndc11(value: str) -> str | None:
    """An NDC in 11-digit 5-4-2 form, or None when it cannot be one.

    Hyphenated 10-digit labels (4-4-2, 5-3-2, 5-4-1) get the leading zero in the segment
    that lacks it, as CMS's NDC-to-HCPCS crosswalk does.
    """
    text = value.strip().replace(" ", "")
    parts = text.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        a, b, c = parts
        widths = (len(a), len(b), len(c))
        if widths == (5, 4, 2):
            return a + b + c
        if widths == (4, 4, 2):
            return "0" + a + b + c
        if widths == (5, 3, 2):
            return a + "0" + b + c
        if widths == (5, 4, 1):
            return a + b + "0" + c
        return None
    if text.isdigit() and len(text) == 11:
        return text
    return None


NDC_UNITS = ("F2", "GR", "ME", "ML", "UN")
_NDC_QTY = re.compile(r"^(F2|GR|ME|ML|UN)\s*(\d+(?:\.\d+)?)$")


def parse_ndc(value: str) -> tuple[str, str, str] | None:
    """``63323-0165-01`` or ``63323-0165-01 ML 2`` -> (11-digit NDC, unit, quantity or "").

    The unit and quantity (CTP05/CTP04) are optional; without them the line's units are sent
    as UN. None when the NDC cannot be read.
    """
    text = value.strip().upper()
    code, _, rest = text.partition(" ")
    ndc = ndc11(code)
    if ndc is None:
        return None
    rest = rest.strip()
    if not rest:
        return ndc, "UN", ""
    match = _NDC_QTY.match(rest)
    if match is None:
        return None
    return ndc, match.group(1), match.group(2)
