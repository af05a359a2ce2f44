"""Take a snapshot of a live database.

One session (``session``), a fixed number of bulk catalog queries whatever the size of
the schema (``queries.PLAN``, run by ``driver``), their rows turned into the objects tree
as they arrive (``assemble``). ``search_path`` is emptied inside the transaction so every
name PostgreSQL prints (types, defaults, view bodies, policies) is schema-qualified and
identical whichever role runs driftwatch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any, cast

import psycopg
from psycopg.rows import DictRow, dict_row

from driftwatch import __version__, model, progress
from driftwatch.gcpause import collector_paused
from driftwatch.introspect import driver, queries, rows, session
from driftwatch.introspect.assemble import Assembler
from driftwatch.introspect.exprs import Run
from driftwatch.introspect.options import SnapshotOptions, select_schemas
from driftwatch.introspect.session import Connection, Params
from driftwatch.snapshot import digest_of

Observer = Callable[[psycopg.Cursor[DictRow]], None]
Hasher = Callable[[dict[str, Any]], str]


def take_snapshot(
    dsn: str,
    opts: SnapshotOptions | None = None,
    *,
    observer: Observer | None = None,
    stats: dict[str, int] | None = None,
    reuse: model.Snapshot | None = None,
    hasher: Hasher = digest_of,
) -> model.Snapshot:
    """Snapshot ``dsn``. ``observer`` runs inside the snapshot transaction after the catalog
    queries (tests use it to look at pg_locks); ``stats`` receives ``queries`` sent and
    ``reused`` (1 when ``reuse`` — an earlier snapshot of the same database and options —
    was returned with fresh meta because the catalog fingerprint had not changed).
    ``hasher`` computes the digest of the objects (``snapshot.Spool.digest`` also keeps
    their encoding for the file); a reused snapshot keeps its digest."""
    options = opts or SnapshotOptions()

    def attempt() -> model.Snapshot:
        with (
            session.connect(dsn, connect_timeout_s=options.connect_timeout_s) as conn,
            session.translated_errors(dsn, options),
        ):
            return _snapshot(conn, options, observer, stats, reuse, hasher)

    return session.retrying(dsn, attempt)


def _runner(cur: psycopg.Cursor[DictRow], major: int) -> Run:
    """How ``Expressions.resolve`` sends its two queries (on the snapshot's connection)."""

    def run(refs: dict[str, list[int]], deparse: bool) -> Iterable[tuple[str, int, str | None]]:
        cur.execute(queries.query("exprs", major), {**refs, "deparse": deparse})
        return [(r["source"], r["ref"], r["text"]) for r in cur]

    return run


def _snapshot(
    conn: Connection,
    opts: SnapshotOptions,
    observer: Observer | None,
    stats: dict[str, int] | None,
    reuse: model.Snapshot | None,
    hasher: Hasher,
) -> model.Snapshot:
    session.begin(conn)
    plan = queries.PLAN
    with (
        collector_paused(),
        conn.transaction(),
        conn.cursor(row_factory=dict_row) as cur,
        progress.bar("snapshot", total=len(plan), unit="query") as bar,
    ):
        session.apply_settings(cur, opts)
        cur.execute(queries.query("server"))
        server = cast(rows.Server | None, cur.fetchone())
        assert server is not None
        major = server["server_version_num"] // 10000
        schemas = select_schemas(server["schemas"], opts)
        params: Params = {"schemas": schemas}
        sent = 3  # the settings, the server and the fingerprint query
        meta = model.Meta(
            taken_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            target=opts.target,
            database=server["database"],
            server_version=server["server_version"].split()[0],
            driftwatch_version=__version__,
            schemas=tuple(schemas),
            # Without an earlier snapshot to reuse, the fingerprint is only recorded: it is
            # read at the end (same snapshot, same result) while the client hashes the tree.
            catalog_fingerprint=session.fingerprint(cur) if reuse is not None else "",
        )
        if (
            reuse is not None
            and reuse.meta.catalog_fingerprint == meta.catalog_fingerprint
            and reuse.meta.schemas == meta.schemas
            and reuse.meta.database == meta.database
            and reuse.meta.driftwatch_version == meta.driftwatch_version
        ):
            if stats is not None:
                stats.update(queries=sent, reused=1)
            if observer is not None:
                observer(cur)
            return model.Snapshot(meta, digest=reuse.digest, data=reuse.data)
        assembler = Assembler(server)

        def consume(q: queries.Query, rows: driver.Rows) -> None:
            assembler.add(q.kind, rows)
            bar.update()

        driver.run_plan(conn, plan, major, params, consume)
        sent += len(plan) + 1
        sent += assembler.exprs.resolve(_runner(cur, major))

        def finish() -> tuple[str, bool]:
            # Without parallel workers: the client keeps a core busy meanwhile, and a
            # worker would take turns with it on a 2-core machine rather than finish sooner.
            cur.execute("set local max_parallel_workers_per_gather = 0")
            fingerprint = meta.catalog_fingerprint or session.fingerprint(cur)
            return fingerprint, session.changed_during_snapshot(conn, cur, params)

        # The server reads the fingerprint and checks for DDL committed meanwhile while the
        # client assembles and hashes the tree.
        sent += 1
        with ThreadPoolExecutor(1, thread_name_prefix="driftwatch-finish") as pool:
            finished = pool.submit(finish)
            data = assembler.result()
            digest = hasher(data)
            fingerprint, changed = finished.result()
        if changed:
            raise session.ConcurrentDDL("the schema changed while the snapshot was taken")
        meta = replace(meta, catalog_fingerprint=fingerprint)
        if stats is not None:
            stats.update(queries=sent, reused=0)
        if observer is not None:
            observer(cur)
    return model.Snapshot(meta, digest=digest, data=data)
