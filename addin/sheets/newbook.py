"""A brand-new xlsx package: a CSV file's rows as a text sheet, ready for result sheets."""

from __future__ import annotations

from pathlib import Path

from addin.sheets.package import DOC_REL, MAIN_NS, REL_NS, Package
from addin.sheets.sheetxml import DECLARATION, col_letter, xml_text
from addin.sheets.source import CSV_SHEET, Source

_CT = (
    DECLARATION + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_ROOT_RELS = (
    f'{DECLARATION}<Relationships xmlns="{REL_NS}"><Relationship Id="rId1" '
    f'Type="{DOC_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WB_RELS = (
    f'{DECLARATION}<Relationships xmlns="{REL_NS}"><Relationship Id="rId1" '
    f'Type="{DOC_REL}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
    f'Type="{DOC_REL}/styles" Target="styles.xml"/></Relationships>'
)
STYLES = (
    f'{DECLARATION}<styleSheet xmlns="{MAIN_NS}"><fonts count="1"><font><sz val="11"/>'
    '<name val="Calibri"/><family val="2"/></font></fonts><fills count="2"><fill>'
    '<patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
    '</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    '</cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" '
    'xfId="0"/><xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" '
    'applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" '
    'xfId="0" builtinId="0"/></cellStyles><dxfs count="0"/><tableStyles count="0" '
    'defaultTableStyle="TableStyleMedium2" defaultPivotStyle="PivotStyleLight16"/>'
    "</styleSheet>"
)


def package_from_csv(path: Path) -> Package:
    """A new workbook whose one sheet (named Encounters) holds the CSV's cells as text.

    Text keeps what CSV cannot type: ZIPs, NPIs and codes with leading zeros.
    """
    source = Source(path)
    grid = source.grid(CSV_SHEET)
    rows: list[str] = []
    for r, cells in enumerate(grid, start=1):
        row = "".join(
            f'<c r="{col_letter(c)}{r}" s="1" t="inlineStr"><is><t xml:space="preserve">'
            f"{xml_text(str(v))}</t></is></c>"
            for c, v in enumerate(cells)
            if v != ""
        )
        rows.append(f'<row r="{r}">{row}</row>')
    sheet = (
        f'{DECLARATION}<worksheet xmlns="{MAIN_NS}" xmlns:r="{DOC_REL}"><sheetViews>'
        '<sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
        'state="frozen"/></sheetView></sheetViews><sheetData>'
        + "".join(rows)
        + "</sheetData></worksheet>"
    )
    workbook = (
        f'{DECLARATION}<workbook xmlns="{MAIN_NS}" xmlns:r="{DOC_REL}"><bookViews>'
        '<workbookView activeTab="0"/></bookViews><sheets>'
        f'<sheet name="{CSV_SHEET}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    return Package(
        parts={
            "[Content_Types].xml": _CT.encode(),
            "_rels/.rels": _ROOT_RELS.encode(),
            "xl/workbook.xml": workbook.encode(),
            "xl/_rels/workbook.xml.rels": _WB_RELS.encode(),
            "xl/styles.xml": STYLES.encode(),
            "xl/worksheets/sheet1.xml": sheet.encode("utf-8"),
        }
    )
