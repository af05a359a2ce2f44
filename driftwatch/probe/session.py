"""The probe's database session: one connection, transactions that can only roll back.

Every statement goes through :func:`execute`, which asserts that a transaction opened by
:func:`rolled_back` is in progress and that the statement is not transaction control
(COMMIT/END/ROLLBACK/BEGIN/…): psycopg's ``conn.transaction(force_rollback=True)`` emits
the only BEGIN, SAVEPOINT and ROLLBACK statements, so nothing the probe does can commit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import pq

from driftwatch.dsn import describe, redact
from driftwatch.errors import TargetUnreachable

APPLICATION_NAME = "driftwatch-probe"
_TXN_CONTROL = re.compile(
    r"^\s*(COMMIT|END|ROLLBACK|ABORT|BEGIN|START|PREPARE|SAVEPOINT|RELEASE|CALL)\b", re.I
)


def connect(dsn: str, connect_timeout: int = 10) -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(
            dsn,
            autocommit=True,
            application_name=APPLICATION_NAME,
            connect_timeout=connect_timeout,
        )
    except psycopg.Error as exc:
        first = (str(exc).strip().splitlines() or ["connection failed"])[0]
        raise TargetUnreachable(f"cannot connect to {describe(dsn)}: {redact(first)}") from None


def execute(conn: psycopg.Connection[Any], stmt: str, params: Any = None) -> psycopg.Cursor[Any]:
    assert not _TXN_CONTROL.match(stmt), f"probe refuses transaction control: {stmt[:40]!r}"
    assert conn.info.transaction_status != pq.TransactionStatus.IDLE, (
        "probe statements run only inside a rolled-back transaction"
    )
    return conn.execute(stmt, params)


@contextmanager
def rolled_back(conn: psycopg.Connection[Any]) -> Iterator[None]:
    """A transaction (or, nested, a savepoint) that always ends in ROLLBACK."""
    with conn.transaction(force_rollback=True):
        yield
    if conn.info.transaction_status == pq.TransactionStatus.IDLE:
        return
    # Nested: still inside the outer transaction, which must still be open.
    assert conn.info.transaction_status == pq.TransactionStatus.INTRANS


@contextmanager
def savepoint(conn: psycopg.Connection[Any]) -> Iterator[None]:
    """A savepoint kept on success (fixture rows), rolled back on error."""
    assert conn.info.transaction_status != pq.TransactionStatus.IDLE
    with conn.transaction():
        yield


def assert_idle(conn: psycopg.Connection[Any]) -> None:
    """After a table: no transaction left open, so no lock held."""
    assert conn.info.transaction_status == pq.TransactionStatus.IDLE, (
        "probe left a transaction open"
    )
