"""Render the demo's result sheets to PNG for the README (LibreOffice -> PDF -> pdftoppm).

    .venv/bin/python docs/render_screenshots.py [--encounters 2000] [--out docs/screenshots]

Runs the demo in a temporary folder, writes a sample of each result sheet (with its charts)
by the product's own sheet writer into a small workbook, prints it with LibreOffice headless
as one page cut to the sheet's content, and turns that page into a PNG with poppler's
pdftoppm. Needs ``soffice`` (7.4+) and ``pdftoppm`` (``make sysdeps`` installs both).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHEETS = ("Findings", "Reconciliation", "Denials", "Aging", "Dashboard")
PER_STATUS = 5  # rows of each status in the Reconciliation sample
MAX_ROWS = 24
WIDTH = 1800  # pixels: wide sheets get more dots per inch so their text stays readable


def sample(table: Any) -> Any:
    """A screenful of rows that shows the variety: a few of each status or severity."""
    names = [c.name for c in table.columns]
    key = next((n for n in ("Status", "Severity") if n in names), None)
    if key is None or table.sheet != "Reconciliation":
        return table.model_copy(update={"rows": table.rows[:MAX_ROWS]})
    index = names.index(key)
    picked: dict[str, list[Any]] = defaultdict(list)
    for row in table.rows:
        if len(picked[str(row[index])]) < PER_STATUS:
            picked[str(row[index])].append(row)
    rows = [row for group in picked.values() for row in group][:MAX_ROWS]
    return table.model_copy(update={"rows": rows})


def page_size(pdf: Path, page: int) -> tuple[float, float]:
    """Width and height (points) of one page of a PDF, from poppler's pdfinfo."""
    info = subprocess.run(
        ["pdfinfo", "-f", str(page), "-l", str(page), str(pdf)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    found = re.search(rf"Page\s+{page} size:\s+([0-9.]+) x ([0-9.]+)", info)
    if found is None:
        raise SystemExit(f"{pdf}: LibreOffice printed no page {page}")
    return float(found.group(1)), float(found.group(2))


def render(out: Path, encounters: int) -> list[Path]:
    from openpyxl import Workbook

    from addin.demo import run_demo
    from addin.sheets import write_tables

    soffice = shutil.which("soffice")
    if soffice is None or shutil.which("pdftoppm") is None:
        raise SystemExit("needs soffice and pdftoppm: run `make sysdeps`")
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        os.environ["CLAIMBOOK_DATA_DIR"] = str(tmp / "data")  # keep control numbers apart
        result = run_demo(tmp / "demo", encounters=encounters)
        tables = {t.sheet: t for t in result.final.tables}
        books: list[Path] = []
        for sheet in SHEETS:
            # a workbook holding one blank sheet and the result sheet, written by the
            # product's own writer (charts included); the blank sheet prints as page 1
            base = tmp / f"base-{sheet}.xlsx"
            wb = Workbook()
            active = wb.active
            assert active is not None
            active.title = "Blank"
            wb.save(base)
            book = tmp / f"{sheet}.xlsx"
            write_tables(base, [sample(tables[sheet])], out=book)
            books.append(book)
        # each sheet on one page cut to its content (LibreOffice 7.4+ export option)
        single = '{"SinglePageSheets":{"type":"boolean","value":"true"}}'
        subprocess.run(
            [soffice, f"-env:UserInstallation=file://{tmp}/lo", "--headless", "--convert-to",
             f"pdf:calc_pdf_Export:{single}", "--outdir", str(tmp), *map(str, books)],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        for book in books:
            pdf = book.with_suffix(".pdf")
            width, _ = page_size(pdf, 2)
            dpi = max(72, min(200, int(WIDTH * 72 / width)))
            target = out / f"{book.stem.lower()}.png"
            subprocess.run(
                ["pdftoppm", "-png", "-r", str(dpi), "-f", "2", "-l", "2", "-singlefile",
                 str(pdf), str(target.with_suffix(""))],
                check=True, capture_output=True,
            )  # fmt: skip
            written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--encounters", type=int, default=2000)
    args = parser.parse_args(argv)
    for path in render(args.out, args.encounters):
        print(path.relative_to(REPO) if path.is_relative_to(REPO) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
