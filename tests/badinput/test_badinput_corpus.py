"""The bad-input corpus (badinput_cases.py) through every command that takes it.

Cell cases: one workbook (and one CSV) per Encounters column, a row per bad value, run
through check, claims, claims --no-check, suggest-missing and reconcile; every bad value
that must be an error is a finding naming its sheet, row, column and value, and its
encounter is held. File cases: every kind of input file spoilt every way that applies, run
through each command that takes it. Every run: no traceback, a refusal names the file, no
temporary or half-written file is left, and no text becomes a formula in a written workbook.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from badinput_cases import (
    CELL_COMMANDS,
    CELL_FORMATS,
    HEADERS,
    KINDS,
    NOT_ASSERTED_READABLE,
    VARIANT_BY_NAME,
    CellCase,
    Clean,
    FileCase,
    cell_cases,
    cell_rows,
    file_cases,
    make_bad,
    write_csv,
    write_workbook,
)
from typer.testing import CliRunner, Result

from addin.cli import app

runner = CliRunner()
CELLS = cell_cases()
FILES = file_cases()
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_RUNS: Counter[str] = Counter()


def _snapshot(*folders: Path) -> dict[Path, tuple[int, int]]:
    """Every file and folder under ``folders`` with its size and modification time."""
    found: dict[Path, tuple[int, int]] = {}
    for folder in folders:
        for path in folder.rglob("*") if folder.exists() else ():
            stat = path.stat()
            found[path] = (stat.st_size, stat.st_mtime_ns) if path.is_file() else (0, 0)
    return found


def _leftovers(new: set[Path]) -> list[str]:
    """New files a finished run should not have left: temporary or lock files."""
    return [
        str(p)
        for p in new
        if p.name.startswith((".", "~")) or "tmp" in p.name.lower() or p.suffix == ".lock"
    ]


def assert_no_formulas(path: Path) -> None:
    """No cell of any sheet in a written workbook is a formula (the inputs have none)."""
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                assert not _FORMULA.search(z.read(name)), f"{path.name}: a formula in {name}"


def run(args: list[str], folder: Path, data_dir: Path, *, makes_formulas: bool = False) -> Result:
    """Run one command; assert what every run must hold; return the result.

    ``makes_formulas``: the command writes a workbook of its own (template) whose formulas
    are Claimbook's; everywhere else a formula in the output could only come from input text.
    """
    before = _snapshot(folder, data_dir)
    result = runner.invoke(app, args)
    _RUNS[args[0] if args[0] != "codesets" else "codesets import"] += 1
    after = _snapshot(folder, data_dir)
    new = set(after) - set(before)
    changed = {p for p in before.keys() & after.keys() if before[p] != after[p] and p.is_file()}
    shown = " ".join(a if len(a) < 60 else a[:57] + "..." for a in args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"traceback from `claimbook {shown}`") from result.exception
    assert result.exit_code in (0, 1, 2), (shown, result.exit_code, result.output)
    assert "Traceback" not in result.output, (shown, result.output)
    assert not _leftovers(new), (shown, _leftovers(new))
    if result.exit_code == 2:  # refused: nothing of the user's written or changed
        written = [p for p in new | changed if p.is_file() and data_dir not in p.parents]
        assert not written, f"`claimbook {shown}` refused but wrote {written}"
    for path in new | changed:
        # a workbook Claimbook wrote; copies it keeps of the inputs (BOOK remittances/, ...)
        # are the user's files as given
        kept = path.parent.name.endswith((" remittances", " acknowledgments"))
        if path.suffix in (".xlsx", ".xlsm") and path.is_file() and not makes_formulas and not kept:
            assert_no_formulas(path)
    return result


# --- cell cases ------------------------------------------------------------------------


def _json(result: Result) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def _check_cells(cases: list[CellCase], command: str, args: list[str], result: Result) -> None:
    """What a finding-reporting command must say about each case's row."""
    if "--json" not in args or command not in ("check", "claims"):
        return
    data = _json(result)
    findings = data["findings"]
    held = {c["encounter_id"] for c in data.get("claims", []) if c["status"] == "Held"}
    for row, case in enumerate(cases, start=2):
        on_row = [f for f in findings if f["row"] == row and f["sheet"] == "Encounters"]
        for f in on_row:
            assert f["message"] and f["fix"] is not None or f["severity"] == "info", f
        if not case.error:
            continue
        named = [
            f
            for f in on_row
            if f["severity"] == "error" and f["column"] == case.column and f["value"] not in ("",)
        ]
        assert named, f"{case.id}: no error finding names Encounters row {row} ({case.column})"
        assert all(f"row {row}" in f["message"] for f in named), named
        if command == "claims":
            assert f"B{row - 1}" in held, f"{case.id}: encounter B{row - 1} was not held"


@pytest.mark.parametrize("fmt", CELL_FORMATS)
@pytest.mark.parametrize("column", list(CELLS))
def test_cell_corpus(column: str, fmt: str, tmp_path: Path, isolated_data_dir: Path) -> None:
    cases = CELLS[column]
    rows = cell_rows(column, cases)
    book = (
        write_workbook(tmp_path / "cells.xlsx", rows)
        if fmt == "xlsx"
        else write_csv(tmp_path / "cells.csv", [HEADERS, *rows])
    )
    clean = Clean(tmp_path / "clean")
    for n, (command, extra) in enumerate(CELL_COMMANDS):
        own = tmp_path / f"run{n}" / book.name  # each command on its own copy
        own.parent.mkdir()
        own.write_bytes(book.read_bytes())
        out = tmp_path / f"run{n}" / "out.xlsx"
        args = [command, str(own)] + [
            a.format(out=out, x12=own.parent / "x12", era=clean.era, ack=clean.ack) for a in extra
        ]
        result = run(args, tmp_path, isolated_data_dir)
        if result.exit_code == 2:  # a refusal of a whole file of cells: say which and why
            pytest.fail(f"`{command}` refused {book.name}: {result.output}")
        _check_cells(cases, command, args, result)


# --- file cases ------------------------------------------------------------------------


@pytest.mark.parametrize("case", FILES, ids=[c.id for c in FILES])
def test_file_corpus(case: FileCase, tmp_path: Path, isolated_data_dir: Path) -> None:
    clean = Clean(tmp_path / "clean")
    bad = make_bad(case.kind, case.variant, tmp_path / "in")
    out = tmp_path / "out" / "result.xlsx"
    args = [
        a.format(bad=bad, book=clean.book, era=clean.era, payer=clean.payer, out=out,
                 ack=clean.ack, x12=tmp_path / "out" / "x12")
        for a in case.command
    ]  # fmt: skip
    result = run(args, tmp_path, isolated_data_dir)
    variant = VARIANT_BY_NAME[case.variant]
    if result.exit_code == 2:
        assert bad.name in result.output.replace("\n", ""), (case.id, result.output)
        assert not variant.readable or case.kind in NOT_ASSERTED_READABLE, (
            f"{case.id}: a file that must be read was refused: {result.output}"
        )


# --- commands that take a path to write ------------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["exists.xlsx", "folder.xlsx", "book.xlsm", "book.csv", "no/such/folder/book.xlsx"],
)
def test_template_paths(target: str, tmp_path: Path, isolated_data_dir: Path) -> None:
    (tmp_path / "exists.xlsx").write_bytes(b"mine")
    (tmp_path / "folder.xlsx").mkdir()
    result = run(
        ["template", str(tmp_path / target)], tmp_path, isolated_data_dir, makes_formulas=True
    )
    if target in ("exists.xlsx", "folder.xlsx", "book.xlsm", "book.csv"):
        assert result.exit_code == 2 and Path(target).name in result.output
    assert (tmp_path / "exists.xlsx").read_bytes() == b"mine"  # never overwritten


def test_batch_over_a_folder_of_bad_files(tmp_path: Path, isolated_data_dir: Path) -> None:
    """A consultant's folder with every spoilt workbook in it: each is skipped with its
    reason (naming it), the readable ones run, and the batch itself completes."""
    folder = tmp_path / "clinics"
    folder.mkdir()
    variants = ("truncated", "binary", "empty", "far-cell", "lying-count", "macro-sheet")
    for variant in variants:
        make_bad("encounters.xlsx", variant, tmp_path / variant).rename(folder / f"{variant}.xlsx")
    Clean(tmp_path / "clean").era.rename(folder / "era.835")
    result = run(["batch", str(folder), "--json"], tmp_path, isolated_data_dir)
    data = _json(result)
    skipped = {Path(s["file"]).name: s["reason"] for s in data["skipped"]}
    clinics = {Path(c["workbook"]).name: c["error"] for c in data["clinics"]}
    for name in ("truncated.xlsx", "binary.xlsx", "empty.xlsx", "far-cell.xlsx"):
        assert name in skipped[name], skipped
    assert clinics == {"lying-count.xlsx": None, "macro-sheet.xlsx": None}, (clinics, skipped)


def test_corpus_size() -> None:
    """The corpus's size, printed for the record (pytest -s shows it)."""
    cells = sum(len(c) for c in CELLS.values()) * len(CELL_FORMATS)
    print(
        f"\nbad-input corpus: {cells} cell cases x {len(CELL_COMMANDS)} commands, "
        f"{len(FILES)} file cases ({len(KINDS)} kinds x {len({c.variant for c in FILES})} "
        "spoilings, each through the commands that take it)"
    )
    assert cells >= 300 and len(FILES) >= 150
