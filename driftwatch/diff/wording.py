"""Reviewer words for a diff where one side is ``migrations:…``.

A diff goes OLD → NEW: ``added`` is in NEW only, ``removed`` in OLD only. With the
migrations as OLD (``driftwatch diff migrations:DIR postgresql://…``), ``added`` is an
out-of-band change made in the database, ``removed`` a migration that never ran. Which
side is the migrations is the caller's to say (``migrations.direction`` of the two specs).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftwatch.diff.changes import ADDED, CHANGE_TYPES, MODIFIED, RENAMED, Change, ChangeType

IN_DB_ONLY = "in the database but not in the migrations"
IN_MIGRATIONS_ONLY = "in the migrations but not in the database"
DIFFERENT = "different"


def _change_of(change: Change | Mapping[str, Any]) -> ChangeType:
    value = change.get("change") if isinstance(change, Mapping) else change.change
    for known in CHANGE_TYPES:
        if value == known:
            return known
    raise ValueError(f"not a diff change: {change!r}")


def describe(change: Change | Mapping[str, Any], old_is_migrations: bool) -> str:
    """``change`` (a :class:`Change` or its JSON form) in reviewer words.

    ``old_is_migrations``: True when the OLD side of the diff is ``migrations:…`` (the
    usual ``diff migrations:DIR DSN``), False when the NEW side is.
    """
    kind = _change_of(change)
    if kind in (MODIFIED, RENAMED):
        return DIFFERENT
    in_new = kind == ADDED
    return IN_DB_ONLY if in_new == old_is_migrations else IN_MIGRATIONS_ONLY
