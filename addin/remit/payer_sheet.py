"""Read a payer portal's remittance export (CSV or XLSX) through a column mapping.

Each row is a service line (or a whole claim when no procedure column is mapped). Rows are
grouped by check number and claim ID into the same ``Remittance`` models an 835 gives, so
reconcile() cannot tell the two apart. The mapping names, for each of our fields, the
column header the payer uses; it comes from a dict, a two-column CSV/TSV file
(``field,column``) or, failing both, the aliases below.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from addin.errors import InputError
from addin.files.text import read_delimited
from addin.files.workbook import open_calamine
from addin.models.remittance import (
    ZERO,
    Adjustment,
    ClaimPayment,
    Remittance,
    ServicePayment,
)
from addin.models.types import AdjustmentGroup, money

FIELDS: dict[str, tuple[str, ...]] = {
    "claim_id": ("claim id", "patient account", "patient account number", "account number",
                 "patient control number", "encounter id", "pcn"),
    "payer_claim_number": ("payer claim number", "icn", "claim number", "dcn"),
    "status": ("status", "claim status"),
    "billed": ("billed", "charge", "charges", "billed amount", "submitted"),
    "allowed": ("allowed", "allowed amount"),
    "paid": ("paid", "paid amount", "payment", "payment amount"),
    "patient_responsibility": ("patient responsibility", "patient resp", "pt resp"),
    "procedure_code": ("procedure", "procedure code", "cpt", "cpt/hcpcs", "code"),
    "modifiers": ("modifier", "modifiers"),
    "date_of_service": ("date of service", "dos", "service date"),
    "check_number": ("check number", "check/eft", "eft number", "check", "trace number"),
    "payment_date": ("payment date", "check date", "paid date"),
    "payer": ("payer", "payer name"),
    "group": ("adjustment group", "group code"),
    "reason": ("reason code", "adjustment reason", "carc"),
    "adjustment": ("adjustment amount", "adjustment"),
    "remarks": ("remark codes", "remarks", "rarc"),
    "patient": ("patient", "patient name"),
}  # fmt: skip
REQUIRED = ("claim_id", "billed", "paid")
STATUS_WORDS: dict[str, str] = {
    "paid": "1", "processed": "1", "primary": "1", "processed as primary": "1",
    "secondary": "2", "processed as secondary": "2", "tertiary": "3",
    "denied": "4", "rejected": "4", "reversed": "22", "reversal": "22", "void": "22",
    "forwarded": "19", "not our claim": "23", "predetermination": "25",
}  # fmt: skip


def _norm(text: object) -> str:
    return re.sub(r"[\s_]+", " ", str(text or "")).strip().lower()


MAPPING_SHEET = "Remit Mapping"


class ColumnMapping(dict[str, str]):
    """A column mapping that remembers the file it came from, for messages."""

    def __init__(self, source: Path) -> None:
        super().__init__()
        self.source = source


def load_mapping(path: Path) -> dict[str, str]:
    """A column mapping: rows of ``field,column``; the header row is optional.

    From a CSV/TSV file, or from a workbook: its ``Remit Mapping`` sheet when it has one,
    else its first sheet (so the mapping can live in the clinic workbook itself).
    """
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        rows = [["" if c is None else str(c) for c in r] for r in _rows(path, MAPPING_SHEET)]
    else:
        rows = read_delimited(path).rows
    mapping = ColumnMapping(path)
    for number, row in enumerate(rows, start=1):
        if not row or not any(cell.strip() for cell in row):
            continue
        field = _norm(row[0]).replace(" ", "_")
        if number == 1 and field in ("field", "our_field"):
            continue
        if field not in FIELDS or len(row) < 2:
            raise InputError(
                f"{path} row {number}: {row[0]!r} is not a field we map; use one of "
                + ", ".join(FIELDS)
            )
        mapping[field] = row[1].strip()
    return mapping


def is_export_header(row: list[Any]) -> bool:
    """Whether a header row has the columns every payer export has (claim, billed, paid)."""
    header = [_norm(h) for h in row]
    return all(any(a in header for a in FIELDS[f]) for f in REQUIRED)


def _rows(path: Path, sheet_name: str = "") -> list[list[Any]]:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        if not path.is_file():
            raise InputError(f"{path}: {'a folder' if path.is_dir() else 'no such file'}")
        # checked before calamine reads it (a lying count would abort the process)
        book, _ = open_calamine(path, error=InputError)
        try:
            names = {n.strip().lower(): n for n in book.sheet_names}
            wanted = names.get(sheet_name.lower()) if sheet_name else None
            sheet = book.get_sheet_by_name(wanted or book.sheet_names[0])
            rows: list[list[Any]] = sheet.to_python(skip_empty_area=False)
        except (IndexError, ValueError) as exc:
            raise InputError(f"{path}: cannot read its first sheet ({exc})") from None
        finally:
            book.close()
        return [[None if c == "" else c for c in row] for row in rows]
    return [list(r) for r in read_delimited(path).rows]


def _date(value: Any, where: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%Y%m%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise InputError(f"{where}: {text!r} is not a date; use YYYY-MM-DD or MM/DD/YYYY")


def _money(value: Any, where: str) -> Decimal:
    if value in (None, ""):
        return ZERO
    try:
        return money(value)
    except ValueError:
        raise InputError(f"{where}: {value!r} is not an amount") from None


class _Row:
    """One data row with its mapped columns, for messages that name the row and field."""

    def __init__(self, row: list[Any], columns: dict[str, int], label: str) -> None:
        self.row, self.columns, self.label = row, columns, label

    def cell(self, field: str) -> Any:
        i = self.columns.get(field)
        return self.row[i] if i is not None and i < len(self.row) else None

    def text(self, field: str) -> str:
        value = self.cell(field)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return "" if value is None else str(value).strip()

    def where(self, field: str) -> str:
        return f"{self.label} ({field})"


def read_payer_sheet(
    path: Path, mapping: Mapping[str, str] | None = None, payer: str = ""
) -> list[Remittance]:
    """Read a payer export into one Remittance per check/EFT number."""
    rows = _rows(path)
    if not rows:
        raise InputError(f"{path}: the sheet is empty")
    header = [_norm(h) for h in rows[0]]
    columns: dict[str, int] = {}
    wanted_text = dict(mapping or {})
    wanted = {k: (_norm(v),) for k, v in wanted_text.items()}
    for field, aliases in FIELDS.items():
        for alias in wanted.get(field, aliases):
            if alias in header:
                columns[field] = header.index(alias)
                break
        else:
            if field in wanted:
                source = getattr(mapping, "source", None)
                by = f" by {source}" if source else ""
                raise InputError(
                    f"{path}: column {wanted_text[field]!r} (mapped to {field}{by}) is not in "
                    f"the header row; headers are {[str(h) for h in rows[0]]}"
                )
    missing = [f for f in REQUIRED if f not in columns]
    if missing:
        raise InputError(
            f"{path}: no column for {', '.join(missing)}; add them to the column mapping "
            f"(headers found: {[str(h) for h in rows[0]]})"
        )
    rems: dict[str, Remittance] = {}
    claims: dict[tuple[str, str, str], ClaimPayment] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell not in (None, "") for cell in row):
            continue

        r = _Row(row, columns, f"{path.name} row {number}")
        cell, text, where = r.cell, r.text, r.where
        check = text("check_number")
        rem = rems.get(check)
        if rem is None:
            rem = rems[check] = Remittance(
                source=path.name,
                trace_number=check,
                payer_name=text("payer") or payer,
                payment_date=_date(cell("payment_date"), where("payment_date")),
            )
        claim_id = text("claim_id")
        status_text = _norm(text("status"))
        status = STATUS_WORDS.get(status_text, status_text or "1")
        if status not in {"1", "2", "3", "4", "19", "20", "21", "22", "23", "25"}:
            raise InputError(
                f"{where('status')}: {text('status')!r} is not a claim status we know; use "
                "Paid, Denied, Secondary, Reversed, Forwarded or a CLP02 code"
            )
        key = (check, claim_id, text("payer_claim_number"))
        claim = claims.get(key)
        if claim is None:
            claim = claims[key] = ClaimPayment(
                patient_control_number=claim_id,
                status=status,
                billed=ZERO,
                paid=ZERO,
                payer_claim_number=key[2] or None,
                patient_last_name=text("patient"),
            )
            rem.claims.append(claim)
        billed = _money(cell("billed"), where("billed"))
        paid = _money(cell("paid"), where("paid"))
        allowed = _money(cell("allowed"), where("allowed")) if "allowed" in columns else None
        resp = _money(cell("patient_responsibility"), where("patient_responsibility"))
        adjustments: list[Adjustment] = []
        if "adjustment" in columns and text("adjustment"):
            group = text("group").upper() or "CO"
            if group not in ("CO", "PR", "OA", "PI", "CR"):
                raise InputError(f"{where('group')}: {group!r} is not CO, PR, OA, PI or CR")
            adjustments.append(
                Adjustment(
                    group=cast(AdjustmentGroup, group),
                    reason=text("reason"),
                    amount=_money(cell("adjustment"), where("adjustment")),
                )
            )
        else:
            # No adjustment columns: split billed - paid into what the sheet does tell us.
            if resp:
                adjustments.append(Adjustment(group="PR", reason="", amount=resp))
            rest = billed - paid - resp
            if rest:
                adjustments.append(Adjustment(group="CO", reason="", amount=rest))
        claim.billed += billed
        claim.paid += paid
        rem.payment_amount += paid
        if "procedure_code" in columns and text("procedure_code"):
            claim.services.append(
                ServicePayment(
                    procedure_code=text("procedure_code"),
                    modifiers=[m for m in re.split(r"[\s,:]+", text("modifiers")) if m],
                    billed=billed,
                    paid=paid,
                    allowed=allowed,
                    date_of_service=_date(cell("date_of_service"), where("date_of_service")),
                    adjustments=adjustments,
                    remark_codes=text("remarks").replace(",", " ").split(),
                )
            )
        else:
            claim.adjustments.extend(adjustments)
            claim.statement_from = _date(cell("date_of_service"), where("date_of_service"))
            claim.remark_codes.extend(text("remarks").replace(",", " ").split())
    return list(rems.values())
