"""What a 999 or 277CA means for each claim sent: accepted, or rejected with what to fix.

The plain-language readings below are our own words for the X12 code values (the code lists
are X12's; their official texts are not shipped). A status code we have no reading for is
shown as its code, with the category's reading.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from addin.registers.claims import ClaimRecord
from addin.x12.acks import Ack277, Ack999, Acknowledgment, SetAck, Status

# 999 IK501 / AK901 results
SET_RESULTS = {
    "A": "accepted",
    "E": "accepted with errors noted",
    "M": "rejected: message authentication failed",
    "P": "partly accepted",
    "R": "rejected",
    "W": "rejected: assurance failed",
    "X": "rejected: content could not be analysed",
}
# 999 IK304 segment error codes
SEGMENT_ERRORS = {
    "1": "a segment the guide does not know",
    "2": "a required segment is missing",
    "3": "a loop occurs more often than allowed",
    "4": "a segment is out of its place",
    "5": "a segment repeats more often than allowed",
    "6": "a segment outside any defined loop",
    "7": "a segment not used in this implementation",
    "8": "a segment with element errors",
    "I4": "a segment the guide marks not used",
    "I6": "a situational segment that should not be there",
    "I7": "a segment missing that the guide requires in this situation",
    "I8": "a segment that should not be there in this situation",
    "I9": "a loop that should not be there in this situation",
}
# 999 IK403 element error codes
ELEMENT_ERRORS = {
    "1": "a required element is missing",
    "2": "a conditional element is missing",
    "3": "too many elements",
    "4": "the value is too short",
    "5": "the value is too long",
    "6": "invalid characters",
    "7": "a code value that is not allowed",
    "8": "an invalid date",
    "9": "an invalid time",
    "10": "an element that should not be there",
    "12": "too many repetitions",
    "13": "too many components",
    "I10": "an element the guide does not use",
    "I12": "a value the guide does not allow here",
    "I13": "a situational element missing",
    "I9": "an element marked not used",
}
# 277CA STC01-1 categories
CATEGORIES = {
    "A0": "forwarded to another entity",
    "A1": "received by the clearinghouse or payer",
    "A2": "accepted into the payer's adjudication system",
    "A3": "returned as unprocessable",
    "A4": "not found",
    "A5": "split by the payer",
    "A6": "rejected for missing information",
    "A7": "rejected for invalid information",
    "A8": "rejected for a relational error between fields",
}
# 277CA STC01-2 status codes we read in plain words, with the Encounters columns to check.
STATUS_NOTES: dict[str, tuple[str, tuple[str, ...]]] = {
    "19": ("received", ()),
    "20": ("accepted for processing", ()),
    "21": ("missing or invalid information", ()),
    "158": ("the date of birth", ("Patient DOB", "Subscriber DOB")),
    "164": ("the member ID (subscriber's contract number)", ("Member ID",)),
    "254": ("the principal diagnosis code", ("Dx 1",)),
    "255": ("a diagnosis code", ("Dx 1", "Dx 2", "Dx 3", "Dx 4")),
    "454": ("the procedure code", ("Procedure Code",)),
    "562": ("the provider's NPI", ("Rendering NPI",)),
}
# STC01-3 entity identifiers the fields belong to
ENTITIES = {
    "IL": "the subscriber",
    "QC": "the patient",
    "85": "the billing provider",
    "82": "the rendering provider",
    "DN": "the referring provider",
    "PR": "the payer",
    "41": "the submitter",
    "40": "the receiver",
}
_ENTITY_FIELDS = {
    "85": ("Billing NPI (Settings)",),
    "DN": ("Referring NPI",),
    "IL": ("Member ID",),
}


@dataclass
class AckEvent:
    """One acknowledgment's word on one claim (or a whole batch, when ``claim_id`` is '')."""

    kind: str  # 999 or 277CA
    when: date
    accepted: bool
    reason: str
    claim_id: str = ""
    group_control: str = ""  # 999: the GS06 of the batch it answers
    set_control: str = ""  # 999: the ST02
    codes: str = ""
    payer_claim_number: str = ""
    file: str = ""
    fields: list[str] = field(default_factory=list)

    @property
    def batch(self) -> bool:
        return not self.claim_id


def _set_reason(ack: SetAck) -> str:
    result = SET_RESULTS.get(ack.result, f"result {ack.result}")
    details = []
    for error in ack.errors:
        what = SEGMENT_ERRORS.get(error.segment_code, f"segment error {error.segment_code}")
        text = f"{error.segment} (segment {error.position} of the set, loop {error.loop}): {what}"
        if error.element:
            element = ELEMENT_ERRORS.get(error.element_code, f"element error {error.element_code}")
            value = f" ({error.value!r})" if error.value else ""
            number = f"{int(error.element):02d}" if error.element.isdigit() else error.element
            text += f"; element {error.segment}{number}: {element}{value}"
        details.append(text)
    return f"999: batch {result}" + (": " + "; ".join(details) if details else "")


def status_reading(status: Status) -> tuple[str, list[str]]:
    """``rejected for invalid information: the member ID`` and the columns to check."""
    category = CATEGORIES.get(status.category, f"category {status.category}")
    note, fields = STATUS_NOTES.get(status.code, (f"status code {status.code}", ()))
    entity = ENTITIES.get(status.entity, "")
    if status.entity in _ENTITY_FIELDS and not fields:
        fields = _ENTITY_FIELDS[status.entity]
    text = f"{category}: {note}" + (f" of {entity}" if entity and status.code not in ("19", "20")
                                    else "")  # fmt: skip
    return text, list(fields)


def events_of(ack: Acknowledgment, received: date, file: str) -> list[AckEvent]:
    """The claim- and batch-level events of one acknowledgment transaction set."""
    if isinstance(ack, Ack999):
        return _events_999(ack, received, file)
    return _events_277(ack, received, file)


def _events_999(ack: Ack999, received: date, file: str) -> list[AckEvent]:
    out = []
    when = ack.created or received
    for group in ack.groups:
        if not group.sets:
            out.append(
                AckEvent(
                    kind="999", when=when, accepted=group.accepted,
                    reason=f"999: batch {SET_RESULTS.get(group.result, group.result)}",
                    group_control=group.group_control, codes=f"AK9 {group.result}", file=file,
                )
            )  # fmt: skip
        for one in group.sets:
            out.append(
                AckEvent(
                    kind="999", when=when, accepted=one.accepted, reason=_set_reason(one),
                    group_control=group.group_control, set_control=one.control_number,
                    codes=f"IK5 {one.result}", file=file,
                )
            )  # fmt: skip
    return out


def _events_277(ack: Ack277, received: date, file: str) -> list[AckEvent]:
    out = []
    when = ack.created or received
    for claim in ack.claims:
        statuses = [*claim.statuses, *(s for _, s in claim.line_statuses)]
        rejected = [s for s in statuses if s.rejected]
        chosen = rejected or statuses
        readings = [status_reading(s) for s in chosen]
        fields = sorted({f for _, fs in readings for f in fs})
        reason = "277CA: " + "; ".join(text for text, _ in readings) if readings else (
            "277CA: no status given")  # fmt: skip
        out.append(
            AckEvent(
                kind="277CA", when=chosen[0].when or when if chosen else when,
                accepted=not rejected and any(s.accepted for s in statuses), reason=reason,
                claim_id=claim.patient_control_number,
                codes=", ".join(f"{s.category}:{s.code}:{s.entity}".rstrip(":") for s in chosen),
                payer_claim_number=claim.payer_claim_number, file=file, fields=fields,
            )
        )  # fmt: skip
    return out


def submission_for(
    event: AckEvent, by_claim: dict[str, list[ClaimRecord]], records: Sequence[ClaimRecord]
) -> list[ClaimRecord]:
    """The submissions an event answers: a 999 by batch (GS06, ST02), a 277CA claim by its
    Claim ID and the latest submission sent on or before the acknowledgment."""
    if event.kind == "999":
        return [
            r for r in records
            if r.gs06 == event.group_control
            and (not event.set_control or r.st02.lstrip("0") == event.set_control.lstrip("0"))
        ]  # fmt: skip
    found = by_claim.get(event.claim_id.strip().upper(), [])
    sent = [r for r in found if r.sent is None or r.sent <= event.when]
    return [sent[-1]] if sent else found[-1:]
