"""Deposits: the clinic's bank export read through a column mapping, matched to the ERAs.

A bank CSV (date, description, amount, reference, as banks download it; a Credit column
or Debit/Credit pairs are read too) becomes :class:`Deposit` rows. Each ERA's payment
(BPR02 amount, TRN02 trace, BPR16 date, payer) is matched to one deposit: first by its
trace number appearing in the deposit's description or reference (an ACH credit's addenda
carries the TRN segment) with the same amount, then by the same amount within a date
window, the nearest date first. What is left over is said plainly: an ERA "not in the bank
yet", a deposit with "no ERA received" (money the practice cannot post).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from addin.errors import InputError
from addin.files.text import read_delimited

ZERO = Decimal("0.00")
BANK_FIELDS: dict[str, tuple[str, ...]] = {
    "date": ("date", "posting date", "posted date", "transaction date", "post date",
             "effective date", "value date"),
    "description": ("description", "details", "memo", "transaction description", "payee",
                    "narrative", "name"),
    "amount": ("amount", "transaction amount", "credit", "credit amount", "deposit",
               "deposits", "deposit amount"),
    "debit": ("debit", "debit amount", "withdrawal", "withdrawals"),
    "reference": ("reference", "ref", "reference number", "check number", "trace number",
                  "bank reference", "transaction id", "id"),
}  # fmt: skip
BANK_REQUIRED = ("date", "amount")
#: Days a payment may reach the bank before (ACH prenotes, dating) or after its BPR16 date.
WINDOW_BEFORE, WINDOW_AFTER = 3, 7


def _norm(text: object) -> str:
    return re.sub(r"[\s_]+", " ", str(text or "")).strip().lower()


@dataclass(frozen=True)
class Deposit:
    """One credit on the bank statement."""

    day: date
    amount: Decimal
    description: str
    reference: str
    source: str  # file and row, for messages and the sheet
    key: str  # stable across overlapping exports: date, amount, description, reference


@dataclass(frozen=True)
class EraPayment:
    """What an ERA says was paid: one posting of the Remittance Register."""

    posting: str
    payer: str
    trace: str
    amount: Decimal
    day: date | None


@dataclass
class DepositMatch:
    """An ERA and its deposit (either may be missing), and how they were matched."""

    era: EraPayment | None
    deposit: Deposit | None
    how: str = ""

    @property
    def status(self) -> str:
        if self.era is None:
            return "no ERA received"
        if self.deposit is None:
            return "not in the bank yet"
        return "matched"


@dataclass
class DepositReport:
    matches: list[DepositMatch] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def totals(self) -> dict[str, str]:
        def total(items: Sequence[Decimal]) -> str:
            return f"{sum(items, ZERO):.2f}"

        m = self.matches
        return {
            "eras": total([x.era.amount for x in m if x.era]),
            "deposits": total([x.deposit.amount for x in m if x.deposit]),
            "matched": total([x.era.amount for x in m if x.era and x.deposit]),
            "not_in_bank": total([x.era.amount for x in m if x.era and not x.deposit]),
            "no_era": total([x.deposit.amount for x in m if x.deposit and not x.era]),
        }


def parse_amount(value: Any, where: str) -> Decimal:
    """``1,234.56``, ``$1,234.56``, ``(12.00)``, ``-12.00``, a number; to the cent."""
    if isinstance(value, bool):
        raise InputError(f"{where}: {value!r} is not an amount")
    if isinstance(value, int | float | Decimal):
        text = str(value)
    else:
        text = str(value or "").strip()
    negative = text.startswith("(") and text.endswith(")")
    cleaned = text.strip("()").replace("$", "").replace(",", "").replace(" ", "")
    if cleaned.endswith("-"):
        negative, cleaned = True, cleaned[:-1]
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise InputError(f"{where}: {text!r} is not an amount") from None
    if not amount.is_finite():
        raise InputError(f"{where}: {text!r} is not an amount")
    if amount != amount.quantize(Decimal("0.01")):
        raise InputError(f"{where}: {text!r} has more than two decimal places")
    return (-amount if negative else amount).quantize(Decimal("0.01"))


def parse_day(value: Any, where: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%Y%m%d", "%d-%b-%Y", "%b %d, %Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise InputError(
        f"{where}: {text!r} is not a date; use YYYY-MM-DD or MM/DD/YYYY" if text
        else f"{where}: the date is missing"
    )  # fmt: skip


def read_bank_csv(path: Path, mapping: Mapping[str, str] | None = None) -> list[Deposit]:
    """The credits of a bank export (debits are left out: they are not deposits)."""
    rows = [list(r) for r in read_delimited(path).rows]
    # banks put account lines above the header: the header is the first row naming a date
    # and an amount column
    start = next(
        (i for i, r in enumerate(rows[:20]) if _columns(r, mapping, path, strict=False)), None
    )
    if start is None:
        wanted = dict(mapping or {})
        shown = [str(h) for h in rows[0]] if rows else []
        raise InputError(
            f"{path}: no header row with a date and an amount column"
            + (f" (mapped as {wanted})" if wanted else "")
            + f"; headers found: {shown}. Give a column mapping (field,column rows for date, "
            "description, amount, reference)"
        )
    columns = _columns(rows[start], mapping, path, strict=True)
    header = rows[start]
    out: list[Deposit] = []
    for number, row in enumerate(rows[start + 1 :], start=start + 2):
        if not any(str(c).strip() for c in row):
            continue

        def cell(name: str, row: list[Any] = row) -> str:
            i = columns.get(name)
            return str(row[i]).strip() if i is not None and i < len(row) else ""

        def where(name: str, number: int = number) -> str:
            i = columns.get(name)
            col = header[i] if i is not None else name
            return f"{path.name} row {number} column {col!r}"

        raw = cell("amount")
        debit = cell("debit")
        if not raw and not debit:
            raise InputError(f"{where('amount')}: the amount is missing")
        if not raw:
            continue  # a debit only: money going out, not a deposit
        amount = parse_amount(raw, where("amount"))
        if amount <= 0:
            continue
        day = parse_day(cell("date"), where("date"))
        description, reference = cell("description"), cell("reference")
        blob = f"{day}|{amount}|{_norm(description)}|{_norm(reference)}"
        key = "D" + hashlib.sha256(blob.encode()).hexdigest()[:10]
        out.append(Deposit(day, amount, description, reference, f"{path.name} row {number}", key))
    return out


def _columns(
    header: Sequence[Any], mapping: Mapping[str, str] | None, path: Path, strict: bool
) -> dict[str, int]:
    names = [_norm(h) for h in header]
    wanted = {k: _norm(v) for k, v in (mapping or {}).items()}
    unknown = sorted(set(wanted) - set(BANK_FIELDS))
    if unknown and strict:
        raise InputError(f"column mapping: {unknown} are not bank fields; use {list(BANK_FIELDS)}")
    columns: dict[str, int] = {}
    for name, aliases in BANK_FIELDS.items():
        choices = (wanted[name],) if name in wanted else aliases
        for alias in choices:
            if alias in names:
                columns[name] = names.index(alias)
                break
        else:
            if name in wanted and strict:
                raise InputError(
                    f"{path}: column {mapping[name] if mapping else name!r} (mapped to {name}) "
                    f"is not in the header row; headers are {[str(h) for h in header]}"
                )
    if any(f not in columns for f in BANK_REQUIRED):
        return {}
    return columns


def unique_deposits(deposits: Sequence[Deposit]) -> list[Deposit]:
    """One of each deposit across overlapping exports (the same line in two downloads)."""
    seen: dict[str, int] = {}
    counts: dict[tuple[str, str], int] = {}
    out: list[Deposit] = []
    for dep in deposits:
        file = dep.source.rsplit(" row ", 1)[0]
        counts[(file, dep.key)] = counts.get((file, dep.key), 0) + 1
        # two equal lines in one file are two deposits; the same line in another file is one
        if counts[(file, dep.key)] > seen.get(dep.key, 0):
            seen[dep.key] = counts[(file, dep.key)]
            n = counts[(file, dep.key)]
            key = dep.key if n == 1 else f"{dep.key}-{n}"
            out.append(
                Deposit(dep.day, dep.amount, dep.description, dep.reference, dep.source, key)
            )
    return out


def _alnum(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", text).upper()


def match_deposits(
    eras: Sequence[EraPayment],
    deposits: Sequence[Deposit],
    before: int = WINDOW_BEFORE,
    after: int = WINDOW_AFTER,
) -> DepositReport:
    """Each ERA with its deposit (by trace, then amount and date), then deposits left over."""
    free = list(deposits)
    pairs: dict[int, DepositMatch] = {}
    for i, era in enumerate(eras):
        trace = _alnum(era.trace)
        if len(trace) < 4:
            continue
        found = next(
            (d for d in free if d.amount == era.amount
             and (trace in _alnum(d.description) or trace in _alnum(d.reference))),
            None,
        )  # fmt: skip
        if found is not None:
            free.remove(found)
            pairs[i] = DepositMatch(era, found, "trace")
    for i, era in enumerate(eras):
        if i in pairs or era.day is None:
            continue
        day = era.day
        near = [
            d for d in free
            if d.amount == era.amount
            and day - timedelta(days=before) <= d.day <= day + timedelta(days=after)
        ]  # fmt: skip
        if near:
            payer = _alnum(era.payer)[:6]
            near.sort(key=lambda d: (payer not in _alnum(d.description) if payer else True,
                                     abs((d.day - day).days), d.day))  # fmt: skip
            free.remove(near[0])
            pairs[i] = DepositMatch(era, near[0], "amount and date")
    report = DepositReport()
    for i, era in enumerate(eras):
        report.matches.append(pairs.get(i) or DepositMatch(era, None))
    report.matches += [DepositMatch(None, d) for d in sorted(free, key=lambda d: d.day)]
    return report


def load_bank_mapping(path: Path) -> dict[str, str]:
    """A bank column mapping: rows of ``field,column`` (date, description, amount, debit,
    reference); the header row is optional."""
    out: dict[str, str] = {}
    for number, row in enumerate(read_delimited(path).rows, start=1):
        if not row or not any(str(c).strip() for c in row):
            continue
        name = _norm(row[0]).replace(" ", "_")
        if number == 1 and name in ("field", "our_field"):
            continue
        if name not in BANK_FIELDS or len(row) < 2 or not str(row[1]).strip():
            raise InputError(
                f"{path} row {number}: {row[0]!r} is not a bank field with a column; use "
                + ", ".join(BANK_FIELDS)
                + " followed by the bank's column header"
            )
        out[name] = str(row[1]).strip()
    return out
