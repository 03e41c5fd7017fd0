"""The secondary step over a workbook: billed once after the primary's ERA, reconciled after."""

from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "excel"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "x12"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runs"))

from clinic_sample import ERA  # noqa: E402
from excel_clinic import make_clinic  # noqa: E402
from test_runs_skim import add_user_column  # noqa: E402
from x837p_pyx12 import pyx12_errors  # noqa: E402

from addin import runs  # noqa: E402
from addin.registers.claims import CLAIM_REGISTER, read_claim_register  # noqa: E402
from addin.sheets import read_book  # noqa: E402

TODAY = date(2026, 4, 10)
COVERAGE = ["Patient Last Name", "Patient First Name", "Patient DOB", "Order", "Payer",
            "Member ID", "Group Number", "Relationship"]  # fmt: skip


def add_coverage(book: Path, rows: list[list[object]], payers: list[list[str]]) -> None:
    wb = openpyxl.load_workbook(book)
    sheet = wb.create_sheet("Coverage")
    sheet.append(COVERAGE)
    for row in rows:
        sheet.append(row)
    for row in payers:
        wb["Payers"].append(row)
    wb.save(book)


MEDIGAP = ["Garcia", "Maria", "1980-05-17", "Secondary", "Medigap Plus", "MG123", "G7", "Self"]


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    book = make_clinic(tmp_path)
    add_coverage(book, [MEDIGAP], [["Medigap Plus", "MGAP1", "CI"]])
    return book


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="ascii")
    return path


def register(book: Path) -> list:  # type: ignore[type-arg]
    return read_claim_register(read_book(book, own=[CLAIM_REGISTER]).own.get(CLAIM_REGISTER))


def secondary_era(claim_id: str, status: str, paid: str, pr: str, oa23: str) -> str:
    body = [
        "ST*835*0001",
        f"BPR*I*{paid}*C*ACH*CCP*01*999999999*DA*1*1999999999**01*999999999*DA*2*20260420",
        "TRN*1*MG555*1999999999", "N1*PR*MEDIGAP PLUS",
        "N1*PE*RIVERSIDE FAMILY MEDICINE*XX*1234567893",
        "LX*1", f"CLP*{claim_id}*{status}*137.50*{paid}*{pr}*12*MGCLM1",
        f"CAS*OA*23*{oa23}", f"CAS*PR*2*{pr}",
    ]  # fmt: skip
    body.append(f"SE*{len(body) + 1}*0001")
    isa = ("ISA*00*          *00*          *ZZ*MEDIGAP        *ZZ*RIVERSIDE      *260420*1200*^*"
           "00501*000000031*0*P*:")  # fmt: skip
    return "~\n".join([isa, "GS*HP*MEDIGAP*RIVERSIDE*20260420*1200*31*X*005010X221A1", *body,
                       "GE*1*31", "IEA*1*000000031"]) + "~\n"  # fmt: skip


def test_secondary_claim_billed_once_then_its_era_reconciles(clinic: Path, tmp_path: Path) -> None:
    runs.claims(clinic, today=TODAY)
    era = write(tmp_path / "dl" / "aetna.835", ERA)
    out = runs.cycle(clinic, runs.Inputs(remittances=[era]), today=TODAY)
    assert out.secondary is not None
    rows = {r.next_claim_id: r for r in out.secondary.rows}
    # V1 paid 90.00 with 20.00 copay left; V2 denied by Aetna: not billed on
    assert rows["V1-S"].status == "sent" and rows["V1-S"].left == Decimal("20.00")
    assert rows["V2-S"].status == "held" and "denied" in rows["V2-S"].note
    path = out.secondary.path
    assert path is not None and path.is_file()
    text = path.read_text(encoding="ascii")
    assert pyx12_errors(text) == []
    segs = [s.strip() for s in text.split("~") if s.strip()]
    assert "SBR*S*18*G7******CI" in segs and "AMT*D*90" in segs and "AMT*EAF*20" in segs
    assert "SVD*60054*80*HC:99213:25**1" in segs and "CAS*PR*3*20" in segs
    reg = register(clinic)
    assert [r.claim_id for r in reg if r.claim_id.endswith("-S")] == ["V1-S"]
    assert next(r for r in reg if r.claim_id == "V1-S").payer == "Medigap Plus"
    # a rerun bills nothing new and leaves the workbook as it was
    again = runs.cycle(clinic, runs.Inputs(remittances=[era]), today=TODAY)
    assert again.secondary is not None and again.secondary.sent == []
    assert {r.next_claim_id: r.status for r in again.secondary.rows}["V1-S"] == "sent"
    assert not again.changed
    # the secondary's ERA reconciles against the secondary claim
    paid = write(tmp_path / "dl" / "medigap.835", secondary_era("V1-S", "2", "16.00", "4.00",
                                                                "117.50"))  # fmt: skip
    done = runs.cycle(clinic, runs.Inputs(remittances=[paid]), today=date(2026, 4, 21))
    assert done.reconciliation is not None
    result = next(c for c in done.reconciliation.claims if c.claim_id == "V1-S")
    assert result.paid == Decimal("16.00") and result.payer.upper() == "MEDIGAP PLUS"
    # the patient's part after both: the charge less both payers' payments and their own
    # adjustments (the secondary's OA-23 restates the primary's, so it is not counted twice)
    primary = next(c for c in done.reconciliation.claims if c.claim_id == "V1")
    charge = primary.billed
    primary_own = primary.contractual + primary.other_adjustments
    restated = ("PR", "OA")  # the patient's part, and OA-23 (the primary's, restated)
    secondary_own = sum((a.amount for a in result.adjustments if a.group not in restated),
                        Decimal(0))  # fmt: skip
    left = charge - primary.paid - primary_own - result.paid - secondary_own
    assert left == result.patient_responsibility == Decimal("4.00")


def test_coverage_problems_name_the_row_and_column(tmp_path: Path) -> None:
    book = make_clinic(tmp_path)
    add_coverage(book, [["Garcia", "Maria", "1980-05-17", "Secondary", "Unknown Plan", "X1", "",
                         "Self"],
                        ["Garcia", "Maria", "1980-05-17", "Tertiary", "Aetna", "", "", "Self"]],
                 [])  # fmt: skip
    out = runs.run(book, None, TODAY, steps=("secondary",))
    assert out.secondary is not None
    messages = [f.message for f in out.secondary.findings]
    assert any("Coverage!Payer row 2" in m and "not on the Payers sheet" in m
               and "Unknown Plan" in m for m in messages)  # fmt: skip
    assert any("Coverage!Member ID row 3" in m and "without a member ID" in m for m in messages)


def test_a_crossover_is_forwarded_not_billed(clinic: Path, tmp_path: Path) -> None:
    runs.claims(clinic, today=TODAY)
    crossed = ERA.replace("CLP*V1*1*137.50*90.00*20.00*12*AET1~\n",
                          "CLP*V1*1*137.50*90.00*20.00*12*AET1~\nMOA***MA18~\n")  # fmt: skip
    assert crossed != ERA
    era = write(tmp_path / "dl" / "aetna.835", crossed.replace("SE*17*0001", "SE*18*0001"))
    out = runs.cycle(clinic, runs.Inputs(remittances=[era]), today=TODAY)
    assert out.secondary is not None
    row = {r.next_claim_id: r for r in out.secondary.rows}["V1-S"]
    assert row.status == "forwarded" and "crossover" in row.note
    assert out.secondary.sent == [] and out.secondary.path is None
    assert not any(r.claim_id.endswith("-S") for r in register(clinic))


def test_tertiary_after_the_secondary_answers(tmp_path: Path) -> None:
    book = make_clinic(tmp_path)
    tertiary = ["Garcia", "Maria", "1980-05-17", "Tertiary", "State Aid", "SA9", "", "Self"]
    add_coverage(book, [MEDIGAP, tertiary],
                 [["Medigap Plus", "MGAP1", "CI"], ["State Aid", "SAID1", "MC"]])  # fmt: skip
    runs.claims(book, today=TODAY)
    era = write(tmp_path / "dl" / "aetna.835", ERA)
    first = runs.cycle(book, runs.Inputs(remittances=[era]), today=TODAY)
    assert first.secondary is not None
    assert [c.claim.claim_id for c in first.secondary.sent] == ["V1-S"]
    paid = write(tmp_path / "dl" / "medigap.835",
                 secondary_era("V1-S", "2", "16.00", "4.00", "117.50"))  # fmt: skip
    later = runs.cycle(book, runs.Inputs(remittances=[paid]), today=date(2026, 4, 21))
    assert later.secondary is not None
    [cob] = later.secondary.sent
    assert cob.claim.claim_id == "V1-T" and cob.sequence == "T"
    assert [p.sequence for p in cob.priors] == ["P", "S"]
    assert later.secondary.path is not None
    text = later.secondary.path.read_text(encoding="ascii")
    segs = [s.strip() for s in text.split("~") if s.strip()]
    assert "SBR*T*18*******MC" in segs and "SBR*S*18*G7******CI" in segs
    assert "AMT*D*16" in segs and "AMT*EAF*4" in segs
    assert pyx12_errors(text) == []


def test_a_rejected_secondary_claim_goes_out_again(clinic: Path, tmp_path: Path) -> None:
    from addin.demo.clearinghouse import ack_277ca, ack_999, read_batch

    runs.claims(clinic, today=TODAY)
    era = write(tmp_path / "dl" / "aetna.835", ERA)
    out = runs.cycle(clinic, runs.Inputs(remittances=[era]), today=TODAY)
    assert out.secondary is not None and out.secondary.path is not None
    batch = read_batch(out.secondary.path)
    acks = [
        write(tmp_path / "dl" / "cob.999", ack_999(batch, TODAY, 801)),
        write(tmp_path / "dl" / "cob.277", ack_277ca(batch, TODAY, 802,
                                                    {"V1-S": ("A7", "164", "IL")}, {},
                                                    "1234567893")),
    ]  # fmt: skip
    later = date(2026, 4, 13)
    again = runs.cycle(clinic, runs.Inputs(acknowledgments=acks), today=later)
    reg = register(clinic)
    sends = [r for r in reg if r.claim_id == "V1-S"]
    if len(sends) == 1:  # the rejection is on the register now; the next run resends
        assert sends[0].status == "rejected"
        again = runs.cycle(clinic, runs.Inputs(), today=later)
        sends = [r for r in register(clinic) if r.claim_id == "V1-S"]
    assert again.secondary is not None and [c.claim.claim_id for c in again.secondary.sent] == [
        "V1-S"]  # fmt: skip
    assert [s.submission for s in sends] == ["V1-S/1", "V1-S/2"]
    assert sends[0].status == "rejected" and sends[1].status != "rejected"
    # and once sent again, not a third time
    third = runs.cycle(clinic, runs.Inputs(), today=later)
    assert third.secondary is not None and third.secondary.sent == []


def test_what_staff_type_beside_secondary_claims_aging_and_the_dashboard_survives(
    clinic: Path, tmp_path: Path
) -> None:
    runs.claims(clinic, today=TODAY)
    era = write(tmp_path / "dl" / "aetna.835", ERA)
    runs.cycle(clinic, runs.Inputs(remittances=[era]), today=TODAY)
    add_user_column(clinic, "Secondary Claims", "My Memo", "V1", "called Medigap 4/12")
    add_user_column(clinic, "Dashboard", "Asked", ("Aging by payer", "Medigap Plus"), "Ann")
    # the secondary pays: Medigap leaves the aging, the patient's 4.00 comes in
    paid = write(tmp_path / "dl" / "medigap.835", secondary_era("V1-S", "2", "16.00", "4.00",
                                                                "117.50"))  # fmt: skip
    out = runs.cycle(clinic, runs.Inputs(remittances=[paid]), today=date(2026, 4, 21))
    own = read_book(clinic, own=["Secondary Claims", "Dashboard", "Aging"]).own
    memo = {v["Claim ID"]: v["My Memo"] for _, v in own["Secondary Claims"].records()}
    assert memo == {"V1": "called Medigap 4/12", "V2": ""}
    board = next(t for t in out.tables if t.sheet == "Dashboard")
    labels = [(r[0], r[1]) for r in board.rows]
    # Medigap's row is gone from the aging but kept, below the charts, for what was typed
    assert labels[-1] == ("Aging by payer", "Medigap Plus") and board.rows[-1][-1] == "Ann"
    assert ("Aging by payer", "Patients") in labels[:-1]
    assert board.charts and all(
        c.last_row is not None and c.last_row < len(board.rows) for c in board.charts)  # fmt: skip
    # a memo on the patients' aging row stays on that one row the next week
    add_user_column(clinic, "Aging", "Follow-up", "Patients", "statement mailed")
    later = runs.cycle(clinic, runs.Inputs(), today=date(2026, 5, 21))
    assert later.changed
    aging = read_book(clinic, own=["Aging"]).own["Aging"].records()
    patients = [v for _, v in aging if v["Payer"] == "Patients"]
    assert [v["Follow-up"] for v in patients] == ["statement mailed"]
