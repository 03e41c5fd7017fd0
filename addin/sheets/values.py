"""Cell values as Excel stores them -> normalised Python values, problems as findings."""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from addin.models import Finding
from addin.models.types import (
    CENT,
    MAX_CHARGE,
    MAX_UNITS,
    Severity,
    Sex,
    normalize_digits,
    normalize_icd10,
    normalize_modifier,
    normalize_procedure,
    shown,
    to_decimal,
)
from addin.sheets.textdates import (
    Converted,
    DateOrder,
    Problem,
    column_dates,
    day_month,
    day_month_date,
)

EXCEL_EPOCH = date(1899, 12, 30)
MAC_OFFSET = 1462  # days from the 1900 to the 1904 date system
# Serial numbers that can be a date a biller types (1900-01-01 .. 9999-12-31).
_SERIAL_MIN, _SERIAL_MAX = 1, 2958465
_WS = re.compile(r"[\s\u00a0\u2007\u202f\ufeff]+")
# Text dates whose order is in the text itself: year first, or the month as a word.
_TEXT_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%Y%m%d",
    "%b %d, %Y",
    "%B %d, %Y",
    "%d-%b-%Y",
    "%d %b %Y",
    "%b %d %Y",
    "%d-%b-%y",
)
SEX_CODES: dict[str, Sex] = {
    "m": "M",
    "male": "M",
    "f": "F",
    "female": "F",
    "u": "U",
    "unknown": "U",
    "unk": "U",
}

Value = Any


def is_blank(value: Value) -> bool:
    """Empty cell, empty string or only spaces (NBSP included)."""
    if value == "" or value is None:
        return True
    if value.__class__ is str:
        stripped = value.strip()
        return not stripped or (stripped[0] == "\ufeff" and not _WS.sub("", stripped))
    return False


def clean_text(value: Value) -> str:
    """Text as the user meant it: NBSP and runs of spaces become one space, ends trimmed.

    Numbers typed into a text column come back from Excel as floats: 1001.0 -> '1001'.
    """
    if value.__class__ is str:
        # the common case first: printable text with single inner spaces only needs a trim
        if value.isprintable() and "  " not in value:
            return value.strip()
        return _WS.sub(" ", value).strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return _WS.sub(" ", str(value)).strip()


def serial_to_date(serial: float) -> date:
    """Excel's 1900 date system, including its fictitious 1900-02-29 (serial 60)."""
    whole = int(math.floor(serial))
    if whole < 61:
        whole += 1  # serials before the phantom leap day are one day ahead of reality
    return EXCEL_EPOCH + timedelta(days=whole)


def date_to_serial(value: date | datetime) -> float:
    """A date or datetime as an Excel serial number (1900 date system, as Excel shows it)."""
    if isinstance(value, datetime):
        base = datetime(1899, 12, 30, tzinfo=value.tzinfo)
        delta = value - base
        serial = delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000
    else:
        serial = float((value - EXCEL_EPOCH).days)
    return serial - 1 if serial < 61 else serial  # before Excel's phantom 1900-02-29


# A Problem (rule, severity, message after "where: ", fix) is the same wherever the value
# appears, so it is cached with the converted value.


def _text(value: Value) -> Converted:
    return clean_text(value), None


def _date_with(order: DateOrder | None, mac: bool = False) -> Any:
    """The date converter for a column whose day/month order is ``order`` (None: unknown,
    so a text date that reads both ways is a finding, never a guess)."""

    def convert(value: Value) -> Converted:
        if mac and isinstance(value, (int, float)) and not isinstance(value, bool):
            if 0 <= value <= _SERIAL_MAX - MAC_OFFSET:
                return serial_to_date(float(value) + MAC_OFFSET), None
        return _date(value, order)

    return convert


def _date(value: Value, order: DateOrder | None = None) -> Converted:
    if isinstance(value, datetime):
        return value.date(), None
    if isinstance(value, date):
        return value, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if _SERIAL_MIN <= value <= _SERIAL_MAX:
            return serial_to_date(float(value)), None
    elif isinstance(value, str):
        text = clean_text(value)
        if not text:
            return None, None
        if re.fullmatch(r"\d+(\.\d+)?", text) and len(text) != 8:
            number = float(text)
            if _SERIAL_MIN <= number <= _SERIAL_MAX:
                return serial_to_date(number), None
        head = text.split(" ")[0] if re.match(r"\d{4}-\d\d-\d\dT?", text) else text
        head = head.split("T")[0]
        parts = day_month(head)
        if parts is not None:
            return day_month_date(text, parts, order)
        for fmt in _TEXT_DATE_FORMATS:
            try:
                return datetime.strptime(head, fmt).date(), None
            except ValueError:
                continue
    return None, (
        "READ-DATE",
        "error",
        f"{clean_text(value)!r} is not a date",
        "use YYYY-MM-DD, MM/DD/YYYY or an Excel date",
    )


def _code_with(normalize: Any) -> Any:
    def convert(value: Value) -> Converted:
        if isinstance(value, float) and not value.is_integer():
            return clean_text(value), (
                "READ-CODE",
                "error",
                f"{value!r} is a decimal number, not a code",
                "format the column as Text and type the code again",
            )
        if isinstance(value, str):
            value = _WS.sub(" ", value)
        try:
            return normalize(value), None
        except ValueError:
            return clean_text(value), None

    return convert


def _digits_with(width: int | None, what: str) -> Any:
    """NPIs, ZIPs, tax IDs as digits; a number shorter than ``width`` lost a leading zero.

    The zero is flagged, never guessed back: '2134' could be 02134 or a typo.
    """

    def convert(value: Value) -> Converted:
        text = normalize_digits(value if not isinstance(value, str) else _WS.sub(" ", value))
        if (
            width is not None
            and isinstance(value, (int, float))
            and not isinstance(value, bool)
            and text.isdigit()
            and (len(text) < width or (what == "ZIP" and 5 < len(text) < 9))
        ):
            rule = "READ-ZIP-LEADING-ZERO" if what == "ZIP" else "READ-LEADING-ZERO"
            full = text.zfill(width if len(text) < width else 9)
            return text, (
                rule,
                "warning",
                f"{what or 'value'} {text} was stored as a number and has {len(text)} digits; "
                "Excel drops leading zeros",
                f"format the cell as Text and type the full {what or 'value'} "
                f"(e.g. '{full}' if that is right)",
            )
        return text, None

    return convert


def _state(value: Value) -> Converted:
    return clean_text(value).upper(), None


def _sex(value: Value) -> Converted:
    text = clean_text(value)
    if not text:
        return None, None
    code = SEX_CODES.get(text.casefold())
    if code is not None:
        return code, None
    if text.casefold() in ("x", "nonbinary", "non-binary"):
        # never a silent U: the biller decides what the payer should receive
        return None, ("READ-SEX", "error",
                      f"{text!r}: a 5010 claim (DMG03) carries only F, M or U (unknown)",
                      "type U, or what the payer's instructions say for this patient")  # fmt: skip
    return None, ("READ-SEX", "error", f"{text!r} is not a sex code", "use M, F or U")


# Beyond this no cell is an amount or a count (and quantize would overflow the context).
_HUGE = 15


def _money(value: Value) -> Converted:
    """Amounts to the cent; a formula's float noise (110.00000000000001) is rounded."""
    try:
        if isinstance(value, str) and not clean_text(value):
            return None, None
        amount = Decimal(repr(value)) if isinstance(value, float) else to_decimal(value)
        if not amount.is_finite():
            raise ValueError(value)
        if amount.adjusted() >= _HUGE:
            return amount, (
                "READ-MONEY-SIZE",
                "error",
                f"{shown(amount)} is too large to be an amount",
                "type the amount in dollars and cents, e.g. 125.00",
            )
        rounded = amount.quantize(CENT, rounding=ROUND_HALF_UP)
        if isinstance(value, float):
            if abs(amount - rounded) < Decimal("0.000001"):
                return rounded, None
        elif rounded == amount:
            return rounded, None
        return rounded, (
            "READ-MONEY-CENTS",
            "warning",
            f"{clean_text(value)!r} has fractions of a cent; read as {rounded}",
            "round the amount to cents in the workbook",
        )
    except (ValueError, ArithmeticError):
        return None, (
            "READ-MONEY",
            "error",
            f"{clean_text(value)!r} is not an amount",
            "type a number such as 125.00",
        )


def _amount(value: Value) -> Converted:
    """An amount that is not a line charge (Fees, Contracts): a huge one is unusable."""
    amount, problem = _money(value)
    if problem is not None and problem[0] == "READ-MONEY-SIZE":
        return None, problem
    return amount, problem


def _charge(value: Value) -> Converted:
    """A line's charge: over MAX_CHARGE is an error (kept, so the claim is held); beyond any
    amount (1e308) the cell is unusable, as for other amounts."""
    amount, problem = _amount(value)
    if problem is None and amount is not None and amount > MAX_CHARGE:
        return amount, (
            "READ-CHARGE",
            "error",
            f"{shown(amount)} is over the limit of {MAX_CHARGE:,} for one line",
            "type the line's charge in dollars and cents (a charge this large is a typo)",
        )
    return amount, problem


def _number(value: Value) -> Converted:
    try:
        if isinstance(value, str) and not clean_text(value):
            return None, None
        number = Decimal(repr(value)) if isinstance(value, float) else to_decimal(value)
        if not number.is_finite():
            raise ValueError(value)
        if number.adjusted() >= _HUGE:
            return number, None
        return (number.normalize() if number == number.to_integral() else number), None
    except (ValueError, ArithmeticError):
        return None, (
            "READ-NUMBER",
            "error",
            f"{clean_text(value)!r} is not a number",
            "type a number such as 1",
        )


def _units(value: Value) -> Converted:
    """Units of service: a number up to MAX_UNITS. Zero, negative and fractional units are
    the scrubber's to report (UNITS); here only what no claim line can carry."""
    number, problem = _number(value)
    if problem is None and number is not None and number > MAX_UNITS:
        return number, (
            "READ-UNITS",
            "error",
            f"{shown(number)} is over the limit of {MAX_UNITS:,} units on one line",
            "type the number of units billed on the line, e.g. 1",
        )
    return number, problem


def _pointers(value: Value) -> Converted:
    """Dx pointers: '1,2', '1:2', '12', 'AB' or 1.0 -> [1, 2]."""
    text = clean_text(value).upper()
    parts = [p for p in re.split(r"[\s,;:/|+]+", text) if p]
    if len(parts) == 1 and re.fullmatch(r"[1-9]{2,4}|[A-L]{2,4}", parts[0]):
        parts = list(parts[0])
    result: list[int] = []
    for part in parts:
        if part.isdigit() and 1 <= int(part) <= 12:
            result.append(int(part))
        elif len(part) == 1 and "A" <= part <= "L":
            result.append(ord(part) - ord("A") + 1)
        else:
            return [], (
                "READ-POINTER",
                "error",
                f"{text!r} is not a list of diagnosis pointers",
                "use numbers 1-12 separated by commas, e.g. 1,2",
            )
    return tuple(result), None


def _pos(value: Value) -> Converted:
    """Place of Service is always two digits; Excel turns '02' into 2."""
    code, problem = _code_with(normalize_procedure)(value)
    if problem is None and code.isdigit() and len(code) == 1:
        return "0" + code, (
            "READ-POS-LEADING-ZERO",
            "info",
            f"Place of Service {code} was stored as a number; read as 0{code}",
            "format the column as Text so Excel keeps the leading zero",
        )
    return code, problem


# kind -> (converter, value for a blank cell)
KINDS: dict[str, tuple[Any, Any]] = {
    "text": (_text, ""),
    "date": (_date_with(None), None),
    "date1904": (_date_with(None, mac=True), None),
    "procedure": (_code_with(normalize_procedure), ""),
    "modifier": (_code_with(normalize_modifier), ""),
    "icd": (_code_with(normalize_icd10), ""),
    "digits": (_digits_with(None, ""), ""),
    "npi": (_digits_with(10, "NPI"), ""),
    "zip": (_digits_with(5, "ZIP"), ""),
    "taxid": (_digits_with(9, "Tax ID"), ""),
    "sex": (_sex, None),
    "state": (_state, ""),
    "money": (_amount, None),
    "charge": (_charge, None),
    "number": (_number, None),
    "units": (_units, None),
    "pointers": (_pointers, ()),
    "pos": (_pos, ""),
}


class CellReader:
    """Normalises the cells of one sheet, collecting findings that name sheet, row and column.

    ``headers`` maps a canonical column name to the header text as written, so findings use
    the user's words. Conversions are cached per kind and raw value: billing sheets repeat
    the same codes, dates, payers and NPIs on thousands of rows.
    """

    def __init__(self, sheet: str, headers: dict[str, str], date1904: bool = False) -> None:
        self.sheet = sheet
        self.headers = headers
        self.findings: list[Finding] = []
        self.getters: dict[str, Any] = {kind: self._getter(*KINDS[kind]) for kind in KINDS}
        self.date1904 = date1904
        if date1904:
            self.getters["date"] = self.getters["date1904"]
        self._dated: dict[str, Any] = {}

    def order_dates(self, canonical: str, values: list[tuple[int, Value]]) -> None:
        """Learn the day/month order of one column's text dates from the column itself (a
        value such as 13/07/2026 shows it), and say how the column is read."""
        found = column_dates(values)
        if found.order is not None:
            self._dated[canonical] = self._getter(_date_with(found.order, self.date1904), None)
        statement = found.statement(self.sheet, self.headers.get(canonical, canonical))
        if statement is not None:
            rule, severity, message, fix = statement
            self.finding(rule, severity, None, canonical, None, f"{self.sheet} {message}", fix)

    def date_getter(self, canonical: str) -> Any:
        """The date converter for one column (its learnt day/month order, if any)."""
        return self._dated.get(canonical) or self.getters["date"]

    def _getter(self, convert: Any, blank: Any) -> Any:
        """A converter for one kind with its own cache, as a closure: this runs per cell."""
        cache: dict[Any, Converted] = {}
        emit = self._emit

        def get(value: Value, row: int, canonical: str) -> Any:
            if value == "" or value is None:
                return blank
            if value.__class__ is bool:  # True == 1: never share a cache slot with numbers
                hit = convert(value)
            else:
                hit = cache.get(value)
                if hit is None:
                    hit = cache[value] = convert(value)
            if hit[1] is not None:
                emit(hit[1], row, canonical, value)
            return hit[0]

        return get

    def _emit(self, problem: Problem, row: int, canonical: str, value: Value) -> None:
        rule, severity, message, fix = problem
        where = self._where(row, canonical)
        self.finding(rule, severity, row, canonical, value, f"{where}: {message}", fix)

    def _where(self, row: int, canonical: str) -> str:
        return f"{self.sheet} row {row} ({self.headers.get(canonical, canonical)})"

    def get(self, kind: str, value: Value, row: int, canonical: str) -> Any:
        """``value`` converted to ``kind`` (see KINDS); a problem becomes a finding."""
        return self.getters[kind](value, row, canonical)

    def finding(
        self,
        rule: str,
        severity: Severity,
        row: int | None,
        canonical: str | None,
        value: Value,
        message: str,
        fix: str,
        encounter_id: str | None = None,
    ) -> None:
        self.findings.append(
            Finding(
                rule=rule,
                severity=severity,
                message=message,
                sheet=self.sheet,
                row=row,
                column=self.headers.get(canonical, canonical) if canonical else None,
                value=None if value is None else clean_text(value),
                fix=fix,
                encounter_id=encounter_id,
            )
        )

    # -- the kinds, by name ----------------------------------------------------------------

    def text(self, value: Value) -> str:
        return clean_text(value)

    def date(self, value: Value, row: int, canonical: str) -> date | None:
        result: date | None = self.date_getter(canonical)(value, row, canonical)
        return result

    def code(self, value: Value, row: int, canonical: str, kind: str = "procedure") -> str:
        """A CPT/HCPCS code ('procedure'), modifier ('modifier') or ICD-10 code ('icd')."""
        result: str = self.get(kind, value, row, canonical)
        return result

    def digits(
        self, value: Value, row: int, canonical: str, width: int | None = None, what: str = ""
    ) -> str:
        kind = {"ZIP": "zip", "NPI": "npi", "Tax ID": "taxid"}.get(what, "digits")
        if width is None:
            kind = "digits"
        result: str = self.get(kind, value, row, canonical)
        return result

    def sex(self, value: Value, row: int, canonical: str) -> Sex | None:
        result: Sex | None = self.get("sex", value, row, canonical)
        return result

    def money(self, value: Value, row: int, canonical: str) -> Decimal | None:
        result: Decimal | None = self.get("money", value, row, canonical)
        return result

    def number(self, value: Value, row: int, canonical: str) -> Decimal | None:
        result: Decimal | None = self.get("number", value, row, canonical)
        return result

    def pointers(self, value: Value, row: int, canonical: str) -> list[int]:
        return list(self.get("pointers", value, row, canonical))
