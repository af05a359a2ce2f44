"""The collector pause: cycles made inside a pause are still collected by the collector's
own young collections in a long-running process (issue 15, item 3), and overlapping pauses
in threads keep the collector off until the last one ends."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator

import pytest

from driftwatch import gctuning


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    gctuning.short_lived(False)
    if not was:
        gc.disable()


def _cycle() -> weakref.ref[Node]:
    a, b = Node(), Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def test_cycle_made_in_a_pause_is_collected_without_gc_collect() -> None:
    """Without gc.collect(): allocating as a run would (kept objects) lets the collector's
    automatic collections run. With the old freeze/unfreeze on every resume, the cycle sat
    in the oldest generation and no collection ever reached it."""
    with gctuning.collector_paused():
        ref = _cycle()
        ballast = [[i] for i in range(5000)]  # a run allocates while paused
        assert ref() is not None  # a cycle: reference counting alone does not free it
    kept = []
    for i in range(20_000):
        kept.append([i])
        if ref() is None:
            break
    assert ref() is None, f"cycle still alive, gc counts {gc.get_count()}"
    del ballast, kept


def test_overlapping_pauses_in_threads_resume_once_the_last_ends() -> None:
    inside = threading.Event()
    leave = threading.Event()

    def other() -> None:
        with gctuning.collector_paused():
            inside.set()
            leave.wait(10)

    t = threading.Thread(target=other)
    with gctuning.collector_paused():
        t.start()
        assert inside.wait(10)
    assert not gc.isenabled(), "the other thread's pause is still open"
    leave.set()
    t.join(10)
    assert gc.isenabled()


def test_pause_leaves_a_disabled_collector_disabled() -> None:
    gc.disable()
    try:
        with gctuning.collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_short_lived_process_promotes_on_resume() -> None:
    gctuning.short_lived()
    with gctuning.collector_paused():
        keep = [[i] for i in range(2000)]
    assert gc.get_count()[0] < 100  # moved to the oldest generation: no young scan of them
    assert gc.isenabled()
    del keep
