"""Envelopes and control numbers: persisted per submitter, never repeated, written atomically."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from addin.claims import build_claims
from addin.errors import OutputError, SettingsError
from addin.models import Book
from addin.x12.envelope import ControlNumberStore, Envelope, x12_dir
from addin.x12.x837p import write_837p
from addin.x12.x837p.checks import check_837p
from addin.x12.x837p.reader import read_837p

DATA = Path(__file__).resolve().parents[1] / "data" / "x837p"


def load() -> Book:
    return Book.model_validate(json.loads((DATA / "encounters.json").read_text("utf-8")))


def test_store_lives_under_data_dir(isolated_data_dir: Path) -> None:
    assert x12_dir() == isolated_data_dir / "x12"
    numbers = ControlNumberStore().reserve("RFM0001", transactions=3)
    assert (numbers.interchange, numbers.group, numbers.first_transaction) == (1, 1, 1)
    saved = json.loads((isolated_data_dir / "x12" / "control_numbers.json").read_text())
    assert saved == {"RFM0001": {"gs": 1, "isa": 1, "st": 3}}


def test_second_run_never_repeats_numbers(isolated_data_dir: Path, tmp_path: Path) -> None:
    book = load()
    claims = build_claims(book.encounters, book.settings, book.payers, book.fees).claims
    first = write_837p(claims[:2], book.settings, tmp_path / "a.837")
    second = write_837p(claims[2:4], book.settings, tmp_path / "b.837")
    assert second.numbers.interchange == first.numbers.interchange + 1
    assert second.numbers.first_transaction > first.numbers.first_transaction
    isa = [read_837p(p).interchanges[0].isa[13] for p in (tmp_path / "a.837", tmp_path / "b.837")]
    assert isa == ["000000001", "000000002"]
    # another submitter counts on its own
    other = dict(book.settings, **{"Submitter ID": "OTHER01"})
    assert write_837p(claims[:1], other, tmp_path / "c.837").numbers.interchange == 1
    for name in ("a.837", "b.837", "c.837"):
        assert check_837p(read_837p(tmp_path / name)) == []


def test_written_file_is_ascii_and_has_frozen_header(tmp_path: Path) -> None:
    book = load()
    claims = build_claims(book.encounters, book.settings, book.payers, book.fees).claims
    result = write_837p(
        claims[:1], book.settings, tmp_path / "x.837", created=datetime(2024, 1, 2, 3, 4)
    )
    text = (tmp_path / "x.837").read_bytes().decode("ascii")
    assert text.startswith("ISA*00*          *00*          *ZZ*RFM0001        *ZZ*030240928")
    assert "*240102*0304*^*00501*000000001*0*T*:~" in text
    assert result.segment_count == text.count("~")
    assert "GS*HC*RFM0001*030240928*20240102*0304*1*X*005010X222A1~" in text
    assert "ST*837*0001*005010X222A1~" in text


def test_damaged_store_is_an_output_error(isolated_data_dir: Path) -> None:
    path = isolated_data_dir / "x12" / "control_numbers.json"
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    with pytest.raises(OutputError, match="control-number file is damaged"):
        ControlNumberStore().reserve("X")


@pytest.mark.parametrize(
    ("key", "value", "match"),
    [
        ("Submitter ID", "", "Submitter ID"),
        ("Receiver ID", "TOO-LONG-RECEIVER-ID", "Receiver ID"),
        ("Usage Indicator", "X", "Usage Indicator"),
    ],
)
def test_bad_settings_name_the_key(key: str, value: str, match: str) -> None:
    settings = dict(load().settings, **{key: value})
    with pytest.raises(SettingsError, match=match):
        Envelope.for_submitter(settings, datetime(2024, 1, 1), ControlNumberStore().reserve("Z"))


def test_missing_settings_refuse_to_write(tmp_path: Path) -> None:
    book = load()
    claims = build_claims(book.encounters, book.settings, book.payers, book.fees).claims
    settings = dict(book.settings, **{"Billing NPI": ""})
    with pytest.raises(SettingsError, match="Billing NPI"):
        write_837p(claims, settings, tmp_path / "x.837")
    assert not (tmp_path / "x.837").exists()


def test_unsendable_file_is_not_written(tmp_path: Path) -> None:
    book = load()
    claims = build_claims(book.encounters, book.settings, book.payers, book.fees).claims
    settings = dict(book.settings, **{"Billing ZIP": "62701"})
    with pytest.raises(OutputError, match=r"837P not written: 1 problem.*ZIP '62701'"):
        write_837p(claims[:2], settings, tmp_path / "x.837")
    assert not (tmp_path / "x.837").exists()


def test_large_batches_split_into_transaction_sets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from x837p_pyx12 import pyx12_errors

    from addin.x12.x837p import writer

    monkeypatch.setattr(writer, "MAX_CLAIMS_PER_ST", 5)
    book = load()
    claims = build_claims(book.encounters, book.settings, book.payers, book.fees).claims
    first = write_837p(claims, book.settings, tmp_path / "a.837")  # 12 claims -> 3 ST
    doc = read_837p(tmp_path / "a.837")
    txns = doc.transactions()
    assert [t.segments[0][2] for t in txns] == ["0001", "0002", "0003"]
    assert doc.interchanges[0].groups[0].ge is not None
    assert doc.interchanges[0].groups[0].ge[1] == "3"
    assert sum(1 for t in txns for _ in t.claims()) == len(claims)
    assert check_837p(doc) == []
    assert pyx12_errors((tmp_path / "a.837").read_text("ascii")) == []
    second = write_837p(claims[:1], book.settings, tmp_path / "b.837")
    assert second.numbers.first_transaction == first.numbers.first_transaction + 3


def test_control_numbers_wrap_after_nine_digits(isolated_data_dir: Path) -> None:
    store = ControlNumberStore()
    store.path.parent.mkdir(parents=True, exist_ok=True)
    store.path.write_text(json.dumps({"S": {"isa": 999_999_999, "gs": 5, "st": 999_999_998}}))
    numbers = store.reserve("S", transactions=3)
    assert (numbers.interchange, numbers.group, numbers.first_transaction) == (1, 6, 1)
    assert store.last("S") == {"isa": 1, "gs": 6, "st": 3}
