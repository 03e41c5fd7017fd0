"""Workbook packages as other writers (or accidents) leave them, made by editing a real one.

Each function takes the bytes of an .xlsx/.xlsm and returns a spoilt copy: shared-strings
counts that lie, backslash member names, content types without Defaults (older
LibreOffice), an Excel 4 macro sheet, a stray value in the farthest cell.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable


def rezip(data: bytes, edit: Callable[[str, bytes], tuple[str, bytes] | None]) -> bytes:
    """The package ``data`` with each member passed through ``edit`` (None drops it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            edited = edit(info.filename, zin.read(info))
            if edited is not None:
                zout.writestr(zipfile.ZipInfo(edited[0], (1980, 1, 1, 0, 0, 0)), edited[1])
    return out.getvalue()


def lying_count(data: bytes) -> bytes:
    """Shared strings (made if openpyxl wrote inline text) whose counts claim 999,999,999."""

    def edit(name: str, blob: bytes) -> tuple[str, bytes]:
        if name == "xl/sharedStrings.xml":
            blob = re.sub(rb'\s(unique)?[cC]ount="\d+"', b"", blob)
            blob = blob.replace(b"<sst ", b'<sst count="999999999" uniqueCount="999999999" ', 1)
        return name, blob

    return rezip(with_shared_strings(data), edit)


def with_shared_strings(data: bytes) -> bytes:
    """The same workbook with its inline strings moved to a shared-strings part."""
    strings: list[str] = []

    def shared(match: re.Match[bytes]) -> bytes:
        text = match.group(2).decode("utf-8")
        strings.append(text)
        return match.group(1).replace(b't="inlineStr"', b't="s"') + (
            f"<v>{len(strings) - 1}</v></c>".encode()
        )

    def edit(name: str, blob: bytes) -> tuple[str, bytes]:
        if name.startswith("xl/worksheets/sheet"):
            blob = re.sub(
                rb'(<c [^>]*t="inlineStr"[^>]*>)<is><t[^>]*>(.*?)</t></is></c>',
                shared,
                blob,
                flags=re.S,
            )
        return name, blob

    staged = rezip(data, edit)
    if not strings:
        return data
    sst = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.'
        f'openxmlformats.org/spreadsheetml/2006/main" count="{len(strings)}" '
        f'uniqueCount="{len(strings)}">'
        + "".join(f'<si><t xml:space="preserve">{s}</t></si>' for s in strings)
        + "</sst>"
    ).encode("utf-8")

    def add(name: str, blob: bytes) -> tuple[str, bytes]:
        if name == "[Content_Types].xml":
            blob = blob.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" '
                                b'ContentType="application/vnd.openxmlformats-officedocument.'
                                b'spreadsheetml.sharedStrings+xml"/></Types>')  # fmt: skip
        if name == "xl/_rels/workbook.xml.rels":
            blob = blob.replace(
                b"</Relationships>",
                b'<Relationship Id="rIdSST" Type="http://'
                b"schemas.openxmlformats.org/officeDocument/2006/relationships/"
                b'sharedStrings" Target="sharedStrings.xml"/></Relationships>',
            )
        return name, blob

    added = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(rezip(staged, add))) as zin,
        zipfile.ZipFile(added, "w") as zout,
    ):
        for info in zin.infolist():
            zout.writestr(info, zin.read(info))
        zout.writestr("xl/sharedStrings.xml", sst)
    return added.getvalue()


def backslash_names(data: bytes) -> bytes:
    return rezip(data, lambda name, blob: (name.replace("/", "\\"), blob))


def no_default_types(data: bytes) -> bytes:
    """[Content_Types].xml as older LibreOffice writes it: Overrides only, no Default."""

    def edit(name: str, blob: bytes) -> tuple[str, bytes]:
        if name == "[Content_Types].xml":
            parts = []
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                parts = [n for n in z.namelist() if n.endswith(".rels")]
            blob = re.sub(rb'<Default Extension="(rels|xml)"[^>]*/>', b"", blob)
            extra = "".join(
                f'<Override PartName="/{n}" ContentType="application/vnd.openxmlformats-'
                'package.relationships+xml"/>'
                for n in parts
            )
            blob = blob.replace(b"</Types>", extra.encode() + b"</Types>")
        return name, blob

    return rezip(data, edit)


MACRO_SHEET = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<xm:macrosheet xmlns="http://'
    b'schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:xm="http://schemas.microsoft'
    b'.com/office/excel/2006/main"><sheetData><row r="1"><c r="A1"><f>ALERT("hi")</f>'
    b'<v>TRUE</v></c></row><row r="2"><c r="A2"><f>RETURN()</f><v>TRUE</v></c></row>'
    b"</sheetData></xm:macrosheet>"
)


def macro_sheet(data: bytes) -> bytes:
    """An Excel 4 macro sheet (xl/macrosheets/sheet1.xml) listed among the sheets."""

    def edit(name: str, blob: bytes) -> tuple[str, bytes]:
        if name == "[Content_Types].xml":
            blob = blob.replace(
                b"</Types>",
                b'<Override PartName="/xl/macrosheets/sheet1.xml" '
                b'ContentType="application/vnd.ms-excel.macrosheet+xml"/></Types>',
            )
        elif name == "xl/_rels/workbook.xml.rels":
            blob = blob.replace(b"</Relationships>", b'<Relationship Id="rIdM1" Type="http://'
                                b'schemas.microsoft.com/office/2006/relationships/xlMacrosheet" '
                                b'Target="macrosheets/sheet1.xml"/></Relationships>')  # fmt: skip
        elif name == "xl/workbook.xml":
            blob = re.sub(
                rb"</(\w+:)?sheets>",
                lambda m: (
                    b'<sheet name="Macro1" sheetId="99" '
                    b'r:id="rIdM1" xmlns:r="http://schemas.openxmlformats.org/'
                    b'officeDocument/2006/relationships"/>' + m[0]
                ),
                blob,
                count=1,
            )
        return name, blob

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(rezip(data, edit))) as zin, zipfile.ZipFile(out, "w") as z:
        for info in zin.infolist():
            z.writestr(info, zin.read(info))
        z.writestr("xl/macrosheets/sheet1.xml", MACRO_SHEET)
    return out.getvalue()


def far_cell(data: bytes) -> bytes:
    """A stray value in XFD1048576 of the first sheet (the dimension left as it was)."""

    def edit(name: str, blob: bytes) -> tuple[str, bytes]:
        if name == "xl/worksheets/sheet1.xml":
            blob = blob.replace(
                b"</sheetData>",
                b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>',
            )
        return name, blob

    return rezip(data, edit)
