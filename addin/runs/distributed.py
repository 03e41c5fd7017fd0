"""``claimbook batch --scheduler ADDRESS``: the batch's clinics as tasks on a Dask cluster.

The same tasks as on this machine's cores (addin.runs.parallel): each worker runs one
clinic's weekly cycle and writes that clinic's results beside its workbook, so the folder
must be at the same path on every worker (a shared file system: NFS, SMB, a cloud file
share) and every worker needs Claimbook and the same imported code sets. Only file paths,
dates and control numbers travel to the workers; figures come back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from addin.errors import ClaimbookError

T = TypeVar("T")
R = TypeVar("R")


class DaskEngine:
    """Tasks on the Dask cluster whose scheduler is at ``address`` (or a Client given)."""

    def __init__(self, address: str | None = None, client: Any = None) -> None:
        self.address = address
        self.client = client
        self._own = client is None

    def __enter__(self) -> DaskEngine:
        if self.client is None:
            try:
                from distributed import Client
            except ImportError:
                raise ClaimbookError(
                    "--scheduler needs Dask distributed: pip install 'claimbook[cluster]'"
                ) from None
            try:
                self.client = Client(self.address, timeout="20s")  # type: ignore[no-untyped-call]
            except (OSError, TimeoutError, ValueError) as exc:
                raise ClaimbookError(
                    f"cannot reach the Dask scheduler at {self.address} ({exc}); check the "
                    "address (tcp://HOST:8786) and that the scheduler is running"
                ) from None
        return self

    def __exit__(self, *exc: object) -> None:
        if self._own and self.client is not None:
            self.client.close()
            self.client = None

    def map_unordered(self, fn: Callable[[T], R], items: list[T]) -> Iterator[R]:
        if not items:
            return
        from distributed import as_completed

        assert self.client is not None, "use DaskEngine in a with block"
        # pure=False: a clinic run twice is two runs (it writes files), never a cached result
        futures = self.client.map(fn, items, pure=False)
        for future in as_completed(futures):  # type: ignore[no-untyped-call]
            yield future.result()


__all__ = ["DaskEngine"]
