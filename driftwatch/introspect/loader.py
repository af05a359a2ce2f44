"""Take a snapshot of a live database.

One connection (``application_name=driftwatch``), one ``REPEATABLE READ READ ONLY``
transaction with ``statement_timeout``/``lock_timeout`` set, and a fixed number of bulk
catalog queries whatever the size of the schema. ``search_path`` is emptied inside the
transaction so every name PostgreSQL prints (types, defaults, view bodies, policies) is
schema-qualified and identical whichever role runs driftwatch.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fnmatch
import functools
import itertools
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import psycopg
from psycopg import errors as pgerrors
from psycopg import sql
from psycopg.rows import dict_row, tuple_row

from driftwatch import __version__, model, progress
from driftwatch.dsn import describe, redact
from driftwatch.errors import IntrospectionError, TargetUnreachable
from driftwatch.gctuning import collector_paused
from driftwatch.introspect.assemble import Assembler
from driftwatch.introspect.exprs import Run
from driftwatch.introspect.queries import query
from driftwatch.snapshot import digest_of

Row = dict[str, Any]

DEFAULT_EXCLUDED_SCHEMAS: tuple[str, ...] = (
    "auth",
    "storage",
    "realtime",
    "_realtime",
    "extensions",
    "graphql",
    "graphql_public",
    "vault",
    "pgsodium",
    "pgsodium_masks",
    "pgbouncer",
    "supabase_functions",
    "supabase_migrations",
    "net",
    "cron",
    "_analytics",
    "pgtle",
    "information_schema",
)


@dataclass(frozen=True)
class SnapshotOptions:
    include_schemas: tuple[str, ...] = ("*",)  # globs
    exclude_schemas: tuple[str, ...] = ()  # globs, on top of the managed ones
    include_managed: bool = False  # keep Supabase-managed schemas
    target: str | None = None
    statement_timeout_ms: int = 60_000
    lock_timeout_ms: int = 2_000
    connect_timeout_s: int = 10
    jobs: int = 1  # connections sharing one exported snapshot (1 or 2)
    extra_excluded: tuple[str, ...] = field(default=DEFAULT_EXCLUDED_SCHEMAS)


def select_schemas(candidates: Iterable[str], opts: SnapshotOptions) -> list[str]:
    excluded = list(opts.exclude_schemas)
    if not opts.include_managed:
        excluded.extend(opts.extra_excluded)
    return sorted(
        s
        for s in candidates
        if any(fnmatch.fnmatchcase(s, g) for g in opts.include_schemas)
        and not any(fnmatch.fnmatchcase(s, g) for g in excluded)
    )


@contextmanager
def connect(dsn: str, *, connect_timeout_s: int = 10) -> Iterator[psycopg.Connection[Any]]:
    """Open a driftwatch connection, translating failures into TargetUnreachable."""
    try:
        conn = psycopg.connect(
            dsn, application_name="driftwatch", connect_timeout=connect_timeout_s, autocommit=False
        )
    except psycopg.Error as exc:
        reason = redact(
            str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        )
        raise TargetUnreachable(f"cannot connect to {describe(dsn)}: {reason}") from None
    try:
        yield conn
    finally:
        conn.close()


QUERY_KINDS: tuple[str, ...] = Assembler.ORDER

# Queries whose deparse functions lock user relations (pg_get_viewdef, pg_get_ruledef);
# run in a rolled-back savepoint, after the pipelined ones (they end Assembler.ORDER).
LOCKING_KINDS = frozenset({"others", "views"})

Observer = Callable[[psycopg.Cursor[Row]], None]
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
    opts = opts or SnapshotOptions()
    for attempt in range(1, SNAPSHOT_ATTEMPTS + 1):
        try:
            return _attempt(dsn, opts, observer, stats, reuse, hasher)
        except _ConcurrentDDL as exc:
            if attempt == SNAPSHOT_ATTEMPTS:
                raise IntrospectionError(
                    f"catalog query failed on {describe(dsn)}: {exc} (the schema changed during "
                    f"each of {SNAPSHOT_ATTEMPTS} attempts; retry when the DDL is over)"
                ) from None
    raise AssertionError("unreachable")


# Concurrent DDL. The catalog scans read the REPEATABLE READ snapshot, but the deparse
# functions (pg_get_constraintdef, pg_get_indexdef, pg_get_viewdef, ...) look objects up in
# the *latest* catalog: an object dropped after the snapshot began makes them fail with
# "cache lookup failed" / "could not open relation with OID" (XX000) or a "does not exist"
# error, or makes them return NULL or a new name. Both are caught (the error, and a final
# check that no catalog row of the selected schemas was changed by a transaction committed
# after the snapshot began: sql/concurrent_ddl.sql) and nothing half-done is returned: the
# whole snapshot is retried in a new transaction, which sees the DDL as committed.
SNAPSHOT_ATTEMPTS = 3
_CONCURRENT_DDL_STATES = frozenset({"XX000", "42P01", "42704", "42883"})
_CONCURRENT_DDL_TEXT = ("cache lookup failed", "could not open relation", "does not exist")


class _ConcurrentDDL(Exception):
    pass


def _attempt(
    dsn: str,
    opts: SnapshotOptions,
    observer: Observer | None,
    stats: dict[str, int] | None,
    reuse: model.Snapshot | None,
    hasher: Hasher,
) -> model.Snapshot:
    with connect(dsn, connect_timeout_s=opts.connect_timeout_s) as conn:
        try:
            return _snapshot(conn, dsn, opts, observer, stats, reuse, hasher)
        except pgerrors.QueryCanceled:
            raise IntrospectionError(
                f"snapshot of {describe(dsn)} stopped: statement_timeout "
                f"({opts.statement_timeout_ms} ms) reached"
            ) from None
        except pgerrors.LockNotAvailable:
            raise IntrospectionError(
                f"snapshot of {describe(dsn)} stopped: lock_timeout ({opts.lock_timeout_ms} ms) "
                "reached waiting for a lock another session holds (long-running DDL?)"
            ) from None
        except psycopg.OperationalError as exc:
            raise TargetUnreachable(
                f"lost connection to {describe(dsn)} during snapshot: {redact(_first_line(exc))}"
            ) from None
        except psycopg.Error as exc:
            text = redact(_first_line(exc))
            if exc.sqlstate in _CONCURRENT_DDL_STATES and any(
                t in text.lower() for t in _CONCURRENT_DDL_TEXT
            ):
                raise _ConcurrentDDL(text) from None
            raise IntrospectionError(f"catalog query failed on {describe(dsn)}: {text}") from None


def _changed_during_snapshot(
    conn: psycopg.Connection[Any], cur: psycopg.Cursor[Row], params: Row
) -> bool:
    """True when DDL on the selected schemas committed after the snapshot began (see
    sql/concurrent_ddl.sql). A check that cannot run (old server, odd xmax) is not a failure."""
    try:
        with conn.transaction():
            cur.execute(query("concurrent_ddl"), params)
            row = cur.fetchone()
    except psycopg.OperationalError:
        raise
    except psycopg.Error:
        return False
    return bool(row and row["changed"])


def _fingerprint(cur: psycopg.Cursor[Row]) -> str:
    cur.execute(query("fingerprint"))
    row = cur.fetchone()
    assert row is not None
    return str(row["fingerprint"])


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


_SETTINGS_SQL = (
    # Fixed output settings: names schema-qualified (empty search_path), timestamps in
    # partition bounds and defaults printed in UTC/ISO whatever the role's defaults are.
    # work_mem at least 64 MB for this transaction only: the catalog queries' hash joins
    # (columns.sql) stay in memory up to tens of thousands of tables instead of spilling.
    "select set_config('statement_timeout', %s, true), set_config('lock_timeout', %s, true),"
    " set_config('work_mem', greatest(pg_size_bytes(current_setting('work_mem')) / 1024,"
    " 65536)::text || 'kB', true),"
    " set_config('search_path', '', true), set_config('TimeZone', 'UTC', true),"
    " set_config('DateStyle', 'ISO, MDY', true), set_config('IntervalStyle', 'postgres', true),"
    " set_config('extra_float_digits', '1', true)"
)

# With jobs > 1, a second connection runs these inside the same snapshot, imported with
# SET TRANSACTION SNAPSHOT (as pg_dump -j does). Since the deparse work went (one call per
# distinct expression tree) this no longer pays on a 2-core machine: the client, not the
# server, is the longer half (see bench/README.md).
SECOND_CONNECTION_KINDS = ("constraints", "policies")


def _begin(conn: psycopg.Connection[Any]) -> None:
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    conn.read_only = True


def _run_kind(
    conn: psycopg.Connection[Any], cur: psycopg.Cursor[Any], kind: str, major: int, params: Row
) -> Iterable[Any]:
    """The rows of one catalog query, executed in full: what must finish inside a
    savepoint (views) and what the second connection hands over. Everything else streams
    (``_streamed``)."""
    if kind not in LOCKING_KINDS:
        cur.execute(query(kind, major), params)
        return cur
    # pg_get_viewdef takes AccessShareLock on the view and every relation it reads
    # (AcquireRewriteLocks). Locks taken in a subtransaction are released when it rolls
    # back, so they last for this one query, not the whole snapshot; the REPEATABLE READ
    # snapshot is the top-level one and does not change.
    with conn.transaction(force_rollback=True):
        cur.execute(query(kind, major), params)
        return cur.fetchall()


@contextmanager
def _streamed(
    conn: psycopg.Connection[Any], kind: str, major: int, params: Row
) -> Iterator[Iterable[Any]]:
    """A query's rows as they arrive, a chunk at a time: the per-object queries have no
    ORDER BY, so the server scans while the client turns rows into the tree, and no
    query's whole result sits in memory. Rows are tuples for ``Assembler.TUPLE_FIELDS``
    kinds, dicts otherwise.

    A context manager because a stream holds the connection's lock between rows: if the
    consumer stops half-way (an error, Ctrl-C), the stream must be closed — cancelling the
    query — before anything else can use the connection (the rollback would otherwise
    wait for that lock for ever)."""
    with _kind_cursor(conn, kind) as cur:
        if kind in LOCKING_KINDS:
            yield _run_kind(conn, cur, kind, major, params)
            return
        stream: Generator[Any, None, None]
        if STREAM_CHUNK > 1:
            stream = _chunks(conn, kind, query(kind, major), params)
            rows: Iterable[Any] = itertools.chain.from_iterable(stream)
        else:
            rows = stream = _checked(cur, kind, cur.stream(query(kind, major), params))
        try:
            yield rows
        finally:
            stream.close()


def _kind_cursor(conn: psycopg.Connection[Any], kind: str) -> psycopg.Cursor[Any]:
    if kind in Assembler.TUPLE_FIELDS:
        return conn.cursor(row_factory=tuple_row)
    return conn.cursor(row_factory=dict_row)


def _check_fields(names: tuple[str, ...], kind: str) -> None:
    """Tuple rows are unpacked by position: the query must return the expected columns."""
    fields = Assembler.TUPLE_FIELDS.get(kind)
    if fields is not None and names != fields:
        raise IntrospectionError(f"the {kind} query returned {names}, expected {fields}")


def _names(cur: psycopg.Cursor[Any]) -> tuple[str, ...]:
    return tuple(c.name for c in cur.description or ())


def _checked(
    cur: psycopg.Cursor[Any], kind: str, rows: Iterator[Any]
) -> Generator[Any, None, None]:
    try:
        for i, row in enumerate(rows):
            if i == 0:
                _check_fields(_names(cur), kind)
            yield row
    finally:
        close = getattr(rows, "close", None)  # stops the query if we stop early (_streamed)
        if close is not None:
            close()


# Chunked rows need libpq 17+ (the psycopg[binary] wheel bundles a newer one); an older
# system libpq streams one row at a time (Cursor.stream).
STREAM_CHUNK = 256 if psycopg.pq.version() >= 170000 else 1


def _result_chunks(conn: psycopg.Connection[Any], kind: str) -> Iterator[list[Any]]:
    """The rows of the query whose results come next on ``conn`` (chunked rows mode
    already selected), a chunk at a time, each chunk turned into rows in one call of
    psycopg's row loader (``Cursor.stream`` does it row by row through a Python loop: about
    2 µs a row, 0.4 s at 10,000 tables). Tuples for ``Assembler.TUPLE_FIELDS`` kinds, whose
    column names are checked, dicts otherwise. A server error is raised as psycopg's."""
    pgconn = conn.pgconn
    tx = psycopg.adapt.Transformer(conn)
    make_row: Callable[[Any], Any] = tuple
    first = True
    while (res := conn.wait(psycopg.generators.fetch(pgconn))) is not None:
        status = res.status
        if status == psycopg.pq.ExecStatus.TUPLES_CHUNK:
            tx.set_pgresult(res, set_loaders=first)
            if first:
                names = tuple(res.fname(i).decode() for i in range(res.nfields))
                _check_fields(names, kind)
                if kind not in Assembler.TUPLE_FIELDS:
                    make_row = functools.partial(_as_dict, names)
                first = False
            yield tx.load_rows(0, res.ntuples, make_row)
        elif status != psycopg.pq.ExecStatus.TUPLES_OK:
            raise pgerrors.error_from_result(res, encoding=conn.info.encoding)


def _as_dict(names: tuple[str, ...], values: Sequence[Any]) -> Row:
    return dict(zip(names, values, strict=True))


def _send(conn: psycopg.Connection[Any], sql: str, params: Row) -> None:
    """Queue one query, its parameters bound as literals (as psycopg's ClientCursor does)."""
    query_text = psycopg.ClientCursor(conn).mogrify(sql, params)
    conn.pgconn.send_query_params(query_text.encode(), None)


def _chunks(
    conn: psycopg.Connection[Any], kind: str, sql: str, params: Row
) -> Generator[list[Any], None, None]:
    """One query's rows in chunks (``_result_chunks``)."""
    pgconn = conn.pgconn
    with conn.lock:
        finished = False
        try:
            _send(conn, sql, params)
            pgconn.set_chunked_rows_mode(STREAM_CHUNK)
            conn.wait(psycopg.generators.send(pgconn))
            yield from _result_chunks(conn, kind)
            finished = True
        finally:
            if not finished:
                # Abandoned half-way (an error while building, Ctrl-C): stop the query and
                # read what is left of it (rows, the cancel error, the end marker) so the
                # connection is idle again and the transaction can roll back.
                if pgconn.transaction_status == psycopg.pq.TransactionStatus.ACTIVE:
                    with contextlib.suppress(psycopg.Error):
                        conn.cancel_safe()
                while pgconn.get_result() is not None:
                    pass


# Pipelined queries. Sent one after another without waiting (libpq pipeline mode), the
# server runs each next query as soon as the previous one's rows are on the wire, so it
# works while the client is still turning rows into the tree (it can run ahead by what the
# socket buffers hold, several MB on loopback) instead of idling between queries. Rows are
# still read a chunk at a time, query by query, in the order sent. Needs libpq 17+ (chunked
# rows inside a pipeline); otherwise each query streams on its own (_streamed).
def can_pipeline() -> bool:
    return (
        STREAM_CHUNK > 1
        and psycopg.capabilities.has_pipeline()
        and psycopg.capabilities.has_stream_chunked()
    )


class _Pipeline:
    """Queries sent at once in pipeline mode; ``rows(name)`` reads each one's rows, in the
    order they were sent (see ``_pipelined``)."""

    def __init__(self, conn: psycopg.Connection[Any], names: list[str]) -> None:
        self.conn = conn
        self.pending = list(names)
        self.synced = False  # the sync point that ends the pipeline has been sent
        self.streaming = False  # a query's rows are being read

    def rows(self, name: str) -> Iterator[Any]:
        if not self.pending or self.pending[0] != name:
            raise ValueError(f"pipelined query {name!r} read out of order ({self.pending})")
        self.pending.pop(0)
        return itertools.chain.from_iterable(self._chunks(name))

    def _chunks(self, name: str) -> Iterator[list[Any]]:
        self.conn.pgconn.set_chunked_rows_mode(STREAM_CHUNK)
        self.streaming = True
        yield from _result_chunks(self.conn, name)
        self.streaming = False


@contextmanager
def _pipelined(
    conn: psycopg.Connection[Any], queries: dict[str, str], params: Row
) -> Iterator[_Pipeline]:
    """Send ``queries`` (name → SQL) in one pipeline; the caller reads every one's rows in
    order. If it stops early (an error, Ctrl-C), the running query is cancelled and what
    is left of the pipeline read, so the connection can roll back."""
    pgconn = conn.pgconn
    with conn.lock:
        pipe = _Pipeline(conn, list(queries))
        pgconn.enter_pipeline_mode()
        try:
            for sql in queries.values():
                _send(conn, sql, params)
            pgconn.pipeline_sync()
            pipe.synced = True
            conn.wait(psycopg.generators.send(pgconn))
            yield pipe
            if pipe.pending:
                raise ValueError(f"pipelined queries not read: {pipe.pending}")
        finally:
            _end_pipeline(pipe)


def _end_pipeline(pipe: _Pipeline) -> None:
    conn, pgconn = pipe.conn, pipe.conn.pgconn
    if pgconn.status != psycopg.pq.ConnStatus.OK:
        return  # the connection is gone: nothing to read
    with contextlib.suppress(psycopg.OperationalError):
        if not pipe.synced:
            pgconn.pipeline_sync()
            conn.wait(psycopg.generators.send(pgconn))
        if pipe.pending or pipe.streaming:
            with contextlib.suppress(psycopg.Error):
                conn.cancel_safe()
        # Up to the sync point: rows of a cancelled query, its error, the aborted rest.
        while True:
            res = conn.wait(psycopg.generators.fetch(pgconn))
            if res is not None and res.status == psycopg.pq.ExecStatus.PIPELINE_SYNC:
                break
        pgconn.exit_pipeline_mode()


def _runner(cur: psycopg.Cursor[Row], major: int) -> Run:
    """How ``Expressions.resolve`` sends its two queries (on the snapshot's connection)."""

    def run(refs: dict[str, list[int]], deparse: bool) -> Iterable[tuple[str, int, str | None]]:
        cur.execute(query("exprs", major), {**refs, "deparse": deparse})
        return [(r["source"], r["ref"], r["text"]) for r in cur]

    return run


def _second_connection(
    dsn: str, opts: SnapshotOptions, snapshot_id: str, major: int, params: Row
) -> dict[str, list[Any]]:
    with connect(dsn, connect_timeout_s=opts.connect_timeout_s) as conn:
        _begin(conn)
        with conn.transaction():
            with conn.cursor() as cur:
                cur.execute(sql.SQL("set transaction snapshot {}").format(sql.Literal(snapshot_id)))
                cur.execute(
                    _SETTINGS_SQL, (str(opts.statement_timeout_ms), str(opts.lock_timeout_ms))
                )
            out: dict[str, list[Any]] = {}
            for kind in SECOND_CONNECTION_KINDS:
                with _kind_cursor(conn, kind) as kcur:
                    out[kind] = list(_run_kind(conn, kcur, kind, major, params))
                    _check_fields(_names(kcur), kind)
            return out


def _snapshot(
    conn: psycopg.Connection[Any],
    dsn: str,
    opts: SnapshotOptions,
    observer: Observer | None,
    stats: dict[str, int] | None,
    reuse: model.Snapshot | None,
    hasher: Hasher,
) -> model.Snapshot:
    _begin(conn)
    with (
        collector_paused(),
        conn.transaction(),
        conn.cursor(row_factory=dict_row) as cur,
        progress.bar("snapshot", total=len(QUERY_KINDS), unit="query") as bar,
    ):
        cur.execute(_SETTINGS_SQL, (str(opts.statement_timeout_ms), str(opts.lock_timeout_ms)))
        cur.execute(query("server"))
        server = cur.fetchone()
        assert server is not None
        major = int(server["server_version_num"]) // 10000
        schemas = select_schemas(server["schemas"], opts)
        params: Row = {"schemas": schemas}
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
            catalog_fingerprint=_fingerprint(cur) if reuse is not None else "",
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
        assembler.on_kind = lambda kind: bar.update()
        if opts.jobs > 1:
            cur.execute("select pg_export_snapshot() as id")
            exported = cur.fetchone()
            assert exported is not None
            sent += 3  # export; the second connection's snapshot import and settings
            with ThreadPoolExecutor(1, thread_name_prefix="driftwatch-snapshot") as pool:
                second = pool.submit(_second_connection, dsn, opts, exported["id"], major, params)
                for kind in QUERY_KINDS:
                    if kind in SECOND_CONNECTION_KINDS:
                        assembler.add(kind, second.result()[kind])
                    else:
                        with _streamed(conn, kind, major, params) as rows:
                            assembler.add(kind, rows)
        elif can_pipeline():
            piped = [k for k in QUERY_KINDS if k not in LOCKING_KINDS]
            queries = {kind: query(kind, major) for kind in piped}
            with _pipelined(conn, queries, params) as pipe:
                for kind in piped:
                    assembler.add(kind, pipe.rows(kind))
            for kind in QUERY_KINDS[len(piped) :]:
                with _streamed(conn, kind, major, params) as rows:
                    assembler.add(kind, rows)
        else:
            for kind in QUERY_KINDS:
                with _streamed(conn, kind, major, params) as rows:
                    assembler.add(kind, rows)
        sent += len(QUERY_KINDS) + 1
        sent += assembler.exprs.resolve(_runner(cur, major))

        def finish() -> tuple[str, bool]:
            # Without parallel workers: the client keeps a core busy meanwhile, and a
            # worker would take turns with it on a 2-core machine (0.09 s slower at 10,000
            # tables) rather than finish sooner.
            cur.execute("set local max_parallel_workers_per_gather = 0")
            fingerprint = meta.catalog_fingerprint or _fingerprint(cur)
            return fingerprint, _changed_during_snapshot(conn, cur, params)

        # The server reads the fingerprint and checks for DDL committed meanwhile while the
        # client assembles and hashes the tree.
        sent += 1
        with ThreadPoolExecutor(1, thread_name_prefix="driftwatch-finish") as pool:
            finished = pool.submit(finish)
            data = assembler.result()
            digest = hasher(data)
            fingerprint, changed = finished.result()
        if changed:
            raise _ConcurrentDDL("the schema changed while the snapshot was taken")
        meta = replace(meta, catalog_fingerprint=fingerprint)
        if stats is not None:
            stats.update(queries=sent, reused=0)
        if observer is not None:
            observer(cur)
    return model.Snapshot(meta, digest=digest, data=data)
