"""Build the template workbooks in workbooks/ reproducibly (commit the script and its output).

    .venv/bin/python workbooks/build_templates.py [--encounters N]

claimbook_template.xlsx: the clinic billing template, no patient data.
claimbook_demo.xlsx: the same with the demo clinic and N synthetic encounters, made by the
demo's generator (``addin.demo.generate``; ``claimbook template --demo`` uses it too), seeded
mistakes included so that Check encounters has something to find.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from addin.demo.workbook import build_demo_workbook
from addin.sheets.template import build_workbook

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encounters", type=int, default=200, help="demo encounters")
    args = parser.parse_args()
    print("wrote", build_workbook(HERE / "claimbook_template.xlsx"))
    print("wrote", build_demo_workbook(HERE / "claimbook_demo.xlsx", encounters=args.encounters))


if __name__ == "__main__":
    main()
