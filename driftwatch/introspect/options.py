"""What a snapshot reads: the schemas (include/exclude globs, the managed ones left out),
the target's name for the file's meta, and the session's time limits."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass, field

DEFAULT_EXCLUDED_SCHEMAS: tuple[str, ...] = (
    "auth",
    "storage",
    "realtime",
    "_realtime",
    "extensions",
    "graphql",
    "graphql_public",
    "vault",
    "pgsodium",
    "pgsodium_masks",
    "pgbouncer",
    "supabase_functions",
    "supabase_migrations",
    "net",
    "cron",
    "_analytics",
    "pgtle",
    "information_schema",
)


@dataclass(frozen=True)
class SnapshotOptions:
    include_schemas: tuple[str, ...] = ("*",)  # globs
    exclude_schemas: tuple[str, ...] = ()  # globs, on top of the managed ones
    include_managed: bool = False  # keep Supabase-managed schemas
    target: str | None = None
    statement_timeout_ms: int = 60_000
    lock_timeout_ms: int = 2_000
    connect_timeout_s: int = 10
    extra_excluded: tuple[str, ...] = field(default=DEFAULT_EXCLUDED_SCHEMAS)


def select_schemas(candidates: Iterable[str], opts: SnapshotOptions) -> list[str]:
    excluded = list(opts.exclude_schemas)
    if not opts.include_managed:
        excluded.extend(opts.extra_excluded)
    return sorted(
        s
        for s in candidates
        if any(fnmatch.fnmatchcase(s, g) for g in opts.include_schemas)
        and not any(fnmatch.fnmatchcase(s, g) for g in excluded)
    )
