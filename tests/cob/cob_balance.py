"""Test helper: the 837P guide's COB balancing, checked on the written text itself.

For each claim and each earlier payer (2320, identified by its 2330B NM109 = SVD01): the
claim's charge less that payer's claim-level CAS (2320) and line CAS (2430) equals its AMT*D,
and each line's charge less its 2430 CAS equals SVD02.
"""

from __future__ import annotations

from decimal import Decimal


def _cas_total(elements: list[str]) -> Decimal:
    return sum((Decimal(elements[i]) for i in range(3, len(elements), 3) if elements[i]),
               Decimal(0))  # fmt: skip


def cob_balance_errors(text: str) -> list[str]:
    errors: list[str] = []
    segments = [s.strip().split("*") for s in text.split("~") if s.strip()]
    claim: dict[str, object] | None = None

    def close() -> None:
        if claim is None:
            return
        charge = claim["charge"]
        assert isinstance(charge, Decimal)
        for payer in claim["payers"]:  # type: ignore[attr-defined]
            pid = payer["id"]
            lines = [ln for ln in claim["lines"] if pid in ln["svd"]]  # type: ignore[attr-defined]
            line_cas = sum((ln["svd"][pid][1] for ln in lines), Decimal(0))
            if charge - payer["cas"] - line_cas != payer["paid"]:
                errors.append(f"{claim['id']} {pid}: {charge} - {payer['cas']} - {line_cas} "
                              f"!= AMT*D {payer['paid']}")  # fmt: skip
            for ln in lines:
                paid, cas = ln["svd"][pid]
                if ln["charge"] - cas != paid:
                    errors.append(f"{claim['id']} line {ln['charge']} {pid}: - {cas} != {paid}")

    where = ""
    current_payer: dict[str, object] | None = None
    line: dict[str, object] | None = None
    svd: str | None = None
    for seg in segments:
        tag = seg[0]
        if tag in ("CLM", "HL", "SE"):  # a claim ends at the next claim or level
            close()
            claim = None
            if tag == "CLM":
                claim = {"id": seg[1], "charge": Decimal(seg[2]), "payers": [], "lines": []}
                where = "2300"
            continue
        if claim is None:
            continue
        if tag == "SBR":
            current_payer = {"id": "", "cas": Decimal(0), "paid": None}
            claim["payers"].append(current_payer)  # type: ignore[attr-defined]
            where = "2320"
        elif tag == "CAS" and where == "2320" and current_payer is not None:
            current_payer["cas"] += _cas_total(seg)  # type: ignore[operator]
        elif tag == "AMT" and seg[1] == "D" and current_payer is not None:
            current_payer["paid"] = Decimal(seg[2])
        elif tag == "NM1" and seg[1] == "PR" and current_payer is not None:
            current_payer["id"] = seg[9]
            where = "2330B"
        elif tag == "LX":
            line = {"charge": Decimal(0), "svd": {}}
            claim["lines"].append(line)  # type: ignore[attr-defined]
            where = "2400"
        elif tag == "SV1" and line is not None:
            line["charge"] = Decimal(seg[2])
        elif tag == "SVD" and line is not None:
            svd = seg[1]
            line["svd"][svd] = (Decimal(seg[2]), Decimal(0))  # type: ignore[index]
            where = "2430"
        elif tag == "CAS" and where == "2430" and line is not None and svd is not None:
            paid, cas = line["svd"][svd]  # type: ignore[index]
            line["svd"][svd] = (paid, cas + _cas_total(seg))  # type: ignore[index]
    close()
    return errors
