"""The archive tests' clinics: two demo quarters, run once for the whole package."""

from __future__ import annotations

from pathlib import Path

import pytest

from addin.demo import DemoResult, run_demo


@pytest.fixture(scope="package")
def clinics(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoResult, DemoResult]:
    """Two clinics' quarters (the demo, two seeds), each in its own folder."""
    root = tmp_path_factory.mktemp("clients")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CLAIMBOOK_DATA_DIR", str(tmp_path_factory.mktemp("data")))
        north = run_demo(root / "north", encounters=120, seed=21)
        south = run_demo(root / "south", encounters=90, seed=22)
    return root, north, south
