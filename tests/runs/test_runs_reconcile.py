"""Reconcile against what was billed, each payment posted once, the worklist kept."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from addin import runs
from addin.cli import app
from addin.registers.claims import CLAIM_REGISTER, read_claim_register
from addin.registers.remits import REMIT_REGISTER, read_remit_register
from addin.sheets import read_book
from addin.sheets.typing import type_into

TODAY = date(2026, 4, 10)


def era(trace: str, day: str, claims: list[str], amount: str) -> str:
    """An 835 from Aetna with the given CLP blocks (each a few segments joined by ~)."""
    body = [
        "ST*835*0001",
        f"BPR*I*{amount}*C*ACH*CCP*01*999999999*DA*1*1999999999**01*999999999*DA*2*{day}",
        f"TRN*1*{trace}*1999999999",
        "N1*PR*AETNA",
        "N1*PE*RIVERSIDE FAMILY MEDICINE*XX*1234567893",
        "LX*1",
        *[seg for block in claims for seg in block.split("~") if seg],
    ]
    body.append(f"SE*{len(body) + 1}*0001")
    isa = (
        "ISA*00*          *00*          *ZZ*AETNA          *ZZ*RIVERSIDE      *260401*1200*^*"
        "00501*000000009*0*P*:"
    )
    return "~\n".join([isa, "GS*HP*AETNA*RIVERSIDE*20260401*1200*9*X*005010X221A1", *body,
                       "GE*1*9", "IEA*1*000000009"]) + "~\n"  # fmt: skip


PAID_V1 = "CLP*V1*1*137.50*85.00*20.00*12*AET1~CAS*CO*45*32.50~CAS*PR*3*20.00"
REVERSE_V1 = "CLP*V1*22*-137.50*-85.00*-20.00*12*AET1~CAS*CO*45*-32.50~CAS*PR*3*-20.00"
CORRECT_V1 = "CLP*V1*1*137.50*105.00**12*{icn}~CAS*CO*45*32.50"
DENY_V2 = "CLP*V2*4*150.00*0.00**12*AET2~CAS*CO*197*150.00"
PAY_V2 = "CLP*V2*1*150.00*95.00**12*AET2B~CAS*CO*45*55.00"


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="ascii")
    return path


def postings(book: Path) -> list:  # type: ignore[type-arg]
    return read_remit_register(read_book(book, own=[REMIT_REGISTER]).own.get(REMIT_REGISTER))


def statuses(book: Path) -> dict[str, str]:
    records = read_claim_register(read_book(book, own=[CLAIM_REGISTER]).own.get(CLAIM_REGISTER))
    return {r.claim_id: r.status for r in records}


def test_the_same_era_twice_and_renamed_is_posted_once(clinic: Path, era: Path) -> None:
    runs.claims(clinic, today=TODAY)
    first = runs.reconcile(clinic, runs.Inputs(remittances=[era]), today=TODAY)
    assert first.reconciliation is not None
    deposits = first.reconciliation.totals()["payments"]
    again = era.with_name("aetna-2026-04-01 (1).835")
    shutil.copy(era, again)
    second = runs.reconcile(clinic, runs.Inputs(remittances=[era, again]), today=TODAY)
    assert second.reconciliation is not None
    assert second.reconciliation.totals()["payments"] == deposits == "90.00"
    rows = postings(clinic)
    assert [(r.status, r.received_as) for r in rows] == [
        ("posted", era.name), ("duplicate", again.name)]  # fmt: skip
    assert era.name in rows[1].note and "P00001" in rows[1].note
    assert any("duplicate" in line and again.name in line for line in second.summary)
    # a third time, same names: nothing new at all
    before = clinic.read_bytes()
    third = runs.reconcile(clinic, runs.Inputs(remittances=[era, again]), today=TODAY)
    assert not third.changed and clinic.read_bytes() == before
    assert len(postings(clinic)) == 2


def test_a_trace_repeated_inside_one_file_is_a_duplicate(clinic: Path, tmp_path: Path) -> None:
    runs.claims(clinic, today=TODAY)
    one = era("EFT777", "20260401", [PAID_V1], "85.00")
    lines = one.splitlines()
    start = next(i for i, s in enumerate(lines) if s.startswith("ST*"))
    end = next(i for i, s in enumerate(lines) if s.startswith("SE*"))
    twice = "\n".join([*lines[: end + 1], *lines[start : end + 1], *lines[end + 1 :]]) + "\n"
    twice = twice.replace("GE*1*9", "GE*2*9")
    path = write(tmp_path / "in", "twice.835", twice)
    outcome = runs.reconcile(clinic, runs.Inputs(remittances=[path]), today=TODAY)
    assert outcome.reconciliation is not None
    assert outcome.reconciliation.totals()["payments"] == "85.00"
    assert [r.status for r in postings(clinic)] == ["posted", "duplicate"]
    assert statuses(clinic)["V1"] == "paid"


@pytest.mark.parametrize("icn", ["AET1", "AET1B"])
def test_a_reversal_and_correction_in_a_later_run_is_corrected(
    clinic: Path, tmp_path: Path, icn: str
) -> None:
    runs.claims(clinic, today=TODAY)
    first = write(tmp_path / "in", "era1.835", era("EFT1", "20260401", [PAID_V1], "85.00"))
    runs.reconcile(clinic, runs.Inputs(remittances=[first]), today=TODAY)
    assert statuses(clinic)["V1"] == "paid"
    later = era("EFT2", "20260422", [REVERSE_V1, CORRECT_V1.format(icn=icn)], "20.00")
    second = write(tmp_path / "in", "era2.835", later)
    outcome = runs.reconcile(clinic, runs.Inputs(remittances=[second]), today=date(2026, 4, 24))
    assert outcome.reconciliation is not None
    v1 = next(c for c in outcome.reconciliation.claims if c.claim_id == "V1")
    assert v1.status == "corrected" and v1.paid == Decimal("105.00")
    assert statuses(clinic)["V1"] == "corrected"
    assert outcome.reconciliation.totals()["payments"] == "105.00"  # both checks, once each


def test_never_sent_is_not_ar_and_sent_without_payment_is_pending(clinic: Path) -> None:
    outcome = runs.reconcile(clinic, runs.Inputs(), today=TODAY)
    assert outcome.reconciliation is not None and not outcome.reconciliation.claims
    runs.claims(clinic, today=TODAY)
    outcome = runs.reconcile(clinic, runs.Inputs(), today=date(2026, 5, 20))
    assert outcome.reconciliation is not None
    assert {c.claim_id: c.status for c in outcome.reconciliation.claims} == {
        "V1": "pending", "V2": "pending"}  # fmt: skip
    aging = next(t for t in outcome.tables if t.sheet == "Aging")
    # 40 days from the date sent (2026-04-10), not from the dates of service (Jan, Mar)
    assert aging.rows[0][2] == Decimal("287.50") and "date sent" in (aging.title or "")


def test_typed_worklist_values_survive_and_a_paid_denial_is_resolved(
    clinic: Path, tmp_path: Path
) -> None:
    runs.claims(clinic, today=TODAY)
    first = write(tmp_path / "in", "era1.835", era("EFT1", "20260401", [PAID_V1, DENY_V2], "85.00"))
    runs.reconcile(clinic, runs.Inputs(remittances=[first]), today=TODAY)
    sheet = read_book(clinic, own=["Denials"]).own["Denials"]
    row = next(r for r, v in sheet.records() if v["Claim ID"] == "V2")
    typed = [("Denials", row, "Owner", "Dev"), ("Denials", row, "Work Status", "Appealed"),
             ("Denials", row, "Follow-up Date", date(2026, 5, 1)),
             ("Denials", row, "Notes", "auth on file; appeal faxed")]  # fmt: skip
    type_into(clinic, cells=typed)
    for n in range(3):
        runs.reconcile(clinic, runs.Inputs(), today=date(2026, 4, 11 + n))
        values = dict(next(v for _, v in read_book(clinic, own=["Denials"]).own["Denials"]
                           .records() if v["Claim ID"] == "V2"))  # fmt: skip
        assert values["Owner"] == "Dev" and values["Work Status"] == "Appealed"
        assert values["Notes"] == "auth on file; appeal faxed"
        assert values["Follow-up Date"] is not None
    assert statuses(clinic)["V2"] == "in appeal"
    paid = write(tmp_path / "in", "era2.835", era("EFT2", "20260501", [PAY_V2], "95.00"))
    runs.reconcile(clinic, runs.Inputs(remittances=[paid]), today=date(2026, 5, 2))
    rows = [v for _, v in read_book(clinic, own=["Denials"]).own["Denials"].records()
            if v["Claim ID"] == "V2"]  # fmt: skip
    assert len(rows) == 1 and rows[0]["Owner"] == "Dev"
    assert str(rows[0]["Resolution"]).startswith("resolved: paid 95.00")
    assert statuses(clinic)["V2"] == "paid"


def test_reconcile_cli_reports_duplicates_with_both_files(clinic: Path, era: Path) -> None:
    runs.claims(clinic, today=TODAY)
    again = era.with_name("era (1).835")
    shutil.copy(era, again)
    result = CliRunner().invoke(app, ["reconcile", str(clinic), str(era), str(again),
                                      "--today", "2026-04-10"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "1 duplicate(s) not posted again" in result.output
    assert "era (1).835" in result.output and era.name in result.output


def test_worklist_notes_are_never_dropped_when_its_claim_id_header_was_typed_over(
    clinic: Path, tmp_path: Path
) -> None:
    """Rebuilt without its Claim ID column, the worklist lost every Owner, Work Status and
    Note staff had typed: the run now stops, names the header and writes nothing."""
    runs.claims(clinic, today=TODAY)
    first = write(tmp_path / "in", "era1.835", era("EFT1", "20260401", [PAID_V1, DENY_V2], "85.00"))
    runs.reconcile(clinic, runs.Inputs(remittances=[first]), today=TODAY)
    sheet = read_book(clinic, own=["Denials"]).own["Denials"]
    row = next(r for r, v in sheet.records() if v["Claim ID"] == "V2")
    type_into(clinic, cells=[("Denials", row, "Notes", "auth on file; appeal faxed"),
                             ("Denials", 1, "Claim ID", "Claim #")])  # fmt: skip
    before = clinic.read_bytes()
    result = CliRunner().invoke(app, ["reconcile", str(clinic), "--today", "2026-04-11"])
    assert result.exit_code == 2, result.output
    assert "Denials: row 1 has no 'Claim ID' column" in result.output
    assert "'Claim #' in row 1 is not a header Claimbook wrote" in result.output
    assert clinic.read_bytes() == before
    type_into(clinic, cells=[("Denials", 1, "Claim ID", "Claim ID")])  # put back: runs again
    runs.reconcile(clinic, runs.Inputs(), today=date(2026, 4, 11))
    rows = read_book(clinic, own=["Denials"]).own["Denials"].records()
    assert [v["Notes"] for _, v in rows if v["Claim ID"] == "V2"] == ["auth on file; appeal faxed"]
