"""The archive's compacted copy and the re-archive skip: the same answers, nothing twice."""

from __future__ import annotations

import json
import os
import shutil
import socket
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from addin.archive.compact import (
    COMPACT,
    compact,
    layout,
    mark_pending,
    partition_files,
    units,
)
from addin.archive.queries import Archive
from addin.archive.store import WORKBOOKS, archive_folder
from addin.cli import app
from addin.demo import DemoResult
from addin.errors import InputError

runner = CliRunner()
Clinics = tuple[Path, DemoResult, DemoResult]


def _answers(store: Path, **options: Any) -> dict[str, list[dict[str, Any]]]:
    with Archive(store, **options) as archive:
        day = archive.latest_date()
        answers = archive.report(day)
        # every table's rows, in full: the copy must hold exactly what the partitions do
        for table in ("claims", "claim_lines", "payments", "adjustments", "outcomes", "denials"):
            answers[f"table {table}"] = archive.sql(
                f"SELECT * EXCLUDE (archived_on) FROM {table} ORDER BY clinic, key"
            )
        return answers


def _partitions(store: Path) -> list[Path]:
    return sorted(p for p in store.rglob("*.parquet") if COMPACT not in p.parts)


def _one_clinic(clinics: Clinics, tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "one"
    shutil.copytree(clinics[1].out, folder, ignore=shutil.ignore_patterns("inputs"))
    return folder, next(p for p in folder.glob("*.xlsx") if ".claimbook." not in p.name)


def _set_work_status(book: Path, row: int, status: str) -> str:
    wb = load_workbook(book)
    ws = wb["Denials"]
    headers = [c.value for c in ws[1]]
    ws.cell(row=row, column=headers.index("Work Status") + 1).value = status
    claim = str(ws.cell(row=row, column=headers.index("Claim ID") + 1).value)
    wb.save(book)
    return claim


def test_the_report_is_the_same_before_and_after_compaction(
    clinics: Clinics, tmp_path: Path
) -> None:
    root, _, _ = clinics
    store = tmp_path / "archive"
    archive_folder(root, store, compact=False, now=datetime(2026, 11, 1, 9))
    files = _partitions(store)
    with Archive(store) as archive:
        assert archive.uncompacted == len(files)  # no copy yet: every file read directly
    before = _answers(store)
    done = compact(store)
    assert done.files == len(files) and done.segments < len(files)
    assert _partitions(store) == files  # the partitions are not touched
    with Archive(store) as archive:
        assert archive.uncompacted == 0
        months = archive.sql("SELECT DISTINCT clinic, month FROM claims ORDER BY 1, 2")
    assert {(r["clinic"], r["month"]) for r in months} >= {("north-riverbend-clinic", "2026-07")}
    assert _answers(store) == before
    assert _answers(store, compacted=False) == before
    assert compact(store).files == 0  # nothing new: nothing written


def test_archiving_again_skips_unchanged_workbooks_and_adds_nothing(
    clinics: Clinics, tmp_path: Path
) -> None:
    root, _, _ = clinics
    store = tmp_path / "archive"
    first = archive_folder(root, store, now=datetime(2026, 11, 1, 9))
    assert not any(c.skipped for c in first.clinics)
    assert first.compacted is not None and first.compacted.files == len(_partitions(store))
    files = sorted(store.rglob("*.parquet"))
    known = json.loads((store / WORKBOOKS).read_text())["workbooks"]
    assert sorted(v["clinic"] for v in known.values()) == [c.clinic for c in first.clinics]
    again = archive_folder(root, store, now=datetime(2026, 11, 2, 9))
    assert all(c.skipped and sum(c.added.values()) == 0 for c in again.clinics)
    assert again.compacted is not None and again.compacted.files == 0
    assert sorted(store.rglob("*.parquet")) == files  # not a file more, copy included
    # a workbook touched but not changed (same bytes, a new modification time): skipped
    book = first.clinics[0].workbook
    os.utime(book, ns=(book.stat().st_atime_ns, book.stat().st_mtime_ns + 10**9))
    touched = archive_folder(root, store, now=datetime(2026, 11, 3, 9))
    assert all(c.skipped for c in touched.clinics)


def test_a_changed_workbook_is_read_again_and_appends_only_its_new_rows(
    clinics: Clinics, tmp_path: Path
) -> None:
    folder, book = _one_clinic(clinics, tmp_path)
    store = tmp_path / "archive"
    first = archive_folder(folder, store, now=datetime(2026, 11, 1, 9))
    rows = sum(first.clinics[0].added.values())
    stat = book.stat()
    claim = _set_work_status(book, 2, "Appealed")
    # the same modification time as before: the content hash, not the time, decides
    os.utime(book, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    second = archive_folder(folder, store, now=datetime(2026, 11, 8, 9))
    (done,) = second.clinics
    assert not done.skipped and done.added["denials"] == 1
    assert sum(done.added.values()) == 1  # the changed denial only, nothing else twice
    with Archive(store) as archive:
        assert archive.uncompacted == 0
        statuses = archive.sql(
            "SELECT work_status FROM denials WHERE claim_id = $c ORDER BY key", {"c": claim}
        )
        assert "Appealed" in [r["work_status"] for r in statuses]
        counts = archive.sql("SELECT count(*) AS n, count(DISTINCT key) AS k FROM denials")
        assert counts[0]["n"] == counts[0]["k"]  # the older version is left out
        every = archive.sql("SELECT count(*) AS n FROM claim_lines")[0]["n"]
    assert every == first.clinics[0].added["claim_lines"] and rows > every
    assert _answers(store) == _answers(store, compacted=False)


def test_an_archive_written_before_compaction_answers_and_says_how_to_compact(
    clinics: Clinics, tmp_path: Path
) -> None:
    root, _, _ = clinics
    store = tmp_path / "archive"
    archive_folder(root, store, compact=False)
    # the layout of an archive written before this version: partitions only
    shutil.rmtree(store / COMPACT)
    (store / WORKBOOKS).unlink()
    before = _answers(store)
    shown = runner.invoke(app, ["report", str(store), "--json"])
    assert shown.exit_code == 0, shown.output
    assert "not in its compacted copy" in shown.stderr and "claimbook compact" in shown.stderr
    assert json.loads(shown.stdout)["denial_rate_by_payer"] == json.loads(
        json.dumps(before["denial_rate_by_payer"], default=str)
    )
    done = runner.invoke(app, ["compact", str(store), "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["files"] == len(_partitions(store))
    quiet = runner.invoke(app, ["report", str(store), "--json"])
    assert quiet.exit_code == 0 and "compacted copy" not in quiet.stderr
    assert _answers(store) == before
    missing = runner.invoke(app, ["compact", str(tmp_path / "nowhere")])
    assert missing.exit_code == 2 and "no archive here" in missing.output


def _clients(clinics: Clinics, tmp_path: Path, *names: str) -> Path:
    """A clients folder holding the named demo clinics (more can be copied in later)."""
    folder = tmp_path / "clients"
    for name in names:
        shutil.copytree(clinics[0] / name, folder / name, ignore=shutil.ignore_patterns("inputs"))
    return folder


def test_files_a_stopped_pass_left_uncompacted_are_still_read(
    clinics: Clinics, tmp_path: Path
) -> None:
    folder = _clients(clinics, tmp_path, "north")
    store = tmp_path / "archive"
    archive_folder(folder, store)
    # a pass over the new south clinic writes its partitions, then stops before compacting
    _clients(clinics, tmp_path, "south")
    archive_folder(folder, store, compact=False)
    south = [
        f
        for unit, _ in units()
        for f in partition_files(store, unit)
        if "clinic=south-riverbend-clinic/" in f
    ]
    assert south and layout(store).uncompacted == len(south)
    with Archive(store) as archive:
        seen = archive.sql("SELECT DISTINCT clinic FROM outcomes ORDER BY clinic")
    assert [r["clinic"] for r in seen] == ["north-riverbend-clinic", "south-riverbend-clinic"]
    assert _answers(store) == _answers(store, compacted=False)
    compact(store)
    assert layout(store).uncompacted == 0
    assert _answers(store) == _answers(store, compacted=False)


def test_segments_are_merged_and_a_clinic_removed_by_hand_leaves_the_copy(
    clinics: Clinics, tmp_path: Path
) -> None:
    folder = _clients(clinics, tmp_path, "north")
    store = tmp_path / "archive"
    archive_folder(folder, store, now=datetime(2026, 11, 1, 9))
    _clients(clinics, tmp_path, "south")
    archive_folder(folder, store, compact=False, now=datetime(2026, 11, 2, 9))
    done = compact(store, merge_at=1, now=datetime(2026, 11, 2, 9))
    assert done.segments_merged > 0
    listed = json.loads((store / COMPACT / "manifest.json").read_text())["units"]["claims"]
    assert all(len(names) == 1 for names in listed["segments"].values())  # one a month
    assert _answers(store) == _answers(store, compacted=False)
    for gone in [*store.glob("*/clinic=south-*"), *store.glob("_superseded/*/clinic=south-*")]:
        shutil.rmtree(gone)
    rebuilt = compact(store)
    assert "claims" in rebuilt.rebuilt
    with Archive(store) as archive:
        seen = archive.sql("SELECT DISTINCT clinic FROM claims")
    assert [r["clinic"] for r in seen] == ["north-riverbend-clinic"]
    assert _answers(store) == _answers(store, compacted=False)


@pytest.mark.parametrize("damage", ["manifest", "segment"])
def test_a_damaged_copy_is_never_trusted(clinics: Clinics, tmp_path: Path, damage: str) -> None:
    root, _, _ = clinics
    store = tmp_path / "archive"
    archive_folder(root, store)
    before = _answers(store, compacted=False)
    if damage == "manifest":
        (store / COMPACT / "manifest.json").write_text("{not json")
    else:
        next((store / COMPACT / "outcomes").rglob("*.parquet")).unlink()
    with Archive(store) as archive:
        assert archive.uncompacted > 0  # what the copy cannot vouch for is read directly
    assert _answers(store) == before
    compact(store)
    assert layout(store).uncompacted == 0
    assert _answers(store) == before


def test_marking_a_pass_pending_reads_new_partition_files(clinics: Clinics, tmp_path: Path) -> None:
    folder, book = _one_clinic(clinics, tmp_path)
    store = tmp_path / "archive"
    archive_folder(folder, store)
    mark_pending(store)
    assert layout(store).uncompacted == 0  # pending, but nothing new yet
    _set_work_status(book, 2, "Appealed")
    archive_folder(folder, store, compact=False)
    assert layout(store).uncompacted == 2  # the new denial version, and the one it supersedes
    with Archive(store) as archive:
        assert "Appealed" in {r["work_status"] for r in archive.sql("SELECT * FROM denials")}


def test_a_second_pass_waits_for_the_first_and_then_says_who_holds_the_archive(
    clinics: Clinics, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from addin.archive.compact import archive_lock
    from addin.errors import WorkbookBusy

    root, _, _ = clinics
    store = tmp_path / "archive"
    monkeypatch.setenv("CLAIMBOOK_LOCK_WAIT", "0")
    lock = store.with_name(f".{store.name}.claimbook-lock")
    with archive_lock(store):
        assert lock.is_file()
        with pytest.raises(WorkbookBusy, match="another Claimbook archive pass or compaction"):
            archive_folder(root, store, jobs=1)
        with pytest.raises(WorkbookBusy, match=lock.name):
            compact(store)
        assert not store.exists() or not partition_files(store, "claims")  # nothing written
        result = runner.invoke(app, ["archive", str(root), "--to", str(store)])
        assert result.exit_code == 3 and "Nothing was written" in result.output
    assert not lock.exists()
    done = archive_folder(root, store, jobs=2)
    assert sum(sum(c.added.values()) for c in done.clinics) > 0 and not lock.exists()
    # a lock left by a process that has ended (a crash) is taken over
    lock.write_text(json.dumps({"pid": 2**22 + 12345, "host": socket.gethostname()}))
    assert compact(store).files == 0 and not lock.exists()


def test_a_report_reading_while_segments_are_merged_still_answers(
    clinics: Clinics, tmp_path: Path
) -> None:
    """Merged segments stay on disk for a grace period (a report opened before the merge is
    still reading them); after it they are deleted, and a report still open then asks its
    question again on the archive as it is now."""
    folder = _clients(clinics, tmp_path, "north")
    store = tmp_path / "archive"
    archive_folder(folder, store, now=datetime(2026, 11, 1, 9))
    _clients(clinics, tmp_path, "south")
    archive_folder(folder, store, compact=False, now=datetime(2026, 11, 2, 9))
    compact(store, now=datetime(2026, 11, 2, 9))
    expected = _answers(store, compacted=False)
    manifest = store / COMPACT / "manifest.json"
    with Archive(store) as reading:
        before = set(reading.layout.segments["claims"])
        merged = compact(store, merge_at=1, now=datetime(2026, 11, 2, 9, 30))
        assert merged.segments_merged > 0 and merged.retired > 0
        retired = json.loads(manifest.read_text())["retired"]
        assert {store / name for name in retired} >= before  # kept, listed as retired
        assert all((store / name).is_file() for name in retired)
        assert reading.sql("SELECT count(*) AS n FROM claims") == expected_count(expected)
        # within the grace nothing is deleted; past it the retired segments go
        assert compact(store, now=datetime(2026, 11, 2, 10)).retired == len(retired)
        assert all((store / name).is_file() for name in retired)
        past = compact(store, now=datetime(2026, 11, 2, 11))
        assert past.retired == 0 and "retired" in json.loads(manifest.read_text())
        assert not any((store / name).exists() for name in retired)
        assert not any(p.exists() for p in before)
        # the open report's file lists are gone: it reads the new manifest and answers
        assert reading.sql("SELECT count(*) AS n FROM claims") == expected_count(expected)
        assert reading.layout.segments["claims"] != sorted(before)
    assert _answers(store) == expected


def expected_count(answers: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    return [{"n": len(answers["table claims"])}]


def test_the_wrong_folder_is_refused_never_an_empty_report(
    clinics: Clinics, tmp_path: Path
) -> None:
    """A report on a folder that is not an archive would be empty, and an empty report reads
    as "no denials": the clients folder itself, an empty folder, a folder with no clinic."""
    folder = _clients(clinics, tmp_path, "north")
    empty = tmp_path / "empty"
    empty.mkdir()
    for command in ("report", "compact"):
        refused = runner.invoke(app, [command, str(empty)])
        assert refused.exit_code == 2 and "not an archive" in refused.output, refused.output
    assert list(empty.iterdir()) == []  # no report, no _compact written into it
    with pytest.raises(InputError, match="not an archive"):
        Archive(empty)
    nothing = runner.invoke(app, ["archive", str(empty)])
    assert nothing.exit_code == 2 and "no clinic workbook in it" in nothing.output
    assert list(empty.iterdir()) == []
    assert runner.invoke(app, ["archive", str(folder)]).exit_code == 0
    wrong = runner.invoke(app, ["report", str(folder)])  # the clients folder, not its archive
    assert wrong.exit_code == 2
    assert f"this folder's archive is {folder / 'claimbook-archive'}" in " ".join(
        wrong.output.split()
    )
    assert runner.invoke(app, ["report", str(folder / "claimbook-archive")]).exit_code == 0
