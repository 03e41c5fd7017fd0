"""The template workbooks: reproducible, well-formed, no patient data, and LibreOffice
recalculates their formulas to the right values and renders them to PDF."""

from __future__ import annotations

import csv
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from addin.coding.rules.fields import npi_problem
from addin.demo.data import contract_rate
from addin.demo.generate import generate
from addin.demo.workbook import build_demo_workbook
from addin.models import SETTINGS_KEYS
from addin.sheets import ENCOUNTER_HEADERS, RESULT_SHEETS, read_book
from addin.sheets.template import ENCOUNTER_COLUMNS, build_workbook

WORKBOOKS = Path(__file__).resolve().parents[2] / "workbooks"
TEMPLATE = WORKBOOKS / "claimbook_template.xlsx"
DEMO = WORKBOOKS / "claimbook_demo.xlsx"


def test_committed_templates_are_what_the_script_builds(tmp_path: Path) -> None:
    assert build_workbook(tmp_path / "t.xlsx").read_bytes() == TEMPLATE.read_bytes()
    assert build_demo_workbook(tmp_path / "d.xlsx").read_bytes() == DEMO.read_bytes()


def test_template_layout_dropdowns_and_no_patient_data() -> None:
    wb = openpyxl.load_workbook(TEMPLATE)
    assert wb.sheetnames == ["Instructions", "Encounters", "Settings", "Payers", "Fees",
                             "Contracts", "Rules", "Coverage", "Patient Payments", "Lists",
                             *RESULT_SHEETS]  # fmt: skip
    enc = wb["Encounters"]
    assert [c.value for c in enc[1]] == list(ENCOUNTER_COLUMNS)
    assert set(ENCOUNTER_COLUMNS) == set(ENCOUNTER_HEADERS) - {"Patient Name", "Subscriber Name"}
    assert list(enc.tables) == ["Encounters"]
    assert all(c.value is None for row in enc.iter_rows(min_row=2) for c in row)
    header = {c.value: c.column_letter for c in enc[1]}
    lists = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in enc.data_validations.dataValidation}
    assert lists[header["Patient Sex"] + "2"] == '"M,F,U"'
    assert lists[header["Relationship"] + "2"] == '"Self,Spouse,Child,Other"'
    assert lists[header["Place of Service"] + "2"] == "POSList"
    assert lists[header["Payer"] + "2"] == "PayerList"
    assert wb.defined_names["PayerList"].attr_text == "Payers!$A$2:$A$500"
    assert enc.column_dimensions[header["Patient ZIP"]].number_format == "@"
    assert [c.value for c in wb["Settings"]["A"][1:]] == list(SETTINGS_KEYS)
    rules = wb["Rules"]
    assert rules.max_row >= 3 and rules["A2"].value
    book = read_book(TEMPLATE)
    assert book.encounters == [] and not book.findings
    assert len(book.rules) >= 3 and [p.payer for p in book.payers] == [
        "Medicare",
        "Medicaid",
        "Aetna",
    ]


def test_demo_workbook_holds_the_generators_clinic() -> None:
    book = read_book(DEMO)
    demo = generate(200)
    seeded = {e.encounter_id for e in demo.encounters if e.mistake}
    assert len(book.encounters) == 200 and seeded
    # reading finds only the seeded mistakes (a ZIP Excel made a number of, a bad unit...)
    assert {f.encounter_id for f in book.findings if f.encounter_id} <= seeded
    zips = {e.patient.zip for e in book.encounters}
    assert any(z.startswith("0") for z in zips)  # leading zeros survived as text
    typed = {e.encounter_id: e for e in demo.encounters}
    for enc in book.encounters:
        if enc.encounter_id in seeded:
            continue
        assert all(npi_problem(line.rendering_npi or enc.rendering_npi) is None
                   for line in enc.lines)  # fmt: skip
        assert [ln.procedure_code for ln in enc.lines] == [
            ln.code for ln in typed[enc.encounter_id].lines]  # fmt: skip
    fees = {f.code: f.charge for f in book.fees}
    for enc in book.encounters:
        for line in enc.lines:
            if line.charge is not None and enc.encounter_id not in seeded:
                assert line.charge == fees[line.procedure_code] * line.units
    assert generate(3, seed=7).encounters[0].encounter_id == generate(3, seed=7).encounters[
        0].encounter_id  # fmt: skip


def _csv(folder: Path, stem: str, sheet: str) -> list[list[str]]:
    with open(folder / f"{stem}-{sheet}.csv", encoding="utf-8") as fh:
        return list(csv.reader(fh))


@pytest.mark.libreoffice
def test_libreoffice_recalculates_the_formulas(libreoffice: Any, tmp_path: Path) -> None:
    # a copy whose cached values lie: only a real recalculation gives the right answers
    stale = tmp_path / "stale.xlsx"
    with zipfile.ZipFile(DEMO) as src, zipfile.ZipFile(stale, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb"(<f>[^<]*</f>)(<v>[^<]*</v>)?", rb"\1<v>999</v>", data)
            dst.writestr(info, data)
    libreoffice.csv_all_sheets([TEMPLATE, DEMO, stale], tmp_path / "csv")
    book = read_book(DEMO)
    lines = sum(len(e.lines) for e in book.encounters)
    total = sum((e.total_charge for e in book.encounters), Decimal(0))
    expect = {
        "claimbook_template": {"Service lines entered": "0", "Total charges": "0",
                               "Payers configured": "3",
                               "Settings filled": f"0 of {len(SETTINGS_KEYS)}",
                               "Submission mode": "Test",
                               "Lines whose code is not on the Fees sheet": "0"},
        "claimbook_demo": {"Service lines entered": str(lines), "Total charges": f"{total:f}",
                           "Payers configured": "7",  # five primaries, two second plans
                           "Settings filled": f"{len(SETTINGS_KEYS)} of {len(SETTINGS_KEYS)}",
                           "Submission mode": "Test",
                           "Lines whose code is not on the Fees sheet": "0"},
    }  # fmt: skip
    expect["stale"] = expect["claimbook_demo"]
    for stem, values in expect.items():
        got = {
            row[0]: row[1] for row in _csv(tmp_path / "csv", stem, "Instructions") if len(row) > 1
        }
        got = {k: v.rstrip("0").rstrip(".") if k == "Total charges" and "." in v else v
               for k, v in got.items()}  # fmt: skip
        want = {k: v.rstrip("0").rstrip(".") if k == "Total charges" and "." in v else v
                for k, v in values.items()}  # fmt: skip
        assert {k: got.get(k) for k in want} == want, stem
    contracts = _csv(tmp_path / "csv", "claimbook_demo", "Contracts")
    share = {(r[0], r[1]): float(r[4].rstrip("%")) / 100 for r in contracts[1:]}
    from addin.demo.data import FEES, PAYERS

    granite = next(p for p in PAYERS if p.name == "Granite Health Insurance")
    medicare = next(p for p in PAYERS if p.name == "Medicare Part B")
    want = float(contract_rate(granite, "99213") / FEES["99213"][0])
    assert share[("Granite Health Insurance", "99213")] == pytest.approx(want, abs=0.001)
    want = float(contract_rate(medicare, "99214") / FEES["99214"][0])
    assert share[("Medicare Part B", "99214")] == pytest.approx(want, abs=0.001)


@pytest.mark.libreoffice
def test_templates_render_to_pdf(libreoffice: Any, tmp_path: Path) -> None:
    libreoffice.convert([TEMPLATE, DEMO], "pdf", tmp_path)
    for name in ("claimbook_template.pdf", "claimbook_demo.pdf"):
        pdf = (tmp_path / name).read_bytes()
        assert pdf.startswith(b"%PDF-")
        assert len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 2, name
