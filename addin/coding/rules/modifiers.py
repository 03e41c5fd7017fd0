"""Modifier rules: format, known modifiers, 25 on E/M, RT/LT against laterality, duplicates."""

from __future__ import annotations

import re
from datetime import date

from addin.coding.rules.icd import IcdRules
from addin.coding.rules.procedures import ProcedureRules
from addin.coding.rules.registry import Context, rule
from addin.coding.rules.tables import modifiers
from addin.models import Encounter

FORMAT = rule("MOD-FORMAT", "error", "modifier", "a modifier is two letters or digits")
UNKNOWN = rule("MOD-UNKNOWN", "warning", "modifier", "the modifier is a known CPT/HCPCS one")
REPEATED = rule("MOD-REPEATED", "warning", "modifier", "the same modifier twice on a line")
MISSING_25 = rule("MOD-25-MISSING", "warning", "modifier", "E/M with a same-day procedure")
NOT_EM_25 = rule("MOD-25-NOT-EM", "error", "modifier", "25 belongs on an E/M code")
UNNEEDED_25 = rule("MOD-25-UNNEEDED", "info", "modifier", "25 without a same-day procedure")
BOTH_SIDES = rule("MOD-RT-LT", "warning", "modifier", "RT and LT on one line (bilateral: 50)")
LATERALITY = rule("MOD-LATERALITY", "warning", "modifier", "RT/LT against the Dx's side")
DUPLICATE_LINE = rule("LINE-DUPLICATE", "warning", "modifier", "the same line twice")

_FORMAT_RE = re.compile(r"^[A-Z0-9]{2}$")
_SIDES = {"RT": ("R", "right"), "LT": ("L", "left")}


class ModifierRules:
    """Checks modifiers with the procedure kinds and ICD facts the other rules computed."""

    def __init__(self, ctx: Context, procedures: ProcedureRules, icd: IcdRules) -> None:
        self.ctx = ctx
        self.procedures = procedures
        self.icd = icd
        self.known = modifiers()

    def check(self, enc: Encounter) -> None:
        ctx = self.ctx
        eid = enc.encounter_id
        known = self.known
        kind = self.procedures.kind
        kinds = self.procedures.kinds
        procedure_days: set[date | None] | None = None
        seen_lines: dict[tuple[str, tuple[str, ...], date | None], int | None] = {}
        # Duplicate lines need a repeated code; most claims have none.
        several = len(enc.lines) > 1 and len({line.procedure_code for line in enc.lines}) < len(
            enc.lines
        )
        for line in enc.lines:
            code = line.procedure_code
            mods = line.modifiers
            is_em = (kinds.get(code) or kind(code))[1]
            if not mods and not is_em and not several:
                continue  # nothing a modifier rule could say about this line
            row = line.row
            dos = line.date_of_service or enc.date_of_service
            if several:
                key = (code, tuple(sorted(mods)) if len(mods) > 1 else tuple(mods), dos)
                if key in seen_lines:
                    ctx.add(
                        DUPLICATE_LINE,
                        row,
                        "Procedure Code",
                        code,
                        f"{code} {'-'.join(mods)} on {dos} repeats row {seen_lines[key]}",
                        "add the units to one line, or mark a repeat with 76/77/91 or 59/XE",
                        encounter_id=eid,
                    )
                else:
                    seen_lines[key] = row
            if mods:
                for position, mod in enumerate(mods, start=1):
                    if mod in known and mod not in mods[: position - 1]:
                        continue
                    column = f"Modifier {position}"
                    if not _FORMAT_RE.match(mod):
                        ctx.add(
                            FORMAT,
                            row,
                            column,
                            mod,
                            f"{mod!r} is not a modifier",
                            "use two letters or digits, e.g. 25 or RT",
                            encounter_id=eid,
                        )
                    elif mod not in known:
                        ctx.add(
                            UNKNOWN,
                            row,
                            column,
                            mod,
                            f"{mod} is not a modifier Claimbook knows",
                            "check it against the payer's list (add it to "
                            "codesets/modifiers if it is new)",
                            encounter_id=eid,
                        )
                    if mod in mods[: position - 1]:
                        ctx.add(
                            REPEATED,
                            row,
                            column,
                            mod,
                            f"{mod} is already on this line",
                            f"clear Modifier {position}",
                            encounter_id=eid,
                        )
                if "RT" in mods or "LT" in mods:
                    self._sides(enc, line.dx_pointers, mods, row, code)
            has_25 = "25" in mods
            if not is_em:
                if has_25:
                    column = f"Modifier {mods.index('25') + 1}"
                    ctx.add(
                        NOT_EM_25,
                        row,
                        column,
                        "25",
                        f"25 is on {code}, which is not an E/M code",
                        "move 25 to the E/M line (99202-99499)",
                        encounter_id=eid,
                    )
                continue
            if not has_25 and len(enc.lines) == 1:
                continue  # a visit alone: no procedure to be separate from
            if procedure_days is None:
                procedure_days = set()
                for other in enc.lines:
                    if (kinds.get(other.procedure_code) or kind(other.procedure_code))[2]:
                        procedure_days.add(other.date_of_service or enc.date_of_service)
            if dos in procedure_days and not has_25:
                ctx.add(
                    MISSING_25,
                    row,
                    "Modifier 1",
                    "",
                    f"E/M {code} is billed with a procedure on {dos} without modifier 25",
                    "add 25 if the visit was "
                    "significant and separately identifiable; otherwise drop the E/M line",
                    encounter_id=eid,
                )
            elif has_25 and dos not in procedure_days:
                ctx.add(
                    UNNEEDED_25,
                    row,
                    f"Modifier {mods.index('25') + 1}",
                    "25",
                    f"25 on {code} but no procedure on {dos}",
                    "remove 25 unless another service that day needs it",
                    encounter_id=eid,
                )

    def _sides(
        self, enc: Encounter, pointers: list[int], mods: list[str], row: int | None, code: str
    ) -> None:
        ctx = self.ctx
        column = f"Modifier {mods.index('RT' if 'RT' in mods else 'LT') + 1}"
        if "RT" in mods and "LT" in mods:
            ctx.add(
                BOTH_SIDES,
                row,
                column,
                "RT,LT",
                f"{code} has both RT and LT",
                "bill both sides as 50 on one line or RT and LT on two lines",
                encounter_id=enc.encounter_id,
            )
            return
        vintage = self.icd.vintage(enc.date_of_service)
        if vintage is None:
            return
        mod = "RT" if "RT" in mods else "LT"
        side, word = _SIDES[mod]
        sides: list[tuple[str, str]] = []
        for pointer in pointers or [1]:
            if 1 <= pointer <= len(enc.diagnoses) and enc.diagnoses[pointer - 1]:
                dx = enc.diagnoses[pointer - 1]
                facts = self.icd.facts(vintage, dx, enc.date_of_service)
                if facts.edits is not None and facts.edits.laterality is not None:
                    sides.append((dx, facts.edits.laterality))
        if sides and all(lat not in (side, "B") for _, lat in sides):
            names = ", ".join(dx for dx, _ in sides)
            ctx.add(
                LATERALITY,
                row,
                column,
                mod,
                f"{mod} ({word}) but the pointed diagnosis {names} is the other side",
                "correct the modifier or the diagnosis",
                encounter_id=enc.encounter_id,
            )
