"""Zip-part helpers for build_corpus.py: plain zipfile and string edits, no addin code."""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from datetime import date, datetime
from pathlib import Path

import openpyxl
from openpyxl.worksheet.table import Table, TableStyleInfo

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
XM = "http://schemas.microsoft.com/office/excel/2006/main"
CT = "application/vnd.openxmlformats-officedocument"
STAMP = (2026, 1, 5, 9, 30, 0)


def parts_of(blob: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        return {n: z.read(n) for n in z.namelist()}


def write_parts(path: Path, parts: dict[str, bytes]) -> None:
    if "docProps/core.xml" in parts:  # writers stamp "now" here; pin it for reproducibility
        core = re.sub(
            r"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
            r"\g<1>2026-01-05T09:30:00Z",
            text(parts, "docProps/core.xml"),
        )
        put(parts, "docProps/core.xml", core)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    path.write_bytes(buf.getvalue())


def text(parts: dict[str, bytes], name: str) -> str:
    return parts[name].decode("utf-8")


def put(parts: dict[str, bytes], name: str, xml: str) -> None:
    parts[name] = xml.encode("utf-8")


def before_close(xml: str, tag: str, snippet: str) -> str:
    i = xml.rindex(f"</{tag}>")
    return xml[:i] + snippet + xml[i:]


def add_override(parts: dict[str, bytes], part: str, content_type: str) -> None:
    xml = text(parts, "[Content_Types].xml")
    put(
        parts,
        "[Content_Types].xml",
        before_close(xml, "Types", f'<Override PartName="/{part}" ContentType="{content_type}"/>'),
    )


def add_default(parts: dict[str, bytes], ext: str, content_type: str) -> None:
    xml = text(parts, "[Content_Types].xml")
    if f'Extension="{ext}"' not in xml:
        put(
            parts,
            "[Content_Types].xml",
            before_close(
                xml, "Types", f'<Default Extension="{ext}" ContentType="{content_type}"/>'
            ),
        )


def add_rel(parts: dict[str, bytes], rels: str, rid: str, rel_type: str, target: str) -> None:
    if rels in parts:
        xml = text(parts, rels)
    else:
        xml = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{PKG_REL}"></Relationships>'
        )
    put(
        parts,
        rels,
        before_close(
            xml, "Relationships", f'<Relationship Id="{rid}" Type="{rel_type}" Target="{target}"/>'
        ),
    )


def sheet_part(parts: dict[str, bytes], name: str) -> str:
    wb = text(parts, "xl/workbook.xml")
    rid = re.search(rf'<sheet [^>]*name="{re.escape(name)}"[^>]*r:id="(rId\d+)"', wb)
    assert rid, name
    rels = text(parts, "xl/_rels/workbook.xml.rels")
    target = re.search(rf'Id="{rid.group(1)}"[^>]*Target="([^"]+)"', rels) or re.search(
        rf'Target="([^"]+)"[^>]*Id="{rid.group(1)}"', rels
    )
    assert target
    return "xl/" + target.group(1).lstrip("/").removeprefix("xl/")


def insert_in_sheet(xml: str, snippet: str, before: tuple[str, ...]) -> str:
    """Put ``snippet`` before the first of the ``before`` elements present (schema order)."""
    for tag in before:
        m = re.search(rf"<{tag}[\s>/]", xml)
        if m:
            return xml[: m.start()] + snippet + xml[m.start() :]
    return before_close(xml, "worksheet", snippet)


AFTER_DRAWING = (
    "legacyDrawing",
    "legacyDrawingHF",
    "drawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
)


def add_ext(xml: str, ext: str) -> str:
    if "<extLst>" in xml[xml.rfind("</sheetData>") :]:
        return before_close(xml, "extLst", ext)
    return before_close(xml, "worksheet", f"<extLst>{ext}</extLst>")


def png(width: int = 4, height: int = 4) -> bytes:
    """A tiny real PNG (red square), written by hand so no imaging library is needed."""
    raw = b"".join(b"\x00" + b"\xcc\x22\x22" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


ENCOUNTER_HEADERS = [
    "Encounter ID",
    "Patient Last Name",
    "Patient First Name",
    "Patient DOB",
    "Patient Sex",
    "Patient ZIP",
    "Payer",
    "Member ID",
    "Date of Service",
    "Place of Service",
    "Dx 1",
    "Dx 2",
    "Procedure Code",
    "Modifier 1",
    "Units",
    "Charge",
    "Rendering NPI",
]
ENCOUNTER_ROWS = [
    [
        "E1001",
        "Rivera",
        "Ana",
        date(1980, 2, 29),
        "F",
        "02134",
        "Aetna",
        "W123456789",
        date(2026, 1, 5),
        "11",
        "E11.9",
        "I10",
        "99213",
        "25",
        1,
        125.0,
        "1234567893",
    ],
    [
        "E1001",
        "Rivera",
        "Ana",
        date(1980, 2, 29),
        "F",
        "02134",
        "Aetna",
        "W123456789",
        date(2026, 1, 5),
        "11",
        "E11.9",
        "I10",
        "36415",
        None,
        1,
        12.5,
        "1234567893",
    ],
    [
        "E1002",
        "=Smith",
        "+Bob",
        date(1975, 7, 4),
        "M",
        "10001",
        "Medicare",
        "1EG4TE5MK72",
        date(2026, 1, 6),
        "11",
        "J06.9",
        None,
        "0001A",
        None,
        1,
        40.0,
        "1234567893",
    ],
]


# -- openpyxl bases -----------------------------------------------------------------------


def base_book(extra: bool = True) -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Encounters"
    ws.append(ENCOUNTER_HEADERS)
    for row in ENCOUNTER_ROWS:
        ws.append(row)
    for line in ws.iter_rows(min_row=2):
        for cell in line:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # a patient name, not a formula
    for cell in ws["F"][1:] + ws["J"][1:] + ws["Q"][1:]:
        cell.number_format = "@"
    payers = wb.create_sheet("Payers")
    payers.append(["Payer", "Payer ID", "Claim Filing Indicator"])
    payers.append(["Aetna", "60054", "CI"])
    payers.append(["Medicare", "00431", "MB"])
    if extra:
        ws.add_table(
            Table(
                displayName="EncTable",
                ref=f"A1:Q{len(ENCOUNTER_ROWS) + 1}",
                tableStyleInfo=TableStyleInfo(name="TableStyleLight9", showRowStripes=True),
            )
        )
        ws.freeze_panes = "B2"
    wb.properties.created = datetime(2026, 1, 5, 9, 30)
    wb.properties.modified = datetime(2026, 1, 5, 9, 30)
    wb.properties.creator = "Claimbook corpus"
    return wb


def saved(wb: openpyxl.Workbook) -> dict[str, bytes]:
    buf = io.BytesIO()
    wb.save(buf)
    return parts_of(buf.getvalue())
