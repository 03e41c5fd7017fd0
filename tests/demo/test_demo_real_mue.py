"""The demo clinic checked with the real CMS practitioner MUE file (2026 Q2) imported.

Medicare's MUE for the preventive visits 99391-99397 is 0 (Medicare does not pay them);
the demo's commercial and Medicaid patients have them, and their payers pay them.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from addin.codesets.importer import import_path
from addin.coding.check import check
from addin.demo.generate import generate
from addin.demo.workbook import write_workbook
from addin.sheets import read_book

PREVENTIVE = {"99393", "99394", "99395", "99396"}


@pytest.mark.shared
def test_no_mue_finding_on_a_commercial_preventive_visit(shared: Path, tmp_path: Path) -> None:
    real = shared / "corpus" / "codesets" / "real"
    import_path(real / "MCR_MUE_PractitionerServices_Eff_04-01-2026.csv")
    book = read_book(write_workbook(generate(2000), tmp_path / "Riverbend Clinic.xlsx"))
    filing = {p.payer: p.claim_filing_indicator for p in book.payers}
    lines = {
        line.row: (filing.get(enc.payer, ""), line.procedure_code)
        for enc in book.encounters
        for line in enc.lines
    }
    visits = Counter(cfi for cfi, code in lines.values() if code in PREVENTIVE)
    assert visits["CI"] > 30 and visits["MC"] > 10  # the case exists in the demo
    findings = check(book)
    mue = [f for f in findings if f.rule == "MUE-UNITS"]
    on_preventive = [f for f in mue if lines.get(f.row or 0, ("", ""))[1] in PREVENTIVE]
    assert on_preventive == []
    assert not [f for f in mue if lines.get(f.row or 0, ("", ""))[0] == "CI"]
    # the file covers 2026 Q2 and the visits are July to October: said once, not silently
    outdated = [f for f in findings if f.rule == "PROC-SET-OUTDATED"]
    assert [(f.severity, f.value) for f in outdated] == [
        ("warning", "MUE-2026-04-01, 2026-04-01 to 2026-06-30")
    ]
    assert "does not cover dates of service 2026-07-01" in outdated[0].message
