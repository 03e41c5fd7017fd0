"""Reconcile claims against remittances to the cent: status, adjustments, variance per claim.

Matching order: CLP01 to the claim's Claim ID (CLM01), then to its Encounter ID; then the
payer claim number (CLP07) with the dates of service. Several CLP for one claim are summed
(splits marked MA15, reversal CLP02=22 then its correction); a second payment from the same
payer without a reversal is reported as a duplicate. Remittance claims that match nothing are
kept in ``unmatched``; claims with no remittance are ``pending``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from operator import attrgetter
from typing import Any

from addin.models.book import ContractRow
from addin.models.claim import BilledClaim as Claim
from addin.models.remittance import ZERO, Remittance
from addin.remit.results import (
    STATUSES,
    AdjustmentTotal,
    ClaimResult,
    PaymentEvent,
    Reconciliation,
    Status,
    TransactionSummary,
    UnmatchedClaim,
    _m,
)
from addin.x12.x835_lean import LeanClaim

CENT = Decimal("0.01")
FORWARDED = frozenset({"19", "20", "21", "23"})
PROCESSED = frozenset({"1", "2", "3", "19", "20", "21"})
_LEVEL = {"19": "1", "20": "2", "21": "3"}  # processed-and-forwarded codes as their level
__all__ = ["STATUSES", "ClaimResult", "Reconciliation", "Status", "UnmatchedClaim", "reconcile"]


def _flatten(remittances: Iterable[Remittance | Sequence[Remittance]]) -> Iterator[Remittance]:
    for item in remittances:
        if isinstance(item, Remittance):
            yield item
        else:
            yield from item


def _key(text: str) -> str:
    return text.strip().upper()


class _Matcher:
    """Indexes the claims once; finds the claim a CLP belongs to."""

    def __init__(self, claims: Sequence[Claim]) -> None:
        self.claims = claims
        # (Keys are trimmed and upper-cased, as _key does, inline: this runs per claim.)
        # Built in reverse so that, as with setdefault, the first claim of an ID wins.
        self.by_id: dict[str, Claim] = {c.claim_id.strip().upper(): c for c in reversed(claims)}
        # By Encounter ID and by the payer claim numbers the workbook holds: built when a
        # CLP01 first fails to match a Claim ID (most files never need them).
        self._by_encounter: dict[str, list[Claim]] | None = None
        self.by_payer_number: dict[str, list[Claim]] = {}
        # Payer claim numbers seen on matched payments, indexed only when a payment has to
        # be matched by its number (most never are): the same answers, learned lazily.
        self.learned: list[tuple[str, Claim]] = []

    def _index_workbook(self) -> dict[str, list[Claim]]:
        """By Encounter ID, and the workbook's payer claim numbers (before learned ones)."""
        if self._by_encounter is None:
            by_encounter: dict[str, list[Claim]] = {}
            numbers: dict[str, list[Claim]] = {}
            for claim in self.claims:
                by_encounter.setdefault(_key(claim.encounter_id), []).append(claim)
                if claim.payer_claim_number:
                    numbers.setdefault(_key(claim.payer_claim_number), []).append(claim)
            for number, found in self.by_payer_number.items():  # learned before this
                bucket = numbers.setdefault(number, [])
                bucket.extend(c for c in found if all(c is not b for b in bucket))
            self.by_payer_number = numbers
            self._by_encounter = by_encounter
        return self._by_encounter

    def _index_learned(self) -> None:
        for number, claim in self.learned:
            key = _key(number)
            bucket = self.by_payer_number.get(key)
            if bucket is None:
                self.by_payer_number[key] = [claim]
            elif all(c is not claim for c in bucket):  # identity: models compare by value
                bucket.append(claim)
        self.learned.clear()

    def find(self, payment: LeanClaim) -> Claim | None:
        pcn = payment.patient_control_number.strip().upper()  # _key, inline
        if pcn:
            found = self.by_id.get(pcn)
            if found is not None:
                return found
            found_list = self._index_workbook().get(pcn)
            if found_list:
                return found_list[0]
        if payment.payer_claim_number:
            self._index_workbook()
            if self.learned:
                self._index_learned()
            candidates = self.by_payer_number.get(_key(payment.payer_claim_number), [])
            days = payment.service_dates()
            for claim in candidates:
                claim_days = {line.date_of_service for line in claim.lines}
                if not days or days & claim_days:
                    return claim
        return None


class _Pricer:
    """Expected allowed amounts: Contracts rows indexed once per payer, then the PFS."""

    def __init__(self, contracts: Sequence[ContractRow], locality: str | None) -> None:
        self.contracts = contracts
        self.locality = locality
        self.tables: dict[frozenset[str], dict[tuple[str, str], Decimal]] = {}
        self.by_payer: dict[tuple[str, str], _Rates] = {}
        self.last: tuple[str | None, str | None, _Rates] = (None, None, ({}, {}))
        # Totals given out, each value once: most claims of a week cost what others do, and
        # every claim's result keeps its expected amount (46,216 of them on a big week).
        self.totals: dict[Decimal, Decimal] = {}

    def _rates(self, claim: Claim) -> _Rates:
        """The claim's payer's contract rates, and its memo of priced lines."""
        payer, payer_id = claim.payer, claim.payer_id
        last = self.last
        if last[0] == payer and last[1] == payer_id:  # a remittance is one payer's
            return last[2]
        found = self.by_payer.get((payer, payer_id))
        if found is not None:
            self.last = (payer, payer_id, found)
            return found
        payer_keys = frozenset({_key(claim.payer), _key(claim.payer_id)} - {""})
        table = self.tables.get(payer_keys)
        if table is None:
            table = self.tables[payer_keys] = {}
            for row in self.contracts:
                if _key(row.payer) in payer_keys:
                    table[(_key(row.code), _key(row.modifier))] = row.allowed
        found = self.by_payer[(claim.payer, claim.payer_id)] = (table, {})
        self.last = (payer, payer_id, found)
        return found

    def expected(self, claim: Claim) -> Decimal | None:
        """Expected allowed amount for the claim's lines, or None when a line cannot be priced.

        A line is priced from the payer's Contracts row (code and modifier, then code alone),
        else, when a PFS locality is given and the PFS RVU/GPCI files are imported, from the
        Medicare fee schedule for the date of service.
        """
        locality = self.locality
        if not self.contracts and not locality:
            return None  # nothing to price with: skip the per-claim work below
        table, memo = self._rates(claim)
        if not table and not locality:
            return None
        total = ZERO
        for line in claim.lines:
            mods = line.modifiers
            memo_key = (line.procedure_code, mods[0] if mods else "")
            known = memo.get(memo_key)
            if known is None:
                modifier, code = memo_key[1].strip().upper(), _key(line.procedure_code)
                rate = table.get((code, modifier))
                if rate is None:
                    rate = table.get((code, ""))
                known = (rate, None if rate is None else rate.quantize(CENT))
                if len(memo) < 100_000:
                    memo[memo_key] = known
            rate, one_unit = known
            units = line.units
            if rate is not None and one_unit is not None:
                total += one_unit if units == 1 else (rate * units).quantize(CENT)
            elif locality:
                from addin.codesets import pfs

                pos = line.place_of_service or claim.place_of_service
                rate = pfs.expected_allowed(
                    line.procedure_code, _key(mods[0]) if mods else "", locality, pos,
                    line.date_of_service,
                )  # fmt: skip
                if rate is None:
                    return None
                total += (rate * units).quantize(CENT)
            else:
                return None
        # Sums of cents print alike when equal; a zero (perhaps -0.00) is not shared.
        if total and total.is_finite() and len(self.totals) < 100_000:
            return self.totals.setdefault(total, total)
        return total


#: A payer's contract rates by (code, modifier), and its memo of priced contract lines.
_Rates = tuple[
    dict[tuple[str, str], Decimal],
    dict[tuple[str, str], tuple[Decimal | None, Decimal | None]],  # rate, one unit's amount
]


class _PayerTotals:
    """One payer's part of a claim: what it was billed, wrote off, left to the patient."""

    __slots__ = ("billed", "contractual", "patient", "line_allowed", "has_line_allowed")

    def __init__(self) -> None:
        self.billed = ZERO
        self.contractual = ZERO
        self.patient = ZERO
        self.line_allowed = ZERO
        self.has_line_allowed = False


class _Acc:
    """What a claim's payments add up to; kept instead of the payments so memory stays small."""

    __slots__ = (
        "events", "payer_keys", "splits", "paid", "interest", "other", "totals", "by_payer",
        "payer_claim_numbers", "remark_codes", "last_payment",
    )  # fmt: skip

    def __init__(self) -> None:
        self.events: list[PaymentEvent] = []
        self.payer_keys: list[str] = []
        self.splits: list[bool] = []
        self.paid = ZERO
        self.interest = ZERO
        self.other = ZERO
        self.totals: dict[tuple[str, str], Decimal] = {}
        self.by_payer: dict[str, _PayerTotals] = {}
        self.payer_claim_numbers: list[str] = []
        self.remark_codes: list[str] = []
        self.last_payment: date | None = None

    def add(self, payment: LeanClaim, rem: Remittance, key: str, day: date | None) -> None:
        """Fold one payment in; ``key`` is the payer's match key, ``day`` the payment date."""
        part = self.by_payer.get(key)
        if part is None:
            part = self.by_payer[key] = _PayerTotals()
        part.billed += payment.billed
        self.paid += payment.paid
        self.interest += payment.interest or ZERO
        part.contractual += payment.contractual
        part.patient += payment.patient_share
        self.other += payment.other
        if self.totals:
            totals = self.totals
            for k, amount in payment.totals.items():
                totals[k] = totals.get(k, ZERO) + amount
        else:
            self.totals = dict(payment.totals)
        if payment.has_line_allowed:
            part.has_line_allowed = True
            part.line_allowed += payment.line_allowed
        event, split, codes = _event(payment, rem, day)
        number = payment.payer_claim_number
        if number and number not in self.payer_claim_numbers:
            self.payer_claim_numbers.append(number)
        for code in codes:
            if code not in self.remark_codes:
                self.remark_codes.append(code)
        if day and (self.last_payment is None or day > self.last_payment):
            self.last_payment = day
        self.payer_keys.append(key)
        self.splits.append(split)
        self.events.append(event)


_tuple_new = tuple.__new__
_dos = attrgetter("date_of_service")


def _first_service(claim: Claim) -> date | None:
    """The claim's first date of service (the Aging sheet counts days from it)."""
    lines = claim.lines
    if len(lines) == 1:
        return lines[0].date_of_service
    return min(map(_dos, lines)) if lines else None


def _totals(totals: dict[tuple[str, str], Decimal]) -> list[AdjustmentTotal]:
    """The claim's non-zero adjustment totals, sorted by group and reason."""
    if len(totals) <= 2:  # most claims: a write-off and perhaps the patient's share
        out = []
        for (group, reason), amount in totals.items():
            if amount:
                out.append(_tuple_new(AdjustmentTotal, (group, reason, amount)))
        if len(out) == 2 and out[1] < out[0]:  # (group, reason) are unique: never ties
            out.reverse()
        return out
    return [_tuple_new(AdjustmentTotal, (g, r, a)) for (g, r), a in sorted(totals.items()) if a]


#: A claim's only payment so far: (payment, remittance, payer key, payment date).
_One = tuple[LeanClaim, Remittance, str, "date | None"]


def _event(
    payment: LeanClaim, rem: Remittance, day: date | None
) -> tuple[PaymentEvent, bool, list[str]]:
    """The payment as an event of the claim's history, whether it is a split, its codes."""
    codes = payment.all_codes
    split = "MA15" in codes
    # tuple.__new__ as NamedTuple's own __new__ does, without its Python-level call.
    event: PaymentEvent = _tuple_new(
        PaymentEvent,
        (
            rem.trace_number,
            rem.payer_name or rem.payer_id,
            day,
            payment.status,
            payment.payer_claim_number or "",
            payment.billed,
            payment.paid,
            split,
            tuple(payment.totals.items()),
            tuple(codes),
        ),
    )
    return event, split, codes


#: (paid, patient responsibility, allowed, expected, variance) of a claim.
_Money = tuple[Decimal, Decimal, Decimal, "Decimal | None", "Decimal | None"]


def _status(
    events: list[PaymentEvent],
    keys: list[str],
    splits: list[bool],
    money: _Money,
    reasons: list[str],
) -> Status:
    """The claim's status from its CLP02 history; ``reasons`` gets why, in words.

    ``money`` is (paid, patient responsibility, allowed, expected, variance)."""
    paid, patient = money[0], money[1]
    if len(events) == 1 and events[0].status == "1" and paid > 0:
        # The usual claim: processed as primary and paid once. The rules below give "paid"
        # unless the contract says otherwise; only that comparison is left to make.
        return _against_contract(money, "paid", reasons)
    codes = [e.status for e in events]
    # Payers list a reversal before or after its correction; count rather than rely on order.
    reversals = codes.count("22")
    kept = [c for c in codes if c != "22"]
    if reversals and len(kept) <= reversals:
        reasons.append("payment reversed by the payer (CLP02 22) and not yet corrected")
        return "reversed"
    last = kept[-1]
    # A duplicate: the same payer paid again with no reversal and no split marker (MA15).
    seen: set[tuple[str, str]] = set()
    for event, key, split in zip(events, keys, splits, strict=True) if len(events) > 1 else ():
        if reversals or event.paid <= 0:
            continue
        level = _LEVEL.get(event.status, event.status)
        if (key, level) in seen and not split:
            reasons.append(
                f"paid twice by {event.payer or 'the same payer'}: check {event.trace_number} "
                "repeats an earlier payment; expect a recoupment"
            )
            return "overpaid"
        seen.add((key, level))
    if last == "25":
        reasons.append("predetermination only: nothing is paid until the service is billed")
        return "predetermination"
    if last == "4" or (last not in PROCESSED and paid == 0):
        if last == "23":
            reasons.append("payer says this is not its claim and forwarded it (CLP02 23)")
            return "forwarded"
        reasons.append("denied by the payer (CLP02 4)")
        return "denied"
    if last in ("1", "2", "3") and paid == 0 and patient == 0:
        reasons.append(f"processed (CLP02 {last}) but nothing paid and nothing owed by the patient")
        return "denied"
    if last in FORWARDED:
        reasons.append(f"processed and forwarded to the next payer (CLP02 {last})")
        status: Status = "forwarded"
    else:
        status = "corrected" if reversals else "paid"
        if reversals:
            reasons.append("reversed (CLP02 22) and paid again by a correction")
    # Contracts price what the primary payer allows; a secondary's allowed is not comparable.
    if status == "paid" and all([c in ("1", "19", "22") for c in codes]):
        return _against_contract(money, status, reasons)
    return status


def _against_contract(money: _Money, status: Status, reasons: list[str]) -> Status:
    """``status`` (paid), or under/overpaid when the allowed amount differs from the
    contract's expected amount; the reason says by how much."""
    allowed, expected, variance = money[2], money[3], money[4]
    if expected is None or variance is None:
        return status
    if variance < 0:
        reasons.append(
            f"allowed {_m(allowed)} is {_m(-variance)} below the contract ({_m(expected)})"
        )
        return "underpaid"
    if variance > 0:
        reasons.append(
            f"allowed {_m(allowed)} is {_m(variance)} above the contract ({_m(expected)})"
        )
        return "overpaid"
    return status


def _one(
    claim: Claim,
    one: _One,
    expected: Decimal | None,
    first: date | None,
    trace: str,
    payer: str,
) -> ClaimResult:
    """:func:`_summarise` for a claim paid by one CLP, the usual case: its sums are the
    claim's, so no _Acc is filled. ``trace`` and ``payer`` are the remittance's.

    Amounts are two-place Decimals, so ``x or ZERO`` is what _Acc's ``ZERO + x`` gives
    (a -0.00 reads as 0.00) without a new Decimal; a test holds the two to the same
    answers."""
    payment, _rem, key, day = one
    codes = payment.remark_codes
    if payment.line_codes:
        codes = codes + payment.line_codes
    split = "MA15" in codes if codes else False
    number = payment.payer_claim_number
    code = payment.status
    event: PaymentEvent = _tuple_new(
        PaymentEvent,
        (trace, payer, day, code, number or "", payment.billed, payment.paid, split,
         tuple(payment.totals.items()) if payment.totals else (), tuple(codes) if codes else ()),
    )  # fmt: skip
    contractual = payment.contractual
    allowed = (
        payment.line_allowed if payment.has_line_allowed else (payment.billed or ZERO) - contractual
    )
    paid = payment.paid or ZERO
    patient = payment.patient_share
    reasons: list[str] = []
    if expected is None:
        variance = None
        if code == "1" and paid > 0:  # processed as primary and paid, no contract to compare
            status: Status = "paid"
        else:
            status = _status([event], [key], [split], (paid, patient, allowed, None, None), reasons)
    else:
        variance = allowed - expected
        money = (paid, patient, allowed, expected, variance)
        if code == "1" and paid > 0:  # processed as primary and paid: only the contract can say
            status = _against_contract(money, "paid", reasons) if variance else "paid"
        else:
            status = _status([event], [key], [split], money, reasons)
    if split:
        reasons.insert(0, f"split by the payer into {1 if number else 0} claims (MA15)")
    totals = payment.totals
    interest = payment.interest
    return _tuple_new(
        ClaimResult,
        (
            claim.encounter_id, claim.claim_id, claim.payer, status, claim.total_charge,
            allowed, paid, contractual, patient, payment.other, expected, variance,
            ZERO if interest is None else interest or ZERO, _totals(totals) if totals else [],
            [number] if number else [], list(dict.fromkeys(codes)) if codes else [], reasons,
            [event], first, day or None,
        ),
    )  # fmt: skip


#: A pending claim's reasons: one tuple for every claim with no remittance yet (46,216 of a
#: big week's claims), as its empty fields are the one empty tuple.
_NOT_YET = ("no remittance yet",)


def _summarise(
    claim: Claim, acc: _Acc | None, expected: Decimal | None, first: date | None
) -> ClaimResult:
    if acc is None:
        return _tuple_new(
            ClaimResult,
            (
                claim.encounter_id, claim.claim_id, claim.payer, "pending",
                claim.total_charge, ZERO, ZERO, ZERO, ZERO, ZERO, expected, None, ZERO, (),
                (), (), _NOT_YET, (), first, None,
            ),
        )  # fmt: skip
    events, keys, splits = acc.events, acc.payer_keys, acc.splits
    remark_codes, numbers = acc.remark_codes, acc.payer_claim_numbers
    # Several payers (primary, then secondary) each send their CLP: the allowed amount
    # and contractual write-off come from the first payer, the patient's share from the
    # last.
    primary = acc.by_payer[keys[0]]
    contractual = primary.contractual
    # Allowed: what the payer says (AMT*B6) when it says it, else billed - contractual.
    allowed = primary.line_allowed if primary.has_line_allowed else (primary.billed - contractual)
    paid, interest, patient = acc.paid, acc.interest, acc.by_payer[keys[-1]].patient
    other, totals, last = acc.other, acc.totals, acc.last_payment
    variance = None if expected is None else allowed - expected
    reasons: list[str] = []
    if "MA15" in remark_codes:
        reasons.append(f"split by the payer into {len(numbers)} claims (MA15)")
    status = _status(events, keys, splits, (paid, patient, allowed, expected, variance), reasons)
    # tuple.__new__ as the NamedTuple's own __new__ does, without its Python-level call:
    # every value here is already typed (Decimals to the cent, dates).
    return _tuple_new(
        ClaimResult,
        (
            claim.encounter_id, claim.claim_id, claim.payer, status, claim.total_charge,
            allowed, paid, contractual, patient, other, expected, variance, interest,
            _totals(totals), numbers, remark_codes, reasons, events, first, last or None,
        ),
    )  # fmt: skip


class _Reconciler:
    """Folds remittances into per-claim sums as they stream in; ``finish`` sums up."""

    def __init__(
        self,
        claims: Iterable[Claim],
        contracts: Sequence[ContractRow] | None,
        pfs_locality: str | None,
    ) -> None:
        self.claims = list(claims)
        self.matcher = _Matcher(self.claims)
        self.accs: dict[int, _Acc | _One] = {}
        self.results: dict[int, ClaimResult] = {}  # of claims paid once so far
        self.pricer = _Pricer(contracts or [], pfs_locality)
        self.out = Reconciliation()

    def add(self, rem: Remittance) -> None:
        out = self.out
        # The lean reader's claims are already summed; model claims are summed here.
        claims: list[Any] = rem.claims
        payments: list[LeanClaim] = [
            c if type(c) is LeanClaim else LeanClaim.from_payment(c) for c in claims
        ]
        lean = all([type(c) is LeanClaim for c in claims])  # rows can wait (see keep_rows_of)
        out.provider_adjustments.extend(rem.provider_adjustments)
        out.keep_rows_of(rem, lean)
        payer = rem.payer_name or rem.payer_id
        day = rem.payment_date or rem.production_date
        key = _key(rem.payer_id or rem.payer_name)
        accs, matcher, results, price = self.accs, self.matcher, self.results, self.pricer.expected
        trace = rem.trace_number
        paid, balanced = ZERO, True
        learned = matcher.learned
        for payment in payments:
            paid += payment.paid
            # LeanClaim.balance_difference == 0, inline: CLP03 = claim and line CAS + CLP04.
            if balanced and payment.billed != (
                payment.contractual + payment.patient_share + payment.other + payment.paid
            ):
                balanced = False
            claim = matcher.find(payment)
            if claim is None:
                out.unmatched.append(
                    UnmatchedClaim(
                        patient_control_number=payment.patient_control_number,
                        payer_claim_number=payment.payer_claim_number or "",
                        payer=payer,
                        trace_number=rem.trace_number,
                        status=payment.status,
                        billed=payment.billed,
                        paid=payment.paid,
                        patient=" ".join(
                            n for n in (payment.patient_last_name, payment.patient_first_name) if n
                        ),
                    )
                )
                continue
            if payment.payer_claim_number:  # learned for later payments (see _Matcher)
                learned.append((payment.payer_claim_number, claim))
            acc = accs.get(id(claim))
            if acc is None:
                # Most claims are paid once: summarise now, while the payment just read is
                # still in the processor's cache (finish would find it cold). A second
                # payment replaces this with an accumulator.
                one = (payment, rem, key, day)
                results[id(claim)] = _one(
                    claim, one, price(claim), _first_service(claim), trace, payer
                )
                accs[id(claim)] = one
                continue
            if type(acc) is tuple:  # a second payment: now sum them up
                first = acc
                acc = accs[id(claim)] = _Acc()
                acc.add(*first)
                del results[id(claim)]
            assert isinstance(acc, _Acc)
            acc.add(payment, rem, key, day)
        plb = sum((p.amount for p in rem.provider_adjustments), ZERO)
        difference = rem.payment_amount - (paid - plb)
        # Listed in the order the remittances came, whatever matched above.
        out.transactions.append(
            TransactionSummary(
                trace_number=rem.trace_number,
                payer=payer,
                payment=rem.payment_amount,
                payment_date=day,
                claims_paid=paid,
                provider_adjustments=plb,
                difference=difference,
                balanced=difference == 0 and balanced,
            )
        )

    def finish(self) -> Reconciliation:
        out, accs, done, price = self.out, self.accs, self.results, self.pricer.expected
        append = out.claims.append
        for claim in self.claims:
            result = done.get(id(claim))
            if result is None:
                acc = accs.get(id(claim))
                assert not isinstance(acc, tuple)  # a claim paid once is in done
                result = _summarise(claim, acc, price(claim), _first_service(claim))
            append(result)
        for u in out.unmatched:
            out.warnings.append(
                f"claim {u.patient_control_number or '(no CLP01)'} on check {u.trace_number} "
                f"matches no claim in the workbook (paid {_m(u.paid)}); kept as unmatched"
            )
        return out


def reconcile(
    claims: Iterable[Claim],
    remittances: Iterable[Remittance | Sequence[Remittance]],
    contracts: Sequence[ContractRow] | None = None,
    pfs_locality: str | None = None,
) -> Reconciliation:
    """Match remittances to claims and work out each claim's status, to the cent.

    ``remittances`` may be a generator (``read_remittances``) and may hold lists (as
    :func:`addin.read_remittance` returns for files with several transaction sets); each is
    folded into per-claim totals and Remittance sheet rows as it arrives, so memory holds one
    transaction set plus the results. ``contracts`` are Contracts sheet rows giving the
    expected allowed amount per payer and code; ``pfs_locality`` (e.g. ``0111205``) prices
    the lines no contract covers from the imported Medicare PFS. Without either, no claim is
    under- or overpaid.
    """
    reconciler = _Reconciler(claims, contracts, pfs_locality)
    for rem in _flatten(remittances):
        reconciler.add(rem)
    return reconciler.finish()
