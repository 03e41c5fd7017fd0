"""Differential: the lean 835 reader reconciles exactly as the model reader does."""

from __future__ import annotations

import importlib
import json
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from addin.cli import app
from addin.errors import X12Error
from addin.models import Claim, ClaimLine, ContractRow, Remittance
from addin.remit import reconcile
from addin.remit.load import load_claims_json, read_remittance_file, reconcile_files
from addin.remit.reconcile import Reconciliation
from addin.remit.tables import result_tables
from addin.x12.x835 import read_remittances
from addin.x12.x835_lean import LeanUnsupported, read_remittances_lean

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "x12"
CORPUS = ROOT.parent / "shared" / "corpus" / "x12" / "835"


def _corpus_files() -> list[Path]:
    """The corpus 835s its MANIFEST.tsv lists (a stray file beside them is not one)."""
    manifest = CORPUS.parent / "MANIFEST.tsv"
    if not manifest.is_file():
        return []
    listed = [line.split("\t", 1)[0] for line in manifest.read_text().splitlines()[1:]]
    return sorted(CORPUS.parent / name for name in listed if name.startswith("835/"))


FILES = _corpus_files() + sorted(DATA.glob("*.835"))
AS_OF = date(2024, 6, 30)


def claims_for(rems: list[Remittance]) -> tuple[list[Claim], list[ContractRow]]:
    """Claims matching most payments (by CLP01, or by CLP07 and dates), some left unmatched."""
    claims = load_claims_json(DATA / "claims.json")
    contracts: dict[tuple[str, str], ContractRow] = {}
    seen: set[str] = set()
    for n, payment in enumerate(p for rem in rems for p in rem.claims):
        if n % 5 == 4 or payment.patient_control_number in seen:
            continue  # left unmatched, or a second payment of the same claim
        seen.add(payment.patient_control_number)
        payer = next(r.payer_name or r.payer_id for r in rems if payment in r.claims)
        day = payment.statement_from or date(2024, 1, 1)
        lines = [
            ClaimLine.model_construct(
                line_number=i,
                procedure_code=s.procedure_code or "99213",
                modifiers=s.modifiers[:1],
                units=Decimal(1),
                charge=s.billed,
                dx_pointers=[1],
                date_of_service=s.date_of_service or day,
            )
            for i, s in enumerate(payment.services, 1)
        ] or [
            ClaimLine.model_construct(
                line_number=1, procedure_code="99213", modifiers=[], units=Decimal(1),
                charge=payment.billed, dx_pointers=[1], date_of_service=day,
            )
        ]  # fmt: skip
        for line in lines:
            contracts.setdefault(
                (payer, line.procedure_code),
                ContractRow(
                    payer=payer,
                    code=line.procedure_code,
                    allowed=Decimal("55.00" if len(contracts) % 2 else "9999.00"),
                ),
            )
        by_number = n % 3 == 1 and payment.payer_claim_number
        claims.append(
            Claim.model_construct(
                claim_id=f"X{n}" if by_number else payment.patient_control_number or f"X{n}",
                encounter_id=f"EX{n}",
                payer=payer,
                payer_id="",
                payer_claim_number=payment.payer_claim_number if by_number else None,
                place_of_service="11",
                total_charge=payment.billed,
                lines=lines,
            )
        )
    return claims, list(contracts.values())


def snapshot(rec: Reconciliation) -> dict[str, Any]:
    """Everything a user sees of a reconciliation: its JSON and every result sheet's rows."""
    return {
        "json": rec.to_json(),
        "tables": [(t.sheet, t.rows) for t in result_tables(rec, AS_OF)],
        "remittance_rows": rec.remittance_rows,
        "transactions": [t.model_dump() for t in rec.transactions],
        "plb": [p.model_dump() for p in rec.provider_adjustments],
    }


def both(paths: list[Path]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(model snapshot, lean snapshot or None when the lean reader declines the files)."""
    rems = [r for p in paths for r in read_remittances(p)]
    claims, contracts = claims_for(rems)
    model = snapshot(reconcile(claims, rems, contracts))
    try:
        lean_rec = reconcile(
            claims, (r for p in paths for r in read_remittances_lean(p)), contracts
        )
    except LeanUnsupported:
        return model, None
    return model, snapshot(lean_rec)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_lean_reconciles_like_the_model_reader(path: Path) -> None:
    try:
        list(read_remittances(path))
    except X12Error as exc:
        # Not an 835 at all (a stray 999 in the corpus folder): both paths refuse it alike.
        with pytest.raises(LeanUnsupported):
            list(read_remittances_lean(path))
        with pytest.raises(X12Error, match="not an 835") as info:
            reconcile_files(*_args(path))
        assert str(info.value) == str(exc)
        return
    model, lean = both([path])
    if lean is None:
        # Declined files (no ISA, an envelope the audit faults) go through the model
        # reader, and reconcile_files says the same as reading them with it.
        with pytest.raises(LeanUnsupported):
            list(read_remittances_lean(path))
        assert snapshot(reconcile_files(*_args(path))) == _model_plain(path)
        return
    assert lean == model


def _args(path: Path) -> tuple[list[Claim], list[Path]]:
    return load_claims_json(DATA / "claims.json"), [path]


def _model_plain(path: Path) -> dict[str, Any]:
    return snapshot(reconcile(load_claims_json(DATA / "claims.json"), read_remittances(path)))


def test_most_files_take_the_lean_path() -> None:
    """Guards the test above against passing by declining everything: a file the lean
    reader declines is one the model reader finds unusual (no ISA, or an envelope problem
    it warns about), and every plain file takes the lean path."""
    taken = 0
    for path in FILES:
        try:
            model = list(read_remittances(path))
        except X12Error:
            continue  # not an 835: see above
        try:
            list(read_remittances_lean(path))
            taken += 1
        except LeanUnsupported as exc:
            envelope = [w for t in model for w in t.warnings if "ISA" in w or "(S" in w]
            envelope += [w for t in model for w in t.warnings if "(G" in w or "(IEA)" in w]
            assert envelope, f"{path.name}: declined ({exc}) though the model reader saw no problem"
    assert len(FILES) >= 5 and taken >= len(FILES) // 2


def test_all_files_at_once() -> None:
    """Payments spread over many files (duplicates, reversals across checks) sum the same."""
    paths = []
    for path in FILES:
        try:
            list(read_remittances_lean(path))
            paths.append(path)
        except LeanUnsupported:
            pass
    model, lean = both(paths)
    assert lean is not None and lean == model


@pytest.mark.parametrize(
    ("claims", "per_st", "kind"),
    [(300, 40, "clinic"), (120, 1000, "clinic"), (200, 50, "jitter"), (150, 60, "uniform")],
)
def test_generated_benchmark_files(tmp_path: Path, claims: int, per_st: int, kind: str) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_835 import generate, generate_uniform

    path = tmp_path / "gen.835"
    if kind == "uniform":
        generate_uniform(path, claims, per_st)
    else:
        generate(path, claims, per_st, jitter=kind == "jitter")
    model, lean = both([path])
    assert lean is not None and lean == model
    assert len(model["json"]["claims"]) > claims // 2


def test_reconcile_files_and_cli_match_the_model_reader(tmp_path: Path) -> None:
    names = ["statuses.835", "reversal.835", "split.835", "interest_plb.835", "duplicate.835"]
    paths = [DATA / n for n in names]
    claims = load_claims_json(DATA / "claims.json")
    model = reconcile(claims, [r for p in paths for r in read_remittances(p)])
    assert snapshot(reconcile_files(claims, paths)) == snapshot(model)
    result = CliRunner().invoke(
        app, ["reconcile", str(DATA / "claims.json"), *map(str, paths), "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert "written" not in data  # claims given as JSON: nothing is written
    assert data == json.loads(json.dumps(model.to_json()))


def test_no_isa_file_falls_back_to_the_model_reader(tmp_path: Path) -> None:
    text = (DATA / "statuses.835").read_text()
    body = text[text.index("ST*") :]
    path = tmp_path / "no_isa.835"
    path.write_text(body)
    with pytest.raises(LeanUnsupported):
        list(read_remittances_lean(path))
    claims = load_claims_json(DATA / "claims.json")
    assert snapshot(reconcile_files(claims, [path])) == snapshot(
        reconcile(claims, read_remittances(path))
    )


def test_one_payment_summary_equals_the_accumulator() -> None:
    """A claim paid once is summarised without an accumulator (reconcile._one); on every
    corpus and hand-built payment, with and without a contract, that gives what folding
    the payment into an _Acc and summarising it gives."""
    rec_module = importlib.import_module("addin.remit.reconcile")

    compared = priced = 0
    for path in FILES:
        try:
            rems = list(read_remittances(path))
        except X12Error:
            continue  # not an 835 (a stray 999 in the corpus folder)
        claims, contracts = claims_for(rems)
        matcher = rec_module._Matcher(claims)
        pricer = rec_module._Pricer(contracts, None)
        for rem in rems:
            key = rec_module._key(rem.payer_id or rem.payer_name)
            day = rem.payment_date or rem.production_date
            payer = rem.payer_name or rem.payer_id
            for payment in rem.claims:
                lean = rec_module.LeanClaim.from_payment(payment)
                claim = matcher.find(lean)
                if claim is None:
                    continue
                first = rec_module._first_service(claim)
                # The payment as sent, and with zeros signed as some payers send them.
                signed = rec_module.LeanClaim.from_payment(payment)
                signed.paid = signed.paid or Decimal("-0.00")
                signed.billed = signed.billed or Decimal("-0.00")
                signed.interest = Decimal("-0.00")
                for variant in (lean, signed):
                    for expected in (None, pricer.expected(claim)):
                        one = (variant, rem, key, day)
                        fast = rec_module._one(claim, one, expected, first, rem.trace_number, payer)
                        acc = rec_module._Acc()
                        acc.add(*one)
                        slow = rec_module._summarise(claim, acc, expected, first)
                        # repr, not ==: Decimal("-0.00") == 0, but it prints as -0.00
                        assert repr(fast) == repr(slow), path.name
                        compared += 1
                        priced += expected is not None
    # the repository's own 835s give 76 comparisons, 36 priced; the public corpus (when
    # ../shared is beside the clone) adds several hundred
    assert compared >= 76 and priced >= 36
    if CORPUS.is_dir():
        assert compared > 200 and priced > 40


def test_lean_rows_wait_until_asked_and_equal_the_models(tmp_path: Path) -> None:
    paths = [DATA / "statuses.835", DATA / "split.835"]
    claims = load_claims_json(DATA / "claims.json")
    lean = reconcile(claims, (r for p in paths for r in read_remittances_lean(p)))
    assert lean._rows is None  # --json never asks for them
    model = reconcile(claims, [r for p in paths for r in read_remittances(p)])
    assert lean.remittance_rows == model.remittance_rows and len(model.remittance_rows) > 5
    assert lean.remittance_rows is lean.remittance_rows  # made once


@pytest.mark.parametrize("text", ["74", "7", "1.5", "12.34", "-0.00"])
def test_amounts_are_two_place_in_both_readers(text: str) -> None:
    """A whole-dollar "74" once slipped past the two-decimal fast path as Decimal('74')."""
    body = (DATA / "statuses.835").read_text()
    clp = next(line for line in body.split("~") if line.strip().startswith("CLP*"))
    fields = clp.strip().split("*")
    fields[4] = text
    changed = body.replace(clp.strip(), "*".join(fields), 1).encode()
    model = next(iter(read_remittances(changed))).claims[0].paid
    lean = next(iter(read_remittances_lean(changed))).claims[0].paid
    assert repr(model) == repr(lean) and model.as_tuple().exponent == -2


def test_mixed_files_take_each_its_own_path(tmp_path: Path) -> None:
    """An 835 the lean reader takes, one it declines (no ISA) and a payer export, in one
    call: each file is read its own way, and the result equals reading all with models."""
    text = (DATA / "statuses.835").read_text()
    no_isa = tmp_path / "no_isa.835"
    no_isa.write_text(text[text.index("ST*") :])
    export = tmp_path / "portal.csv"
    export.write_text(
        "Claim ID,Status,Billed,Paid,Check Number,Payment Date\n"
        "C1,Paid,200.00,120.00,EFT7,2024-03-05\n"
    )
    paths = [DATA / "reversal.835", no_isa, export, DATA / "split.835"]
    claims = load_claims_json(DATA / "claims.json")
    models = [r for p in paths for r in read_remittance_file(p)]
    assert snapshot(reconcile_files(claims, paths)) == snapshot(reconcile(claims, models))
