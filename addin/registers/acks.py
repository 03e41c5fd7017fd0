"""The Acknowledgments register: each 999 and 277CA the clearinghouse sent, read once.

One row per acknowledgment transaction set: which of our 837P batches it answers (the GS06
group control number for a 999, the batch trace for a 277CA), whether the batch or how many
of its claims were accepted or rejected, and the kept file. A rerun with the same files adds
nothing; the claims' own statuses go to the Claim Register.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from addin.collector import collector_paused
from addin.models import Column, SheetRows
from addin.registers.cells import as_int, columns, dates, require_keys, texts

ACK_REGISTER = "Acknowledgments"
ACK_COLUMNS: list[Column] = [
    Column(name="Received", kind="date"),
    Column(name="Kind", kind="code"),
    Column(name="Acknowledges", kind="code"),
    Column(name="Result", highlight={"rejected": "FFC7CE", "partly accepted": "FFEB9C"}),
    Column(name="Claims Accepted", kind="int"),
    Column(name="Claims Rejected", kind="int"),
    Column(name="File"),
    Column(name="Received As"),
    Column(name="Set", kind="int"),
    Column(name="Content Hash", kind="code"),
    Column(name="Note", width=70),
]


@dataclass
class AckRecord:
    """One row of the Acknowledgments register."""

    received: date | None
    kind: str
    acknowledges: str
    result: str
    accepted: int
    rejected: int
    file: str
    received_as: str
    set_index: int
    content_hash: str
    note: str = ""
    row: int | None = None

    def values(self) -> list[Any]:
        return [
            self.received, self.kind, self.acknowledges, self.result, self.accepted,
            self.rejected, self.file, self.received_as, self.set_index, self.content_hash,
            self.note,
        ]  # fmt: skip


def read_ack_register(sheet: SheetRows | None) -> list[AckRecord]:
    """The register's rows as records, read a column at a time (see ``cells.columns``)."""
    if sheet is None:
        return []
    require_keys(
        sheet,
        ("Kind", "Content Hash", "Set"),
        "read from the clearinghouse",
        {c.name for c in ACK_COLUMNS},
    )
    with collector_paused():
        kind, acknowledges, result, file, received_as, content_hash, note = (
            texts(c) for c in columns(sheet, _TEXT_COLUMNS)
        )
        (received,) = (dates(c) for c in columns(sheet, ("Received",)))
        accepted, rejected, set_index = columns(
            sheet, ("Claims Accepted", "Claims Rejected", "Set")
        )
        out: list[AckRecord] = []
        for k, (row, _) in enumerate(sheet.rows):
            if not kind[k]:
                continue
            out.append(
                AckRecord(
                    received=received[k],
                    kind=kind[k],
                    acknowledges=acknowledges[k],
                    result=result[k],
                    accepted=as_int(accepted[k]),
                    rejected=as_int(rejected[k]),
                    file=file[k],
                    received_as=received_as[k],
                    set_index=as_int(set_index[k]),
                    content_hash=content_hash[k],
                    note=note[k],
                    row=row,
                )
            )
        return out


_TEXT_COLUMNS = (
    "Kind", "Acknowledges", "Result", "File", "Received As", "Content Hash", "Note",
)  # fmt: skip
