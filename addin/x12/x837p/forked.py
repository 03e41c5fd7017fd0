"""Part of a file's work done on a second core by a forked copy of this process.

:func:`~addin.x12.x837p.stream.stream_837p` writes the last transaction sets of a big 837P
in a child made by ``os.fork`` while the parent writes the first ones: the child starts
with everything the parent has built (claims, memos, the checks' tables) without
pickling any of it, and sends back only a small result (its findings and counts) through
a pipe. Only on Linux (``fork`` is unsafe on macOS, absent on Windows) and only while this
process runs no other thread (a lock held by a thread at the fork would never be released
in the child); elsewhere the caller does the work itself, in the same order, with the same
result.

The child shares the parent's pages until either writes to them, so its memory of its
own is what it builds plus the pages it touches; :attr:`Forked.child_mb` is that figure
(private dirty memory at the child's end, from ``/proc/self/smaps_rollup``), for the
benchmarks to report beside the parent's peak.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

#: Unset or "0": the claims step in this process only (the default: each child holds
#: 70-130 MB of its own on a 100,000-line week, which puts the run over its 600 MB budget);
#: "auto": a child when a core is idle (see :func:`can_fork`); "1": a child whenever one can
#: be had, whatever the load (how tests and benchmarks compare the ways).
FORK_837P = "CLAIMBOOK_837P_FORK"


def can_fork() -> bool:
    """Whether a second core may be used: Linux, ``fork`` allowed, no other thread, two
    cores to run on, not a worker of a process pool (a batch's workers keep every core busy
    already), and a core idle: the load average over the last minute at least half a core
    below the cores this process may run on (this run itself counts about one). On a busy
    machine a child only competes for the same cores (measured: the claims step took 12.4 s
    forked against 9.9 s in one process at load average 3.3-3.7 on 2 cores).

    Only when asked for: ``CLAIMBOOK_837P_FORK=auto`` forks when a core is idle, ``=1``
    whatever the load; unset or ``0`` never forks. Measured with
    ``benchmarks/bench_week.py`` on 106,007 lines, idle machine: the first week 14.99 s in
    one process against 14.32 s forked (the claims step 6.57 against 5.30 s), but the run's
    processes together peaked at 577 MB against 645 MB (722 against 849 MB the next week)."""
    wanted = os.environ.get(FORK_837P, "").strip().lower()
    if wanted not in ("1", "auto") or sys.platform != "linux" or not hasattr(os, "fork"):
        return False
    cores = len(os.sched_getaffinity(0))
    if threading.active_count() > 1 or cores < 2 or multiprocessing.parent_process() is not None:
        return False
    return wanted == "1" or os.getloadavg()[0] < cores - 0.5


def _private_mb() -> float:
    """This process's private dirty memory in MB (Linux; 0 when unreadable)."""
    try:
        with open("/proc/self/smaps_rollup", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Private_Dirty:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Forked:
    """``work()`` run in a forked child; :meth:`join` gives its result (None when the child
    failed in any way: the caller then takes the path it takes on a problem)."""

    def __init__(self, work: Callable[[], Any]) -> None:
        self.child_mb = 0.0
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the caller's code
            status = 1
            try:
                os.close(read)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                result = work()
                data = pickle.dumps((result, _private_mb()), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write, "wb") as out:
                    out.write(data)
                status = 0
            except BaseException:  # noqa: B036 - any failure is a failed child, said by status
                pass
            finally:
                os._exit(status)
        os.close(write)
        self.pid = pid
        self._read = read

    def join(self) -> Any | None:
        """Wait for the child; its result, or None when it failed."""
        try:
            with os.fdopen(self._read, "rb") as source:
                data = source.read()
        finally:
            _, status = os.waitpid(self.pid, 0)
            self.pid = 0
        if status != 0 or not data:
            return None
        result, self.child_mb = pickle.loads(data)
        return result

    def cancel(self) -> None:
        """Stop the child (the parent failed first) and reap it."""
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(self.pid, 0)
            self.pid = 0
            os.close(self._read)
