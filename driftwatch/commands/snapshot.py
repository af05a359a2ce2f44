"""``driftwatch snapshot``: take a canonical JSON snapshot of a live database."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from driftwatch import api
from driftwatch import snapshot as snapmod
from driftwatch.commands._common import Subparsers, add_target_args, emit, live_source, load_config
from driftwatch.config import Config
from driftwatch.errors import DriftwatchError
from driftwatch.gctuning import keep_until_exit
from driftwatch.introspect import SnapshotOptions
from driftwatch.model import Snapshot
from driftwatch.snapshot_stats import summarize


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
    p.add_argument(
        "--no-store",
        action="store_true",
        help="with --target: do not record it in the history store",
    )
    p.set_defaults(func=run)


def _take_and_store(
    cfg: Config,
    target: str,
    dsn: str,
    options: SnapshotOptions,
    started: dt.datetime,
    spool: snapmod.Spool,
) -> Snapshot:
    """With --target, the snapshot (or the failure) is recorded in the history store."""
    from driftwatch.pipeline import cli_history, record_failure, record_snapshot
    from driftwatch.store import Store

    with Store.from_config(cfg) as store:
        history = cli_history(store, cfg)
        try:
            snap = api.take(dsn, options, spool=spool)
        except DriftwatchError as exc:
            record_failure(history, target, exc.message, started=started.timestamp()).unwrap()
            raise
        previous = store.latest_snapshot(target)
        record_snapshot(
            history, target, snap, previous=previous, started=started.timestamp()
        ).unwrap()
    return snap


def run(args: argparse.Namespace) -> int:
    cfg = load_config(args)
    src = live_source(args, cfg)
    assert src is not None
    started = dt.datetime.now(dt.UTC)
    with snapmod.spooled() as spool:
        if src.target and not args.no_store:
            snap = _take_and_store(cfg, src.target, src.dsn, src.options, started, spool)
        else:
            snap = api.take(src.dsn, src.options, spool=spool)
        keep_until_exit(snap)
        if args.summary and not args.output:
            print(summarize(snap))
            return 0
        if args.output and args.output != "-":
            api.write(snap, args.output, spool=spool)
        else:
            emit(spool.chunks(snap), None)
    if args.output:
        print(f"driftwatch: wrote {args.output} ({snap.digest[:19]}…)", file=sys.stderr)
        if args.summary:
            print(summarize(snap))
    return 0
