"""The snapshot's session: one connection (``application_name=driftwatch``), one
``REPEATABLE READ READ ONLY`` transaction with fixed output settings and time limits, the
translation of PostgreSQL's failures into driftwatch's errors, and the retry of a
snapshot that DDL committed meanwhile made inconsistent."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TypeVar

import psycopg
from psycopg import errors as pgerrors
from psycopg.rows import DictRow, TupleRow

from driftwatch.dsn import describe, redact
from driftwatch.errors import IntrospectionError, TargetUnreachable
from driftwatch.introspect.options import SnapshotOptions
from driftwatch.introspect.queries import query

Connection = psycopg.Connection[TupleRow]
Params = Mapping[str, object]  # a query's named parameters
T = TypeVar("T")


@contextmanager
def connect(dsn: str, *, connect_timeout_s: int = 10) -> Iterator[Connection]:
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


SETTINGS_SQL = (
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


def begin(conn: Connection) -> None:
    """The next transaction on ``conn`` is the snapshot's: REPEATABLE READ, read-only."""
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    conn.read_only = True


def apply_settings(cur: psycopg.Cursor[DictRow], opts: SnapshotOptions) -> None:
    """``SETTINGS_SQL``, inside the transaction (every setting is local to it)."""
    cur.execute(SETTINGS_SQL, (str(opts.statement_timeout_ms), str(opts.lock_timeout_ms)))


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


class ConcurrentDDL(Exception):
    """The schema changed while the snapshot was read: try again."""


def retrying(dsn: str, attempt: Callable[[], T]) -> T:
    """``attempt()`` until it does not raise ``ConcurrentDDL``, at most SNAPSHOT_ATTEMPTS times."""
    for n in range(1, SNAPSHOT_ATTEMPTS + 1):
        try:
            return attempt()
        except ConcurrentDDL as exc:
            if n == SNAPSHOT_ATTEMPTS:
                raise IntrospectionError(
                    f"catalog query failed on {describe(dsn)}: {exc} (the schema changed during "
                    f"each of {SNAPSHOT_ATTEMPTS} attempts; retry when the DDL is over)"
                ) from None
    raise AssertionError("unreachable")


@contextmanager
def translated_errors(dsn: str, opts: SnapshotOptions) -> Iterator[None]:
    """PostgreSQL's failures as driftwatch's one-line errors (``ConcurrentDDL`` for what a
    retry can fix)."""
    try:
        yield
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
            f"lost connection to {describe(dsn)} during snapshot: {redact(first_line(exc))}"
        ) from None
    except psycopg.Error as exc:
        text = redact(first_line(exc))
        if exc.sqlstate in _CONCURRENT_DDL_STATES and any(
            t in text.lower() for t in _CONCURRENT_DDL_TEXT
        ):
            raise ConcurrentDDL(text) from None
        raise IntrospectionError(f"catalog query failed on {describe(dsn)}: {text}") from None


def changed_during_snapshot(conn: Connection, cur: psycopg.Cursor[DictRow], params: Params) -> bool:
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


def fingerprint(cur: psycopg.Cursor[DictRow]) -> str:
    """The catalog fingerprint (sql/fingerprint.sql) in the snapshot's transaction."""
    cur.execute(query("fingerprint"))
    row = cur.fetchone()
    assert row is not None
    return str(row["fingerprint"])


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
