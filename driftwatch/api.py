"""The public API: take, read, write, compare, audit a snapshot and render its docs.

Each function does one thing the command line does, with the same objects the engines
return (``Snapshot``, ``DiffResult``, ``AuditResult``, ``RenderResult``), and raises only
``DriftwatchError`` subclasses. ``import driftwatch`` gives all of it (``driftwatch.take``
and so on, loaded on first use); docs/api.md documents each function.

The engines load with the first function (or type) that needs them, not with this module:
``driftwatch snapshot`` imports it without paying for the diff, rules and docs stacks.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from driftwatch import lazy
from driftwatch import snapshot as snapmod
from driftwatch.config import Config
from driftwatch.errors import (
    ConfigError,
    DriftwatchError,
    InputError,
    IntrospectionError,
    OutputError,
    SnapshotFormatError,
    StoreError,
    TargetUnreachable,
    UsageError,
)
from driftwatch.findings import Finding
from driftwatch.model import Snapshot
from driftwatch.snapshot import Spool

if TYPE_CHECKING:
    from driftwatch.diff import Change, DiffOptions, DiffResult
    from driftwatch.docs import RenderResult
    from driftwatch.introspect import SnapshotOptions
    from driftwatch.rules import AuditResult, Scope

__all__ = [
    "AuditResult",
    "Change",
    "Config",
    "ConfigError",
    "DiffOptions",
    "DiffResult",
    "DriftwatchError",
    "Finding",
    "InputError",
    "IntrospectionError",
    "OutputError",
    "RenderResult",
    "Scope",
    "Snapshot",
    "SnapshotFormatError",
    "SnapshotOptions",
    "StoreError",
    "TargetUnreachable",
    "UsageError",
    "audit",
    "compare",
    "load_config",
    "read",
    "render_docs",
    "take",
    "write",
]

# The engines' own types, imported from their engine on first access (see __getattr__).
_ENGINE_TYPES = {
    "SnapshotOptions": "driftwatch.introspect",
    "Change": "driftwatch.diff",
    "DiffOptions": "driftwatch.diff",
    "DiffResult": "driftwatch.diff",
    "AuditResult": "driftwatch.rules",
    "Scope": "driftwatch.rules",
    "RenderResult": "driftwatch.docs",
}


__getattr__ = lazy.attributes(__name__, _ENGINE_TYPES)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def _replaced(options: Any, fields: dict[str, Any]) -> Any:
    """``options`` with the fields a caller gave (not None) replaced."""
    given = {k: v for k, v in fields.items() if v is not None}
    return dataclasses.replace(options, **given) if given else options


def _globs(value: str | Sequence[str] | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return (value,) if isinstance(value, str) else tuple(value)


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """The settings in the TOML file ``path`` (None: ``config/driftwatch.toml`` when it
    exists, else the defaults). As in the CLI, its ``[limits]`` become the size limits of
    every file read afterwards. Raises ``ConfigError``."""
    from driftwatch.config import load

    cfg = load.load(None if path is None else Path(path))
    load.apply_limits(cfg)
    return cfg


def take(
    dsn: str,
    options: SnapshotOptions | None = None,
    *,
    schemas: str | Sequence[str] | None = None,
    exclude_schemas: str | Sequence[str] | None = None,
    include_managed: bool | None = None,
    statement_timeout_ms: int | None = None,
    lock_timeout_ms: int | None = None,
    connect_timeout_s: int | None = None,
    spool: Spool | None = None,
) -> Snapshot:
    """Snapshot the catalog of the live database ``dsn`` (a URL or a keyword string), in
    one read-only transaction. ``options`` (default ``SnapshotOptions()``) says which
    schemas and timeouts; each keyword given replaces that field of it (``schemas`` and
    ``exclude_schemas`` are globs). ``spool`` (``driftwatch.snapshot.spooled()``) keeps the
    file's encoding of the objects so that ``write`` with the same spool does not encode
    them again. Raises ``UsageError`` (malformed DSN), ``TargetUnreachable`` and
    ``IntrospectionError``."""
    from driftwatch.dsn import validate
    from driftwatch.introspect import SnapshotOptions, take_snapshot

    validate(dsn)
    opts = _replaced(
        options or SnapshotOptions(),
        {
            "include_schemas": _globs(schemas),
            "exclude_schemas": _globs(exclude_schemas),
            "include_managed": include_managed,
            "statement_timeout_ms": statement_timeout_ms,
            "lock_timeout_ms": lock_timeout_ms,
            "connect_timeout_s": connect_timeout_s,
        },
    )
    if spool is None:
        return take_snapshot(dsn, opts)
    return take_snapshot(dsn, opts, hasher=spool.digest)


def read(path: str | os.PathLike[str], *, strict: bool = False) -> Snapshot:
    """The snapshot in the file ``path`` (format 2, or format 1 converted on read). A file
    whose digest verifies is trusted: its envelope is checked against the JSON Schema and
    its objects are decoded when first used; ``strict`` validates the whole file. Raises
    ``InputError`` (missing, unreadable, too large) and ``SnapshotFormatError``."""
    return snapmod.read(Path(path), strict=strict)


def write(
    snapshot: Snapshot,
    path: str | os.PathLike[str],
    *,
    parents: bool = False,
    spool: Spool | None = None,
) -> None:
    """Write ``snapshot`` to ``path`` as canonical JSON, atomically (a reader sees the old
    file or the new one, never a part). ``parents`` makes missing parent directories;
    ``spool``: the one ``take`` encoded this snapshot into. Raises ``OutputError``."""
    snapmod.write(snapshot, Path(path), spool=spool, parents=parents)


def compare(
    old: Snapshot,
    new: Snapshot,
    options: DiffOptions | None = None,
    *,
    ignore_kinds: str | Sequence[str] | None = None,
    ignore_schemas: str | Sequence[str] | None = None,
    ignore_objects: str | Sequence[str] | None = None,
    strict_order: bool | None = None,
    detect_renames: bool | None = None,
) -> DiffResult:
    """What changed from ``old`` to ``new``: a ``DiffResult`` whose ``changes`` are sorted
    ``Change`` records (kind, object, severity, detail), with the ignored ones apart in
    ``ignored``. ``options`` defaults to ``DiffOptions()``; each keyword given replaces that
    field of it (``ignore_kinds`` are change kinds, ``driftwatch.diff.KINDS``; the other
    ignores are globs). Named ``compare`` because ``driftwatch.diff`` is the engine's
    package. Raises ``UsageError`` for an unknown change kind."""
    from driftwatch.diff import DiffOptions, diff, unknown_kinds

    opts = _replaced(
        options or DiffOptions(),
        {
            "ignore_kinds": _globs(ignore_kinds),
            "ignore_schemas": _globs(ignore_schemas),
            "ignore_objects": _globs(ignore_objects),
            "strict_order": strict_order,
            "detect_renames": detect_renames,
        },
    )
    problem = unknown_kinds(opts.ignore_kinds)
    if problem:
        raise UsageError(problem)
    return diff(old, new, opts)


def audit(
    snapshot: Snapshot, config: Config | None = None, *, today: dt.date | None = None
) -> AuditResult:
    """Run every rule ``config`` enables (default: all, with the default tenancy settings)
    on ``snapshot``: an ``AuditResult`` with the ``findings`` (severity overrides and
    waivers applied, most severe first) and the ``scope`` (schemas audited and skipped).
    ``today`` dates waiver expiry (default: today). Raises ``ConfigError`` for a config the
    rules refuse (an unknown rule id, a bad rule option)."""
    from driftwatch import rules

    return rules.run(snapshot, config if config is not None else Config(), today=today)


def render_docs(
    snapshot: Snapshot,
    output: str | os.PathLike[str],
    config: Config | None = None,
    *,
    findings: Sequence[Finding] | None = None,
    mkdocs: bool | None = None,
) -> RenderResult:
    """Bring the reference docs in the directory ``output`` up to date with ``snapshot``:
    a page per table, view and function, the grouped index, diagrams and schema.json;
    only files whose content changed are rewritten. ``findings`` are shown on the pages
    (default: ``audit(snapshot, config)``); ``mkdocs`` also writes mkdocs.yml (default:
    ``[docs] mkdocs``). Returns what was written, kept and removed. Raises ``OutputError``
    and ``ConfigError`` (templates, groups file)."""
    from driftwatch.docs import render

    cfg = config if config is not None else Config()
    found = list(findings) if findings is not None else audit(snapshot, cfg).findings
    return render(snapshot, found, cfg, Path(output), mkdocs=mkdocs)
