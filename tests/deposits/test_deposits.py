"""Deposits: a bank export read through its columns, each ERA matched to the bank."""

from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runs"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "excel"))

from clinic_sample import ERA  # noqa: E402
from excel_clinic import make_clinic  # noqa: E402
from test_runs_reconcile import era as make_era  # noqa: E402

from addin import runs  # noqa: E402
from addin.errors import InputError  # noqa: E402
from addin.remit.bank import (  # noqa: E402
    Deposit,
    EraPayment,
    match_deposits,
    read_bank_csv,
    unique_deposits,
)

D = Decimal
TODAY = date(2026, 4, 10)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_bank_csv_with_account_lines_debits_and_odd_amounts(tmp_path: Path) -> None:
    path = write(tmp_path / "bank.csv", (
        "Account,****1234\n"
        "\n"
        "Posting Date,Details,Debit,Credit,Ref\n"
        '04/02/2026,"ACH CREDIT AETNA TRN*1*EFT777*1999999999",,"$1,090.00",A1\n'
        "04/03/2026,RENT,2000.00,,A2\n"
        "04/05/2026,MOBILE DEPOSIT,,(15.00),A3\n"
    ))  # fmt: skip
    deposits = read_bank_csv(path)
    assert [(d.day, d.amount, d.reference) for d in deposits] == [
        (date(2026, 4, 2), D("1090.00"), "A1")]  # fmt: skip


def test_mapping_names_the_columns(tmp_path: Path) -> None:
    path = write(tmp_path / "bank.csv", "When,What,How Much,Id\n2026-04-02,X,10.5,9\n")
    mapping = {"date": "When", "description": "What", "amount": "How Much", "reference": "Id"}
    [dep] = read_bank_csv(path, mapping)
    assert (dep.amount, dep.description, dep.reference) == (D("10.50"), "X", "9")


def test_missing_amount_names_file_row_and_column(tmp_path: Path) -> None:
    path = write(tmp_path / "bank.csv", "Date,Description,Amount,Reference\n"
                                        "2026-04-02,ACH,90.00,1\n2026-04-03,ACH,,2\n")  # fmt: skip
    with pytest.raises(InputError, match=r"bank.csv row 3 column 'Amount': the amount is missing"):
        read_bank_csv(path)
    bad = write(tmp_path / "bad.csv", "Date,Description,Amount\nsoon,ACH,90.00\n")
    with pytest.raises(InputError, match=r"bad.csv row 2 column 'Date': 'soon' is not a date"):
        read_bank_csv(bad)


def test_match_by_trace_then_amount_and_date() -> None:
    def dep(day: int, amount: str, desc: str, ref: str = "") -> Deposit:
        return Deposit(date(2026, 4, day), D(amount), desc, ref, f"b.csv row {day}", f"K{day}")

    eras = [
        EraPayment("P00001", "AETNA", "EFT777", D("90.00"), date(2026, 4, 1)),
        EraPayment("P00002", "CIGNA", "C1", D("90.00"), date(2026, 4, 3)),
        EraPayment("P00003", "UHC", "U99", D("55.00"), date(2026, 4, 8)),
    ]
    deposits = [dep(4, "90.00", "ACH CIGNA"), dep(2, "90.00", "ACH TRN*1*EFT777*1"),
                dep(9, "12.00", "ACH UNKNOWN")]  # fmt: skip
    report = match_deposits(eras, deposits)
    got = [(m.era.posting if m.era else None, m.deposit.key if m.deposit else None, m.how,
            m.status) for m in report.matches]  # fmt: skip
    assert got == [
        ("P00001", "K2", "trace", "matched"),
        ("P00002", "K4", "amount and date", "matched"),
        ("P00003", None, "", "not in the bank yet"),
        (None, "K9", "", "no ERA received"),
    ]
    assert report.totals() == {"eras": "235.00", "deposits": "192.00", "matched": "180.00",
                               "not_in_bank": "55.00", "no_era": "12.00"}  # fmt: skip


def test_overlapping_exports_count_a_deposit_once() -> None:
    a = Deposit(date(2026, 4, 2), D("5.00"), "X", "", "a.csv row 2", "K")
    b = Deposit(date(2026, 4, 2), D("5.00"), "X", "", "b.csv row 7", "K")
    c = Deposit(date(2026, 4, 2), D("5.00"), "X", "", "b.csv row 8", "K")
    assert len(unique_deposits([a, b])) == 1
    assert len(unique_deposits([a, b, c])) == 2  # two equal lines in one export are two


def test_deposits_step_over_the_workbook(tmp_path: Path) -> None:
    clinic = make_clinic(tmp_path)
    runs.claims(clinic, today=TODAY)
    aetna = write(tmp_path / "dl" / "aetna.835", ERA)
    late = write(tmp_path / "dl" / "late.835", make_era("LATE1", "20260408", [
        "CLP*V5*1*80.00*50.00**12*L1~CAS*CO*45*30.00"], "50.00"))  # fmt: skip
    runs.reconcile(clinic, runs.Inputs(remittances=[aetna, late]), today=TODAY)
    bank = write(tmp_path / "dl" / "bank.csv", (
        "Date,Description,Amount,Reference\n"
        "2026-04-02,ACH CREDIT HCCLAIMPMT TRN*1*EFT777*1999999999,90.00,B1\n"
        "2026-04-03,ACH CREDIT PAYER X,42.10,B2\n"
    ))  # fmt: skip
    out = runs.run(clinic, runs.Inputs(bank=[bank]), TODAY, steps=("deposits",))
    data = out.to_json()["deposits"]
    assert [m["status"] for m in data["matches"]] == [
        "matched", "not in the bank yet", "no ERA received"]  # fmt: skip
    assert data["totals"]["matched"] == "90.00" and data["totals"]["no_era"] == "42.10"
    assert (tmp_path / "clinic bank" / "bank.csv").is_file()
    again = runs.run(clinic, runs.Inputs(bank=[bank]), TODAY, steps=("deposits",))
    assert not again.changed
