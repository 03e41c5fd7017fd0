"""write_tables: result sheets added/replaced surgically, saved atomically, text kept as text."""

from __future__ import annotations

import re
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import python_calamine as pc
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from addin.errors import OutputError
from addin.models import CellMark, ChartSpec, Column, ResultTable
from addin.sheets import default_output, read_book, write_tables

SEVERITY = Column(
    name="Severity",
    choices=["error", "warning", "info"],
    highlight={"error": "FFC7CE", "warning": "FFEB9C"},
)
FINDINGS = ResultTable(
    sheet="Findings",
    columns=[
        Column(name="Rule"),
        Column(name="Row", kind="int"),
        SEVERITY,
        Column(name="Charge", kind="money"),
        Column(name="DOS", kind="date"),
        Column(name="Code", kind="code"),
        Column(name="Share", kind="percent"),
    ],
    rows=[
        ['=HYPERLINK("http://x")', 5, "error", Decimal("12.50"), date(2026, 1, 5), "0001A", 0.5],
        ["+1-2", 6, "warning", None, None, "02134", None],
        ["@SUM(A1)", 7, "info", Decimal("-3.00"), date(1900, 3, 1), "99213", 1],
    ],
)


def _user_book(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Encounters"
    ws.append(["Encounter ID", "CPT", "ZIP", "DOS"])
    ws.append(["E1", "99213", "02134", date(2026, 1, 5)])
    ws.append(["E1", "36415", None, date(2026, 1, 5)])
    ws["F1"] = "=COUNTA(A:A)"
    wb.create_sheet("Notes")["A1"] = "keep me"
    wb.save(path)
    return path


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_new_sheet_leaves_every_other_part_identical(tmp_path: Path) -> None:
    src = _user_book(tmp_path / "clinic.xlsx")
    before = _parts(src)
    out = write_tables(src, [FINDINGS])
    assert out == tmp_path / "clinic.claimbook.xlsx" == default_output(src)
    after = _parts(out)
    assert _parts(src) == before  # the input is never touched
    changed = {n for n in before if before[n] != after[n]}
    assert changed <= {
        "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml", "xl/styles.xml"
    }  # fmt: skip
    for name in changed:  # only additions: the old text survives as a subsequence
        old, new = before[name].decode(), after[name].decode()
        assert _is_subsequence(old, new), name
    book = pc.CalamineWorkbook.from_path(str(out))
    assert book.sheet_names == ["Encounters", "Notes", "Findings"]
    rows = book.get_sheet_by_name("Findings").to_python()
    assert rows[0] == ["Rule", "Row", "Severity", "Charge", "DOS", "Code", "Share"]
    assert rows[1][:6] == ['=HYPERLINK("http://x")', 5, "error", 12.5, date(2026, 1, 5), "0001A"]
    assert rows[2][0] == "+1-2" and rows[2][5] == "02134"
    wb = openpyxl.load_workbook(out)
    ws = wb["Findings"]
    assert ws["A2"].data_type == "s" and ws["A2"].value == '=HYPERLINK("http://x")'
    assert ws["F3"].number_format == "@" and ws["F3"].value == "02134"
    assert "$" in ws["D2"].number_format and ws["E2"].is_date
    assert ws.freeze_panes == "A2"
    assert list(ws.tables) == ["cbFindings"] and ws.tables["cbFindings"].ref == "A1:G4"
    assert ws.data_validations.dataValidation[0].formula1 == '"error,warning,info"'
    (severity_rules,) = list(ws.conditional_formatting)
    # the whole column: rows appended later (registers) get the highlight too
    assert str(severity_rules.sqref) == "C2:C1048576"
    assert [r.formula for r in severity_rules.rules] == [['"error"'], ['"warning"']]
    assert ws.column_dimensions["A"].width > 10


def _is_subsequence(old: str, new: str) -> bool:
    """Every character of ``old`` appears in ``new`` in order (counts and styles aside)."""
    old = re.sub(r'(count|s)="\d+"', "", old)
    new = re.sub(r'(count|s)="\d+"', "", new)
    it = iter(new)
    return all(ch in it for ch in old)


def test_rerun_replaces_the_sheet_and_adds_nothing(tmp_path: Path) -> None:
    src = _user_book(tmp_path / "clinic.xlsx")
    first = write_tables(src, [FINDINGS])
    smaller = FINDINGS.model_copy(update={"rows": FINDINGS.rows[:1]})
    second = write_tables(first, [smaller], out=tmp_path / "again.xlsx")
    a, b = _parts(first), _parts(second)
    assert set(a) == set(b)
    assert {n for n in a if a[n] != b[n]} == {"xl/worksheets/sheet3.xml", "xl/tables/table1.xml"}
    rows = pc.CalamineWorkbook.from_path(str(second)).get_sheet_by_name("Findings").to_python()
    assert len(rows) == 2


def test_in_place_makes_a_backup_and_replaces(tmp_path: Path) -> None:
    src = _user_book(tmp_path / "clinic.xlsx")
    original = src.read_bytes()
    assert write_tables(src, [FINDINGS], in_place=True) == src
    backups = list((tmp_path / "Claimbook backups").glob("clinic.backup-*.xlsx"))
    assert len(backups) == 1 and backups[0].read_bytes() == original
    assert "Findings" in pc.CalamineWorkbook.from_path(str(src)).sheet_names
    assert not list(tmp_path.glob(".~*"))  # no temp file left behind


def test_refuses_to_overwrite_the_input_without_in_place(tmp_path: Path) -> None:
    src = _user_book(tmp_path / "clinic.xlsx")
    with pytest.raises(OutputError, match="--in-place"):
        write_tables(src, [FINDINGS], out=src)
    with pytest.raises(OutputError, match="save it as .xlsx"):
        write_tables(tmp_path / "x.xls", [FINDINGS]) if (tmp_path / "x.xls").write_bytes(
            b"x"
        ) else None
    with pytest.raises(OutputError, match="same sheet"):
        write_tables(src, [FINDINGS, FINDINGS])


def test_xlsm_keeps_its_extension(tmp_path: Path) -> None:
    assert default_output(tmp_path / "a.xlsm").name == "a.claimbook.xlsm"
    assert default_output(tmp_path / "a.xlsx").name == "a.claimbook.xlsx"
    assert default_output(tmp_path / "a.csv").name == "a.claimbook.xlsx"
    src = _user_book(tmp_path / "clinic.xlsx")
    with pytest.raises(OutputError, match="must be saved as .xlsx"):
        write_tables(src, [FINDINGS], out=tmp_path / "out.xlsm")
    assert not (tmp_path / "out.xlsm").exists()


def test_marks_add_style_references_only(tmp_path: Path) -> None:
    src = _user_book(tmp_path / "clinic.xlsx")
    before = _parts(src)
    marks = [
        CellMark(sheet="Encounters", row=2, column="ZIP"),
        CellMark(sheet="encounters", row=3, column="Patient ZIP", severity="warning"),
        CellMark(sheet="Encounters", row=3, column="Date of Service", severity="info"),
        CellMark(sheet="Encounters", row=9, column=2),
        CellMark(sheet="Nowhere", row=2, column=1),
    ]
    out = write_tables(src, [], marks=marks)
    after = _parts(out)
    sheet = "xl/worksheets/sheet1.xml"
    assert {n for n in before if before[n] != after[n]} == {
        sheet, "xl/styles.xml", "xl/_rels/workbook.xml.rels"
    }  # fmt: skip
    old, new = before[sheet].decode(), after[sheet].decode()
    assert _is_subsequence(old, new)
    ws = openpyxl.load_workbook(out)["Encounters"]
    assert ws["C2"].fill.fgColor.rgb == "FFFFC7CE"
    assert ws["C3"].fill.fgColor.rgb == "FFFFEB9C"  # an empty cell gets one
    assert ws["D3"].fill.fgColor.rgb == "FFDDEBF7" and ws["D3"].is_date  # look kept
    assert ws["B9"].fill.fgColor.rgb == "FFFFC7CE"  # a row that did not exist
    assert ws["A2"].fill.fgColor.rgb != "FFFFC7CE"
    assert ws["F1"].value == "=COUNTA(A:A)"


def test_csv_input_becomes_a_new_workbook(tmp_path: Path) -> None:
    src = tmp_path / "visits.csv"
    src.write_text("Encounter ID,CPT,ZIP\nA1,0001A,02134\n", encoding="utf-8")
    out = write_tables(src, [FINDINGS], marks=[CellMark(sheet="Encounters", row=2, column="ZIP")])
    assert out.name == "visits.claimbook.xlsx"
    book = read_book(out)
    assert book.encounters[0].patient.zip == "02134"
    assert book.encounters[0].lines[0].procedure_code == "0001A"
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Encounters", "Findings"]
    assert wb["Encounters"]["C2"].fill.fgColor.rgb == "FFFFC7CE"
    with pytest.raises(OutputError, match="CSV"):
        write_tables(src, [FINDINGS], in_place=True)


DASHBOARD = ResultTable(
    sheet="Dashboard",
    columns=[
        Column(name="Chart"),
        Column(name="Label"),
        Column(name="Value", kind="money"),
        Column(name="Second Value", kind="money"),
    ],  # fmt: skip
    rows=[
        ["Aging by payer", "Aetna", Decimal("120.00"), None],
        ["Aging by payer", "Medicare", Decimal("80.50"), None],
        ["Paid vs expected", "2026-01", Decimal("900.00"), Decimal("1000.00")],
        ["Paid vs expected", "2026-02", Decimal("700.00"), Decimal("650.00")],
    ],
    charts=[
        ChartSpec(
            title="Aging by payer", kind="pie", category="Label", values=["Value"], last_row=2
        ),
        ChartSpec(
            title="Paid vs expected",
            kind="column",
            category="Label",
            values=["Value", "Second Value"],
            first_row=2,
        ),
    ],  # fmt: skip
)


def test_dashboard_charts_are_drawn_and_replaced(tmp_path: Path) -> None:
    src = _user_book(tmp_path / "clinic.xlsx")
    first = write_tables(src, [DASHBOARD])
    parts = _parts(first)
    charts = sorted(n for n in parts if n.startswith("xl/charts/"))
    assert charts == ["xl/charts/chart1.xml", "xl/charts/chart2.xml"]
    chart2 = parts["xl/charts/chart2.xml"].decode()
    assert "<c:f>'Dashboard'!$B$4:$B$5</c:f>" in chart2 and "'Dashboard'!$D$4:$D$5" in chart2
    assert "<c:pieChart>" in parts["xl/charts/chart1.xml"].decode()
    ws = openpyxl.load_workbook(first)["Dashboard"]
    assert len(ws._charts) == 2
    # a second run replaces the charts instead of piling up parts
    second = write_tables(first, [DASHBOARD], out=tmp_path / "second.xlsx")
    assert sorted(_parts(second)) == sorted(parts)
    # dropping the charts removes their parts and content types
    third = write_tables(second, [DASHBOARD.model_copy(update={"charts": []})],
                         out=tmp_path / "third.xlsx")  # fmt: skip
    left = _parts(third)
    assert not [n for n in left if n.startswith(("xl/charts/", "xl/drawings/"))]
    assert b"chart" not in left["[Content_Types].xml"]
    with pytest.raises(OutputError, match="no column 'Nope'"):
        bad = ChartSpec(title="x", category="Nope", values=["Value"])
        write_tables(src, [DASHBOARD.model_copy(update={"charts": [bad]})], out=tmp_path / "b.xlsx")


def test_a_users_own_sheet_with_a_result_name_is_never_replaced(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Encounters"
    ws.append(["Encounter ID", "CPT"])
    mine = wb.create_sheet("Findings")
    mine.append(["my notes", "keep"])
    mine.append(["call Aetna", "Tuesday"])
    # the template's placeholder is Claimbook's to replace; any other single value is not
    wb.create_sheet("Claims")["A1"] = "Claimbook writes the Claims sheet here on each run."
    wb.create_sheet("Aging")["B2"] = "placeholder"
    wb.save(tmp_path / "own.xlsx")
    with pytest.raises(OutputError, match="'Findings' holds 4 cells of data"):
        write_tables(tmp_path / "own.xlsx", [FINDINGS])
    assert not (tmp_path / "own.claimbook.xlsx").exists()
    claims = FINDINGS.model_copy(update={"sheet": "Claims"})
    out = write_tables(tmp_path / "own.xlsx", [claims])
    assert openpyxl.load_workbook(out)["Findings"]["A2"].value == "call Aetna"
    aging = FINDINGS.model_copy(update={"sheet": "Aging"})
    with pytest.raises(OutputError, match="'Aging' holds 1 cell of data"):
        write_tables(tmp_path / "own.xlsx", [aging], out=tmp_path / "b.xlsx")


def test_marks_are_replaced_run_to_run(tmp_path: Path) -> None:
    src = _user_book(tmp_path / "clinic.xlsx")
    first = write_tables(src, [], marks=[CellMark(sheet="Encounters", row=2, column="ZIP")])
    second = write_tables(
        first,
        [],
        out=tmp_path / "second.xlsx",
        marks=[CellMark(sheet="Encounters", row=3, column="CPT", severity="warning")],
    )
    ws = openpyxl.load_workbook(second)["Encounters"]
    assert ws["C2"].fill.fgColor.rgb != "FFFFC7CE"  # last run's mark is gone
    assert ws["B3"].fill.fgColor.rgb == "FFFFEB9C"
    # other stages write results without touching the marks (marks=None)
    third = write_tables(second, [FINDINGS], out=tmp_path / "third.xlsx")
    assert openpyxl.load_workbook(third)["Encounters"]["B3"].fill.fgColor.rgb == "FFFFEB9C"
    # a cell the user restyled after the mark keeps the user's style
    wb = openpyxl.load_workbook(first)
    wb["Encounters"]["C2"].number_format = "0.00"
    wb.save(tmp_path / "restyled.xlsx")
    after = write_tables(tmp_path / "restyled.xlsx", [], marks=[])
    assert openpyxl.load_workbook(after)["Encounters"]["C2"].number_format == "0.00"


def test_mac_1904_workbooks_keep_their_dates(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    assert ws is not None
    ws.title = "Encounters"
    ws.append(["Encounter ID", "CPT", "DOS", "DOB"])
    ws.append(["E1", "99213", date(2026, 1, 5), 28000])  # DOB typed as a plain serial
    wb.save(tmp_path / "mac.xlsx")
    (enc,) = read_book(tmp_path / "mac.xlsx").encounters
    assert enc.date_of_service == date(2026, 1, 5)
    assert enc.patient.dob == date(1904, 1, 1) + timedelta(days=28000)
    out = write_tables(tmp_path / "mac.xlsx", [FINDINGS])
    assert openpyxl.load_workbook(out)["Findings"]["E2"].value.date() == date(2026, 1, 5)
    rows = pc.CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Findings").to_python()
    assert rows[1][4] == date(2026, 1, 5)


def test_strict_open_xml_is_refused(tmp_path: Path) -> None:
    src = _user_book(tmp_path / "clinic.xlsx")
    parts = _parts(src)
    strict = "http://purl.oclc.org/ooxml/spreadsheetml/main"
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        b"http://schemas.openxmlformats.org/spreadsheetml/2006/main", strict.encode()
    )
    with zipfile.ZipFile(tmp_path / "strict.xlsx", "w") as z:
        for name, blob in parts.items():
            z.writestr(name, blob)
    with pytest.raises(OutputError, match="Strict Open XML"):
        write_tables(tmp_path / "strict.xlsx", [FINDINGS])


def test_link_cells_become_in_workbook_hyperlinks(tmp_path: Path) -> None:
    user = _user_book(tmp_path / "clinic.xlsx")
    table = ResultTable(
        sheet="Findings",
        columns=[Column(name="Cell", kind="link"), Column(name="Note")],
        rows=[
            ["'Encounters'!B2", "a cell"],
            ["'Encounters'!3:3", "a whole row"],
            ['=HYPERLINK("http://x")', "text that looks like a link formula"],
            ["not a reference", "plain"],
        ],
    )
    out = write_tables(user, [table])
    ws = openpyxl.load_workbook(out)["Findings"]
    assert ws["A2"].hyperlink is not None and ws["A2"].hyperlink.location == "'Encounters'!B2"
    assert ws["A3"].hyperlink is not None and ws["A3"].hyperlink.location == "'Encounters'!3:3"
    assert ws["A4"].hyperlink is None and ws["A4"].value == '=HYPERLINK("http://x")'
    assert ws["A4"].data_type == "s"  # stored as text, never a formula
    assert ws["A5"].hyperlink is None
    with zipfile.ZipFile(out) as package:
        rels = [n for n in package.namelist() if n.endswith(".rels")]
        assert not any(b"hyperlink" in package.read(n) for n in rels)  # nothing external


MARKS = [
    CellMark(sheet="Encounters", row=2, column="ZIP"),
    CellMark(sheet="Encounters", row=3, column="CPT", severity="warning"),
]


def test_the_same_marks_on_an_untouched_sheet_leave_it_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from addin.sheets import cellmarks

    real = cellmarks._keys
    src = _user_book(tmp_path / "clinic.xlsx")
    first = write_tables(src, [], marks=MARKS, out=tmp_path / "first.xlsx")
    assert b'crc="' in _parts(first)["customXml/item1.xml"]  # the ledger stamps the sheet
    edits: list[str] = []

    def spy(first: Any, restore: Any, wanted: Any) -> Any:
        edits.append("restore" if restore else "mark")
        return real(first, restore, wanted)

    monkeypatch.setattr(cellmarks, "_keys", spy)
    again = write_tables(first, [], marks=list(reversed(MARKS)), out=tmp_path / "again.xlsx")
    assert edits == []  # nothing taken apart: the sheet is what the last run left
    assert _parts(again) == _parts(first)
    # the long way round (taking the marks off, putting them on) gives the same bytes
    monkeypatch.setattr(cellmarks, "_as_left", lambda *_: False)
    slow = write_tables(first, [], marks=MARKS, out=tmp_path / "slow.xlsx")
    assert edits == ["restore"]
    assert _parts(slow) == _parts(again)


@pytest.mark.parametrize("change", ["restyled", "other marks", "other severity"])
def test_a_changed_sheet_or_other_marks_take_the_long_way(tmp_path: Path, change: str) -> None:
    src = _user_book(tmp_path / "clinic.xlsx")
    first = write_tables(src, [], marks=MARKS, out=tmp_path / "first.xlsx")
    marks = list(MARKS)
    if change == "restyled":  # a user's edit since: the sheet's bytes are not the ledger's
        wb = openpyxl.load_workbook(first)
        wb["Encounters"]["C2"].number_format = "0.00"
        wb.save(tmp_path / "edited.xlsx")
        first = tmp_path / "edited.xlsx"
    elif change == "other marks":
        marks = [MARKS[0], CellMark(sheet="Encounters", row=4, column="CPT")]
    else:
        marks = [MARKS[0], MARKS[1].model_copy(update={"severity": "error"})]
    out = write_tables(first, [], marks=marks, out=tmp_path / "out.xlsx")
    ws = openpyxl.load_workbook(out)["Encounters"]
    if change == "restyled":
        assert ws["C2"].number_format == "0.00"  # the user's style stays
        assert ws["B3"].fill.fgColor.rgb == "FFFFEB9C"
    elif change == "other marks":
        assert ws["B3"].fill.fgColor.rgb != "FFFFEB9C"  # last run's mark taken off
        assert ws["B4"].fill.fgColor.rgb == "FFFFC7CE"
        assert ws["C2"].fill.fgColor.rgb == "FFFFC7CE"
    else:
        assert ws["B3"].fill.fgColor.rgb == "FFFFC7CE"


def test_backups_made_in_the_same_second_sort_by_name_as_they_were_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A person looking for the newest backup sorts by name: the one made second in the
    same second must come after the first ('-2' sorted before it)."""
    from addin.sheets import writer

    monkeypatch.setattr(writer.time, "strftime", lambda _: "20261204-175500")
    book = tmp_path / "clinic.xlsx"
    made = []
    for _ in range(3):
        path = writer.backup_path(book)
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"x")
        made.append(path.name)
    assert made == sorted(made) and len(set(made)) == 3
    assert made[1] == "clinic.backup-20261204-175500_2.xlsx"
