"""Pause the cyclic garbage collector while building or walking big acyclic trees.

Building a 10,000-table snapshot allocates a few hundred thousand dicts and dataclasses
and no reference cycles; each generation-2 collection on the way rescans all of them, which
costs more than the work itself (about 40 % of decoding one into dataclasses).

Leaving the pause moves what exists to the oldest generation (``gc.freeze()`` then
``gc.unfreeze()``): objects allocated while the collector was off are all still in the
youngest generation, so the first collection after ``gc.enable()`` would scan every one
of them (0.4 s at 10,000 tables). In the oldest generation they are scanned only by the
rare full collections, and they stay collectable — nothing is left frozen, which in a
long-running ``serve`` would keep any cycle among them alive for ever. The CLI freezes
for good only when it exits (``cli.entry``), to skip the full collection at interpreter
exit (0.6 s at 10,000 tables).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.freeze()
            gc.unfreeze()
            gc.enable()
