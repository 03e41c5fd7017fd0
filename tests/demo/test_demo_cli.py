"""``claimbook demo`` through CliRunner, and the generator's reproducibility."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from addin.cli import app
from addin.codesets import icd10cm
from addin.coding.rules.fields import npi_problem
from addin.demo import data, run_demo
from addin.demo.generate import generate

runner = CliRunner()


def test_demo_command_json(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--out", str(tmp_path), "--encounters", "80", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    summary, intended = payload["summary"], payload["intended"]
    assert summary["claims_sent"] == len(intended["submissions"])
    assert summary["deposits"] == intended["deposits"] and summary["difference"] == "0.00"
    assert Path(summary["output"]).is_file()
    assert all(Path(p).is_file() for p in summary["x12"]) and summary["x12"]
    assert summary["weeks"] == len(data.RUN_DAYS)
    assert (tmp_path / "inputs" / "answer-key.json").is_file()


def test_demo_command_prints_the_summary(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--out", str(tmp_path), "--encounters", "60"])
    assert result.exit_code == 0, result.output
    for words in ("claims sent", "encounters held", "denied", "A/R by age", "deposits (BPR02)",
                  "Findings by rule", "ICD-VINTAGE", "code sets: icd10cm FY2026",
                  "payments posted / duplicates"):  # fmt: skip
        assert words in result.stdout


def test_same_seed_same_files_other_seed_other_files(tmp_path: Path) -> None:
    a = run_demo(tmp_path / "a", encounters=80, seed=7)
    b = run_demo(tmp_path / "b", encounters=80, seed=7)
    c = run_demo(tmp_path / "c", encounters=80, seed=8)
    assert a.answer_key() == b.answer_key()

    def eras(out: Path) -> list[bytes]:
        return [p.read_bytes() for p in sorted((out / "inputs").glob("week-*/*.835"))]

    assert eras(tmp_path / "a") == eras(tmp_path / "b")
    assert a.answer_key()["final"] != c.answer_key()["final"]


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
    # every seeded mistake the biller fixes knows how (the cells to type)
    assert all(e.fix_cells for e in demo.encounters if e.fix)


def test_demo_never_removes_a_folder_it_did_not_make(tmp_path: Path) -> None:
    keep = tmp_path / "inputs" / "my-notes.txt"
    keep.parent.mkdir()
    keep.write_text("not the demo's\n")
    result = runner.invoke(app, ["demo", "--out", str(tmp_path), "--encounters", "40"])
    assert result.exit_code == 2
    assert "not an earlier demo's inputs" in result.output
    assert keep.read_text() == "not the demo's\n"
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / data.WORKBOOK_NAME).write_bytes(b"the clinic's own workbook")
    refused = runner.invoke(app, ["demo", "--out", str(other), "--encounters", "40"])
    assert refused.exit_code == 2 and "not made by an earlier demo" in refused.output
    assert (other / data.WORKBOOK_NAME).read_bytes() == b"the clinic's own workbook"


def test_demo_reruns_into_the_same_folder(tmp_path: Path) -> None:
    counts = []
    for _ in range(2):
        result = runner.invoke(app, ["demo", "--out", str(tmp_path), "--encounters", "40"])
        assert result.exit_code == 0, result.output
        counts.append(len(list(tmp_path.glob("* claims/*.837"))))
    assert counts[0] == counts[1] > 0  # the earlier run's files went first
