"""Catalog introspection: one read-only transaction, one bulk query per object kind.

The readers (and psycopg with them) load on first use, so that importing the options
(``driftwatch.introspect.options``) stays cheap for commands that read only files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftwatch import lazy
from driftwatch.introspect.options import DEFAULT_EXCLUDED_SCHEMAS, SnapshotOptions

if TYPE_CHECKING:
    from driftwatch.introspect.incremental import IncrementalStats, take_incremental
    from driftwatch.introspect.loader import take_snapshot

__all__ = [
    "DEFAULT_EXCLUDED_SCHEMAS",
    "IncrementalStats",
    "SnapshotOptions",
    "take_incremental",
    "take_snapshot",
]

_LAZY = {
    "IncrementalStats": "driftwatch.introspect.incremental",
    "take_incremental": "driftwatch.introspect.incremental",
    "take_snapshot": "driftwatch.introspect.loader",
}


__getattr__ = lazy.attributes(__name__, _LAZY)
