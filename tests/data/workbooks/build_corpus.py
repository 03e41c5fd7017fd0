"""Build the fidelity corpus: feature-rich workbooks that write_tables must not damage.

Run: .venv/bin/python tests/data/workbooks/build_corpus.py  (writes tests/data/workbooks/fidelity/)

Bases come from openpyxl (charts, comments, tables, names, validations) and from xlwings'
quickstart.xlsm (a real Excel-saved file with a VBA project, BSD-licensed). Features openpyxl
cannot make (shapes with macros, pictures, sparklines, x14 validations and data bars, pivot
caches, dynamic arrays, custom XML, external links) are injected as the XML Excel writes.
This script uses only zipfile and openpyxl, never addin.sheets, so the corpus does not
depend on the code it tests. Output is deterministic (fixed timestamps).
"""

from __future__ import annotations

import io
import re
import shutil
import struct
import subprocess
import tempfile
import zipfile
import zlib
from datetime import date, datetime
from pathlib import Path

import openpyxl
import xlwings
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo

OUT = Path(__file__).resolve().parent / "fidelity"
QUICKSTART = Path(xlwings.__file__).parent / "quickstart.xlsm"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
XM = "http://schemas.microsoft.com/office/excel/2006/main"
CT = "application/vnd.openxmlformats-officedocument"
STAMP = (2026, 1, 5, 9, 30, 0)

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


# -- package helpers ----------------------------------------------------------------------


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


# -- the workbooks ------------------------------------------------------------------------


def excel_vba_shapes() -> dict[str, bytes]:
    """Excel-saved macro workbook: VBA, a button shape with a macro, a picture, names."""
    parts = parts_of(QUICKSTART.read_bytes())
    # an Encounters sheet the way Excel writes one: shared strings replaced by inline text
    rows = []
    for r, values in enumerate([ENCOUNTER_HEADERS, *ENCOUNTER_ROWS], start=1):
        cells = []
        for c, v in enumerate(values):
            ref = f"{chr(65 + c)}{r}"
            if v is None:
                continue
            if isinstance(v, date):
                cells.append(f'<c r="{ref}" s="3"><v>{(v - date(1899, 12, 30)).days}</v></c>')
            elif isinstance(v, (int, float)):
                cells.append(f'<c r="{ref}"><v>{v}</v></c>')
            else:
                safe = v.replace("&", "&amp;").replace("<", "&lt;")
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{safe}</t></is></c>')
        rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    put(
        parts,
        "xl/worksheets/sheet3.xml",
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}" '
        f'xmlns:r="{REL}"><dimension ref="A1:Q4"/><sheetViews><sheetView workbookViewId="0"/>'
        f'</sheetViews><sheetFormatPr defaultRowHeight="15"/><sheetData>{"".join(rows)}'
        '</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
        'footer="0.3"/></worksheet>',
    )
    styles = text(parts, "xl/styles.xml")
    xfs = re.search(r'<cellXfs count="(\d+)">', styles)
    assert xfs and xfs.group(1) == "3", "quickstart styles changed; adjust the date xf index"
    styles = styles.replace('<cellXfs count="3">', '<cellXfs count="4">').replace(
        "</cellXfs>",
        '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" '
        'applyNumberFormat="1"/></cellXfs>',
    )
    put(parts, "xl/styles.xml", styles)
    add_override(parts, "xl/worksheets/sheet3.xml", f"{CT}.spreadsheetml.worksheet+xml")
    add_rel(
        parts, "xl/_rels/workbook.xml.rels", "rId7", f"{REL}/worksheet", "worksheets/sheet3.xml"
    )
    wb = text(parts, "xl/workbook.xml")
    wb = before_close(wb, "sheets", '<sheet name="Encounters" sheetId="3" r:id="rId7"/>')
    wb = wb.replace(
        "<calcPr",
        '<definedNames><definedName name="ClinicName">"Main St Clinic"'
        '</definedName><definedName name="Codes" localSheetId="2">Encounters!$M$2:$M$4'
        "</definedName></definedNames><calcPr",
    )
    put(parts, "xl/workbook.xml", wb)
    # a button (shape with a macro) and a picture on Sheet1
    drawing = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<xdr:wsDr xmlns:xdr='
        '"http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" xmlns:a='
        f'"http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="{REL}">'
        '<xdr:twoCellAnchor editAs="oneCell"><xdr:from><xdr:col>3</xdr:col><xdr:colOff>0'
        "</xdr:colOff><xdr:row>1</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to>"
        "<xdr:col>5</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>3</xdr:row><xdr:rowOff>0"
        '</xdr:rowOff></xdr:to><xdr:sp macro="[0]!SampleCall" textlink=""><xdr:nvSpPr>'
        '<xdr:cNvPr id="2" name="Check Sheet Button"/><xdr:cNvSpPr/></xdr:nvSpPr><xdr:spPr>'
        '<a:xfrm><a:off x="2438400" y="190500"/><a:ext cx="1219200" cy="381000"/></a:xfrm>'
        '<a:prstGeom prst="roundRect"><a:avLst/></a:prstGeom><a:solidFill><a:srgbClr '
        'val="4472C4"/></a:solidFill></xdr:spPr><xdr:txBody><a:bodyPr vertOverflow="clip" '
        'rtlCol="0" anchor="ctr"/><a:lstStyle/><a:p><a:pPr algn="ctr"/><a:r><a:rPr lang='
        '"en-US" sz="1100"/><a:t>Check sheet</a:t></a:r></a:p></xdr:txBody></xdr:sp>'
        "<xdr:clientData/></xdr:twoCellAnchor><xdr:oneCellAnchor><xdr:from><xdr:col>6"
        "</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>1</xdr:row><xdr:rowOff>0</xdr:rowOff>"
        '</xdr:from><xdr:ext cx="381000" cy="381000"/><xdr:pic><xdr:nvPicPr><xdr:cNvPr '
        'id="3" name="Logo" descr="clinic logo"/><xdr:cNvPicPr><a:picLocks noChangeAspect="1"/>'
        '</xdr:cNvPicPr></xdr:nvPicPr><xdr:blipFill><a:blip r:embed="rId1"/><a:stretch>'
        '<a:fillRect/></a:stretch></xdr:blipFill><xdr:spPr><a:xfrm><a:off x="3657600" '
        'y="190500"/><a:ext cx="381000" cy="381000"/></a:xfrm><a:prstGeom prst="rect">'
        "<a:avLst/></a:prstGeom></xdr:spPr></xdr:pic><xdr:clientData/></xdr:oneCellAnchor>"
        "</xdr:wsDr>"
    )
    put(parts, "xl/drawings/drawing1.xml", drawing)
    parts["xl/media/image1.png"] = png()
    add_rel(
        parts, "xl/drawings/_rels/drawing1.xml.rels", "rId1", f"{REL}/image", "../media/image1.png"
    )
    add_rel(
        parts,
        "xl/worksheets/_rels/sheet1.xml.rels",
        "rId1",
        f"{REL}/drawing",
        "../drawings/drawing1.xml",
    )
    add_override(parts, "xl/drawings/drawing1.xml", f"{CT}.drawing+xml")
    add_default(parts, "png", "image/png")
    sheet1 = text(parts, "xl/worksheets/sheet1.xml")
    put(
        parts,
        "xl/worksheets/sheet1.xml",
        before_close(sheet1, "worksheet", '<drawing r:id="rId1"/>'),
    )
    return parts


def openpyxl_charts_comments() -> dict[str, bytes]:
    """openpyxl workbook: charts, comments, hyperlinks, merged cells, names, validations."""
    wb = base_book()
    ws = wb["Encounters"]
    ws["B2"].comment = Comment("Check the spelling with the patient", "Front desk")
    ws["R1"] = "Docs"
    ws["R2"].hyperlink = "https://www.cms.gov/"
    ws["R2"].value = "CMS"
    dv = DataValidation(type="list", formula1='"M,F,U"', allow_blank=True)
    ws.add_data_validation(dv)
    dv.add("E2:E500")
    ws.conditional_formatting.add(
        "P2:P500", CellIsRule(operator="greaterThan", formula=["100"], fill=None)
    )
    stats = wb.create_sheet("Stats")
    stats.append(["Month", "Billed", "Paid"])
    for m, (billed, paid) in enumerate([(1200, 900), (1500, 1400), (900, 700), (1800, 1500)]):
        stats.append([f"2026-0{m + 1}", billed, paid])
    stats.merge_cells("E1:G1")
    stats["E1"] = "Monthly totals"
    bar = BarChart()
    bar.title = "Billed vs paid"
    bar.add_data(
        Reference(stats, min_col=2, min_row=1, max_col=3, max_row=5), titles_from_data=True
    )
    bar.set_categories(Reference(stats, min_col=1, min_row=2, max_row=5))
    stats.add_chart(bar, "E3")
    line = LineChart()
    line.add_data(Reference(stats, min_col=3, min_row=1, max_row=5), titles_from_data=True)
    stats.add_chart(line, "E20")
    stats["A7"] = "=SUM(B2:B5)"
    stats["A8"] = '=SUMIF(A2:A5,"2026-01",C2:C5)'
    wb.defined_names["TotalBilled"] = DefinedName("TotalBilled", attr_text="Stats!$A$7")
    stats.print_title_rows = "1:1"
    hidden = wb.create_sheet("Hidden")
    hidden.sheet_state = "hidden"
    hidden["A1"] = "lookup"
    return saved(wb)


def sparklines_x14() -> dict[str, bytes]:
    """Sparklines, an x14 list validation pointing at another sheet, an x14 data bar."""
    wb = base_book()
    trends = wb.create_sheet("Trends")
    trends.append(["Payer", *[f"M{m}" for m in range(1, 13)], "Trend"])
    trends.append(["Aetna", *[100 + 7 * m for m in range(12)]])
    trends.append(["Medicare", *[300 - 11 * m for m in range(12)]])
    parts = saved(wb)
    enc = sheet_part(parts, "Encounters")
    xml = text(parts, enc)
    guid = "{7C5E6B2E-0000-4000-8000-000000000001}"
    databar = (
        '<conditionalFormatting sqref="P2:P4"><cfRule type="dataBar" priority="1"><dataBar>'
        '<cfvo type="min"/><cfvo type="max"/><color rgb="FF638EC6"/></dataBar><extLst>'
        f'<ext uri="{{B025F937-C7B1-47D3-B67F-A62EFF666E3E}}" xmlns:x14="{X14}"><x14:id>{guid}'
        "</x14:id></ext></extLst></cfRule></conditionalFormatting>"
    )
    xml = insert_in_sheet(
        xml,
        databar,
        ("dataValidations", "hyperlinks", "printOptions", "pageMargins", "pageSetup", "tableParts"),
    )
    xml = add_ext(
        xml,
        f'<ext uri="{{78C0D931-6437-407d-A8EE-F0AAD7539E65}}" xmlns:x14="{X14}">'
        f'<x14:conditionalFormattings><x14:conditionalFormatting xmlns:xm="{XM}"><x14:cfRule '
        f'type="dataBar" id="{guid}"><x14:dataBar minLength="0" maxLength="100" gradient="0">'
        '<x14:cfvo type="autoMin"/><x14:cfvo type="autoMax"/><x14:negativeFillColor '
        'rgb="FFFF0000"/><x14:axisColor rgb="FF000000"/></x14:dataBar></x14:cfRule><xm:sqref>'
        "P2:P4</xm:sqref></x14:conditionalFormatting></x14:conditionalFormattings></ext>"
        f'<ext uri="{{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}}" xmlns:x14="{X14}">'
        f'<x14:dataValidations count="1" xmlns:xm="{XM}"><x14:dataValidation type="list" '
        'allowBlank="1" showInputMessage="1" showErrorMessage="1"><x14:formula1><xm:f>'
        "Payers!$A$2:$A$20</xm:f></x14:formula1><xm:sqref>G2:G500</xm:sqref>"
        "</x14:dataValidation></x14:dataValidations></ext>",
    )
    put(parts, enc, xml)
    tr = sheet_part(parts, "Trends")
    xml = text(parts, tr)
    colors = "".join(
        f'<x14:{k} rgb="FF{v}"/>'
        for k, v in (
            ("colorSeries", "376092"),
            ("colorNegative", "D00000"),
            ("colorAxis", "000000"),
            ("colorMarkers", "D00000"),
            ("colorFirst", "D00000"),
            ("colorLast", "D00000"),
            ("colorHigh", "D00000"),
            ("colorLow", "D00000"),
        )
    )
    xml = add_ext(
        xml,
        f'<ext uri="{{05C60535-1F16-4fd2-B633-F4F36F0B64E0}}" xmlns:x14="{X14}">'
        f'<x14:sparklineGroups xmlns:xm="{XM}"><x14:sparklineGroup displayEmptyCellsAs="gap" '
        f'markers="1">{colors}<x14:sparklines><x14:sparkline><xm:f>Trends!B2:M2</xm:f>'
        "<xm:sqref>N2</xm:sqref></x14:sparkline><x14:sparkline><xm:f>Trends!B3:M3</xm:f>"
        "<xm:sqref>N3</xm:sqref></x14:sparkline></x14:sparklines></x14:sparklineGroup>"
        "</x14:sparklineGroups></ext>",
    )
    put(parts, tr, xml)
    return parts


def pivot_cache() -> dict[str, bytes]:
    """A pivot table over the Encounters charges with its cache definition and records."""
    wb = base_book(extra=False)
    data = wb.create_sheet("Data")
    data.append(["Payer", "Procedure Code", "Charge"])
    for r in ENCOUNTER_ROWS:
        data.append([r[6], r[12], r[15]])
    pivot = wb.create_sheet("Pivot")
    pivot["A3"], pivot["B3"] = "Row Labels", "Sum of Charge"
    pivot["A4"], pivot["B4"] = "Aetna", 137.5
    pivot["A5"], pivot["B5"] = "Medicare", 40
    pivot["A6"], pivot["B6"] = "Grand Total", 177.5
    parts = saved(wb)
    n = len(ENCOUNTER_ROWS)
    records = "".join(
        f'<r><x v="{0 if r[6] == "Aetna" else 1}"/><s v="{r[12]}"/><n v="{r[15]}"/></r>'
        for r in ENCOUNTER_ROWS
    )
    put(
        parts,
        "xl/pivotCache/pivotCacheDefinition1.xml",
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<pivotCacheDefinition '
        f'xmlns="{MAIN}" xmlns:r="{REL}" r:id="rId1" refreshOnLoad="1" createdVersion="6" '
        f'refreshedVersion="6" minRefreshableVersion="3" recordCount="{n}"><cacheSource '
        f'type="worksheet"><worksheetSource ref="A1:C{n + 1}" sheet="Data"/></cacheSource>'
        '<cacheFields count="3"><cacheField name="Payer" numFmtId="0"><sharedItems count="2">'
        '<s v="Aetna"/><s v="Medicare"/></sharedItems></cacheField><cacheField '
        'name="Procedure Code" numFmtId="0"><sharedItems/></cacheField><cacheField '
        'name="Charge" numFmtId="0"><sharedItems containsSemiMixedTypes="0" containsString="0" '
        'containsNumber="1" minValue="12.5" maxValue="125"/></cacheField></cacheFields>'
        "</pivotCacheDefinition>",
    )
    put(
        parts,
        "xl/pivotCache/pivotCacheRecords1.xml",
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<pivotCacheRecords '
        f'xmlns="{MAIN}" xmlns:r="{REL}" count="{n}">{records}</pivotCacheRecords>',
    )
    put(
        parts,
        "xl/pivotTables/pivotTable1.xml",
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<pivotTableDefinition '
        f'xmlns="{MAIN}" name="ChargesByPayer" cacheId="1" applyNumberFormats="0" '
        'applyBorderFormats="0" applyFontFormats="0" applyPatternFormats="0" '
        'applyAlignmentFormats="0" applyWidthHeightFormats="1" dataCaption="Values" '
        'updatedVersion="6" minRefreshableVersion="3" useAutoFormatting="1" itemPrintTitles="1" '
        'createdVersion="6" indent="0" outline="1" outlineData="1" multipleFieldFilters="0">'
        '<location ref="A3:B6" firstHeaderRow="1" firstDataRow="1" firstDataCol="1"/>'
        '<pivotFields count="3"><pivotField axis="axisRow" showAll="0"><items count="3">'
        '<item x="0"/><item x="1"/><item t="default"/></items></pivotField><pivotField '
        'showAll="0"/><pivotField dataField="1" showAll="0"/></pivotFields><rowFields '
        'count="1"><field x="0"/></rowFields><rowItems count="3"><i><x/></i><i><x v="1"/></i>'
        '<i t="grand"><x/></i></rowItems><colItems count="1"><i/></colItems><dataFields '
        'count="1"><dataField name="Sum of Charge" fld="2" baseField="0" baseItem="0"/>'
        '</dataFields><pivotTableStyleInfo name="PivotStyleLight16" showRowHeaders="1" '
        'showColHeaders="1" showRowStripes="0" showColStripes="0" showLastColumn="1"/>'
        "</pivotTableDefinition>",
    )
    add_rel(
        parts,
        "xl/pivotCache/_rels/pivotCacheDefinition1.xml.rels",
        "rId1",
        f"{REL}/pivotCacheRecords",
        "pivotCacheRecords1.xml",
    )
    add_rel(
        parts,
        "xl/pivotTables/_rels/pivotTable1.xml.rels",
        "rId1",
        f"{REL}/pivotCacheDefinition",
        "../pivotCache/pivotCacheDefinition1.xml",
    )
    pv = sheet_part(parts, "Pivot")
    folder, base = pv.rsplit("/", 1)
    add_rel(
        parts,
        f"{folder}/_rels/{base}.rels",
        "rIdPivot1",
        f"{REL}/pivotTable",
        "../pivotTables/pivotTable1.xml",
    )
    add_rel(
        parts,
        "xl/_rels/workbook.xml.rels",
        "rIdCache1",
        f"{REL}/pivotCacheDefinition",
        "pivotCache/pivotCacheDefinition1.xml",
    )
    for part, kind in (
        ("xl/pivotCache/pivotCacheDefinition1.xml", "pivotCacheDefinition"),
        ("xl/pivotCache/pivotCacheRecords1.xml", "pivotCacheRecords"),
        ("xl/pivotTables/pivotTable1.xml", "pivotTable"),
    ):
        add_override(parts, part, f"{CT}.spreadsheetml.{kind}+xml")
    wb_xml = text(parts, "xl/workbook.xml")
    caches = '<pivotCaches><pivotCache cacheId="1" r:id="rIdCache1"/></pivotCaches>'
    if "<calcPr" in wb_xml:
        wb_xml = re.sub(r"(<calcPr[^>]*/>)", r"\1" + caches, wb_xml)
    else:
        wb_xml = before_close(wb_xml, "workbook", caches)
    put(parts, "xl/workbook.xml", wb_xml)
    return parts


def dynamic_arrays() -> dict[str, bytes]:
    """Spilled dynamic-array formulas (SORT, UNIQUE) with their cell metadata part."""
    wb = base_book()
    calc = wb.create_sheet("Calc")
    calc["A1"] = "Sorted codes"
    parts = saved(wb)
    part = sheet_part(parts, "Calc")
    xml = text(parts, part)
    spill = (
        '<row r="2"><c r="A2" cm="1" t="str"><f t="array" ref="A2:A4">_xlfn._xlws.SORT('
        'Encounters!M2:M4)</f><v>0001A</v></c><c r="B2" cm="1" t="str"><f t="array" '
        'ref="B2:B3">_xlfn.UNIQUE(Encounters!G2:G4)</f><v>Aetna</v></c></row><row r="3">'
        '<c r="A3" t="str"><v>36415</v></c><c r="B3" t="str"><v>Medicare</v></c></row>'
        '<row r="4"><c r="A4" t="str"><v>99213</v></c></row>'
    )
    xml = before_close(xml, "sheetData", spill)
    put(parts, part, xml)
    put(
        parts,
        "xl/metadata.xml",
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<metadata xmlns="{MAIN}" '
        'xmlns:xda="http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray">'
        '<metadataTypes count="1"><metadataType name="XLDAPR" minSupportedVersion="120000" '
        'copy="1" pasteAll="1" pasteValues="1" merge="1" splitFirst="1" rowColShift="1" '
        'clearFormats="1" clearComments="1" assign="1" coerce="1" cellMeta="1"/>'
        '</metadataTypes><futureMetadata name="XLDAPR" count="1"><bk><extLst><ext '
        'uri="{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}"><xda:dynamicArrayProperties fDynamic="1" '
        'fCollapsed="0"/></ext></extLst></bk></futureMetadata><cellMetadata count="1"><bk>'
        '<rc t="1" v="0"/></bk></cellMetadata></metadata>',
    )
    add_rel(parts, "xl/_rels/workbook.xml.rels", "rIdMeta1", f"{REL}/sheetMetadata", "metadata.xml")
    add_override(parts, "xl/metadata.xml", f"{CT}.spreadsheetml.sheetMetadata+xml")
    return parts


def custom_parts() -> dict[str, bytes]:
    """Custom XML, custom document properties, an external link, a very hidden sheet."""
    wb = base_book()
    secret = wb.create_sheet("Secret")
    secret.sheet_state = "veryHidden"
    secret["A1"] = "internal"
    wb["Encounters"]["S1"] = "Rate"
    wb["Encounters"]["S2"] = "=[1]Rates!$B$2"
    parts = saved(wb)
    put(
        parts,
        "customXml/item1.xml",
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<clinic xmlns="urn:example:clinic"><tenant>Main St</tenant></clinic>',
    )
    put(
        parts,
        "customXml/itemProps1.xml",
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<ds:datastoreItem '
        'ds:itemID="{6C3A1C1E-0000-4000-8000-0000000000AB}" xmlns:ds="http://schemas.'
        'openxmlformats.org/officeDocument/2006/customXml"><ds:schemaRefs/></ds:datastoreItem>',
    )
    add_rel(
        parts, "customXml/_rels/item1.xml.rels", "rId1", f"{REL}/customXmlProps", "itemProps1.xml"
    )
    add_rel(
        parts, "xl/_rels/workbook.xml.rels", "rIdCx1", f"{REL}/customXml", "../customXml/item1.xml"
    )
    add_override(parts, "customXml/itemProps1.xml", f"{CT}.customXmlProperties+xml")
    put(
        parts,
        "docProps/custom.xml",
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://'
        'schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://'
        'schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><property fmtid="{D5CDD505-'
        '2E9C-101B-9397-08002B2CF9AE}" pid="2" name="ClinicCode"><vt:lpwstr>MS-01</vt:lpwstr>'
        "</property></Properties>",
    )
    add_rel(parts, "_rels/.rels", "rIdCustom", f"{REL}/custom-properties", "docProps/custom.xml")
    add_override(parts, "docProps/custom.xml", f"{CT}.custom-properties+xml")
    put(
        parts,
        "xl/externalLinks/externalLink1.xml",
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<externalLink xmlns="{MAIN}" '
        f'xmlns:r="{REL}"><externalBook r:id="rId1"><sheetNames><sheetName val="Rates"/>'
        '</sheetNames><sheetDataSet><sheetData sheetId="0"><row r="2"><cell r="B2"><v>88</v>'
        "</cell></row></sheetData></sheetDataSet></externalBook></externalLink>",
    )
    add_rel(
        parts,
        "xl/externalLinks/_rels/externalLink1.xml.rels",
        "rId1",
        f"{REL}/externalLinkPath",
        'file:///C:/Billing/rates.xlsx" TargetMode="External',
    )
    add_rel(
        parts,
        "xl/_rels/workbook.xml.rels",
        "rIdExt1",
        f"{REL}/externalLink",
        "externalLinks/externalLink1.xml",
    )
    add_override(
        parts, "xl/externalLinks/externalLink1.xml", f"{CT}.spreadsheetml.externalLink+xml"
    )
    wb_xml = text(parts, "xl/workbook.xml")
    refs = '<externalReferences><externalReference r:id="rIdExt1"/></externalReferences>'
    wb_xml = re.sub(r"(</sheets>)", r"\1" + refs, wb_xml)
    put(parts, "xl/workbook.xml", wb_xml)
    return parts


def earlier_results() -> dict[str, bytes]:
    """A workbook Claimbook wrote before, then the user edited: formulas, a comment, a chart."""
    wb = base_book()
    findings = wb.create_sheet("Findings")
    findings.append(["Rule", "Row", "Message"])
    findings.append(["OLD-RULE", 2, "from last week"])
    findings["E1"] = "=COUNTA(A:A)-1"
    findings["A2"].comment = Comment("worked on this", "Office manager")
    findings.add_table(Table(displayName="cbFindings", ref="A1:C2"))
    claims = wb.create_sheet("Claims")
    claims.append(["Claim", "Charge"])
    claims.append(["E1001", 137.5])
    claims.add_table(Table(displayName="cbClaims", ref="A1:B2"))
    dash = wb.create_sheet("Notes")
    chart = BarChart()
    chart.add_data(Reference(claims, min_col=2, min_row=1, max_row=2), titles_from_data=True)
    dash.add_chart(chart, "A1")
    parts = saved(wb)
    # Excel keeps a calc chain; a replaced Findings sheet must not leave it dangling
    sheets = re.findall(
        r'<sheet [^>]*name="([^"]+)"[^>]*sheetId="(\d+)"', text(parts, "xl/workbook.xml")
    )
    fid = dict(sheets)["Findings"]
    put(
        parts,
        "xl/calcChain.xml",
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<calcChain xmlns="{MAIN}"><c r="E1" i="{fid}"/></calcChain>',
    )
    add_rel(parts, "xl/_rels/workbook.xml.rels", "rIdCalc1", f"{REL}/calcChain", "calcChain.xml")
    add_override(parts, "xl/calcChain.xml", f"{CT}.spreadsheetml.calcChain+xml")
    return parts


def prefixed_namespaces() -> dict[str, bytes]:
    """SpreadsheetML with an x: prefix and absolute targets, as some .NET writers produce."""
    rows = []
    for r, values in enumerate([ENCOUNTER_HEADERS, *ENCOUNTER_ROWS], start=1):
        cells = "".join(
            f'<x:c r="{chr(65 + c)}{r}" t="inlineStr"><x:is><x:t>'
            f"{str(v).replace('&', '&amp;').replace('<', '&lt;')}</x:t></x:is></x:c>"
            for c, v in enumerate(values)
            if v is not None
        )
        rows.append(f'<x:row r="{r}">{cells}</x:row>')
    head = '<?xml version="1.0" encoding="utf-8"?>'
    return {
        "[Content_Types].xml": (
            f'{head}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Default Extension="xml" ContentType="application/xml"/><Default Extension="rels" '
            f'ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override '
            f'PartName="/xl/workbook.xml" ContentType="{CT}.spreadsheetml.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{CT}.spreadsheetml.'
            f'worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="{CT}.spreadsheetml'
            '.styles+xml"/></Types>'
        ).encode(),
        "_rels/.rels": (
            f'{head}<Relationships xmlns="{PKG_REL}"><Relationship Type="{REL}/officeDocument" '
            'Target="/xl/workbook.xml" Id="R1"/></Relationships>'
        ).encode(),
        "xl/workbook.xml": (
            f'{head}<x:workbook xmlns:x="{MAIN}" xmlns:r2="{REL}"><x:sheets><x:sheet '
            'name="Encounters" sheetId="1" r2:id="R5"/></x:sheets></x:workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            f'{head}<Relationships xmlns="{PKG_REL}"><Relationship Type="{REL}/worksheet" '
            f'Target="/xl/worksheets/sheet1.xml" Id="R5"/><Relationship Type="{REL}/styles" '
            'Target="/xl/styles.xml" Id="R6"/></Relationships>'
        ).encode(),
        "xl/styles.xml": (
            f'{head}<x:styleSheet xmlns:x="{MAIN}"><x:fonts count="1"><x:font><x:sz val="11"/>'
            '<x:name val="Calibri"/></x:font></x:fonts><x:fills count="2"><x:fill><x:patternFill '
            'patternType="none"/></x:fill><x:fill><x:patternFill patternType="gray125"/></x:fill>'
            '</x:fills><x:borders count="1"><x:border><x:left/><x:right/><x:top/><x:bottom/>'
            '<x:diagonal/></x:border></x:borders><x:cellStyleXfs count="1"><x:xf numFmtId="0" '
            'fontId="0" fillId="0" borderId="0"/></x:cellStyleXfs><x:cellXfs count="1"><x:xf '
            'numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></x:cellXfs>'
            '<x:cellStyles count="1"><x:cellStyle name="Normal" xfId="0" builtinId="0"/>'
            "</x:cellStyles></x:styleSheet>"
        ).encode(),
        "xl/worksheets/sheet1.xml": (
            f'{head}<x:worksheet xmlns:x="{MAIN}"><x:sheetData>{"".join(rows)}</x:sheetData>'
            "</x:worksheet>"
        ).encode(),
    }


def libreoffice_saved(source: Path) -> dict[str, bytes] | None:
    """The charts workbook after a LibreOffice round trip: another producer's XML dialect."""
    soffice = shutil.which("soffice")
    if soffice is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp) / "profile"
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                "xlsx:Calc MS Excel 2007 XML",
                "--outdir",
                str(Path(tmp) / "out"),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        return parts_of((Path(tmp) / "out" / source.name).read_bytes())


BUILDERS = {
    "excel_vba_shapes.xlsm": excel_vba_shapes,
    "openpyxl_charts_comments.xlsx": openpyxl_charts_comments,
    "sparklines_x14.xlsx": sparklines_x14,
    "pivot_cache.xlsx": pivot_cache,
    "dynamic_arrays.xlsx": dynamic_arrays,
    "custom_parts.xlsx": custom_parts,
    "earlier_results.xlsx": earlier_results,
    "prefixed_namespaces.xlsx": prefixed_namespaces,
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, build in BUILDERS.items():
        write_parts(OUT / name, build())
        print("wrote", OUT / name)
    lo = libreoffice_saved(OUT / "openpyxl_charts_comments.xlsx")
    if lo is not None:
        write_parts(OUT / "libreoffice_saved.xlsx", lo)
        print("wrote", OUT / "libreoffice_saved.xlsx")


if __name__ == "__main__":
    main()
