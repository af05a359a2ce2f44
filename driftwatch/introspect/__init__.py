"""Catalog introspection: one read-only transaction, one bulk query per object kind."""

from driftwatch.introspect.loader import DEFAULT_EXCLUDED_SCHEMAS, SnapshotOptions, take_snapshot

__all__ = ["DEFAULT_EXCLUDED_SCHEMAS", "SnapshotOptions", "take_snapshot"]
