"""The deposits step: every ERA's payment matched to the bank, every deposit to an ERA.

Bank exports given to a run are kept beside the workbook (``BOOK bank/``, like the
remittances) and every kept export is read again each run, overlapping downloads counted
once, so the Deposits sheet always shows the whole history. The ERAs are the Remittance
Register's postings (an export's checks too). Staff notes typed on the sheet are kept.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from addin.errors import InputError
from addin.files.folders import not_a_file
from addin.models import Column, ResultTable
from addin.remit.bank import (
    DepositReport,
    EraPayment,
    match_deposits,
    read_bank_csv,
    unique_deposits,
)
from addin.runs.carry import Carry, carry_over
from addin.runs.session import Session

DEPOSITS_SHEET = "Deposits"
BANK_FOLDER = "{stem} bank"
BANK_SUFFIXES = (".csv", ".txt", ".tsv")
DEPOSITS_CARRY = Carry(key=("Posting", "Deposit ID"), staff=("Note",))
DEPOSIT_COLUMNS = [
    Column(name="Status", highlight={"not in the bank yet": "FFEB9C",
                                     "no ERA received": "FFC7CE", "matched": "C6EFCE"}),
    Column(name="Posting", kind="code"),
    Column(name="Payer"),
    Column(name="Trace", kind="code"),
    Column(name="ERA Amount", kind="money"),
    Column(name="ERA Date", kind="date"),
    Column(name="Deposit ID", kind="code"),
    Column(name="Deposit Date", kind="date"),
    Column(name="Deposit Amount", kind="money"),
    Column(name="Description", width=40),
    Column(name="Reference", kind="code"),
    Column(name="Matched By"),
    Column(name="Bank File"),
    Column(name="Note", width=40),
]  # fmt: skip


def _mapping_file(kept: Path) -> Path:
    return kept.with_name(kept.name + ".mapping.json")


def deposits_table(report: DepositReport) -> ResultTable:
    rows: list[list[Any]] = []
    for m in report.matches:
        era, dep = m.era, m.deposit
        rows.append([
            m.status, era.posting if era else "", era.payer if era else "",
            era.trace if era else "", era.amount if era else None, era.day if era else None,
            dep.key if dep else "", dep.day if dep else None, dep.amount if dep else None,
            dep.description if dep else "", dep.reference if dep else "", m.how,
            dep.source if dep else "", "",
        ])  # fmt: skip
    return ResultTable(sheet=DEPOSITS_SHEET, columns=DEPOSIT_COLUMNS, rows=rows,
                       title="ERAs and bank deposits")  # fmt: skip


def deposits_json(report: DepositReport) -> dict[str, Any]:
    out = []
    for m in report.matches:
        era, dep = m.era, m.deposit
        out.append({
            "status": m.status, "matched_by": m.how or None,
            "era": None if era is None else {
                "posting": era.posting, "payer": era.payer, "trace": era.trace,
                "amount": f"{era.amount:.2f}", "date": era.day.isoformat() if era.day else None,
            },
            "deposit": None if dep is None else {
                "id": dep.key, "date": dep.day.isoformat(), "amount": f"{dep.amount:.2f}",
                "description": dep.description, "reference": dep.reference,
                "source": dep.source,
            },
        })  # fmt: skip
    return {"matches": out, "totals": report.totals(), "bank_files": report.files}


def deposits_step(
    session: Session, files: Sequence[Path] = (), mapping: Mapping[str, str] | None = None
) -> DepositReport | None:
    """Keep ``files``, read every kept bank export, match, write the Deposits sheet."""
    folder = session.folder(BANK_FOLDER)
    for path in files:
        if not path.is_file():
            raise InputError(not_a_file(path))
        if path.suffix.lower() not in BANK_SUFFIXES:
            raise InputError(
                f"{path}: not a CSV export; download the bank activity as CSV (a .csv, .txt or "
                ".tsv file) and give that"
            )
        read_bank_csv(path, mapping)  # refuse a file that cannot be read before keeping it
        kept, _ = session.keep(path, BANK_FOLDER)
        if mapping:
            _mapping_file(kept).write_text(json.dumps(dict(mapping)), encoding="utf-8")
    if not folder.is_dir():
        return None  # no bank export yet: nothing to match
    deposits = []
    kept_files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower()
                        in BANK_SUFFIXES)  # fmt: skip
    for path in kept_files:
        saved = _mapping_file(path)
        used = json.loads(saved.read_text(encoding="utf-8")) if saved.is_file() else None
        deposits += read_bank_csv(path, used)
    postings = session.data.get("_postings") or session.postings
    eras = [
        EraPayment(r.posting, r.payer, r.trace, r.amount, r.payment_date)
        for r in postings
        if r.posted and r.amount > 0  # no money moves for a zero ERA; a negative is a debit
    ]
    report = match_deposits(eras, unique_deposits(deposits))
    report.files = [p.name for p in kept_files]
    table = carry_over(deposits_table(report), session.book.own.get(DEPOSITS_SHEET),
                       DEPOSITS_CARRY)  # fmt: skip
    session.put(table)
    counts: dict[str, int] = {}
    for m in report.matches:
        counts[m.status] = counts.get(m.status, 0) + 1
    totals = report.totals()
    session.summary.append(
        "deposits: "
        + ", ".join(f"{v} {k}" for k, v in counts.items())
        + f"; ERAs {totals['eras']}, matched {totals['matched']}, not in the bank "
        f"{totals['not_in_bank']}, deposits without an ERA {totals['no_era']}"
    )
    session.data["deposits"] = deposits_json(report)
    return report
