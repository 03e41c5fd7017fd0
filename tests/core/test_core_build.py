"""The shipped ICD-10-CM files are exactly what the build script makes from the CDC XML."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import pytest

from addin.codesets.store import sha256_file

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "codesets" / "icd10cm" / "fy2026"


def test_manifest_checksums_match_the_shipped_files() -> None:
    manifest = json.loads((SHIPPED / "MANIFEST.json").read_text())
    for name, entry in manifest["files"].items():
        assert sha256_file(SHIPPED / name) == entry["sha256"], name
        assert len((SHIPPED / name).read_text(encoding="utf-8").splitlines()) == entry["rows"]
    assert manifest["counts"]["billable"] == 74_719
    assert (manifest["effective_from"], manifest["effective_to"]) == ("2025-10-01", "2026-09-30")


def test_rebuild_is_byte_identical(tmp_path: Path) -> None:
    pytest.importorskip("simple_icd_10_cm", reason="build input simple-icd-10-cm not installed")
    build = runpy.run_path(str(REPO / "codesets" / "build_icd10cm.py"))
    assert build["main"]([str(tmp_path / "fy2026")]) == 0
    rebuilt = json.loads((tmp_path / "fy2026" / "MANIFEST.json").read_text())
    shipped = json.loads((SHIPPED / "MANIFEST.json").read_text())
    assert rebuilt["files"] == shipped["files"]
    assert rebuilt["counts"] == shipped["counts"]
