"""A user's sheet that carries a Claimbook sheet's name is never replaced, whatever it holds."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference
from typer.testing import CliRunner

from addin import runs
from addin.cli import app
from addin.errors import OutputError

# a 1x1 PNG: what a pasted logo or screenshot is stored as
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c63f8ffff3f0005fe02fea7d6a4c50000000049454e44ae426082"
)
DRAWING_NS = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL = "http://schemas.openxmlformats.org/package/2006/relationships"


def _with_sheet(book: Path, name: str, kind: str) -> None:
    """Add the user's own sheet ``name`` holding ``kind`` to the workbook."""
    wb = openpyxl.load_workbook(book)
    if kind == "chartsheet":
        data = wb.create_sheet(f"{name} data")
        data.append(["month", "paid"])
        data.append(["Jan", 100])
        chart = BarChart()
        chart.add_data(Reference(data, min_col=2, min_row=1, max_row=2), titles_from_data=True)
        wb.create_chartsheet(name).add_chart(chart)
        wb.save(book)
        return
    ws = wb.create_sheet(name)
    if kind == "value":
        ws["B3"] = "my own list"
    elif kind == "chart":
        helper = wb.create_sheet("numbers")
        helper.append(["a", 1])
        chart = BarChart()
        chart.add_data(Reference(helper, min_col=2, min_row=1, max_row=1))
        ws.add_chart(chart, "A1")
    wb.save(book)
    if kind in ("picture", "ole"):
        _inject(book, name, kind)


def _inject(book: Path, name: str, kind: str) -> None:
    """Put a picture (drawing + image) or an embedded OLE object on the sheet by hand."""
    with zipfile.ZipFile(book) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    workbook = parts["xl/workbook.xml"].decode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    import re

    rid = re.search(rf'<sheet[^>]*name="{name}"[^>]*r:id="(rId\d+)"', workbook)
    assert rid is not None
    target = re.search(rf'Id="{rid.group(1)}"[^>]*Target="([^"]+)"', rels) or re.search(
        rf'Target="([^"]+)"[^>]*Id="{rid.group(1)}"', rels)  # fmt: skip
    assert target is not None
    sheet = "xl/" + target.group(1).lstrip("/").removeprefix("xl/")
    folder, base = sheet.rsplit("/", 1)
    sheet_rels = f"{folder}/_rels/{base}.rels"
    ct = parts["[Content_Types].xml"].decode()
    if kind == "picture":
        parts["xl/media/image1.png"] = PNG
        parts["xl/drawings/drawing9.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><xdr:wsDr xmlns:xdr="{DRAWING_NS}" '
            f'xmlns:a="{A_NS}" xmlns:r="{R_NS}"><xdr:oneCellAnchor><xdr:from><xdr:col>0</xdr:col>'
            "<xdr:colOff>0</xdr:colOff><xdr:row>0</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>"
            '<xdr:ext cx="9525" cy="9525"/><xdr:pic><xdr:nvPicPr><xdr:cNvPr id="2" name="Logo"/>'
            '<xdr:cNvPicPr/></xdr:nvPicPr><xdr:blipFill><a:blip r:embed="rId1"/><a:stretch>'
            '<a:fillRect/></a:stretch></xdr:blipFill><xdr:spPr><a:prstGeom prst="rect"/>'
            "</xdr:spPr></xdr:pic><xdr:clientData/></xdr:oneCellAnchor></xdr:wsDr>"
        ).encode()
        parts["xl/drawings/_rels/drawing9.xml.rels"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{REL}"><Relationship '
            f'Id="rId1" Type="{R_NS}/image" Target="../media/image1.png"/></Relationships>'
        ).encode()
        rel = f'<Relationship Id="rId9" Type="{R_NS}/drawing" Target="../drawings/drawing9.xml"/>'
        element = '<drawing r:id="rId9"/>'
        ct = ct.replace("</Types>", '<Default Extension="png" ContentType="image/png"/><Override '
                        'PartName="/xl/drawings/drawing9.xml" ContentType="application/vnd.'
                        'openxmlformats-officedocument.drawing+xml"/></Types>')  # fmt: skip
    else:
        parts["xl/embeddings/oleObject1.bin"] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
        rel = (f'<Relationship Id="rId9" Type="{R_NS}/oleObject" '
               'Target="../embeddings/oleObject1.bin"/>')  # fmt: skip
        element = ('<oleObjects><oleObject progId="Package" shapeId="1025" r:id="rId9"/>'
                   "</oleObjects>")  # fmt: skip
        ct = ct.replace("</Types>", '<Default Extension="bin" ContentType="application/vnd.'
                        'openxmlformats-officedocument.oleObject"/></Types>')  # fmt: skip
    parts["[Content_Types].xml"] = ct.encode()
    existing = parts.get(sheet_rels, f'<?xml version="1.0"?><Relationships xmlns="{REL}">'
                                     "</Relationships>".encode())  # fmt: skip
    text = existing.decode() if isinstance(existing, bytes) else existing
    parts[sheet_rels] = text.replace("</Relationships>", rel + "</Relationships>").encode()
    xml = parts[sheet].decode()
    if 'xmlns:r="' not in xml.split(">", 2)[1]:
        xml = xml.replace("<worksheet ", f'<worksheet xmlns:r="{R_NS}" ', 1)
    xml = xml.replace("</worksheet>", element + "</worksheet>")
    parts[sheet] = xml.encode()
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:
        for part, data in parts.items():
            z.writestr(part, data)


KINDS = ("chart", "picture", "ole", "value", "chartsheet")
WORDS = {"chart": "chart", "picture": "picture", "ole": "embedded object",
         "value": "1 cell", "chartsheet": "chart sheet"}  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", ["Dashboard", "Claims", "Findings"])
def test_a_users_sheet_is_never_replaced(clinic: Path, era: Path, name: str, kind: str) -> None:
    _with_sheet(clinic, name, kind)
    before = clinic.read_bytes()
    result = CliRunner().invoke(
        app, ["cycle", str(clinic), "--remit", str(era), "--today", "2026-04-10"]
    )
    assert result.exit_code == 2, result.output
    assert f"sheet {name!r} holds" in result.output and WORDS[kind] in result.output
    assert "rename yours" in result.output and "Traceback" not in result.output
    assert clinic.read_bytes() == before
    # stopped before anything was done: no 837P, nothing kept
    assert not (clinic.parent / f"{clinic.stem} claims").exists()
    assert not (clinic.parent / f"{clinic.stem} remittances").exists()


def test_the_templates_own_placeholders_are_taken(tmp_path: Path) -> None:
    from addin.sheets.template import build_workbook

    book = build_workbook(tmp_path / "new.xlsx")
    outcome = runs.check(book)
    assert outcome.changed and "Findings" in [t.sheet for t in outcome.tables]


def test_the_writer_refuses_too(clinic: Path) -> None:
    """The last defence, for a caller that did not check first."""
    from addin.models import Column, ResultTable
    from addin.sheets import write_tables

    _with_sheet(clinic, "Dashboard", "value")
    table = ResultTable(sheet="Dashboard", columns=[Column(name="A")], rows=[["x"]])
    with pytest.raises(OutputError, match="'Dashboard' holds 1 cell"):
        write_tables(clinic, [table], in_place=True)


def test_comments_on_claimbooks_own_sheet_stop_the_run(clinic: Path, era: Path) -> None:
    """A note typed as a comment on the worklist would be lost when the sheet is rebuilt."""
    from openpyxl.comments import Comment

    runs.claims(clinic)
    runs.reconcile(clinic, runs.Inputs(remittances=[era]))
    wb = openpyxl.load_workbook(clinic)
    wb["Denials"]["A2"].comment = Comment("called Aetna", "Dev")
    wb.save(clinic)
    before = clinic.read_bytes()
    with pytest.raises(OutputError, match="'Denials' holds comments or notes.*Notes column"):
        runs.reconcile(clinic, runs.Inputs())
    assert clinic.read_bytes() == before
