"""What each part takes, derived from one ``Config``: snapshot options, diff options, and
the DSN of a target or of the command line.

The CLI, the ``serve`` worker, ``history`` and the fleet all call these, so that a setting
means the same everywhere (``[diff] ignore_kinds`` filters ``serve``'s changes as it filters
``driftwatch diff``'s). A command's flags are passed in and added to the config's settings.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from driftwatch.config.model import Config, Target
from driftwatch.errors import ConfigError, UsageError
from driftwatch.fileio import read_input

if TYPE_CHECKING:
    from driftwatch.diff import DiffOptions
    from driftwatch.introspect import SnapshotOptions

# Where a DSN comes from when neither a target nor --dsn names one (DOCS_DB_URL: the seed's).
DSN_ENV_VARS = ("DRIFTWATCH_DSN", "DOCS_DB_URL")


def snapshot_options(
    target: Target | None = None,
    *,
    schemas: Sequence[str] = (),
    exclude_schemas: Sequence[str] = (),
    include_managed: bool = False,
) -> SnapshotOptions:
    """The snapshot options of ``target`` (defaults without one), with a command's flags:
    ``schemas`` replaces the target's include globs, ``exclude_schemas`` adds to its own."""
    from driftwatch.introspect import SnapshotOptions  # psycopg: not for file-only commands

    include = tuple(target.schemas) if target is not None else SnapshotOptions().include_schemas
    exclude = tuple(target.exclude_schemas) if target is not None else ()
    return SnapshotOptions(
        include_schemas=tuple(schemas) or include,
        exclude_schemas=tuple(exclude_schemas) + exclude,
        include_managed=include_managed,
        target=target.name if target is not None else None,
    )


def diff_options(
    cfg: Config,
    *,
    strict_order: bool = False,
    detect_renames: bool = True,
    ignore_schemas: Sequence[str] = (),
    ignore_objects: Sequence[str] = (),
    ignore_kinds: Sequence[str] = (),
) -> DiffOptions:
    """``[diff]`` and the app roles of ``[tenancy]``, with a command's flags added to them."""
    from driftwatch.diff import DiffOptions, unknown_kinds

    kinds = tuple(cfg.diff.ignore_kinds) + tuple(ignore_kinds)
    problem = unknown_kinds(kinds)
    if problem:
        raise UsageError(problem)
    return DiffOptions(
        strict_order=strict_order or cfg.diff.strict_order,
        app_roles=tuple(cfg.tenancy.app_roles),
        detect_renames=detect_renames,
        ignore_schemas=tuple(cfg.diff.ignore_schemas) + tuple(ignore_schemas),
        ignore_objects=tuple(cfg.diff.ignore_objects) + tuple(ignore_objects),
        ignore_kinds=kinds,
        config=cfg,
    )


def resolve_dsn(target: Target | None = None, *, explicit: str | None = None) -> str | None:
    """The DSN to connect to. A target's comes from exactly one of its ``dsn``, ``dsn_env``
    and ``dsn_file`` ("" when it sets none). Without a target: ``explicit`` (``--dsn``),
    then ``$DRIFTWATCH_DSN``, then ``$DOCS_DB_URL``, else None."""
    if target is not None:
        return _target_dsn(target)
    if explicit:
        return explicit
    for var in DSN_ENV_VARS:
        value = os.environ.get(var)
        if value:
            return value
    return None


def _target_dsn(target: Target) -> str:
    given = [k for k in ("dsn", "dsn_env", "dsn_file") if getattr(target, k)]
    where = f"target {target.name!r}"
    if len(given) > 1:
        raise ConfigError(f"{where}: set only one of {', '.join(given)}")
    if target.dsn_env:
        value = os.environ.get(target.dsn_env, "")
        if not value.strip():
            raise ConfigError(f"{where}: environment variable {target.dsn_env} is not set")
        return value.strip()
    if target.dsn_file:
        path = Path(target.dsn_file)
        raw = read_input(path, what=f"{where}: dsn_file", kind="dsn_file_size", error=ConfigError)
        try:
            value = raw.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise ConfigError(f"{where}: dsn_file {path} is not UTF-8 text") from None
        if not value:
            raise ConfigError(f"{where}: dsn_file {path} is empty")
        return value
    return target.dsn
