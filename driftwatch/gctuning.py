"""The process's memory policy: the cyclic collector paused while big acyclic trees are
built or walked, and a short-lived process's exit without teardown.

A snapshot's tree holds hundreds of thousands of objects and no reference cycles, so
collections on the way only rescan it. Pauses may overlap (serve runs targets in threads):
the collector is off from the first one's start to the last one's end. A process that ends
after its one command (``short_lived()``, set by ``cli.entry``; a ``Service`` turns it off)
also moves what exists to the oldest generation when the last pause ends, and may keep its
result alive until ``end_process`` skips the interpreter's teardown. A long-running process
must not do that move: it bypasses the collector's accounting, so no full collection would
run again and each run's cycles would stay (see bench/README.md, "Collector pauses").
"""

from __future__ import annotations

import gc
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

_lock = threading.Lock()
_depth = 0  # pauses open, over all threads
_resume = False  # whether the collector was on when the first of them began
_short_lived = False  # short_lived(): the process ends after its current command
_kept: list[object] = []  # keep_until_exit(): released by the process's end, not one by one


def short_lived(on: bool = True) -> None:
    """Declare that this process ends after its current command (or, with False, that it
    runs for long): see the module docstring."""
    global _short_lived
    _short_lived = on


def keep_until_exit(obj: object) -> None:
    """In a short-lived process, keep ``obj`` (a command's result, a whole snapshot) until
    ``end_process``, which then exits without freeing it object by object. Otherwise
    (``main`` called as a function: tests, embedding) nothing is kept."""
    if _short_lived:
        _kept.append(obj)


def end_process(code: int) -> NoReturn:
    """End the process with ``code``. Every object is frozen first, sparing the
    interpreter's full collection at exit; when something was kept, the process ends at
    once after flushing its output, without the interpreter's teardown."""
    gc.freeze()
    if _kept:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BrokenPipeError:
            pass
        os._exit(code)
    raise SystemExit(code)


@contextmanager
def collector_paused() -> Iterator[None]:
    global _depth, _resume
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _resume:
                if _short_lived:
                    gc.freeze()
                    gc.unfreeze()
                gc.enable()
