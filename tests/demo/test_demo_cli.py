"""``claimbook demo`` through CliRunner, and the generator's reproducibility."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from addin.cli import app
from addin.codesets import icd10cm
from addin.coding.rules.fields import npi_problem
from addin.demo import data, make_inputs
from addin.demo.generate import generate

runner = CliRunner()


def test_demo_command_json(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--out", str(tmp_path), "--encounters", "80", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    summary, intended = payload["summary"], payload["intended"]
    assert summary["claims_built"] == intended["billable"]
    assert summary["claims_held"] == len(intended["mistakes"])
    assert summary["difference"] == "0.00"
    assert Path(summary["output"]).is_file()
    assert Path(summary["x12"]).is_file()
    assert (tmp_path / "inputs" / "answer-key.json").is_file()


def test_demo_command_prints_the_summary(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--out", str(tmp_path), "--encounters", "60"])
    assert result.exit_code == 0, result.output
    for words in ("claims built", "claims held", "denied", "A/R by age", "deposits (BPR02)",
                  "Findings by rule", "ICD-VINTAGE", "code sets: icd10cm FY2026"):  # fmt: skip
        assert words in result.stdout


def test_same_seed_same_files_other_seed_other_files(tmp_path: Path) -> None:
    a = make_inputs(tmp_path / "a", 120, seed=7)
    b = make_inputs(tmp_path / "b", 120, seed=7)
    c = make_inputs(tmp_path / "c", 120, seed=8)
    assert a.answer_key() == b.answer_key()
    texts_a = [p.read_bytes() for p in a.remittances if p.suffix == ".835"]
    texts_b = [p.read_bytes() for p in b.remittances if p.suffix == ".835"]
    assert texts_a == texts_b
    assert a.answer_key()["intent"] != c.answer_key()["intent"]


def test_generated_data_is_plausible() -> None:
    demo = generate(500)
    npis = [*demo.providers.values(), demo.settings["Billing NPI"]]
    assert len(set(npis)) == 4 and all(npi_problem(n) is None for n in npis)
    assert {e.payer for e in demo.billable} == {p.name for p in data.PAYERS}
    assert {e.service_line for e in demo.encounters} == {"primary", "urgent", "behavioural"}
    clean = [e for e in demo.encounters if not e.mistake]
    for enc in clean:
        assert data.QUARTER_START <= enc.dos <= data.QUARTER_END
        for code in enc.typed_dx:
            assert icd10cm.lookup(code, enc.dos).status == "ok", (enc.encounter_id, code)
        for line in enc.lines:
            assert line.code in data.FEES
            assert line.charge == data.FEES[line.code][0] * line.units
    modifiers = {m for e in demo.encounters for line in e.lines for m in line.modifiers}
    assert {"25", "59", "95", "RT", "LT"} <= modifiers
    share = sum(1 for e in demo.encounters if e.mistake) / len(demo.encounters)
    assert 0.04 <= share <= 0.06


def test_demo_never_removes_a_folder_it_did_not_make(tmp_path: Path) -> None:
    keep = tmp_path / "inputs" / "my-notes.txt"
    keep.parent.mkdir()
    keep.write_text("not the demo's\n")
    result = runner.invoke(app, ["demo", "--out", str(tmp_path), "--encounters", "40"])
    assert result.exit_code == 2
    assert "not an earlier demo's inputs" in result.output
    assert keep.read_text() == "not the demo's\n"


def test_demo_reruns_into_the_same_folder(tmp_path: Path) -> None:
    for _ in range(2):
        result = runner.invoke(app, ["demo", "--out", str(tmp_path), "--encounters", "40"])
        assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "x12").glob("*.837"))) == 1
