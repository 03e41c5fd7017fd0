"""The streamed 837P (built, checked and written one subscriber level at a time) is the
whole-file path's 837P byte for byte, with the same findings; a file with a problem is not
streamed at all (the whole-file path gives the findings that say where)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from test_x837p_golden import CASES, load_book
from x837p_pyx12 import pyx12_errors

import addin.x12.x837p.writer as writer_module
from addin.claims import build_claims
from addin.demo.generate import generate
from addin.demo.workbook import write_workbook
from addin.models import Claim
from addin.sheets.reader import read_book
from addin.x12.envelope import ControlNumbers
from addin.x12.x837p.stream import stream_837p
from addin.x12.x837p.writer import build_accepted, save_837p

CREATED = datetime(2026, 10, 30, 9, 30)
NUMBERS = ControlNumbers(7, 7, 41)


@pytest.fixture(scope="module")
def demo_claims(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Claim], dict[str, str]]:
    path = write_workbook(generate(400), tmp_path_factory.mktemp("demo") / "demo.xlsx")
    book = read_book(path)
    result = build_claims(book.encounters, book.settings, book.payers, book.fees)
    # without the scrubber's findings some claims would be held by the 837P's checks (the
    # demo clinic has its mistakes): the claims that pass them
    accepted = build_accepted(result.claims, book.settings, created=CREATED, numbers=NUMBERS)
    assert accepted.held, "the demo clinic's mistakes: see the test with a problem"
    assert stream_837p(result.claims, book.settings, tmp_path_factory.mktemp("x") / "a.837",
                       created=CREATED, numbers=NUMBERS) is None  # fmt: skip
    return list(accepted.claims), book.settings


def _whole(claims: list[Claim], settings: dict[str, str], path: Path) -> tuple[bytes, list]:
    accepted = build_accepted(claims, settings, created=CREATED, numbers=NUMBERS)
    assert accepted.interchange is not None and not accepted.held
    written = save_837p(accepted.interchange, path, accepted.findings)
    assert written.numbers == NUMBERS
    return path.read_bytes(), accepted.findings


def _same(claims: list[Claim], settings: dict[str, str], tmp_path: Path) -> bytes:
    old, findings = _whole(claims, settings, tmp_path / "whole.837")
    streamed = stream_837p(claims, settings, tmp_path / "streamed.837", created=CREATED,
                           numbers=NUMBERS)  # fmt: skip
    assert streamed is not None
    assert streamed.path.read_bytes() == old
    assert streamed.numbers == NUMBERS
    assert streamed.findings == findings
    assert not list(tmp_path.glob(".*"))  # no temp file left
    return old


def _varied(claims: list[Claim]) -> list[Claim]:
    """Every third claim a replacement, every seventh a void, of a payer claim number."""
    out: list[Claim] = []
    for n, claim in enumerate(claims):
        if n % 3 == 1:
            claim = claim.model_copy(update={"frequency": "7", "payer_claim_number": f"PCN{n}"})
        elif n % 7 == 2:
            claim = claim.model_copy(update={"frequency": "8", "payer_claim_number": f"V-{n}"})
        out.append(claim)
    return out


def test_golden_claims_stream_byte_for_byte(tmp_path: Path) -> None:
    book = load_book()
    for case, claims in sorted(CASES.items()):
        folder = tmp_path / case
        folder.mkdir()
        _same(claims, book.settings, folder)


def test_demo_clinic_streams_byte_for_byte_in_many_transactions(
    demo_claims: tuple[list[Claim], dict[str, str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    claims, settings = demo_claims
    assert len(claims) > 300
    assert any(c.relationship != "18" for c in claims)  # dependents: 2000C levels
    assert len({c.payer_id for c in claims}) > 1  # primary and other plans' payers
    (tmp_path / "one").mkdir()
    _same(claims, settings, tmp_path / "one")
    monkeypatch.setattr(writer_module, "MAX_CLAIMS_PER_ST", 37)  # ten ST..SE and more
    (tmp_path / "many").mkdir()
    text = _same(_varied(claims), settings, tmp_path / "many").decode("ascii")
    assert text.count("~\nST*837*") > 9
    assert "REF*F8*PCN1~" in text and ":B:8*" in text
    assert pyx12_errors(text) == []


def test_names_cleaned_for_x12_give_the_same_warnings(
    demo_claims: tuple[list[Claim], dict[str, str]], tmp_path: Path
) -> None:
    claims, settings = demo_claims
    changed = []
    for n, claim in enumerate(claims[:60]):
        if n % 4 == 0:
            patient = claim.patient.model_copy(update={"last_name": "Muñoz-Péréz"})
            update: dict[str, object] = {"patient": patient}
            if claim.relationship == "18":
                update["subscriber"] = patient
            claim = claim.model_copy(update=update)
        changed.append(claim)
    old, findings = _whole(changed, settings, tmp_path / "whole.837")
    assert findings and all(f.rule == "X12-NAME-CHARS" for f in findings)
    streamed = stream_837p(changed, settings, tmp_path / "s.837", created=CREATED,
                           numbers=NUMBERS)  # fmt: skip
    assert streamed is not None
    assert streamed.path.read_bytes() == old
    assert streamed.findings == findings


@pytest.mark.parametrize(
    "what",
    ["script", "city", "npi", "units"],
)
def test_a_file_with_a_problem_is_not_streamed(
    what: str, demo_claims: tuple[list[Claim], dict[str, str]], tmp_path: Path
) -> None:
    claims, settings = demo_claims
    claims = list(claims[:40])
    bad = claims[25]
    update: dict[str, object]
    if what in ("script", "city"):
        change = {"first_name": "محمد"} if what == "script" else {"city": "X" * 31}
        update = {"patient": bad.patient.model_copy(update=change)}
        if bad.relationship == "18":
            update["subscriber"] = update["patient"]
    elif what == "npi":
        rendering = bad.billing_provider.model_copy(update={"npi": "1234567890"})
        update = {"rendering_provider": rendering}
    else:
        line = bad.lines[0].model_copy(update={"units": bad.lines[0].units * 10**9})
        update = {"lines": [line, *bad.lines[1:]]}
    claims[25] = bad.model_copy(update=update)
    target = tmp_path / "claims.837"
    assert stream_837p(claims, settings, target, created=CREATED, numbers=NUMBERS) is None
    assert list(tmp_path.iterdir()) == []  # nothing left behind, not even the temp file
    accepted = build_accepted(claims, settings, created=CREATED, numbers=NUMBERS)
    assert any(f.blocking for f in accepted.findings)
