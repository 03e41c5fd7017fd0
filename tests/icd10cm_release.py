"""A whole ICD-10-CM release labelled FY2027, made from the real FY2026 files, for the tests.

The importer refuses an excerpt (a whole release lists every chapter), so the tests of a
newer fiscal year need a whole one. These are the CDC FY2026 tabular XML bundled in
simple-icd-10-cm (a dev extra) relabelled ``<version>2027</version>``, and the shipped
FY2026 codes written in the CMS order-file layout, both without E11.A and its children (a
code that a newer year no longer has), plus the CMS zip name holding the XML. Built once
per test session; the committed excerpts in ``tests/data/icd10cm/`` stay as the files that
must be refused.
"""

from __future__ import annotations

import importlib.util
import re
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "codesets" / "icd10cm" / "fy2026" / "codes.tsv"
DROP = "E11.A"  # left out: not a code in the FY2027 files
TABULAR = "icd10c-tabular-April-1-2026.xml"

_built: dict[Path, dict[str, Path]] = {}


def bundled_tabular() -> Path | None:
    """The CDC FY2026 tabular XML inside simple-icd-10-cm, found without importing the
    package (its import warns), or None when the dev extra is not installed."""
    spec = importlib.util.find_spec("simple_icd_10_cm")
    if spec is None or not spec.submodule_search_locations:
        return None
    found = Path(list(spec.submodule_search_locations)[0]) / "data" / TABULAR
    return found if found.is_file() else None


def fy2027_release(folder: Path) -> dict[str, Path]:
    """{"order"} and, with simple-icd-10-cm installed, {"xml", "zip"}: the whole
    FY2027-labelled release written into ``folder`` (once per process)."""
    if folder in _built:
        return _built[folder]
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"order": folder / "icd10cm_order_2027.txt"}
    lines = []
    for row in SHIPPED.read_text(encoding="utf-8").splitlines():
        code, billable, _parent, description = row.split("\t")
        if code.startswith(DROP):
            continue
        compact = code.replace(".", "")
        lines.append(
            f"{len(lines) + 1:05d} {compact:<7} {billable} {description[:60]:<60} {description}"
        )
    paths["order"].write_text("\r\n".join(lines) + "\r\n", encoding="utf-8", newline="")
    source = bundled_tabular()
    if source is not None:
        xml = source.read_bytes()
        xml, relabelled = re.subn(
            rb"<version>\s*2026\s*</version>", b"<version>2027</version>", xml
        )
        assert relabelled == 1, "the bundled tabular XML no longer has a 2026 <version>"
        # E11.A is a leaf (no nested <diag>): its element ends at the first </diag> after it
        found = re.search(rb"<diag>\s*<name>E11\.A</name>", xml)
        assert found is not None, "the bundled tabular XML no longer has E11.A"
        end = xml.index(b"</diag>", found.start()) + len(b"</diag>")
        xml = xml[: found.start()] + xml[end:]
        paths["xml"] = folder / "icd10cm_tabular_2027.xml"
        paths["xml"].write_bytes(xml)
        paths["zip"] = folder / "2027-code-tables-tabular-index.zip"
        with zipfile.ZipFile(paths["zip"], "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("Table and Index/icd10cm_tabular_2027.xml", xml)
    _built[folder] = paths
    return paths
