"""Every 835 of the public corpus is read and balanced as its manifest says; others refused."""

from __future__ import annotations

import csv
import re
from decimal import Decimal
from pathlib import Path

import pytest

from addin.errors import X12Error
from addin.remit import reconcile
from addin.x12.segments import iter_transactions, read_segments
from addin.x12.x835 import read_remittance, read_remittances
from addin.x12.x835_models import check_balance

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "x12"
ERAS = sorted((CORPUS / "835").glob("*")) if CORPUS.is_dir() else []
OTHERS = (
    sorted(p for p in CORPUS.glob("*/*") if p.parent.name in ("837p", "other"))
    if CORPUS.is_dir()
    else []
)
_BALANCE = re.compile(r"claim-imbalanced=(\d+) svc-imbalanced=(\d+) txn\(BPR02\)-imbalanced=(\d+)")


def _manifest() -> dict[str, dict[str, str]]:
    if not (CORPUS / "MANIFEST.tsv").is_file():
        return {}
    with open(CORPUS / "MANIFEST.tsv", newline="", encoding="utf-8") as fh:
        return {row["file"]: row for row in csv.DictReader(fh, delimiter="\t")}


MANIFEST = _manifest()


@pytest.mark.shared
@pytest.mark.parametrize("path", ERAS, ids=[p.name for p in ERAS])
def test_corpus_835_reads_and_balances_as_manifest_says(path: Path, shared: Path) -> None:
    row = MANIFEST.get(f"835/{path.name}")
    if row is None:
        # A file the manifest does not list (a 999 someone's validator left in the folder):
        # whatever it is, the reader says so or reads it.
        kinds = {t.type for t in iter_transactions(read_segments(path))}
        assert "835" not in kinds, f"{path.name} holds an 835 but MANIFEST.tsv does not list it"
        with pytest.raises(X12Error, match="not an 835"):
            list(read_remittances(path))
        return
    txns = list(read_remittances(path))
    assert txns
    claims = sum(len(t.claims) for t in txns)
    expected_claims = int(re.search(r"claims=(\d+)", row["notes"]).group(1))  # type: ignore[union-attr]
    assert claims == expected_claims
    match = _BALANCE.search(row["notes"])
    assert match is not None
    want = tuple(int(g) for g in match.groups())
    reports = [check_balance(t) for t in txns]
    got = (
        sum(len(r.claim_errors) for r in reports),
        sum(len(r.service_errors) for r in reports),
        sum(r.transaction_error is not None for r in reports),
    )
    assert got == want
    # reconciling with no claims keeps every payment (as unmatched) and accounts for it
    rec = reconcile([], txns)
    assert len(rec.unmatched) == claims
    expected_diff = sum((t.balance_difference for t in txns), Decimal("0.00"))
    assert rec.totals()["difference"] == f"{expected_diff:.2f}"
    if not any(r.transaction_error for r in reports):
        assert rec.totals()["difference"] == "0.00"
    for report in reports:
        if report.balanced:
            assert report.transaction_difference == 0
            assert report.messages == []
        else:
            # every failure is reported with its numbers
            assert all(re.search(r"off by -?\d+\.\d\d", m) for m in report.messages)


def test_unbalanced_file_is_reported_with_numbers(shared: Path) -> None:
    txns = list(read_remittances(CORPUS / "835" / "x12sdk__generated_seed7.835"))
    txn = txns[0]
    assert str(txn.payment_amount) == "5183.93" and check_balance(txn).balanced
    assert [(p.reason, str(p.amount)) for p in txn.provider_adjustments] == [
        ("WO", "105.26"),
        ("L6", "-26.31"),
    ]
    unbalanced = check_balance(next(read_remittances(CORPUS / "835" / "lfh__tertiary-payment.835")))
    assert not unbalanced.balanced
    assert "SVC02" in unbalanced.service_errors[0] and "off by" in unbalanced.service_errors[0]


@pytest.mark.shared
@pytest.mark.parametrize("path", OTHERS, ids=[f"{p.parent.name}/{p.name}" for p in OTHERS])
def test_non_835_files_are_refused_saying_what_they_are(path: Path, shared: Path) -> None:
    row = MANIFEST.get(f"{path.parent.name}/{path.name}", {})
    with pytest.raises(X12Error) as info:
        read_remittance(path)
    message = str(info.value)
    kind = row.get("transaction", "")
    if kind and kind != "none" and path.name != "oopf__UnicodeExample.txt":
        assert re.search(rf"this is an? {kind[:3]}", message), message
        assert "not an 835" in message
    else:
        assert message


def test_4010_and_odd_version_are_read_with_a_warning(shared: Path) -> None:
    txn = next(read_remittances(CORPUS / "835" / "oopf__Example1.txt"))
    assert any("'5010' is not 005010X221A1" in w for w in txn.warnings)
    text = (CORPUS / "835" / "x12sdk__generated_seed7.835").read_text()
    old = text.replace("*00501*", "*00401*").replace("005010X221A1", "004010X091A1")
    txn = next(read_remittances(old.encode()))
    assert any("4010" in w for w in txn.warnings)
    assert len(txn.claims) == 4
