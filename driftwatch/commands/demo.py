"""``driftwatch demo``: the whole job on a throwaway PostgreSQL loaded with the Nexus sample."""

from __future__ import annotations

import argparse
import time

import psycopg

from driftwatch import pgserver
from driftwatch.commands._common import Subparsers
from driftwatch.demo import NEXUS_SQL
from driftwatch.errors import DriftwatchError
from driftwatch.introspect import take_snapshot
from driftwatch.summary import summarize


def register(sub: Subparsers) -> None:
    p = sub.add_parser(
        "demo",
        help="run driftwatch on a throwaway PostgreSQL with the Nexus sample",
        description=__doc__,
    )
    p.add_argument(
        "--server",
        choices=("embedded", "local"),
        default=None,
        help="which throwaway PostgreSQL to start (default: embedded, else local binaries)",
    )
    p.add_argument("--once", action="store_true", help="one pass, then exit")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    prefer = (args.server,) if args.server else ("embedded", "local")
    t0 = time.monotonic()
    print("demo: starting a throwaway PostgreSQL …", flush=True)
    server = pgserver.start_throwaway(prefer)
    try:
        print(
            f"demo: {server.kind} PostgreSQL {server.version} is up "
            f"({time.monotonic() - t0:.1f}s); loading the Nexus sample schema …",
            flush=True,
        )
        with psycopg.connect(server.dsn(), autocommit=True) as conn:
            conn.execute("create database nexus")
        dsn = server.dsn("nexus")
        try:
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute(NEXUS_SQL.read_text().encode())
        except psycopg.Error as exc:
            raise DriftwatchError(f"loading {NEXUS_SQL.name} failed: {exc}") from None
        snap = take_snapshot(dsn)
        print(summarize(snap))
        print(f"demo: done in {time.monotonic() - t0:.1f}s", flush=True)
    finally:
        server.stop()
    return 0
