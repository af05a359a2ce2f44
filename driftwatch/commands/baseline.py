"""``driftwatch baseline accept``: make the live schema the documented baseline.

Writes a snapshot of the database (``--target`` / ``--dsn``) atomically to the baseline
file: ``--file``, else the target's ``baseline`` when it is a file, else ``[docs] baseline``.
``driftwatch diff baseline last`` then shows drift that has not been accepted.
"""

from __future__ import annotations

import argparse
import sys

from driftwatch import api
from driftwatch import snapshot as snapmod
from driftwatch.commands._common import Subparsers, add_target_args, live_source, load_config
from driftwatch.errors import UsageError


def register(sub: Subparsers) -> None:
    p = sub.add_parser(
        "baseline",
        help="accept the live schema as the documented baseline",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    acc = actions.add_parser(
        "accept", help="write the live snapshot to the baseline file", description=__doc__
    )
    add_target_args(acc)
    acc.add_argument("--file", metavar="PATH", help="baseline file (default from config)")
    acc.set_defaults(func=run)
    p.set_defaults(func=_no_action)


def _no_action(args: argparse.Namespace) -> int:
    raise UsageError("baseline: missing action (try 'driftwatch baseline accept --help')")


def run(args: argparse.Namespace) -> int:
    cfg = load_config(args)
    src = live_source(args, cfg)
    assert src is not None
    path = args.file
    if not path and src.target:
        configured = cfg.target(src.target).baseline
        if configured and not configured.startswith("migrations:"):
            path = configured
    own_layout = not args.file  # a configured path: its directory may be made
    path = path or cfg.docs.baseline
    with snapmod.spooled() as spool:
        snap = api.take(src.dsn, src.options, spool=spool)
        api.write(snap, path, spool=spool, parents=own_layout)
    print(
        f"driftwatch: baseline {path} accepted ({snap.digest[:19]}…, "
        f"{len(snap.objects.tables)} tables)",
        file=sys.stderr,
    )
    return 0
