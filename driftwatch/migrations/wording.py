"""Reviewer words for a diff where one side is ``migrations:…``.

A diff goes OLD → NEW: ``added`` is in NEW only, ``removed`` in OLD only. With the
migrations as OLD (``driftwatch diff migrations:DIR postgresql://…``), ``added`` is an
out-of-band change made in the database, ``removed`` a migration that never ran.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

IN_DB_ONLY = "in the database but not in the migrations"
IN_MIGRATIONS_ONLY = "in the migrations but not in the database"
DIFFERENT = "different"

PREFIX = "migrations:"


def is_migrations_spec(spec: str | None) -> bool:
    return bool(spec) and str(spec).startswith(PREFIX)


def _change_of(change: Any) -> str:
    value = change.get("change") if isinstance(change, Mapping) else getattr(change, "change", None)
    if value not in ("added", "removed", "modified", "renamed"):
        raise ValueError(f"not a diff change: {change!r}")
    return str(value)


def describe(change: Any, old_is_migrations: bool) -> str:
    """``change`` (a diff change: ``change`` = added/removed/modified/renamed) in reviewer words.

    ``old_is_migrations``: True when the OLD side of the diff is ``migrations:…`` (the
    usual ``diff migrations:DIR DSN``), False when the NEW side is.
    """
    kind = _change_of(change)
    if kind in ("modified", "renamed"):
        return DIFFERENT
    in_new = kind == "added"
    return IN_DB_ONLY if in_new == old_is_migrations else IN_MIGRATIONS_ONLY


def direction(old_spec: str | None, new_spec: str | None) -> bool | None:
    """``old_is_migrations`` for a diff of these two sides; None when neither is migrations."""
    if is_migrations_spec(old_spec) and not is_migrations_spec(new_spec):
        return True
    if is_migrations_spec(new_spec) and not is_migrations_spec(old_spec):
        return False
    return None
