"""The demo quarter is reproducible: the same seed gives the same files, byte for byte.

Every file the demo writes (the clinic's workbook, its 837Ps, the clearinghouse's and the
payers' answers, the payers' spreadsheet exports) must come out identical on a second run in
another folder, a moment later. Only the backups (named by the clock) and the paths inside
summary.json may differ.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from addin.demo import run_demo


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "Claimbook backups" not in p.parts
    }


def test_the_same_seed_gives_the_same_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = []
    for name in ("first", "second"):
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
