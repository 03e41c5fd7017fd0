"""A register whose key header was typed over is refused, never read as empty: read without
its Claim ID column the Claim Register looked empty, and the next run billed every claim
again (measured: a second 837P with the same 15 claims)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from addin.cli import app
from addin.registers.claims import CLAIM_REGISTER
from addin.registers.remits import REMIT_REGISTER
from addin.sheets.typing import type_into

runner = CliRunner()
TODAY = date(2026, 4, 10)


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "Claimbook backups" not in p.parts
    }


def test_a_claim_register_without_its_claim_id_header_bills_nothing_again(clinic: Path) -> None:
    first = runner.invoke(app, ["claims", str(clinic), "--today", "2026-04-10"])
    assert first.exit_code in (0, 1), first.output
    sent = sorted((clinic.parent / f"{clinic.stem} claims").glob("*.837"))
    assert len(sent) == 1
    type_into(clinic, cells=[(CLAIM_REGISTER, 1, "Claim ID", "Claim")])  # typed over
    before = _files(clinic.parent)
    again = runner.invoke(app, ["claims", str(clinic), "--today", "2026-04-10"])
    assert again.exit_code == 2, again.output
    assert "Claim Register: row 1 has no 'Claim ID' column" in again.output
    assert "'Claim' in row 1 is not a header Claimbook wrote" in again.output
    assert _files(clinic.parent) == before  # no 837P, no register row, no backup written
    cycle = runner.invoke(app, ["cycle", str(clinic), "--today", "2026-04-10"])
    assert cycle.exit_code == 2 and _files(clinic.parent) == before


def test_a_remittance_register_without_its_content_hash_posts_nothing_again(
    clinic: Path, era: Path
) -> None:
    args = ["reconcile", str(clinic), str(era), "--today", "2026-04-10"]
    assert runner.invoke(app, ["claims", str(clinic), "--today", "2026-04-10"]).exit_code in (0, 1)
    assert runner.invoke(app, args).exit_code in (0, 1)
    type_into(clinic, cells=[(REMIT_REGISTER, 1, "Content Hash", None)])  # cleared
    before = _files(clinic.parent)
    again = runner.invoke(app, args)
    assert again.exit_code == 2, again.output
    assert "Remittance Register: row 1 has no 'Content Hash' column" in again.output
    assert _files(clinic.parent) == before
