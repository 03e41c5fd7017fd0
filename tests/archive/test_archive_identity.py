"""A clinic in the archive is the history its registers hold, not its file name: a workbook
renamed or moved keeps its clinic, and a copy is never archived as a second clinic."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from addin.archive.queries import Archive
from addin.archive.store import WORKBOOKS, archive_folder
from addin.cli import app
from addin.demo import DemoResult

Clinics = tuple[Path, DemoResult, DemoResult]
runner = CliRunner()
DAY = datetime(2026, 11, 1, 9)


def _folder(demo: DemoResult, where: Path) -> Path:
    """A copy of a demo clinic's folder (its workbook and kept files), no demo inputs."""
    shutil.copytree(demo.out, where, ignore=shutil.ignore_patterns("inputs", "Claimbook backups"))
    return where


def _counts(store: Path) -> dict[str, int]:
    with Archive(store) as archive:
        rows = archive.sql(
            "SELECT (SELECT count(*) FROM payments) AS payments, "
            "(SELECT count(*) FROM claims) AS claims, "
            "(SELECT count(DISTINCT clinic) FROM claims) AS clinics"
        )
    return dict(rows[0])


def _archived(demo: DemoResult, tmp_path: Path) -> tuple[Path, Path]:
    """A demo clinic copied into ``clients/north`` and archived once: its workbook and the
    archive."""
    folder = _folder(demo, tmp_path / "clients" / "north")
    store = tmp_path / "archive"
    archive_folder(tmp_path / "clients", store, now=DAY)
    return next(folder.glob("*.xlsx")), store


def _workbooks(store: Path) -> dict[str, dict[str, object]]:
    books: dict[str, dict[str, object]] = json.loads((store / WORKBOOKS).read_text())["workbooks"]
    return books


def test_a_renamed_or_moved_workbook_keeps_its_clinic_and_adds_nothing(
    clinics: Clinics, tmp_path: Path
) -> None:
    _, north, _ = clinics
    folder = _folder(north, tmp_path / "clients" / "north")
    store = tmp_path / "archive"
    _, first, _ = archive_folder(tmp_path / "clients", store, now=DAY)
    before = _counts(store)
    assert before["clinics"] == 1 and before["payments"] == first[0].added["payments"] > 0
    book = next(folder.glob("*.xlsx"))
    renamed = book.with_name("Riverbend Clinic 2026.xlsx")
    book.rename(renamed)
    _, again, _ = archive_folder(tmp_path / "clients", store, now=DAY.replace(day=2))
    assert again[0].error is None and sum(again[0].added.values()) == 0
    assert again[0].clinic == first[0].clinic and again[0].moved_from == str(book.resolve())
    assert _counts(store) == before
    assert list(_workbooks(store)) == [str(renamed.resolve())]
    # the folders reorganised: the clinic moved into another folder, then staff changed it
    moved = tmp_path / "clients" / "2026" / "riverbend"
    moved.mkdir(parents=True)
    renamed = renamed.rename(moved / renamed.name)
    wb = load_workbook(renamed)
    ws = wb["Denials"]
    headers = [c.value for c in ws[1]]
    ws.cell(row=2, column=headers.index("Work Status") + 1).value = "Appealed"
    wb.save(renamed)
    result = runner.invoke(app, ["archive", str(tmp_path / "clients"), "--to", str(store)])
    assert result.exit_code == 0, result.output
    assert "archived before as" in result.stdout and first[0].clinic in result.stdout
    assert "denials: 1" in result.stdout and "payments: 0" in result.stdout
    assert _counts(store) == before
    assert list(_workbooks(store)) == [str(renamed.resolve())]


def test_a_copy_beside_the_workbook_is_refused_and_nothing_counts_twice(
    clinics: Clinics, tmp_path: Path
) -> None:
    _, north, _ = clinics
    book, store = _archived(north, tmp_path)
    before = _counts(store)
    copy = book.with_name(f"{book.stem} - Copy.xlsx")
    shutil.copyfile(book, copy)
    result = runner.invoke(app, ["archive", str(tmp_path / "clients"), "--to", str(store)])
    assert result.exit_code == 1
    shown = " ".join(result.stdout.split())
    assert f"{copy}: its registers begin with the same claim" in shown
    assert f"as {book} (archived before)" in shown and "counted twice" in shown
    assert _counts(store) == before
    assert str(copy.resolve()) not in _workbooks(store)


def test_two_copies_on_a_first_pass_are_both_refused_never_one_guessed(
    clinics: Clinics, tmp_path: Path
) -> None:
    _, north, south = clinics
    folder = _folder(north, tmp_path / "clients" / "north")
    _folder(south, tmp_path / "clients" / "south")
    book = next(folder.glob("*.xlsx"))
    twin = tmp_path / "clients" / "old" / book.name
    twin.parent.mkdir()
    shutil.copyfile(book, twin)
    store = tmp_path / "archive"
    _, done, _ = archive_folder(tmp_path / "clients", store, now=DAY)
    errors = {c.workbook: c.error for c in done}
    assert errors[book] is not None and f"as {twin} (in the same folder)" in errors[book]
    assert errors[twin] is not None and f"as {book} (in the same folder)" in errors[twin]
    assert _counts(store)["clinics"] == 1  # south alone
    twin.unlink()
    _, done, _ = archive_folder(tmp_path / "clients", store, now=DAY.replace(day=2))
    assert all(c.error is None for c in done)
    assert _counts(store)["clinics"] == 2


def test_another_clinics_workbook_under_an_archived_name_is_refused(
    clinics: Clinics, tmp_path: Path
) -> None:
    _, north, south = clinics
    book, store = _archived(north, tmp_path)
    before = _counts(store)
    shutil.copyfile(next(south.out.glob("*.xlsx")), book)  # south's book saved over north's
    _, done, _ = archive_folder(tmp_path / "clients", store, now=DAY.replace(day=2))
    assert done[0].error is not None and "another clinic's history" in done[0].error
    assert _counts(store) == before


def test_a_new_clinic_never_joins_the_partition_of_one_whose_workbook_is_gone(
    clinics: Clinics, tmp_path: Path
) -> None:
    _, north, south = clinics
    _folder(north, tmp_path / "clients" / "a")
    store = tmp_path / "archive"
    _, first, _ = archive_folder(tmp_path / "clients", store, now=DAY)
    shutil.rmtree(tmp_path / "clients" / "a")  # the client left; its history stays archived
    # a new client whose workbook's name makes the same partition name
    shutil.copyfile(
        next(south.out.glob("*.xlsx")), tmp_path / "clients" / "A Riverbend Clinic.xlsx"
    )
    _, done, _ = archive_folder(tmp_path / "clients", store, now=DAY.replace(day=2))
    assert done[0].error is None and done[0].clinic == f"{first[0].clinic}-2"
    assert done[0].added["payments"] > 0 and done[0].moved_from is None
    assert _counts(store)["clinics"] == 2


def test_an_archive_listed_before_origins_were_kept_reads_each_workbook_once_more(
    clinics: Clinics, tmp_path: Path
) -> None:
    _, north, _ = clinics
    book, store = _archived(north, tmp_path)
    listed = json.loads((store / WORKBOOKS).read_text())
    for entry in listed["workbooks"].values():
        del entry["origin"]  # as the store before this change wrote it
    (store / WORKBOOKS).write_text(json.dumps(listed))
    _, done, _ = archive_folder(tmp_path / "clients", store, now=DAY.replace(day=2))
    assert not done[0].skipped and sum(done[0].added.values()) == 0
    assert all(e["origin"] for e in _workbooks(store).values())
    book.rename(book.with_name("renamed.xlsx"))
    _, done, _ = archive_folder(tmp_path / "clients", store, now=DAY.replace(day=3))
    assert done[0].moved_from is not None and sum(done[0].added.values()) == 0


def test_a_copy_archived_as_a_clinic_of_its_own_before_is_named_once_origins_are_known(
    clinics: Clinics, tmp_path: Path
) -> None:
    _, north, _ = clinics
    book, store = _archived(north, tmp_path)
    copy = tmp_path / "clients" / "old" / book.name
    copy.parent.mkdir()
    shutil.copyfile(book, copy)
    # as the store before this change archived it: the copy a clinic of its own
    listed = json.loads((store / WORKBOOKS).read_text())
    entry = dict(listed["workbooks"][str(book.resolve())], clinic="old-riverbend-clinic")
    listed["workbooks"][str(copy.resolve())] = entry
    (store / WORKBOOKS).write_text(json.dumps(listed))
    _, done, _ = archive_folder(tmp_path / "clients", store, now=DAY.replace(day=2))
    errors = {c.workbook: c.error or "" for c in done}
    assert "as clinics 'north-riverbend-clinic' and 'old-riverbend-clinic'" in errors[book]
    assert "as clinics 'old-riverbend-clinic' and 'north-riverbend-clinic'" in errors[copy]
    assert all("delete its clinic's partitions" in e for e in errors.values())
    copy.unlink()
    _, done, _ = archive_folder(tmp_path / "clients", store, now=DAY.replace(day=3))
    assert done[0].error is None and done[0].clinic == "north-riverbend-clinic"
