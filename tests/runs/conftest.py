"""The runs tests' clinic: the button tests' clinic (two Aetna visits billable, V3 with a
mistake, V4/V5 with Diagnosis Text only) as a workbook, and the Aetna 835 for V1 and V2."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "excel"))

from clinic_sample import ERA  # noqa: E402
from excel_clinic import make_clinic  # noqa: E402


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    return make_clinic(tmp_path)


@pytest.fixture
def era(tmp_path: Path) -> Path:
    path = tmp_path / "downloads" / "aetna-2026-04-01.835"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ERA, encoding="ascii")
    return path
