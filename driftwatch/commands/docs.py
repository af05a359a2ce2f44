"""``driftwatch docs``: generate the database reference (Markdown pages, grouped index,
ER and policy diagrams, schema.json) and rewrite only the files whose content changed.

If the database cannot be reached, every existing file is left untouched, a warning names
the target (never its password) and the exit code is 3.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from driftwatch import api, snapshot_specs
from driftwatch.commands._common import Subparsers, add_target_args, live_source, load_config
from driftwatch.dsn import redact
from driftwatch.errors import IntrospectionError, TargetUnreachable, UsageError


def register(sub: Subparsers) -> None:
    p = sub.add_parser(
        "docs",
        help="generate the database reference docs (regenerates only what changed)",
        description=__doc__,
    )
    add_target_args(p)
    p.add_argument(
        "--snapshot",
        metavar="FILE",
        help="document a snapshot file (or 'baseline') instead of a live database",
    )
    p.add_argument(
        "-o", "--output", metavar="DIR", help="output directory (default: [docs] output)"
    )
    p.add_argument(
        "--mkdocs",
        action="store_true",
        default=None,
        help="also write mkdocs.yml (nav by table group) beside DIR",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    cfg = load_config(args)
    if args.snapshot and (args.dsn or args.target):
        raise UsageError("--snapshot cannot be combined with --dsn or --target")
    target_name = None
    if args.target:
        target_name = cfg.target(args.target).name
    out = Path(
        args.output
        or (cfg.target(args.target).docs_output if args.target else None)
        or cfg.docs.output
    )
    try:
        if args.snapshot:
            snap = snapshot_specs.resolve(args.snapshot, cfg)
        else:
            src = live_source(args, cfg)
            assert src is not None
            snap = api.take(src.dsn, src.options)
    except (TargetUnreachable, IntrospectionError) as exc:
        who = f"target {target_name!r}: " if target_name else ""
        print(
            f"driftwatch: warning: {who}{redact(exc.message)}; "
            f"the docs in {out} were left untouched",
            file=sys.stderr,
        )
        return exc.exit_code
    result = api.render_docs(snap, out, cfg, mkdocs=args.mkdocs)
    print(result.summary)
    return 0
