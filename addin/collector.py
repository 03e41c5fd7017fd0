"""Pause Python's cyclic garbage collector around a large build of acyclic objects.

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
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
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
