"""The weekly cycle with the streamed 837P and with the whole-file 837P
(``CLAIMBOOK_837P_WHOLE_FILE``) gives the same 837P byte for byte, the same saved workbook
part for part, the same findings and summary."""

from __future__ import annotations

import importlib
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from addin import runs
from addin.demo.generate import generate
from addin.demo.workbook import write_workbook
from addin.x12.envelope import ControlNumberStore
from addin.x12.x837p.stream import WHOLE_FILE

# the module, not the runs.claims function of the same name
claims_module = importlib.import_module("addin.runs.claims")
TODAY = date(2026, 10, 30)
CREATED = datetime(2026, 10, 30, 9, 30)


def _cycle(book: Path, folder: Path) -> tuple[runs.Outcome, bytes]:
    inputs = runs.Inputs(
        x12_dir=folder / "x12",
        created=CREATED,
        store=ControlNumberStore(folder / "numbers.json"),
    )
    outcome = runs.cycle(book, inputs, today=TODAY)
    path = outcome.claims.x12_path if outcome.claims else None
    assert path is not None
    return outcome, path.read_bytes()


def test_streamed_and_whole_file_runs_are_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = write_workbook(generate(250), tmp_path / "Riverbend Clinic.xlsx")
    whole_builds: list[int] = []
    real = claims_module.build_accepted

    def counted(*args: Any, **kwargs: Any) -> Any:
        whole_builds.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(claims_module, "build_accepted", counted)
    got = {}
    for way in ("whole", "streamed"):
        folder = tmp_path / way
        folder.mkdir()
        book = folder / source.name
        book.write_bytes(source.read_bytes())
        monkeypatch.setenv(WHOLE_FILE, "1" if way == "whole" else "")
        outcome, x12 = _cycle(book, folder)
        assert outcome.claims is not None
        # the streamed run wrote its file in one pass (no whole-file build)
        assert bool(whole_builds) == (way == "whole")
        whole_builds.clear()
        with zipfile.ZipFile(book) as saved:
            parts = {name: saved.read(name) for name in saved.namelist()}
        summary = [line.replace(str(folder), "FOLDER") for line in outcome.summary]
        got[way] = (x12, parts, outcome.findings, summary, outcome.claims.to_json())
    whole, streamed = got["whole"], got["streamed"]
    assert streamed[0] == whole[0]
    assert b"~\nCLM*" in streamed[0]
    assert sorted(streamed[1]) == sorted(whole[1])
    for name, data in whole[1].items():
        assert streamed[1][name] == data, name
    assert streamed[2] == whole[2]
    assert streamed[3] == whole[3]
    streamed_json, whole_json = streamed[4], whole[4]
    assert streamed_json.pop("x12") != whole_json.pop("x12")  # each run's own folder
    assert streamed_json == whole_json
