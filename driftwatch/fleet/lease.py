"""Per-target leases in the PostgreSQL history store.

One row per target in ``fleet_leases``. Taking a lease opens a transaction on the store and
locks the target's row with ``SELECT … FOR UPDATE SKIP LOCKED``; the lock is held for the
whole run and the row's ``last_started`` is committed only when the run ends:

- another replica that ticks while the run goes on cannot lock the row and skips the target;
- a replica that ticks after the run but within the same interval sees ``last_started`` too
  recent (``now() < last_started + due_after``, store clock) and skips it (the coordinator
  picks ``due_after``: half an interval for the target's preferred replica, interval + slack
  for the others, see ``coordinator``);
- a replica that dies mid-run drops its connection: PostgreSQL rolls the transaction back,
  the row lock goes and ``last_started`` still holds the previous run, so the next replica
  to tick picks the target up;
- a run that hangs is cut off by ``idle_in_transaction_session_timeout`` (``lease_timeout``),
  which ends the lease session on the server.

A row lock (rather than ``pg_try_advisory_xact_lock`` on a hash of the name) cannot collide
between two targets, and the table shows who ran what last. The application name of a lease
session is ``driftwatch-lease <holder> <target>`` (``pg_stat_activity``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url

from driftwatch.dsn import redact
from driftwatch.errors import ConfigError, StoreError

_SETUP_LOCK = 0x64776C73  # "dwls": advisory lock id serialising the table's creation

metadata = sa.MetaData()
leases = sa.Table(
    "fleet_leases",
    metadata,
    sa.Column("target", sa.String(200), primary_key=True),
    sa.Column("holder", sa.String(200)),
    sa.Column("last_started", sa.DateTime(timezone=True)),
    sa.Column("last_finished", sa.DateTime(timezone=True)),
    sa.Column("last_ok", sa.Boolean),
    sa.Column("runs", sa.BigInteger, nullable=False, server_default="0"),
)


def default_holder() -> str:
    """``$DRIFTWATCH_FLEET_HOLDER``, else ``<hostname>:<pid>`` (hostname = pod name in Kubernetes)."""
    return (os.environ.get("DRIFTWATCH_FLEET_HOLDER") or f"{socket.gethostname()}:{os.getpid()}")[
        :200
    ]


@dataclass(frozen=True)
class Lease:
    target: str
    holder: str
    started: dt.datetime  # store clock
    previous: dt.datetime | None  # last_started of the previous run, if any


class _Run:
    """What the body of ``LeaseManager.acquire`` reports back: did the run succeed."""

    def __init__(self) -> None:
        self.ok = True


class LeaseManager:
    def __init__(
        self,
        store_url: str,
        *,
        holder: str | None = None,
        lease_timeout_s: float = 1800.0,
        pool_size: int = 8,
    ) -> None:
        from driftwatch.store import normalize_url

        self.url = normalize_url(store_url)
        try:
            backend = make_url(self.url).get_backend_name()
        except sa.exc.ArgumentError:
            raise ConfigError(f"invalid store URL {redact(store_url)!r}") from None
        if backend != "postgresql":
            raise ConfigError(
                "fleet.enabled needs a shared PostgreSQL store: set store_url to postgresql://…"
            )
        self.holder = holder or default_holder()
        self.lease_timeout_ms = max(1000, int(lease_timeout_s * 1000))
        self.engine: Engine = sa.create_engine(
            self.url,
            pool_size=pool_size,
            max_overflow=2,
            pool_pre_ping=True,
            connect_args={
                "connect_timeout": 10,
                "application_name": f"driftwatch-lease {self.holder}"[:63],
                # a replica cut off from the store loses its leases when the server notices
                "keepalives": 1,
                "keepalives_idle": 30,
                "keepalives_interval": 10,
                "keepalives_count": 3,
            },
        )
        self._ready = False

    def _where(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    @contextlib.contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        try:
            yield
        except sa.exc.SQLAlchemyError as exc:
            detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
            first = detail[0] if detail else type(exc).__name__
            raise StoreError(
                f"fleet lease store ({redact(self._where())}): cannot {action}: {redact(first)}"
            ) from None

    def setup(self) -> None:
        if self._ready:
            return
        with self._errors("create the lease table"), self.engine.begin() as conn:
            conn.execute(sa.text("select pg_advisory_xact_lock(:k)"), {"k": _SETUP_LOCK})
            metadata.create_all(conn, checkfirst=True)
        self._ready = True

    @contextlib.contextmanager
    def acquire(self, target: str, *, due_after_s: float) -> Iterator[tuple[Lease, _Run] | None]:
        """Yield ``(lease, run)`` if this replica should run ``target`` now, else ``None``.

        Due when the previous run started at least ``due_after_s`` ago (store clock).
        Set ``run.ok`` before leaving the block; the lease is committed on a normal exit and
        rolled back (the target stays due) if the block raises.
        """
        self.setup()
        due_after = dt.timedelta(seconds=max(0.0, due_after_s))
        with self._errors("take a lease"):
            conn = self.engine.connect()
        try:
            with self._errors("take a lease"):
                self._ensure_row(conn, target)
                tx = conn.begin()
                lease = self._claim(conn, target, due_after)
            if lease is None:
                with self._errors("release a lease"):
                    tx.rollback()
                yield None
                return
            run = _Run()
            try:
                yield lease, run
            except BaseException:
                with contextlib.suppress(sa.exc.SQLAlchemyError):
                    tx.rollback()
                raise
            with self._errors("complete a lease"):
                conn.execute(
                    leases.update()
                    .where(leases.c.target == target)
                    .values(
                        last_finished=sa.func.clock_timestamp(),
                        last_ok=run.ok,
                        runs=leases.c.runs + 1,
                    )
                )
                tx.commit()
        finally:
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                conn.close()

    def _ensure_row(self, conn: Connection, target: str) -> None:
        from sqlalchemy.dialects.postgresql import insert

        # A plain read never waits; INSERT … ON CONFLICT would wait for a running lease.
        exists = conn.execute(sa.select(leases.c.target).where(leases.c.target == target)).first()
        if exists is None:
            conn.execute(insert(leases).values(target=target).on_conflict_do_nothing())
        conn.commit()

    def _claim(
        self,
        conn: Connection,
        target: str,
        due_after: dt.timedelta,
    ) -> Lease | None:
        conn.execute(
            sa.select(
                sa.func.set_config(
                    "idle_in_transaction_session_timeout", str(self.lease_timeout_ms), True
                ),
                sa.func.set_config(
                    "application_name", f"driftwatch-lease {self.holder} {target}"[:63], True
                ),
            )
        )
        row = conn.execute(
            sa.select(leases.c.last_started, sa.func.now().label("now"))
            .where(leases.c.target == target)
            .with_for_update(skip_locked=True)
        ).first()
        if row is None:  # another replica is running it right now
            return None
        previous = row.last_started
        if previous is not None and row.now < previous + due_after:
            return None  # already run in this interval
        conn.execute(
            leases.update()
            .where(leases.c.target == target)
            .values(holder=self.holder, last_started=sa.func.now())
        )
        return Lease(target=target, holder=self.holder, started=row.now, previous=previous)

    def close(self) -> None:
        self.engine.dispose()
