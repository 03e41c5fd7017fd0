"""``claimbook demo``: the clinic's quarter, run week by week as an office would run it.

Every Friday from 2026-07-03 to 2026-10-30 the office types the week's visits into the
workbook, fixes what Claimbook showed the week before, works the denial worklist, drops the
week's files (the clearinghouse's 999s and 277CAs, the payers' 835s and one payer's portal
export) into ``inputs/week-NN-DATE/``, and runs the weekly cycle (``addin.runs.cycle``) on the
workbook. The clearinghouse answers each 837P the run writes (one batch rejected whole, a few
claims rejected for a member ID the payer does not know), and the payers adjudicate the
claims they receive and pay them on their own days. What the world did is the answer key.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from addin import runs
from addin.demo import data
from addin.demo.clearinghouse import ack_277ca, ack_999, read_batch
from addin.demo.era import BankExport, Check, era_text, write_bank_export, write_payer_sheet
from addin.demo.generate import DemoData, generate
from addin.demo.office import Office
from addin.demo.payers import Payers
from addin.demo.workbook import write_workbook
from addin.errors import OutputError
from addin.runs.summary import summarise
from addin.x12.envelope import ControlNumberStore
from addin.x12.x837p import claims_from_837p, read_837p

INPUTS = "inputs"
ANSWERS = "answer-key.json"
CONTROL = "control-numbers.json"  # the office machine's X12 control numbers
DUPLICATE_WEEK = 8  # an ERA downloaded twice that week, and again the week after
SEND_TIME = time(16, 30)  # when the office sends its claims on a run day
Progress = Callable[[str], None]
ZERO = Decimal("0.00")


@dataclass
class Week:
    """One Friday: what arrived, what the run did, and whether running it again changed it."""

    number: int
    day: date
    folder: Path
    acknowledgments: list[Path]
    remittances: list[Path]
    outcome: runs.Outcome
    again_changed: bool | None = None


@dataclass
class World:
    """What the clearinghouse and the payers did: the answer key's source."""

    sent: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # claim -> (freq, week)
    rejected: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # claim -> (week, why)
    checks: list[Check] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    files: int = 0
    bank: BankExport | None = None


@dataclass
class DemoResult:
    """The demo's folders, the office, the world, each week, and the last run."""

    out: Path
    ledger: Path
    demo: DemoData
    office: Office
    payers: Payers
    world: World
    weeks: list[Week]

    @property
    def final(self) -> runs.Outcome:
        return self.weeks[-1].outcome

    def summary(self) -> dict[str, Any]:
        out = summarise(self.final, data.AS_OF)
        out.update(
            {
                "output": str(self.ledger),
                "weeks": len(self.weeks),
                "remittance_files": self.world.files,
                "x12": sorted(
                    str(p) for w in self.weeks for p in w.outcome.files if p.suffix == ".837"
                ),  # fmt: skip
            }
        )
        return out

    def answer_key(self) -> dict[str, Any]:
        return answer_key(self)

    def to_json(self) -> dict[str, Any]:
        return {"summary": self.summary(), "intended": self.answer_key()}


def clear_earlier_run(out: Path) -> None:
    """Remove what an earlier demo wrote into ``out``: never a folder the demo did not make.

    ``out/inputs`` goes only when it holds the answer key; then the workbook and its folders.
    """
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: is a file; --out takes a folder for the demo's files")
    inputs = out / INPUTS
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: is a file; give --out a folder for the demo")
    if inputs.exists():
        if not (inputs / ANSWERS).is_file():
            raise OutputError(
                f"{inputs}: exists and is not an earlier demo's inputs (no {ANSWERS}); "
                "choose another --out"
            )
        shutil.rmtree(inputs)
        stem = Path(data.WORKBOOK_NAME).stem
        for name in (f"{stem} claims", f"{stem} remittances", f"{stem} acknowledgments",
                     f"{stem} bank", "Claimbook backups"):  # fmt: skip
            if (out / name).is_dir():
                shutil.rmtree(out / name)
        for name in (data.WORKBOOK_NAME, "summary.json", f".{data.WORKBOOK_NAME}.claimbook-lock"):
            (out / name).unlink(missing_ok=True)
    elif (out / data.WORKBOOK_NAME).exists():
        raise OutputError(
            f"{out / data.WORKBOOK_NAME}: exists and was not made by an earlier demo; choose "
            "another --out"
        )


def _week_folder(inputs: Path, number: int) -> Path:
    return inputs / f"week-{number:02d}-{data.RUN_DAYS[number - 1]}"


def _deliver(
    checks: list[Check], folder: Path, control: int, world: World, settings: dict[str, str]
) -> list[Path]:
    """The week's payments as the payers send them: an 835 per payment, one portal export."""
    written: list[Path] = []
    portal = [c for c in checks if not c.payer.era]
    for offset, check in enumerate(c for c in checks if c.payer.era):
        slug = check.payer.name.split()[0].lower()
        path = folder / f"{slug}-{check.paid_on:%Y%m%d}-{check.trace}.835"
        path.write_text(era_text(check, settings, control + offset), encoding="ascii")
        written.append(path)
    if portal:
        slug = portal[0].payer.name.lower().replace(" ", "-")
        written.append(write_payer_sheet(portal, folder / f"{slug}-{folder.name[8:]}.xlsx"))
    world.checks.extend(checks)
    world.files += len(written)
    return written


@runs.keep_indexes()  # thirteen weeks in one process: the suggestion index is loaded once
def run_demo(
    out: Path,
    *,
    encounters: int = data.ENCOUNTERS,
    seed: int = data.SEED,
    progress: Progress | None = None,
    again: bool = False,
) -> DemoResult:
    """Run the quarter into ``out``: the workbook, its folders, ``inputs/`` and the key.

    ``again`` runs every week a second time right after the first and records whether the
    second run changed anything (it must not).
    """
    step = progress or (lambda _: None)
    step("generate the quarter")
    clear_earlier_run(out)
    out.mkdir(parents=True, exist_ok=True)
    demo = generate(encounters, seed)
    inputs = out / INPUTS
    inputs.mkdir()
    # marks the folder as the demo's from the start, so a run stopped half-way is cleared too
    (inputs / ANSWERS).write_text('{"complete": false}\n', encoding="utf-8")
    ledger = write_workbook(demo, out / data.WORKBOOK_NAME, visits=False)
    store = ControlNumberStore(inputs / CONTROL)
    office, payers, world = Office(demo, ledger), Payers(demo), World()
    members_seen: dict[int, list[str]] = {}
    denials_seen: dict[int, list[tuple[str, str, str]]] = {}
    weeks: list[Week] = []
    copy_of: bytes | None = None
    previous: date | None = None
    for number, day in enumerate(data.RUN_DAYS, start=1):
        step(f"week {number}: {day}")
        folder = _week_folder(inputs, number)
        folder.mkdir(exist_ok=True)
        office.fix_mistakes(number)
        office.fix_members(members_seen.get(number - 1, []), number)
        office.work_denials(denials_seen.get(number - 1, []), number, day)
        office.enter_visits(
            [e for e in demo.encounters if (previous is None or e.dos > previous) and e.dos <= day],
            number,
        )
        acks = sorted(p for p in folder.iterdir() if p.suffix in (".999", ".277"))
        checks = payers.checks_until(day)
        remits = _deliver(checks, folder, 7000 + len(world.checks), world, demo.settings)
        denials_seen[number] = [
            (c.claim_id, k.trace, c.lines[0].adjustments[0][1] if c.lines[0].adjustments else "")
            for k in checks for c in k.claims if c.status == "4"
        ]  # fmt: skip
        granite = [p for p in remits if p.name.startswith("granite-")]
        if number == DUPLICATE_WEEK and granite:
            copy_of = granite[0].read_bytes()
            dup = granite[0].with_name(f"{granite[0].stem} (1).835")
            dup.write_bytes(copy_of)
            remits.append(dup)
            world.duplicates.append(dup.name)
        elif number == DUPLICATE_WEEK + 1 and copy_of is not None:
            dup = folder / "granite-era-downloaded-again.835"
            dup.write_bytes(copy_of)
            remits.append(dup)
            world.duplicates.append(dup.name)
        bank: list[Path] = []
        if number == len(data.RUN_DAYS):  # the office downloads the quarter's bank activity
            world.bank = write_bank_export(world.checks, folder / "checking-export.csv", day)
            bank = [world.bank.path]
        # the office sends at the same hour each run day: the ISA/GS times come from
        # this, not the wall clock, so the same seed gives the same bytes in any minute
        inputs_now = runs.Inputs(remittances=remits, acknowledgments=acks, store=store,
                                 as_of=day, bank=bank,
                                 created=datetime.combine(day, SEND_TIME))  # fmt: skip
        outcome = runs.cycle(ledger, inputs_now, today=day)
        week = Week(number, day, folder, acks, remits, outcome)
        if again:
            week.again_changed = runs.cycle(ledger, inputs_now, today=day).changed
        weeks.append(week)
        sent = outcome.claims.x12_path if outcome.claims else None
        if sent is not None:
            members_seen[number + 1] = _clearinghouse(
                sent, number, day, inputs, payers, world, demo, number == len(data.RUN_DAYS)
            )
        cob = outcome.secondary.path if outcome.secondary else None
        if cob is not None:  # the week's claims for second plans, in their own batch
            last = number == len(data.RUN_DAYS)
            _clearinghouse(cob, number, day, inputs, payers, world, demo, last, control=700,
                           whole_batch=False)  # fmt: skip
        previous = day
    result = DemoResult(out, ledger, demo, office, payers, world, weeks)
    (inputs / ANSWERS).write_text(json.dumps(result.answer_key(), indent=1, default=str),
                                  encoding="utf-8")  # fmt: skip
    (out / "summary.json").write_text(json.dumps(result.summary(), indent=1), encoding="utf-8")
    return result


def _clearinghouse(
    path: Path, number: int, day: date, inputs: Path, payers: Payers, world: World,
    demo: DemoData, last: bool, control: int = 500, whole_batch: bool = True,
) -> list[str]:  # fmt: skip
    """The 999 and 277CA for the batch sent in week ``number`` (delivered the week after);
    accepted claims go to their payers. Returns the claims rejected for their member ID."""
    batch = read_batch(path)
    claims, _ = claims_from_837p(read_837p(path))
    by_id = {e.encounter_id: e for e in demo.encounters}
    for claim in claims:
        world.sent.setdefault(claim.claim_id, []).append((claim.frequency, number))
    folder = None if last else _week_folder(inputs, number + 1)
    if folder is not None:
        folder.mkdir(exist_ok=True)
    control += number * 2
    if number == data.REJECTED_BATCH_RUN and whole_batch:
        if folder is not None:
            (folder / f"{path.stem}.999").write_text(
                ack_999(batch, day, control, rejected=True), encoding="ascii"
            )
        for claim in claims:
            world.rejected.setdefault(claim.claim_id, []).append((number, "batch"))
        return []
    rejected: dict[str, tuple[str, str, str]] = {}
    for claim in claims:
        enc = by_id.get(claim.encounter_id)
        if enc is not None and enc.member_typo and claim.member_id == enc.member_typo:
            rejected[claim.claim_id] = ("A7", "164", "IL")
            world.rejected.setdefault(claim.claim_id, []).append((number, "member"))
    received = day + timedelta(days=1)
    if folder is not None:
        (folder / f"{path.stem}.999").write_text(ack_999(batch, day, control), encoding="ascii")
        (folder / f"{path.stem}.277").write_text(
            ack_277ca(batch, received, control + 1, rejected, {},
                      demo.settings["Billing NPI"]), encoding="ascii",
        )  # fmt: skip
    for claim in claims:
        if claim.claim_id not in rejected:
            payers.receive(claim, received)
    return list(rejected)


def answer_key(result: DemoResult) -> dict[str, Any]:
    """What the quarter should end as, from what the office and the world did."""
    demo, world, payers, office = result.demo, result.world, result.payers, result.office
    by_id = {e.encounter_id: e for e in demo.encounters}
    delivered = {(r.claim_id, r.frequency, r.received): r for r in payers.record}
    work = {t.claim_id: t.work_status for t in office.typed}
    final: dict[str, str] = {}
    for claim_id, sends in world.sent.items():
        last_week = sends[-1][1]
        rejections = [w for w, _ in world.rejected.get(claim_id, [])]
        if last_week in rejections:
            final[claim_id] = "rejected"
            continue
        done = [r for (c, _, _), r in delivered.items() if c == claim_id and r.pay_on <= data.AS_OF]
        current = [r for r in done if r.received > data.RUN_DAYS[last_week - 1]]
        if current:
            status = current[-1].status
            if status == "denied":
                state = work.get(claim_id, "").casefold()
                status = {"appealed": "in appeal", "written off": "closed",
                          "closed": "closed"}.get(state, status)  # fmt: skip
            final[claim_id] = status
        elif last_week < len(data.RUN_DAYS):
            final[claim_id] = "accepted"
        else:
            final[claim_id] = "sent"
    checks = world.checks
    deposits = sum((c.amount for c in checks), ZERO)
    return {
        "seed": demo.seed,
        "encounters": len(demo.encounters),
        "weeks": len(data.RUN_DAYS),
        "as_of": data.AS_OF,
        "mistakes": [
            {
                "encounter_id": e.encounter_id,
                "rule": e.mistake,
                "column": e.mistake_column,
                "fixed_week": office.fixed.get(e.encounter_id),
            }
            for e in demo.encounters
            if e.mistake
        ],  # fmt: skip
        "held": sorted(
            e.encounter_id
            for e in demo.encounters
            if e.mistake and e.encounter_id not in office.fixed
        ),  # fmt: skip
        "suggested": {
            e.encounter_id: [c for c, _ in e.diagnoses] for e in demo.encounters if e.suggested
        },  # fmt: skip
        "submissions": {c: [f for f, _ in s] for c, s in sorted(world.sent.items())},
        "rejected": {c: [why for _, why in r] for c, r in sorted(world.rejected.items())},
        "final": dict(sorted(final.items())),
        "worklist": [
            {
                "claim_id": t.claim_id,
                "check": t.trace,
                "owner": t.owner,
                "work_status": t.work_status,
                "follow_up": t.follow_up,
                "note": t.note,
                "week": t.week,
            }
            for t in office.typed
        ],  # fmt: skip
        "corrected": sorted(office.corrected),
        "member_fixed": sorted(office.member_fixed),
        "denial_reasons": {r.claim_id: r.reason for r in payers.record if r.status == "denied"},
        "reversed": payers.reversed,
        "split": payers.split,
        "interest": payers.interest,
        "duplicates": world.duplicates,
        "payments": len(checks),
        "bank": {
            "not_in_bank": world.bank.not_in_bank if world.bank else [],
            "no_era": [f"{a:.2f}" for a in world.bank.no_era] if world.bank else [],
        },
        "deposits": f"{deposits:.2f}",
        "claims_paid": f"{sum((c.paid for k in checks for c in k.claims), ZERO):.2f}",
        "provider_adjustments": f"{sum((a for k in checks for *_, a in k.plb), ZERO):.2f}",
        "pending": sorted(payers.pending()),
        "never_sent": sorted(
            e.encounter_id for e in demo.encounters if e.encounter_id not in world.sent
        ),  # fmt: skip
        "by_encounter": {e: by_id[e].intent for e in sorted(world.sent) if e in by_id},
    }
