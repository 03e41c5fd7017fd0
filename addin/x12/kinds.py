"""What an X12 transaction set is (by ST01, GS01 or the guide in GS08/ST03), and what to do.

Readers use these tables to tell a user what a file is when it is not what the command
reads: "an 835 claim payment/remittance advice (005010X221A1): read it with claimbook remit".
The guide identifiers are the ones the HIPAA implementation guides (TR3s) print on their
covers, e.g. 005010X221A1 for the 835 and 005010X222A1 for the 837P; the functional
identifier codes (GS01) are X12's code list for data element 479.
"""

from __future__ import annotations

#: Human names for transaction sets (ST01), used to tell a user what a file is.
TRANSACTION_NAMES: dict[str, str] = {
    "835": "835 claim payment/remittance advice",
    "837": "837 health care claim",
    "999": "999 implementation acknowledgment",
    "997": "997 functional acknowledgment",
    "277": "277 claim status response",
    "276": "276 claim status request",
    "270": "270 eligibility inquiry",
    "271": "271 eligibility response",
    "834": "834 benefit enrollment",
    "820": "820 premium payment",
    "278": "278 services review",
    "TA1": "TA1 interchange acknowledgment",
}

#: Guide identifier (inside GS08/ST03, without the version prefix) -> (ST01, label).
GUIDES: dict[str, tuple[str, str]] = {
    "X221": ("835", "835 claim payment/remittance advice"),
    "X222": ("837", "837P professional health care claim"),
    "X223": ("837", "837I institutional health care claim"),
    "X224": ("837", "837D dental health care claim"),
    "X231": ("999", "999 implementation acknowledgment"),
    "X212": ("277", "277 claim status response"),
    "X214": ("277", "277CA claim acknowledgment"),
    "X279": ("270", "270/271 eligibility inquiry or response"),
    "X220": ("834", "834 benefit enrollment"),
    "X218": ("820", "820 premium payment"),
    "X217": ("278", "278 services review"),
    # 4010 guides, retired by HIPAA's move to 5010 (compliance date 2012-01-01)
    "X091": ("835", "835 claim payment/remittance advice"),
    "X098": ("837", "837P professional health care claim"),
    "X096": ("837", "837I institutional health care claim"),
    "X097": ("837", "837D dental health care claim"),
    "X092": ("270", "270/271 eligibility inquiry or response"),
    "X093": ("276", "276/277 claim status request or response"),
    "X095": ("834", "834 benefit enrollment"),
    "X061": ("820", "820 premium payment"),
    "X094": ("278", "278 services review"),
    "X070": ("277", "277 unsolicited claim status"),
}

#: GS01 functional identifier code -> the ST01 its group carries.
FUNCTIONAL_GROUPS: dict[str, str] = {
    "HP": "835",
    "HC": "837",
    "FA": "999",
    "HN": "277",
    "HR": "276",
    "HS": "270",
    "HB": "271",
    "HI": "278",
    "BE": "834",
    "RA": "820",
}

#: What to do with a file that is not what the command reads, by ST01 (or "4010-837" etc.).
ADVICE: dict[str, str] = {
    "835": "read it with `claimbook remit FILE`, or reconcile it with "
    "`claimbook reconcile BOOK FILE`",
    "837P": "check it with `claimbook check-837p FILE`",
    "837I": "Claimbook reads professional claims (837P) only; an institutional claim belongs in "
    "a hospital or facility billing system",
    "837D": "Claimbook reads professional claims (837P) only; a dental claim belongs in a dental "
    "billing system",
    "4010-837": "Claimbook reads 5010 837P files (005010X222A1) only: 4010 was retired by HIPAA "
    "in 2012, and Claimbook has no command for it; ask the sender for the 5010 file, or have "
    "your clearinghouse convert it",
    "4010-835": "read it with `claimbook remit FILE`: 4010 835s are read with a warning",
    "999": "it acknowledges a claim file you sent: read it with "
    "`claimbook acknowledgments BOOK FILE`",
    "277CA": "it acknowledges the claims you sent: read it with "
    "`claimbook acknowledgments BOOK FILE`",
    "277": "it reports the status of claims you sent; Claimbook reads the 277CA "
    "acknowledgment (005010X214) only, and has no command for this one",
}
_NO_COMMAND = "Claimbook has no command for this kind of file"


def guide_kind(version: str) -> tuple[str, str] | None:
    """(ST01, label) for the guide named in a GS08/ST03 such as ``005010X221A1``, else None."""
    for key, value in GUIDES.items():
        if key in version:
            return value
    return None


def describe(txn_type: str, version: str = "") -> str:
    """``837P professional health care claim (005010X222A1)``: what a transaction is.

    The guide in ``version`` names the kind (837P, 837I, 277CA ...) when it agrees with ST01
    or ST01 is not known yet (a GS seen before its ST); otherwise ST01 does.
    """
    known = guide_kind(version) if version else None
    if known is not None and (not txn_type or known[0] == txn_type):
        name = known[1]
    else:
        name = TRANSACTION_NAMES.get(txn_type, f"{txn_type or 'unknown'} transaction")
    return f"{name} ({version})" if version else name


def describe_group(gs01: str, gs08: str) -> str:
    """What a functional group holds, from its guide (GS08) and else its GS01 code."""
    known = guide_kind(gs08)
    if known is not None:
        return describe(known[0], gs08)
    return describe(FUNCTIONAL_GROUPS.get(gs01, ""), gs08)


def advice(txn_type: str, version: str = "") -> str:
    """What a user can do with a transaction of this kind (see :data:`ADVICE`)."""
    known = guide_kind(version)
    st01 = known[0] if known else txn_type
    label = known[1] if known else ""
    old = version.startswith(("004", "003"))
    if st01 == "837":
        if old:
            return ADVICE["4010-837"]
        for kind in ("837I", "837D", "837P"):
            if label.startswith(kind):
                return ADVICE[kind]
        return ADVICE["837P"]
    if st01 == "835":
        return ADVICE["4010-835"] if old else ADVICE["835"]
    if st01 == "277" and "X214" in version:
        return ADVICE["277CA"]
    return ADVICE.get(st01, _NO_COMMAND)


def article(phrase: str) -> str:
    """``a`` or ``an`` for a phrase that starts with a transaction number (an 835, a 277)."""
    return "an" if phrase[:1] in "8AEIOU" else "a"
