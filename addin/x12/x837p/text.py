"""Values as the 837P wants them: amounts without needless zeros, clean upper-case names, NDCs."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

# X12 basic and extended character sets minus our four delimiters (* : ^ ~); names and
# addresses keep only the conservative subset clearinghouses accept.
_NAME_OK = re.compile(r"[^A-Z0-9 &'\-.,/#]")
_SPACES = re.compile(r"\s+")
#: Latin letters and typography that Unicode decomposition does not reduce to ASCII, with
#: the spelling payers' systems use (Ø -> O, ß -> SS, Æ -> AE, curly apostrophe -> ').
_LATIN = str.maketrans(
    {
        "Æ": "AE", "Œ": "OE", "Ø": "O", "Ł": "L", "Đ": "D", "Ð": "D", "Þ": "TH", "Ħ": "H",
        "Ŧ": "T", "Ŋ": "NG", "ẞ": "SS", "ß": "SS", "ı": "I", "ĸ": "K", "ſ": "S",
        "\u2018": "'", "\u2019": "'", "\u201b": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u00a0": " ", "\u2007": " ", "\u2009": " ", "\u202f": " ",
    }
)  # fmt: skip


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


@dataclass(frozen=True, slots=True)
class NameText:
    """A name or address as X12 carries it, and what changed on the way.

    ``folded``: accented or special Latin letters spelled in A-Z (Núñez -> NUNEZ), which
    payers do themselves; ``dropped``: other characters left out (brackets, symbols);
    ``foreign``: letters of another script (Arabic, Hebrew, Han ...) that have no safe
    spelling in A-Z and were left out: the name cannot be sent as typed.
    """

    text: str
    folded: bool = False
    dropped: str = ""
    foreign: str = ""

    @property
    def changed(self) -> bool:
        return self.folded or bool(self.dropped or self.foreign)

    @property
    def scripts(self) -> list[str]:
        """The scripts of the foreign letters, as Unicode names them (ARABIC, HEBREW, CJK)."""
        names = (unicodedata.name(ch, "OTHER").split()[0] for ch in self.foreign)
        return list(dict.fromkeys(names))


@lru_cache(maxsize=8192)
def name_text(text: str) -> NameText:
    """``text`` upper-cased for X12, accented Latin spelled in A-Z, the rest left out and
    said (see :class:`NameText`)."""
    upper = _SPACES.sub(" ", text.upper()).strip()
    if upper.isascii() and not _NAME_OK.search(upper):
        return NameText(upper)
    out: list[str] = []
    folded = False
    dropped: list[str] = []
    foreign: list[str] = []
    for ch in upper:
        if ch.isascii():
            if _NAME_OK.match(ch) is None:
                out.append(ch)
            elif ch.isspace():
                out.append(" ")
            else:
                dropped.append(ch)
            continue
        spelled = ch.translate(_LATIN)
        if spelled == ch:
            base = "".join(
                c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)
            ).upper()
            spelled = base if base.isascii() and base and not _NAME_OK.search(base) else ""
        if spelled:
            out.append(spelled)
            folded = True
        elif unicodedata.category(ch).startswith("L"):
            foreign.append(ch)
        elif ch.isspace():
            out.append(" ")
        else:
            dropped.append(ch)
    clean_text = _SPACES.sub(" ", "".join(out)).strip()
    return NameText(clean_text, folded, "".join(dropped), "".join(foreign))


def clean(text: str) -> str:
    """Upper-case, accents folded to ASCII, forbidden characters dropped, spaces collapsed."""
    return name_text(text).text


def cleaned(text: str) -> tuple[str, bool]:
    """``clean(text)`` and whether that changed more than letter case and spacing."""
    result = name_text(text)
    return result.text, result.changed


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
