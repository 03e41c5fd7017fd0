"""Claims through the Claim Register: never billed twice, changes listed, replacements asked for."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from addin import runs
from addin.cli import app
from addin.errors import OutputError
from addin.registers.claims import CLAIM_REGISTER, read_claim_register
from addin.sheets import read_book
from addin.sheets.typing import type_into
from addin.x12.segments import read_segments

TODAY = date(2026, 4, 10)


def register(book: Path) -> list:  # type: ignore[type-arg]
    return read_claim_register(read_book(book, own=[CLAIM_REGISTER]).own.get(CLAIM_REGISTER))


def sent_files(book: Path) -> list[Path]:
    return sorted((book.parent / f"{book.stem} claims").glob("*.837"))


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_claims_twice_writes_one_837p_and_says_nothing_is_new(clinic: Path) -> None:
    code, first = cli("claims", str(clinic), "--today", "2026-04-10")
    assert code == 1, first  # V3 has an error and is held
    assert len(sent_files(clinic)) == 1
    records = register(clinic)
    assert sorted(r.claim_id for r in records) == ["V1", "V2"]
    assert all(r.status == "sent" and r.sent == TODAY and r.frequency == "1" for r in records)
    before = clinic.read_bytes()
    code, second = cli("claims", str(clinic), "--today", "2026-04-10")
    assert "no new claims to send, 2 sent before" in second
    assert len(sent_files(clinic)) == 1  # no second 837P
    assert len(register(clinic)) == 2
    assert clinic.read_bytes() == before  # nothing changed: the workbook was not rewritten


def test_register_rows_name_the_file_and_control_numbers(clinic: Path) -> None:
    outcome = runs.claims(clinic, today=TODAY)
    path = outcome.claims.x12_path if outcome.claims else None
    assert path is not None
    segments = list(read_segments(path, path.name))
    isa13 = next(s[13] for s in segments if s.id == "ISA")
    gs06 = next(s[6] for s in segments if s.id == "GS")
    st02 = next(s[2] for s in segments if s.id == "ST")
    for record in register(clinic):
        assert (record.file, record.isa13, record.gs06, record.st02) == (
            path.name, isa13, gs06, st02)  # fmt: skip
        assert record.billed > 0 and record.line_count >= 1 and len(record.fingerprint) == 16
        assert record.submission == f"{record.claim_id}/1"


def test_a_changed_encounter_is_listed_not_billed_until_replaced(clinic: Path, era: Path) -> None:
    runs.claims(clinic, today=TODAY)
    # the payer's ERA gives V1 its claim number (AET1)
    runs.reconcile(clinic, runs.Inputs(remittances=[era]), today=TODAY)
    type_into(clinic, cells=[("Encounters", 2, "Charge", 130)])  # V1's first line
    outcome = runs.claims(clinic, today=date(2026, 4, 17))
    assert outcome.claims is not None and not outcome.claims.sent
    changed = [f for f in outcome.findings if f.rule == "CLAIM-CHANGED-AFTER-SENT"]
    assert [f.encounter_id for f in changed] == ["V1"]
    assert "sent on 2026-04-10" in changed[0].message and "--replace V1" in changed[0].fix
    assert outcome.claims.statuses["V1"][0] == "Changed since sent"
    assert len(sent_files(clinic)) == 1
    # asked for explicitly, it goes out as a replacement with the payer's claim number
    outcome = runs.claims(clinic, runs.Inputs(replace=["V1"]), today=date(2026, 4, 17))
    assert outcome.claims is not None and [c.claim_id for c in outcome.claims.sent] == ["V1"]
    path = outcome.claims.x12_path
    assert path is not None
    segments = list(read_segments(path, path.name))
    clm = next(s for s in segments if s.id == "CLM")
    assert clm.component(5, 3) == "7"
    assert any(s.id == "REF" and s[1] == "F8" and s[2] == "AET1" for s in segments)
    records = register(clinic)
    v1 = [r for r in records if r.claim_id == "V1"]
    assert [(r.frequency, r.status) for r in v1] == [("1", "replaced"), ("7", "sent")]
    assert v1[1].replaces == "AET1" and v1[1].submission == "V1/2"
    assert "replaced by V1/2" in v1[0].history


def test_replace_before_the_payer_answered_says_why_not(clinic: Path) -> None:
    runs.claims(clinic, today=TODAY)
    type_into(clinic, cells=[("Encounters", 2, "Charge", 130)])
    outcome = runs.claims(clinic, runs.Inputs(replace=["V1"]), today=TODAY)
    assert outcome.claims is not None and not outcome.claims.sent
    assert any(f.rule == "CLAIM-NO-PAYER-NUMBER" for f in outcome.findings)


def test_void_sends_frequency_8(clinic: Path, era: Path) -> None:
    runs.claims(clinic, today=TODAY)
    runs.reconcile(clinic, runs.Inputs(remittances=[era]), today=TODAY)
    outcome = runs.claims(clinic, runs.Inputs(void=["V2"]), today=date(2026, 4, 20))
    assert outcome.claims is not None
    path = outcome.claims.x12_path
    assert path is not None
    segments = list(read_segments(path, path.name))
    assert next(s for s in segments if s.id == "CLM").component(5, 3) == "8"
    assert any(s.id == "REF" and s[1] == "F8" and s[2] == "AET2" for s in segments)
    assert [r.status for r in register(clinic) if r.claim_id == "V2"][-1] == "voided"


def test_unknown_claim_ids_are_refused(clinic: Path) -> None:
    code, output = cli("claims", str(clinic), "--replace", "NOPE", "--today", "2026-04-10")
    assert code == 2 and "--replace NOPE" in output and "Traceback" not in output


def test_claims_into_a_copy_is_refused(clinic: Path, tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="Claim Register"):
        runs.run(clinic, None, TODAY, steps=("claims",), out=tmp_path / "copy.xlsx")


def test_timely_filing_warns_then_holds(tmp_path: Path) -> None:
    from clinic_sample import SETTINGS, write_clinic
    from excel_clinic import ENC_HEADERS, ROWS

    book = write_clinic(tmp_path / "late.xlsx", ENC_HEADERS, ROWS[:3], SETTINGS)
    import openpyxl

    wb = openpyxl.load_workbook(book)
    wb["Payers"]["D1"] = "Filing Limit (days)"
    wb["Payers"]["D2"] = 90
    wb.save(book)
    # V2 (2026-01-05) is 85 days old on 2026-03-31: a warning; V1 (2026-03-04) is fine
    outcome = runs.claims(book, today=date(2026, 3, 31))
    late = [f for f in outcome.findings if f.rule == "TIMELY-FILING"]
    assert [(f.encounter_id, f.severity) for f in late] == [("V2", "warning")]
    assert "5 left" in late[0].message
    book2 = write_clinic(tmp_path / "later.xlsx", ENC_HEADERS, ROWS[:3], SETTINGS)
    wb = openpyxl.load_workbook(book2)
    wb["Payers"]["D1"] = "Filing Limit (days)"
    wb["Payers"]["D2"] = 90
    wb.save(book2)
    outcome = runs.claims(book2, today=date(2026, 4, 10))
    late = [f for f in outcome.findings if f.rule == "TIMELY-FILING"]
    assert [(f.encounter_id, f.severity) for f in late] == [("V2", "error")]
    assert outcome.claims is not None
    assert [c.claim_id for c in outcome.claims.sent] == ["V1"]  # V2 held
