"""Reading X12 like a clearinghouse: envelope counts, control numbers and presence, every
transaction set accounted for, one path-or-text rule, messages that say what a file is.

Each case of issue 17's "Measured" list for X12 is here (with its neighbours), built from
the project's own files so the tests run without ../shared.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import addin
from addin.cli import app
from addin.errors import X12Error
from addin.x12.segments import read_segments
from addin.x12.x835 import read_remittance, read_remittances
from addin.x12.x835_lean import LeanUnsupported, read_remittances_lean
from addin.x12.x837p.checks import check_837p
from addin.x12.x837p.reader import read_837p

DATA = Path(__file__).resolve().parents[1] / "data"
ERA = (DATA / "x12" / "statuses.835").read_text("ascii")  # ISA..IEA, one 835, balanced
CLAIM = (DATA / "x837p" / "golden" / "E1001.837").read_text("ascii")  # one 837P claim
COMMANDS = {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}


def era_with(old: str, new: str, text: str = ERA) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def warnings_of(text: str | bytes) -> list[str]:
    return [w for t in read_remittances(text) for w in t.warnings]


def rules_of(text: str) -> list[str]:
    return [f.rule for f in check_837p(read_837p(text))]


# -- the same envelope rules for the 835 (model reader) and the 837P (checks) ---------------
ENVELOPE_CASES = [
    # (what, 835 edit, 837P edit, rule, words in the message)
    ("missing GE", ("GE*1*101~\n", ""), ("GE*1*101~\n", ""), "X12-GE", ["has no GE"]),
    ("missing IEA", ("IEA*1*000000101~\n", ""), ("IEA*1*000000101~\n", ""), "X12-IEA",
     ["has no IEA"]),
    ("wrong SE01", ("SE*66*0001", "SE*65*0001"), ("SE*32*0101", "SE*31*0101"), "X12-SE01",
     ["SE01 says"]),
    ("SE02 is not ST02", ("SE*66*0001", "SE*66*0002"), ("SE*32*0101", "SE*32*0102"),
     "X12-SE02", ["does not match ST02"]),
    ("wrong GE01", ("GE*1*101", "GE*2*101"), ("GE*1*101", "GE*2*101"), "X12-GE",
     ["GE01 says 2"]),
    ("GE02 is not GS06", ("GE*1*101", "GE*1*102"), ("GE*1*101", "GE*1*102"), "X12-GE",
     ["GE02 '102' does not match GS06 '101'"]),
    ("wrong IEA01", ("IEA*1*", "IEA*3*"), ("IEA*1*", "IEA*3*"), "X12-IEA", ["IEA01 says 3"]),
    ("IEA02 is not ISA13", ("IEA*1*000000101", "IEA*1*000000999"),
     ("IEA*1*000000101", "IEA*1*000000999"), "X12-IEA", ["does not match ISA13"]),
    ("trailing garbage", ("IEA*1*000000101~\n", "IEA*1*000000101~\nJUNK*1~\n"),
     ("IEA*1*000000101~\n", "IEA*1*000000101~\nJUNK*1~\n"), "X12-ENVELOPE",
     ["after the IEA"]),
    ("a segment between SE and GE", ("GE*1*101~", "NTE*X~\nGE*1*101~"),
     ("GE*1*101~", "NTE*X~\nGE*1*101~"), "X12-ENVELOPE", ["outside any transaction set"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("what", "edit", "rule", "words"),
    [(c[0], c[1], c[3], c[4]) for c in ENVELOPE_CASES],
    ids=[c[0] for c in ENVELOPE_CASES],
)
def test_835_envelope_problems_are_reported(
    what: str, edit: tuple[str, str], rule: str, words: list[str]
) -> None:
    found = warnings_of(era_with(*edit))
    assert found, f"{what}: no warning"
    for word in words:
        assert any(word in w for w in found), (word, found)
    assert warnings_of(ERA) == []  # the file as it was is clean


@pytest.mark.parametrize(
    ("what", "edit", "rule", "words"),
    [(c[0], c[2], c[3], c[4]) for c in ENVELOPE_CASES],
    ids=[c[0] for c in ENVELOPE_CASES],
)
def test_837p_envelope_problems_are_findings(
    what: str, edit: tuple[str, str], rule: str, words: list[str]
) -> None:
    findings = check_837p(read_837p(era_with(*edit, text=CLAIM)))
    messages = [f.message for f in findings if f.rule == rule]
    assert messages, f"{what}: {rule} not reported; got {[f.rule for f in findings]}"
    for word in words:
        assert any(word in m for m in messages), (word, messages)
    assert all(f.severity == "error" for f in findings)


def test_missing_se_is_reported_on_its_transaction() -> None:
    text = era_with("SE*66*0001~\n", "")
    (txn,) = read_remittances(text)
    assert any("transaction set 0001 has no SE before" in w for w in txn.warnings)
    assert rules_of(era_with("SE*32*0101~\n", "", text=CLAIM))[:1] == ["X12-SE"]


def test_duplicate_st02_within_a_group() -> None:
    body = ERA[ERA.index("ST*835") : ERA.index("GE*")]
    text = era_with("GE*1*101", "GE*2*101", ERA.replace("GE*1*101", body + "GE*1*101"))
    txns = list(read_remittances(text))
    assert len(txns) == 2
    assert any("ST02 '0001' is used twice" in w for w in txns[1].warnings)
    with pytest.raises(LeanUnsupported):
        list(read_remittances_lean(text))


@pytest.mark.parametrize("edit", [c[1] for c in ENVELOPE_CASES], ids=[c[0] for c in ENVELOPE_CASES])
def test_lean_reader_declines_a_damaged_envelope(edit: tuple[str, str]) -> None:
    """The fast path never passes a damaged envelope silently: it declines, and reconcile
    then reads the file with the model reader, which reports it."""
    list(read_remittances_lean(ERA))  # the clean file takes the lean path
    with pytest.raises(LeanUnsupported):
        list(read_remittances_lean(era_with(*edit)))


def test_audit_alone_on_a_clean_stream() -> None:
    from addin.x12.audit import EnvelopeAudit  # (imported here: the module is new)

    audit = EnvelopeAudit()
    for seg in read_segments(ERA):
        audit.feed(seg.id, seg.elements, seg.where)
    assert audit.finish() == []


# -- every transaction set accounted for ------------------------------------------------------
def _with_837(after: bool) -> str:
    """The 835 file with the 837P's group added in the same interchange (IEA01 = 2)."""
    group = CLAIM[CLAIM.index("GS*") : CLAIM.index("IEA*")]
    group = group.replace("*101*X*", "*102*X*").replace("GE*1*101", "GE*1*102")  # own GS06
    ge = ERA.index("IEA*")
    text = ERA[:ge] + group + ERA[ge:] if after else ERA[: ERA.index("GS*")] + group
    if not after:
        text += ERA[ERA.index("GS*") :]
    return text.replace("IEA*1*", "IEA*2*")


@pytest.mark.parametrize("after", [True, False], ids=["837 after the 835", "837 before"])
def test_an_837_in_an_835_file_is_named_not_dropped(after: bool) -> None:
    txns = list(read_remittances(_with_837(after)))
    plain = read_remittance(ERA)
    assert not isinstance(plain, list)
    assert len(txns) == 1 and len(txns[0].claims) == len(plain.claims)
    notes = [w for w in txns[0].warnings if "not an 835" in w]
    assert len(notes) == 1, txns[0].warnings
    assert "837P professional health care claim" in notes[0]
    assert "claimbook check-837p" in notes[0]
    assert not [w for w in txns[0].warnings if w not in notes]  # nothing else is wrong


def test_remit_exits_1_and_names_the_other_transaction(tmp_path: Path) -> None:
    path = tmp_path / "mixed.835"
    path.write_text(_with_837(True), "ascii")
    result = CliRunner().invoke(app, ["remit", str(path)])
    assert result.exit_code == 1, result.output
    assert "837P professional health care claim" in result.output


def test_header_only_837p_is_a_finding_not_zero_problems(tmp_path: Path) -> None:
    start, end = CLAIM.index("HL*2*"), CLAIM.index("SE*")
    body = CLAIM[:start] + CLAIM[end:]
    count = body[body.index("ST*") : body.index("SE*")].count("~") + 1
    body = body.replace("SE*32*", f"SE*{count}*")
    # (HL04 of the billing provider still says children follow: that is reported too)
    assert rules_of(body) == ["X12-NO-CLAIMS", "X12-HL"]
    path = tmp_path / "header.837"
    path.write_text(body, "ascii")
    result = CliRunner().invoke(app, ["check-837p", str(path)])
    assert result.exit_code == 1
    assert "0 problem(s)" not in result.output and "holds no claim" in result.output


# -- messages that say what a file is and what to do ----------------------------------------
def _named_commands(message: str) -> set[str]:
    return set(re.findall(r"`claimbook ([a-z0-9-]+)", message))


def test_no_internals_leak_from_a_damaged_amount(tmp_path: Path) -> None:
    path = tmp_path / "damaged.837"
    path.write_text(CLAIM.replace("SV1*HC:90686*40.5*UN*1*", "SV1*HC:90686*40.5*UN*abc*"))
    result = CliRunner().invoke(app, ["check-837p", str(path), "--json"])
    assert result.exit_code == 1
    assert "<class" not in result.output and "decimal." not in result.output
    assert "Value error" not in result.output and "units:" not in result.output
    assert "SV104 'abc'" in result.output


def test_an_835_labelled_hc_is_not_called_an_837() -> None:
    text = era_with("GS*HP*", "GS*HC*")
    with pytest.raises(X12Error) as info:
        read_837p(text)
    message = str(info.value)
    assert "835 claim payment/remittance advice" in message
    assert "837 health care claim" not in message
    assert _named_commands(message) <= COMMANDS and "remit" in _named_commands(message)
    assert len(list(read_remittances(text))) == 1  # and the 835 reader reads it


def test_a_4010_837_gets_advice_that_exists() -> None:
    text = CLAIM.replace("005010X222A1", "004010X098A1").replace("*00501*", "*00401*")
    with pytest.raises(X12Error) as info:
        read_837p(text)
    message = str(info.value)
    assert "4010" in message and "5010" in message
    assert "use the command for that kind of file" not in message
    assert _named_commands(message) <= COMMANDS
    with pytest.raises(X12Error) as remit_info:
        read_remittance(text)
    assert _named_commands(str(remit_info.value)) <= COMMANDS


@pytest.mark.parametrize("kind", ["835", "837"])
def test_a_lowercase_file_is_told_so(kind: str) -> None:
    text = (ERA if kind == "835" else CLAIM).lower()
    reader = read_remittances if kind == "835" else read_837p
    with pytest.raises(X12Error, match="lower case") as info:
        list(reader(text))  # type: ignore[operator]
    assert "expected an ISA header" not in str(info.value)


# -- one path-or-text rule for every reader --------------------------------------------------
READERS = {
    "read_remittances": lambda s: list(addin.read_remittances(s)),
    "read_remittance": addin.read_remittance,
    "read_remittances_lean": lambda s: list(read_remittances_lean(s)),
    "read_837p": addin.read_837p,
    "read_segments": lambda s: list(read_segments(s)),
}


@pytest.mark.parametrize("name", sorted(READERS))
def test_a_str_path_is_read_as_the_file(name: str, tmp_path: Path) -> None:
    text = CLAIM if name == "read_837p" else ERA
    path = tmp_path / ("file.837" if name == "read_837p" else "file.835")
    path.write_text(text, "ascii")
    read = READERS[name]
    by_path, by_str, by_text = read(path), read(str(path)), read(text)
    if name == "read_837p":
        assert by_path.x12() == by_str.x12() == by_text.x12() == text
    elif name == "read_segments":
        assert [s.id for s in by_str] == [s.id for s in by_text] == [s.id for s in by_path]
    else:
        claims = lambda items: [  # noqa: E731
            c.patient_control_number for t in (items if isinstance(items, list) else [items])
            for c in t.claims
        ]  # fmt: skip
        assert claims(by_str) == claims(by_text) == claims(by_path) != []


@pytest.mark.parametrize("name", sorted(READERS))
@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("missing.835", "no file has that name"),
        ("hello, not edi\nat all", "does not look like X12"),
    ],
)
def test_neither_a_file_nor_x12_is_a_clear_error(name: str, source: str, words: str) -> None:
    with pytest.raises(X12Error, match=words):
        READERS[name](source)


def test_the_rule_itself(tmp_path: Path) -> None:
    from addin.x12.segments import x12_source  # (imported here: the function is new)

    path = tmp_path / "x.835"
    path.write_text(ERA)
    assert x12_source(str(path)) == path and x12_source(path) is path
    assert x12_source(ERA) is ERA and x12_source("\ufeff  ST*835*1~") == "\ufeff  ST*835*1~"
    assert x12_source(b"ISA") == b"ISA" and x12_source("") == ""
    with pytest.raises(X12Error):
        x12_source("x" * 5000)


# -- exit codes --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "code"),
    [
        (ERA, 0),
        (ERA.replace("BPR*I*460.00*", "BPR*I*470.00*"), 1),  # does not balance
        (ERA.replace("GE*1*101", "GE*1*102"), 1),  # envelope problem
        (CLAIM, 2),  # not an 835
        ("not x12 at all", 2),
    ],
    ids=["clean", "unbalanced", "GE02", "an 837P", "not X12"],
)
def test_remit_exit_codes(content: str, code: int, tmp_path: Path) -> None:
    path = tmp_path / "era.835"
    path.write_text(content, "ascii")
    for extra in ([], ["--json"]):
        result = CliRunner().invoke(app, ["remit", str(path), *extra])
        assert result.exit_code == code, result.output
    assert CliRunner().invoke(app, ["remit", str(tmp_path / "missing.835")]).exit_code == 2


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (CLAIM, 0),
        (CLAIM.replace("GE*1*101", "GE*1*102"), 1),
        (CLAIM.replace("005010X222A1", "005010X222A2"), 2),
        (ERA, 2),
    ],
    ids=["clean", "GE02", "X222A2 label", "an 835"],
)
def test_check_837p_exit_codes(content: str, code: int, tmp_path: Path) -> None:
    path = tmp_path / "claims.837"
    path.write_text(content, "ascii")
    assert CliRunner().invoke(app, ["check-837p", str(path)]).exit_code == code
