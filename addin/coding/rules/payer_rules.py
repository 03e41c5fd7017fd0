"""Payer rules as rows: compile the Rules sheet (reporting its own errors) and apply it.

Columns (``addin.models.RULES_COLUMNS``), read as an office manager would: when the claim's
**Payer** is one of these, the line's **Procedure Codes** are in these lists or ranges
(``99202-99215, 99417``), its **Place of Service** is one of these, the claim has a
**Diagnosis Codes** prefix (``E11, Z00.0``), and the line carries one of these **Modifiers**,
then the **Requirement** must hold (with its **Requirement Value**); otherwise report
**Message** at **Severity**. An empty condition matches everything; **Active** = No turns a
row off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import cast

from addin.coding.rules.registry import Context, rule
from addin.coding.rules.tables import places_of_service
from addin.models import RULES_COLUMNS, Encounter, ServiceLine
from addin.models.types import Severity, normalize_icd10, normalize_modifier, normalize_procedure

RULES = "Rules"
SHEET = rule("RULES-SHEET", "error", "payer", "a Rules sheet row that cannot be used")
PAYER_RULE = rule("PAYER-RULE", "error", "payer", "a payer rule from the Rules sheet")

# requirement -> (needs a value, what the value is)
REQUIREMENTS: dict[str, tuple[bool, str]] = {
    "require_modifier": (True, "modifiers, any one of which must be on the line"),
    "forbid_modifier": (True, "modifiers that must not be on the line"),
    "require_prior_auth": (False, "a Prior Authorization number on the claim"),
    "require_referring_npi": (False, "a Referring NPI on the claim"),
    "max_units": (True, "the most units allowed on one line"),
    "require_ndc": (False, "an NDC on the line"),
    "require_diagnosis": (True, "ICD-10-CM prefixes, one of which the claim must have"),
}
_YES = {"", "yes", "y", "true", "1", "x", "active"}
_NO = {"no", "n", "false", "0", "inactive"}
_MOD_RE = re.compile(r"^[A-Z0-9]{2}$")
_CODE_RE = re.compile(r"^[A-Z0-9]{5}$")
_DX_RE = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{0,4})?$")


def _split(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,;\n]", text) if part.strip()]


@dataclass(slots=True)
class PayerRule:
    """One compiled row of the Rules sheet."""

    rule_id: str
    row: int | None
    payers: frozenset[str] | None
    codes: frozenset[str] | None
    ranges: tuple[tuple[str, str], ...]
    places: frozenset[str] | None
    diagnoses: tuple[str, ...] | None
    modifiers: frozenset[str] | None
    requirement: str
    value: tuple[str, ...]
    severity: Severity
    message: str

    hits: dict[str, bool] = field(default_factory=dict)
    max_units: Decimal | None = None

    def code_matches(self, code: str) -> bool:
        """The code is in the rule's lists or ranges (remembered: codes recur)."""
        hit = self.hits.get(code)
        if hit is None:
            hit = (
                self.codes is None
                or code in self.codes
                or any(len(code) == len(lo) and lo <= code <= hi for lo, hi in self.ranges)
            )
            self.hits[code] = hit
        return hit

    def matches_line(self, line: ServiceLine, pos: str) -> bool:
        if self.places is not None and pos not in self.places:
            return False
        if self.codes is not None and not self.code_matches(line.procedure_code):
            return False
        return self.modifiers is None or not self.modifiers.isdisjoint(line.modifiers)


class PayerRules:
    """The active payer rules, indexed by payer, and the checks they run per line."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.by_payer: dict[str, list[PayerRule]] = {}
        self.any_payer: list[PayerRule] = []
        self._for_payer: dict[str, list[PayerRule]] = {}
        self._compile()

    def _error(self, row: int | None, column: str, value: str, problem: str, fix: str) -> None:
        self.ctx.add(SHEET, row, column, value, problem, fix, sheet=RULES)

    def _compile(self) -> None:
        book = self.ctx.book
        known_payers = {" ".join(p.payer.split()).casefold() for p in book.payers}
        canonical = {" ".join(c.split()).casefold(): c for c in RULES_COLUMNS}
        seen_ids: dict[str, int | None] = {}
        pos_list = places_of_service()
        for source in book.rules:
            row = source.row
            cells = {
                canonical.get(" ".join(k.split()).casefold(), k): (v or "").strip()
                for k, v in source.values.items()
            }
            if not any(cells.values()):
                continue
            active = cells.get("Active", "").casefold()
            if active in _NO:
                continue
            ok = True
            if active not in _YES:
                self._error(
                    row,
                    "Active",
                    cells["Active"],
                    f"{cells['Active']!r} is not Yes or No",
                    "write Yes or No (empty means Yes)",
                )
                ok = False
            rule_id = cells.get("Rule ID") or f"row {row}"
            if rule_id in seen_ids:
                self._error(
                    row,
                    "Rule ID",
                    rule_id,
                    f"rule ID {rule_id!r} is also on row {seen_ids[rule_id]}",
                    "give each rule its own ID",
                )
            seen_ids[rule_id] = row
            requirement = cells.get("Requirement", "").casefold().replace(" ", "_")
            if requirement not in REQUIREMENTS:
                self._error(
                    row,
                    "Requirement",
                    cells.get("Requirement", ""),
                    "unknown requirement",
                    "use one of " + ", ".join(REQUIREMENTS),
                )
                continue
            needs_value, meaning = REQUIREMENTS[requirement]
            raw_value = cells.get("Requirement Value", "")
            value = tuple(_split(raw_value))
            if needs_value and not value:
                self._error(
                    row, "Requirement Value", "", f"{requirement} needs a value", f"write {meaning}"
                )
                ok = False
            if requirement in ("require_modifier", "forbid_modifier"):
                value = tuple(normalize_modifier(v) for v in value)
                for mod in value:
                    if not _MOD_RE.match(mod):
                        self._error(
                            row,
                            "Requirement Value",
                            mod,
                            f"{mod!r} is not a modifier",
                            "write modifiers like 95, GT, 25",
                        )
                        ok = False
            elif requirement == "max_units":
                if len(value) != 1 or not value[0].isdigit() or int(value[0]) < 1:
                    self._error(
                        row,
                        "Requirement Value",
                        raw_value,
                        "max_units needs one whole number",
                        "write e.g. 4",
                    )
                    ok = False
            elif requirement == "require_diagnosis":
                value = tuple(v.rstrip("-").upper() for v in value)
                for prefix in value:
                    if not _DX_RE.match(prefix):
                        self._error(
                            row,
                            "Requirement Value",
                            prefix,
                            f"{prefix!r} is not an ICD-10-CM code or prefix",
                            "write e.g. E11 or Z00.0",
                        )
                        ok = False
            payers = (
                frozenset(" ".join(p.split()).casefold() for p in _split(cells.get("Payer", "")))
                or None
            )
            for name in sorted(payers or ()):
                if name not in known_payers:
                    self._error(
                        row,
                        "Payer",
                        name,
                        f"payer {name!r} is not on the Payers sheet",
                        "spell it as on the Payers sheet",
                    )
                    ok = False
            codes, ranges = self._codes(row, cells.get("Procedure Codes", ""))
            if codes is False:
                ok = False
            places = frozenset(p.zfill(2) for p in _split(cells.get("Place of Service", "")))
            for place in sorted(places):
                if place not in pos_list:
                    self._error(
                        row,
                        "Place of Service",
                        place,
                        f"{place!r} is not a CMS Place of Service code",
                        "write two-digit codes, e.g. 02, 10",
                    )
                    ok = False
            diagnoses = tuple(
                normalize_icd10(d.rstrip("-")).upper()
                for d in _split(cells.get("Diagnosis Codes", ""))
            )
            for prefix in diagnoses:
                if not _DX_RE.match(prefix):
                    self._error(
                        row,
                        "Diagnosis Codes",
                        prefix,
                        f"{prefix!r} is not an ICD-10-CM code or prefix",
                        "write e.g. E11 or Z00.0",
                    )
                    ok = False
            mods = frozenset(normalize_modifier(m) for m in _split(cells.get("Modifiers", "")))
            severity = cells.get("Severity", "").casefold() or "error"
            if severity not in ("error", "warning", "info"):
                self._error(
                    row,
                    "Severity",
                    cells["Severity"],
                    f"{cells['Severity']!r} is not a severity",
                    "write error, warning or info",
                )
                ok = False
            if not ok:
                continue
            compiled = PayerRule(
                rule_id=rule_id,
                row=row,
                payers=payers,
                codes=codes if isinstance(codes, frozenset) else None,
                ranges=ranges,
                places=places or None,
                diagnoses=diagnoses or None,
                modifiers=mods or None,
                requirement=requirement,
                value=value,
                severity=cast(Severity, severity),
                message=cells.get("Message", "") or cells.get("Description", ""),
            )
            if requirement == "max_units":
                compiled.max_units = Decimal(value[0])
            if payers is None:
                self.any_payer.append(compiled)
            else:
                for name in payers:
                    self.by_payer.setdefault(name, []).append(compiled)

    def _codes(
        self, row: int | None, text: str
    ) -> tuple[frozenset[str] | None | bool, tuple[tuple[str, str], ...]]:
        """Codes and ranges of the Procedure Codes cell; False when a part is unusable."""
        parts = _split(text)
        if not parts:
            return None, ()
        codes: set[str] = set()
        ranges: list[tuple[str, str]] = []
        ok = True
        for part in parts:
            if "-" in part:
                lo, _, hi = (normalize_procedure(p) for p in part.partition("-"))
                if not (_CODE_RE.match(lo) and _CODE_RE.match(hi)) or lo > hi:
                    self._error(
                        row,
                        "Procedure Codes",
                        part,
                        f"{part!r} is not a code range",
                        "write a range as LOW-HIGH with 5-character codes, e.g. 99202-99215",
                    )
                    ok = False
                    continue
                ranges.append((lo, hi))
            else:
                code = normalize_procedure(part)
                if not _CODE_RE.match(code):
                    self._error(
                        row,
                        "Procedure Codes",
                        part,
                        f"{part!r} is not a CPT/HCPCS code",
                        "write 5-character codes separated by commas",
                    )
                    ok = False
                    continue
                codes.add(code)
        if not ok:
            return False, ()
        return frozenset(codes), tuple(ranges)

    def check(self, enc: Encounter) -> None:
        if not (self.by_payer or self.any_payer):
            return
        applicable = self._for_payer.get(enc.payer)
        if applicable is None:
            key = " ".join(enc.payer.split()).casefold()
            applicable = self.by_payer.get(key, []) + self.any_payer
            self._for_payer[enc.payer] = applicable
        for payer_rule in applicable:
            if payer_rule.diagnoses is not None and not any(
                dx.startswith(prefix) for dx in enc.diagnoses for prefix in payer_rule.diagnoses
            ):
                continue
            places, hits = payer_rule.places, payer_rule.hits
            for line in enc.lines:
                if places is not None and (
                    (line.place_of_service or enc.place_of_service) not in places
                ):
                    continue
                if payer_rule.codes is not None:
                    hit = hits.get(line.procedure_code)
                    if hit is None:
                        hit = payer_rule.code_matches(line.procedure_code)
                    if not hit:
                        continue
                mods = payer_rule.modifiers
                if mods is not None and mods.isdisjoint(line.modifiers):
                    continue
                limit = payer_rule.max_units
                if limit is not None and line.units <= limit:
                    continue  # the common case of the unit limit, without a call
                self._require(payer_rule, enc, line)

    def _require(self, r: PayerRule, enc: Encounter, line: ServiceLine) -> None:
        need = r.requirement
        column: str
        value: object
        if need == "require_modifier":
            if not set(r.value).isdisjoint(line.modifiers):
                return
            column, value, what = (
                "Modifier 1",
                "-".join(line.modifiers),
                (f"needs modifier {' or '.join(r.value)}"),
            )
        elif need == "forbid_modifier":
            bad = [m for m in line.modifiers if m in r.value]
            if not bad:
                return
            column, value = f"Modifier {line.modifiers.index(bad[0]) + 1}", bad[0]
            what = f"must not carry modifier {bad[0]}"
        elif need == "require_prior_auth":
            if (enc.prior_authorization or "").strip():
                return
            column, value, what = "Prior Authorization", "", "needs a prior authorization"
        elif need == "require_referring_npi":
            if enc.referring_npi:
                return
            column, value, what = "Referring NPI", "", "needs a referring provider NPI"
        elif need == "max_units":
            limit = Decimal(r.value[0])
            if line.units <= limit:
                return
            column, value, what = "Units", line.units, f"allows at most {limit} units"
        elif need == "require_ndc":
            if (line.ndc or "").strip():
                return
            column, value, what = "NDC", "", "needs the drug's NDC"
        else:  # require_diagnosis
            if any(dx.startswith(p) for dx in enc.diagnoses for p in r.value):
                return
            column, value = "Dx 1", enc.diagnoses[0] if enc.diagnoses else ""
            what = f"needs a diagnosis starting with {' or '.join(r.value)}"
        problem = f"{line.procedure_code} for {enc.payer} {what} (Rules row {r.row}, {r.rule_id})"
        fix = r.message or "follow the payer's policy in the Rules sheet"
        self.ctx.add(
            f"{PAYER_RULE}:{r.rule_id}",
            line.row,
            column,
            value,
            problem,
            fix,
            severity=r.severity,
            encounter_id=enc.encounter_id,
        )
