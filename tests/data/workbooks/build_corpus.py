"""Build the fidelity corpus: feature-rich workbooks that write_tables must not damage.

Run: .venv/bin/python tests/data/workbooks/build_corpus.py  (writes tests/data/workbooks/fidelity/)

Bases come from openpyxl (charts, comments, tables, names, validations) and from xlwings'
quickstart.xlsm (a real Excel-saved file with a VBA project, BSD-licensed). Features openpyxl
cannot make (shapes with macros, pictures, sparklines, x14 validations and data bars, pivot
caches, dynamic arrays, custom XML, external links) are injected as the XML Excel writes.
This script uses only zipfile and openpyxl, never addin.sheets, so the corpus does not
depend on the code it tests. Output is deterministic (fixed timestamps), except
libreoffice_saved.xlsx, into which LibreOffice writes its own ids.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path

import xlwings
from corpus_parts import (
    CT,
    ENCOUNTER_HEADERS,
    ENCOUNTER_ROWS,
    MAIN,
    REL,
    X14,
    XM,
    add_default,
    add_ext,
    add_override,
    add_rel,
    base_book,
    before_close,
    insert_in_sheet,
    parts_of,
    png,
    put,
    saved,
    sheet_part,
    text,
    write_parts,
)
from corpus_xml import custom_parts, dynamic_arrays, pivot_cache, prefixed_namespaces
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table

OUT = Path(__file__).resolve().parent / "fidelity"
QUICKSTART = Path(xlwings.__file__).parent / "quickstart.xlsm"

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


def earlier_results() -> dict[str, bytes]:
    """A workbook Claimbook wrote before, then the user edited: a formula, a chart. (A comment
    on a Claimbook sheet stops a run instead: tests/runs/test_runs_guard.py.)"""
    wb = base_book()
    findings = wb.create_sheet("Findings")
    findings.append(["Rule", "Row", "Message"])
    findings.append(["OLD-RULE", 2, "from last week"])
    findings["E1"] = "=COUNTA(A:A)-1"
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
