"""The remit/reconcile commands, the result tables, and payer spreadsheet exports."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from addin.cli import app
from addin.errors import InputError
from addin.remit import load_descriptions, load_mapping, read_payer_sheet, reconcile
from addin.remit.load import load_claims_json, read_remittance_file
from addin.remit.notes import CARC_NOTES, RARC_NOTES
from addin.remit.tables import result_tables

DATA = Path(__file__).resolve().parents[1] / "data" / "x12"
runner = CliRunner()
FILES = [DATA / f"{n}.835" for n in ("statuses", "reversal", "split", "interest_plb", "duplicate")]


def test_remit_json_shows_amounts_and_balance() -> None:
    result = runner.invoke(app, ["remit", str(DATA / "interest_plb.835"), "--json"])
    assert result.exit_code == 0, result.output
    txn = json.loads(result.output)["transactions"][0]
    assert txn["payment_amount"] == "60.25" and txn["balanced"] is True
    assert txn["claims"][0]["interest"] == "5.25"
    assert [p["reason"] for p in txn["provider_adjustments"]] == ["L6", "WO", "72", "FB"]


def test_remit_refuses_a_claim_file(tmp_path: Path) -> None:
    path = tmp_path / "claim.txt"
    path.write_text(
        "ISA*00*          *00*          *ZZ*A              *ZZ*B              *240101*1200*^*"
        "00501*000000001*0*P*:~GS*HC*A*B*20240101*1200*1*X*005010X222A1~ST*837*1*005010X222A1~"
        "SE*2*1~GE*1*1~IEA*1*000000001~"
    )
    result = runner.invoke(app, ["remit", str(path)])
    assert result.exit_code == 2
    assert "837P professional" in result.output and "not an 835" in result.output


def test_reconcile_json_from_claims_file() -> None:
    args = ["reconcile", str(DATA / "claims.json"), *map(str, FILES), "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    statuses = {c["claim_id"]: c["status"] for c in data["claims"]}
    assert statuses["C4"] == "denied" and statuses["P1"] == "pending"
    assert data["unmatched"][0]["patient_control_number"] == "X999"
    assert data["totals"]["difference"] == "0.00"
    assert set(data["claims"][0]) >= {
        "encounter_id", "status", "billed", "allowed", "paid", "patient_responsibility",
        "adjustments", "payer_claim_numbers", "interest",
    }  # fmt: skip


def _rec():  # type: ignore[no-untyped-def]
    rems = [r for p in FILES for r in read_remittance_file(p)]
    return reconcile(load_claims_json(DATA / "claims.json"), rems)


def test_result_tables_shapes_and_values() -> None:
    tables = {t.sheet: t for t in result_tables(_rec(), date(2024, 3, 31))}
    assert list(tables) == ["Remittance", "Reconciliation", "Denials", "Aging", "Dashboard"]
    remit = tables["Remittance"]
    names = [c.name for c in remit.columns]
    first = dict(zip(names, remit.rows[0], strict=True))
    assert first["Check/EFT"] == "CHK1001" and first["Payment Date"] == date(2024, 3, 1)
    assert first["Procedure"] == "99213" and first["Paid"] == Decimal("120.00")
    # provider adjustments are rows too, so the Paid column adds up to the checks
    paid = sum((r[names.index("Paid")] for r in remit.rows), Decimal("0.00"))
    assert paid == Decimal("970.25")
    wo = next(r for r in remit.rows if r[names.index("Payer Claim Number")] == "OLD123")
    assert (
        wo[names.index("Paid")] == Decimal("-30.00")
        and "recovering" in wo[names.index("Adjustments")]
    )
    rec_rows = tables["Reconciliation"].rows
    assert len(rec_rows) == 15 + 1  # every claim plus the unmatched one
    rec_names = [c.name for c in tables["Reconciliation"].columns]
    assert rec_rows[-1][rec_names.index("Status")] == "unmatched"
    denials = tables["Denials"]
    dnames = [c.name for c in denials.columns]
    c4 = next(dict(zip(dnames, r, strict=True)) for r in denials.rows if r[0] == "E4")
    assert "CO-197" in c4["Reason Codes"] and "N290" in c4["Reason Codes"]
    assert CARC_NOTES["197"][0] in c4["What It Means"]
    assert RARC_NOTES["N290"] in c4["What It Means"]
    assert c4["Work Status"] == "Open" and c4["Denied Amount"] == Decimal("300.00")
    aging = tables["Aging"]
    row = dict(zip([c.name for c in aging.columns], aging.rows[0], strict=True))
    # P1 (2023-10-01, 182 days, 200.00 pending) and C4 (2024-01-05, 86 days, 300.00 denied)
    assert row["120+"] == Decimal("200.00") and row["61-90"] == Decimal("300.00")
    assert row["Total"] == Decimal("500.00") and row["Claims"] == 2
    dashboard = tables["Dashboard"]
    blocks = [r[0] for r in dashboard.rows]
    assert set(blocks) == {"Aging by payer", "Denials by reason", "Paid vs expected by month"}
    specs = {c.title: c for c in dashboard.charts}
    assert len(specs) == 3
    for spec in specs.values():
        covered = blocks[spec.first_row : spec.last_row]
        assert covered and len(set(covered)) == 1  # each chart covers exactly its block
    aging_spec = specs["Open balance by payer and age (days from service)"]
    assert aging_spec.values == ["0-30", "31-60", "61-90", "91-120", "120+"]


def test_imported_descriptions_replace_our_notes(tmp_path: Path) -> None:
    path = tmp_path / "carc.csv"
    path.write_text("Code,Description\n197,Imported wording for 197\n")
    codes = load_descriptions(path)
    assert codes == {"197": "Imported wording for 197"}
    denials = result_tables(_rec(), date(2024, 3, 31), codes)[2]
    assert any("Imported wording for 197" in str(r[7]) for r in denials.rows)


def test_payer_csv_with_mapping_reconciles(tmp_path: Path) -> None:
    export = tmp_path / "portal.csv"
    export.write_text(
        "Acct #,ICN,Claim Status,Billed Amt,Allowed Amt,Paid Amt,Pt Resp,CPT,DOS,Check No,"
        "Check Dt\n"
        "C1,PCN-C1,Paid,200.00,150.00,120.00,30.00,99213,02/01/2024,EFT9,03/05/2024\n"
        "C4,PCN-C4,Denied,300.00,0,0,0,99214,01/05/2024,EFT9,03/05/2024\n"
    )
    mapping = tmp_path / "map.csv"
    mapping.write_text(
        "field,column\nclaim_id,Acct #\npayer_claim_number,ICN\nstatus,Claim Status\n"
        "billed,Billed Amt\nallowed,Allowed Amt\npaid,Paid Amt\npatient_responsibility,Pt Resp\n"
        "procedure_code,CPT\ndate_of_service,DOS\ncheck_number,Check No\npayment_date,Check Dt\n"
    )
    rems = read_payer_sheet(export, load_mapping(mapping), payer="ACME HEALTH")
    assert len(rems) == 1 and rems[0].payment_amount == Decimal("120.00")
    assert rems[0].balance_difference == 0
    assert all(c.balance_difference == 0 for c in rems[0].claims)
    rec = reconcile(load_claims_json(DATA / "claims.json"), rems)
    by_id = {c.claim_id: c for c in rec.claims}
    assert by_id["C1"].status == "paid" and by_id["C1"].allowed == Decimal("150.00")
    assert by_id["C1"].patient_responsibility == Decimal("30.00")
    assert by_id["C4"].status == "denied"


def test_payer_xlsx_with_default_headers(tmp_path: Path) -> None:
    path = tmp_path / "portal.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Claim ID", "Status", "Billed", "Paid", "Check Number", "Payment Date"])
    ws.append(["D1", "processed as primary", 100, 80, 5555, date(2024, 4, 1)])
    wb.save(path)
    rems = read_remittance_file(path)
    claim = rems[0].claims[0]
    assert (rems[0].trace_number, claim.status, claim.paid) == ("5555", "1", Decimal("80.00"))
    assert claim.adjustments[0].group == "CO" and claim.adjustments[0].amount == Decimal("20.00")


@pytest.mark.parametrize(
    ("header", "row", "message"),
    [
        (
            "Claim ID,Billed,Paid,Status",
            "C1,100,abc,Paid",
            r"bad.csv row 2 \(paid\): 'abc' is not an amount",
        ),
        ("Claim ID,Billed,Paid,Status", "C1,100,80,Maybe", "'Maybe' is not a claim status"),
        ("Claim ID,Billed", "C1,100", "no column for paid"),
    ],
)
def test_payer_sheet_errors_name_row_and_value(
    tmp_path: Path, header: str, row: str, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(f"{header}\n{row}\n")
    with pytest.raises(InputError, match=message):
        read_payer_sheet(path)


def test_unknown_mapping_field_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "map.csv"
    path.write_text("colour,Paint\n")
    with pytest.raises(InputError, match="'colour' is not a field we map"):
        load_mapping(path)


def test_denials_use_code_lists_the_user_imported() -> None:
    from addin.codesets import import_path

    codes = Path(__file__).resolve().parents[1] / "data" / "codesets" / "carc"
    before = result_tables(_rec(), date(2024, 3, 31))[2]
    assert not any("PLACEHOLDER" in str(r[7]) for r in before.rows)
    import_path(codes / "claim_adjustment_reason_codes_2020-03-01.csv")
    import_path(codes / "remittance_advice_remark_codes_2020-03-01.csv")
    after = result_tables(_rec(), date(2024, 3, 31))[2]
    c4 = next(r for r in after.rows if r[0] == "E4")
    assert "CO-197: CARC TEXT PLACEHOLDER 197" in c4[7]
    assert "N290: RARC TEXT PLACEHOLDER N290" in c4[7]


def test_mapping_from_a_workbook_sheet(tmp_path: Path) -> None:
    book = tmp_path / "clinic.xlsx"
    wb = openpyxl.Workbook()
    first = wb.active
    assert first is not None
    first.title = "Encounters"
    first.append(["Encounter ID"])
    sheet = wb.create_sheet("Remit Mapping")
    for row in (["Field", "Column"], ["claim_id", "Acct"], ["billed", "Chg"], ["paid", "Pd"]):
        sheet.append(row)
    wb.save(book)
    assert load_mapping(book) == {"claim_id": "Acct", "billed": "Chg", "paid": "Pd"}
    export = tmp_path / "portal.csv"
    export.write_text("Acct,Chg,Pd\nC1,200.00,120.00\n")
    rems = read_payer_sheet(export, load_mapping(book))
    assert rems[0].claims[0].patient_control_number == "C1"
    assert rems[0].claims[0].paid == Decimal("120.00")


def test_remit_and_reconcile_print_tables() -> None:
    shown = runner.invoke(app, ["remit", str(DATA / "duplicate.835")])
    assert shown.exit_code == 0, shown.output
    assert "CHK5005" in shown.output and "CHK5006" in shown.output and "balanced" in shown.output
    summary = runner.invoke(app, ["reconcile", str(DATA / "claims.json"), *map(str, FILES)])
    assert summary.exit_code == 0, summary.output
    assert "difference 0.00" in summary.output and "unmatched" in summary.output
    missing = runner.invoke(app, ["reconcile", str(DATA / "claims.json"), "nope.835"])
    assert missing.exit_code == 2 and "no such file" in missing.output
    refused = runner.invoke(
        app, ["reconcile", str(DATA / "claims.json"), str(FILES[0]), "--out", "x.xlsx"]
    )
    assert refused.exit_code == 2 and "give BOOK as .xlsx" in refused.output


def test_export_without_reasons_keeps_write_offs_off_the_worklist(tmp_path: Path) -> None:
    """A portal export with no reason columns: a paid claim's billed - paid is a write-off,
    not a denial; a denied claim is worked, saying that the export gave no reason."""
    export = tmp_path / "portal.csv"
    export.write_text(
        "Claim ID,Status,Billed,Paid,Check Number,Payment Date\n"
        "C1,Paid,200.00,120.00,EFT7,2024-03-05\n"
        "C4,Denied,300.00,0,EFT7,2024-03-05\n"
    )
    rec = reconcile(load_claims_json(DATA / "claims.json"), read_payer_sheet(export))
    by_id = {c.claim_id: c for c in rec.claims}
    assert by_id["C1"].status == "paid" and by_id["C4"].status == "denied"
    assert [(a.group, a.reason) for a in by_id["C1"].adjustments] == [("CO", "")]
    tables = {t.sheet: t for t in result_tables(rec, date(2024, 3, 31))}
    denials = tables["Denials"].rows
    assert [r[0] for r in denials] == [by_id["C4"].encounter_id]
    assert denials[0][6] == "CO (no reason given)" and "gives no reason" in denials[0][7]
    chart = [r for r in tables["Dashboard"].rows if r[0] == "Denials by reason"]
    assert [r[1] for r in chart] == ["CO (no reason given)"]
    assert chart[0][2] == Decimal("300.00")
