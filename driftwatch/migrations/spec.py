"""The ``migrations:PATH`` spelling of a snapshot argument, and which side of a diff it is."""

from __future__ import annotations

PREFIX = "migrations:"


def is_migrations_spec(spec: str | None) -> bool:
    return bool(spec) and str(spec).startswith(PREFIX)


def direction(old_spec: str | None, new_spec: str | None) -> bool | None:
    """``old_is_migrations`` for a diff of these two sides; None when neither is migrations
    (the renderer's reviewer words, ``diff.wording``, take it)."""
    if is_migrations_spec(old_spec) and not is_migrations_spec(new_spec):
        return True
    if is_migrations_spec(new_spec) and not is_migrations_spec(old_spec):
        return False
    return None
