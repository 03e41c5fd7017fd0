"""An imported ICD-10-CM year of the same name as the shipped one: refused when partial,
said plainly when whole, and undone with `codesets remove`."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from icd10cm_release import fy2027_release
from typer.testing import CliRunner

from addin.cli import app
from addin.codesets import icd10cm, import_path, info, lookup
from addin.errors import CodeSetImportError

runner = CliRunner()
MAY_2026 = date(2026, 5, 1)


@pytest.fixture(scope="module")
def whole_fy2026(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped FY2026 codes without E11.A, in the CMS order-file layout, named FY2026."""
    order = fy2027_release(tmp_path_factory.getbasetemp() / "fy2027")["order"]
    target = tmp_path_factory.mktemp("fy2026") / "icd10cm_order_2026.txt"
    shutil.copy(order, target)
    return target


def test_whole_import_shadows_the_shipped_year_and_remove_goes_back(whole_fy2026: Path) -> None:
    result = import_path(whole_fy2026)
    assert (result.vintage, result.manifest["counts"]["codes"]) == ("FY2026", 98_185)
    gone = lookup("E11.A", on=MAY_2026)
    assert gone.status == "not_found"
    # never "not a code in FY2026; it is a code in FY2026"
    assert "it is a code in FY2026" not in gone.message
    assert "it is a code in the shipped FY2026 set, which your imported FY2026" in gone.message
    assert "claimbook codesets remove icd10cm FY2026" in gone.message
    shipped = next(r for r in info() if r["system"] == "icd10cm" and r["shipped"])
    assert shipped["note"].startswith("replaced by your imported FY2026")

    removed = runner.invoke(app, ["codesets", "remove", "icd10cm", "FY2026"])
    assert removed.exit_code == 0, removed.output
    icd10cm.reload()
    back = lookup("E11.A", on=MAY_2026)
    assert (back.status, back.vintage) == ("ok", "FY2026")
    rows = [r for r in info() if r["system"] == "icd10cm"]
    assert [(r["vintage"], r["shipped"], r["note"]) for r in rows] == [("FY2026", True, "")]
    again = runner.invoke(app, ["codesets", "remove", "icd10cm", "FY2026"])
    assert again.exit_code == 2 and "ships with Claimbook" in again.output


def test_a_cut_order_file_is_refused_where_the_numbering_breaks(
    whole_fy2026: Path, tmp_path: Path
) -> None:
    lines = whole_fy2026.read_text(encoding="utf-8").splitlines()
    cut = tmp_path / "icd10cm_order_2026.txt"
    cut.write_text("\n".join(lines[:500] + lines[40_000:]), encoding="utf-8")
    with pytest.raises(CodeSetImportError, match=r"line 501: order number 40001 follows 00500"):
        import_path(cut)
    head = tmp_path / "head" / "icd10cm_order_2026.txt"
    head.parent.mkdir()
    head.write_text("\n".join(lines[:5000]), encoding="utf-8")  # cut at the end
    with pytest.raises(CodeSetImportError, match="holds 5,000 ICD-10-CM codes") as caught:
        import_path(head)
    assert "Claimbook already has FY2026 complete" in str(caught.value)
    assert [r["vintage"] for r in info() if r["system"] == "icd10cm"] == ["FY2026"]


def test_the_fy2027_message_names_the_files_cms_and_the_cdc_publish() -> None:
    result = runner.invoke(app, ["lookup", "I10", "--on", "2026-11-03", "--json"])
    message = json.loads(result.output)["message"]
    assert "CMS: 2027-code-tables-tabular-index.zip" in message
    assert "icd10cm-table-and-index-2027.zip" in message
    assert "icd10cm-table-index-2027" not in message  # a name nobody publishes
