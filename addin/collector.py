"""Pause Python's cyclic garbage collector around a large build of acyclic objects, and
hand the memory a step freed back to the system.

Reading a 100,000-line workbook, writing a 100,000-line 837P or reconciling a 40,000-claim
835 each allocate around a million objects that form no reference cycles (reference
counting frees them). With the collector running, its repeated passes over that growing
heap cost as much as the work itself (measured in ``benchmarks/``). So it waits::

    with collector_paused():
        result = reconcile_files(claims, paths)

On the way out the new objects are moved straight to the oldest generation (``freeze``
then ``unfreeze``), which also resets the young-generation count: simply re-enabling would
make the next allocation start a pass over every object made while paused (0.2 s after a
40,000-claim reconcile). They stay collectable, so a long-running host (Excel) leaks
nothing.

Freed memory is not always returned to the system: glibc's allocator keeps what the
objects of a finished step (the workbook's parsed sheets, the claims compared with the
register) leave free between those still alive, and the memory python-calamine's parsing
thread used stays in that thread's arena. :func:`give_back_memory` asks glibc to return
it (``malloc_trim``); a run calls it as each step begins. Measured with
``benchmarks/bench_week.py --fresh-next`` on 106,007 lines (a fresh process, every claim in
the register): the third week peaked at 632-635 MB without it, 584-587 MB with it (before
result sheets were read as their header row, which took it to 507 MB). Each call takes
1-12 ms on such a book, 0.2 ms on a small one (where a run leaves it out:
``runs.BIG_BOOK``). Elsewhere (macOS, Windows, a C library without ``malloc_trim``) it does
nothing.
"""

from __future__ import annotations

import ctypes
import functools
import gc
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic collector for the ``with`` block (see the module docstring)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()


@functools.cache
def _trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where there is none."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return getattr(ctypes.CDLL(None), "malloc_trim", None)
    except OSError:  # pragma: no cover (no C library to open)
        return None


def give_back_memory() -> bool:
    """Return the free memory the C allocator holds to the system (see the module
    docstring); whether there was a way to."""
    trim = _trim()
    if trim is None:
        return False
    trim(0)
    return True
