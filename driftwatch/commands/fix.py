"""``driftwatch fix``: the remediations of selected findings as one migration file.

Audits the database (or snapshot) like ``check``, keeps the findings selected by
``--rule`` / ``--object`` globs and ``--severity`` (the lowest severity kept, default
warning) and writes their remediations, dependency-ordered and idempotent where
PostgreSQL allows, as one reviewable migration: ``supabase/migrations/<UTC
timestamp>_driftwatch_fix.sql`` when that folder exists (under ``--project-dir``, default
the current directory), else ``-o FILE`` (``-o -``: stdout). driftwatch never runs it.
Exit 0 when a file was written or nothing was selected; 2 on bad input.
"""

from __future__ import annotations

import argparse
import datetime as dt
import fnmatch
import sys
from pathlib import Path

from driftwatch import api, fixes, rules
from driftwatch.commands._common import (
    Subparsers,
    add_snapshot_arg,
    add_target_args,
    audited_snapshot,
    emit,
    load_config,
)
from driftwatch.errors import UsageError
from driftwatch.findings import SEVERITIES

MIGRATIONS = Path("supabase") / "migrations"


def register(sub: Subparsers) -> None:
    p = sub.add_parser(
        "fix",
        help="write the remediations of findings as one reviewable migration file",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_target_args(p)
    add_snapshot_arg(p, "audit")
    p.add_argument(
        "--rule", action="append", default=[], metavar="GLOB", help="only these rules (repeatable)"
    )
    p.add_argument(
        "--object",
        action="append",
        default=[],
        metavar="GLOB",
        help="only findings on these objects (repeatable), e.g. 'public.orders*'",
    )
    p.add_argument(
        "--severity",
        choices=SEVERITIES,
        default="warning",
        help="lowest severity to fix (default: warning)",
    )
    p.add_argument(
        "--project-dir",
        metavar="DIR",
        default=".",
        help="where to look for supabase/migrations (default: the current directory)",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write here instead of supabase/migrations/ ('-' for stdout)",
    )
    p.set_defaults(func=run)


def _destination(args: argparse.Namespace, now: dt.datetime) -> str:
    if args.output:
        return str(args.output)
    folder = Path(args.project_dir) / MIGRATIONS
    if folder.is_dir():
        return str(folder / f"{now:%Y%m%d%H%M%S}_driftwatch_fix.sql")
    raise UsageError(
        f"no {MIGRATIONS}/ folder in {args.project_dir}: give the file to write with -o FILE"
    )


def run(args: argparse.Namespace) -> int:
    cfg = load_config(args)
    snap = audited_snapshot(args, cfg)
    for pattern in args.rule:
        if not any(fnmatch.fnmatchcase(r, pattern) for r in rules.REGISTRY):
            raise UsageError(f"--rule {pattern!r} matches no rule")
    chosen = fixes.select(
        api.audit(snap, cfg).findings,
        rules=args.rule,
        objects=args.object,
        min_severity=args.severity,
    )
    if not chosen:
        print("driftwatch: nothing to fix: no finding matches the selection", file=sys.stderr)
        return 0
    destination = _destination(args, dt.datetime.now(dt.UTC))
    plan = fixes.plan(chosen)
    text = fixes.render(plan, source=snap.meta.database, digest=snap.digest)
    emit(text.encode(), destination)
    if destination != "-":
        print(
            f"driftwatch: wrote {destination} ({len(plan.statements)} statements for"
            f" {len(plan.fixed)} findings; {len(plan.manual)} need a person)",
            file=sys.stderr,
        )
    return 0
