"""Charts beside a result table (ChartSpec): drawing and chart parts in DrawingML."""

from __future__ import annotations

from addin.errors import OutputError
from addin.models import ChartSpec, ResultTable
from addin.sheets.sheetxml import DECLARATION, col_letter, unique_headers, xml_text

C_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
XDR_NS = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
DRAWING_CT = "application/vnd.openxmlformats-officedocument.drawing+xml"
CHART_CT = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
_WIDTH, _HEIGHT = 8, 15  # columns and rows one chart covers
PALETTE = ("4472C4", "ED7D31", "A5A5A5", "FFC000", "5B9BD5", "70AD47", "264478", "9E480E")


def _ref(sheet: str, col: int, first: int, last: int | None = None) -> str:
    quoted = "'" + sheet.replace("'", "''") + "'"
    letter = col_letter(col)
    if last is None:
        return f"{quoted}!${letter}${first}"
    return f"{quoted}!${letter}${first}:${letter}${last}"


def chart_xml(table: ResultTable, spec: ChartSpec) -> str:
    """One chart part: a series per value column over the spec's rows of the table."""
    headers = unique_headers(table.columns)
    index = {h.casefold(): i for i, h in enumerate(headers)}
    index.update({c.name.casefold(): i for i, c in enumerate(table.columns)})
    missing = [n for n in (spec.category, *spec.values) if n.casefold() not in index]
    if missing:
        raise OutputError(
            f"chart {spec.title!r} on {table.sheet}: no column {', '.join(map(repr, missing))}; "
            f"the table has {', '.join(headers)}"
        )
    last = len(table.rows) if spec.last_row is None else min(spec.last_row, len(table.rows))
    first_row, last_row = spec.first_row + 2, max(last + 1, spec.first_row + 2)
    cat = _ref(table.sheet, index[spec.category.casefold()], first_row, last_row)
    series = []
    for n, name in enumerate(spec.values):
        col = index[name.casefold()]
        head = _ref(table.sheet, col, 1)
        colour = PALETTE[n % len(PALETTE)]
        # explicit fills: without them LibreOffice draws the series invisible
        if spec.kind == "line":
            look = (
                f'<c:spPr><a:ln w="28575"><a:solidFill><a:srgbClr val="{colour}"/>'
                "</a:solidFill></a:ln></c:spPr>"
            )
        elif spec.kind == "pie":
            look = "".join(
                f'<c:dPt><c:idx val="{i}"/><c:bubble3D val="0"/><c:spPr><a:solidFill><a:srgbClr '
                f'val="{PALETTE[i % len(PALETTE)]}"/></a:solidFill></c:spPr></c:dPt>'
                for i in range(last_row - first_row + 1)
            )
        else:
            look = f'<c:spPr><a:solidFill><a:srgbClr val="{colour}"/></a:solidFill></c:spPr>'
        series.append(
            f'<c:ser><c:idx val="{n}"/><c:order val="{n}"/><c:tx><c:strRef><c:f>'
            f"{xml_text(head)}</c:f></c:strRef></c:tx>{look}<c:cat><c:strRef><c:f>{xml_text(cat)}"
            f"</c:f></c:strRef></c:cat><c:val><c:numRef><c:f>"
            f"{xml_text(_ref(table.sheet, col, first_row, last_row))}</c:f></c:numRef></c:val>"
            "</c:ser>"
        )
    axes_ids = '<c:axId val="500001"/><c:axId val="500002"/>'
    if spec.kind == "pie":
        plot = (
            f'<c:pieChart><c:varyColors val="1"/>{series[0]}<c:firstSliceAng val="0"/></c:pieChart>'
        )
        axes = ""
    else:
        if spec.kind == "line":
            plot = (
                '<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>'
                f'{"".join(series)}<c:marker val="1"/>{axes_ids}</c:lineChart>'
            )
        else:
            direction = "bar" if spec.kind == "bar" else "col"
            plot = (
                f'<c:barChart><c:barDir val="{direction}"/><c:grouping val="clustered"/>'
                f'<c:varyColors val="0"/>{"".join(series)}<c:gapWidth val="150"/>{axes_ids}'
                "</c:barChart>"
            )
        cat_pos, val_pos = ("l", "b") if spec.kind == "bar" else ("b", "l")
        axes = (
            '<c:catAx><c:axId val="500001"/><c:scaling><c:orientation val="minMax"/>'
            f'</c:scaling><c:delete val="0"/><c:axPos val="{cat_pos}"/><c:numFmt '
            'formatCode="General" sourceLinked="1"/><c:tickLblPos val="nextTo"/><c:crossAx '
            'val="500002"/><c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/>'
            '<c:lblOffset val="100"/></c:catAx><c:valAx><c:axId val="500002"/><c:scaling>'
            '<c:orientation val="minMax"/></c:scaling><c:delete val="0"/><c:axPos '
            f'val="{val_pos}"/><c:majorGridlines/><c:numFmt formatCode="General" '
            'sourceLinked="1"/><c:tickLblPos val="nextTo"/><c:crossAx val="500001"/>'
            '<c:crosses val="autoZero"/><c:crossBetween val="between"/></c:valAx>'
        )
    title = (
        f"<c:title><c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:r><a:t>{xml_text(spec.title)}"
        '</a:t></a:r></a:p></c:rich></c:tx><c:overlay val="0"/></c:title>'
    )
    return (
        f'{DECLARATION}<c:chartSpace xmlns:c="{C_NS}" xmlns:a="{A_NS}" xmlns:r="{R_NS}">'
        f'<c:roundedCorners val="0"/><c:chart>{title}<c:autoTitleDeleted val="0"/><c:plotArea>'
        f'<c:layout/>{plot}{axes}</c:plotArea><c:legend><c:legendPos val="b"/><c:overlay '
        'val="0"/></c:legend><c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart>'
        "</c:chartSpace>"
    )


def drawing_xml(table: ResultTable, chart_rids: list[str]) -> str:
    """The drawing holding the charts, stacked to the right of the table."""
    left = len(table.columns) + 1
    anchors = []
    for n, rid in enumerate(chart_rids):
        top = 1 + n * (_HEIGHT + 1)
        anchors.append(
            f"<xdr:twoCellAnchor><xdr:from><xdr:col>{left}</xdr:col><xdr:colOff>0</xdr:colOff>"
            f"<xdr:row>{top}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>"
            f"{left + _WIDTH}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{top + _HEIGHT}"
            '</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to><xdr:graphicFrame macro="">'
            f'<xdr:nvGraphicFramePr><xdr:cNvPr id="{n + 2}" name="Claimbook chart {n + 1}"/>'
            '<xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/>'
            f'<a:ext cx="0" cy="0"/></xdr:xfrm><a:graphic><a:graphicData uri="{C_NS}">'
            f'<c:chart xmlns:c="{C_NS}" r:id="{rid}"/></a:graphicData></a:graphic>'
            "</xdr:graphicFrame><xdr:clientData/></xdr:twoCellAnchor>"
        )
    return (
        f'{DECLARATION}<xdr:wsDr xmlns:xdr="{XDR_NS}" xmlns:a="{A_NS}" xmlns:r="{R_NS}">'
        + "".join(anchors)
        + "</xdr:wsDr>"
    )
