"""Where a clinic workbook's history begins: the first row of its Claim Register (else of
its Remittance Register, else of its Acknowledgments), as a digest.

The registers are appended to and never rebuilt, and a sent claim's first row keeps its
Submission, Claim ID, Fingerprint, 837P File and Sent for good (only its status cells
change), so the digest stays the same however many weeks a workbook runs, and two different
clinics never share it (a claim's fingerprint holds its provider and patient). Two
workbooks with the same origin hold the same clinic's history twice: a renamed or moved
workbook (``addin.archive`` keeps its clinic), or a copy beside it (``claimbook archive``
and ``claimbook batch`` refuse it: archived, its history would count twice; run, its
claims not yet sent would be billed twice). A workbook whose registers hold no row has no
origin ("").
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from addin.models import SheetRows
from addin.registers.acks import ACK_REGISTER, read_ack_register
from addin.registers.cells import as_text
from addin.registers.claims import CLAIM_REGISTER, read_claim_register
from addin.registers.remits import REMIT_REGISTER, read_remit_register

REGISTERS = (CLAIM_REGISTER, REMIT_REGISTER, ACK_REGISTER)


def sheet_rows(name: str, rows: list[list[Any]] | None) -> SheetRows | None:
    """Rows as read (row 1 the header) as SheetRows: the non-empty rows below row 1."""
    if not rows:
        return None
    headers = [as_text(h) for h in rows[0]]
    body = [(i + 2, list(r)) for i, r in enumerate(rows[1:]) if any(v not in ("", None)
                                                                    for v in r)]  # fmt: skip
    return SheetRows(name=name, headers=headers, rows=body, ours=True)


def history_origin(sheet: Callable[[str], SheetRows | None]) -> str:
    """The origin of the registers ``sheet(name)`` gives (each register's rows, or its
    header row and first row; None: no such sheet), "" when none holds a row. Registers
    are asked for in order and only until one has a row."""
    parts: tuple[str, ...] = ()
    for name in REGISTERS:
        rows = sheet(name)
        if rows is None or not rows.rows:
            continue
        if name == CLAIM_REGISTER and (claims := read_claim_register(rows)):
            c = claims[0]
            parts = (name, c.submission, c.claim_id, c.fingerprint, c.file, str(c.sent))
        elif name == REMIT_REGISTER and (postings := read_remit_register(rows)):
            p = postings[0]
            parts = (name, p.posting, p.content_hash, str(p.set_index), str(p.posted_on))
        elif name == ACK_REGISTER and (acks := read_ack_register(rows)):
            a = acks[0]
            parts = (name, a.kind, a.content_hash, str(a.set_index), str(a.received))
        if parts:
            break
    if not parts:
        return ""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


__all__ = ["REGISTERS", "history_origin", "sheet_rows"]
