"""The Remittance Register: every payment posted once, every duplicate reported, never counted.

A posting is one 835 transaction set (ST..SE: one check or EFT) or one check of a payer's
export. Its identity is the payer, the trace number (TRN02 / check number), the amount
(BPR02) and the payment date: the same ERA downloaded again under another name, or the same
trace repeated inside a file, has the same identity and is listed as a duplicate of the
first posting, with both files. A reversal (CLP02 22) comes in its own payment with its own
trace, so it is a posting, not a duplicate. Each row is written once; a rerun with the same
files adds nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from addin.collector import collector_paused
from addin.models import Column, Remittance, SheetRows
from addin.models.remittance import ZERO
from addin.registers.cells import as_int, as_money, columns, dates, require_keys, texts

REMIT_REGISTER = "Remittance Register"
REMIT_COLUMNS: list[Column] = [
    Column(name="Posting", kind="code"),
    Column(name="Kind", kind="code"),
    Column(name="Payer"),
    Column(name="Payer ID", kind="code"),
    Column(name="Check/EFT", kind="code"),
    Column(name="Amount", kind="money"),
    Column(name="Payment Date", kind="date"),
    Column(name="Claims", kind="int"),
    Column(name="Claims Paid", kind="money"),
    Column(name="File"),
    Column(name="Received As"),
    Column(name="Set", kind="int"),
    Column(name="Content Hash", kind="code"),
    Column(name="Posted On", kind="date"),
    Column(name="Status", highlight={"duplicate": "FFEB9C", "not balanced": "FFC7CE"}),
    Column(name="Note", width=60),
]
Identity = tuple[str, str, str, str]


@dataclass
class PostingRecord:
    """One row of the Remittance Register."""

    posting: str
    kind: str
    payer: str
    payer_id: str
    trace: str
    amount: Decimal
    payment_date: date | None
    claims: int
    claims_paid: Decimal
    file: str
    received_as: str
    set_index: int
    content_hash: str
    posted_on: date | None
    status: str
    note: str = ""
    row: int | None = None

    def values(self) -> list[Any]:
        return [
            self.posting, self.kind, self.payer, self.payer_id, self.trace, self.amount,
            self.payment_date, self.claims, self.claims_paid, self.file, self.received_as,
            self.set_index, self.content_hash, self.posted_on, self.status, self.note,
        ]  # fmt: skip

    @property
    def posted(self) -> bool:
        return self.status in ("posted", "not balanced")

    @property
    def identity(self) -> Identity:
        return identity_of(self.payer_id or self.payer, self.trace, self.amount, self.payment_date)


def identity_of(payer: str, trace: str, amount: Decimal, day: date | None) -> Identity:
    """What makes two payments the same payment."""
    return (
        " ".join(payer.split()).upper(),
        trace.strip().upper(),
        f"{amount:.2f}",
        day.isoformat() if day else "",
    )


def remittance_identity(rem: Remittance) -> Identity:
    day = rem.payment_date or rem.production_date
    return identity_of(rem.payer_id or rem.payer_name, rem.trace_number, rem.payment_amount, day)


def read_remit_register(sheet: SheetRows | None) -> list[PostingRecord]:
    """The register's rows as records, read a column at a time (see ``cells.columns``)."""
    if sheet is None:
        return []
    # a payment is known by its file's content and transaction set, and by payer, check,
    # amount and date (the same ERA downloaded again under another name)
    require_keys(
        sheet,
        ("Posting", "Payer ID", "Check/EFT", "Amount", "Payment Date", "Content Hash", "Set"),
        "posted",
        {c.name for c in REMIT_COLUMNS},
    )
    with collector_paused():
        posting, kind, payer, payer_id, trace, file, received_as, content_hash, status, note = (
            texts(c) for c in columns(sheet, _TEXT_COLUMNS)
        )
        payment_date, posted_on = (dates(c) for c in columns(sheet, ("Payment Date", "Posted On")))
        amount, claims, claims_paid, set_index = columns(
            sheet, ("Amount", "Claims", "Claims Paid", "Set")
        )
        out: list[PostingRecord] = []
        for k, (row, _) in enumerate(sheet.rows):
            if not posting[k]:
                continue
            out.append(
                PostingRecord(
                    posting=posting[k],
                    kind=kind[k],
                    payer=payer[k],
                    payer_id=payer_id[k],
                    trace=trace[k],
                    amount=as_money(amount[k]),
                    payment_date=payment_date[k],
                    claims=as_int(claims[k]),
                    claims_paid=as_money(claims_paid[k]),
                    file=file[k],
                    received_as=received_as[k],
                    set_index=as_int(set_index[k]),
                    content_hash=content_hash[k],
                    posted_on=posted_on[k],
                    status=status[k] or "posted",
                    note=note[k],
                    row=row,
                )
            )
        return out


_TEXT_COLUMNS = (
    "Posting", "Kind", "Payer", "Payer ID", "Check/EFT", "File", "Received As", "Content Hash",
    "Status", "Note",
)  # fmt: skip


@dataclass
class Arrival:
    """A file handed to a run: its content hash, and the name it came under."""

    received_as: str
    content_hash: str
    kind: str  # "835" or "export"
    transactions: list[Remittance]


class Poster:
    """Decides, transaction by transaction, what is posted and what is a duplicate."""

    def __init__(self, records: Sequence[PostingRecord]) -> None:
        self.records = list(records)
        self.first: dict[Identity, PostingRecord] = {}
        self.seen: set[tuple[str, int, str]] = set()
        for record in self.records:
            self.seen.add((record.content_hash, record.set_index, record.received_as))
            if record.posted:
                self.first.setdefault(record.identity, record)
        self.new: list[PostingRecord] = []

    def _next_id(self) -> str:
        return f"P{len(self.records) + len(self.new) + 1:05d}"

    def arrive(self, arrival: Arrival, kept_as: str, today: date) -> list[PostingRecord]:
        """Rows for a file's transactions; nothing for a file already recorded under that
        name with that content (a rerun)."""
        added: list[PostingRecord] = []
        for index, rem in enumerate(arrival.transactions, start=1):
            key = (arrival.content_hash, index, arrival.received_as)
            if key in self.seen:
                continue
            self.seen.add(key)
            ident = remittance_identity(rem)
            paid = sum((c.paid for c in rem.claims), ZERO)
            first = self.first.get(ident)
            if first is not None:
                status = "duplicate"
                where = f"{first.received_as}" + (
                    f" set {first.set_index}" if first.content_hash != arrival.content_hash
                    or first.set_index != index else ""
                )  # fmt: skip
                note = (
                    f"same payment as {first.posting} (check/EFT {first.trace}, "
                    f"{first.amount:.2f} on {first.payment_date or '?'}) from {where}; "
                    "not posted again"
                )
                file = first.file
            else:
                balance = rem.balance_difference
                status = "posted" if balance == 0 else "not balanced"
                note = "" if balance == 0 else (
                    f"BPR02 {rem.payment_amount:.2f} differs from the claims and provider "
                    f"adjustments by {balance:.2f}; posted as the payer sent it")  # fmt: skip
                file = kept_as
            record = PostingRecord(
                posting=self._next_id(),
                kind=arrival.kind,
                payer=rem.payer_name or rem.payer_id,
                payer_id=rem.payer_id,
                trace=rem.trace_number,
                amount=rem.payment_amount,
                payment_date=rem.payment_date or rem.production_date,
                claims=len(rem.claims),
                claims_paid=paid,
                file=file,
                received_as=arrival.received_as,
                set_index=index,
                content_hash=arrival.content_hash,
                posted_on=today,
                status=status,
                note=note,
            )
            if record.posted:
                self.first[ident] = record
            self.new.append(record)
            added.append(record)
        return added

    def posted(self) -> list[PostingRecord]:
        """Every posting to reconcile, old and new, in the order posted."""
        return [r for r in [*self.records, *self.new] if r.posted]

    def duplicates(self) -> list[PostingRecord]:
        return [r for r in self.new if r.status == "duplicate"]


def posted_sets(records: Iterable[PostingRecord]) -> dict[str, set[int]]:
    """Kept file name -> the transaction sets in it that were posted."""
    out: dict[str, set[int]] = {}
    for record in records:
        if record.posted:
            out.setdefault(record.file, set()).add(record.set_index)
    return out
