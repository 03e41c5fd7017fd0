"""One clinic's figures after a run: claims, findings, money, A/R, registers (demo, batch)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from addin.remit.tables import AGING_BUCKETS, aging_table

if TYPE_CHECKING:
    from addin.runs import Outcome

ZERO = Decimal("0.00")
SHOWN_STATUSES = ("paid", "corrected", "underpaid", "overpaid", "denied", "reversed",
                  "forwarded", "pending")  # fmt: skip


def summarise(outcome: Outcome, as_of: date) -> dict[str, Any]:
    """The figures ``claimbook demo`` and ``batch`` print and save (money as text)."""
    rec = outcome.reconciliation
    records = outcome.data.get("_register", [])
    postings = outcome.data.get("_postings", [])
    severities = Counter(f.severity for f in outcome.findings)
    held = len(outcome.claims.result.held) if outcome.claims else 0
    out: dict[str, Any] = {
        "workbook": str(outcome.workbook),
        "encounters": outcome.data.get("_encounters", 0),
        "claims_sent": len({r.claim_id for r in records}),
        "submissions": len(records),
        "replacements": sum(1 for r in records if r.frequency == "7"),
        "claims_held": held,
        "findings": {s: severities.get(s, 0) for s in ("error", "warning", "info")},
        "register": dict(sorted(Counter(r.status for r in records).items())),
        "postings": sum(1 for p in postings if p.posted),
        "duplicates": sum(1 for p in postings if p.status == "duplicate"),
        "as_of": as_of.isoformat(),
    }
    second = outcome.secondary
    if second is not None and second.rows:
        out["secondary"] = dict(sorted(Counter(r.status for r in second.rows).items()))
    bank = outcome.data.get("deposits")
    if bank is not None:
        counts = Counter(m["status"] for m in bank["matches"])
        out["bank"] = {**bank["totals"], "rows": dict(sorted(counts.items()))}
    if rec is None:
        return out
    totals = rec.totals()
    by_status: dict[str, dict[str, Any]] = {}
    for status in SHOWN_STATUSES:
        claims = [c for c in rec.claims if c.status == status]
        by_status[status] = {
            "claims": len(claims),
            "billed": f"{sum((c.billed for c in claims), ZERO):.2f}",
            "paid": f"{sum((c.paid for c in claims), ZERO):.2f}",
        }
    under = [c for c in rec.claims if c.status == "underpaid" and c.variance is not None]
    by_status["underpaid"]["short"] = f"{-sum((c.variance or ZERO for c in under), ZERO):.2f}"
    sent = outcome.data.get("_aging_from", {})
    aging = aging_table(rec, as_of, sent)
    buckets = {
        label: f"{sum((row[i + 1] for row in aging.rows), ZERO):.2f}"
        for i, (label, _, _) in enumerate(AGING_BUCKETS)
    }
    buckets["total"] = f"{sum((row[len(AGING_BUCKETS) + 1] for row in aging.rows), ZERO):.2f}"
    plb = sum((p.amount for p in rec.provider_adjustments), ZERO)
    out.update(
        {
            "payments": len(rec.transactions),
            "deposits": totals["payments"],
            "claims_paid": totals["claims_paid"],
            "provider_adjustments": f"{plb:.2f}",
            "unmatched": len(rec.unmatched),
            "difference": totals["difference"],
            "statuses": by_status,
            "aging": buckets,
        }
    )
    return out
