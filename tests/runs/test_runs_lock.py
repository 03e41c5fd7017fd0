"""Two runs on one workbook never lose each other's work; an open workbook is not written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from addin import runs
from addin.errors import WorkbookBusy
from addin.sheets import read_book
from addin.sheets.lock import lock_path, workbook_lock

REPO = Path(__file__).resolve().parents[2]


def test_check_and_reconcile_at_the_same_moment_keep_both(clinic: Path, era: Path) -> None:
    runs.claims(clinic)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    commands = [
        [sys.executable, "-m", "addin.cli", "check", str(clinic)],
        [sys.executable, "-m", "addin.cli", "reconcile", str(clinic), str(era)],
    ]  # (python -m runs the same command as the claimbook script)
    procs = [subprocess.Popen(c, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True) for c in commands]  # fmt: skip
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [1, 0], outputs  # check finds V3's error
    own = read_book(clinic, own=["Findings", "Reconciliation", "Claim Register"]).own
    assert own["Findings"].rows and own["Reconciliation"].rows  # neither run's sheets lost
    assert not lock_path(clinic).exists()


def test_a_held_lock_makes_the_second_run_wait_then_stop(clinic: Path) -> None:
    with workbook_lock(clinic, what="claims"):
        os.environ["CLAIMBOOK_LOCK_WAIT"] = "0.3"
        try:
            with pytest.raises(WorkbookBusy, match="another Claimbook claims is working"):
                runs.check(clinic)
        finally:
            del os.environ["CLAIMBOOK_LOCK_WAIT"]
    assert runs.check(clinic).changed  # free again


def test_a_lock_left_by_a_dead_run_is_taken_over(clinic: Path) -> None:
    import json
    import socket

    lock_path(clinic).write_text(json.dumps({"pid": 2**22 + 17, "host": socket.gethostname()}))
    assert runs.check(clinic).changed
    assert not lock_path(clinic).exists()


@pytest.mark.parametrize("owner", ["~$clinic.xlsx", ".~lock.clinic.xlsx#"])
def test_a_workbook_open_in_excel_or_libreoffice_is_not_written(clinic: Path, owner: str) -> None:
    (clinic.parent / owner).write_text("someone")
    before = clinic.read_bytes()
    with pytest.raises(WorkbookBusy, match="is open in"):
        runs.check(clinic)
    assert clinic.read_bytes() == before


def test_a_file_saved_meanwhile_is_not_overwritten(clinic: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Saved in Excel while the run worked: the run stops rather than drop that save."""
    import importlib

    from addin.errors import OutputError

    real = importlib.import_module("addin.runs.check").check_step

    def and_save_meanwhile(session, extra=None):  # type: ignore[no-untyped-def]
        found = real(session, extra)
        os.utime(clinic, ns=(1, 1))  # the file changes on disk
        return found

    monkeypatch.setattr("addin.runs.check_step", and_save_meanwhile)
    with pytest.raises(OutputError, match="changed on disk while Claimbook was working"):
        runs.check(clinic)
