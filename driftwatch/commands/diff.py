"""``driftwatch diff OLD NEW``: what changed between two schema states.

Each side is a snapshot file, a DSN (snapshotted live), ``baseline`` (the documented
baseline), ``last`` / ``last:TARGET`` (the latest stored snapshot) or ``migrations:DIR``.
Exit 0: no changes · 1: changes · 2: bad input · 3: a database is unreachable.
"""

from __future__ import annotations

import argparse
import os
import sys

from driftwatch import api, snapshot_specs
from driftwatch import config as configmod
from driftwatch.commands._common import Subparsers, add_config_arg, emit, load_config
from driftwatch.config import derive
from driftwatch.diff import KINDS, DiffOptions
from driftwatch.diff.render import FORMATS, render
from driftwatch.migrations import direction as migrations_direction


def register(sub: Subparsers) -> None:
    p = sub.add_parser(
        "diff",
        help="semantic diff between two schema states (exit 1 when they differ)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "old", metavar="OLD", help="file, DSN, baseline, last[:TARGET] or migrations:DIR"
    )
    p.add_argument("new", metavar="NEW", help="same spellings as OLD")
    p.add_argument("--format", choices=FORMATS, default="text", help="output format (default text)")
    p.add_argument(
        "-o", "--output", metavar="FILE", help="write here (atomically) instead of stdout"
    )
    p.add_argument(
        "--target", metavar="NAME", help="target for 'last' and for live snapshot options"
    )
    p.add_argument("--strict-order", action="store_true", help="report column order changes")
    p.add_argument("--no-renames", action="store_true", help="report renames as removed + added")
    p.add_argument(
        "--ignore-schema",
        action="append",
        default=[],
        metavar="GLOB",
        help="ignore changes in schemas matching GLOB (repeatable)",
    )
    p.add_argument(
        "--ignore-object",
        action="append",
        default=[],
        metavar="GLOB",
        help="ignore changes to objects (or their tables) matching GLOB (repeatable)",
    )
    p.add_argument(
        "--ignore-kind",
        action="append",
        default=[],
        metavar="KIND",
        help=f"ignore changes of this kind (repeatable): {', '.join(KINDS)}",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="validate snapshot files against the JSON Schema even when their digest verifies",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="also list the ignored changes")
    p.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour text output (default: only on a terminal, unless NO_COLOR)",
    )
    add_config_arg(p)
    p.set_defaults(func=run)


def options_from(args: argparse.Namespace, cfg: configmod.Config) -> DiffOptions:
    return derive.diff_options(
        cfg,
        strict_order=args.strict_order,
        detect_renames=not args.no_renames,
        ignore_schemas=args.ignore_schema,
        ignore_objects=args.ignore_object,
        ignore_kinds=args.ignore_kind,
    )


def _use_color(choice: str, output: str | None) -> bool:
    if choice != "auto":
        return choice == "always"
    if output and output != "-":
        return False
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def run(args: argparse.Namespace) -> int:
    cfg = load_config(args)
    options = options_from(args, cfg)
    snap_opts = derive.snapshot_options(cfg.target(args.target) if args.target else None)
    direction = migrations_direction(args.old, args.new)
    if direction is False:  # NEW is migrations:…: resolve OLD first, replay on its major
        old = snapshot_specs.resolve(
            args.old, cfg, options=snap_opts, target=args.target, strict=args.strict
        )
        new = snapshot_specs.resolve(
            args.new, cfg, options=snap_opts, target=args.target, target_major=old.server_major,
            strict=args.strict,
        )  # fmt: skip
    else:
        new = snapshot_specs.resolve(
            args.new, cfg, options=snap_opts, target=args.target, strict=args.strict
        )
        old = snapshot_specs.resolve(
            args.old, cfg, options=snap_opts, target=args.target,
            target_major=new.server_major if direction else None, strict=args.strict,
        )  # fmt: skip
    if direction is None and old.meta.database != new.meta.database:
        # Not an error (comparing staging with production is a real use), but never silent.
        print(
            f"driftwatch: warning: comparing two different databases: {args.old} is of "
            f"database {old.meta.database!r}, {args.new} of {new.meta.database!r}",
            file=sys.stderr,
        )
    result = api.compare(old, new, options)
    text = render(
        result,
        args.format,
        color=_use_color(args.color, args.output),
        verbose=args.verbose,
        direction=direction,
    )
    emit(text.encode(), args.output)
    return 1 if result.changes else 0
