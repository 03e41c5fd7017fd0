"""Fuzzing: mutated corpus 835s raise nothing but Claimbook's own errors.

CI-sized (a few hundred examples); ``benchmarks/bench_835.py --fuzz N`` runs the large
batches (100,000 and 1,000,000 mutated files).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from addin.errors import ClaimbookError
from addin.models import Claim, ClaimLine, Remittance
from addin.remit import reconcile
from addin.remit.tables import result_tables
from addin.x12.segments import iter_transactions, read_segments
from addin.x12.x835 import read_remittances
from addin.x12.x835_lean import LeanUnsupported, read_remittances_lean
from addin.x12.x835_models import check_balance

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus" / "x12" / "835"
SEEDS = [p.read_bytes() for p in sorted(CORPUS.glob("*"))] if CORPUS.is_dir() else []
SEEDS += [p.read_bytes() for p in sorted((ROOT / "tests" / "data" / "x12").glob("*.835"))]
SPECIAL = [b"*", b"~", b":", b"^", b"\n", b"ISA", b"ST*835*", b"SE*", b"CLP*", b"CAS*",
           b"SVC*", b"PLB*", b"-", b".", b"E99", b"\xef\xbb\xbf", b"\x00", b"\xff",
           b"99999999999999999999", b"1e999999", b"NaN", b"BPR*D*"]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        op = draw(st.integers(0, 4))
        if op == 0:  # flip a byte
            data[at] = draw(st.integers(0, 255))
        elif op == 1:  # insert something X12-shaped
            data[at:at] = draw(st.sampled_from(SPECIAL))
        elif op == 2:  # delete a run
            del data[at : at + draw(st.integers(1, 40))]
        elif op == 3:  # duplicate a run (segments repeated)
            data[at:at] = data[at : at + draw(st.integers(1, 200))]
        else:  # truncate
            del data[at:]
    return bytes(data)


def run_all(data: bytes) -> None:
    """Everything a user can do with an uploaded file: tokenize, read, balance, reconcile."""
    try:
        list(iter_transactions(read_segments(data)))
    except ClaimbookError:
        pass
    try:
        lean = reconcile([], read_remittances_lean(data, "fuzz.835"))
    except LeanUnsupported:
        lean = None
    try:
        rems = list(read_remittances(data, "fuzz.835"))
    except ClaimbookError:
        # The lean reader declines whatever the model reader refuses.
        assert lean is None
        return
    for rem in rems:
        report = check_balance(rem)
        assert report.balanced == (not report.messages)
    rec = reconcile([], rems)
    rec.to_json()
    result_tables(rec)
    if lean is not None:
        # Differential: on a damaged file too, the lean reader reconciles as the models do,
        # both with no claims (all unmatched) and with a claim for each CLP01 (all folded).
        assert lean.to_json() == rec.to_json()
        assert lean.remittance_rows == rec.remittance_rows
        claims = claims_for(rems)
        matched = reconcile(claims, rems).to_json()
        assert reconcile(claims, read_remittances_lean(data, "fuzz.835")).to_json() == matched


def claims_for(rems: list[Remittance]) -> list[Claim]:
    """A claim for each distinct CLP01, dated by its first service, so every payment matches."""
    claims: dict[str, Claim] = {}
    for rem in rems:
        for p in rem.claims:
            if not p.patient_control_number or p.patient_control_number in claims:
                continue
            day = next((s.date_of_service for s in p.services if s.date_of_service), None)
            line = ClaimLine.model_construct(
                line_number=1, procedure_code="99213", modifiers=[], units=Decimal(1),
                charge=p.billed, dx_pointers=[1], date_of_service=day or date(2024, 1, 1),
            )  # fmt: skip
            claims[p.patient_control_number] = Claim.model_construct(
                claim_id=p.patient_control_number, encounter_id=p.patient_control_number,
                payer=rem.payer_name, payer_id=rem.payer_id, place_of_service="11",
                total_charge=p.billed, lines=[line],
            )  # fmt: skip
    return list(claims.values())


def test_seeds_present() -> None:
    assert len(SEEDS) >= 5


@settings(
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
@given(mutated())
def test_mutated_835_raises_only_our_errors(data: bytes) -> None:
    run_all(data)
