"""Catalog introspection: one read-only transaction, one bulk query per object kind."""

from driftwatch.introspect.incremental import IncrementalStats, take_incremental
from driftwatch.introspect.loader import take_snapshot
from driftwatch.introspect.options import DEFAULT_EXCLUDED_SCHEMAS, SnapshotOptions

__all__ = [
    "DEFAULT_EXCLUDED_SCHEMAS",
    "IncrementalStats",
    "SnapshotOptions",
    "take_incremental",
    "take_snapshot",
]
