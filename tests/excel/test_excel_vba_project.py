"""The VBA projects macros/vba_project.py writes, read back by independent tools (oletools,
olefile, LibreOffice): our .bas modules are inside, xlwings' code and the sheets' are kept."""

from __future__ import annotations

import importlib.util
import random
import re
import shutil
import subprocess
import warnings
import zipfile
from pathlib import Path
from types import ModuleType

import olefile
import pytest

with warnings.catch_warnings():  # oletools 0.60 calls pyparsing names pyparsing 3.3 deprecates
    warnings.simplefilter("ignore", DeprecationWarning)
    from oletools.olevba import VBA_Parser, decompress_stream

REPO = Path(__file__).resolve().parents[2]
MACROS = REPO / "macros"
ADDIN = REPO / "workbooks" / "Claimbook.xlam"
TEMPLATE = REPO / "workbooks" / "clinic-template.xlsm"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, MACROS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def shipped(name: str) -> Path:
    import xlwings

    return Path(xlwings.__file__).resolve().parent / name


def modules(path: Path) -> dict[str, str]:
    """Module name -> source, as oletools extracts it from a workbook."""
    parser = VBA_Parser(str(path))
    try:
        return {stream.split("/")[-1]: code for _, stream, _, code in parser.extract_macros()}
    finally:
        parser.close()


def code_names(workbook: Path) -> set[str]:
    """The codeName of the workbook and of each sheet (workbook.xml, sheet parts)."""
    with zipfile.ZipFile(workbook) as z:
        xml = "".join(
            z.read(n).decode() for n in z.namelist() if re.match(r"xl/(workbook|worksheets/)", n)
        )
    return set(re.findall(r'codeName="(\w+)"', xml))


def crlf(bas: str) -> str:
    return (MACROS / bas).read_text(encoding="utf-8").replace("\n", "\r\n")


def vba_bin(workbook: Path) -> bytes:
    with zipfile.ZipFile(workbook) as z:
        return z.read("xl/vbaProject.bin")


def test_compression_round_trips_through_oletools() -> None:
    vba = load("vba_project")
    rng = random.Random(8)
    samples = [
        b"",
        b"A",
        crlf("ClinicTemplate.bas").encode("cp1252") * 9,  # several chunks
        bytes(rng.choice(b"Sub End ()\r\n'x") for _ in range(10_000)),
        bytes(rng.randrange(256) for _ in range(8192)),  # incompressible: raw chunks
    ]
    for data in samples:
        packed = vba.compress(data)
        assert bytes(decompress_stream(bytearray(packed))) == data
        assert vba.decompress(packed) == data
    with olefile.OleFileIO(vba_bin(shipped("quickstart_addin_ribbon.xlam"))) as ole:
        dir_stream = ole.openstream("VBA/dir").read()
    assert vba.decompress(dir_stream) == bytes(decompress_stream(bytearray(dir_stream)))
    with pytest.raises(ValueError, match="signature"):
        vba.decompress(b"\x00abc")


def test_addin_holds_our_ribbon_module_and_xlwings() -> None:
    ours = modules(ADDIN)
    theirs = modules(shipped("quickstart_addin_ribbon.xlam"))
    assert ours["RibbonClaimbook"] == crlf("ClaimbookRibbon.bas")
    assert "RibbonMyAddin" in theirs and "RibbonMyAddin" not in ours  # sample replaced
    assert "Function RunPython" in ours["xlwings"]
    for kept in ("xlwings", "Dictionary", "ThisWorkbook", "Sheet2"):
        assert ours[kept] == theirs[kept], kept
    assert set(ours) == set(theirs) - {"RibbonMyAddin"} | {"RibbonClaimbook"}


def test_template_holds_our_module_and_the_xlwings_reference() -> None:
    ours = modules(TEMPLATE)
    theirs = modules(shipped("quickstart.xlsm"))
    assert ours["Claimbook"] == crlf("ClinicTemplate.bas")
    assert set(theirs) == {"ThisWorkbook", "Sheet1", "Sheet2", "Module1"}
    assert set(ours) == code_names(TEMPLATE) | {"Claimbook"}  # a document module per sheet
    for kept in ("ThisWorkbook", "Sheet1", "Sheet2"):
        assert ours[kept] == theirs[kept], kept
    for name in code_names(TEMPLATE) - {"ThisWorkbook", "Sheet1", "Sheet2"}:
        assert ours[name] == theirs["Sheet1"].replace('"Sheet1"', f'"{name}"'), name
    with olefile.OleFileIO(vba_bin(TEMPLATE)) as ole:
        records = bytes(decompress_stream(bytearray(ole.openstream("VBA/dir").read())))
    assert b"xlwings.xlam" in records  # RunPython comes from the referenced xlwings add-in


@pytest.mark.parametrize("workbook", [ADDIN, TEMPLATE], ids=["xlam", "xlsm"])
def test_projects_have_no_pcode_so_office_compiles_the_source(workbook: Path) -> None:
    with olefile.OleFileIO(vba_bin(workbook)) as ole:
        assert ole.openstream("VBA/_VBA_PROJECT").read() == b"\xcc\x61\xff\xff\x00\x01\x00"
        project = ole.openstream("PROJECT").read().decode("cp1252")
        names = ole.openstream("PROJECTwm").read()
        for name, code in modules(workbook).items():  # source from byte 0: no p-code before it
            stream = ole.openstream(f"VBA/{name}").read()
            assert bytes(decompress_stream(bytearray(stream))).decode("cp1252") == code
    listed = re.findall(r"^(?:Document|Module|Class)=([^/\r]+)", project, re.MULTILINE)
    assert sorted(listed) == sorted(modules(workbook))
    for name in listed:
        assert name.encode() + b"\0" + name.encode("utf-16-le") + b"\0\0" in names


@pytest.mark.parametrize("workbook", [ADDIN, TEMPLATE], ids=["xlam", "xlsm"])
def test_compound_file_directory_is_a_valid_red_black_search_tree(workbook: Path) -> None:
    """Excel finds "VBA" and "dir" by walking each storage's tree (MS-CFB 2.6.4), which
    olefile's listing does not need: check the order and the colouring here."""
    RED, BLACK = 0, 1  # MS-CFB 2.6.1 ColorFlag
    ole = olefile.OleFileIO(vba_bin(workbook), raise_defects=olefile.DEFECT_INCORRECT)
    entries = ole.direntries

    def walk(sid: int) -> tuple[list[str], int]:
        """(names in order, black height) of the subtree at sid."""
        if sid == olefile.NOSTREAM:
            return [], 1
        node = entries[sid]
        left, left_height = walk(node.sid_left)
        right, right_height = walk(node.sid_right)
        assert left_height == right_height, f"{node.name}: unequal black heights"
        if node.color == RED:
            for child in (node.sid_left, node.sid_right):
                assert child == olefile.NOSTREAM or entries[child].color == BLACK
        return [*left, node.name, *right], left_height + (node.color == BLACK)

    storages = [e for e in entries if e is not None and e.entry_type in (1, 5)]
    assert {e.name for e in storages} == {"Root Entry", "VBA"}
    for storage in storages:
        names, _ = walk(storage.sid_child)
        assert entries[storage.sid_child].color == BLACK
        assert names == sorted(names, key=lambda n: (len(n), n.upper())), storage.name
    assert {"dir", "_VBA_PROJECT"} <= set(walk(storages[1].sid_child)[0])
    ole.close()


def test_document_modules_match_the_sheets_code_names() -> None:
    with olefile.OleFileIO(vba_bin(TEMPLATE)) as project:
        text = project.openstream("PROJECT").read().decode("cp1252")
    documents = set(re.findall(r"^Document=(\w+)/", text, re.MULTILINE))
    with zipfile.ZipFile(TEMPLATE) as z:
        sheets = len(re.findall(r"<sheet ", z.read("xl/workbook.xml").decode()))
    assert documents == code_names(TEMPLATE)
    assert len(documents) == sheets + 1  # every sheet and the workbook


def test_a_module_that_is_already_there_is_refused() -> None:
    vba = load("vba_project")
    project = vba_bin(shipped("quickstart.xlsm"))
    with pytest.raises(ValueError, match="already has a module Module1"):
        vba.with_modules(project, ['Attribute VB_Name = "Module1"\nSub X()\nEnd Sub\n'])
    with pytest.raises(ValueError, match="VB_Name"):
        vba.with_modules(project, ["Sub X()\nEnd Sub\n"])


def _fods(soffice: str, book: Path, tmp_path: Path) -> str:
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
         "--convert-to", "fods", "--outdir", str(tmp_path), str(book)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    return (tmp_path / f"{book.stem}.fods").read_text(encoding="utf-8")


@pytest.mark.libreoffice
def test_libreoffice_binds_the_buttons_to_our_macros(tmp_path: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed; `make sysdeps` installs it")
    shutil.copy(TEMPLATE, tmp_path / "clinic.xlsm")
    flat = _fods(soffice, tmp_path / "clinic.xlsm", tmp_path)
    listed = set(re.findall(r'ooo:module ooo:name="(\w+)"', flat))
    assert listed == code_names(TEMPLATE) | {"Claimbook"}
    bound = re.findall(r"vnd\.sun\.star\.script:VBAProject\.Claimbook\.(\w+)\?", flat)
    assert bound == [macro for _, macro in load("build_workbooks").BUTTONS]
    assert len(bound) == 9
    # LibreOffice opens no .xlam: the add-in's project goes into a copy of the template
    swapped = tmp_path / "addin-project.xlsm"
    with zipfile.ZipFile(TEMPLATE) as z, zipfile.ZipFile(swapped, "w") as out:
        for name in z.namelist():
            data = vba_bin(ADDIN) if name == "xl/vbaProject.bin" else z.read(name)
            out.writestr(name, data)
    flat = _fods(soffice, swapped, tmp_path)
    assert {"RibbonClaimbook", "xlwings"} <= set(re.findall(r'ooo:module ooo:name="(\w+)"', flat))
    for action in ("CB_CheckEncounters", "CB_BuildClaims", "CB_Reconcile"):
        assert f"Sub {action}(control As IRibbonControl)" in flat
