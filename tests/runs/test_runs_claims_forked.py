"""The weekly cycle with the claims step's second core (the check's rules in a forked child
while the claims are built; the 837P's later transaction sets written by another) gives
the same 837P byte for byte, the same saved workbook part for part, the same findings,
summary and JSON as the cycle done in one process (``CLAIMBOOK_837P_FORK=0``)."""

from __future__ import annotations

import importlib
import sys
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

import addin.x12.x837p.writer as writer_module
from addin import runs
from addin.demo.generate import generate
from addin.demo.workbook import write_workbook
from addin.x12.envelope import ControlNumberStore
from addin.x12.x837p.forked import FORK_837P

claims_module = importlib.import_module("addin.runs.claims")  # not runs.claims the function
TODAY = date(2026, 10, 30)
CREATED = datetime(2026, 10, 30, 9, 30)

pytestmark = [
    pytest.mark.skipif(sys.platform != "linux", reason="the fork is Linux only"),
    pytest.mark.usefixtures("no_other_threads"),
]


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every child the claims step forks for its check (the work it was given)."""
    started: list[Any] = []
    real = claims_module.Forked

    def counted(work: Any) -> Any:
        started.append(work)
        return real(work)

    monkeypatch.setattr(claims_module, "Forked", counted)
    return started


def test_forked_and_one_process_runs_are_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forks: list[Any]
) -> None:
    source = write_workbook(generate(250), tmp_path / "Riverbend Clinic.xlsx")
    monkeypatch.setattr(claims_module, "FORK_ENCOUNTERS", 10)
    monkeypatch.setattr(writer_module, "MAX_CLAIMS_PER_ST", 40)  # several ST..SE
    got = {}
    for way in ("alone", "forked"):
        folder = tmp_path / way
        folder.mkdir()
        book = folder / source.name
        book.write_bytes(source.read_bytes())
        monkeypatch.setenv(FORK_837P, "0" if way == "alone" else "1")
        inputs = runs.Inputs(
            x12_dir=folder / "x12", created=CREATED, store=ControlNumberStore(folder / "n.json")
        )
        outcome = runs.cycle(book, inputs, today=TODAY)
        assert outcome.claims is not None and outcome.claims.x12_path is not None
        assert len(forks) == (1 if way == "forked" else 0)  # the check's child
        x12 = outcome.claims.x12_path.read_bytes()
        with zipfile.ZipFile(book) as saved:
            parts = {name: saved.read(name) for name in saved.namelist()}
        summary = [line.replace(str(folder), "FOLDER") for line in outcome.summary]
        js = outcome.claims.to_json()
        js.pop("x12")
        got[way] = (x12, parts, outcome.findings, summary, js)
    alone, forked = got["alone"], got["forked"]
    assert forked[0] == alone[0] and alone[0].count(b"~\nST*837*") > 2
    assert any(f.severity == "error" for f in alone[2])  # the demo's mistakes hold claims
    assert any(r["status"] == "Held" for r in alone[4]["claims"])
    assert sorted(forked[1]) == sorted(alone[1])
    for name, data in alone[1].items():
        assert forked[1][name] == data, name
    assert forked[2:] == alone[2:]


def test_timely_filing_from_the_child_holds_as_in_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forks: list[Any]
) -> None:
    from clinic_sample import SETTINGS, write_clinic
    from excel_clinic import ENC_HEADERS, ROWS

    monkeypatch.setattr(claims_module, "FORK_ENCOUNTERS", 0)
    got = []
    for way in ("alone", "forked"):
        monkeypatch.setenv(FORK_837P, "0" if way == "alone" else "1")
        book = write_clinic(tmp_path / f"{way}.xlsx", ENC_HEADERS, ROWS[:3], SETTINGS)
        import openpyxl

        wb = openpyxl.load_workbook(book)
        wb["Payers"]["D1"] = "Filing Limit (days)"
        wb["Payers"]["D2"] = 90
        wb.save(book)
        outcome = runs.claims(book, today=date(2026, 4, 10))
        assert outcome.claims is not None
        late = [(f.encounter_id, f.severity) for f in outcome.findings
                if f.rule == "TIMELY-FILING"]  # fmt: skip
        got.append((late, [c.claim_id for c in outcome.claims.sent]))
    assert len(forks) == 1
    assert got[0] == got[1] == ([("V2", "error")], ["V1"])  # V2 held, from either process
