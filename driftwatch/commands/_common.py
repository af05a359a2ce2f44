"""Arguments and helpers shared by several commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from driftwatch import api, model
from driftwatch import config as configmod
from driftwatch.config import derive
from driftwatch.dsn import validate as validate_dsn
from driftwatch.errors import OutputError, UsageError
from driftwatch.fileio import atomic_write

if TYPE_CHECKING:
    from driftwatch.introspect import SnapshotOptions

Subparsers = Any  # argparse._SubParsersAction is private


def add_config_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--config", metavar="FILE", help="config file (default: config/driftwatch.toml if present)"
    )
    p.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no progress bars (they are drawn on stderr only when it is a terminal)",
    )


def add_target_args(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument(
        "--dsn", help="database URL or keyword string (default: $DRIFTWATCH_DSN, then $DOCS_DB_URL)"
    )
    g.add_argument("--target", metavar="NAME", help="a target from the config file")
    p.add_argument(
        "--schema",
        action="append",
        metavar="GLOB",
        dest="schemas",
        help="include only schemas matching GLOB (repeatable; default all)",
    )
    p.add_argument(
        "--exclude-schema",
        action="append",
        metavar="GLOB",
        dest="exclude_schemas",
        help="exclude schemas matching GLOB (repeatable)",
    )
    p.add_argument(
        "--include-managed",
        action="store_true",
        help="also snapshot Supabase-managed schemas (auth, storage, realtime, ...)",
    )
    add_config_arg(p)


@dataclass(frozen=True)
class LiveSource:
    dsn: str
    target: str | None
    options: SnapshotOptions


def load_config(args: argparse.Namespace) -> configmod.Config:
    return api.load_config(getattr(args, "config", None))


def live_source(
    args: argparse.Namespace, cfg: configmod.Config, *, required: bool = True
) -> LiveSource | None:
    """The database named by --dsn / --target / environment, with its snapshot options."""
    target = cfg.target(args.target) if getattr(args, "target", None) else None
    dsn = derive.resolve_dsn(target, explicit=getattr(args, "dsn", None))
    if target is not None and not dsn:
        raise UsageError(f"target {target.name!r} has no dsn in the config")
    if not dsn:
        if not required:
            return None
        raise UsageError(
            "no database given: use --dsn, --target, or set DRIFTWATCH_DSN / DOCS_DB_URL"
        )
    validate_dsn(dsn)
    return LiveSource(
        dsn=dsn,
        target=target.name if target else None,
        options=derive.snapshot_options(  # command-line flags on top of the target's settings
            target,
            schemas=args.schemas or (),
            exclude_schemas=args.exclude_schemas or (),
            include_managed=bool(getattr(args, "include_managed", False)),
        ),
    )


def add_snapshot_arg(p: argparse.ArgumentParser, verb: str) -> None:
    p.add_argument(
        "--snapshot",
        metavar="SPEC",
        help=f"{verb} a snapshot instead of a live database: a file, 'baseline', 'last' or"
        " 'migrations:DIR'",
    )


def audited_snapshot(args: argparse.Namespace, cfg: configmod.Config) -> model.Snapshot:
    """The snapshot ``--snapshot SPEC`` names, else a live one of --dsn / --target."""
    from driftwatch import snapshot_specs

    if args.snapshot:
        if args.dsn or args.target:
            raise UsageError("--snapshot cannot be combined with --dsn or --target")
        return snapshot_specs.resolve(args.snapshot, cfg)
    src = live_source(args, cfg)
    assert src is not None
    return api.take(src.dsn, src.options)


def emit(data: bytes | Iterable[bytes], output: str | None) -> None:
    """Write ``data`` (bytes or byte chunks) to ``output`` atomically, or to stdout."""
    if output and output != "-":
        atomic_write(output, data)
        return
    try:
        for chunk in [data] if isinstance(data, bytes) else data:
            sys.stdout.buffer.write(chunk)
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputError(f"cannot write to standard output: {exc.strerror or exc}") from None
