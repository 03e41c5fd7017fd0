"""Claims to an 837P (005010X222A1): loops from Claim models, then envelope and control numbers."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO, TypeVar

from addin.collector import collector_paused
from addin.errors import OutputError, SettingsError
from addin.files.folders import make_folder
from addin.models import Claim, ClaimLine, Finding, Person, Provider
from addin.x12.envelope import (
    WRITE_DELIMITERS,
    ControlNumbers,
    ControlNumberStore,
    Envelope,
    se,
    st,
)
from addin.x12.x837p.checks import check_837p
from addin.x12.x837p.loops import (
    Group,
    Interchange,
    Loop,
    Loop1000A,
    Loop1000B,
    Loop2000A,
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
from addin.x12.x837p.names import FORBIDDEN_IN_IDS, Names
from addin.x12.x837p.segs import (
    BHT,
    CLM,
    CTP,
    DMG,
    DTP,
    HI,
    HL,
    LIN,
    LX,
    N3,
    N4,
    NM1,
    NTE,
    PAT,
    PER,
    PRV,
    REF,
    SBR,
    SV1,
    RawSegment,
    Seg,
)
from addin.x12.x837p.text import amount, clean, d8, icd, parse_ndc, quantity

VERSION = "005010X222A1"
LoopT = TypeVar("LoopT", bound=Loop)
#: Claims per ST..SE: the 837P guide advises at most 5000 CLM per transaction set, and
#: clearinghouses reject larger ones.
MAX_CLAIMS_PER_ST = 5000
REQUIRED_SETTINGS = (
    "Billing Provider Name",
    "Billing NPI",
    "Tax ID",
    "Billing Address",
    "Billing City",
    "Billing State",
    "Billing ZIP",
    "Submitter Name",
    "Submitter ID",
    "Submitter Phone",
    "Receiver Name",
    "Receiver ID",
)


@dataclass
class WriteResult:
    """What :func:`write_837p` wrote: where, the interchange, its control numbers, findings."""

    text: str
    interchange: Interchange
    numbers: ControlNumbers
    path: Path | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def segment_count(self) -> int:
        return sum(1 for _ in self.interchange.walk())


def require_settings(settings: dict[str, str]) -> None:
    missing = [key for key in REQUIRED_SETTINGS if not settings.get(key, "").strip()]
    if missing:
        raise SettingsError(
            "Settings sheet: " + ", ".join(missing) + " must be filled before an 837P can be "
            "written (the clearinghouse rejects a file without them)"
        )


_new = object.__new__
_set = object.__setattr__
_FIELDS: dict[type, tuple[str, ...]] = {}


def _loop(cls: type[LoopT], **fields: list[Any]) -> LoopT:
    """``cls(**fields)`` without pydantic validating what the writer has just made (lists of
    segment records and loops; 230,000 loops on a big week): the fields in the model's
    order, the ones not given an empty list of their own, as validation would leave them
    (the lists themselves are kept, not copied: the writer makes each for its loop)."""
    model = _new(cls)
    names = _FIELDS.get(cls)
    if names is None:  # pydantic's model_fields is a property: read once per class
        names = _FIELDS[cls] = tuple(cls.model_fields)
    _set(model, "__dict__", {n: fields[n] if n in fields else [] for n in names})
    _set(model, "__pydantic_fields_set__", set(fields))
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model


def _person_segments(
    person: Person, names: Names, claim: Claim, loop: str, with_demographics: bool
) -> list[Seg]:
    out: list[Seg] = []
    if not with_demographics:
        return out
    own = loop == "2010BA"  # the subscriber's demographics are sent only for their own claims
    if person.address:
        out.append(N3(names(person.address, (loop, "N301"), claim, self_subscriber=own)))
    if person.city or person.state or person.zip:
        city = names(person.city, (loop, "N401"), claim, self_subscriber=own)
        out.append(N4(city, person.state.upper(), person.zip))
    if person.dob is not None:
        if person.sex is None:
            names.unknown_sex((loop, "DMG03"), claim, self_subscriber=own)
        out.append(DMG("D8", d8(person.dob), person.sex or "U"))
    return out


def _provider_loop(kind: str, provider: Provider, names: Names, claim: Claim) -> Loop:
    loop = "2310A" if kind == "referring" else "2310B"
    last = names(provider.last_name or provider.name, (loop, "NM103"), claim)
    first = names(provider.first_name, (loop, "NM104"), claim)
    if kind == "referring":
        return _loop(
            Loop2310A, segments=[NM1("DN", "1", last, first, "", "", "", "XX", provider.npi)]
        )
    segs: list[Seg] = [NM1("82", "1", last, first, "", "", "", "XX", provider.npi)]
    if provider.taxonomy:
        segs.append(PRV("PE", "PXC", provider.taxonomy))
    return _loop(Loop2310B, segments=segs)


def _line_loop(
    line: ClaimLine, number: int, claim_pos: str, claim_auth: str | None = None
) -> Loop2400:
    proc = ":".join(["HC", line.procedure_code, *line.modifiers])
    pos = line.place_of_service or ""
    sv1 = SV1(
        proc,
        amount(line.charge),
        "UN",
        quantity(line.units),
        pos if pos and pos != claim_pos else "",
        "",
        ":".join(map(str, line.dx_pointers)),
    )
    segs: list[Seg] = [LX(str(number)), sv1, DTP("472", "D8", d8(line.date_of_service))]
    if line.prior_authorization and line.prior_authorization != claim_auth:
        segs.append(REF("G1", line.prior_authorization.translate(FORBIDDEN_IN_IDS).strip()))
    if line.note:
        segs.append(NTE("ADD", clean(line.note)[:80]))
    loops: list[Loop] = []
    drug_id = parse_ndc(line.ndc) if line.ndc else None
    if drug_id:
        ndc, unit, qty = drug_id
        drug = _loop(
            Loop2410,
            segments=[LIN("", "N4", ndc), CTP("", "", "", qty or quantity(line.units), unit)],
        )
        loops.append(drug)
    return _loop(Loop2400, segments=segs, loops=loops)


#: Service lines already built, by everything :func:`_line_loop` makes them from (see
#: :func:`_shared_line`): a streamed file shares one Loop2400 among the claims that bill the
#: same line (a week of 87,621 lines has some 2,700 different ones).
LineMemo = dict[tuple[Any, ...], Loop2400]
LINE_MEMO_LIMIT = 65536


def _shared_line(
    memo: LineMemo, line: ClaimLine, number: int, claim_pos: str, claim_auth: str | None
) -> Loop2400:
    """:func:`_line_loop`, the same loop again for a line made from the same values.
    Amounts and units are keyed by their text (``1.0`` and ``1`` are equal Decimals but
    are written differently)."""
    key = (
        number, line.procedure_code, tuple(line.modifiers), str(line.charge), str(line.units),
        line.place_of_service, claim_pos, tuple(line.dx_pointers), line.date_of_service,
        line.prior_authorization, claim_auth, line.note, line.ndc,
    )  # fmt: skip
    loop = memo.get(key)
    if loop is None:
        loop = _line_loop(line, number, claim_pos, claim_auth)
        if len(memo) < LINE_MEMO_LIMIT:
            memo[key] = loop
    return loop


def claim_loop(claim: Claim, names: Names, memo: LineMemo | None = None) -> Loop2300:
    """Loop 2300 with its provider loops and service lines for one claim (with ``memo``,
    lines built before for other claims are shared: only for a file written as it is built,
    as a finding's segment position needs each segment once in the file)."""
    facility = f"{claim.place_of_service}:B:{claim.frequency}"
    cid = names.ident(claim.claim_id, ("2300", "CLM01"), claim)
    segs: list[Seg] = [CLM(cid, amount(claim.total_charge), "", "", facility, "Y", "A", "Y", "Y")]
    if claim.prior_authorization:
        g1 = names.ident(claim.prior_authorization, ("2300", "REF02:G1"), claim)
        segs.append(REF("G1", g1))
    if claim.frequency in ("7", "8") and claim.payer_claim_number:
        original = names.ident(claim.payer_claim_number, ("2300", "REF02:F8"), claim)
        segs.append(REF("F8", original))
    codes = [f"{'ABK' if i == 0 else 'ABF'}:{icd(code)}" for i, code in enumerate(claim.diagnoses)]
    segs.append(HI(rest=tuple(codes)))
    loops: list[Loop] = []
    if claim.referring_provider and claim.referring_provider.npi:
        loops.append(_provider_loop("referring", claim.referring_provider, names, claim))
    rendering = claim.rendering_provider
    if rendering and rendering.npi and rendering.npi != claim.billing_provider.npi:
        loops.append(_provider_loop("rendering", rendering, names, claim))
    pos, auth = claim.place_of_service, claim.prior_authorization
    if memo is None:
        lines = [_line_loop(line, i, pos, auth) for i, line in enumerate(claim.lines, 1)]
    else:
        lines = [_shared_line(memo, line, i, pos, auth) for i, line in enumerate(claim.lines, 1)]
    return _loop(Loop2300, segments=segs, loops=loops, lines=lines)


def _subscriber_key(claim: Claim) -> tuple[str, ...]:
    # The subscriber's own claims and their dependents' go in separate 2000B loops: SBR02
    # is 18 for the first and must be empty for the second.
    sub = claim.subscriber
    own = "self" if claim.relationship == "18" else "dependents"
    return (claim.payer_id, claim.member_id, sub.last_name.upper(), sub.first_name.upper(), own)


def build_transaction(
    claims: Sequence[Claim],
    settings: dict[str, str],
    control: int,
    created: datetime,
    names: Names,
) -> Transaction837P:
    """One ST..SE holding every claim, billing provider from Settings."""
    header: list[Seg] = [
        RawSegment("ST", tuple(st(control)[1:])),
        BHT("0019", "00", f"{control:04d}", d8(created.date()), created.strftime("%H%M"), "CH"),
    ]
    submitter = Loop1000A(
        segments=[
            NM1(
                "41",
                "2",
                names(settings["Submitter Name"], ("1000A", "NM103")),
                "",
                "",
                "",
                "",
                "46",
                settings["Submitter ID"].strip(),
            ),
            PER(
                "IC",
                names(
                    settings.get("Submitter Contact") or settings["Submitter Name"],
                    ("1000A", "PER02"),
                ),
                "TE",
                "".join(ch for ch in settings["Submitter Phone"] if ch.isdigit()),
            ),
        ]
    )
    receiver = Loop1000B(
        segments=[
            NM1(
                "40",
                "2",
                names(settings["Receiver Name"], ("1000B", "NM103")),
                "",
                "",
                "",
                "",
                "46",
                settings["Receiver ID"].strip(),
            )
        ]
    )
    billing = _billing_head(settings, names)
    billing.subscribers.extend(subscriber_levels(claims, names))
    return Transaction837P(
        segments=header, loops=[submitter, receiver], billing=[billing], trailer=[]
    )


def transaction_head(
    claims: Sequence[Claim],
    settings: dict[str, str],
    control: int,
    created: datetime,
    names: Names,
    memo: LineMemo | None = None,
) -> tuple[Transaction837P, Iterator[Loop2000B]]:
    """One ST..SE without its subscriber levels (and no SE), and the subscriber levels of
    ``claims`` one at a time: what :func:`build_transaction` puts together, for a writer
    that checks and writes each level and lets it go (the names are cleaned, and their
    findings made, in the same order; ``memo`` shares lines, see :func:`claim_loop`)."""
    txn = build_transaction((), settings, control, created, names)
    return txn, subscriber_levels(claims, names, memo)


def _billing_head(settings: dict[str, str], names: Names) -> Loop2000A:
    provider_segs: list[Seg] = [HL("1", "", "20", "1")]
    taxonomy = settings.get("Taxonomy Code", "").strip()
    if taxonomy:
        provider_segs.append(PRV("BI", "PXC", taxonomy))
    digits = "".join(ch for ch in settings["Billing ZIP"] if ch.isdigit())
    billing_name = Loop2010AA(
        segments=[
            NM1(
                "85",
                "2",
                names(settings["Billing Provider Name"], ("2010AA", "NM103")),
                "",
                "",
                "",
                "",
                "XX",
                settings["Billing NPI"].strip(),
            ),
            N3(names(settings["Billing Address"], ("2010AA", "N301"))),
            N4(
                names(settings["Billing City"], ("2010AA", "N401")),
                settings["Billing State"].strip().upper(),
                digits,
            ),
            REF("EI", "".join(ch for ch in settings["Tax ID"] if ch.isdigit())),
        ]
    )
    return Loop2000A(segments=provider_segs, loops=[billing_name])


def subscriber_levels(
    claims: Sequence[Claim], names: Names, memo: LineMemo | None = None
) -> Iterator[Loop2000B]:
    """The 2000B levels (2000C patients and claims below) of ``claims``, HL 2 on, in order."""
    hl = 1
    groups: dict[tuple[str, ...], list[Claim]] = {}
    for claim in claims:
        groups.setdefault(_subscriber_key(claim), []).append(claim)
    for group in groups.values():
        hl += 1
        sub_id = hl
        lead = group[0]
        sub_claims = [c for c in group if c.relationship == "18"]
        dependents: dict[tuple[str, ...], list[Claim]] = {}
        for c in group:
            if c.relationship != "18":
                key = (c.patient.last_name.upper(), c.patient.first_name.upper(), c.relationship)
                dependents.setdefault(key, []).append(c)
        is_self = bool(sub_claims)
        start = len(names.findings)
        sbr = SBR(
            "P",
            "18" if is_self else "",
            names.ident(lead.group_number, ("2000B", "SBR03"), lead),
            "",
            "",
            "",
            "",
            "",
            lead.claim_filing_indicator,
        )
        subscriber = lead.subscriber
        at_last, at_first = ("2010BA", "NM103"), ("2010BA", "NM104")
        sub_name = _loop(
            Loop2010BA,
            segments=[
                NM1(
                    "IL",
                    "1",
                    names(subscriber.last_name, at_last, lead, self_subscriber=is_self),
                    names(subscriber.first_name, at_first, lead, self_subscriber=is_self),
                    "",
                    "",
                    "",
                    "MI",
                    names.ident(lead.member_id, ("2010BA", "NM109"), lead),
                ),
                *_person_segments(subscriber, names, lead, "2010BA", is_self),
            ],
        )
        payer = _loop(
            Loop2010BB,
            segments=[
                NM1(
                    "PR",
                    "2",
                    names(lead.payer, ("2010BB", "NM103"), lead),
                    "",
                    "",
                    "",
                    "",
                    "PI",
                    names.ident(lead.payer_id, ("2010BB", "NM109"), lead),
                )
            ],
        )
        names.spread(start, group)
        sub_level = _loop(
            Loop2000B,
            segments=[HL(str(sub_id), "1", "22", "1" if dependents else "0"), sbr],
            loops=[sub_name, payer],
            claims=[claim_loop(c, names, memo) for c in sub_claims],
        )
        for (_, _, relationship), dep_claims in dependents.items():
            hl += 1
            patient = dep_claims[0].patient
            dep_start = len(names.findings)
            pat_name = _loop(
                Loop2010CA,
                segments=[
                    NM1(
                        "QC",
                        "1",
                        names(patient.last_name, ("2010CA", "NM103"), dep_claims[0]),
                        names(patient.first_name, ("2010CA", "NM104"), dep_claims[0]),
                    ),
                    *_person_segments(patient, names, dep_claims[0], "2010CA", True),
                ],
            )
            names.spread(dep_start, dep_claims)
            sub_level.patients.append(
                _loop(
                    Loop2000C,
                    segments=[HL(str(hl), str(sub_id), "23", "0"), PAT(relationship)],
                    loops=[pat_name],
                    claims=[claim_loop(c, names, memo) for c in dep_claims],
                )
            )
        yield sub_level


def assemble(
    claims: Sequence[Claim],
    settings: dict[str, str],
    names: Names,
    *,
    created: datetime,
    numbers: ControlNumbers,
    amend: Callable[[Transaction837P], None] | None = None,
) -> Interchange:
    """One ISA/GS around as many ST/SE as ``claims`` need (``amend`` changes each transaction
    before its SE is counted: the COB loops of a claim to a next payer)."""
    envelope = Envelope.for_submitter(settings, created, numbers)
    txns: list[Transaction837P] = []
    with collector_paused():
        for i, start in enumerate(range(0, len(claims), MAX_CLAIMS_PER_ST)):
            control = numbers.first_transaction + i
            chunk = claims[start : start + MAX_CLAIMS_PER_ST]
            txn = build_transaction(chunk, settings, control, created, names)
            if amend is not None:
                amend(txn)
            count = txn.segment_count() + 1  # SE counts itself
            txn.trailer.append(RawSegment("SE", tuple(se(count, control)[1:])))
            txns.append(txn)
    group = Group(
        gs=RawSegment("GS", tuple(envelope.gs()[1:])),
        transactions=txns,
        ge=RawSegment("GE", tuple(envelope.ge(len(txns))[1:])),
    )
    return Interchange(
        isa=RawSegment("ISA", tuple(envelope.isa()[1:])),
        groups=[group],
        iea=RawSegment("IEA", tuple(envelope.iea()[1:])),
        delimiters=WRITE_DELIMITERS,
    )


def build_837p(
    claims: Sequence[Claim],
    settings: dict[str, str],
    *,
    created: datetime,
    numbers: ControlNumbers,
) -> tuple[Interchange, list[Finding]]:
    """The interchange for ``claims`` with given time and control numbers (no file, no store)."""
    if not claims:
        raise OutputError("no claims to write: every encounter was held; see the Findings")
    require_settings(settings)
    names = Names()
    interchange = assemble(claims, settings, names, created=created, numbers=numbers)
    # one finding per cleaned value, even when Settings names repeat in every ST
    return interchange, list(dict.fromkeys(names.findings))


@dataclass
class Accepted:
    """What :func:`build_accepted` made: the interchange (None when a problem outside any
    claim, such as a Settings value, keeps every claim out), the claims in it, the findings,
    and the encounters held back with the findings that held them."""

    interchange: Interchange | None
    claims: list[Claim]
    findings: list[Finding]
    held: dict[str, list[Finding]] = field(default_factory=dict)


def build_accepted(
    claims: Sequence[Claim],
    settings: dict[str, str],
    *,
    created: datetime,
    numbers: ControlNumbers,
) -> Accepted:
    """The interchange for ``claims`` without the encounters it would be rejected for.

    Every value goes through the checks (:func:`check_837p`, element table included); an
    encounter with an error (a name in Arabic letters, a 35-character city, units of 10^15)
    is held with its findings, on its cells, and the rest is built again without it. An
    error outside any claim (the billing provider's city on the Settings sheet) holds the
    whole file: ``interchange`` is None.
    """
    remaining = list(claims)
    carried: list[Finding] = []  # findings about encounters held in an earlier round
    held: dict[str, list[Finding]] = {}
    while remaining:
        interchange, written = build_837p(remaining, settings, created=created, numbers=numbers)
        checked = check_837p(interchange, {c.claim_id: c for c in remaining})
        # a cell the writer already faulted (a name in Arabic letters, sent empty) gets that
        # finding, not a second one for the empty element it leads to
        faulted = {(f.encounter_id, f.row, f.column) for f in written if f.blocking}
        found = [
            *written,
            *(f for f in checked if (f.encounter_id, f.row, f.column) not in faulted),
        ]
        ours = {c.encounter_id for c in remaining}
        blocking = [f for f in found if f.blocking]
        if any(f.encounter_id not in ours for f in blocking):
            return Accepted(None, remaining, [*carried, *found], held)
        stopped = {f.encounter_id for f in blocking if f.encounter_id is not None}
        if not stopped:
            return Accepted(interchange, remaining, [*carried, *found], held)
        for finding in blocking:
            held.setdefault(str(finding.encounter_id), []).append(finding)
        carried += [f for f in found if f.encounter_id in stopped]
        remaining = [c for c in remaining if c.encounter_id not in stopped]
    return Accepted(None, [], carried, held)


def transactions_needed(claims: int) -> int:
    """How many ST..SE transaction sets ``claims`` claims take."""
    return max(1, -(-claims // MAX_CLAIMS_PER_ST))


def write_837p(
    claims: Sequence[Claim],
    settings: dict[str, str],
    target: str | os.PathLike[str] | TextIO,
    *,
    created: datetime | None = None,
    numbers: ControlNumbers | None = None,
    store: ControlNumberStore | None = None,
) -> WriteResult:
    """Write ``claims`` as one 837P interchange to a path (atomically) or an open text file.

    Control numbers come from the per-submitter store unless ``numbers`` is given (goldens
    freeze them, and ``created``, to compare byte for byte). The interchange goes through
    our semantic checks first; a file a clearinghouse would reject is not written (an
    OutputError lists why).
    """
    if numbers is None:
        require_settings(settings)
        numbers = (store or ControlNumberStore()).reserve(
            settings["Submitter ID"].strip(), transactions_needed(len(claims))
        )
    when = created or datetime.now().replace(microsecond=0)
    with collector_paused():  # one pause for build, check and render: each resume costs a full pass
        interchange, findings = build_837p(claims, settings, created=when, numbers=numbers)
        checked = check_837p(interchange, {c.claim_id: c for c in claims})
        problems = [f for f in [*findings, *checked] if f.blocking]
        if not problems:
            return save_837p(interchange, target, findings)
    shown = "; ".join(f.message for f in problems[:5])
    more = f" and {len(problems) - 5} more" if len(problems) > 5 else ""
    raise OutputError(
        f"837P not written: {len(problems)} problem(s) a clearinghouse would reject: "
        f"{shown}{more}. Fix them (most come from the Settings sheet) and run again"
    )


def save_837p(
    interchange: Interchange,
    target: str | os.PathLike[str] | TextIO,
    findings: list[Finding] | None = None,
) -> WriteResult:
    """Write a built interchange to a path (atomically: temp file, then rename) or a file."""
    text = interchange.x12()
    path: Path | None = None
    if isinstance(target, str | os.PathLike):
        path = Path(target)
        _write_atomic(path, text)
    else:
        target.write(text)
    return WriteResult(text, interchange, _numbers(interchange), path, list(findings or []))


def _numbers(interchange: Interchange) -> ControlNumbers:
    st_control = next(interchange.transactions()).segments[0][2]
    return ControlNumbers(
        int(interchange.isa[13]),
        int(interchange.groups[0].gs[6]),
        int(st_control),
    )


def _write_atomic(path: Path, text: str) -> None:
    """Temp file beside ``path``, then rename; the temp file (patient data) never survives."""
    if path.is_dir():
        raise OutputError(
            f"{path}: is a folder; give the 837P a file name (--x12 {path / 'claims.837'}) "
            "or put it in the folder with --x12-dir"
        )
    tmp: str | None = None
    try:
        make_folder(path.parent, path)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "w", encoding="ascii", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
        tmp = None
    except (OSError, UnicodeEncodeError) as exc:
        raise OutputError(f"{path}: cannot write the 837P ({exc})") from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
