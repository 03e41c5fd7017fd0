"""The demo's clearinghouse: a 999 and a 277CA for each 837P batch the clinic sends.

Both are written to their guides (005010X231A1, 005010X214) and pyx12 accepts them (a test
holds them to it). The clearinghouse accepts a batch unless told to reject it, and passes
each claim to the payer unless the payer's front end does not know the member (A7:164).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from addin.demo import data
from addin.x12.segments import read_segments

CLEARINGHOUSE_ID = "DEMOCH"


@dataclass
class Batch:
    """What the clearinghouse needs of a sent 837P: its envelope numbers and claims."""

    path: Path
    isa13: str
    gs06: str
    st02: list[str]
    claims: list[tuple[str, str, str, str, Decimal, date]]  # id, last, first, member, total, dos


def read_batch(path: Path) -> Batch:
    """The envelope numbers and claims of an 837P the clinic wrote."""
    isa13 = gs06 = ""
    st02: list[str] = []
    claims: list[tuple[str, str, str, str, Decimal, date]] = []
    patient: tuple[str, str, str] = ("", "", "")
    subscriber_member = ""
    for seg in read_segments(path, path.name):
        if seg.id == "ISA":
            isa13 = seg[13]
        elif seg.id == "GS":
            gs06 = seg[6]
        elif seg.id == "ST":
            st02.append(seg[2])
        elif seg.id == "NM1" and seg[1] == "IL":
            subscriber_member = seg[9]
            patient = (seg[3], seg[4], seg[9])
        elif seg.id == "NM1" and seg[1] == "QC":
            patient = (seg[3], seg[4], subscriber_member)
        elif seg.id == "CLM":
            claims.append((seg[1], *patient, Decimal(seg[2]), date.min))
        elif seg.id == "DTP" and seg[1] == "472" and claims and claims[-1][5] == date.min:
            text = seg[3][:8]
            day = date(int(text[:4]), int(text[4:6]), int(text[6:8]))
            claims[-1] = (*claims[-1][:5], day)
    return Batch(path, isa13, gs06, st02, claims)


def _envelope(kind: str, control: int, day: date, body: list[str]) -> str:
    receiver = data.SETTINGS["Submitter ID"]
    isa = (
        f"ISA*00*{'':10}*00*{'':10}*ZZ*{CLEARINGHOUSE_ID:<15}*ZZ*{receiver:<15}*"
        f"{day:%y%m%d}*0900*^*00501*{control:09d}*0*T*:"
    )
    version = "005010X231A1" if kind == "FA" else "005010X214"
    segments = [
        isa,
        f"GS*{kind}*{CLEARINGHOUSE_ID}*{receiver}*{day:%Y%m%d}*0900*{control}*X*{version}",
        *body,
        f"GE*1*{control}",
        f"IEA*1*{control:09d}",
    ]
    return "~\n".join(segments) + "~\n"


def ack_999(batch: Batch, day: date, control: int, rejected: bool = False) -> str:
    """The 999 for a batch: accepted, or rejected with the segment in error."""
    body = ["ST*999*0001*005010X231A1", f"AK1*HC*{batch.gs06}*005010X222A1"]
    for st in batch.st02:
        body.append(f"AK2*837*{st}*005010X222A1")
        if rejected:
            # the clearinghouse could not take the submitter's contact number that day
            body += ["IK3*PER*3*1000*8", "IK4*4*364*7"]
            body.append("IK5*R*5")
        else:
            body.append("IK5*A")
    count = len(batch.st02)
    body.append(f"AK9*{'R' if rejected else 'A'}*{count}*{count}*{0 if rejected else count}")
    body.append(f"SE*{len(body) + 1}*0001")
    return _envelope("FA", control, day, body)


def _m(value: Decimal) -> str:
    text = f"{value:.2f}"
    return text[:-3] if text.endswith(".00") else text


def ack_277ca(
    batch: Batch,
    day: date,
    control: int,
    rejected: dict[str, tuple[str, str, str]],
    payer_numbers: dict[str, str],
    billing_npi: str,
) -> str:
    """The 277CA for a batch: each claim accepted (A2:20) or rejected (``rejected`` gives
    its category, status code and entity), with the payer's claim number when accepted."""
    accepted = [c for c in batch.claims if c[0] not in rejected]
    refused = [c for c in batch.claims if c[0] in rejected]
    total_ok = sum((c[4] for c in accepted), Decimal(0))
    total_no = sum((c[4] for c in refused), Decimal(0))
    settings = data.SETTINGS
    trace = f"CA{control:07d}"
    body = [
        "ST*277*0001*005010X214",
        f"BHT*0085*08*{trace}*{day:%Y%m%d}*0900*TH",
        "HL*1**20*1",
        f"NM1*PR*2*{settings['Receiver Name'].upper()}*****46*{CLEARINGHOUSE_ID}",
        f"TRN*1*{trace}",
        f"DTP*050*D8*{day:%Y%m%d}",
        f"DTP*009*D8*{day:%Y%m%d}",
        "HL*2*1*21*1",
        f"NM1*41*2*{settings['Submitter Name'].upper()}*****46*{settings['Submitter ID']}",
        f"TRN*2*{batch.isa13}",
        f"STC*A1:19:PR*{day:%Y%m%d}*WQ*{_m(total_ok + total_no)}",
        f"QTY*90*{len(accepted)}" if accepted else "",
        f"QTY*AA*{len(refused)}" if refused else "",
        f"AMT*YU*{_m(total_ok)}" if accepted else "",
        f"AMT*YY*{_m(total_no)}" if refused else "",
        "HL*3*2*19*1",
        f"NM1*85*2*{settings['Billing Provider Name'].upper()}*****XX*{billing_npi}",
        "TRN*1*0",
        f"STC*A1:19:PR**WQ*{_m(total_ok + total_no)}",
        f"QTY*QA*{len(accepted)}" if accepted else "",
        f"QTY*QC*{len(refused)}" if refused else "",
        f"AMT*YU*{_m(total_ok)}" if accepted else "",
        f"AMT*YY*{_m(total_no)}" if refused else "",
    ]
    hl = 3
    for claim_id, last, first, member, total, dos in batch.claims:
        hl += 1
        body += [f"HL*{hl}*3*PT", f"NM1*QC*1*{last}*{first}****MI*{member}", f"TRN*2*{claim_id}"]
        if claim_id in rejected:
            category, code, entity = rejected[claim_id]
            body.append(f"STC*{category}:{code}:{entity}*{day:%Y%m%d}*U*{_m(total)}")
        else:
            body.append(f"STC*A2:20:PR*{day:%Y%m%d}*WQ*{_m(total)}")
            if claim_id in payer_numbers:
                body.append(f"REF*1K*{payer_numbers[claim_id]}")
        body.append(f"DTP*472*D8*{dos:%Y%m%d}")
    body = [s for s in body if s]
    body.append(f"SE*{len(body) + 1}*0001")
    return _envelope("HN", control, day, body)
