"""The streamed 837P with its later transaction sets written by a forked child is the
in-process file byte for byte, with the same findings; a problem on either side sends the
file to the whole-file path, nothing left behind."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest
from test_x837p_stream import CREATED, NUMBERS, _varied, _whole, demo_claims  # noqa: F401
from x837p_pyx12 import pyx12_errors

import addin.x12.x837p.stream as stream_module
import addin.x12.x837p.writer as writer_module
from addin.models import Claim
from addin.x12.x837p.forked import FORK_837P, can_fork
from addin.x12.x837p.stream import stream_837p

pytestmark = [
    pytest.mark.skipif(sys.platform != "linux", reason="the fork is Linux only"),
    pytest.mark.usefixtures("no_other_threads"),
]


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every child started, kept to look at after the file is written (a child whatever
    the machine's load)."""
    monkeypatch.setenv(FORK_837P, "1")
    started: list[Any] = []
    real = stream_module.Forked

    def counted(work: Any) -> Any:
        child = real(work)
        started.append(child)
        return child

    monkeypatch.setattr(stream_module, "Forked", counted)
    return started


def _stream(claims: list[Claim], settings: dict[str, str], path: Path) -> Any:
    calls: list[Path] = []
    streamed = stream_837p(claims, settings, path, created=CREATED, numbers=NUMBERS,
                           meanwhile=lambda: calls.append(path) or "rows")  # fmt: skip
    # the caller's own work is done once for a file written (none of it in the child)
    assert calls == ([path] if streamed is not None else calls)
    assert streamed is None or streamed.meanwhile == "rows"
    return streamed


def _renamed(claims: list[Claim]) -> list[Claim]:
    """Every fifth patient's name with accents: warnings in both halves of the file."""
    out = []
    for n, claim in enumerate(claims):
        if n % 5 == 0:
            patient = claim.patient.model_copy(update={"last_name": "Muñoz-Péréz"})
            update: dict[str, object] = {"patient": patient}
            if claim.relationship == "18":
                update["subscriber"] = patient
            claim = claim.model_copy(update=update)
        out.append(claim)
    return out


def test_later_transactions_forked_give_the_same_file_and_findings(
    demo_claims: tuple[list[Claim], dict[str, str]],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    forks: list[Any],
) -> None:
    claims, settings = demo_claims
    assert can_fork()
    monkeypatch.setattr(writer_module, "MAX_CLAIMS_PER_ST", 37)  # ten ST..SE and more
    claims = _renamed(_varied(claims))
    old, findings = _whole(claims, settings, tmp_path / "whole.837")
    assert findings and any(f.rule == "X12-NAME-CHARS" for f in findings)
    streamed = _stream(claims, settings, tmp_path / "forked.837")
    assert streamed is not None and len(forks) == 1
    assert forks[0].child_mb > 0  # the child said how much memory it had of its own
    assert streamed.path.read_bytes() == old
    assert streamed.findings == findings
    assert streamed.numbers == NUMBERS
    # the child's half carries warnings of its own (not only repeats of the parent's)
    later = old.decode("ascii").split("~\nST*837*")[-3:]  # the child's last three
    assert any("MUNOZ-PEREZ" in part for part in later)
    monkeypatch.setenv(FORK_837P, "0")
    assert not can_fork()
    alone = _stream(claims, settings, tmp_path / "alone.837")
    assert alone is not None and len(forks) == 1  # no second child
    assert alone.path.read_bytes() == old and alone.findings == findings
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alone.837", "forked.837", "whole.837"]
    text = old.decode("ascii")
    assert text.count("~\nST*837*") > 9
    assert pyx12_errors(text) == []


@pytest.mark.parametrize("where", ["parent", "child"])
def test_a_problem_on_either_side_is_not_streamed(
    where: str,
    demo_claims: tuple[list[Claim], dict[str, str]],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    forks: list[Any],
) -> None:
    claims, settings = demo_claims
    monkeypatch.setattr(writer_module, "MAX_CLAIMS_PER_ST", 20)
    claims = list(claims[:80])  # four transaction sets: two here, two in the child
    at = 10 if where == "parent" else 70
    bad = claims[at]
    update: dict[str, object] = {"patient": bad.patient.model_copy(update={"city": "X" * 31})}
    if bad.relationship == "18":
        update["subscriber"] = update["patient"]
    claims[at] = bad.model_copy(update=update)
    assert _stream(claims, settings, tmp_path / "claims.837") is None
    assert len(forks) == 1
    assert list(tmp_path.iterdir()) == []  # neither half's temp file left behind


def test_no_child_in_a_pool_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch's workers keep every core busy: they write their 837P in one process."""
    import concurrent.futures
    import multiprocessing

    monkeypatch.setenv(FORK_837P, "1")
    context = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
        assert pool.submit(can_fork).result() is False
    assert can_fork()


def test_no_child_on_a_busy_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """With every core busy a child only competes with the run: unless asked for."""
    cores = len(os.sched_getaffinity(0))
    monkeypatch.setattr(os, "getloadavg", lambda: (cores - 0.4, 0.0, 0.0))
    monkeypatch.setenv(FORK_837P, "auto")
    assert not can_fork()
    monkeypatch.setenv(FORK_837P, "1")
    assert can_fork()
    monkeypatch.setattr(os, "getloadavg", lambda: (cores - 0.6, 0.0, 0.0))
    monkeypatch.setenv(FORK_837P, "auto")
    assert can_fork()
    monkeypatch.setenv(FORK_837P, "0")
    assert not can_fork()


def test_no_child_unless_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    """A child's own memory puts a big week over its budget: one process is the default."""
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    monkeypatch.delenv(FORK_837P, raising=False)
    assert not can_fork()
    monkeypatch.setenv(FORK_837P, "")
    assert not can_fork()


def test_no_child_while_another_thread_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A lock another thread holds at the fork would never be released in the child."""
    import threading

    monkeypatch.undo()  # the real thread count, not the fixture's
    monkeypatch.setenv(FORK_837P, "1")
    release = threading.Event()
    other = threading.Thread(target=release.wait, daemon=True)
    other.start()
    try:
        assert not can_fork()
    finally:
        release.set()
        other.join()
