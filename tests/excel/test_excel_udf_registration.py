"""What Windows xlwings would register: run its real decorators over addin/excel/udfs.py.

On Linux xlwings' decorators are pass-throughs and ``xlwings.udfs`` needs pywin32, so the
COM modules are stubbed (they are Excel's side, not ours) and the module is loaded afresh
with ``xlwings.func``/``xlwings.arg`` set to the Windows implementations.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path
from typing import Any

import pytest

UDFS_PATH = Path(__file__).resolve().parents[2] / "addin" / "excel" / "udfs.py"


@pytest.fixture
def windows_udfs(monkeypatch: pytest.MonkeyPatch) -> Any:
    client = types.ModuleType("win32com.client")
    client.Dispatch = lambda *a, **k: None  # type: ignore[attr-defined]
    win32com = types.ModuleType("win32com")
    win32com.client = client  # type: ignore[attr-defined]
    pythoncom = types.ModuleType("pythoncom")
    pythoncom.CoInitialize = lambda: None  # type: ignore[attr-defined]
    for name, module in {
        "pythoncom": pythoncom,
        "pywintypes": types.ModuleType("pywintypes"),
        "win32com": win32com,
        "win32com.client": client,
    }.items():
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.delitem(sys.modules, "xlwings.udfs", raising=False)
    import xlwings

    xl_udfs = importlib.import_module("xlwings.udfs")
    monkeypatch.setattr(xlwings, "func", xl_udfs.xlfunc)
    monkeypatch.setattr(xlwings, "arg", xl_udfs.xlarg)
    spec = importlib.util.spec_from_file_location("claimbook_udfs_on_windows", UDFS_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("xlwings.udfs", None)
    xl_udfs.com_executor.shutdown(wait=False)


def test_every_udf_registers_with_docs_and_known_converters(windows_udfs: Any) -> None:
    from xlwings.conversion import accessors

    names = [f.__name__ for f in windows_udfs.UDFS]
    assert names == [
        "CB_SUGGEST",
        "CB_DESCRIBE",
        "CB_VALID",
        "CB_BILLABLE",
        "CB_NPI_VALID",
        "CB_EXPECTED",
        "CB_NCCI",
    ]
    for udf in windows_udfs.UDFS:
        meta = udf.__xlfunc__
        assert meta["category"] == "Claimbook"
        assert meta["ret"]["doc"] and not meta["ret"]["doc"].startswith("Python function")
        for argument in meta["args"]:
            # xlwings builds a converter from the type hint; it must be one it knows
            assert argument["options"]["convert"] in accessors, (udf.__name__, argument["name"])
            assert not argument["doc"].startswith("Positional argument"), argument["name"]
            assert len(argument["doc"]) <= 255  # Excel's limit for argument help


def test_optional_arguments_and_ranges(windows_udfs: Any) -> None:
    valid = windows_udfs.CB_VALID.__xlfunc__["args"]
    assert [(a["name"], "optional" in a) for a in valid] == [
        ("code", False),
        ("dos", True),
        ("sex", True),
        ("age", True),
    ]
    expected = {a["name"]: a for a in windows_udfs.CB_EXPECTED.__xlfunc__["args"]}
    assert expected["contracts"]["options"]["ndim"] == 2  # a one-row range stays 2-D
    # the decorated functions still answer like the plain ones
    assert windows_udfs.CB_VALID("E11.9") is True
    assert windows_udfs.CB_BILLABLE("E11") is False


# VBA's reserved words: a UDF argument with one of these names breaks the whole generated
# module ("Expected: identifier"), so no function would work.
VBA_KEYWORDS = set(
    """and as boolean byref byte byval call case class const currency date debug declare dim
    do double each else elseif empty end enum eqv erase error event exit false for friend
    function get global gosub goto if imp implements in integer is let like long loop lset me
    mod new next not nothing null object on optional or paramarray preserve print private
    public raiseevent redim rem resume return rset select set single static step stop string
    sub then to true type typeof until variant wend while with xor""".split()
)


def test_generated_vba_wrappers_compile_names(windows_udfs: Any) -> None:
    """Run xlwings' own VBA generator ("Import Functions") over the module."""
    import io
    import re
    import types

    import xlwings.udfs as xl_udfs

    out = io.StringIO()
    workbook = types.SimpleNamespace(Name="clinic-template.xlsm")
    xl_udfs.generate_vba_wrapper("addin.excel.udfs", windows_udfs, out, workbook)
    vba = out.getvalue()
    signatures = re.findall(r"^Function (\w+)\(([^)]*)\)", vba, re.MULTILINE)
    assert dict(signatures) == {
        "CB_BILLABLE": "code",
        "CB_DESCRIBE": "code, Optional dos",
        "CB_EXPECTED": "payer, code, Optional modifier, Optional contracts",
        "CB_NCCI": "code1, code2, Optional dos",
        "CB_NPI_VALID": "npi",
        "CB_SUGGEST": "text, Optional system, Optional top, Optional dos",
        "CB_VALID": "code, Optional dos, Optional sex, Optional age",
    }
    for name, params in signatures:
        for param in re.findall(r"\w+", params.replace("Optional", "")):
            assert param.lower() not in VBA_KEYWORDS, f"{name}: {param} is a VBA keyword"
            assert re.fullmatch(r"[A-Za-z]\w{0,254}", param)
    assert 'XLPy.CallUDF("addin.excel.udfs", "CB_VALID"' in vba
