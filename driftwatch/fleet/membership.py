"""Which replicas are alive, and which of them a target prefers (rendezvous hashing).

Each replica upserts its row in ``fleet_members`` every ``heartbeat_s`` and reads the rows
seen within ``ttl_s``. A target prefers the live replica with the highest
``sha256(target, holder)``: the preferred replica runs the target at each of its ticks, the
others only once ``interval + slack`` has passed since the last run (``coordinator``), so with
N replicas the targets spread over them (and stay put) instead of all going to whichever
replica ticks first. A replica that stops
heartbeating drops out of the list after ``ttl_s``; until then its targets are picked up by
the others at their late threshold, so none is skipped. Leaving cleanly deletes the row.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from driftwatch.fleet.lease import LeaseManager, metadata

members = sa.Table(
    "fleet_members",
    metadata,
    sa.Column("holder", sa.String(200), primary_key=True),
    sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
)


def preferred_holder(target: str, holders: Sequence[str]) -> str | None:
    """The holder ``target`` prefers among ``holders`` (highest rendezvous hash)."""
    if not holders:
        return None
    return max(holders, key=lambda h: hashlib.sha256(f"{target}\0{h}".encode()).digest())


class Membership:
    def __init__(self, manager: LeaseManager, *, heartbeat_s: float = 1.0, ttl_s: float = 4.0):
        self.manager = manager
        self.heartbeat_s = heartbeat_s
        self.ttl_s = ttl_s
        self._live: tuple[str, ...] = ()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def live(self) -> tuple[str, ...]:
        with self._lock:
            return self._live

    def prefers_me(self, target: str) -> bool:
        return preferred_holder(target, self.live) == self.manager.holder

    def beat(self) -> tuple[str, ...]:
        """Refresh this replica's row and the list of live replicas; returns the list."""
        self.manager.setup()
        with (
            self.manager._errors("record the replica heartbeat"),
            self.manager.engine.begin() as conn,
        ):
            stmt = insert(members).values(holder=self.manager.holder, last_seen=sa.func.now())
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["holder"], set_={"last_seen": stmt.excluded.last_seen}
                )
            )
            cutoff = sa.func.now() - sa.text(f"interval '{float(self.ttl_s)} seconds'")
            rows = conn.execute(
                sa.select(members.c.holder)
                .where(members.c.last_seen > cutoff)
                .order_by(members.c.holder)
            ).all()
        live = tuple(r[0] for r in rows)
        with self._lock:
            self._live = live
        return live

    def start(self) -> None:
        self.beat()
        self._thread = threading.Thread(target=self._loop, name="driftwatch-fleet", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.heartbeat_s):
            try:
                self.beat()
            except Exception:  # the store is down: keep the last list; leases will fail too
                continue

    def stop(self) -> None:
        """Stop heartbeating and leave the list (the others take over at once)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        try:
            with self.manager.engine.begin() as conn:
                conn.execute(members.delete().where(members.c.holder == self.manager.holder))
        except sa.exc.SQLAlchemyError:
            pass
