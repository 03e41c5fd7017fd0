"""Patient statements: what each patient owes after insurance, less what they paid.

A visit's patient part is what the last payer to answer left to the patient (its CLP05, or
its PR adjustments: PR-1 deductible, PR-2 coinsurance, PR-3 copay...), so a secondary that
paid the primary's coinsurance leaves only its own remainder. A visit whose next plan has
not answered yet is not billed to the patient: it is listed as waiting. Patient payments
are applied to the oldest balance first; the aging line counts days from the date the
balance became the patient's. A patient who paid more than owed has a credit, listed for a
refund, never hidden.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

ZERO = Decimal("0.00")
BUCKETS = ("Current", "31-60", "61-90", "90+")
#: Statements sent -> what to do next while a balance is open.
NEXT_ACTIONS = ("send first statement", "send second statement", "send final notice",
                "review for collections")  # fmt: skip


@dataclass(frozen=True)
class Visit:
    """One visit's money after insurance."""

    patient_key: str
    encounter_id: str
    claim_id: str
    date_of_service: date | None
    billed: Decimal
    insurance_paid: Decimal
    insurance_adjusted: Decimal
    patient_owes: Decimal
    owed_since: date | None
    waiting: str = ""  # the next payer it waits for ("" when the patient's part is known)


@dataclass(frozen=True)
class PatientPayment:
    """A row of the Patient Payments sheet."""

    day: date
    patient_key: str
    amount: Decimal
    method: str = ""
    reference: str = ""
    row: int | None = None


@dataclass(frozen=True)
class Patient:
    key: str
    patient_id: str
    name: str
    address: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""


@dataclass
class Statement:
    """One patient's account: visits, payments, balance and its aging."""

    patient: Patient
    visits: list[Visit] = field(default_factory=list)
    payments: list[PatientPayment] = field(default_factory=list)
    aging: dict[str, Decimal] = field(default_factory=dict)

    @property
    def responsibility(self) -> Decimal:
        return sum((v.patient_owes for v in self.visits if not v.waiting), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((p.amount for p in self.payments), ZERO)

    @property
    def balance(self) -> Decimal:
        return self.responsibility - self.paid

    @property
    def is_credit(self) -> bool:
        return self.balance < 0


def _bucket(days: int) -> str:
    if days <= 30:
        return BUCKETS[0]
    if days <= 60:
        return BUCKETS[1]
    if days <= 90:
        return BUCKETS[2]
    return BUCKETS[3]


def build_statements(
    patients: Sequence[Patient],
    visits: Sequence[Visit],
    payments: Sequence[PatientPayment],
    today: date,
) -> list[Statement]:
    """One statement per patient with a visit after insurance or a payment, in patient order."""
    by_key = {p.key: Statement(p) for p in patients}
    for visit in visits:
        if visit.patient_key in by_key:
            by_key[visit.patient_key].visits.append(visit)
    for pay in payments:
        if pay.patient_key in by_key:
            by_key[pay.patient_key].payments.append(pay)
    out: list[Statement] = []
    for st in by_key.values():
        if not st.visits and not st.payments:
            continue
        st.visits.sort(key=lambda v: (v.owed_since or date.min, v.encounter_id))
        left = st.paid
        aging = dict.fromkeys(BUCKETS, ZERO)
        for visit in st.visits:
            if visit.waiting:
                continue
            owed = visit.patient_owes
            applied = min(left, owed) if owed > 0 else ZERO
            left -= applied
            rest = owed - applied
            if rest:
                since = visit.owed_since or today
                aging[_bucket((today - since).days)] += rest
        if left > 0:  # a credit: shown as a negative current balance, to refund
            aging[BUCKETS[0]] -= left
        st.aging = aging
        out.append(st)
    return out


def next_action(balance: Decimal, sent: int) -> str:
    if balance < 0:
        return "refund credit"
    if balance == 0:
        return "none: paid in full"
    return NEXT_ACTIONS[min(sent, len(NEXT_ACTIONS) - 1)]
