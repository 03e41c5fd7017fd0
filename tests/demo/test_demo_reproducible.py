"""The demo quarter is reproducible: the same seed gives the same files, byte for byte.

Every file the demo writes (the clinic's workbook, its 837Ps, the clearinghouse's and the
payers' answers, the payers' spreadsheet exports) must come out identical on a second run in
another folder, a moment later and at another time of day (the 837P's ISA/GS times once
came from the wall clock, so two runs either side of a minute differed). Only the backups
(named by the clock) and the paths inside summary.json may differ.
"""

from __future__ import annotations

import importlib
import time
from datetime import datetime
from pathlib import Path

import pytest

from addin.demo import run_demo


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "Claimbook backups" not in p.parts
    }


# the modules that could stamp the wall clock into what the demo writes
CLOCKED = ("addin.runs.claims", "addin.runs.secondary", "addin.x12.x837p.writer")


def _clock_at(monkeypatch: pytest.MonkeyPatch, hour: int, minute: int) -> None:
    """The wall clock reads another hour and minute: a run must not depend on it."""

    class Shifted(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[no-untyped-def, override]
            return datetime.now(tz).replace(hour=hour, minute=minute)

    for name in CLOCKED:
        monkeypatch.setattr(importlib.import_module(name), "datetime", Shifted)


def test_the_same_seed_gives_the_same_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = []
    for name, (hour, minute) in (("first", (9, 14)), ("second", (15, 47))):
        _clock_at(monkeypatch, hour, minute)
        monkeypatch.setenv("CLAIMBOOK_DATA_DIR", str(tmp_path / f"{name}-data"))
        out = tmp_path / name
        run_demo(out, encounters=60)
        runs.append(_files(out))
        time.sleep(1.1)  # openpyxl and the zip entries carry the clock to the second
    first, second = runs
    assert sorted(first) == sorted(second)
    exports = [n for n in first if n.endswith(".xlsx") and "remittances" in n]
    assert exports, "the demo wrote no payer export: nothing checked its bytes"
    summary = "summary.json"
    differ = [n for n in first if n != summary and first[n] != second[n]]
    assert differ == []
    as_first = second[summary].replace(
        str(tmp_path / "second").encode(), str(tmp_path / "first").encode()
    )
    assert first[summary] == as_first
