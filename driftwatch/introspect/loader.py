"""Take a snapshot of a live database.

One session (``session``), a fixed number of bulk catalog queries whatever the size of
the schema (``queries.PLAN``, run by ``driver``), their rows turned into the objects tree
as they arrive (``assemble``). ``search_path`` is emptied inside the transaction so every
name PostgreSQL prints (types, defaults, view bodies, policies) is schema-qualified and
identical whichever role runs driftwatch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, TypeVar, cast

import psycopg
from psycopg.rows import DictRow, dict_row

from driftwatch import __version__, model, progress
from driftwatch.gctuning import collector_paused
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


@dataclass(frozen=True)
class Opened:
    """What the snapshot's transaction learns first: the server, the schemas, the meta."""

    server: rows.Server
    major: int
    schemas: list[str]
    meta: model.Meta


def open_read(cur: psycopg.Cursor[DictRow], opts: SnapshotOptions, *, fingerprint: bool) -> Opened:
    """Settings, the server row and the meta (its catalog fingerprint read now only when
    ``fingerprint``: otherwise at the end, while the client hashes the tree)."""
    session.apply_settings(cur, opts)
    cur.execute(queries.query("server"))
    server = cast(rows.Server | None, cur.fetchone())
    assert server is not None
    schemas = select_schemas(server["schemas"], opts)
    meta = model.Meta(
        taken_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        target=opts.target,
        database=server["database"],
        server_version=server["server_version"].split()[0],
        driftwatch_version=__version__,
        schemas=tuple(schemas),
        catalog_fingerprint=session.fingerprint(cur) if fingerprint else "",
    )
    return Opened(server, server["server_version_num"] // 10000, schemas, meta)


def params_of(opened: Opened, oids: Sequence[int] | None = None) -> Params:
    """The catalog queries' parameters; ``oids`` limits the relation queries to those."""
    return {"schemas": opened.schemas, "oids": None if oids is None else list(oids)}


def read(
    conn: Connection,
    cur: psycopg.Cursor[DictRow],
    opened: Opened,
    params: Params,
    bar: progress.Bar,
    base: Mapping[str, Mapping[str, Any]] | None = None,
    drop: Collection[str] = (),
    roles: Iterable[str] = (),
) -> tuple[Assembler, int]:
    """Run the plan into an assembler (``base`` but ``drop``: relations kept from an
    earlier snapshot, naming ``roles``, see ``Assembler.keep``) and resolve its
    expressions; returns it and the queries sent."""
    plan = queries.PLAN
    assembler = Assembler(opened.server)
    if base is not None:
        assembler.keep(base, drop, roles)

    def consume(q: queries.Query, rows: driver.Rows) -> None:
        assembler.add(q.kind, rows)
        bar.update()

    driver.run_plan(conn, plan, opened.major, params, consume)
    sent = len(plan) + assembler.exprs.resolve(_runner(cur, opened.major))
    return assembler, sent


T = TypeVar("T")


def finish(
    conn: Connection,
    cur: psycopg.Cursor[DictRow],
    meta: model.Meta,
    params: Params,
    assembler: Assembler,
    hasher: Hasher,
    also: Callable[[], T],
) -> tuple[model.Snapshot, T]:
    """The snapshot: the server reads the catalog fingerprint (unless the meta has it),
    runs ``also`` and checks for DDL committed meanwhile while the client assembles and
    hashes the tree. DDL committed meanwhile raises ``ConcurrentDDL`` (a retry)."""

    def server_side() -> tuple[str, T, bool]:
        # Without parallel workers: the client keeps a core busy meanwhile, and a
        # worker would take turns with it on a 2-core machine rather than finish sooner.
        cur.execute("set local max_parallel_workers_per_gather = 0")
        fingerprint = meta.catalog_fingerprint or session.fingerprint(cur)
        extra = also()
        return fingerprint, extra, session.changed_during_snapshot(conn, cur, params)

    with ThreadPoolExecutor(1, thread_name_prefix="driftwatch-finish") as pool:
        finished = pool.submit(server_side)
        data = assembler.result()
        digest = hasher(data)
        fingerprint, extra, changed = finished.result()
    if changed:
        raise session.ConcurrentDDL("the schema changed while the snapshot was taken")
    snap = model.Snapshot(replace(meta, catalog_fingerprint=fingerprint), digest=digest, data=data)
    return snap, extra


@contextmanager
def read_transaction(conn: Connection) -> Iterator[tuple[psycopg.Cursor[DictRow], progress.Bar]]:
    """The snapshot's read-only REPEATABLE READ transaction (``session.begin``), with the
    cyclic collector paused, a cursor of dict rows and the progress bar over the plan."""
    session.begin(conn)
    with (
        collector_paused(),
        conn.transaction(),
        conn.cursor(row_factory=dict_row) as cur,
        progress.bar("snapshot", total=len(queries.PLAN), unit="query") as bar,
    ):
        yield cur, bar


def _snapshot(
    conn: Connection,
    opts: SnapshotOptions,
    observer: Observer | None,
    stats: dict[str, int] | None,
    reuse: model.Snapshot | None,
    hasher: Hasher,
) -> model.Snapshot:
    with read_transaction(conn) as (cur, bar):
        # Without an earlier snapshot to reuse, the fingerprint is only recorded: it is
        # read at the end (same snapshot, same result) while the client hashes the tree.
        opened = open_read(cur, opts, fingerprint=reuse is not None)
        meta = opened.meta
        sent = 3  # the settings, the server and the fingerprint query
        if reuse is not None and reusable(reuse, meta):
            if stats is not None:
                stats.update(queries=sent, reused=1)
            if observer is not None:
                observer(cur)
            return model.Snapshot(meta, digest=reuse.digest, data=reuse.data)
        params = params_of(opened)
        assembler, n = read(conn, cur, opened, params, bar)
        snap, _ = finish(conn, cur, meta, params, assembler, hasher, lambda: None)
        sent += n + 2  # the expressions' queries, the DDL check
        if stats is not None:
            stats.update(queries=sent, reused=0)
        if observer is not None:
            observer(cur)
    return snap


def reusable(earlier: model.Snapshot, meta: model.Meta) -> bool:
    """``earlier`` is still the catalog ``meta`` describes (same fingerprint and scope)."""
    return (
        earlier.meta.catalog_fingerprint == meta.catalog_fingerprint
        and earlier.meta.schemas == meta.schemas
        and earlier.meta.database == meta.database
        and earlier.meta.driftwatch_version == meta.driftwatch_version
    )
