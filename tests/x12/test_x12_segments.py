"""The shared X12 tokenizer: delimiters, positions, envelopes, and every corpus file."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from addin.errors import X12Error
from addin.x12 import segments as seg_mod
from addin.x12.segments import (
    TRANSACTION_NAMES,
    Delimiters,
    describe,
    iter_transactions,
    read_segments,
)

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "x12"
FILES = sorted(p for p in CORPUS.glob("*/*") if p.is_file()) if CORPUS.is_dir() else []


def _manifest() -> dict[str, dict[str, str]]:
    if not (CORPUS / "MANIFEST.tsv").is_file():
        return {}
    with open(CORPUS / "MANIFEST.tsv", newline="", encoding="utf-8") as fh:
        return {row["file"]: row for row in csv.DictReader(fh, delimiter="\t")}


MANIFEST = _manifest()

ISA = (
    "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*00501*"
    "000000001*0*P*:~"
)
BODY = (
    "GS*HP*S*R*20240101*1200*1*X*005010X221A1~ST*835*0001~BPR*I*100.00*C~"
    "SVC*HC:99213:25*100*80~SE*4*0001~GE*1*1~IEA*1*000000001~"
)


def test_fixed_width_isa_gives_its_delimiters_and_positions() -> None:
    reader = read_segments(ISA + BODY)
    segs = list(reader)
    assert reader.delimiters == Delimiters("*", ":", "^", "~")
    assert [s.id for s in segs] == ["ISA", "GS", "ST", "BPR", "SVC", "SE", "GE", "IEA"]
    assert [s.index for s in segs] == list(range(1, 9))
    assert segs[1].offset == len(ISA)
    svc = segs[4]
    assert svc[1] == "HC:99213:25"
    assert svc.composite(1) == ["HC", "99213", "25"]
    assert svc.component(1, 2) == "99213"
    assert svc.component(1, 9) == ""
    assert svc[9] == "" and svc.get(9, "x") == "x"
    assert svc.where == "segment 5 (SVC)"
    assert svc.x12() == "SVC*HC:99213:25*100*80"
    with pytest.raises(IndexError):
        svc[0]


def test_isa_not_fixed_width_and_other_separators() -> None:
    text = (
        "ISA|00| |00| |ZZ|S|ZZ|R|240101|1200|!|00501|1|0|P|>\n"
        "GS|HP|S|R|20240101|1200|1|X|005010X221A1\nST|835|1\nSVC|HC>99213|1!2\nSE|3|1\n"
    )
    reader = read_segments(text)
    segs = list(reader)
    assert reader.delimiters == Delimiters("|", ">", "!", "\n")
    svc = segs[3]
    assert svc.composite(1) == ["HC", "99213"]
    assert svc.repeats(2) == ["1", "2"]


def test_bom_crlf_and_indentation_are_ignored() -> None:
    data = ("\ufeff" + ISA + "\r\n" + BODY.replace("~", "~\r\n    ")).encode("utf-8")
    segs = list(read_segments(data))
    assert [s.id for s in segs][:3] == ["ISA", "GS", "ST"]
    assert segs[2].elements == ["835", "0001"]
    # offsets point at the segment's first character in the decoded text (BOM dropped)
    text = data.decode("utf-8-sig")
    assert text[segs[2].offset : segs[2].offset + 2] == "ST"


def test_4010_isa11_is_not_a_repetition_separator() -> None:
    isa = ISA.replace("*^*00501*", "*U*00401*")
    assert read_segments(isa + BODY).__next__().delimiters.repetition is None


def test_no_isa_is_read_with_a_warning() -> None:
    reader = read_segments("ST*835*0001~BPR*I*5*C~SVC*HC>99213*5*5~SE*4*0001~")
    segs = list(reader)
    assert [s.id for s in segs] == ["ST", "BPR", "SVC", "SE"]
    assert reader.has_isa is False
    assert reader.delimiters is not None and reader.delimiters.component == ">"
    assert any("no ISA envelope" in w for w in reader.warnings)


def test_second_interchange_with_other_separators_is_reread() -> None:
    other = ISA.replace("*", "|").replace(":~", ":!") + BODY.replace("*", "|").replace("~", "!")
    segs = list(read_segments(ISA + BODY + "\n" + other))
    assert [s.id for s in segs].count("ISA") == 2
    assert segs[-1].id == "IEA" and segs[-1].delimiters.segment == "!"
    assert segs[-1][2] == "000000001"


def test_streaming_across_small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seg_mod, "CHUNK_SIZE", 7)
    data = (ISA + BODY * 3).encode()
    whole = [s.x12() for s in read_segments(data)]
    streamed = [s.x12() for s in read_segments(io.BytesIO(data))]
    assert streamed == whole and len(whole) == 1 + 7 * 3


def test_path_and_utf16(tmp_path: Path) -> None:
    path = tmp_path / "x.835"
    path.write_bytes((ISA + BODY).encode("utf-16-le"))
    assert [s.id for s in read_segments(path)][:2] == ["ISA", "GS"]


def test_transactions_carry_envelope_and_count_warnings() -> None:
    body = BODY.replace("SE*4*0001", "SE*9*0001")
    second = ISA.replace("000000001", "000000002") + BODY.replace("IEA*1*000000001", "IEA*1*2")
    txns = list(iter_transactions(read_segments(ISA + body + second)))
    assert len(txns) == 2
    txn = txns[0]
    assert txn.type == "835" and txn.version == "005010X221A1" and txn.functional_group == "HP"
    assert txn.isa is not None and txn.isa[13] == "000000001"
    assert [s.id for s in txn.segments] == ["ST", "BPR", "SVC", "SE"]
    assert txn.warnings == [
        "segment 6 (SE): SE01 says 9 segments; transaction set 0001 has 4 (ST to SE)"
    ]
    assert txns[1].warnings == []  # IEA02 2 is ISA13 000000002


def test_missing_se_is_reported_not_raised() -> None:
    text = ISA + "GS*HP*S*R*1*1*1*X*V~ST*835*1~BPR*I*1*C~ST*835*2~SE*2*2~GE*2*1~IEA*1*000000001~"
    txns = list(iter_transactions(read_segments(text)))
    assert len(txns) == 2
    assert txns[0].warnings == [
        "segment 3 (ST): transaction set 1 has no SE before segment 5 (ST): it is cut short "
        "or another file was joined to it"
    ]
    assert txns[1].warnings == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("", "empty"),
        ("   \n", "empty"),
        ("hello world, not edi", "does not look like X12"),
        ("ISA*00*", "cut short"),
        ("ISA*00*  *00*  *ZZ*S*ZZ*R*1*2*^*00501*1*0*P*:", "ISA16"),
        ("ISA000000", "element separator"),
    ],
)
def test_not_x12_is_refused_with_a_message(data: str, message: str) -> None:
    with pytest.raises(X12Error, match=message):
        list(read_segments(data))


def test_runaway_segment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seg_mod, "CHUNK_SIZE", 64)
    monkeypatch.setattr(seg_mod, "MAX_SEGMENT", 1000)
    data = (ISA + "ST*835*1~BPR*" + "9" * 5000).encode()
    with pytest.raises(X12Error, match="runs past 1,000 characters"):
        list(read_segments(io.BytesIO(data)))


def test_describe_names_the_transaction() -> None:
    assert describe("837", "005010X222A1") == "837P professional health care claim (005010X222A1)"
    assert describe("999") == "999 implementation acknowledgment"
    assert describe("", "") == "unknown transaction"


@pytest.mark.shared
@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.name}" for p in FILES])
def test_every_corpus_file_tokenizes(path: Path, shared: Path) -> None:
    """Each file reads into transactions whose type matches the manifest, or is refused."""
    row = MANIFEST.get(f"{path.parent.name}/{path.name}", {})
    expected = row.get("transaction", "")
    if path.name == "oopf__UnicodeExample.txt":
        # UTF-16 without a byte-order mark: the manifest's tools could not read it; we can
        txns = list(iter_transactions(read_segments(path)))
        assert [t.type for t in txns] == ["837"]
        assert "has no SE" in txns[0].warnings[0]
        return
    if expected == "none":
        # deliberately broken files: refused with our error, or read with nothing inside
        try:
            txns = list(iter_transactions(read_segments(path)))
        except X12Error as exc:
            assert str(exc)
            return
        assert txns == []
        return
    reader = read_segments(path)
    txns = list(iter_transactions(reader, path.name))
    assert txns, f"{path.name}: no transaction found"
    types = {t.type for t in txns}
    if not row:  # a file the manifest does not list (a validator's 999 left in the folder)
        assert types <= set(TRANSACTION_NAMES), types
        return
    assert types == {expected[:3]}, (types, expected)
    notes = row.get("notes", "")
    if "delimiters el/comp/rep/term='" in notes:
        spec = notes.split("delimiters el/comp/rep/term='", 1)[1][:4]
        d = reader.delimiters
        assert d is not None
        assert (d.element, d.component) == (spec[0], spec[1])
        assert d.segment == ("\n" if spec[3] == "\\" else spec[3])
    if "no ISA" in notes:
        assert not reader.has_isa
    for txn in txns:
        assert txn.segments[0].id == "ST"
