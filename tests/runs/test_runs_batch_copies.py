"""``claimbook batch`` never runs one clinic's history twice: a copy of a clinic's workbook
in the folder (``... - Copy.xlsx``, an old copy in another folder) would send the claims not
yet sent a second time."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from addin.cli import app
from addin.demo.workbook import build_demo_workbook
from addin.runs.batch import run_batch
from addin.runs.parallel import LocalEngine

sys.path.insert(0, str(Path(__file__).resolve().parent))

from batch_folder import CREATED, TODAY  # noqa: E402

runner = CliRunner()


def _clinics(root: Path) -> tuple[Path, Path]:
    for i, where in enumerate(["north", "south"]):
        (root / where).mkdir(parents=True)
        build_demo_workbook(root / where / f"{where}.xlsx", 25, seed=700 + i)
    return root / "north" / "north.xlsx", root / "south" / "south.xlsx"


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_copy_of_a_clinic_workbook_is_run_by_neither_and_the_others_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    monkeypatch.setenv("CLAIMBOOK_DATA_DIR", str(tmp_path / "data"))
    root = tmp_path / "clients"
    north, south = _clinics(root)
    with LocalEngine(jobs) as engine:
        first = run_batch(root, root / "out", today=TODAY, engine=engine, created=CREATED)
    assert all(error is None for _, _, error in first.clinics)
    copy = north.with_name("north - Copy.xlsx")
    shutil.copyfile(north, copy)
    old = root / "old" / "north.xlsx"  # an older copy kept in another folder
    old.parent.mkdir()
    shutil.copyfile(north, old)
    sent = sorted((root / "north").rglob("*.837"))
    before = {p: p.read_bytes() for p in (north, copy, old)}
    south_before = south.read_bytes()
    with LocalEngine(jobs) as engine:
        again = run_batch(root, root / "out", today=TODAY, engine=engine, created=CREATED)
    errors = {clinic.workbook: error for clinic, _, error in again.clinics}
    assert set(errors) == {north, copy, old, south}
    for path in (north, copy, old):
        message = errors[path]
        assert message is not None and message.startswith("its registers begin with the same")
        assert "bill the claims not yet sent twice" in message
        others = {north, copy, old} - {path}
        assert all(str(other) in message for other in others)
        assert path.read_bytes() == before[path]  # not run: not a byte changed
    assert errors[south] is None and south.read_bytes() != south_before  # the others run
    assert sorted((root / "north").rglob("*.837")) == sent  # nothing sent again
    assert not list((root / "old").rglob("*.837"))


def test_the_command_names_the_copy_and_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAIMBOOK_DATA_DIR", str(tmp_path / "data"))
    root = tmp_path / "clients"
    north, _ = _clinics(root)
    assert runner.invoke(app, ["batch", str(root), "--jobs", "1"]).exit_code == 0
    copy = north.with_name("north - Copy.xlsx")
    shutil.copyfile(north, copy)
    result = runner.invoke(app, ["batch", str(root), "--jobs", "1"])
    assert result.exit_code == 1
    shown = " ".join(result.stdout.split())
    assert f"{copy}: its registers begin with the same claim" in shown
    assert "Move the copy out of the folder" in shown
