"""CSV intake as offices save it: quotes anywhere, ragged rows, encodings found and named.

Each case is one line of issue 17's "Measured" list (or its neighbour) and failed before
addin/files/text.py: the file is read right, or refused naming the file and what it is.
"""

from __future__ import annotations

import codecs
import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from addin.cli import app
from addin.errors import InputError, WorkbookError
from addin.files.text import decode_bytes, read_delimited
from addin.remit import load_descriptions, load_mapping
from addin.remit.payer_sheet import read_payer_sheet
from addin.sheets import read_book

runner = CliRunner()
HEADER = "Encounter ID,Diagnosis Text,Procedure Code,Units,Charge,Date of Service"


def _line(n: int, text: str = "plain visit", charge: str = "125.00") -> str:
    return f"V{n},{text},99213,1,{charge},2026-03-04"


def test_doubled_quote_after_the_first_4_kb_keeps_the_columns(tmp_path: Path) -> None:
    lines = [HEADER, *(_line(n, f"note number {n}") for n in range(120))]
    assert len("\n".join(lines)) > 4096  # the quoted value comes after what a sniffer reads
    lines.append(_line(999, '"knee pain, ""sharp"", left"', "230"))
    path = tmp_path / "visits.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    book = read_book(path)
    knee = next(e for e in book.encounters if e.encounter_id == "V999")
    assert knee.diagnosis_text == 'knee pain, "sharp", left'
    assert knee.lines[0].charge == Decimal("230.00") and knee.lines[0].units == 1
    assert not book.findings


def test_rows_shorter_or_longer_than_the_header_are_findings(tmp_path: Path) -> None:
    path = tmp_path / "visits.csv"
    path.write_text(
        f"{HEADER}\nV1,visit,99213,1\nV2,knee pain, left,99213,1,125.00,2026-03-04\n{_line(3)}\n",
        encoding="utf-8",
    )
    book = read_book(path)  # was an IndexError
    short = next(f for f in book.findings if f.rule == "READ-SHORT-ROW")
    assert short.row == 2 and short.severity == "warning"
    assert "visits.csv" in short.message and "Charge, Date of Service" in short.message
    long = next(f for f in book.findings if f.rule == "READ-LONG-ROW")
    assert long.row == 3 and long.severity == "error" and long.value == "2026-03-04"
    result = runner.invoke(app, ["claims", str(path), "--no-check", "--json"])
    assert result.exit_code in (0, 1), result.output
    status = {c["encounter_id"]: c["status"] for c in json.loads(result.stdout)["claims"]}
    assert status["V2"] == "Held"  # its values after the stray comma are in wrong columns


@pytest.mark.parametrize(
    ("codec", "bom", "named"),
    [
        ("utf-16-le", codecs.BOM_UTF16_LE, "UTF-16 LE"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "UTF-16 BE"),
        ("utf-16-le", b"", "UTF-16 LE (no BOM)"),
    ],
)
def test_unicode_text_is_read_and_named(codec: str, bom: bytes, named: str, tmp_path: Path) -> None:
    """Excel's "Unicode Text": UTF-16 with a byte-order mark, tab-separated."""
    text = "\r\n".join(line.replace(",", "\t") for line in (HEADER, _line(1, "Muñoz 王")))
    for suffix in (".txt", ".csv"):
        path = tmp_path / f"visits{suffix}"
        path.write_bytes(bom + (text + "\r\n").encode(codec))
        book = read_book(path)  # was a missing-header refusal (read as cp1252)
        (enc,) = book.encounters
        assert enc.diagnosis_text == "Muñoz 王" and enc.lines[0].charge == Decimal("125.00")
        note = next(f for f in book.findings if f.rule == "READ-ENCODING")
        assert named in note.message and "tab" in note.message and path.name in note.message


@pytest.mark.parametrize("bom", [b"", codecs.BOM_UTF8])
def test_utf8_with_or_without_bom_needs_no_note(bom: bytes, tmp_path: Path) -> None:
    path = tmp_path / "visits.csv"
    path.write_bytes(bom + f"{HEADER}\n{_line(1, 'Muñoz')}\n".encode())
    book = read_book(path)
    assert book.encounters[0].diagnosis_text == "Muñoz" and not book.findings


def test_windows_1252_csv_is_read_and_named(tmp_path: Path) -> None:
    path = tmp_path / "visits.csv"
    path.write_bytes(f"{HEADER}\r\n{_line(1, 'Muñoz – café')}\r\n".encode("cp1252"))
    book = read_book(path)
    assert book.encounters[0].diagnosis_text == "Muñoz – café"
    note = next(f for f in book.findings if f.rule == "READ-ENCODING")
    assert "Windows-1252" in note.message and "visits.csv" in note.message


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"PK\x03\x04" + b"\x00" * 40, "zip package"),
        (codecs.BOM_UTF32_LE + "a,b\n".encode("utf-32-le"), "UTF-32"),
        ("Muñoz,".encode() + "Muñoz\n".encode("cp1252"), "mixes encodings"),
        ("a,é\nMu".encode() + "ñ".encode()[:1], "cut off"),
        (bytes(range(256)) * 4, "binary"),
        (b"%PDF-1.7\n", "PDF"),
    ],
)
def test_what_is_not_csv_text_is_refused_naming_the_file(
    data: bytes, says: str, tmp_path: Path
) -> None:
    path = tmp_path / "visits.csv"
    path.write_bytes(data)
    with pytest.raises(WorkbookError, match=rf"visits\.csv.*{says}"):
        read_book(path)


def test_a_quote_never_closed_names_its_row(tmp_path: Path) -> None:
    path = tmp_path / "visits.csv"
    path.write_text(f'{HEADER}\n{_line(1)}\nV2,"knee pain,99213,1,125,2026-03-04\n{_line(3)}\n')
    with pytest.raises(WorkbookError, match=r"visits\.csv row 3 \(line 3\).*never closed"):
        read_book(path)


def test_decode_names_each_encoding() -> None:
    assert decode_bytes(b"a,b", "x").encoding == "UTF-8"
    assert decode_bytes(codecs.BOM_UTF8 + b"a", "x").encoding == "UTF-8 with BOM"
    assert decode_bytes("é".encode("cp1252"), "x").encoding == "Windows-1252"


# --- the remittance side: --codes, payer exports and column mappings ------------------


def test_codes_list_in_windows_1252_is_read(tmp_path: Path) -> None:
    path = tmp_path / "carc.csv"
    path.write_bytes("Code,Description\r\n45,Fee schedule – café\r\n".encode("cp1252"))
    assert load_descriptions(path) == {"45": "Fee schedule – café"}  # was UnicodeDecodeError
    path.write_bytes("Code\tDescription\r\n45\tFee\r\n".encode("utf-16"))
    assert load_descriptions(path) == {"45": "Fee"}


@pytest.mark.parametrize("codec", ["cp1252", "utf-16", "utf-8-sig"])
def test_payer_export_and_mapping_in_any_office_encoding(codec: str, tmp_path: Path) -> None:
    sep = "\t" if codec == "utf-16" else ","
    export = tmp_path / "portal.csv"
    rows = [["Acct", "Billed", "Paid", "Check Number", "Patient"],
            ["V1", "137.50", "90.00", "EFT1", "Muñoz"]]  # fmt: skip
    export.write_bytes("\r\n".join(sep.join(r) for r in rows).encode(codec))
    mapping = tmp_path / "mapping.csv"
    mapping.write_bytes("field,column\r\nclaim_id,Acct\r\n".replace(",", sep).encode(codec))
    columns = load_mapping(mapping)
    assert columns == {"claim_id": "Acct"}
    (rem,) = read_payer_sheet(export, columns)
    assert rem.claims[0].patient_last_name == "Muñoz"
    assert rem.claims[0].paid == Decimal("90.00")


def test_reconcile_with_codes_saved_by_excel_on_windows(tmp_path: Path) -> None:
    from clinic_sample import ERA, write_clinic

    book = write_clinic(
        tmp_path / "clinic.xlsx",
        ["Encounter ID", "Procedure Code", "Charge", "Payer", "Date of Service", "Dx 1"],
        [["V1", "99213", 125, "Aetna", "2026-03-04", "E11.9"]],
    )
    era = tmp_path / "era.835"
    era.write_text(ERA)
    codes = tmp_path / "codes.csv"
    codes.write_bytes("Code,Description\r\n197,Pre-certification – absent\r\n".encode("cp1252"))
    out = tmp_path / "out.xlsx"
    result = runner.invoke(app, ["reconcile", str(book), str(era), "--codes", str(codes),
                                 "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    bad = tmp_path / "codes.bin.csv"
    bad.write_bytes(bytes(range(256)) * 8)
    result = runner.invoke(app, ["reconcile", str(book), str(era), "--codes", str(bad)])
    assert result.exit_code == 2 and "codes.bin.csv" in result.output


def test_read_delimited_refuses_with_the_error_asked_for(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(InputError, match="a.csv"):
        read_delimited(path)
