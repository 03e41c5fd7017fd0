"""``claimbook batch --jobs N`` when a clinic bills its next payers in the same run as its
new claims: both 837Ps get numbers reserved before any clinic runs, so every clinic's files
are still the bytes of ``--jobs 1``."""

from __future__ import annotations

import shutil
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
for folder in (ROOT, ROOT / "excel", ROOT / "cob", ROOT / "runs"):
    sys.path.insert(0, str(folder))

from batch_folder import files  # noqa: E402
from clinic_sample import ERA  # noqa: E402
from excel_clinic import make_clinic  # noqa: E402
from test_cob_runs import MEDIGAP, add_coverage  # noqa: E402

from addin.runs.batch import run_batch  # noqa: E402
from addin.runs.parallel import LocalEngine  # noqa: E402

TODAY = date(2026, 4, 10)
CREATED = datetime(2026, 4, 10, 17, 0)


def make_folder(root: Path) -> Path:
    """Three clinics with a second plan on file and the primary payer's 835 beside them:
    one run bills the encounters, posts the 835 and bills the second plan."""
    for name in ("north", "south", "east"):
        home = root / name
        home.mkdir(parents=True)
        book = make_clinic(home, f"{name}.xlsx")
        add_coverage(book, [MEDIGAP], [["Medigap Plus", "MGAP1", "CI"]])
        (home / "aetna.835").write_text(ERA, encoding="ascii")
    return root


def test_primary_and_secondary_in_one_run_give_the_bytes_of_jobs_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one = make_folder(tmp_path / "one")
    shutil.copytree(one, tmp_path / "two")
    for folder, jobs in ((one, 1), (tmp_path / "two", 2)):
        monkeypatch.setenv("CLAIMBOOK_DATA_DIR", str(tmp_path / f"data-{jobs}"))
        with LocalEngine(jobs) as engine:
            result = run_batch(folder, folder / "out", today=TODAY, as_of=TODAY,
                               engine=engine, created=CREATED)  # fmt: skip
        assert [r["error"] for r in result.to_json()["clinics"]] == [None] * 3
    written = files(one)
    assert written == files(tmp_path / "two")
    sent = sorted(name for name in written if name.endswith(".837"))
    assert len(sent) == 6, sent  # each clinic: its claims and its secondary claims
    interchanges = {written[name].decode("ascii")[90:99] for name in sent}
    assert len(interchanges) == 6  # six ISA13s, none used twice
