"""Write the FY2027-labelled ICD-10-CM excerpts used by the import tests.

The elements are cut verbatim from the CDC FY2026 tabular XML bundled in simple-icd-10-cm
(chapters 4, 9 and 19: categories E11, I10 and S80), relabelled ``<version>2027</version>``,
in the real CMS layout, without E11.A. They are excerpts, so the importer must refuse them
(a whole release lists every chapter); the tests import a whole release made by
``tests/icd10cm_release.py``. The order file is written in the CMS fixed-width layout
from the same excerpt (short descriptions are the long ones cut to 60 characters: CMS's
own abbreviations are not in the XML). Run: .venv/bin/python tests/data/icd10cm/make_fixtures.py
"""

from __future__ import annotations

import copy
import io
import xml.etree.ElementTree as ET
import zipfile
from importlib import resources
from pathlib import Path

HERE = Path(__file__).resolve().parent
KEEP = {"E11", "I10", "S80"}
DROP = "E11.A"


def main() -> None:
    source = resources.files("simple_icd_10_cm") / "data" / "icd10c-tabular-April-1-2026.xml"
    root = ET.parse(str(source)).getroot()
    out = ET.Element("ICD10CM.tabular")
    ET.SubElement(out, "version").text = "2027"
    for chapter in root.findall("chapter"):
        sections = [
            s
            for s in chapter.findall("section")
            if any(d.findtext("name") in KEEP for d in s.findall("diag"))
        ]
        if not sections:
            continue
        new_chapter = ET.SubElement(out, "chapter")
        for child in chapter:
            if child.tag in ("name", "desc"):
                new_chapter.append(copy.deepcopy(child))
        for section in sections:
            new_section = ET.SubElement(new_chapter, "section", section.attrib)
            for child in section:
                if child.tag != "diag" or child.findtext("name") in KEEP:
                    new_section.append(copy.deepcopy(child))
    for parent in out.iter():
        for diag in list(parent.findall("diag")):
            if diag.findtext("name") == DROP:
                parent.remove(diag)
    ET.indent(out)
    xml = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(out, encoding="utf-8")
    (HERE / "icd10cm_tabular_2027.xml").write_bytes(xml + b"\n")

    import sys

    sys.path.insert(0, str(HERE.parents[2]))
    from addin.codesets.icd10cm_source import parse_tabular_xml

    tab = parse_tabular_xml(io.BytesIO(xml))
    lines = []
    for number, row in enumerate(tab.codes, start=1):
        compact = row.code.replace(".", "")
        flag = "1" if row.billable else "0"
        lines.append(
            f"{number:05d} {compact:<7} {flag} {row.description[:60]:<60} {row.description}"
        )
    order = "\r\n".join(lines) + "\r\n"  # CMS ships CRLF line ends
    (HERE / "icd10cm_order_2027.txt").write_text(order, encoding="utf-8", newline="")
    # The CMS release nests files in a zip; keep the member name the way CMS names it.
    with zipfile.ZipFile(HERE / "icd10cm-table-index-2027.zip", "w") as archive:
        info = zipfile.ZipInfo("icd10cm_tabular_2027.xml", date_time=(2026, 6, 1, 0, 0, 0))
        archive.writestr(info, xml + b"\n", compress_type=zipfile.ZIP_DEFLATED)


if __name__ == "__main__":
    main()
