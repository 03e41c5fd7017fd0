"""``claimbook demo``: generate the clinic's quarter from the seed and run it end to end."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from addin.demo import data
from addin.demo.data import ZERO
from addin.demo.era import Remits, adjudicate, write_remits
from addin.demo.generate import DemoData, generate
from addin.demo.pipeline import ClinicRun, Progress, run_clinic
from addin.demo.workbook import write_workbook
from addin.errors import OutputError
from addin.sheets import default_output

INPUTS = "inputs"
ANSWERS = "answer-key.json"


@dataclass
class DemoInputs:
    """The generated files and what the generator meant by them."""

    folder: Path
    workbook: Path
    remittances: list[Path]
    demo: DemoData
    remits: Remits

    def answer_key(self) -> dict[str, Any]:
        """What the run should find: seeded mistakes, intended outcomes, deposits."""
        r = self.remits
        return {
            "seed": self.demo.seed,
            "encounters": len(self.demo.encounters),
            "billable": len(self.demo.billable),
            "mistakes": [
                {
                    "encounter_id": e.encounter_id,
                    "rule": e.mistake,
                    "column": e.mistake_column,
                    "rows": e.rows,
                }
                for e in self.demo.encounters
                if e.mistake
            ],
            "suggested": {
                e.encounter_id: [code for code, _ in e.diagnoses]
                for e in self.demo.encounters
                if e.suggested
            },
            "outcomes": dict(Counter(r.intent.values())),
            "intent": r.intent,
            "denial_reasons": r.denial_reasons,
            "reversed": r.reversed,
            "split": r.split,
            "interest": r.interest,
            "payments": len(r.checks),
            "deposits": f"{r.deposits:.2f}",
            "claims_paid": f"{sum((c.paid for k in r.checks for c in k.claims), ZERO):.2f}",
            "provider_adjustments": f"{sum((a for k in r.checks for *_, a in k.plb), ZERO):.2f}",
        }


def make_inputs(
    folder: Path, encounters: int = data.ENCOUNTERS, seed: int = data.SEED
) -> DemoInputs:
    """Write the demo workbook, the 835 files, the portal sheet and the answer key."""
    demo = generate(encounters, seed)
    remits = adjudicate(demo)
    folder.mkdir(parents=True, exist_ok=True)
    workbook = write_workbook(demo, folder / data.WORKBOOK_NAME)
    paths = write_remits(remits, demo.settings, folder / "remittances")
    inputs = DemoInputs(folder, workbook, paths, demo, remits)
    (folder / ANSWERS).write_text(json.dumps(inputs.answer_key(), indent=1), encoding="utf-8")
    return inputs


def clear_earlier_run(out: Path) -> None:
    """Remove what an earlier demo wrote into ``out``: never a folder the demo did not make.

    ``out/inputs`` goes only when it holds the answer key; in ``out/x12`` only the demo's
    837P files go.
    """
    inputs = out / INPUTS
    if inputs.exists():
        if not (inputs / ANSWERS).is_file():
            raise OutputError(
                f"{inputs}: exists and is not an earlier demo's inputs (no {ANSWERS}); "
                "choose another --out"
            )
        shutil.rmtree(inputs)
    stem = Path(data.WORKBOOK_NAME).stem
    for old in (out / "x12").glob(f"{stem}-*.837"):
        old.unlink()


@dataclass
class DemoResult:
    """The demo's inputs and the clinic run over them."""

    inputs: DemoInputs
    run: ClinicRun

    def to_json(self) -> dict[str, Any]:
        return {"summary": self.run.summary(), "intended": self.inputs.answer_key()}


def run_demo(
    out: Path,
    *,
    encounters: int = data.ENCOUNTERS,
    seed: int = data.SEED,
    progress: Progress | None = None,
) -> DemoResult:
    """Generate the quarter into ``out/inputs``; run it into ``out/<clinic>.claimbook.xlsx``.

    An earlier demo's files in ``out`` are removed first, and only those (see
    :func:`clear_earlier_run`).
    """
    step = progress or (lambda _: None)
    step("generate the quarter")
    clear_earlier_run(out)
    inputs = make_inputs(out / INPUTS, encounters, seed)
    result = default_output(out / data.WORKBOOK_NAME)  # <clinic>.claimbook.xlsx
    run = run_clinic(
        inputs.workbook,
        inputs.remittances,
        out=result,
        x12_dir=out / "x12",
        today=data.AS_OF,
        as_of=data.AS_OF,
        progress=step,
    )
    demo_result = DemoResult(inputs, run)
    (out / "summary.json").write_text(json.dumps(run.summary(), indent=1), encoding="utf-8")
    return demo_result
