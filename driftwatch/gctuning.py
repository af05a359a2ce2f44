"""Pause the cyclic garbage collector while building or walking big acyclic trees.

Building a 10,000-table snapshot allocates a few hundred thousand dicts and dataclasses
and no reference cycles; each generation-2 collection on the way rescans all of them, which
costs more than the work itself (about 40 % of decoding one into dataclasses).

Pauses may overlap (serve runs targets in threads): the collector is off from the first
one's start to the last one's end, and back on only if it was on before.

A process that ends after its one command (the CLI: ``short_lived()``, set by
``cli.entry``; a ``Service`` turns it off) also moves what exists to the oldest generation when the last pause ends
(``gc.freeze()`` then ``gc.unfreeze()``), so the first collection afterwards does not scan
every object allocated meanwhile. That move bypasses the collector's accounting (it resets
the young count and never adds to the long-lived count that triggers a full collection),
so a long-running process must not do it: in ``serve`` no collection then ever ran again
and each run's reference cycles stayed for good (14 MB a run at 3,000 tables). Without it,
the cycles a run leaves are young and the next young collection frees them.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0  # pauses open, over all threads
_resume = False  # whether the collector was on when the first of them began
_promote = False  # short_lived(): promote to the oldest generation when the last one ends


def short_lived(on: bool = True) -> None:
    """Declare that this process ends after its current command (or, with False, that it
    runs for long): see the module docstring."""
    global _promote
    _promote = on


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
                if _promote:
                    gc.freeze()
                    gc.unfreeze()
                gc.enable()
