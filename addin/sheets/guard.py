"""Whether a sheet named like a Claimbook sheet is Claimbook's to rewrite, or the user's.

A result or register sheet is Claimbook's when it holds Claimbook's Excel Table (named
``cb...``) and nothing else Claimbook did not put there, or when it is the template's empty
placeholder. Anything else is the user's: values, a chart sheet, drawings, charts, pictures,
shapes, OLE objects, form controls or comments. Such a sheet is never replaced; the run stops
and names it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from xml.etree import ElementTree

from addin.errors import OutputError
from addin.sheets.package import Package

# The charts Claimbook draws are named so; a legacy file's dashboard used "Chart N".
OUR_CHART = "Claimbook chart"
_LEGACY_CHART = re.compile(r"Chart \d+")
ADDED_NOTES = "comments or notes"
# What the clinic template puts on an empty result sheet (workbooks/build_templates.py)
PLACEHOLDER = re.compile(r"Claimbook writes the [\w ]+ sheet here on each run\.")
_CELL_VALUE = re.compile(rb"<(?:\w+:)?(?:v|is)>")
_INLINE_T = re.compile(r"<(?:\w+:)?t\b[^>]*>([^<]*)</(?:\w+:)?t>")


def foreign_content(pkg: Package, sheet_part: str, rel_type: str) -> str | None:
    """What on the sheet Claimbook did not write, in words; None when it is Claimbook's."""
    if not rel_type.endswith("/worksheet"):
        kind = rel_type.rsplit("/", 1)[-1]
        return {"chartsheet": "a chart sheet", "dialogsheet": "a dialog sheet"}.get(
            kind, f"a {kind} sheet"
        )
    ours = False
    drawings: list[str] = []
    for kind, target in ((t.rsplit("/", 1)[-1], p) for t, p in pkg.rels(sheet_part).values()):
        if kind == "table" and target in pkg:
            head = pkg.read(target)[:4096].decode("utf-8", "replace")
            if re.search(r'<(?:\w+:)?table\b[^>]*?\sname="cb', head):
                ours = True
            else:
                return "an Excel Table Claimbook did not make"
        elif kind == "drawing":
            drawings.append(target)
        elif kind in ("hyperlink", "printerSettings"):
            continue  # links Claimbook writes are in-sheet; printer settings carry no data
        elif kind in ("comments", "threadedComment", "vmlDrawing"):
            return ADDED_NOTES
        elif kind in ("oleObject", "package", "control", "ctrlProp", "activeXControlBinary"):
            return "an embedded object or a form control"
        elif kind == "image":
            return "a picture"
        elif kind not in ("table",):
            return f"a {kind} part"
    if ours:
        for drawing in drawings:
            why = _foreign_drawing(pkg, drawing)
            if why:
                return why
        return None
    if drawings:
        found = [_foreign_drawing(pkg, d) for d in drawings]
        return next((why for why in found if why), "a chart")
    xml = pkg.read(sheet_part)
    cells = _CELL_VALUE.findall(xml)
    if not cells:
        return None
    texts = _INLINE_T.findall(xml.decode("utf-8", "replace"))
    if len(cells) == 1 and texts and PLACEHOLDER.fullmatch(texts[0].strip()):
        return None
    if len(cells) == 1 and b"<f" not in xml and b' t="s"' in xml:
        # a shared-string placeholder (the template saved again by Excel)
        return _shared_placeholder(pkg, xml)
    return f"{len(cells)} cell{'s' if len(cells) != 1 else ''} of data"


def _shared_placeholder(pkg: Package, xml: bytes) -> str | None:
    index = re.search(rb"<(?:\w+:)?v>(\d+)</(?:\w+:)?v>", xml)
    strings = next((n for n in pkg.names() if n.lower().endswith("sharedstrings.xml")), None)
    if index is None or strings is None:
        return "1 cell of data"
    items = re.findall(r"<(?:\w+:)?si>(.*?)</(?:\w+:)?si>", pkg.text(strings), re.S)
    number = int(index.group(1))
    if number < len(items):
        text = "".join(_INLINE_T.findall(items[number]))
        if PLACEHOLDER.fullmatch(text.strip()):
            return None
    return "1 cell of data"


def _foreign_drawing(pkg: Package, drawing: str) -> str | None:
    """Why a drawing holds something Claimbook did not draw (None: only our charts)."""
    if drawing not in pkg:
        return None
    xml = pkg.text(drawing)
    for anchor in re.findall(
        r"<(?:\w+:)?(?:twoCellAnchor|oneCellAnchor|absoluteAnchor)\b.*?"
        r"</(?:\w+:)?(?:twoCellAnchor|oneCellAnchor|absoluteAnchor)>",
        xml,
        re.S,
    ):
        if re.search(r"<(?:\w+:)?pic\b", anchor):
            return "a picture"
        if re.search(r"<(?:\w+:)?(?:sp|cxnSp|grpSp)\b", anchor):
            return "a shape or text box"
        name = re.search(r'<(?:\w+:)?cNvPr\b[^>]*?\sname="([^"]*)"', anchor)
        label = name.group(1) if name else ""
        if not (label.startswith(OUR_CHART) or _LEGACY_CHART.fullmatch(label)):
            return f"a chart or object ({label or 'unnamed'})"
    for kind, _ in pkg.rels(drawing).values():
        if not kind.endswith("/chart"):
            return "a picture or object"
    return None


def refuse(path: object, name: str, why: str) -> OutputError:
    """The error for a user's sheet that carries a Claimbook sheet's name."""
    if why == ADDED_NOTES:
        return OutputError(
            f"{path}: sheet {name!r} holds comments or notes, which a rebuild of the sheet "
            "would lose; move what they say into the Notes column (or a sheet of your own) "
            f"and delete them, or rename the sheet (e.g. '{name} (mine)'), then run again; "
            "nothing was written"
        )
    return OutputError(
        f"{path}: sheet {name!r} holds {why}, which Claimbook did not write; Claimbook "
        f"writes its own {name} sheet on every run, so rename yours (e.g. '{name} (mine)') "
        "and run again; nothing was written"
    )


def check_writable(path: Path, names: Iterable[str]) -> None:
    """Stop before a run does anything (writes an 837P, keeps a file) when a sheet it would
    write is the user's. Raises the same error the writer would."""
    from addin.sheets.package import DOC_REL, MAIN_NS

    if path.suffix.lower() not in (".xlsx", ".xlsm") or not path.is_file():
        return
    pkg = Package(path)
    try:
        wb_part = pkg.main_part()
        rels = pkg.rels(wb_part)
        root = ElementTree.fromstring(pkg.read(wb_part))
        wanted = {n.casefold() for n in names}
        for sheet in root.iter(f"{{{MAIN_NS}}}sheet"):
            name = sheet.get("name", "")
            if name.casefold() not in wanted:
                continue
            rel_type, part = rels.get(sheet.get(f"{{{DOC_REL}}}id", ""), ("", ""))
            why = foreign_content(pkg, part, rel_type) if part in pkg else None
            if why:
                raise refuse(path, name, why)
    finally:
        pkg.close()
