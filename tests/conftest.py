"""Shared fixtures: no network, an isolated user data directory, the ../shared corpus."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from addin.codesets import icd10cm
from addin.codesets._common import reload_all

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


class NetworkAccess(AssertionError):
    """Raised when code under test tries to open a network connection."""


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Patient data never leaves the machine: any connection attempt in a test fails it."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise NetworkAccess(f"a test tried to reach the network: {args[1:] or kwargs}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture(autouse=True)
def isolated_data_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Every test gets its own empty user store so imports never leak between tests."""
    root = tmp_path_factory.mktemp("claimbook-data")
    monkeypatch.setenv("CLAIMBOOK_DATA_DIR", str(root))
    icd10cm.reload()
    reload_all()  # the imported sets (HCPCS, NCCI, ...) cache per data directory too
    yield root
    icd10cm.reload()
    reload_all()


@pytest.fixture
def shared() -> Path:
    """The read-only ../shared folder; tests that need it skip, saying so, when it is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is not present (the public corpus lives beside the repo)")
    return SHARED


@pytest.fixture
def no_other_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test process as a fresh ``claimbook`` process sees itself: one thread. Earlier
    tests (Dask's LocalCluster) leave idle daemon threads behind, and the claims step's
    children are only forked in a process with no other thread; tests of the forked path
    must not depend on which tests ran before them."""
    import threading

    monkeypatch.setattr(threading, "active_count", lambda: 1)
