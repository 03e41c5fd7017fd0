"""The 005010X222A1 element table as pyx12's map of the guide states it (test helper and build).

``addin/x12/x837p/elements.tsv`` is this table, checked in so the product needs no pyx12;
``test_x837p_elements.py`` holds the two equal, and running this file rewrites it::

    .venv/bin/python tests/x12/guide_elements.py > addin/x12/x837p/elements.tsv

For every loop and element of the guide: the X12 dictionary's data element number, type and
minimum/maximum length (pyx12's ``dataele.xml``), the guide's usage (R required, S
situational, N not used; for a component of a composite, its usage when the composite is
sent, and in ``composite`` the composite's own) and the guide's code values. A loop that
holds the same segment several times (2300's many REF and DTP) gets one row per element:
required or not used only when every occurrence says so, and codes only when every
occurrence lists them (their union).
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

COLUMNS = (
    "loop", "segment", "element", "data_element", "type", "min", "max", "usage", "composite",
    "codes",
)  # fmt: skip
#: pyx12's loop names for the envelope and header -> the loop ids Claimbook's models use.
LOOPS = {"ISA_LOOP": "ISA", "GS_LOOP": "GS", "ST_LOOP": "ST", "HEADER": "ST"}
#: External code lists the table carries (by name); others (countries, currencies, remark
#: codes) are not checked.
EXTERNAL = ("states", "pos")
#: Where the map is not the 5010 guide: it lists the 4010 standards identifier (U) for
#: ISA11, which 5010 made the repetition separator, any character.
OVERRIDES = {("ISA", "ISA", "ISA11"): {"codes": ""}}


def _map_dir() -> Path:
    import pyx12

    return Path(pyx12.__file__).parent / "map"


def _dictionary() -> dict[str, tuple[str, int, int]]:
    root = ET.parse(_map_dir() / "dataele.xml").getroot()
    return {
        d.get("ele_num", ""): (
            d.get("data_type", ""),
            int(d.get("min_len", "0")),
            int(d.get("max_len", "0")),
        )
        for d in root.iter("data_ele")
    }


def _ref(xid: str) -> str:
    """``SV101-01`` -> ``SV101-1`` (the way billing documents write a component)."""
    head, sep, tail = xid.partition("-")
    return f"{head}-{int(tail)}" if sep else xid


def _codes(node: ET.Element) -> str | None:
    """The element's code list as text ("" = any value); None when it has one we skip."""
    valid = node.find("valid_codes")
    if valid is None:
        return ""
    external = valid.get("external")
    if external:
        return f"@{external}" if external in EXTERNAL else ""
    return " ".join(sorted(c.text or "" for c in valid.findall("code")))


def rows() -> list[tuple[str, ...]]:
    """The table: one row per loop, segment and element, sorted."""
    dictionary = _dictionary()
    root = ET.parse(_map_dir() / "837.5010.X222.A1.xml").getroot()
    seen: dict[tuple[str, str, str], list[tuple[str, str, str, str | None]]] = {}
    numbers: dict[tuple[str, str, str], str] = {}

    def element(loop: str, seg: str, node: ET.Element, usage: str, outer: str = "") -> None:
        key = (loop, seg, _ref(node.get("xid", "")))
        number = node.findtext("data_ele") or ""
        assert numbers.setdefault(key, number) == number, key
        seen.setdefault(key, []).append((number, usage, outer, _codes(node)))

    def segment(loop: str, node: ET.Element) -> None:
        seg = node.get("xid", "")
        for child in node:
            if child.tag == "element":
                element(loop, seg, child, child.findtext("usage") or "S")
            elif child.tag == "composite":
                outer = child.findtext("usage") or "S"
                for part in child.findall("element"):
                    inner = part.findtext("usage") or "S"
                    element(loop, seg, part, "N" if outer == "N" else inner, outer)

    def loop(node: ET.Element) -> None:
        name = LOOPS.get(node.get("xid", ""), node.get("xid", ""))
        for child in node:
            if child.tag == "segment":
                segment(name, child)
            elif child.tag == "loop":
                loop(child)

    for child in root:
        if child.tag == "loop":
            loop(child)
    out: list[tuple[str, ...]] = []
    for (lp, seg, ref), uses in seen.items():
        number = uses[0][0]
        kind, low, high = dictionary[number]
        usages = {u for _, u, _, _ in uses}
        usage = usages.pop() if len(usages) == 1 else "S"
        outers = {o for _, _, o, _ in uses}
        outer = outers.pop() if len(outers) == 1 else "S"
        lists = [c for _, _, _, c in uses]
        if any(c == "" or c is None for c in lists):
            codes = ""
        elif any(c.startswith("@") for c in lists if c):
            codes = lists[0] or "" if len(set(lists)) == 1 else ""
        else:
            codes = " ".join(sorted({code for c in lists if c for code in c.split()}))
        codes = OVERRIDES.get((lp, seg, ref), {}).get("codes", codes)
        out.append((lp, seg, ref, number, kind, str(low), str(high), usage, outer, codes))
    return sorted(out, key=lambda r: (r[0], r[1], _order(r[2])))


def _order(ref: str) -> tuple[int, int]:
    head, _, tail = ref.partition("-")
    digits = "".join(ch for ch in head if ch.isdigit())[-2:]
    return int(digits or 0), int(tail or 0)


def table_text() -> str:
    lines = ["\t".join(COLUMNS)]
    lines.extend("\t".join(r) for r in rows())
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(table_text())
