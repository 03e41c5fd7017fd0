"""Fixtures for the sheets tests: LibreOffice (skipped with a reason when missing)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


class LibreOffice:
    """soffice --headless with a private profile, so parallel runs do not collide."""

    def __init__(self, binary: str, profile: Path) -> None:
        self.binary = binary
        self.profile = profile

    def convert(self, files: list[Path], to: str, outdir: Path, timeout: int = 240) -> None:
        outdir.mkdir(parents=True, exist_ok=True)
        cmd = [
            self.binary,
            f"-env:UserInstallation=file://{self.profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            to,
            "--outdir",
            str(outdir),
            *map(str, files),
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, done.stderr

    def csv_all_sheets(self, files: list[Path], outdir: Path) -> None:
        """Every sheet of every file to <stem>-<Sheet>.csv (UTF-8, formulas as values)."""
        self.convert(
            files, 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1',
            outdir,
        )  # fmt: skip


@pytest.fixture(scope="session")
def libreoffice(tmp_path_factory: pytest.TempPathFactory) -> LibreOffice:
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None:
        pytest.skip("LibreOffice (soffice) is not installed; `make sysdeps` installs it")
    profile = tmp_path_factory.mktemp("lo-profile")
    # Recalculate every formula on load (the default trusts cached values in xlsx files).
    (profile / "user").mkdir()
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS, encoding="utf-8")
    return LibreOffice(binary, profile)


RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode"
 oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode"
 oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""
