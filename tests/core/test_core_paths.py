"""A path the system refuses is a message naming it (exit 2), never a traceback, and never
'busy' (exit 3, "try again later") when waiting would not help."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from addin.cli import app, friendly
from addin.errors import OutputError
from addin.files.folders import make_folder

runner = CliRunner()


def test_a_file_in_the_way_of_the_output_folder_is_named(tmp_path: Path) -> None:
    book = tmp_path / "clinic.xlsx"
    made = runner.invoke(app, ["template", str(book)])
    assert made.exit_code == 0, made.output
    before = book.read_bytes()
    for args in (
        ["check", str(book), "--out", str(book / "checked.xlsx")],
        ["template", str(book / "new.xlsx")],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output and "a file of that name is in the way" in (
            result.output
        )
        assert f"folder {book}" in result.output
    assert book.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clinic.xlsx"]  # nothing left over


def test_make_folder_says_what_it_could_not_make(tmp_path: Path) -> None:
    blocker = tmp_path / "reports"
    blocker.write_text("not a folder")
    with pytest.raises(OutputError, match=r"a file of that name is in the way"):
        make_folder(blocker / "2026" / "q4", blocker / "2026" / "q4" / "report.xlsx")
    make_folder(tmp_path / "a" / "b")  # made, with its parents
    make_folder(tmp_path / "a" / "b")  # already there: fine
    assert (tmp_path / "a" / "b").is_dir()


def test_an_unforeseen_refusal_of_the_system_is_a_message_not_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    @friendly
    def command() -> None:
        raise PermissionError(13, "Permission denied", "/clinic/[shared]/book.xlsx")

    with pytest.raises(typer.Exit) as stopped:
        command()
    assert stopped.value.exit_code == 2
    err = capsys.readouterr().err
    assert "error: /clinic/[shared]/book.xlsx: Permission denied; check the path" in err


def test_a_lock_that_cannot_be_made_is_an_error_not_busy(tmp_path: Path) -> None:
    from addin.errors import InputError, WorkbookBusy
    from addin.sheets.lock import workbook_lock

    missing = tmp_path / "no such folder" / "clinic.xlsx"
    with pytest.raises(InputError, match="does not exist"), workbook_lock(missing):
        pass  # pragma: no cover
    refused = Path("/proc/clinic.xlsx")  # a folder no file can be made in, even by root
    if not Path("/proc/self").is_dir():
        pytest.skip("no /proc here")
    with pytest.raises(OutputError, match="cannot create the lock file") as raised:
        with workbook_lock(refused):
            pass  # pragma: no cover
    assert not isinstance(raised.value, WorkbookBusy)


def test_a_folder_given_as_a_file_is_called_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "era.835"  # named like a file, but a folder
    folder.mkdir()
    book = tmp_path / "clinic.xlsx"
    assert runner.invoke(app, ["template", str(book)]).exit_code == 0
    for args in (
        ["remit", str(folder)],
        ["check-837p", str(folder)],
        ["reconcile", str(book), str(folder)],
        ["acknowledgments", str(book), str(folder)],
        ["check", str(folder)],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert f"{folder}: a folder, not a file; check the path" in result.output, args
    gone = runner.invoke(app, ["remit", str(tmp_path / "nowhere.835")])
    assert gone.exit_code == 2 and "nowhere.835: no such file; check the path" in gone.output
