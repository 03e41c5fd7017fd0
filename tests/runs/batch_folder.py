"""A folder of small clinics for the batch tests (parallel, distributed)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from openpyxl import load_workbook

from addin.demo.workbook import build_demo_workbook

TODAY = date(2026, 10, 30)
CREATED = datetime(2026, 10, 30, 17, 5)


def make_folder(root: Path) -> Path:
    """Four clinics (one in a subfolder of another's), and one whose Findings sheet is the
    staff's own (its run must stop; the others go on)."""
    for i, where in enumerate(["north", "south", "east", "south/annex"]):
        home = root / where
        home.mkdir(parents=True, exist_ok=True)
        build_demo_workbook(home / f"clinic-{i}.xlsx", 30 + 5 * i, seed=500 + i)
    bad = root / "west" / "west.xlsx"
    bad.parent.mkdir()
    build_demo_workbook(bad, 20, seed=599)
    wb = load_workbook(bad)
    if "Findings" in wb.sheetnames:
        del wb["Findings"]
    wb.create_sheet("Findings")["A1"] = "our own notes"
    wb.save(bad)
    return root


def files(folder: Path) -> dict[str, bytes]:
    """What the clinics' runs wrote and kept (backups are named by the clock)."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "Claimbook backups" not in p.parts and "out" not in p.parts
    }
