"""A register whose key header was typed over is refused, never read as empty: read without
its Claim ID column the Claim Register looked empty, and the next run billed every claim
again (measured: a second 837P with the same 15 claims)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
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


def _refused_after_deleting(book: Path, sheet: str, args: list[str]) -> None:
    """Delete ``sheet``, run ``args``: refused, naming the sheet, nothing written."""
    wb = openpyxl.load_workbook(book)
    del wb[sheet]
    wb.save(book)
    before = _files(book.parent)
    again = runner.invoke(app, args)
    assert again.exit_code == 2, again.output
    assert f"{sheet}: the sheet is missing" in " ".join(again.output.split())
    assert _files(book.parent) == before


def _rename(book: Path, old: str, new: str) -> None:
    wb = openpyxl.load_workbook(book)
    wb[old].title = new
    wb.save(book)


def test_a_claim_register_renamed_or_cleared_bills_nothing_again(clinic: Path) -> None:
    """Renamed (or deleted) the Claim Register read as absent, and the next run billed every
    claim again (measured: a second 837P with the same 15 claims). The 837Ps kept beside the
    workbook say claims were sent and recorded there (a run that fails to save removes its
    837P), so the run stops and says how to put the sheet back."""
    assert runner.invoke(app, ["claims", str(clinic), "--today", "2026-04-10"]).exit_code in (0, 1)
    _rename(clinic, CLAIM_REGISTER, "Old claims")
    before = _files(clinic.parent)
    again = runner.invoke(app, ["claims", str(clinic), "--today", "2026-04-10"])
    assert again.exit_code == 2, again.output
    text = " ".join(again.output.split())
    assert "Claim Register: the sheet is missing" in text and "1 837P file(s)" in text
    assert "rename it to 'Claim Register'" in text and _files(clinic.parent) == before
    _rename(clinic, "Old claims", CLAIM_REGISTER)
    back = runner.invoke(app, ["claims", str(clinic), "--today", "2026-04-10"])
    assert back.exit_code in (0, 1) and "no new claims to send" in back.output
    assert len(list((clinic.parent / f"{clinic.stem} claims").glob("*.837"))) == 1
    wb = openpyxl.load_workbook(clinic)
    sheet = wb[CLAIM_REGISTER]
    sheet.delete_rows(2, sheet.max_row)  # the rows cleared, the header kept
    wb.save(clinic)
    cleared = runner.invoke(app, ["claims", str(clinic), "--today", "2026-04-10"])
    assert cleared.exit_code == 2 and "the sheet has no rows" in " ".join(cleared.output.split())


def test_a_remittance_register_deleted_posts_nothing_again(clinic: Path, era: Path) -> None:
    args = ["reconcile", str(clinic), str(era), "--today", "2026-04-10"]
    assert runner.invoke(app, ["claims", str(clinic), "--today", "2026-04-10"]).exit_code in (0, 1)
    assert runner.invoke(app, args).exit_code in (0, 1)
    _refused_after_deleting(clinic, REMIT_REGISTER, args)


def test_a_first_run_with_nothing_kept_is_not_refused(tmp_path: Path) -> None:
    """A workbook with no register yet and nothing kept beside it is a first run."""
    from addin.demo.workbook import build_demo_workbook

    book = build_demo_workbook(tmp_path / "new.xlsx", 20)
    wb = openpyxl.load_workbook(book)
    for name in (CLAIM_REGISTER, REMIT_REGISTER):
        if name in wb.sheetnames:
            del wb[name]
    wb.save(book)
    first = runner.invoke(app, ["claims", str(book), "--today", "2026-10-30"])
    assert first.exit_code in (0, 1), first.output
    assert "claim(s) sent" in first.output


def test_an_acknowledgments_register_deleted_reads_nothing_again(clinic: Path) -> None:
    """Read again, a 277CA's rejections would be applied again to claims since resent."""
    from addin.registers.acks import ACK_REGISTER

    acks = Path(__file__).resolve().parents[1] / "data" / "x12" / "acks"
    args = ["acknowledgments", str(clinic), str(acks / "claims.277"), "--today", "2026-04-13"]
    assert runner.invoke(app, ["claims", str(clinic), "--today", "2026-04-10"]).exit_code in (0, 1)
    assert runner.invoke(app, args).exit_code == 0
    _refused_after_deleting(clinic, ACK_REGISTER, args)


def test_a_workbook_restored_from_an_older_backup_bills_nothing_again(tmp_path: Path) -> None:
    """The newest backup is the workbook before the last run: its Claim Register lacks that
    run's claims, and run on it, Claimbook billed them again. The 837P kept beside the
    workbook that the register does not name says so."""
    from addin.demo.workbook import build_demo_workbook

    book = build_demo_workbook(tmp_path / "clinic.xlsx", 60)
    early = runner.invoke(app, ["claims", str(book), "--today", "2026-08-01"])
    assert early.exit_code in (0, 1) and "claim(s) sent" in early.output, early.output
    later = runner.invoke(app, ["claims", str(book), "--today", "2026-10-30"])
    assert later.exit_code in (0, 1) and "claim(s) sent" in later.output, later.output
    sent = sorted(p.name for p in (tmp_path / "clinic claims").glob("*.837"))
    assert len(sent) == 2
    backups = sorted(
        (tmp_path / "Claimbook backups").glob("clinic.backup-*.xlsx"),
        key=lambda p: p.stat().st_mtime_ns,  # (two runs in one second: "-2" sorts first)
    )
    assert len(backups) == 2
    book.write_bytes(backups[-1].read_bytes())  # "restore the newest backup"
    before = _files(tmp_path)
    again = runner.invoke(app, ["claims", str(book), "--today", "2026-10-30"])
    assert again.exit_code == 2, again.output
    text = " ".join(again.output.split())
    assert "Claim Register: does not name 1 837P file(s) kept in" in text
    assert sent[1] in text and "a backup older than them lacks them too" in text
    assert _files(tmp_path) == before


def test_a_claim_register_without_what_was_billed_reconciles_nothing(
    clinic: Path, era: Path
) -> None:
    """Read without its Billed and Lines Billed columns, every payment was reconciled against
    0.00 (measured: "allowed 110.00 is 110.00 above the contract (0.00)")."""
    assert runner.invoke(app, ["claims", str(clinic), "--today", "2026-04-10"]).exit_code in (0, 1)
    type_into(clinic, cells=[(CLAIM_REGISTER, 1, "Billed", "Amt")])
    before = _files(clinic.parent)
    result = runner.invoke(app, ["reconcile", str(clinic), str(era), "--today", "2026-04-10"])
    assert result.exit_code == 2, result.output
    assert "no 'Billed' column ('Amt' in row 1" in " ".join(result.output.split())
    assert _files(clinic.parent) == before
