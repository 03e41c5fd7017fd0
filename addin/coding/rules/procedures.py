"""Procedure rules: CPT/HCPCS format, validity on the DOS, MUE units and NCCI PTP pairs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from addin.coding.rules.payer_edits import PayerEdits
from addin.coding.rules.registry import Context, rule
from addin.coding.rules.sources import outdated
from addin.coding.rules.tables import (
    DISTINCT_MODIFIERS,
    EM_RANGES,
    PROCEDURE_RANGES,
    anatomic_modifiers,
    in_ranges,
    ncci_bypass_modifiers,
)
from addin.models import Encounter, ServiceLine

FORMAT = rule("PROC-FORMAT", "error", "procedure", "CPT 5 digits / 4+F/T/U; HCPCS letter+4")
NOT_VERIFIED = rule("PROC-NOT-VERIFIED", "info", "procedure", "a code set was not imported")
NOT_FOUND = rule("PROC-NOT-FOUND", "error", "procedure", "the code is in the imported set")
NOT_ON_DOS = rule("PROC-NOT-VALID-ON-DOS", "error", "procedure", "the code is valid on the DOS")
MUE = rule("MUE-UNITS", "error", "procedure", "units above the Medically Unlikely Edit")
PTP = rule("NCCI-PTP", "error", "procedure", "an NCCI procedure-to-procedure pair, same DOS")
OUTDATED = rule(
    "PROC-SET-OUTDATED", "warning", "procedure", "the imported set covers the dates of service"
)
# what to import, per set, for a finding that says a set is missing or does not cover a date
SET_FILES = {
    "CPT": "a licensed CPT file",
    "HCPCS": "the CMS HCPCS Level II file",
    "NCCI PTP": "the CMS NCCI practitioner PTP files",
    "MUE": "the CMS practitioner MUE file",
}

# CPT: five digits (Category I), or four digits and F (Category II), T (Category III),
# U (proprietary lab analyses); A (vaccine products/administration) and M (multianalyte
# assays) are CPT codes in the same shape.
_CPT_RE = re.compile(r"^[0-9]{4}[0-9FTUAM]$")
_HCPCS_RE = re.compile(r"^[A-Z][0-9]{4}$")


@dataclass(slots=True)
class _Span:
    """Lines checked against a file that does not cover their dates of service."""

    lines: int
    first: date
    last: date


# (kind, is E/M, makes a same-day E/M need 25)
CodeKind = tuple[str, bool, bool]


class ProcedureRules:
    """Checks each encounter's lines; per-code facts are computed once."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.kinds: dict[str, CodeKind] = {}
        self.unverified: dict[str, int] = {"CPT": 0, "HCPCS": 0, "NCCI PTP": 0, "MUE": 0}
        self.edits = PayerEdits(ctx)
        # set -> the file that answered for dates it does not cover -> those lines' dates
        self.outdated: dict[str, dict[str, _Span]] = {}
        self._outdated: dict[tuple[str, date], str | None] = {}
        self._bypass = ncci_bypass_modifiers()
        self._distinct = self._bypass - anatomic_modifiers()
        sources = ctx.sources
        self._validity = {
            "CPT": sources.cpt.validity if sources.cpt is not None else None,
            "HCPCS": sources.hcpcs.validity if sources.hcpcs is not None else None,
        }

    def kind(self, code: str) -> CodeKind:
        found = self.kinds.get(code)
        if found is None:
            if _CPT_RE.match(code):
                found = ("CPT", in_ranges(code, EM_RANGES), in_ranges(code, PROCEDURE_RANGES))
            elif _HCPCS_RE.match(code):
                found = ("HCPCS", False, False)
            else:
                found = ("", False, False)
            self.kinds[code] = found
        return found

    def check(self, enc: Encounter) -> None:
        """Format and validity per line, MUE per line or day, then PTP pairs: one pass."""
        ctx = self.ctx
        sources = ctx.sources
        eid = enc.encounter_id
        enc_dos, enc_npi = enc.date_of_service, enc.rendering_npi
        unverified = self.unverified
        kinds = self.kinds
        lines = enc.lines
        policy = self.edits(enc.payer)
        mue = sources.mue if policy.apply else None
        mue_limit = mue.limit if mue is not None else None
        validity = self._validity
        several = len(lines) > 1
        # MAI 2/3 limit the day's units: (code, dos) -> (MUE, MAI, units so far, last line)
        totals: dict[tuple[str, date], tuple[int, int, int, ServiceLine]] | None = None
        # PTP groups are one provider's lines on one day; usually the whole claim is one.
        simple = several and enc_dos is not None
        for line in lines:
            code = line.procedure_code
            line_dos = line.date_of_service
            if simple:
                line_npi = line.rendering_npi
                simple = (
                    len(code) == 5
                    and (line_dos is None or line_dos == enc_dos)
                    and (not line_npi or line_npi == enc_npi)
                )
            if not code:
                continue
            kind = (kinds.get(code) or self.kind(code))[0]
            if not kind:
                ctx.add(
                    FORMAT,
                    line.row,
                    "Procedure Code",
                    code,
                    f"{code!r} is neither a CPT "
                    "code (5 digits, or 4 digits + F/T/U) nor a HCPCS code (letter + 4 "
                    "digits)",
                    "correct the code; keep leading zeros (format as Text)",
                    encounter_id=eid,
                )
                continue
            dos = line_dos or enc_dos
            if dos is None:
                continue
            valid_on = validity[kind]
            if valid_on is None:
                unverified[kind] += 1
            else:
                answer = valid_on(code, dos)
                stale = self._stale(kind, dos)
                if answer is None and stale is not None:
                    # a file that ends before the DOS cannot know the codes added since
                    ctx.add(
                        NOT_FOUND,
                        line.row,
                        "Procedure Code",
                        code,
                        f"{code} is not in the imported {kind} set ({stale}), which does not "
                        f"cover {dos}",
                        f"import {SET_FILES[kind]} for {dos:%Y}, then check again",
                        severity="warning",
                        encounter_id=eid,
                    )
                elif answer is None:
                    ctx.add(
                        NOT_FOUND,
                        line.row,
                        "Procedure Code",
                        code,
                        f"{code} is not in the imported {kind} set",
                        "correct the code",
                        encounter_id=eid,
                    )
                elif answer != "ok":
                    ctx.add(
                        NOT_ON_DOS,
                        line.row,
                        "Procedure Code",
                        code,
                        f"{code} is {answer} (date of service {dos})",
                        "use the code in force on the date of service",
                        encounter_id=eid,
                    )
            if mue_limit is None:
                continue
            limit = mue_limit(code, dos)
            if limit is None:
                continue
            value, mai = limit
            if value == 0 and not policy.medicare:
                continue  # Medicare's "not paid" says nothing about this payer
            self._stale("MUE", dos)
            if mai == 1 or not several:  # one line: its units are the day's units
                if line.units > value:
                    where = "on this line" if mai == 1 else f"on {dos}"
                    self._mue_finding(enc, line, int(line.units), value, mai, where)
            else:
                units = int(line.units) if line.units > 0 else 0
                if totals is None:
                    totals = {}
                key = (code, dos)
                before = totals.get(key)
                totals[key] = (value, mai, units + (before[2] if before else 0), line)
        if not policy.apply:
            return  # NCCI and MUE are not this payer's edits (Payers sheet, or the default)
        if mue is None:
            unverified["MUE"] += len(lines)
        elif totals:
            for (_code, dos), (value, mai, total, line) in totals.items():
                if total > value:
                    self._mue_finding(enc, line, total, value, mai, f"on {dos}")
        if several:
            if sources.ptp is None:
                unverified["NCCI PTP"] += len(lines)
            else:
                self._ptp(enc, simple)

    def _stale(self, kind: str, dos: date, lines: int = 1) -> str | None:
        """The file of set ``kind`` that answers for ``dos`` without covering it (counted
        for one warning per file at the end), or None."""
        key = (kind, dos)
        try:
            found = self._outdated[key]
        except KeyError:
            sources = self.ctx.sources
            source = {"CPT": sources.cpt, "HCPCS": sources.hcpcs, "MUE": sources.mue,
                      "NCCI PTP": sources.ptp}[kind]  # fmt: skip
            found = self._outdated[key] = outdated(source, dos) if source else None
        if found is not None:
            span = self.outdated.setdefault(kind, {}).get(found)
            if span is None:
                self.outdated[kind][found] = _Span(lines, dos, dos)
            else:
                span.lines += lines
                span.first = min(span.first, dos)
                span.last = max(span.last, dos)
        return found

    def _mue_finding(
        self, enc: Encounter, line: ServiceLine, units: int, value: int, mai: int, where: str
    ) -> None:
        code = line.procedure_code
        if value == 0:
            # an MUE of 0 is no unit limit: Medicare does not pay the code in this setting
            self.ctx.add(
                MUE,
                line.row,
                "Procedure Code",
                code,
                f"Medicare does not pay {code} (its practitioner MUE is 0 on "
                f"{line_dos(line, enc)})",
                "no modifier or split makes Medicare pay it: remove the line, or bill the "
                "patient where Medicare allows it (for example with a signed ABN)",
                encounter_id=enc.encounter_id,
            )
            return
        kinds = {1: "line edit", 2: "per-day policy edit", 3: "per-day clinical edit"}
        fix = (
            "bill the units documented; units above an MAI 2 limit are never paid"
            if mai == 2
            else "check the units; if documented, split onto lines with 59/XU/76/91 (MAI 1) "
            "or appeal with records (MAI 3)"
        )
        self.ctx.add(
            MUE,
            line.row,
            "Units",
            units,
            f"{units} units of {code} "
            f"{where} exceed the MUE of {value} (MAI {mai}, {kinds.get(mai, '')})",
            fix,
            severity="warning" if mai == 3 else "error",
            encounter_id=enc.encounter_id,
        )

    def _ptp(self, enc: Encounter, simple: bool) -> None:
        ptp = self.ctx.sources.ptp
        assert ptp is not None
        enc_dos, enc_npi = enc.date_of_service, enc.rendering_npi
        groups: list[tuple[date, list[ServiceLine]]]
        if simple and enc_dos is not None:
            groups = [(enc_dos, enc.lines)]
        else:
            by_key: dict[tuple[date, str], list[ServiceLine]] = {}
            for line in enc.lines:
                dos = line.date_of_service or enc_dos
                if dos is not None and len(line.procedure_code) == 5:
                    npi = line.rendering_npi or enc_npi
                    by_key.setdefault((dos, npi), []).append(line)
            groups = [(dos, lines) for (dos, _npi), lines in by_key.items() if len(lines) > 1]
        for dos, lines in groups:
            self._stale("NCCI PTP", dos, len(lines))
            codes = [line.procedure_code for line in lines]
            hits = ptp.among(codes, dos)
            if hits:
                self._ptp_findings(enc, dos, lines, codes, hits)

    def _ptp_findings(
        self,
        enc: Encounter,
        dos: date,
        lines: list[ServiceLine],
        codes: list[str],
        hits: list[tuple[int, int, int]],
    ) -> None:
        bypass = self._bypass
        # An anatomic modifier on the column-one line alone says nothing about the pair.
        distinct = self._distinct
        for i, j, indicator in hits:
            if indicator == 9:
                continue
            first, second = lines[i], lines[j]
            code1, code2 = codes[i], codes[j]
            if indicator == 0:
                self.ctx.add(
                    PTP,
                    second.row,
                    "Procedure Code",
                    code2,
                    f"NCCI pairs "
                    f"{code2} with {code1} on {dos} (modifier indicator 0: "
                    "no modifier allows both)",
                    f"remove {code2}; it is part of {code1}",
                    encounter_id=enc.encounter_id,
                )
            elif not (
                bypass.intersection(second.modifiers) or distinct.intersection(first.modifiers)
            ):
                self.ctx.add(
                    PTP,
                    second.row,
                    "Procedure Code",
                    code2,
                    f"NCCI pairs {code2} with {code1} on {dos} (modifier indicator 1)",
                    f"remove {code2}, or if it was a distinct service append "
                    f"{'/'.join(DISTINCT_MODIFIERS)} and document it",
                    encounter_id=enc.encounter_id,
                )

    def finish(self) -> None:
        """One info finding per code set that was not imported, with the line count, and
        one warning per imported file that answered for dates it does not cover."""
        for what, count in self.unverified.items():
            if count:
                self.ctx.add(
                    NOT_VERIFIED,
                    None,
                    "Procedure Code",
                    what,
                    f"not verified: {what} not imported ({count} lines checked by format only)",
                    f"download {SET_FILES[what]} and run `claimbook codesets import FILE`",
                )
        for what, files in self.outdated.items():
            for file, span in files.items():
                dates = (
                    f"{span.first}" if span.first == span.last else f"{span.first} to {span.last}"
                )
                self.ctx.add(
                    OUTDATED,
                    None,
                    "Date of Service",
                    file,
                    f"the imported {what} set ({file}) does not cover dates of service "
                    f"{dates}; {span.lines} lines were checked against it anyway",
                    f"import {SET_FILES[what]} in force on those dates "
                    "(`claimbook codesets import FILE`), then check again",
                )


def line_dos(line: ServiceLine, enc: Encounter) -> date | None:
    """The line's date of service, else the encounter's."""
    return line.date_of_service or enc.date_of_service
