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

from addin.models import Column, SheetRows
from addin.registers.cells import as_date, as_int, as_text

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
    if sheet is None:
        return []
    out: list[AckRecord] = []
    for row, cells in sheet.records():
        kind = as_text(cells.get("Kind"))
        if not kind:
            continue
        out.append(
            AckRecord(
                received=as_date(cells.get("Received")),
                kind=kind,
                acknowledges=as_text(cells.get("Acknowledges")),
                result=as_text(cells.get("Result")),
                accepted=as_int(cells.get("Claims Accepted")),
                rejected=as_int(cells.get("Claims Rejected")),
                file=as_text(cells.get("File")),
                received_as=as_text(cells.get("Received As")),
                set_index=as_int(cells.get("Set")),
                content_hash=as_text(cells.get("Content Hash")),
                note=as_text(cells.get("Note")),
                row=row,
            )
        )
    return out
