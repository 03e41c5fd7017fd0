"""collector_paused: the collector is off inside, restored after, and resuming is cheap;
give_back_memory: freed memory goes back to the system."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

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


_FRAGMENTED = """
import sys, threading
from addin.collector import give_back_memory

def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024

kept = []
def work():
    # 100 MB of blocks too big for Python's own allocator, made on a second thread (as
    # python-calamine's parsing thread does), one in 16 kept: the freed ones between them
    # stay with the C allocator
    blobs = [bytes(4000) + i.to_bytes(4, "little") for i in range(25_000)]
    kept.extend(blobs[::16])
thread = threading.Thread(target=work)
thread.start()
thread.join()
before = rss_mb()
gave = give_back_memory()
print(gave, before, rss_mb(), len(kept))
"""


def test_freed_memory_goes_back_to_the_system() -> None:
    """On Linux with glibc, memory freed between live blocks is returned when asked."""
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", _FRAGMENTED], capture_output=True, text=True, check=True,
        cwd=root,
    ).stdout.split()  # fmt: skip
    if out[0] != "True":
        pytest.skip("no malloc_trim here (not Linux with glibc): nothing to give back")
    before, after, kept = int(out[1]), int(out[2]), int(out[3])
    assert kept == 1563
    assert before - after >= 50, (before, after)
