"""Timely filing: a claim not yet sent, measured against its payer's filing limit.

The Payers sheet's ``Filing Limit`` column (days from the date of service; aliases "Timely
Filing", "Filing Limit (days)") sets it per payer. At 80 % of the limit an unsent claim gets
a warning; past it, an error (the payer would deny it, CARC 29), so it is held until someone
decides: send it with proof of timely filing, or write it off.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from addin.models import Encounter, Finding, PayerRow

LIMIT_HEADERS = ("filing limit", "filing limit (days)", "timely filing", "timely filing days",
                 "timely filing (days)", "filing limit days")  # fmt: skip
WARN_SHARE = 0.8


def filing_limit(payer: PayerRow) -> int | None:
    """The payer's limit in days, when its row gives one."""
    for header, value in payer.extra.items():
        if " ".join(header.split()).casefold() in LIMIT_HEADERS:
            text = value.strip().lower().removesuffix("days").strip()
            if text.replace(".0", "").isdigit():
                return int(float(text))
    return None


def timely_filing(
    encounters: Sequence[Encounter],
    payers: Sequence[PayerRow],
    sent: Collection[str],
    today: date,
    sheet: str = "Encounters",
    column: str = "Date of Service",
) -> list[Finding]:
    """Findings for encounters never sent whose filing limit is near or past."""
    limits = {" ".join(p.payer.split()).casefold(): (p, filing_limit(p)) for p in payers}
    out: list[Finding] = []
    for enc in encounters:
        if enc.encounter_id.strip().upper() in sent or enc.date_of_service is None:
            continue
        found = limits.get(" ".join(enc.payer.split()).casefold())
        if found is None or found[1] is None:
            continue
        payer, limit = found
        assert limit is not None
        days = (today - enc.date_of_service).days
        row = enc.rows[0] if enc.rows else None
        if days > limit:
            out.append(
                Finding(
                    rule="TIMELY-FILING",
                    severity="error",
                    message=f"{sheet} row {row} ({column}): {enc.date_of_service} is {days} days "
                    f"ago, past {payer.payer}'s filing limit of {limit} days; the payer will "
                    "deny it as late (CARC 29)",
                    sheet=sheet,
                    row=row,
                    column=column,
                    value=enc.date_of_service.isoformat(),
                    fix="send it with proof of timely filing (an earlier submission or a "
                    "clearinghouse report) if you have one, or write it off",
                    encounter_id=enc.encounter_id,
                )
            )
        elif days >= WARN_SHARE * limit:
            out.append(
                Finding(
                    rule="TIMELY-FILING",
                    severity="warning",
                    message=f"{sheet} row {row} ({column}): {enc.date_of_service} is {days} days "
                    f"ago; {payer.payer}'s filing limit is {limit} days ({limit - days} left)",
                    sheet=sheet,
                    row=row,
                    column=column,
                    value=enc.date_of_service.isoformat(),
                    fix="fix what holds it and send it this week",
                    encounter_id=enc.encounter_id,
                )
            )
    return out
