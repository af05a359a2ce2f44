"""``driftwatch init``: write a starting config inferred from a database's catalog.

Infers the tenant column (the foreign-key column most tables share to one root table), the
root, the scoping style the policies are proved with (the JWT claim, or membership through
which relation and helper), the exposed schemas (``pgrst.db_schemas`` when set) and the
global tables to exempt, each explained in a comment. Writes ``config/driftwatch.toml``
(or ``-o FILE``; ``-o -`` prints it) atomically, and refuses to replace an existing file
without ``--force``.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

from driftwatch import api
from driftwatch import config as configmod
from driftwatch.commands._common import Subparsers, add_target_args, emit, live_source
from driftwatch.config.load import check, from_dict
from driftwatch.errors import UsageError
from driftwatch.rules._infer import infer, render


def register(sub: Subparsers) -> None:
    p = sub.add_parser(
        "init",
        help="write a starting config inferred from the catalog",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_target_args(p)
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        default=str(configmod.DEFAULT_CONFIG_PATH),
        help=f"write here (default: {configmod.DEFAULT_CONFIG_PATH}; '-' for stdout)",
    )
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    out = args.output
    if out != "-" and Path(out).exists() and not args.force:
        raise UsageError(f"{out} exists: use --force to replace it, or -o another file")
    if args.config:
        raise UsageError("init writes a config; it does not read one (drop --config)")
    src = live_source(args, configmod.Config())
    assert src is not None
    snap = api.take(src.dsn, src.options)
    text = render(infer(snap), snap)
    check(from_dict(tomllib.loads(text)))  # what we write must load
    emit(text.encode(), out)
    if out != "-":
        print(f"driftwatch: wrote {out}; review it, then run `driftwatch check`", file=sys.stderr)
    return 0
