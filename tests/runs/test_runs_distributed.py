"""``claimbook batch --scheduler``: the same batch on a real Dask LocalCluster with several
worker processes gives every clinic the same bytes as the local run."""

from __future__ import annotations

import json
import shutil
import socket
import sys
from pathlib import Path

import pytest

from addin.runs.batch import run_batch
from addin.runs.distributed import DaskEngine
from addin.runs.parallel import LocalEngine

sys.path.insert(0, str(Path(__file__).resolve().parent))

from batch_folder import CREATED, TODAY, files, make_folder  # noqa: E402

distributed = pytest.importorskip("distributed")  # noqa: E402

# the no_network guard (tests/conftest.py) patches these; the cluster lives on loopback
# only, so this test puts them back for itself
_SOCKET = {
    "create_connection": socket.create_connection,
    "getaddrinfo": socket.getaddrinfo,
}


@pytest.fixture
def loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, original in _SOCKET.items():
        monkeypatch.setattr(socket, name, original)
    monkeypatch.delattr(socket.socket, "connect")
    monkeypatch.delattr(socket.socket, "connect_ex")


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::ResourceWarning")
def test_a_local_cluster_writes_what_the_local_run_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loopback: None
) -> None:
    local = make_folder(tmp_path / "local")
    shutil.copytree(local, tmp_path / "cluster")
    monkeypatch.setenv("CLAIMBOOK_DATA_DIR", str(tmp_path / "data-local"))
    with LocalEngine(1) as engine:
        here = run_batch(local, local / "out", today=TODAY, as_of=TODAY, engine=engine,
                         created=CREATED)  # fmt: skip
    monkeypatch.setenv("CLAIMBOOK_DATA_DIR", str(tmp_path / "data-cluster"))
    with (
        distributed.LocalCluster(
            n_workers=3,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            host="127.0.0.1",
        ) as cluster,  # fmt: skip
        distributed.Client(cluster) as client,
    ):
        workers = client.run(lambda: __import__("os").getpid())
        assert len(set(workers.values())) == 3  # three worker processes, none of them ours
        with DaskEngine(client=client) as engine:
            there = run_batch(tmp_path / "cluster", tmp_path / "cluster" / "out", today=TODAY,
                              as_of=TODAY, engine=engine, created=CREATED)  # fmt: skip
    written = files(local)
    assert written == files(tmp_path / "cluster")
    assert sum(1 for name in written if name.endswith(".837")) == 4
    mine, theirs = here.to_json(), there.to_json()
    assert mine["totals"] == theirs["totals"] and mine["totals"]["failed"] == 1
    assert json.dumps([r["clinic"] for r in mine["clinics"]]) == json.dumps(
        [r["clinic"] for r in theirs["clinics"]]
    )


def test_an_unreachable_scheduler_is_a_clean_error(tmp_path: Path, loopback: None) -> None:
    from typer.testing import CliRunner

    from addin.cli import app

    folder = make_folder(tmp_path / "clinics")
    # a port nothing listens on, on this machine only
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = CliRunner().invoke(
        app, ["batch", str(folder), "--scheduler", f"tcp://127.0.0.1:{port}"]
    )
    assert result.exit_code == 2 and "cannot reach the Dask scheduler" in result.output
