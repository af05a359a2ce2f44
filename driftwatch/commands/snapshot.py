"""``driftwatch snapshot``: take a canonical JSON snapshot of a live database."""

from __future__ import annotations

import argparse
import sys

from driftwatch import snapshot as snapmod
from driftwatch.commands._common import Subparsers, add_target_args, emit, live_source, load_config
from driftwatch.introspect import take_snapshot
from driftwatch.summary import summarize


def register(sub: Subparsers) -> None:
    p = sub.add_parser(
        "snapshot", help="snapshot the catalog of a database as canonical JSON", description=__doc__
    )
    add_target_args(p)
    p.add_argument(
        "-o", "--output", metavar="FILE", help="write here (atomically) instead of stdout"
    )
    p.add_argument(
        "--summary", action="store_true", help="print a one-screen summary instead of JSON"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    cfg = load_config(args)
    src = live_source(args, cfg)
    assert src is not None
    snap = take_snapshot(src.dsn, src.options)
    if args.summary and not args.output:
        print(summarize(snap))
        return 0
    emit(snapmod.dumps(snap), args.output)
    if args.output:
        print(f"driftwatch: wrote {args.output} ({snap.digest[:19]}…)", file=sys.stderr)
        if args.summary:
            print(summarize(snap))
    return 0
