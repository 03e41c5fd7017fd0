"""Build the shipped ICD-10-CM FY2026 vintage from the CDC tabular XML in simple-icd-10-cm.

Run ``make codesets`` (or ``python codesets/build_icd10cm.py``). The XML is a build-time
input only: the package ``simple-icd-10-cm`` (a dev extra) bundles the CDC/CMS release, and
this script writes the compact files under ``codesets/icd10cm/fy2026/`` that are committed.
The billable set is cross-checked against the code list the same package ships (derived from
the CMS order file), and the FY2026 billable count must be the official 74,719.
"""

from __future__ import annotations

import sys
from importlib import metadata, resources
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from addin.codesets.icd10cm_source import (  # noqa: E402
    parse_tabular_xml,
    vintage_counts,
    vintage_files,
)
from addin.codesets.store import sha256_file, write_vintage  # noqa: E402

PACKAGE = "simple-icd-10-cm"
XML_NAME = "icd10c-tabular-April-1-2026.xml"
CODE_LIST = "code-list-April-2026.txt"
OFFICIAL_BILLABLE_FY2026 = 74_719


def main(argv: list[str] | None = None) -> int:
    """Build the vintage into ``codesets/icd10cm/fy2026`` (or the folder given as argument)."""
    args = sys.argv[1:] if argv is None else argv
    data = resources.files("simple_icd_10_cm") / "data"
    xml_path = Path(str(data / XML_NAME))
    tab = parse_tabular_xml(xml_path)
    billable = {row.code for row in tab.codes if row.billable}

    listed = set()
    for line in (data / CODE_LIST).read_text(encoding="utf-8").splitlines():
        compact = line.strip()
        if compact and "-" not in compact and len(compact) >= 3:
            listed.add(compact if len(compact) == 3 else f"{compact[:3]}.{compact[3:]}")
    all_codes = {row.code for row in tab.codes}
    if listed != all_codes:
        print(f"code list and tabular differ: {sorted(listed ^ all_codes)[:20]}", file=sys.stderr)
        return 1
    if len(billable) != OFFICIAL_BILLABLE_FY2026:
        print(f"billable count {len(billable)} != {OFFICIAL_BILLABLE_FY2026}", file=sys.stderr)
        return 1
    version = metadata.version(PACKAGE)
    manifest = {
        "system": "icd10cm",
        "vintage": "FY2026",
        "fiscal_year": 2026,
        "effective_from": "2025-10-01",
        "effective_to": "2026-09-30",
        "source": {
            "publisher": "CDC National Center for Health Statistics / CMS (public domain)",
            "file": XML_NAME,
            "release": "ICD-10-CM FY2026 tabular, April 1, 2026 update",
            "via": f"PyPI package {PACKAGE} {version}",
            "sha256": sha256_file(xml_path),
        },
        "built_by": "codesets/build_icd10cm.py",
    }
    dest = Path(args[0]) if args else ROOT / "codesets" / "icd10cm" / "fy2026"
    written = write_vintage(dest, vintage_files(tab), manifest, vintage_counts(tab))
    print(f"wrote {dest}: {written['counts']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
