"""The bad-input corpus: generated inputs, the commands that take them, and what must hold.

Everything is made here from a clean clinic (no committed binaries): cells at 0, negative,
huge, NaN, text, non-Latin, control characters, 1,000 characters and formula payloads, and
whole files empty, cut off, renamed, re-encoded or lying about their contents. The tables
below are the corpus; a new command is one more entry in ``CELL_COMMANDS`` or ``USES``.

Every run must: end without a traceback (exit 0, 1 or 2), name the file it refuses, leave no
temporary or half-written file behind, and never turn text into a formula.
"""

from __future__ import annotations

import codecs
import csv
import io
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from spoilt_packages import backslash_names, far_cell, lying_count, macro_sheet, no_default_types

# --- the clean clinic every case starts from -------------------------------------------

HEADERS = [
    "Encounter ID", "Patient Last Name", "Patient First Name", "Patient DOB", "Patient Sex",
    "Patient Address", "Patient City", "Patient State", "Patient ZIP", "Payer", "Member ID",
    "Group Number", "Relationship", "Rendering NPI", "Place of Service", "Date of Service",
    "Dx 1", "Diagnosis Text", "Procedure Code", "Modifier 1", "Units", "Charge", "Dx Pointer",
    "Prior Authorization",
]  # fmt: skip
BASE = {
    "Encounter ID": "V1", "Patient Last Name": "Garcia", "Patient First Name": "Maria",
    "Patient DOB": "1980-05-17", "Patient Sex": "F", "Patient Address": "12 Oak Ave",
    "Patient City": "Springfield", "Patient State": "IL", "Patient ZIP": "62704",
    "Payer": "Aetna", "Member ID": "W1", "Group Number": "G1", "Relationship": "Self",
    "Rendering NPI": "1987654328", "Place of Service": "11", "Date of Service": "2026-03-04",
    "Dx 1": "E11.9", "Diagnosis Text": "", "Procedure Code": "99213", "Modifier 1": "",
    "Units": 1, "Charge": 125, "Dx Pointer": "1", "Prior Authorization": "",
}  # fmt: skip
SETTINGS = {
    "Billing Provider Name": "Riverside Family Medicine", "Billing NPI": "1234567893",
    "Tax ID": "123456789", "Taxonomy Code": "207Q00000X", "Billing Address": "100 Main St",
    "Billing City": "Springfield", "Billing State": "IL", "Billing ZIP": "627011234",
    "Submitter Name": "Riverside Family Medicine", "Submitter ID": "RFM0001",
    "Submitter Contact": "Jane Biller", "Submitter Phone": "2175550100",
    "Receiver Name": "Availity", "Receiver ID": "030240928", "Usage Indicator": "T",
    "Provider Names": "1987654328 Nguyen, Linh",
}  # fmt: skip
ISA = (
    "ISA*00*          *00*          *ZZ*AETNA          *ZZ*RIVERSIDE      *260401*1200*^*00501*"
    "000000009*0*P*:~\n"
)
ERA = ISA + (
    "GS*HP*AETNA*RIVERSIDE*20260401*1200*9*X*005010X221A1~\nST*835*0001~\n"
    "BPR*I*90.00*C*ACH*CCP*01*999999999*DA*1*1999999999**01*999999999*DA*2*20260401~\n"
    "TRN*1*EFT777*1999999999~\nN1*PR*AETNA~\nN1*PE*RIVERSIDE FAMILY MEDICINE*XX*1234567893~\n"
    "LX*1~\nCLP*V1*1*125.00*90.00*20.00*12*AET1~\nSVC*HC:99213*125.00*90.00**1~\n"
    "DTM*472*20260304~\nCAS*CO*45*15.00~\nCAS*PR*3*20.00~\nSE*12*0001~\nGE*1*9~\n"
    "IEA*1*000000009~\n"
)
PAYER_ROWS = [["Claim ID", "Billed", "Paid", "Check Number", "Patient"],
              ["V1", "125.00", "90.00", "EFT1", "Muñoz"]]  # fmt: skip
MAPPING_ROWS = [["field", "column"], ["claim_id", "Claim ID"], ["paid", "Paid"]]
CODES_ROWS = [["Code", "Description"], ["45", "Charge exceeds the fee schedule – café"]]
CARC_ROWS = [["Code", "Description", "Start Date", "Last Modified", "Stop Date"],
             ["45", "Charge exceeds the fee schedule – café", "01/01/1995", "", ""]]  # fmt: skip
CPT_ROWS = [["Code", "Descriptor"], [99213, "Office visit (clinic's own words)"]]
BANK_ROWS = [["Date", "Description", "Amount", "Reference"],
             ["04/02/2026", "ACH CREDIT AETNA TRN*1*EFT1*1 – café", "90.00", "B1"]]  # fmt: skip


def encounter_rows(changes: list[dict[str, object]]) -> list[list[object]]:
    """One row per change: the clean row with that change, each its own encounter."""
    rows = []
    for n, change in enumerate(changes, start=1):
        values = {**BASE, "Encounter ID": f"B{n}", **change}
        rows.append([values[h] for h in HEADERS])
    return rows


def write_workbook(path: Path, rows: list[list[object]], suffix_macro: bool = False) -> Path:
    """The clinic workbook: Encounters (text as typed, never a formula), Settings, Payers."""
    wb = openpyxl.Workbook()
    enc = wb.active
    assert enc is not None
    enc.title = "Encounters"
    enc.append(HEADERS)
    for row in rows:
        enc.append([_for_openpyxl(v) for v in row])
    for cells in enc.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # a payload such as "=cmd|..." stays typed text
    settings = wb.create_sheet("Settings")
    for key, value in SETTINGS.items():
        settings.append([key, value])
    payers = wb.create_sheet("Payers")
    payers.append(["Payer", "Payer ID", "Claim Filing Indicator"])
    payers.append(["Aetna", "60054", "CI"])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _for_openpyxl(value: object) -> object:
    """Control characters go into the XML the way Excel writes them (_x0001_)."""
    if isinstance(value, str):
        return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", lambda m: f"_x{ord(m[0]):04X}_", value)
    return value


def write_csv(path: Path, rows: list[list[object]], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(["" if v is None else str(v) for v in row])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_sheet(path: Path, rows: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


# --- cell cases ------------------------------------------------------------------------


@dataclass(frozen=True)
class CellCase:
    """One bad value in one Encounters column; ``error``: a finding must name it."""

    column: str
    value: object
    error: bool

    @property
    def id(self) -> str:
        shown = repr(self.value)
        return f"{self.column}={shown[:24]}"


NUMERIC_VALUES: list[object] = [0, -3, 10**15, 1e308, "NaN", "inf", "abc", "1,5"]
NUMERIC = {
    # column -> the values that must be an error there (the others must only not crash)
    "Units": {0, -3, 10**15, 1e308, "NaN", "inf", "abc", "1,5"},
    "Charge": {-3, 10**15, 1e308, "NaN", "inf", "abc", "1,5"},
    "Dx Pointer": {0, -3, 10**15, 1e308, "NaN", "inf", "abc", "1,5"},
    "Date of Service": {0, -3, 10**15, 1e308, "NaN", "inf", "abc", "1,5", "01.07.2026"},
    "Patient DOB": {0, -3, 10**15, 1e308, "NaN", "inf", "abc", "1,5", "01/07/1980"},
    "Place of Service": set(),
    "Patient ZIP": set(),
    "Rendering NPI": {0, -3, 10**15, 1e308, "NaN", "inf", "abc", "1,5"},
}
# Ambiguous day/month text; alone in its column (a 13.07.2026 beside it would settle the order,
# which tests/sheets/test_sheets_cells.py covers).
DATE_VALUES = {"Date of Service": ["01.07.2026"], "Patient DOB": ["01/07/1980"]}
TEXT_VALUES: list[str] = [
    "محمد العربي",  # Arabic
    "כהן",  # Hebrew
    "王小明",  # Chinese
    "Doe\x01\x07\x1b",  # control characters
    "x" * 1000,
    "=cmd|' /C calc'!A0",  # DDE
    '=HYPERLINK("http://example.invalid","click")',
    "+SUM(1,1)",
    "-1+1",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
]
TEXT_COLUMNS = [
    "Encounter ID", "Patient Last Name", "Patient First Name", "Patient Address",
    "Patient City", "Payer", "Member ID", "Group Number", "Diagnosis Text", "Procedure Code",
    "Dx 1", "Modifier 1", "Prior Authorization",
]  # fmt: skip


def cell_cases() -> dict[str, list[CellCase]]:
    """Column -> its cases, in row order (case n is row n + 1 of its workbook)."""
    cases: dict[str, list[CellCase]] = {}
    for column, errors in NUMERIC.items():
        values = NUMERIC_VALUES + DATE_VALUES.get(column, [])
        cases[column] = [CellCase(column, v, v in errors) for v in values]
    for column in TEXT_COLUMNS:
        cases[column] = [CellCase(column, v, False) for v in TEXT_VALUES]
    return cases


def cell_rows(column: str, cases: list[CellCase]) -> list[list[object]]:
    changes: list[dict[str, object]] = []
    for case in cases:
        change: dict[str, object] = {column: case.value}
        if column == "Diagnosis Text":
            change["Dx 1"] = ""  # so suggest-missing works on the text
        changes.append(change)
    return encounter_rows(changes)


# Commands run on every cell workbook (each on its own copy of it): (name, arguments after
# the workbook). claims and cycle write into the workbook itself, as they do for a clinic.
CELL_COMMANDS: list[tuple[str, list[str]]] = [
    ("check", ["--json", "--out", "{out}"]),
    ("claims", ["--json", "--x12-dir", "{x12}"]),
    ("claims", ["--json", "--no-check", "--x12-dir", "{x12}"]),
    ("suggest-missing", ["--out", "{out}"]),
    ("reconcile", ["{era}", "--out", "{out}"]),
    ("acknowledgments", ["{ack}"]),
    ("cycle", ["--remit", "{era}", "--ack", "{ack}", "--x12-dir", "{x12}"]),
]
CELL_FORMATS = ("xlsx", "csv")


# --- file cases ------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """A kind of input file: its name, how to make a clean one, text or package."""

    name: str
    make: Callable[[Path], Path]
    text: bool = False
    package: bool = False


def _clean_book(path: Path) -> Path:
    return write_workbook(path, encounter_rows([{}]))


def _clean_csv(path: Path) -> Path:
    return write_csv(path, [HEADERS, *encounter_rows([{"Patient Last Name": "Muñoz"}])])


def _era(path: Path) -> Path:
    path.write_text(ERA, encoding="ascii")
    return path


ACKS = Path(__file__).resolve().parents[1] / "data" / "x12" / "acks"


def _copy_of(source: Path) -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        path.write_bytes(source.read_bytes())
        return path

    return make


KINDS: dict[str, Kind] = {
    "ack.999": Kind("ack.999", _copy_of(ACKS / "accepted.999"), text=True),
    "ack.277": Kind("ack.277", _copy_of(ACKS / "claims.277"), text=True),
    "encounters.xlsx": Kind("encounters.xlsx", _clean_book, package=True),
    "encounters.csv": Kind("encounters.csv", _clean_csv, text=True),
    "era.835": Kind("era.835", _era, text=True),
    "payer.csv": Kind("payer.csv", lambda p: write_csv(p, PAYER_ROWS), text=True),  # type: ignore[arg-type]
    "payer.xlsx": Kind("payer.xlsx", lambda p: write_sheet(p, PAYER_ROWS), package=True),  # type: ignore[arg-type]
    "mapping.csv": Kind("mapping.csv", lambda p: write_csv(p, MAPPING_ROWS), text=True),  # type: ignore[arg-type]
    "codes.csv": Kind("codes.csv", lambda p: write_csv(p, CODES_ROWS), text=True),  # type: ignore[arg-type]
    "carc.csv": Kind("carc.csv", lambda p: write_csv(p, CARC_ROWS), text=True),  # type: ignore[arg-type]
    "cpt.xlsx": Kind("cpt.xlsx", lambda p: write_sheet(p, CPT_ROWS), package=True),  # type: ignore[arg-type]
    "bank.csv": Kind("bank.csv", lambda p: write_csv(p, BANK_ROWS), text=True),  # type: ignore[arg-type]
}
# The commands that take each kind: {bad} is the bad file, {book}/{era}/{payer} clean ones.
USES: dict[str, list[list[str]]] = {
    "encounters.xlsx": [
        ["check", "{bad}", "--out", "{out}"],
        ["claims", "{bad}", "--x12-dir", "{x12}"],
        ["suggest-missing", "{bad}", "--out", "{out}"],
        ["reconcile", "{bad}", "{era}", "--out", "{out}"],
        ["acknowledgments", "{bad}", "{ack}"],
        ["cycle", "{bad}", "--remit", "{era}", "--x12-dir", "{x12}"],
        ["secondary", "{bad}", "--x12-dir", "{x12}"],
        ["statements", "{bad}"],
    ],
    "era.835": [
        ["remit", "{bad}"],
        ["reconcile", "{book}", "{bad}", "--out", "{out}"],
        ["cycle", "{book}", "--remit", "{bad}", "--x12-dir", "{x12}"],
    ],
    "ack.999": [["acknowledgments", "{book}", "{bad}"], ["cycle", "{book}", "--ack", "{bad}"]],
    "ack.277": [["acknowledgments", "{book}", "{bad}"], ["cycle", "{book}", "--ack", "{bad}"]],
    "payer.csv": [
        ["reconcile", "{book}", "{bad}", "--out", "{out}"],
        ["cycle", "{book}", "--remit", "{bad}", "--x12-dir", "{x12}"],
    ],
    "payer.xlsx": [["reconcile", "{book}", "{bad}", "--out", "{out}"]],
    "mapping.csv": [
        ["reconcile", "{book}", "{payer}", "--mapping", "{bad}", "--out", "{out}"],
        ["cycle", "{book}", "--remit", "{payer}", "--mapping", "{bad}"],
    ],
    "codes.csv": [
        ["reconcile", "{book}", "{era}", "--codes", "{bad}", "--out", "{out}"],
        ["cycle", "{book}", "--remit", "{era}", "--codes", "{bad}"],
    ],
    "carc.csv": [["codesets", "import", "{bad}", "--kind", "carc"]],
    "cpt.xlsx": [["codesets", "import", "{bad}", "--kind", "cpt", "--effective", "2026-01-01"]],
    "bank.csv": [["deposits", "{book}", "{bad}"]],
}
USES["encounters.csv"] = USES["encounters.xlsx"]


@dataclass(frozen=True)
class Variant:
    """A way of spoiling a clean file. ``readable``: the file must still be read (no
    refusal); ``applies``: which kinds it makes sense for."""

    name: str
    spoil: Callable[[Path, bytes], Path]
    applies: Callable[[Kind], bool] = lambda kind: True
    readable: bool = False


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _renamed(path: Path, data: bytes) -> Path:
    other = {".csv": ".xlsx", ".835": ".xlsx", ".999": ".xlsx", ".277": ".csv",
             ".xlsx": ".csv"}[path.suffix]  # fmt: skip
    return _write(path.with_suffix(other), data)


def _zip_as(path: Path, data: bytes) -> Path:
    """A zip (an xlsx) given this kind's name: a .csv or .835 that is really a workbook."""
    buffer = io.BytesIO()
    wb = openpyxl.Workbook()
    wb.save(buffer)
    return _write(path, buffer.getvalue())


def _reencode(codec: str, bom: bytes = b"") -> Callable[[Path, bytes], Path]:
    def spoil(path: Path, data: bytes) -> Path:
        return _write(path, bom + data.decode("utf-8").encode(codec))

    return spoil


def _cut_character(path: Path, data: bytes) -> Path:
    text = data.decode("utf-8").rstrip("\r\n") + "é"
    raw = text.encode("utf-8")
    return _write(path, raw[:-1])


def _binary(path: Path, data: bytes) -> Path:
    return _write(path, random.Random(17).randbytes(3000))


def _folder(path: Path, data: bytes) -> Path:
    path.mkdir()
    return path


def _missing(path: Path, data: bytes) -> Path:
    return path


def _package(fix: Callable[[bytes], bytes]) -> Callable[[Path, bytes], Path]:
    return lambda path, data: _write(path, fix(data))


def _text(kind: Kind) -> bool:
    return kind.text


def _pkg(kind: Kind) -> bool:
    return kind.package


VARIANTS: list[Variant] = [
    Variant("empty", lambda p, d: _write(p, b"")),
    Variant("blank", lambda p, d: _write(p, b" \r\n\r\n")),
    Variant("truncated", lambda p, d: _write(p, d[: len(d) // 2])),
    Variant("binary", _binary),
    Variant("folder", _folder),
    Variant("missing", _missing),
    Variant(
        "renamed",
        _renamed,
        lambda k: k.name.rsplit(".", 1)[1] in ("csv", "835", "999", "277", "xlsx"),
    ),  # fmt: skip
    Variant("zip-inside", _zip_as, _text),
    Variant("cut-character", _cut_character, _text),
    Variant("utf-8-bom", _reencode("utf-8", codecs.BOM_UTF8), _text, readable=True),
    Variant("utf-16-le", _reencode("utf-16-le", codecs.BOM_UTF16_LE), _text, readable=True),
    Variant("utf-16-be", _reencode("utf-16-be", codecs.BOM_UTF16_BE), _text, readable=True),
    Variant("utf-16-no-bom", _reencode("utf-16-le"), _text, readable=True),
    Variant("windows-1252", _reencode("cp1252"), _text, readable=True),
    Variant("utf-32", _reencode("utf-32"), _text),
    Variant("lying-count", _package(lying_count), _pkg, readable=True),
    Variant("backslash-names", _package(backslash_names), _pkg, readable=True),
    Variant("no-default-types", _package(no_default_types), _pkg, readable=True),
    Variant("macro-sheet", _package(macro_sheet), _pkg, readable=True),
    Variant("far-cell", _package(far_cell), _pkg),
]
# Readers that are other parts of issue 17 (X12: 17b; the code-set importers: 17a): their
# re-encoded files must not crash or leave anything behind, but being read is theirs to assert.
NOT_ASSERTED_READABLE = {"era.835", "ack.999", "ack.277", "carc.csv"}


@dataclass(frozen=True)
class FileCase:
    kind: str
    variant: str
    command: list[str]

    @property
    def id(self) -> str:
        return f"{self.kind}:{self.variant}:{' '.join(self.command[:2]).replace('{bad}', 'BAD')}"


def file_cases() -> list[FileCase]:
    cases = []
    for kind_name, kind in KINDS.items():
        for variant in VARIANTS:
            if not variant.applies(kind):
                continue
            for command in USES[kind_name]:
                cases.append(FileCase(kind_name, variant.name, command))
    return cases


VARIANT_BY_NAME = {v.name: v for v in VARIANTS}


@dataclass
class Clean:
    """The clean companions a bad file is run with."""

    folder: Path
    book: Path = field(init=False)
    era: Path = field(init=False)
    ack: Path = field(init=False)
    payer: Path = field(init=False)

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.book = _clean_book(self.folder / "clinic.xlsx")
        self.era = _era(self.folder / "clean.835")
        self.ack = _copy_of(ACKS / "accepted.999")(self.folder / "clean.999")
        self.payer = write_csv(self.folder / "clean-payer.csv", PAYER_ROWS)  # type: ignore[arg-type]


def make_bad(kind_name: str, variant_name: str, folder: Path) -> Path:
    """The spoilt file (its path, which may not exist: the 'missing' variant)."""
    kind = KINDS[kind_name]
    folder.mkdir(parents=True, exist_ok=True)
    stem, suffix = kind_name.rsplit(".", 1)
    clean = kind.make(folder / f"clean-{stem}.{suffix}")
    data = clean.read_bytes()
    clean.unlink()
    return VARIANT_BY_NAME[variant_name].spoil(folder / f"bad-{stem}.{suffix}", data)
