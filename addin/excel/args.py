"""Excel-typed UDF arguments to library values, and library failures to Excel error values."""

from __future__ import annotations

import functools
import logging
import traceback
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from addin.errors import CodeSetError, InputError
from addin.sheets.values import SEX_CODES, CellReader, clean_text, is_blank, serial_to_date

# Serial numbers that can be a date of service (1900-01-01 .. 9999-12-31), as the reader says.
_SERIAL_MIN, _SERIAL_MAX = 1.0, 2958465.0

# The error values Excel shows; a UDF returns these strings instead of raising.
NA = "#N/A"
VALUE = "#VALUE!"

log = logging.getLogger("addin.excel")

F = TypeVar("F", bound=Callable[..., Any])


class BadArgument(InputError):
    """A UDF argument that cannot be used; the cell shows #VALUE!."""


class NotFound(CodeSetError):
    """What a UDF was asked about does not exist; the cell shows #N/A."""


def cell_safe(func: F) -> F:
    """Never raise into Excel: bad arguments become #VALUE!, unknown things #N/A.

    Only the function name and the kind of failure are logged: arguments can hold patient
    text (CB_SUGGEST reads Diagnosis Text), so they never reach the log.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except BadArgument:
            log.info("%s: bad argument", func.__name__)
            return VALUE
        except (NotFound, CodeSetError) as exc:
            log.info("%s: %s", func.__name__, type(exc).__name__)
            return NA
        except InputError:
            log.info("%s: bad argument (library)", func.__name__)
            return VALUE
        except Exception as exc:  # a cell must never show a traceback
            log.error("%s failed: %s at %s", func.__name__, type(exc).__name__, where(exc))
            return VALUE

    return wrapper  # type: ignore[return-value]


def where(exc: BaseException) -> str:
    """The last frames of a traceback as file:line (function): never the message, which
    can quote a cell's text."""
    frames = traceback.extract_tb(exc.__traceback__)[-3:]
    return " <- ".join(f"{Path(f.filename).name}:{f.lineno} ({f.name})" for f in reversed(frames))


def scalar(value: Any, what: str) -> Any:
    """A single cell's value: a 1x1 range arrives as [[v]] or [v]; a larger one is wrong."""
    while isinstance(value, list | tuple):
        if len(value) != 1:
            raise BadArgument(f"{what}: give one cell, not a range")
        value = value[0]
    return value


def text(value: Any, what: str, *, required: bool = True) -> str | None:
    """Text from a cell; numbers lose Excel's '.0' (99213.0 -> '99213')."""
    if type(value) is str and value and value == value.strip() and "  " not in value:
        if "\u00a0" not in value:
            return value
    value = scalar(value, what)
    if is_blank(value):
        if required:
            raise BadArgument(f"{what} is empty")
        return None
    if isinstance(value, bool):
        raise BadArgument(f"{what}: TRUE/FALSE is not text")
    if isinstance(value, float) and not value.is_integer():
        raise BadArgument(f"{what}: a decimal number is not a code")
    return clean_text(value)


def when(value: Any, what: str = "date") -> date | None:
    """A date of service: an Excel date (datetime), a serial number, or text whose order is
    clear (2026-03-02, 03/22/2026); text that reads two ways (03/02/2026) is not a date."""
    if isinstance(value, datetime):  # the common cases first: a column recalculates
        return value.date()
    if type(value) is float and _SERIAL_MIN <= value <= _SERIAL_MAX:
        return serial_to_date(value)
    value = scalar(value, what)
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise BadArgument(f"{what}: TRUE/FALSE is not a date")
    reader = CellReader("UDF", {})
    found = reader.date(value, 1, what)
    if found is None:
        raise BadArgument(f"{what} is not a date")
    return found


def whole(value: Any, what: str, *, low: int = 0, high: int = 200) -> int | None:
    """A whole number (Excel sends 3.0 for 3) within bounds, or None when empty."""
    value = scalar(value, what)
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise BadArgument(f"{what}: TRUE/FALSE is not a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise BadArgument(f"{what} is not a number") from None
    if not number.is_integer() or not low <= number <= high:
        raise BadArgument(f"{what} must be a whole number from {low} to {high}")
    return int(number)


def sex(value: Any) -> str | None:
    """M, F or U from M/F/Male/Female/U/Unknown; None when empty."""
    if isinstance(value, str) and (found := SEX_CODES.get(value.strip().casefold())):
        return found
    value = scalar(value, "sex")
    if is_blank(value):
        return None
    reader = CellReader("UDF", {})
    found = reader.sex(value, 1, "sex")
    if found is None:
        raise BadArgument("sex must be M, F or U")
    return found


def grid(value: Any, what: str) -> list[list[Any]]:
    """A range as a 2-D list: a single row arrives 1-D and a single cell as a scalar."""
    if value is None:
        raise BadArgument(f"{what}: give the range")
    if not isinstance(value, list | tuple):
        return [[value]]
    if not value:
        return []
    if not isinstance(value[0], list | tuple):
        return [list(value)]
    return [list(row) for row in value]
