"""macros/*.bas, the ribbon and the two built workbooks agree with each other and the code."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from addin.sheets import read_book, write_tables
from addin.sheets.template import build_workbook

REPO = Path(__file__).resolve().parents[2]
MACROS = REPO / "macros"
ADDIN = REPO / "workbooks" / "Claimbook.xlam"
TEMPLATE = REPO / "workbooks" / "clinic-template.xlsm"
BAS = sorted(MACROS.glob("*.bas"))
RUNPYTHON = re.compile(r'RunPython\s+"import ([\w.]+) as (\w+);\s*\2\.(\w+)\(([^"]*)"')


def build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_workbooks", MACROS / "build_workbooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def subs(bas: Path) -> dict[str, str]:
    """Sub name -> its parameter list, for every Sub in a module."""
    text = bas.read_text(encoding="utf-8")
    return dict(re.findall(r"^(?:Public |Private )?Sub (\w+)\(([^)]*)\)", text, re.MULTILINE))


def test_every_runpython_call_names_a_python_function_that_exists() -> None:
    assert [b.name for b in BAS] == ["ClaimbookRibbon.bas", "ClinicTemplate.bas"]
    seen: set[str] = set()
    for bas in BAS:
        code = [
            ln
            for ln in bas.read_text(encoding="utf-8").splitlines()
            if not ln.lstrip().startswith("'")
        ]
        text = "\n".join(code)
        calls = RUNPYTHON.findall(text)
        assert len(calls) == text.count("RunPython "), (
            f"{bas.name}: a RunPython call we cannot read"
        )
        for module_name, _, function, arguments in calls:
            module = importlib.import_module(module_name)
            target: Any = getattr(module, function, None)
            assert callable(target), f"{bas.name}: {module_name}.{function} does not exist"
            given = 1 if arguments.strip(" )") else 0
            # the call binds: positional arguments fit the function's signature
            inspect.signature(target).bind(*(["x"] * given))
            seen.add(function)
    from addin.excel.macros import BUTTONS

    assert seen == {f.__name__ for f in BUTTONS}  # every button is reachable from both


def test_ribbon_callbacks_exist_in_the_ribbon_module() -> None:
    ui = (MACROS / "customUI.xml").read_text(encoding="utf-8")
    actions = re.findall(r'onAction="([^"]+)"', ui)
    assert len(actions) == 6
    callbacks = subs(MACROS / "ClaimbookRibbon.bas")
    for action in actions:
        assert callbacks.get(action) == "control As IRibbonControl", action


def test_template_buttons_run_macros_of_the_template_module() -> None:
    with zipfile.ZipFile(TEMPLATE) as z:
        drawing = z.read("xl/drawings/drawing1.xml").decode()
    macros = re.findall(r'macro="\[0\]!(\w+)"', drawing)
    labels = re.findall(r"<a:t>([^<]+)</a:t>", drawing)
    assert labels == [
        "Check encounters",
        "Suggest codes",
        "Build claims",
        "Import remittance",
        "Import acknowledgments",
        "Reconcile",
        "Bill secondary",
        "Match deposits",
        "Patient statements",
    ]
    template_subs = subs(MACROS / "ClinicTemplate.bas")
    assert macros and all(template_subs.get(m) == "" for m in macros), macros


def test_workbooks_hold_the_vba_project_and_the_ribbon() -> None:
    # which modules the projects hold: tests/excel/test_excel_vba_project.py (oletools)
    with zipfile.ZipFile(ADDIN) as z:
        assert z.read("xl/vbaProject.bin").startswith(bytes.fromhex("D0CF11E0A1B11AE1"))
        assert "vbaProject.bin" in z.read("xl/_rels/workbook.xml.rels").decode()
        rels = z.read("_rels/.rels").decode()
        target = re.search(r'ui/extensibility" Target="/?([^"]+)"', rels)
        assert target is not None
        assert z.read(target.group(1)) == (MACROS / "customUI.xml").read_bytes()
        types = z.read("[Content_Types].xml").decode()
        assert "application/vnd.ms-excel.addin.macroEnabled.main+xml" in types
    with zipfile.ZipFile(TEMPLATE) as z:
        assert z.read("xl/vbaProject.bin").startswith(bytes.fromhex("D0CF11E0A1B11AE1"))
        assert "vbaProject.bin" in z.read("xl/_rels/workbook.xml.rels").decode()
        types = z.read("[Content_Types].xml").decode()
        assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in types
        assert "application/vnd.ms-office.vbaProject" in types
        assert 'codeName="ThisWorkbook"' in z.read("xl/workbook.xml").decode()


def test_committed_workbooks_are_what_the_script_builds(tmp_path: Path) -> None:
    script = build_script()
    stale = "out of date (the template or xlwings changed): run python macros/build_workbooks.py"
    assert script.build_addin(tmp_path / "a.xlam").read_bytes() == ADDIN.read_bytes(), stale
    assert script.build_template(tmp_path / "t.xlsm").read_bytes() == TEMPLATE.read_bytes(), stale
    assert script.main(["--check"]) == 0


def test_template_is_the_clinic_template_plus_udf_config(tmp_path: Path) -> None:
    import python_calamine as pc

    book = pc.CalamineWorkbook.from_path(str(TEMPLATE))
    plain = pc.CalamineWorkbook.from_path(str(build_workbook(tmp_path / "plain.xlsx")))
    assert book.sheet_names == [*plain.sheet_names, "xlwings.conf"]
    for name in plain.sheet_names:
        assert book.get_sheet_by_name(name).to_python() == plain.get_sheet_by_name(name).to_python()
    conf = book.get_sheet_by_name("xlwings.conf").to_python()
    assert conf[0][:2] == ["UDF Modules", "addin.excel.udfs"]
    importlib.import_module(conf[0][1])  # the module xlwings will import UDFs from


def test_template_takes_result_sheets_and_keeps_its_macros(tmp_path: Path) -> None:
    """Results written into a copy leave the VBA project and the buttons byte for byte."""
    copy = tmp_path / "clinic.xlsm"
    shutil.copy(TEMPLATE, copy)
    book = read_book(copy)
    assert book.encounters == [] and "Encounters" in book.headers
    from addin.models import Column, ResultTable

    table = ResultTable(sheet="Findings", columns=[Column(name="Message")], rows=[["ok"]])
    written = write_tables(copy, [table], out=tmp_path / "out.xlsm")
    with zipfile.ZipFile(copy) as a, zipfile.ZipFile(written) as b:
        for part in ("xl/vbaProject.bin", "xl/drawings/drawing1.xml"):
            assert a.read(part) == b.read(part)


@pytest.mark.libreoffice
def test_libreoffice_sees_the_buttons_and_the_vba_project(tmp_path: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed; `make sysdeps` installs it")
    shutil.copy(TEMPLATE, tmp_path / "clinic.xlsm")
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
         "--convert-to", "fods", "--outdir", str(tmp_path), str(tmp_path / "clinic.xlsm")],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    flat = (tmp_path / "clinic.fods").read_text(encoding="utf-8")
    for label in ("Check encounters", "Suggest codes", "Build claims", "Import remittance"):
        assert f'draw:name="Claimbook {label}"' in flat
    assert '<ooo:library-embedded ooo:name="VBAProject">' in flat
    assert "RunPython &quot;import addin.excel.macros as m; m.check_encounters()" in flat
    assert 'table:name="xlwings.conf"' in flat
