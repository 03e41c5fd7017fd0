"""The fingerprint of a claim: a short hash of everything billed on it, as the Claim Register
stores it.

The hash is over the claim as pydantic's JSON dump with sorted keys (frequency, payer claim
number and each line's source row left out); the fingerprints already in users' registers
were made that way, so the text hashed must stay the same byte for byte. Dumping 46,216
claims through pydantic and ``json.dumps`` took 1.6 s of the weekly run, so the same text is
written here field by field: the people and providers a clinic bills repeat claim after
claim, and each is written once. A model whose fields are not the ones written here (a field
added to Claim) takes the generic dump, so a new field can never be left out of the hash.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date
from json.encoder import encode_basestring_ascii
from operator import attrgetter
from typing import Any

from pydantic import BaseModel

from addin.models import Claim, ClaimLine, Person, Provider

#: Fields left out of the hash: a replacement of an unchanged claim has the same fingerprint.
LEFT_OUT = frozenset({"frequency", "payer_claim_number"})
_ENCODE = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str).encode


def fingerprint_generic(claim: Claim) -> str:
    """The fingerprint by pydantic's dump and ``json.dumps``: the definition of the hash."""
    data = claim.model_dump(mode="json", exclude=set(LEFT_OUT))
    for line in data.get("lines", []):
        line.pop("source_row", None)
    return _digest(_ENCODE(data))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _text(value: str | None) -> str:
    return "null" if value is None else encode_basestring_ascii(value)


def _date(value: date | None) -> str:
    return "null" if value is None else f'"{value.isoformat()}"'


def _texts(values: list[str]) -> str:
    return "[" + ",".join(map(encode_basestring_ascii, values)) + "]"


PERSON = ("address", "city", "dob", "first_name", "last_name", "sex", "state", "zip")
PROVIDER = (
    "address", "city", "first_name", "last_name", "name", "npi", "state", "tax_id",
    "taxonomy", "zip",
)  # fmt: skip
LINE = (
    "charge", "date_of_service", "dx_pointers", "line_number", "modifiers", "ndc", "note",
    "place_of_service", "prior_authorization", "procedure_code", "rendering_npi", "source_row",
    "units",
)  # fmt: skip
CLAIM = (
    "billing_provider", "claim_filing_indicator", "claim_id", "diagnoses", "encounter_id",
    "frequency", "group_number", "lines", "member_id", "patient", "payer", "payer_id",
    "payer_claim_number", "place_of_service", "prior_authorization", "referring_provider",
    "relationship", "rendering_provider", "subscriber", "total_charge",
)  # fmt: skip
#: Written texts of the people and providers seen, by their values (bounded).
_PARTS: dict[tuple[Any, ...], str] = {}
PARTS_LIMIT = 4096  # a clinic's providers fit; its patients mostly pass once or twice


def _person(p: Person) -> str:
    key = (p.address, p.city, p.dob, p.first_name, p.last_name, p.sex, p.state, p.zip)
    text = _PARTS.get(key)
    if text is None:
        text = (
            f'{{"address":{_text(p.address)},"city":{_text(p.city)},"dob":{_date(p.dob)},'
            f'"first_name":{_text(p.first_name)},"last_name":{_text(p.last_name)},'
            f'"sex":{_text(p.sex)},"state":{_text(p.state)},"zip":{_text(p.zip)}}}'
        )
        if len(_PARTS) < PARTS_LIMIT:
            _PARTS[key] = text
    return text


def _provider(p: Provider | None) -> str:
    if p is None:
        return "null"
    key = ("provider", p.address, p.city, p.first_name, p.last_name, p.name, p.npi, p.state,
           p.tax_id, p.taxonomy, p.zip)  # fmt: skip
    text = _PARTS.get(key)
    if text is None:
        text = (
            f'{{"address":{_text(p.address)},"city":{_text(p.city)},'
            f'"first_name":{_text(p.first_name)},"last_name":{_text(p.last_name)},'
            f'"name":{_text(p.name)},"npi":{_text(p.npi)},"state":{_text(p.state)},'
            f'"tax_id":{_text(p.tax_id)},"taxonomy":{_text(p.taxonomy)},"zip":{_text(p.zip)}}}'
        )
        if len(_PARTS) < PARTS_LIMIT:
            _PARTS[key] = text
    return text


def _line(ln: ClaimLine) -> str:
    e = encode_basestring_ascii  # required texts; _text for those that may be None
    pointers = ",".join(map(str, ln.dx_pointers))
    return (
        f'{{"charge":"{ln.charge:.2f}","date_of_service":"{ln.date_of_service.isoformat()}",'
        f'"dx_pointers":[{pointers}],"line_number":{ln.line_number},'
        f'"modifiers":{_texts(ln.modifiers)},"ndc":{_text(ln.ndc)},"note":{_text(ln.note)},'
        f'"place_of_service":{_text(ln.place_of_service)},'
        f'"prior_authorization":{_text(ln.prior_authorization)},'
        f'"procedure_code":{e(ln.procedure_code)},'
        f'"rendering_npi":{_text(ln.rendering_npi)},"units":"{ln.units}"}}'
    )


_LINE_VALUES = attrgetter(
    "charge", "date_of_service", "dx_pointers", "line_number", "modifiers", "ndc", "note",
    "place_of_service", "prior_authorization", "procedure_code", "rendering_npi", "units",
)  # fmt: skip
#: Written texts of the lines seen, by their values (bounded): a week's lines repeat (87,621
#: lines, some 2,900 different texts).
_LINES: dict[tuple[Any, ...], str] = {}
LINES_LIMIT = 16384


def _line_text(ln: ClaimLine) -> str:
    """:func:`_line`, remembered by the values it writes (amounts and units by their text:
    ``1.0`` and ``1`` are equal Decimals written differently)."""
    charge, dos, pointers, number, modifiers, ndc, note, pos, auth, code, npi, units = _LINE_VALUES(
        ln
    )
    key = (str(charge), dos, tuple(pointers), number, tuple(modifiers), ndc, note, pos, auth,
           code, npi, str(units))  # fmt: skip
    text = _LINES.get(key)
    if text is None:
        text = _line(ln)
        if len(_LINES) < LINES_LIMIT:
            _LINES[key] = text
    return text


def _claim_text(c: Claim) -> str:
    e = encode_basestring_ascii
    lines = ",".join(map(_line_text, c.lines))
    patient = _person(c.patient)
    # the patient is the subscriber (the same Person) on most claims: written once
    subscriber = patient if c.subscriber is c.patient else _person(c.subscriber)
    return (
        f'{{"billing_provider":{_provider(c.billing_provider)},'
        f'"claim_filing_indicator":{e(c.claim_filing_indicator)},'
        f'"claim_id":{e(c.claim_id)},"diagnoses":{_texts(c.diagnoses)},'
        f'"encounter_id":{e(c.encounter_id)},"group_number":{e(c.group_number)},'
        f'"lines":[{lines}],"member_id":{e(c.member_id)},"patient":{patient},'
        f'"payer":{e(c.payer)},"payer_id":{e(c.payer_id)},'
        f'"place_of_service":{e(c.place_of_service)},'
        f'"prior_authorization":{_text(c.prior_authorization)},'
        f'"referring_provider":{_provider(c.referring_provider)},'
        f'"relationship":{e(c.relationship)},'
        f'"rendering_provider":{_provider(c.rendering_provider)},'
        f'"subscriber":{subscriber},"total_charge":"{c.total_charge:.2f}"}}'
    )


def _written_here() -> bool:
    """Whether the models have exactly the fields (and types) :func:`_claim_text` writes."""
    models: list[tuple[type[BaseModel], tuple[str, ...]]] = [
        (Claim, CLAIM),
        (ClaimLine, LINE),
        (Person, PERSON),
        (Provider, PROVIDER),
    ]
    return all(set(model.model_fields) == set(names) for model, names in models)


_FAST: Callable[[Claim], str] | None = _claim_text if _written_here() else None


def fingerprint(claim: Claim) -> str:
    """A short hash of everything billed on the claim, its frequency and payer claim number
    aside (a replacement of an unchanged claim has the same fingerprint)."""
    if _FAST is None or type(claim) is not Claim:
        return fingerprint_generic(claim)
    return _digest(_FAST(claim))


__all__ = ["fingerprint", "fingerprint_generic"]
