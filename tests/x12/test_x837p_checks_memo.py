"""The claim checks with each shared line's facts remembered (the streaming writer's way)
find what they find reading every line afresh, in the same order."""

from __future__ import annotations

from datetime import datetime

from test_x837p_stream import demo_claims  # noqa: F401

from addin.models import Claim
from addin.x12.x837p.checks import FactsMemo, _Context, check_claim
from addin.x12.x837p.loops import Loop2300
from addin.x12.x837p.names import Names
from addin.x12.x837p.writer import LineMemo, build_transaction, claim_loop

CREATED = datetime(2026, 10, 30, 9, 30)


def test_remembered_line_facts_give_the_same_findings(
    demo_claims: tuple[list[Claim], dict[str, str]],  # noqa: F811
) -> None:
    claims, settings = demo_claims
    planted: list[Claim] = []
    for n, claim in enumerate(claims[:120]):
        line = claim.lines[0]
        if n % 4 == 1:  # a pointer past the claim's diagnoses
            line = line.model_copy(update={"dx_pointers": [1, len(claim.diagnoses) + 1]})
        elif n % 4 == 2:  # a zero pointer
            line = line.model_copy(update={"dx_pointers": [0]})
        elif n % 8 == 3:  # a charge the total does not add up to
            line = line.model_copy(update={"charge": line.charge + 1})
        planted.append(claim.model_copy(update={"lines": [line, *claim.lines[1:]]}))
    names = Names()
    txn = build_transaction([], settings, 1, CREATED, names)
    shared: LineMemo = {}  # the writer's shared line loops, as the streaming writer makes them
    loops: list[Loop2300] = [claim_loop(c, names, shared) for c in planted * 2]
    fresh, remembered = _Context(txn, ":"), _Context(txn, ":")
    memo: FactsMemo = {}
    for loop in loops:
        check_claim(fresh, loop)
        check_claim(remembered, loop, memo)
    rules = {f.rule for f in fresh.findings}
    assert {"X12-POINTER", "X12-CLM02-SUM"} <= rules
    assert memo and remembered.findings == fresh.findings
