"""Where a run is, for a face that shows a progress bar: the steps report, a face listens.

A run calls ``advance("claims", 2, 5)`` as each step begins; nothing happens unless a face has
installed a listener with ``listening(callback, total)`` (the CLI draws a rich bar on stderr
when stderr is a terminal). The listener is a context variable, so threads and processes
that never installed one (batch workers, the Excel add-in) report to nobody.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

Listener = Callable[[str, int, int], None]  # step, steps done before it, steps in all

_listener: ContextVar[Listener | None] = ContextVar("claimbook_progress", default=None)


def advance(step: str, done: int, total: int) -> None:
    """A run's step ``step`` begins (read, acknowledge, suggest, claims, reconcile, check,
    write) after ``done`` of its ``total`` steps."""
    listener = _listener.get()
    if listener is not None:
        listener(step, done, total)


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Send every step of the runs inside the block to ``listener``."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)


__all__ = ["Listener", "advance", "listening"]
