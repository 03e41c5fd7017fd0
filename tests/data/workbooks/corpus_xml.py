"""Corpus workbooks made mostly of injected XML: pivot cache, dynamic arrays, custom parts,
prefixed SpreadsheetML (see build_corpus.py)."""

from __future__ import annotations

import re

from corpus_parts import (
    CT,
    ENCOUNTER_HEADERS,
    ENCOUNTER_ROWS,
    MAIN,
    PKG_REL,
    REL,
    add_override,
    add_rel,
    base_book,
    before_close,
    put,
    saved,
    sheet_part,
    text,
)


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
