"""Names, addresses and identifiers as the 837P carries them, with a finding on the workbook
cell whenever the value sent differs from the value typed (see :class:`Names`)."""

from __future__ import annotations

from collections.abc import Sequence

from addin.models import Claim, Finding
from addin.models.types import Severity
from addin.x12.x837p.sources import source_cell
from addin.x12.x837p.text import name_text

#: Unicode's script words that read badly title-cased, as a biller would name the script.
SCRIPT_NAMES = {"CJK": "Chinese (Han)", "HANGUL": "Korean (Hangul)", "HIRAGANA": "Japanese"}
#: Where a value sits in the 837P: (loop, element), for messages and for the cell it came from.
At = tuple[str, str]


class Names:
    """Cleans names, addresses and identifiers for X12, with a finding on the cell whenever
    the value sent differs from the value typed: accented Latin spelled in A-Z and other
    characters left out are warnings; letters of another script, which have no safe spelling
    in A-Z, are errors (the claim is held, never sent with the name cut down or empty)."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def _add(
        self,
        rule: str,
        severity: Severity,
        message: str,
        fix: str,
        text: str,
        at: At,
        claim: Claim | None,
        self_subscriber: bool,
    ) -> None:
        cell = source_cell(*at, claim, self_subscriber=self_subscriber)
        sheet, column, row = cell if cell else (None, None, None)
        where = f"{column} ({at[1]})" if column else at[1]
        self.findings.append(
            Finding(
                rule=rule,
                severity=severity,
                message=f"{'claim ' + claim.claim_id + ': ' if claim else ''}{where} {message}",
                sheet=sheet,
                row=row,
                column=column,
                value=text,
                fix=fix,
                encounter_id=claim.encounter_id if claim else None,
            )
        )

    def __call__(
        self, text: str, at: At, claim: Claim | None = None, *, self_subscriber: bool = False
    ) -> str:
        result = name_text(text)
        if result.foreign:
            scripts = " and ".join(SCRIPT_NAMES.get(s, s.title()) for s in result.scripts)
            sent = f"as {result.text!r}" if result.text else "empty"
            self._add(
                "X12-NAME-SCRIPT",
                "error",
                f"{text!r} is written in {scripts} letters, which X12 cannot carry (its "
                f"character set has only the Latin alphabet); the 837P would send it {sent}",
                "type the name in Latin letters as the payer has it (the member's card or the "
                "eligibility response shows it)",
                text,
                at,
                claim,
                self_subscriber,
            )
        elif result.changed:
            how = "spelled in A-Z" if result.folded else ""
            if result.dropped:
                left_out = "".join(dict.fromkeys(result.dropped))
                how += (" and " if how else "") + f"without {left_out!r}"
            self._add(
                "X12-NAME-CHARS",
                "warning",
                f"{text!r} is sent as {result.text!r} ({how}): X12 names allow only letters "
                "A-Z, digits, spaces and & ' - . , / #",
                "check the name on the payer's card; payers spell accented letters this way",
                text,
                at,
                claim,
                self_subscriber,
            )
        return result.text

    def unknown_sex(self, at: At, claim: Claim, *, self_subscriber: bool) -> None:
        """DMG03 is required: an empty Sex cell is sent as U (unknown), and said."""
        self._add(
            "X12-SEX-UNKNOWN",
            "warning",
            "is empty; the 837P sends U (unknown), the only other code 005010X222A1 has "
            "besides F and M",
            "fill in F or M as the payer has the member on file; payers deny sex-specific "
            "services billed with U",
            "",
            at,
            claim,
            self_subscriber,
        )

    def spread(self, start: int, claims: Sequence[Claim]) -> None:
        """The findings since ``start`` (about a subscriber's or patient's values, sent once
        for several claims) repeated for every other claim that carries the same values."""
        for finding in list(self.findings[start:]):
            for claim in claims:
                if claim.encounter_id == finding.encounter_id:
                    continue
                cell = source_cell("2300", "CLM01", claim)
                row = cell[2] if cell and finding.sheet == "Encounters" else finding.row
                self.findings.append(
                    finding.model_copy(
                        update={
                            "encounter_id": claim.encounter_id,
                            "row": row,
                            "message": f"claim {claim.claim_id}: "
                            + finding.message.partition(": ")[2],
                        }
                    )
                )

    def ident(self, text: str, at: At, claim: Claim | None = None) -> str:
        """An identifier (member ID, authorization, ...) without X12 delimiters."""
        out = text.translate(FORBIDDEN_IN_IDS).strip()
        if out != text.strip():
            self._add(
                "X12-ID-CHARS",
                "warning",
                f"{text!r} is sent as {out!r}: the characters * : ^ ~ separate X12 elements",
                "check the number against the card or the payer's letter",
                text,
                at,
                claim,
                False,
            )
        return out


FORBIDDEN_IN_IDS = str.maketrans("", "", "*:^~\r\n\t")
