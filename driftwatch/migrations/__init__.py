"""Migrations as a snapshot source: ``migrations:DIR`` (or ``migrations:FILE``).

``replay()`` applies a migrations folder (Supabase, Flyway, numbered, or one schema file)
to a scratch PostgreSQL and snapshots it; ``resolve_spec()`` / ``baseline_snapshot()``
do that for a ``migrations:…`` spelling with the settings of the config.

The package itself stays light (``driftwatch diff a.json b.json`` imports it for
``direction``): the replay machinery, psycopg included, loads with the first replay.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from driftwatch import config as configmod
from driftwatch import model
from driftwatch.errors import InputError
from driftwatch.migrations.errors import MigrationFailed, MigrationLayoutError
from driftwatch.migrations.layout import Plan, detect
from driftwatch.migrations.spec import PREFIX, direction, is_migrations_spec

if TYPE_CHECKING:
    from driftwatch.introspect import SnapshotOptions
    from driftwatch.migrations.replay import Warn

__all__ = [
    "PREFIX",
    "MigrationFailed",
    "MigrationLayoutError",
    "Plan",
    "baseline_snapshot",
    "cache_dir_of",
    "detect",
    "direction",
    "is_migrations_spec",
    "resolve_spec",
]


def cache_dir_of(cfg: configmod.Config) -> Path | None:
    return cfg.state_path / "migrations" if cfg.migrations.cache else None


def resolve_spec(
    spec: str,
    cfg: configmod.Config,
    *,
    options: SnapshotOptions | None = None,
    target_major: int | None = None,
    warn: Warn | None = None,
) -> model.Snapshot:
    """The snapshot of ``migrations:PATH``; a relative PATH is relative to the working dir."""
    if not is_migrations_spec(spec):
        raise InputError(f"{spec!r} is not a migrations:DIR spelling")
    path = spec[len(PREFIX) :]
    if not path:
        raise InputError("migrations: needs a folder or file, e.g. migrations:supabase/migrations")
    from driftwatch.migrations.replay import replay

    return replay(
        path,
        scratch_url=cfg.migrations.scratch_url,
        target_major=target_major,
        cache_dir=cache_dir_of(cfg),
        options=options,
        server=cfg.migrations.server,
        warn=warn,
    )


def baseline_snapshot(
    spec: str,
    cfg: configmod.Config,
    *,
    options: SnapshotOptions | None = None,
    target_major: int | None = None,
    warn: Warn | None = None,
) -> model.Snapshot:
    """A target's ``baseline = "migrations:…"`` for ``serve``: cached, so cheap on every tick.

    Pass the live snapshot's major (``live.server_major``) so the replay runs on the same
    PostgreSQL major when one is available, and the target's snapshot options so both
    sides cover the same schemas.
    """
    return resolve_spec(spec, cfg, options=options, target_major=target_major, warn=warn)
