"""Where a schema state comes from: a snapshot file, a live DSN, or the documented baseline.

``resolve(spec, cfg)`` is what every command uses for a snapshot side (``diff OLD NEW``,
``check --snapshot``, ``docs --snapshot``). Spellings:

* a path to a ``driftwatch.snapshot/2`` (or ``/1``) file;
* a DSN (``postgresql://…``, ``postgres://…`` or a ``key=value`` string): snapshotted live;
* ``baseline``: the documented baseline file (``[docs] baseline`` in config);
* ``last`` / ``last:TARGET``: the latest snapshot of a target in the history store (the
  target is ``TARGET``, else the ``target`` argument, else the store's only target);
* ``migrations:DIR`` (or ``migrations:FILE``): the migrations replayed into a scratch
  PostgreSQL (``driftwatch.migrations``); ``target_major`` picks the server's major version;
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from driftwatch import config as configmod
from driftwatch import model
from driftwatch import snapshot as snapmod
from driftwatch.dsn import validate as validate_dsn
from driftwatch.errors import InputError
from driftwatch.introspect import SnapshotOptions, take_snapshot

if TYPE_CHECKING:
    from driftwatch.store import Store

_KEYWORD_DSN = re.compile(r"^\s*\w+\s*=")


def target_options(target: configmod.Target | None) -> SnapshotOptions:
    """The snapshot options a configured target asks for (defaults without a target).

    The one place ``schemas`` and ``exclude_schemas`` become options, for
    the CLI, ``diff`` and the ``serve`` worker alike."""
    if target is None:
        return SnapshotOptions()
    return SnapshotOptions(
        include_schemas=tuple(target.schemas),
        exclude_schemas=tuple(target.exclude_schemas),
        target=target.name,
    )


def is_dsn(spec: str) -> bool:
    return spec.startswith(("postgresql://", "postgres://")) or bool(_KEYWORD_DSN.match(spec))


def read_baseline(
    cfg: configmod.Config, path: str | None = None, *, strict: bool = False
) -> model.Snapshot:
    """The documented baseline. Missing or corrupt is an error, never an empty schema."""
    p = Path(path or cfg.docs.baseline)
    if not p.exists():
        raise InputError(
            f"no baseline at {p}: run 'driftwatch baseline accept' or 'driftwatch docs' first"
        )
    return snapmod.read(p, strict=strict)


def read_last(
    cfg: configmod.Config, target: str | None, store: Store | None = None
) -> model.Snapshot:
    """The latest stored snapshot of ``target`` (or of the store's only target)."""
    from driftwatch.store import Store

    own = store is None
    st = store if store is not None else Store.from_config(cfg)
    try:
        if not target:
            known = st.targets() or [t.name for t in cfg.targets]
            if len(known) != 1:
                names = ", ".join(known) or "none"
                raise InputError(
                    f"'last' needs a target: use last:NAME or --target NAME (stored targets: {names})"
                )
            target = known[0]
        snap = st.latest_snapshot(target)
    finally:
        if own:
            st.close()
    if snap is None:
        raise InputError(
            f"no stored snapshot for target {target!r}: run 'driftwatch snapshot --target {target}' first"
        )
    return snap


def resolve(
    spec: str,
    cfg: configmod.Config,
    *,
    options: SnapshotOptions | None = None,
    target_major: int | None = None,
    store: Store | None = None,
    target: str | None = None,
    strict: bool = False,
) -> model.Snapshot:
    """The schema state ``spec`` names. A file (or the baseline) whose digest verifies is
    trusted (envelope checked, objects decoded when used); ``strict`` validates it whole."""
    if spec == "baseline":
        return read_baseline(cfg, strict=strict)
    if spec == "last" or spec.startswith("last:"):
        return read_last(cfg, spec.partition(":")[2] or target, store)
    if spec.startswith("migrations:"):  # replayed into a scratch PostgreSQL (cached)
        from driftwatch.migrations import resolve_spec

        return resolve_spec(spec, cfg, options=options, target_major=target_major)
    if is_dsn(spec):
        validate_dsn(spec)
        return take_snapshot(spec, options)
    path = Path(spec)
    if not path.exists():
        raise InputError(
            f"{spec!r} is not a snapshot file, a DSN, 'baseline', 'last' or 'migrations:DIR'"
        )
    return snapmod.read(path, strict=strict)
