"""collector_paused: the collector is off inside, restored after, and resuming is cheap."""

from __future__ import annotations

import gc

import pytest

from addin.collector import collector_paused


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector frees it


def test_paused_inside_restored_after() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_left_off_when_it_was_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_restored_when_the_block_raises() -> None:
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_young_objects_move_on_and_stay_collectable() -> None:
    """On resuming, what was made while paused is in the oldest generation (so the next
    allocation does not start a pass over it all) and is still collected when garbage."""
    gc.collect()
    with collector_paused():
        nodes = [Node() for _ in range(50_000)]
    assert gc.get_count()[0] < 1_000  # the young count was reset, not 50,000+
    assert gc.get_freeze_count() == 0  # nothing left frozen for good
    tracked = len(gc.get_objects(generation=2))
    del nodes
    gc.collect()
    assert len(gc.get_objects(generation=2)) < tracked - 40_000
