"""``driftwatch demo``: the whole job on a throwaway PostgreSQL loaded with the Nexus sample.

Starts an embedded PostgreSQL (or the machine's binaries), loads the Nexus sample, takes
the documented baseline, generates the docs, audits, applies a bad migration, runs a worker
tick and shows the diff, the findings, the regenerated page and the /metrics lines that
fire alerts; then serves /metrics until Ctrl-C (``--once``: exit after the first pass).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from driftwatch.commands._common import Subparsers
from driftwatch.demo.runner import Demo


def register(sub: Subparsers) -> None:
    p = sub.add_parser(
        "demo",
        help="run the whole job on a throwaway PostgreSQL with the Nexus sample",
        description=__doc__,
    )
    p.add_argument(
        "--server",
        choices=("embedded", "local"),
        default=None,
        help="which throwaway PostgreSQL to start (default: embedded, else local binaries)",
    )
    p.add_argument(
        "--out",
        default="demo-output",
        metavar="DIR",
        help="where the docs and the state go (default: ./demo-output)",
    )
    p.add_argument(
        "--listen",
        default="127.0.0.1:9187",
        metavar="HOST:PORT",
        help="address of /metrics while the demo runs (default 127.0.0.1:9187)",
    )
    p.add_argument("--once", action="store_true", help="exit after the first pass")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    demo = Demo(Path(args.out), server_kind=args.server, say=lambda s: print(s, flush=True))
    code = demo.run(once=args.once, listen=args.listen)
    print("demo: stopped; nothing left running", file=sys.stderr)
    return code
