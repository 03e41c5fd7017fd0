"""Every 837P in ../shared/corpus: pyx12-accepted X222A1 files round-trip; others say why not."""

from __future__ import annotations

from pathlib import Path

import pytest
from x837p_pyx12 import pyx12_errors

from addin.errors import X12Error
from addin.x12.segments import read_segments
from addin.x12.x837p.checks import check_837p
from addin.x12.x837p.reader import read_837p

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "x12" / "837p"
FILES = sorted(p.name for p in CORPUS.iterdir()) if CORPUS.is_dir() else []
#: Words a rejection must use so the user knows what to do.
REASONS = ("X222A2", "base guide", "no ISA", "does not belong in loop", "not an 837P")


def segments(source: str | Path) -> list[list[str]]:
    return [[seg.id, *seg.elements] for seg in read_segments(source)]


@pytest.mark.parametrize("name", FILES)
def test_corpus_837p(name: str, shared: Path) -> None:
    path = CORPUS / name
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig", errors="replace")  # the BOM is ours to handle, not pyx12's
    accepted = not pyx12_errors(text)
    try:
        doc = read_837p(path)
    except X12Error as exc:
        assert not accepted, f"pyx12 accepts {name} but we refuse it: {exc}"
        assert any(word in str(exc) for word in REASONS), str(exc)
        assert name in str(exc)
        return
    if raw.startswith(b"\xef\xbb\xbf"):
        assert doc.had_bom and any("byte-order mark" in w for w in doc.warnings)
    written = doc.x12()
    if accepted:
        assert segments(written) == segments(path), f"{name}: parse then write changed segments"
    else:
        # Not required to round-trip; when it does not, the only loss allowed is the trailing
        # empty elements pyx12 itself rejects ("trailing element terminators").
        if segments(written) != segments(path):
            assert any("trailing" in e for e in pyx12_errors(text)), name
    if b"*BK:" in raw or b"*BK>" in raw:
        # ICD-9 qualifiers are fine before 2015-10-01 and flagged after it.
        rules = {f.rule for f in check_837p(doc)}
        late = any(
            d >= "20151001" for d in (s[3][:8] for s in segments(path) if s[:2] == ["DTP", "472"])
        )
        assert ("X12-ICD9-QUALIFIER" in rules) == late, name


def test_corpus_covers_the_kinds_of_file(shared: Path) -> None:
    """The corpus still holds what the cases above rely on."""
    assert any(n.startswith("lfh__") for n in FILES)  # X222A2 label
    assert "imsweb__x12_no_isa_line.txt" in FILES
    assert any(n.startswith("oopf__") for n in FILES)  # byte-order marks
    assert len(FILES) >= 60


OTHER = CORPUS.parent / "other"
OTHER_FILES = sorted(p.name for p in OTHER.iterdir()) if OTHER.is_dir() else []


@pytest.mark.parametrize("name", OTHER_FILES)
def test_other_transactions_are_refused_saying_what_they_are(name: str, shared: Path) -> None:
    if name == "oopf__UnicodeExample.txt":
        # A UTF-16 837 cut short after its ST: read, and every missing trailer is an error.
        rules = [f.rule for f in check_837p(read_837p(OTHER / name))]
        assert rules[:3] == ["X12-SE", "X12-GE", "X12-IEA"] and "X12-NO-CLAIMS" in rules, rules
        return
    with pytest.raises(X12Error) as info:
        read_837p(OTHER / name)
    message = str(info.value)
    assert name in message
    kinds = ("835", "837I", "999", "997", "277", "276", "270", "271", "834", "4010", "004010")
    generic = ("no ISA", "does not look like X12", "no GS/ST", "no SE", "not an 837P", "damaged")
    assert any(k in message for k in kinds + generic), message
    if " 837 " in message or "837 health care claim" in message:
        raise AssertionError(f"an {name} is not an 837: {message}")
