"""Render the demo's result sheets to PNG for the README (LibreOffice -> PDF -> pdftoppm).

    .venv/bin/python docs/render_screenshots.py [--encounters 2000] [--out docs/screenshots]

Runs the demo in a temporary folder, writes a sample of each result sheet with the product's
own sheet writer into a small workbook, prints it with LibreOffice headless (landscape, one
page wide) and crops the page to its text with poppler's pdftotext/pdftoppm. Needs
``soffice`` and ``pdftoppm`` (``make sysdeps`` installs both).
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


def page_setup(path: Path) -> None:
    """Landscape, one page wide, narrow margins: a screenshot, not a report."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    for ws in wb.worksheets:
        ws.page_setup.orientation = "landscape"
        ws.sheet_properties.pageSetUpPr.fitToPage = True  # type: ignore[union-attr]
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.page_margins.left = ws.page_margins.right = 0.25
        ws.page_margins.top = ws.page_margins.bottom = 0.25
    wb.save(path)


def text_box(pdf: Path) -> tuple[float, float]:
    """The right and bottom edge (points) of the text on page 1."""
    html = subprocess.run(
        ["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    xs = [float(x) for x in re.findall(r'xMax="([0-9.]+)"', html)]
    ys = [float(y) for y in re.findall(r'yMax="([0-9.]+)"', html)]
    if not xs:
        raise SystemExit(f"{pdf}: LibreOffice printed an empty page")
    return max(xs), max(ys)


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
        tables = {t.sheet: t for t in result.run.tables}
        books: list[Path] = []
        for sheet in SHEETS:
            base = tmp / f"base-{sheet}.xlsx"
            wb = Workbook()
            active = wb.active
            assert active is not None
            active.title = "About"
            wb.save(base)
            book = tmp / f"{sheet}.xlsx"
            write_tables(base, [sample(tables[sheet])], out=book)
            # the sheet alone, so page 1 of the PDF is the sheet
            from openpyxl import load_workbook

            only = load_workbook(book)
            del only["About"]
            only.save(book)
            page_setup(book)
            books.append(book)
        subprocess.run(
            [soffice, f"-env:UserInstallation=file://{tmp}/lo", "--headless", "--convert-to",
             "pdf", "--outdir", str(tmp), *map(str, books)],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        for book in books:
            pdf = book.with_suffix(".pdf")
            right, bottom = text_box(pdf)
            dpi = max(100, min(240, int(WIDTH * 72 / (right + 14))))
            scale = dpi / 72
            width, height = int((right + 14) * scale), int((bottom + 14) * scale)
            target = out / f"{book.stem.lower()}.png"
            subprocess.run(
                ["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile",
                 "-x", "0", "-y", "0", "-W", str(width), "-H", str(height), str(pdf),
                 str(target.with_suffix(""))],
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
