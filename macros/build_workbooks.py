"""Build workbooks/Claimbook.xlam (ribbon add-in) and workbooks/clinic-template.xlsm.

    python macros/build_workbooks.py              # write both files into workbooks/
    python macros/build_workbooks.py --check      # exit 1 when the committed files differ
    python macros/build_workbooks.py --import-vba # Windows + Excel: re-import macros/*.bas

Both start from files xlwings ships in its package: the add-in from the output of
``xlwings quickstart --addin --ribbon`` (quickstart_addin_ribbon.xlam), the template's VBA
project from ``xlwings quickstart`` (quickstart.xlsm, which references the xlwings add-in).
macros/*.bas are the source of truth for our modules: macros/vba_project.py writes them
into xlwings' VBA project (keeping its xlwings module or reference and the sheets'
document modules, dropping its sample module) without Excel and without p-code, so Office
compiles them from source on first open. ``--import-vba`` (Excel on Windows, "Trust access
to the VBA project object model" on) is the alternative that lets Excel itself import them.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import re
import sys
import zipfile
from pathlib import Path
from types import ModuleType
from xml.sax.saxutils import escape

REPO = Path(__file__).resolve().parents[1]
MACROS = REPO / "macros"
WORKBOOKS = REPO / "workbooks"
ADDIN = WORKBOOKS / "Claimbook.xlam"
TEMPLATE = WORKBOOKS / "clinic-template.xlsm"
# which .bas goes into which workbook (one module per workbook it serves)
BAS_FOR = {ADDIN.name: "ClaimbookRibbon.bas", TEMPLATE.name: "ClinicTemplate.bas"}
# xlwings' sample module in each shipped project, which ours replaces
SAMPLE_FOR = {ADDIN.name: "RibbonMyAddin", TEMPLATE.name: "Module1"}
UDF_MODULES = "addin.excel.udfs"
STAMP = (2026, 1, 1, 0, 0, 0)

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
VBA_REL = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
UI_REL = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
WORKSHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
DRAWING_CT = "application/vnd.openxmlformats-officedocument.drawing+xml"
VBA_CT = "application/vnd.ms-office.vbaProject"
XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"

# (label, macro in ClinicTemplate.bas) for the buttons on the Instructions sheet
BUTTONS = (
    ("Check encounters", "CheckEncounters"),
    ("Suggest codes", "SuggestMissingCodes"),
    ("Build claims", "BuildClaims"),
    ("Import remittance", "ImportRemittance"),
    ("Import acknowledgments", "ImportAcknowledgments"),
    ("Reconcile", "Reconcile"),
    ("Bill secondary", "BillSecondary"),
    ("Match deposits", "MatchDeposits"),
    ("Patient statements", "PatientStatements"),
)


def xlwings_file(name: str) -> Path:
    """A file from the installed xlwings package (its quickstart templates)."""
    import xlwings

    return Path(xlwings.__file__).resolve().parent / name


def vba_project() -> ModuleType:
    """macros/vba_project.py (a sibling script, not a package module)."""
    spec = importlib.util.spec_from_file_location("vba_project", MACROS / "vba_project.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def our_vba(shipped: bytes, workbook: str, sheets: list[str] | None = None) -> bytes:
    """xlwings' vbaProject.bin with our module for ``workbook`` instead of its sample, and a
    document module for each further sheet code name in ``sheets``."""
    source = (MACROS / BAS_FOR[workbook]).read_text(encoding="utf-8")
    result: bytes = vba_project().with_modules(
        shipped, [source], drop=[SAMPLE_FOR[workbook]], sheets=sheets or []
    )
    return result


def read_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def write_parts(parts: dict[str, bytes], target: Path) -> Path:
    """A zip package with pinned timestamps, [Content_Types].xml first, so rebuilds match."""
    order = ["[Content_Types].xml", "_rels/.rels"]
    names = [n for n in order if n in parts] + sorted(n for n in parts if n not in order)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name in names:
            info = zipfile.ZipInfo(name, STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, parts[name])
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(buffer.getvalue())
    return target


def _text(parts: dict[str, bytes], name: str) -> str:
    return parts[name].decode("utf-8")


def _rel_id(rels: str) -> str:
    taken = {int(n) for n in re.findall(r'Id="rId(\d+)"', rels)}
    return f"rId{max(taken, default=0) + 1}"


def _add_rel(parts: dict[str, bytes], rels_name: str, rel_type: str, target: str) -> str:
    rels = _text(parts, rels_name)
    rid = _rel_id(rels)
    rel = f'<Relationship Id="{rid}" Type="{rel_type}" Target="{target}"/>'
    parts[rels_name] = rels.replace("</Relationships>", rel + "</Relationships>").encode()
    return rid


def _add_override(parts: dict[str, bytes], part: str, content_type: str) -> None:
    ct = _text(parts, "[Content_Types].xml")
    entry = f'<Override PartName="/{part}" ContentType="{content_type}"/>'
    parts["[Content_Types].xml"] = ct.replace("</Types>", entry + "</Types>").encode()


# -- the ribbon add-in ---------------------------------------------------------------------


def build_addin(target: Path = ADDIN) -> Path:
    """quickstart_addin_ribbon.xlam with Claimbook's ribbon (macros/customUI.xml)."""
    parts = read_parts(xlwings_file("quickstart_addin_ribbon.xlam"))
    rels = _text(parts, "_rels/.rels")
    found = re.search(rf'Type="{re.escape(UI_REL)}" Target="/?([^"]+)"', rels)
    if found is None:
        raise SystemExit("xlwings' ribbon add-in has no customUI part; check the xlwings version")
    parts[found.group(1)] = (MACROS / "customUI.xml").read_bytes()
    core = _text(parts, "docProps/core.xml")
    core = re.sub(r"<dc:title>[^<]*</dc:title>", "", core)
    core = core.replace(
        "</cp:coreProperties>", "<dc:title>Claimbook</dc:title></cp:coreProperties>"
    )
    parts["docProps/core.xml"] = core.encode()
    parts["xl/vbaProject.bin"] = our_vba(parts["xl/vbaProject.bin"], ADDIN.name)
    return write_parts(parts, target)


# -- the clinic template -------------------------------------------------------------------


def _sheets(parts: dict[str, bytes]) -> list[tuple[str, str]]:
    """(sheet name, part name) in workbook order."""
    workbook = _text(parts, "xl/workbook.xml")
    rels = _text(parts, "xl/_rels/workbook.xml.rels")
    targets = {
        rid: target.lstrip("/")
        for target, rid in re.findall(r'Target="([^"]+)" Id="(rId\d+)"', rels)
    }
    targets.update(
        {
            rid: target.lstrip("/")
            for rid, target in re.findall(r'Id="(rId\d+)"[^>]*Target="([^"]+)"', rels)
        }
    )
    found = []
    for name, rid in re.findall(r'<sheet name="([^"]+)"[^>]*r:id="(rId\d+)"', workbook):
        target = targets[rid]
        found.append((name, target if target.startswith("xl/") else f"xl/{target}"))
    return found


def _code_name(sheet_xml: str, code_name: str) -> str:
    """Give a sheet the code name the VBA project's document module for it has."""
    if re.search(r"<sheetPr\b[^>]*codeName=", sheet_xml):
        return sheet_xml
    if "<sheetPr/>" in sheet_xml or "<sheetPr />" in sheet_xml:
        return re.sub(r"<sheetPr\s*/>", f'<sheetPr codeName="{code_name}"/>', sheet_xml, count=1)
    if "<sheetPr" in sheet_xml:
        return sheet_xml.replace("<sheetPr", f'<sheetPr codeName="{code_name}"', 1)
    head = re.search(r"<worksheet\b[^>]*>", sheet_xml)
    assert head is not None
    return sheet_xml[: head.end()] + f'<sheetPr codeName="{code_name}"/>' + sheet_xml[head.end() :]


def _conf_sheet() -> str:
    """xlwings.conf: settings from A1 down, read by the xlwings add-in (UDF Modules, ...)."""
    rows = [("UDF Modules", UDF_MODULES)]
    cells = "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{escape(k)}</t></is></c>'
        f'<c r="B{r}" t="inlineStr"><is><t>{escape(v)}</t></is></c></row>'
        for r, (k, v) in enumerate(rows, start=1)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN_NS}" '
        f'xmlns:r="{DOC_REL}"><sheetPr codeName="Sheet2"/><cols><col min="1" max="1" '
        f'width="18" customWidth="1"/><col min="2" max="2" width="24" customWidth="1"/></cols>'
        f"<sheetData>{cells}</sheetData></worksheet>"
    )


def _button(index: int, label: str, macro: str) -> str:
    """A rounded rectangle that runs ``macro`` when clicked (DrawingML's macro attribute)."""
    top = 1 + index * 3
    return (
        f'<xdr:twoCellAnchor editAs="absolute"><xdr:from><xdr:col>3</xdr:col><xdr:colOff>0'
        f"</xdr:colOff><xdr:row>{top}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to>"
        f"<xdr:col>6</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{top + 2}</xdr:row>"
        f'<xdr:rowOff>0</xdr:rowOff></xdr:to><xdr:sp macro="[0]!{macro}" textlink="">'
        f'<xdr:nvSpPr><xdr:cNvPr id="{index + 2}" name="Claimbook {escape(label)}"/>'
        f'<xdr:cNvSpPr/></xdr:nvSpPr><xdr:spPr><a:prstGeom prst="roundRect"><a:avLst/>'
        f'</a:prstGeom><a:solidFill><a:srgbClr val="1F4E78"/></a:solidFill></xdr:spPr>'
        f'<xdr:txBody><a:bodyPr vertOverflow="clip" rtlCol="0" anchor="ctr"/><a:lstStyle/>'
        f'<a:p><a:pPr algn="ctr"/><a:r><a:rPr lang="en-US" sz="1200" b="1"><a:solidFill>'
        f'<a:srgbClr val="FFFFFF"/></a:solidFill></a:rPr><a:t>{escape(label)}</a:t></a:r></a:p>'
        f"</xdr:txBody></xdr:sp><xdr:clientData/></xdr:twoCellAnchor>"
    )


def _drawing() -> str:
    shapes = "".join(_button(i, label, macro) for i, (label, macro) in enumerate(BUTTONS))
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<xdr:wsDr xmlns:xdr="{XDR}" '
        f'xmlns:a="{A_NS}">{shapes}</xdr:wsDr>'
    )


_AFTER_DRAWING = ("legacyDrawing", "legacyDrawingHF", "picture", "oleObjects", "controls",
                  "webPublishItems", "tableParts", "extLst")  # fmt: skip


def _with_drawing(sheet_xml: str, rid: str) -> str:
    """Insert <drawing r:id> where the schema puts it (before legacyDrawing ... extLst)."""
    if f'xmlns:r="{DOC_REL}"' not in sheet_xml:
        sheet_xml = re.sub(r"<worksheet\b", f'<worksheet xmlns:r="{DOC_REL}"', sheet_xml, count=1)
    element = f'<drawing r:id="{rid}"/>'
    for name in _AFTER_DRAWING:
        found = re.search(rf"<{name}\b", sheet_xml)
        if found:
            return sheet_xml[: found.start()] + element + sheet_xml[found.start() :]
    return sheet_xml.replace("</worksheet>", element + "</worksheet>")


def build_template(target: Path = TEMPLATE) -> Path:
    """The clinic template (addin.sheets.template) as .xlsm: xlwings' VBA project with our
    module, buttons on the Instructions sheet, and an xlwings.conf sheet naming the UDF
    module."""
    import tempfile

    from addin.sheets.template import build_workbook

    with tempfile.TemporaryDirectory() as tmp:
        parts = read_parts(build_workbook(Path(tmp) / "template.xlsx"))
    sheets = _sheets(parts)
    # the VBA project has document modules ThisWorkbook, Sheet1 (the first sheet) and Sheet2
    # (xlwings.conf); the other sheets get Sheet3, Sheet4, ... and a document module each
    code_names = ["Sheet1", *(f"Sheet{n}" for n in range(3, len(sheets) + 2))]
    shipped = read_parts(xlwings_file("quickstart.xlsm"))["xl/vbaProject.bin"]
    vba = our_vba(shipped, TEMPLATE.name, sheets=code_names[1:])
    ct = _text(parts, "[Content_Types].xml").replace(XLSX_MAIN, XLSM_MAIN)
    parts["[Content_Types].xml"] = ct.encode()
    parts["xl/vbaProject.bin"] = vba
    _add_override(parts, "xl/vbaProject.bin", VBA_CT)
    _add_rel(parts, "xl/_rels/workbook.xml.rels", VBA_REL, "vbaProject.bin")
    workbook = _text(parts, "xl/workbook.xml")
    workbook = re.sub(r"<workbookPr\s*/>", '<workbookPr codeName="ThisWorkbook"/>', workbook)
    conf_part = f"xl/worksheets/sheet{len(sheets) + 1}.xml"
    parts[conf_part] = _conf_sheet().encode()
    _add_override(parts, conf_part, WORKSHEET_CT)
    rid = _add_rel(parts, "xl/_rels/workbook.xml.rels", f"{DOC_REL}/worksheet", f"/{conf_part}")
    next_id = len(sheets) + 1
    entry = f'<sheet name="xlwings.conf" sheetId="{next_id}" state="visible" r:id="{rid}" />'
    parts["xl/workbook.xml"] = workbook.replace("</sheets>", entry + "</sheets>").encode()
    for (_, part), code_name in zip(sheets, code_names, strict=True):
        parts[part] = _code_name(_text(parts, part), code_name).encode()
    # buttons on the first sheet (Instructions)
    first = sheets[0][1]
    parts["xl/drawings/drawing1.xml"] = _drawing().encode()
    _add_override(parts, "xl/drawings/drawing1.xml", DRAWING_CT)
    rels_name = first.replace("worksheets/", "worksheets/_rels/") + ".rels"
    if rels_name not in parts:
        parts[rels_name] = (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b"</Relationships>"
        )
    drawing_rid = _add_rel(parts, rels_name, f"{DOC_REL}/drawing", "../drawings/drawing1.xml")
    parts[first] = _with_drawing(_text(parts, first), drawing_rid).encode()
    return write_parts(parts, target)


# -- VBA import on a machine with Excel ----------------------------------------------------


def import_vba(path: Path) -> None:  # pragma: no cover - needs Excel on Windows
    """Replace the module of ``path`` with its macros/*.bas (Excel on Windows, with "Trust
    access to the VBA project object model" on), then save."""
    import tempfile

    import xlwings as xw

    source = MACROS / BAS_FOR[path.name]
    with tempfile.TemporaryDirectory() as tmp:
        crlf = Path(tmp) / source.name  # the VBA editor imports CRLF text
        crlf.write_bytes(source.read_text(encoding="utf-8").replace("\n", "\r\n").encode("cp1252"))
        app = xw.App(visible=False)
        try:
            book = app.books.open(str(path))
            project = book.api.VBProject
            name = re.search(r'Attribute VB_Name = "([^"]+)"', source.read_text()).group(1)
            for component in list(project.VBComponents):
                if component.Name in (name, "Module1", "RibbonMyAddin"):
                    project.VBComponents.Remove(component)
            project.VBComponents.Import(str(crlf))
            book.save()
            book.close()
        finally:
            app.quit()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed files")
    parser.add_argument("--import-vba", action="store_true", help="Windows + Excel only")
    args = parser.parse_args(argv)
    if args.check:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            stale = [
                committed.name
                for build, committed in ((build_addin, ADDIN), (build_template, TEMPLATE))
                if not committed.is_file()
                or build(Path(tmp) / committed.name).read_bytes() != committed.read_bytes()
            ]
        if stale:
            print(f"out of date: {', '.join(stale)}; run python macros/build_workbooks.py")
            return 1
        print("workbooks are up to date")
        return 0
    for built in (build_addin(), build_template()):
        print(f"wrote {built.relative_to(REPO)}")
        if args.import_vba:
            import_vba(built)
            print(f"imported {BAS_FOR[built.name]} into {built.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
