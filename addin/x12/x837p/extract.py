"""An 837P read back into Claim models (to reconcile 835s against claims that were sent)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from pydantic import ValidationError

from addin.models import Claim, ClaimLine, Finding, Person, Provider
from addin.x12.x837p.loops import (
    Loop,
    Loop2000B,
    Loop2000C,
    Loop2010AA,
    Loop2010BA,
    Loop2010BB,
    Loop2010CA,
    Loop2300,
    Loop2310A,
    Loop2310B,
    Loop2400,
    Loop2410,
    Transaction837P,
)
from addin.x12.x837p.reader import Document837P
from addin.x12.x837p.segs import CTP, DMG, LIN, N3, N4, NM1, NTE, PAT, PRV, first

DIAGNOSIS_QUALIFIERS = {"ABK", "ABF", "BK", "BF"}
#: Claim model fields -> the 837P elements they are read from, so a message about a value
#: names the element a user can find in the file, not a field of our models.
ELEMENTS: dict[str, str] = {
    "claim_id": "CLM01",
    "total_charge": "CLM02",
    "place_of_service": "CLM05-1",
    "frequency": "CLM05-3",
    "payer_claim_number": "REF*F8",
    "diagnoses": "HI",
    "lines": "LX/SV1",
    "line_number": "LX01",
    "procedure_code": "SV101-2",
    "modifiers": "SV101-3..6",
    "charge": "SV102",
    "units": "SV104",
    "dx_pointers": "SV107",
    "date_of_service": "DTP*472",
    "member_id": "NM109 (2010BA)",
    "patient": "2010CA",
    "subscriber": "2010BA",
}


def _problems(exc: ValidationError) -> str:
    """A pydantic error as '<element> <value>: <what is wrong>', without our field names."""
    parts = []
    for error in exc.errors():
        where = [ELEMENTS.get(str(x), str(x)) for x in error["loc"] if not isinstance(x, int)]
        message = str(error["msg"]).removeprefix("Value error, ")
        value = error.get("input")
        shown = f" {str(value)[:40]!r}" if isinstance(value, str | int | float | Decimal) else ""
        parts.append(f"{' '.join(where) or 'claim'}{shown}: {message}")
    return "; ".join(parts)


def _units(text: str) -> Decimal:
    try:
        value = Decimal(text or "1")
    except InvalidOperation:
        raise ValueError(f"SV104 {text[:40]!r} is not a number of units") from None
    if not value.is_finite():
        raise ValueError(f"SV104 {text[:40]!r} is not a number of units")
    return value


def _date(text: str) -> date | None:
    text = text[:8]
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def _person(loop: Loop | None) -> Person:
    if loop is None:
        return Person()
    nm1 = first(loop.segments, NM1)
    n3 = first(loop.segments, N3)
    n4 = first(loop.segments, N4)
    dmg = first(loop.segments, DMG)
    sex = dmg.sex if dmg and dmg.sex in ("M", "F", "U") else None
    return Person(
        last_name=nm1.last if nm1 else "",
        first_name=nm1.first if nm1 else "",
        dob=_date(dmg.dob) if dmg else None,
        sex=sex,
        address=n3.line1 if n3 else "",
        city=n4.city if n4 else "",
        state=n4.state if n4 else "",
        zip=n4.zip if n4 else "",
    )


def _provider(loop: Loop | None) -> Provider | None:
    if loop is None:
        return None
    nm1 = first(loop.segments, NM1)
    if nm1 is None:
        return None
    prv = first(loop.segments, PRV)
    n3 = first(loop.segments, N3)
    n4 = first(loop.segments, N4)
    refs = loop.refs()
    return Provider(
        name=nm1.last if nm1.entity_type == "2" else "",
        last_name=nm1.last,
        first_name=nm1.first,
        npi=nm1.id if nm1.id_qualifier == "XX" else "",
        tax_id=refs.get("EI", ""),
        taxonomy=prv.taxonomy if prv else "",
        address=n3.line1 if n3 else "",
        city=n4.city if n4 else "",
        state=n4.state if n4 else "",
        zip=n4.zip if n4 else "",
    )


def _line(loop: Loop2400, number: int, comp: str, pos: str) -> ClaimLine:
    sv1 = loop.sv1
    if sv1 is None:
        raise ValueError(f"line {number} has no SV1")
    proc = sv1.procedure.split(comp)
    dates = loop.service_dates
    day = _date(dates[0].value) if dates else None
    if day is None:
        raise ValueError(f"line {number} has no DTP*472 service date")
    drug = loop.sub(Loop2410)
    ndc = None
    if drug is not None:
        lin = first(drug.segments, LIN)
        ctp = first(drug.segments, CTP)
        if lin is not None:
            unit = ctp.unit.split(comp)[0] if ctp else ""
            ndc = f"{lin.ndc} {unit} {ctp.quantity}" if ctp and ctp.quantity else lin.ndc
    note = first(loop.segments, NTE)
    line_auth = loop.refs().get("G1")
    try:
        return _claim_line(
            number,
            proc,
            sv1.quantity,
            sv1.charge,
            sv1.pointers,
            comp,
            day,
            sv1.place_of_service or pos,
            ndc,
            note.text if note else None,
            line_auth,
        )
    except ValidationError as exc:
        raise ValueError(f"line {number} ({sv1.procedure}): {_problems(exc)}") from None


def _claim_line(
    number: int,
    proc: list[str],
    quantity: str,
    charge: str,
    pointers: str,
    comp: str,
    day: date,
    pos: str,
    ndc: str | None,
    note: str | None,
    prior_authorization: str | None,
) -> ClaimLine:
    return ClaimLine(
        line_number=number,
        procedure_code=proc[1] if len(proc) > 1 else "",
        modifiers=[m for m in proc[2:6] if m],
        units=_units(quantity),
        charge=charge,
        dx_pointers=[int(p) for p in pointers.split(comp) if p.isdigit()],
        date_of_service=day,
        place_of_service=pos,
        ndc=ndc,
        note=note,
        prior_authorization=prior_authorization,
    )


def _claim(
    sub: Loop2000B,
    pat: Loop2000C | None,
    loop: Loop2300,
    billing: Provider,
    comp: str,
) -> Claim:
    clm = loop.clm
    if clm is None:
        raise ValueError("no CLM segment")
    facility = clm.facility.split(comp)
    pos = facility[0]
    frequency = facility[2] if len(facility) > 2 else "1"
    diagnoses = []
    for hi in loop.his:
        for entry in hi.elements():
            qualifier, _, code = entry.partition(comp)
            if qualifier in DIAGNOSIS_QUALIFIERS and code:
                diagnoses.append(code)
    sbr = sub.sbr
    sub_name = sub.sub(Loop2010BA)
    payer_loop = sub.sub(Loop2010BB)
    payer = first(payer_loop.segments, NM1) if payer_loop else None
    member = first(sub_name.segments, NM1) if sub_name else None
    subscriber = _person(sub_name)
    patient = _person(pat.sub(Loop2010CA)) if pat else subscriber
    pat_seg = first(pat.segments, PAT) if pat else None
    relationship = pat_seg.relationship if pat_seg else "18"
    refs = loop.refs()
    lines = [_line(line, n, comp, pos) for n, line in enumerate(loop.lines, 1)]
    return Claim(
        claim_id=clm.claim_id,
        encounter_id=clm.claim_id,
        payer=payer.last if payer else "",
        payer_id=payer.id if payer else "",
        claim_filing_indicator=sbr.filing_indicator if sbr else "",
        frequency=frequency,
        payer_claim_number=refs.get("F8"),
        member_id=member.id if member else "",
        group_number=sbr.group_number if sbr else "",
        relationship=relationship,
        patient=patient,
        subscriber=subscriber,
        billing_provider=billing,
        rendering_provider=_provider(loop.sub(Loop2310B)),
        referring_provider=_provider(loop.sub(Loop2310A)),
        place_of_service=pos,
        prior_authorization=refs.get("G1"),
        diagnoses=diagnoses,
        lines=lines,
        total_charge=clm.total,
    )


def transaction_claims(
    txn: Transaction837P, component: str = ":"
) -> tuple[list[Claim], list[Finding]]:
    """Claims of one transaction set; a claim that cannot be a Claim is a finding instead."""
    claims: list[Claim] = []
    findings: list[Finding] = []
    for provider in txn.billing:
        billing = _provider(provider.sub(Loop2010AA)) or Provider()
        for sub in provider.subscribers:
            pairs: list[tuple[Loop2000C | None, Loop2300]] = [(None, c) for c in sub.claims]
            pairs += [(p, c) for p in sub.patients for c in p.claims]
            for pat, loop in pairs:
                try:
                    claims.append(_claim(sub, pat, loop, billing, component))
                except (ValidationError, ValueError) as exc:
                    detail = _problems(exc) if isinstance(exc, ValidationError) else str(exc)
                    findings.append(
                        Finding(
                            rule="X12-CLAIM-UNREADABLE",
                            severity="error",
                            message=f"claim {loop.claim_id}: cannot be read as a claim ({detail})",
                            encounter_id=loop.claim_id,
                        )
                    )
    return claims, findings


def claims_from_837p(document: Document837P) -> tuple[list[Claim], list[Finding]]:
    """Every claim in an 837P read by :func:`read_837p`, with findings for the unreadable."""
    claims: list[Claim] = []
    findings: list[Finding] = []
    for interchange in document.interchanges:
        for txn in interchange.transactions():
            got, problems = transaction_claims(txn, interchange.delimiters.component)
            claims.extend(got)
            findings.extend(problems)
    return claims, findings


def count_claims(document: Document837P) -> tuple[int, list[Finding]]:
    """How many claims :func:`claims_from_837p` finds, with its findings, holding one
    transaction set's claims at a time (a big file's 46,000 claims are some 400 MB)."""
    count = 0
    findings: list[Finding] = []
    for interchange in document.interchanges:
        for txn in interchange.transactions():
            got, problems = transaction_claims(txn, interchange.delimiters.component)
            count += len(got) + len(problems)
            findings.extend(problems)
    return count, findings


__all__ = ["claims_from_837p", "count_claims", "transaction_claims"]
