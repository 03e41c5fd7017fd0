"""The one rule for filling diagnoses from the Diagnosis Text, and the Suggestions sheet.

For each encounter with a Diagnosis Text (phrases separated by ';') and no Dx code at all,
the top ICD-10-CM suggestion of each phrase for its date of service goes into the next empty
Dx cell of the encounter's first row, only when its score reaches ``FILL_MIN_SCORE``
(addin.coding.suggest). Every other case is listed with why it was not filled: a person
coded it in part, no date of service, no code set for the date, a weak score, the same code
twice, no empty Dx column. The claims built in the same run use exactly the codes filled,
so a weak guess never reaches an 837P, and what was billed is what the cells say.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from addin.coding.suggest import FILL_MIN_SCORE, suggest
from addin.errors import CodeSetNotLoaded
from addin.models import Book, CellMark, Column, Finding, ResultTable, SheetRows
from addin.sheets import CellValue

SUGGESTIONS = "Suggestions"
SUGGESTION_COLUMNS = [
    Column(name="Encounter ID", kind="code"),
    Column(name="Row", kind="int"),
    Column(name="Diagnosis Text", kind="text", width=40),
    Column(name="Phrase", kind="text", width=30),
    Column(name="Rank", kind="int"),
    Column(name="Code", kind="code"),
    Column(name="Description", kind="text", width=60),
    Column(name="Score", kind="number"),
    Column(name="Filled", kind="text", width=30),
    # why the engine proposed it (Index path or tabular name, conventions applied) and, when
    # the score is under the threshold, "check the Index" with the path to look under
    Column(name="Why", kind="text", width=50),
    Column(name="Check", kind="text", width=40),
]


@dataclass
class FillPlan:
    """What the fill rule decided: the Suggestions rows, the cells to fill, the codes."""

    rows: list[list[object]] = field(default_factory=list)
    values: list[CellValue] = field(default_factory=list)
    owners: list[str] = field(default_factory=list)  # the encounter of each value
    # cells an earlier run filled that still hold the code: listed and marked again, not
    # written (so running again changes nothing)
    kept: list[tuple[str, CellValue]] = field(default_factory=list)
    wanting: int = 0

    def table(self) -> ResultTable:
        return ResultTable(
            sheet=SUGGESTIONS, columns=SUGGESTION_COLUMNS, rows=self.rows, title="Suggested codes"
        )

    def marks(self) -> list[CellMark]:
        return [
            CellMark(sheet=v.sheet, row=v.row, column=v.column, severity="info")
            for v in [*self.values, *(v for _, v in self.kept)]
        ]

    @property
    def summary(self) -> str:
        return (
            f"{self.wanting} encounters have Diagnosis Text but no codes; {len(self.values)} "
            f"Dx cells filled; {len(self.rows)} suggestions (see the Suggestions sheet)"
        )


def _earlier(old: SheetRows | None) -> dict[str, list[list[object]]]:
    """The previous Suggestions sheet's rows, by encounter (when it is Claimbook's)."""
    out: dict[str, list[list[object]]] = {}
    if old is None or not old.ours:
        return out
    names = [c.name for c in SUGGESTION_COLUMNS]
    kinds = [c.kind for c in SUGGESTION_COLUMNS]
    for _, cells in old.records():
        row = [cells.get(n) for n in names]
        row = [int(v) if k == "int" and isinstance(v, float) and v.is_integer() else v
               for v, k in zip(row, kinds, strict=True)]  # fmt: skip
        out.setdefault(str(row[0] or ""), []).append(row)
    return out


def plan_fill(book: Book, top: int = 3, old: SheetRows | None = None) -> FillPlan:
    """Decide, for every encounter with a Diagnosis Text, what goes into which Dx cell.

    ``old`` is the Suggestions sheet as read: an encounter coded by an earlier run keeps its
    rows (and its cells their info marks) while the cells still hold the codes filled."""
    plan = FillPlan()
    earlier = _earlier(old)
    sheet = next((s for s, h in book.headers.items() if "Encounter ID" in h), None)
    headers = book.headers.get(sheet, {}) if sheet else {}
    letters = book.letters.get(sheet, {}) if sheet else {}
    dx_headers = [headers[f"Dx {n}"] for n in range(1, 13) if f"Dx {n}" in headers]
    # a Dx cell whose value could not be read is not empty: never write over it
    taken = {(f.row, f.column) for f in book.findings if f.sheet == sheet and f.column}
    for enc in book.encounters:
        text = enc.diagnosis_text.strip()
        phrases = [p.strip() for p in text.split(";") if p.strip()]
        if len(phrases) <= len(enc.diagnoses):
            _keep(plan, enc.encounter_id, enc.diagnoses, earlier.get(enc.encounter_id, []),
                  sheet, headers)  # fmt: skip
            continue  # coded (as far as the text goes): nothing more to suggest
        row = enc.rows[0] if enc.rows else None
        free: list[str] = []
        plan.wanting += not enc.diagnoses
        if enc.diagnoses:
            why = f"the encounter already has Dx codes ({', '.join(enc.diagnoses)}); add by hand"
        elif sheet is None or not dx_headers or row is None:
            why = "the Encounters sheet has no Dx 1 column; add one"
        elif enc.date_of_service is None:
            why = "no Date of Service to choose the code set by"
        else:
            why = ""
            free = [h for h in dx_headers if (row, h) not in taken]
        used: dict[str, str] = {}
        for phrase in phrases:
            try:
                found = suggest(phrase, top=top, on=enc.date_of_service)
            except CodeSetNotLoaded as exc:
                plan.rows.append([enc.encounter_id, row, text, phrase, None, "", "", None,
                                  f"not filled: {exc}", "", ""])  # fmt: skip
                continue
            filled = why
            if not found:
                filled = why or "no suggestion for this phrase"
            elif not why and found[0].score < FILL_MIN_SCORE:
                filled = f"best score {found[0].score:.2f} is under {FILL_MIN_SCORE:.2f}; pick one"
            elif not why and found[0].code in used:
                filled = f"same code as {used[found[0].code]}"
            elif not why and not free:
                filled = f"no empty Dx column left ({len(dx_headers)} on the sheet)"
            elif not why and sheet is not None and row is not None:
                header = free.pop(0)
                used[found[0].code] = header
                plan.values.append(CellValue(sheet, row, header, found[0].code))
                plan.owners.append(enc.encounter_id)
                filled = f"filled {header} ({letters.get(header, '')}{row})"
            note = filled if filled.startswith("filled") else f"not filled: {filled}"
            if not found:
                plan.rows.append(
                    [enc.encounter_id, row, text, phrase, None, "", "", None, note, "", ""]
                )
            for rank, s in enumerate(found, start=1):
                plan.rows.append(
                    [enc.encounter_id, row, text, phrase, rank, s.code, s.description,
                     round(s.score, 3), note if rank == 1 else "", s.why, s.check]
                )  # fmt: skip
    return plan


def _keep(
    plan: FillPlan,
    encounter: str,
    codes: list[str],
    rows: list[list[object]],
    sheet: str | None,
    headers: dict[str, str],
) -> None:
    """An earlier run's fill, still in the cells: its rows and marks carry on."""
    filled = [r for r in rows if str(r[8] or "").startswith("filled ")]
    if not filled or sheet is None or not all(str(r[5]) in codes for r in filled):
        return
    plan.rows.extend(rows)
    for r in filled:
        header = str(r[8]).removeprefix("filled ").split(" (", 1)[0]
        if isinstance(r[1], int | float) and header in headers.values():
            plan.kept.append((encounter, CellValue(sheet, int(r[1]), header, str(r[5]))))


def apply_fill(book: Book, plan: FillPlan, skipped: list[CellValue] | None = None) -> None:
    """Give the encounters the codes written into their cells (not those a write skipped),
    so claims built in the same run bill what the workbook now says."""
    gone = {(v.sheet, v.row, str(v.column)) for v in skipped or ()}
    written: dict[str, list[str]] = {}
    for owner, value in zip(plan.owners, plan.values, strict=True):
        if (value.sheet, value.row, str(value.column)) not in gone:
            written.setdefault(owner, []).append(value.text)
    for enc in book.encounters:
        codes = written.get(enc.encounter_id)
        if codes and not enc.diagnoses:
            enc.diagnoses = list(dict.fromkeys(codes))[:12]


def filled_findings(plan: FillPlan) -> list[Finding]:
    """Info rows for the Findings sheet: the Dx cells Claimbook typed, to review."""
    return [
        Finding(
            rule="DX-SUGGESTED",
            severity="info",
            message=f"{value.sheet} row {value.row} ({value.column}): filled with "
            f"{value.text} from the Diagnosis Text",
            sheet=value.sheet,
            row=value.row,
            column=str(value.column),
            value=value.text,
            fix="check the note; change the code if it is not what the provider meant",
            encounter_id=owner,
        )
        for owner, value in [*zip(plan.owners, plan.values, strict=True), *plan.kept]
    ]
