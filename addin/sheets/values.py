"""Cell values as Excel stores them -> normalised Python values, problems as findings."""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from addin.models import Finding
from addin.models.types import (
    CENT,
    Severity,
    Sex,
    normalize_digits,
    normalize_icd10,
    normalize_modifier,
    normalize_procedure,
    to_decimal,
)

EXCEL_EPOCH = date(1899, 12, 30)
# Serial numbers that can be a date a biller types (1900-01-01 .. 9999-12-31).
_SERIAL_MIN, _SERIAL_MAX = 1, 2958465
_WS = re.compile(r"[\s\u00a0\u2007\u202f\ufeff]+")
_TEXT_DATE_FORMATS = (
    "%Y-%m-%d",
    "%m/%d/%Y",
    "%m-%d-%Y",
    "%Y/%m/%d",
    "%m/%d/%y",
    "%m-%d-%y",
    "%Y%m%d",
    "%b %d, %Y",
    "%B %d, %Y",
    "%d-%b-%Y",
    "%d %b %Y",
    "%b %d %Y",
    "%m.%d.%Y",
)
SEX_CODES: dict[str, Sex] = {
    "m": "M",
    "male": "M",
    "f": "F",
    "female": "F",
    "u": "U",
    "unknown": "U",
    "x": "U",
    "unk": "U",
}

Value = Any


def is_blank(value: Value) -> bool:
    """Empty cell, empty string or only spaces (NBSP included)."""
    if value is None:
        return True
    if isinstance(value, str):
        return not _WS.sub("", value)
    return False


def clean_text(value: Value) -> str:
    """Text as the user meant it: NBSP and runs of spaces become one space, ends trimmed.

    Numbers typed into a text column come back from Excel as floats: 1001.0 -> '1001'.
    """
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
    """A date or datetime as an Excel serial number (1900 date system)."""
    if isinstance(value, datetime):
        base = datetime(1899, 12, 30, tzinfo=value.tzinfo)
        delta = value - base
        return delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000
    return float((value - EXCEL_EPOCH).days)


class CellReader:
    """Normalises the cells of one sheet, collecting findings that name sheet, row and column.

    ``headers`` maps a canonical column name to the header text as written, so findings use
    the user's words.
    """

    def __init__(self, sheet: str, headers: dict[str, str]) -> None:
        self.sheet = sheet
        self.headers = headers
        self.findings: list[Finding] = []

    def _where(self, row: int, canonical: str) -> str:
        return f"{self.sheet}!row {row} ({self.headers.get(canonical, canonical)})"

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

    # -- kinds of value ----------------------------------------------------------------

    def text(self, value: Value) -> str:
        return clean_text(value)

    def date(self, value: Value, row: int, canonical: str) -> date | None:
        """Excel dates, datetimes, serial numbers and the usual US/ISO text forms."""
        if is_blank(value):
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if _SERIAL_MIN <= value <= _SERIAL_MAX:
                return serial_to_date(float(value))
        elif isinstance(value, str):
            text = clean_text(value)
            if re.fullmatch(r"\d+(\.\d+)?", text) and len(text) != 8:
                number = float(text)
                if _SERIAL_MIN <= number <= _SERIAL_MAX:
                    return serial_to_date(number)
            head = text.split(" ")[0] if re.match(r"\d{4}-\d\d-\d\dT?", text) else text
            head = head.split("T")[0]
            for fmt in _TEXT_DATE_FORMATS:
                try:
                    return datetime.strptime(head, fmt).date()
                except ValueError:
                    continue
        self.finding(
            "READ-DATE",
            "error",
            row,
            canonical,
            value,
            f"{self._where(row, canonical)}: {clean_text(value)!r} is not a date",
            "use YYYY-MM-DD, MM/DD/YYYY or an Excel date",
        )
        return None

    def code(self, value: Value, row: int, canonical: str, kind: str = "procedure") -> str:
        """A CPT/HCPCS code, modifier or ICD-10 code; numbers typed by Excel lose '.0'."""
        if is_blank(value):
            return ""
        if isinstance(value, float) and not value.is_integer():
            self.finding(
                "READ-CODE",
                "error",
                row,
                canonical,
                value,
                f"{self._where(row, canonical)}: {value!r} is a decimal number, not a code",
                "format the column as Text and type the code again",
            )
            return clean_text(value)
        if isinstance(value, str):
            value = _WS.sub(" ", value)
        if kind == "icd":
            return normalize_icd10(value)
        if kind == "modifier":
            return normalize_modifier(value)
        return normalize_procedure(value)

    def digits(
        self, value: Value, row: int, canonical: str, width: int | None = None, what: str = ""
    ) -> str:
        """NPIs, ZIPs, tax IDs as digits; a number shorter than ``width`` lost a leading zero.

        The zero is flagged, never guessed back: '2134' could be 02134 or a typo.
        """
        if is_blank(value):
            return ""
        text = normalize_digits(value if not isinstance(value, str) else _WS.sub(" ", value))
        if (
            width is not None
            and isinstance(value, (int, float))
            and not isinstance(value, bool)
            and text.isdigit()
            and (len(text) < width or (what == "ZIP" and 5 < len(text) < 9))
        ):
            rule = "READ-ZIP-LEADING-ZERO" if what == "ZIP" else "READ-LEADING-ZERO"
            self.finding(
                rule,
                "warning",
                row,
                canonical,
                value,
                f"{self._where(row, canonical)}: {what or 'value'} {text} was stored as a "
                f"number and has {len(text)} digits; Excel drops leading zeros",
                f"format the cell as Text and type the full {what or 'value'} "
                f"(e.g. '{text.zfill(width if len(text) < width else 9)}' if that is right)",
            )
        return text

    def sex(self, value: Value, row: int, canonical: str) -> Sex | None:
        if is_blank(value):
            return None
        key = clean_text(value).casefold()
        if key in SEX_CODES:
            return SEX_CODES[key]
        self.finding(
            "READ-SEX",
            "error",
            row,
            canonical,
            value,
            f"{self._where(row, canonical)}: {clean_text(value)!r} is not a sex code",
            "use M, F or U",
        )
        return None

    def money(self, value: Value, row: int, canonical: str) -> Decimal | None:
        """Amounts to the cent; a formula's float noise (110.00000000000001) is rounded."""
        if is_blank(value):
            return None
        try:
            if isinstance(value, float):
                amount = Decimal(repr(value))
                rounded = amount.quantize(CENT, rounding=ROUND_HALF_UP)
                if abs(amount - rounded) < Decimal("0.000001"):
                    return rounded
                self.finding(
                    "READ-MONEY-CENTS",
                    "warning",
                    row,
                    canonical,
                    value,
                    f"{self._where(row, canonical)}: {value!r} has fractions of a cent; "
                    f"read as {rounded}",
                    "round the amount to cents in the workbook",
                )
                return rounded
            amount = to_decimal(value)
            if not amount.is_finite():
                raise ValueError(value)
            rounded = amount.quantize(CENT, rounding=ROUND_HALF_UP)
            if rounded != amount:
                self.finding(
                    "READ-MONEY-CENTS",
                    "warning",
                    row,
                    canonical,
                    value,
                    f"{self._where(row, canonical)}: {clean_text(value)!r} has fractions of a "
                    f"cent; read as {rounded}",
                    "round the amount to cents in the workbook",
                )
            return rounded
        except (ValueError, InvalidOperation):
            self.finding(
                "READ-MONEY",
                "error",
                row,
                canonical,
                value,
                f"{self._where(row, canonical)}: {clean_text(value)!r} is not an amount",
                "type a number such as 125.00",
            )
            return None

    def number(self, value: Value, row: int, canonical: str) -> Decimal | None:
        if is_blank(value):
            return None
        try:
            if isinstance(value, float):
                number = Decimal(repr(value))
            else:
                number = to_decimal(value)
            if not number.is_finite():
                raise ValueError(value)
            return number.normalize() if number == number.to_integral() else number
        except (ValueError, InvalidOperation):
            self.finding(
                "READ-NUMBER",
                "error",
                row,
                canonical,
                value,
                f"{self._where(row, canonical)}: {clean_text(value)!r} is not a number",
                "type a number such as 1",
            )
            return None

    def pointers(self, value: Value, row: int, canonical: str) -> list[int]:
        """Dx pointers: '1,2', '1:2', '12', 'AB' or 1.0 -> [1, 2]."""
        if is_blank(value):
            return []
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
                self.finding(
                    "READ-POINTER",
                    "error",
                    row,
                    canonical,
                    value,
                    f"{self._where(row, canonical)}: {text!r} is not a list of diagnosis pointers",
                    "use numbers 1-12 separated by commas, e.g. 1,2",
                )
                return []
        return result
