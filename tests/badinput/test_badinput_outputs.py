"""Where output goes: a folder given for a file, a file given for a folder, a failed write.

From issue 17's "Measured" list: ``claims --x12 DIR`` left a hidden temporary 837P with
patient data beside DIR; ``demo --out FILE`` raised a traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from badinput_cases import Clean
from typer.testing import CliRunner

from addin.cli import app
from addin.errors import OutputError
from addin.x12.x837p import writer

runner = CliRunner()


def _hidden(folder: Path) -> list[str]:
    return [p.name for p in folder.rglob(".*")]


def test_claims_x12_given_a_folder_refuses_and_leaves_nothing(tmp_path: Path) -> None:
    clean = Clean(tmp_path)
    folder = tmp_path / "x12"
    folder.mkdir()
    before = clean.book.read_bytes()
    result = runner.invoke(app, ["claims", str(clean.book), "--no-check", "--x12", str(folder)])
    assert result.exit_code == 2, result.output
    assert "is a folder" in result.output and "--x12-dir" in result.output
    assert _hidden(tmp_path) == []  # was .x12.XXXXXXXX: the whole 837P, patient names included
    assert clean.book.read_bytes() == before and list(folder.iterdir()) == []
    result = runner.invoke(app, ["claims", str(clean.book), "--no-check", "--x12-dir",
                                 str(folder)])  # fmt: skip
    assert result.exit_code == 0 and len(list(folder.glob("*.837"))) == 1, result.output


def test_the_837p_writer_refuses_a_folder_itself(tmp_path: Path) -> None:
    """For library callers and the buttons, which do not pass through the command line."""
    with pytest.raises(OutputError, match="is a folder"):
        writer._write_atomic(tmp_path, "ISA*...~")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_837p_write_removes_its_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(src: str, dst: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(writer.os, "replace", fail)
    with pytest.raises(OutputError, match="claims.837"):
        writer._write_atomic(tmp_path / "claims.837", "ISA*...~")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(OutputError, match="claims.837"):  # text outside ASCII: same cleanup
        writer._write_atomic(tmp_path / "claims.837", "NM1*IL*1*محمد~")
    assert list(tmp_path.iterdir()) == []


def test_demo_out_on_an_existing_file_is_refused(tmp_path: Path) -> None:
    mine = tmp_path / "notes.txt"
    mine.write_text("mine")
    result = runner.invoke(app, ["demo", "--out", str(mine), "--encounters", "20"])
    assert result.exit_code == 2, result.output  # was NotADirectoryError
    assert "notes.txt" in result.output and "folder" in result.output
    assert mine.read_text() == "mine"
