"""Run the catalog queries of a ``queries.PLAN`` and hand each one's rows to a consumer as
they arrive.

Streamed queries are sent together in libpq pipeline mode: the server runs each next query
as soon as the previous one's rows are on the wire, so it works while the client is still
turning rows into the tree instead of idling between queries. Rows are read a chunk at a
time (chunked rows mode, libpq 17+), each chunk turned into rows by one call of psycopg's
row loader, so no query's whole result sits in memory. Without libpq 17 each query streams
on its own (``Cursor.stream``). Savepoint queries run alone in a rolled-back savepoint.

A stream holds the connection's lock between rows: a consumer that stops half-way (an
error, Ctrl-C) has the running query cancelled and what is left of it read, so the
connection is idle again and the transaction can roll back.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import contextmanager

import psycopg
from psycopg import errors as pgerrors
from psycopg.rows import DictRow, RowMaker, TupleRow, dict_row, tuple_row

from driftwatch.errors import IntrospectionError
from driftwatch.introspect.queries import Query, query
from driftwatch.introspect.session import Connection, Params

# One query's rows: tuples or dicts as its ``Query.row`` declares (the consumer unpacks
# them with that declaration's types).
Row = TupleRow | DictRow
Rows = Iterable[Row]
Cursor = psycopg.Cursor[TupleRow] | psycopg.Cursor[DictRow]
Consumer = Callable[[Query, Rows], None]

# Chunked rows need libpq 17+ (the psycopg[binary] wheel bundles a newer one); an older
# system libpq streams one row at a time (Cursor.stream).
STREAM_CHUNK = 256 if psycopg.pq.version() >= 170000 else 1


def can_pipeline() -> bool:
    """Chunked rows inside a pipeline need libpq 17+."""
    return (
        STREAM_CHUNK > 1
        and psycopg.capabilities.has_pipeline()
        and psycopg.capabilities.has_stream_chunked()
    )


def run_plan(
    conn: Connection, plan: Sequence[Query], major: int, params: Params, consume: Consumer
) -> None:
    """Every query of ``plan``, in order; ``consume(q, rows)`` reads each one's rows before
    the next query's are read. Consecutive streamed queries share one pipeline."""
    piped = can_pipeline()
    for pipelined, group in itertools.groupby(plan, lambda q: piped and q.phase == "stream"):
        batch = list(group)
        if pipelined:
            with _pipelined(conn, {q: query(q.kind, major) for q in batch}, params) as pipe:
                for q in batch:
                    consume(q, pipe.rows(q))
            continue
        for q in batch:
            with _streamed(conn, q, major, params) as rows:
                consume(q, rows)


def _check_fields(names: tuple[str, ...], q: Query) -> None:
    """Rows are read by the declared fields: the query must return exactly those columns."""
    if names != q.fields:
        raise IntrospectionError(f"the {q.kind} query returned {names}, expected {q.fields}")


def _names(cur: Cursor) -> tuple[str, ...]:
    return tuple(c.name for c in cur.description or ())


def _cursor(conn: Connection, q: Query) -> Cursor:
    if q.tuples:
        return conn.cursor(row_factory=tuple_row)
    return conn.cursor(row_factory=dict_row)


@contextmanager
def _streamed(conn: Connection, q: Query, major: int, params: Params) -> Iterator[Rows]:
    """One query's rows outside a pipeline: in a rolled-back savepoint, fetched whole
    (savepoint queries), else as they arrive, a chunk at a time."""
    with _cursor(conn, q) as cur:
        if q.phase == "savepoint":
            # Locks taken in a subtransaction are released when it rolls back, so they
            # last for this one query, not the whole snapshot; the REPEATABLE READ
            # snapshot is the top-level one and does not change.
            with conn.transaction(force_rollback=True):
                cur.execute(query(q.kind, major), params)
                _check_fields(_names(cur), q)
                yield cur.fetchall()
            return
        stream: Generator[object, None, None]
        if STREAM_CHUNK > 1:
            stream = _chunks(conn, q, query(q.kind, major), params)
            rows: Rows = itertools.chain.from_iterable(stream)
        else:
            rows = stream = _checked(cur, q, cur.stream(query(q.kind, major), params))
        try:
            yield rows
        finally:
            stream.close()


def _checked(cur: Cursor, q: Query, rows: Iterator[Row]) -> Generator[Row, None, None]:
    try:
        for i, row in enumerate(rows):
            if i == 0:
                _check_fields(_names(cur), q)
            yield row
    finally:
        close = getattr(rows, "close", None)  # stops the query if we stop early (_streamed)
        if close is not None:
            close()


def _result_chunks(conn: Connection, q: Query) -> Iterator[list[Row]]:
    """The rows of the query whose results come next on ``conn`` (chunked rows mode
    already selected), a chunk at a time, each chunk turned into rows in one call of
    psycopg's row loader (``Cursor.stream`` does it row by row through a Python loop, see
    bench/README.md). The column names are checked against ``q``. A server error is raised
    as psycopg's."""
    pgconn = conn.pgconn
    tx = psycopg.adapt.Transformer(conn)
    make_row: RowMaker[Row] = tuple
    first = True
    while (res := conn.wait(psycopg.generators.fetch(pgconn))) is not None:
        status = res.status
        if status == psycopg.pq.ExecStatus.TUPLES_CHUNK:
            tx.set_pgresult(res, set_loaders=first)
            if first:
                names = tuple(res.fname(i).decode() for i in range(res.nfields))
                _check_fields(names, q)
                if not q.tuples:
                    make_row = functools.partial(_as_dict, names)
                first = False
            yield tx.load_rows(0, res.ntuples, make_row)
        elif status != psycopg.pq.ExecStatus.TUPLES_OK:
            raise pgerrors.error_from_result(res, encoding=conn.info.encoding)


def _as_dict(names: tuple[str, ...], values: Sequence[object]) -> dict[str, object]:
    return dict(zip(names, values, strict=True))


def _send(conn: Connection, sql: str, params: Params) -> None:
    """Queue one query, its parameters bound as literals (as psycopg's ClientCursor does)."""
    query_text = psycopg.ClientCursor(conn).mogrify(sql, params)
    conn.pgconn.send_query_params(query_text.encode(), None)


def _chunks(
    conn: Connection, q: Query, sql: str, params: Params
) -> Generator[list[Row], None, None]:
    """One query's rows in chunks (``_result_chunks``), outside a pipeline."""
    pgconn = conn.pgconn
    with conn.lock:
        finished = False
        try:
            _send(conn, sql, params)
            pgconn.set_chunked_rows_mode(STREAM_CHUNK)
            conn.wait(psycopg.generators.send(pgconn))
            yield from _result_chunks(conn, q)
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


class _Pipeline:
    """Queries sent at once in pipeline mode; ``rows(q)`` reads each one's rows, in the
    order they were sent (see ``_pipelined``)."""

    def __init__(self, conn: Connection, sent: Sequence[Query]) -> None:
        self.conn = conn
        self.pending = list(sent)
        self.synced = False  # the sync point that ends the pipeline has been sent
        self.streaming = False  # a query's rows are being read

    def rows(self, q: Query) -> Rows:
        if not self.pending or self.pending[0] != q:
            pending = [p.kind for p in self.pending]
            raise ValueError(f"pipelined query {q.kind!r} read out of order ({pending})")
        self.pending.pop(0)
        return itertools.chain.from_iterable(self._chunks(q))

    def _chunks(self, q: Query) -> Iterator[list[Row]]:
        self.conn.pgconn.set_chunked_rows_mode(STREAM_CHUNK)
        self.streaming = True
        yield from _result_chunks(self.conn, q)
        self.streaming = False


@contextmanager
def _pipelined(conn: Connection, queries: dict[Query, str], params: Params) -> Iterator[_Pipeline]:
    """Send ``queries`` (query → SQL) in one pipeline; the caller reads every one's rows in
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
                raise ValueError(f"pipelined queries not read: {[q.kind for q in pipe.pending]}")
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
