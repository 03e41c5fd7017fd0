"""Reconcile hand-built 835s against claims: every status, to the cent."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from addin.models import Claim, ContractRow, Remittance
from addin.remit import reconcile
from addin.remit.reconcile import Reconciliation
from addin.x12.x835 import read_remittance, read_remittances

DATA = Path(__file__).resolve().parents[1] / "data" / "x12"

# (claim id, encounter id, [(code, modifier, charge, date of service)])
CLAIMS: list[tuple[str, str, list[tuple[str, str, str, str]]]] = [
    ("C1", "E1", [("99213", "", "200.00", "2024-02-01")]),
    ("C2", "E2", [("99212", "", "100.00", "2024-02-01")]),
    ("C3", "E3", [("99212", "", "100.00", "2024-02-01")]),
    ("C4", "E4", [("99214", "", "300.00", "2024-01-05")]),
    ("C5", "E5", [("99212", "", "100.00", "2024-02-01")]),
    ("C6", "E6", [("99212", "", "100.00", "2024-02-01")]),
    ("C7", "E7", [("99212", "", "100.00", "2024-02-01")]),
    ("C8", "E8", [("99212", "", "100.00", "2024-02-01")]),
    ("C9", "E9", [("99215", "", "500.00", "2024-02-15")]),
    ("R1", "E10", [("99213", "", "200.00", "2024-01-10")]),
    ("U1", "E11", [("99213", "", "200.00", "2024-02-01")]),
    ("CLAIM-S", "S1", [("99213", "", "200.00", "2024-03-01"),
                       ("99214", "25", "100.00", "2024-03-01")]),
    ("I1", "E13", [("99212", "", "100.00", "2024-01-01")]),
    ("D1", "E14", [("99212", "", "100.00", "2024-02-01")]),
    ("P1", "E15", [("99213", "", "200.00", "2023-10-01")]),
]  # fmt: skip
CONTRACTS = [
    ContractRow(payer="ACME HEALTH", code="99213", allowed=Decimal("150.00")),
    ContractRow(payer="ACME HEALTH", code="99212", allowed=Decimal("80.00")),
    ContractRow(payer="ACME HEALTH", code="99214", modifier="25", allowed=Decimal("80.00")),
]


def make_claims() -> list[Claim]:
    out = []
    for claim_id, encounter_id, lines in CLAIMS:
        out.append(
            Claim.model_validate(
                {
                    "claim_id": claim_id,
                    "encounter_id": encounter_id,
                    "payer": "ACME HEALTH",
                    "payer_id": "12345",
                    "patient": {"last_name": "DOE", "first_name": "JANE"},
                    "subscriber": {"last_name": "DOE", "first_name": "JANE"},
                    "place_of_service": "11",
                    "diagnoses": ["E11.9"],
                    "lines": [
                        {
                            "line_number": n,
                            "procedure_code": code,
                            "modifiers": [mod] if mod else [],
                            "charge": charge,
                            "dx_pointers": [1],
                            "date_of_service": dos,
                        }
                        for n, (code, mod, charge, dos) in enumerate(lines, start=1)
                    ],
                    "total_charge": str(sum(Decimal(c) for _, _, c, _ in lines)),
                }
            )
        )
    return out


def remittances() -> list[Remittance]:
    out: list[Remittance] = []
    for name in ("statuses", "reversal", "split", "interest_plb", "duplicate"):
        out.extend(read_remittances(DATA / f"{name}.835"))
    return out


@pytest.fixture(scope="module")
def rec() -> Reconciliation:
    return reconcile(make_claims(), remittances(), CONTRACTS)


def by_claim(rec: Reconciliation) -> dict[str, dict[str, object]]:
    return {c["claim_id"]: c for c in rec.to_json()["claims"]}  # type: ignore[misc]


@pytest.mark.parametrize(
    ("claim_id", "status"),
    [
        ("C1", "paid"),
        ("C2", "paid"),
        ("C3", "paid"),
        ("C4", "denied"),
        ("C5", "forwarded"),
        ("C6", "forwarded"),
        ("C7", "forwarded"),
        ("C8", "forwarded"),
        ("C9", "predetermination"),
        ("R1", "corrected"),
        ("U1", "underpaid"),
        ("CLAIM-S", "paid"),
        ("I1", "paid"),
        ("D1", "overpaid"),
        ("P1", "pending"),
    ],
)
def test_each_clp02_status_maps_to_a_claim_status(
    rec: Reconciliation, claim_id: str, status: str
) -> None:
    assert by_claim(rec)[claim_id]["status"] == status


def test_paid_claim_amounts_to_the_cent(rec: Reconciliation) -> None:
    c1 = by_claim(rec)["C1"]
    assert (c1["billed"], c1["allowed"], c1["paid"], c1["patient_responsibility"]) == (
        "200.00",
        "150.00",
        "120.00",
        "30.00",
    )
    assert c1["expected"] == "150.00" and c1["variance"] == "0.00"
    assert c1["adjustments"] == [
        {"group": "CO", "reason": "45", "amount": "50.00"},
        {"group": "PR", "reason": "2", "amount": "30.00"},
    ]
    assert c1["payer_claim_numbers"] == ["PCN-C1"]


def test_underpayment_against_contracts(rec: Reconciliation) -> None:
    u1 = by_claim(rec)["U1"]
    assert (u1["allowed"], u1["expected"], u1["variance"]) == ("130.00", "150.00", "-20.00")
    assert any("20.00 below the contract" in r for r in u1["reasons"])  # type: ignore[attr-defined]
    # without contracts nothing is under- or overpaid
    plain = by_claim(reconcile(make_claims(), remittances()))
    assert plain["U1"]["status"] == "paid" and plain["U1"]["expected"] is None


def test_reversal_then_correction_nets_to_the_correction(rec: Reconciliation) -> None:
    r1 = by_claim(rec)["R1"]
    # 120.00 paid, reversed (-120.00), corrected to 140.00
    assert r1["paid"] == "140.00"
    assert r1["payer_claim_numbers"] == ["PCN-R1", "PCN-R1B"]
    assert r1["adjustments"] == [
        {"group": "CO", "reason": "45", "amount": "30.00"},
        {"group": "PR", "reason": "2", "amount": "30.00"},
    ]
    only_reversal = reconcile(
        make_claims(),
        [*read_remittances(DATA / "statuses.835")] + [_only_first_claim(DATA / "reversal.835")],
    )
    assert by_claim(only_reversal)["R1"]["status"] == "reversed"
    assert by_claim(only_reversal)["R1"]["paid"] == "0.00"


def test_correction_listed_before_its_reversal_is_still_corrected() -> None:
    swapped = read_remittance(DATA / "reversal.835")
    assert isinstance(swapped, Remittance)
    swapped.claims.reverse()  # correction (CLP02 1) first, then the reversal (22)
    rec = reconcile(make_claims(), [*read_remittances(DATA / "statuses.835"), swapped])
    r1 = by_claim(rec)["R1"]
    assert (r1["status"], r1["paid"], r1["allowed"]) == ("corrected", "140.00", "170.00")


def _only_first_claim(path: Path) -> Remittance:
    rem = read_remittance(path)
    assert isinstance(rem, Remittance)
    rem.claims = rem.claims[:1]
    return rem


def test_split_claim_matched_by_encounter_and_summed(rec: Reconciliation) -> None:
    split = by_claim(rec)["CLAIM-S"]  # CLP01 S1 is the encounter ID
    assert split["paid"] == "230.00" and split["billed"] == "300.00"
    assert split["payer_claim_numbers"] == ["SPLIT-A", "SPLIT-B"]
    assert split["expected"] == "230.00" and split["variance"] == "0.00"
    assert any("MA15" in r for r in split["reasons"])  # type: ignore[attr-defined]


def test_interest_and_provider_adjustments(rec: Reconciliation) -> None:
    data = rec.to_json()
    assert by_claim(rec)["I1"]["interest"] == "5.25"
    plb = [(p["reason"], p["reference"], p["amount"]) for p in data["provider_adjustments"]]
    assert plb == [
        ("L6", "PCN-I1", "-5.25"),
        ("WO", "OLD123", "30.00"),
        ("72", "RET9", "-15.00"),
        ("FB", "FWD1", "10.00"),
    ]
    totals = data["totals"]
    assert totals["interest_on_claims"] == totals["interest_in_plb"] == "5.25"


def test_claim_paid_twice_and_unknown_claim(rec: Reconciliation) -> None:
    d1 = by_claim(rec)["D1"]
    assert d1["paid"] == "160.00"
    assert any("paid twice" in r for r in d1["reasons"])  # type: ignore[attr-defined]
    unmatched = rec.to_json()["unmatched"]
    assert [(u["patient_control_number"], u["paid"], u["trace"]) for u in unmatched] == [
        ("X999", "40.00", "CHK5006")
    ]
    assert any("X999" in w for w in rec.warnings)


def test_every_payment_is_accounted_for_to_the_cent(rec: Reconciliation) -> None:
    totals = rec.to_json()["totals"]
    # 460 + 20 + 230 + 60.25 + 80 + 120
    assert totals["payments"] == "970.25"
    assert totals["difference"] == "0.00"
    assert all(t["balanced"] for t in rec.to_json()["transactions"])
    assert totals["statuses"]["pending"] == 1 and totals["statuses"]["unmatched"] == 1


def test_match_by_payer_claim_number_and_dates() -> None:
    claims = make_claims()
    # the payer echoes a wrong CLP01, but its claim number and date match the claim on file
    target = next(c for c in claims if c.claim_id == "C4")
    target.payer_claim_number = "PCN-C4"
    text = (DATA / "statuses.835").read_text().replace("CLP*C4*", "CLP*WRONG*")
    rec = reconcile(claims, list(read_remittances(text)))
    assert by_claim(rec)["C4"]["status"] == "denied"
    assert not any(u.patient_control_number == "WRONG" for u in rec.unmatched)
    # a different date of service does not match
    target.lines[0].date_of_service = date(2023, 1, 1)
    rec = reconcile(claims, list(read_remittances(text)))
    assert any(u.patient_control_number == "WRONG" for u in rec.unmatched)


def test_json_amounts_are_two_decimal_strings(rec: Reconciliation) -> None:
    text = json.dumps(rec.to_json())
    data = json.loads(text)
    for claim in data["claims"]:
        for key in ("billed", "allowed", "paid", "patient_responsibility", "interest"):
            value = claim[key]
            assert isinstance(value, str) and value.split(".")[1].__len__() == 2


def test_expected_from_imported_pfs_when_no_contract() -> None:
    from addin.codesets.importer import import_path

    pfs_dir = Path(__file__).resolve().parents[1] / "data" / "codesets" / "pfs"
    claim = make_claims()[0].model_copy(deep=True)  # C1: 99213, POS 11
    claim.lines[0].date_of_service = date(2020, 5, 1)
    text = (DATA / "statuses.835").read_text().replace("DTM*472*20240201", "DTM*472*20200501")
    rems = list(read_remittances(text))
    before = reconcile([claim], rems, pfs_locality="0111205")
    assert before.claims[0].expected is None  # PFS not imported: cannot price
    import_path(pfs_dir / "PPRRVU20_APR.csv")
    import_path(pfs_dir / "GPCI2020.csv")
    rec = reconcile([claim], rems, pfs_locality="0111205")
    c1 = rec.claims[0]
    # (0.97*1.083 + 1.13*1.459 + 0.07*0.460) * 36.0896 = 98.57; the payer allowed 150.00
    assert c1.expected == Decimal("98.57") and c1.variance == Decimal("51.43")
    assert c1.status == "overpaid"
    # a Contracts row wins over the PFS
    assert reconcile([claim], rems, CONTRACTS, "0111205").claims[0].expected == Decimal("150.00")
