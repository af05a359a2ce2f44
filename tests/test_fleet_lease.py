"""Per-target leases and replica membership on the real PostgreSQL store database."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from conftest import PgServer

from driftwatch.config import load as configload
from driftwatch.errors import ConfigError
from driftwatch.fleet import LeaseManager
from driftwatch.fleet.coordinator import Coordinator, slack_for
from driftwatch.fleet.membership import Membership, preferred_holder
from driftwatch.schedule import parse_schedule
from driftwatch.service.state import ResultsRegistry
from driftwatch.worker import RunOutcome


def _url(pg: PgServer, db: str) -> str:
    p = psycopg.conninfo.conninfo_to_dict(pg.admin_dsn)
    user = p.get("user") or "postgres"
    auth = f"{user}:{p['password']}" if p.get("password") else user
    return f"postgresql://{auth}@{p.get('host') or '127.0.0.1'}:{p.get('port') or 5432}/{db}"


@pytest.fixture
def store_url(pg: PgServer) -> Iterator[str]:
    name = pg.create_db("dw_lease")
    try:
        yield _url(pg, name)
    finally:
        pg.drop_db(name)


@pytest.fixture
def managers(store_url: str) -> Iterator[tuple[LeaseManager, LeaseManager]]:
    a = LeaseManager(store_url, holder="a", lease_timeout_s=60)
    b = LeaseManager(store_url, holder="b", lease_timeout_s=60)
    try:
        yield a, b
    finally:
        a.close()
        b.close()


def test_one_run_per_interval_and_exclusive_while_running(
    managers: tuple[LeaseManager, LeaseManager],
) -> None:
    a, b = managers
    with a.acquire("t1", due_after_s=1.0) as got:
        assert got is not None
        lease, _run = got
        assert (lease.target, lease.holder, lease.previous) == ("t1", "a", None)
        # while a runs it, b cannot take it, even with no interval at all
        with b.acquire("t1", due_after_s=0) as other:
            assert other is None
        # other targets are independent
        with b.acquire("t2", due_after_s=1.0) as other:
            assert other is not None
    # finished: not due again within the interval, for anyone
    with b.acquire("t1", due_after_s=1.0) as got:
        assert got is None
    with a.acquire("t1", due_after_s=1.0) as got:
        assert got is None
    time.sleep(1.05)
    with b.acquire("t1", due_after_s=1.0) as got:
        assert got is not None
        assert got[0].previous == lease.started
        got[1].ok = False
    with psycopg.connect(a.url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        row = conn.execute(
            "select holder, runs, last_ok, last_finished >= last_started from fleet_leases"
            " where target = 't1'"
        ).fetchone()
    assert row == ("b", 2, False, True)


def test_a_run_that_raises_leaves_the_target_due(
    managers: tuple[LeaseManager, LeaseManager],
) -> None:
    a, b = managers
    with pytest.raises(RuntimeError), a.acquire("t", due_after_s=60) as got:
        assert got is not None
        raise RuntimeError("boom")
    with b.acquire("t", due_after_s=60) as got:
        assert got is not None  # nothing was committed: b may run it at once


HOLDER = """
import sys, time
from driftwatch.fleet import LeaseManager
m = LeaseManager(sys.argv[1], holder="doomed", lease_timeout_s=float(sys.argv[2]))
with m.acquire("victim", due_after_s=0) as got:
    assert got is not None
    print("held", flush=True)
    time.sleep(60)
"""


def _holder_process(store_url: str, timeout_s: float) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, store_url, str(timeout_s)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_a_killed_holder_loses_its_lease_at_once(store_url: str) -> None:
    m = LeaseManager(store_url, holder="survivor")
    try:
        m.setup()
        proc = _holder_process(store_url, 600)
        try:
            with m.acquire("victim", due_after_s=0) as got:
                assert got is None  # held by the other process
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            # the server notices the closed connection and rolls the claim back
            deadline = time.monotonic() + 5
            while True:
                with m.acquire("victim", due_after_s=3600) as got:
                    if got is not None:
                        assert got[0].previous is None  # the dead run never counted
                        break
                assert time.monotonic() < deadline
                time.sleep(0.05)
        finally:
            proc.kill()
            proc.wait()
    finally:
        m.close()


def test_a_stuck_holder_loses_its_lease_after_lease_timeout(store_url: str) -> None:
    m = LeaseManager(store_url, holder="survivor")
    try:
        m.setup()
        proc = _holder_process(store_url, 1.0)  # stuck in its run for 60s
        try:
            with m.acquire("victim", due_after_s=0) as got:
                assert got is None
            time.sleep(1.6)
            with m.acquire("victim", due_after_s=3600) as got:
                assert got is not None
        finally:
            proc.kill()
            proc.wait()
    finally:
        m.close()


def test_concurrent_replicas_run_a_target_once(store_url: str) -> None:
    """8 threads × 3 managers race for 10 targets: each target is won exactly once."""
    ms = [LeaseManager(store_url, holder=f"r{i}") for i in range(3)]
    wins: list[tuple[str, str]] = []
    lock = threading.Lock()

    def race(m: LeaseManager, target: str) -> None:
        with m.acquire(target, due_after_s=60) as got:
            if got is not None:
                time.sleep(0.02)
                with lock:
                    wins.append((target, m.holder))

    try:
        for m in ms:
            m.setup()
        threads = [threading.Thread(target=race, args=(m, f"t{k}")) for k in range(10) for m in ms]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for m in ms:
            m.close()
    assert sorted(t for t, _ in wins) == sorted(f"t{k}" for k in range(10))


def test_membership_and_preference(store_url: str) -> None:
    a = LeaseManager(store_url, holder="a")
    b = LeaseManager(store_url, holder="b")
    ma, mb = Membership(a, ttl_s=2), Membership(b, ttl_s=2)
    try:
        ma.beat()
        assert mb.beat() == ("a", "b")
        assert ma.beat() == ("a", "b")
        targets = [f"tenant-{i}" for i in range(40)]
        mine_a = {t for t in targets if ma.prefers_me(t)}
        mine_b = {t for t in targets if mb.prefers_me(t)}
        assert mine_a.isdisjoint(mine_b) and mine_a | mine_b == set(targets)
        assert 10 <= len(mine_a) <= 30  # spread, not all on one replica
        # stable: the same preference for the same set, whatever the order
        assert all(
            preferred_holder(t, ["b", "a"]) == preferred_holder(t, ["a", "b"]) for t in targets
        )
        mb.stop()  # leaving deletes b's row
        assert ma.beat() == ("a",)
        assert all(ma.prefers_me(t) for t in targets)
        mb.beat()
        time.sleep(0.7)
        assert Membership(a, ttl_s=0.5).beat() == ("a",)  # b not seen within the ttl
    finally:
        a.close()
        b.close()


class _Worker:
    """What the coordinator calls: a name and a run() (the real Worker is tested elsewhere)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.runs = 0

    def run(self) -> RunOutcome:
        self.runs += 1
        return RunOutcome(self.name, ok=True)


def test_preferred_replica_keeps_its_ticks_others_cover_only_when_it_is_overdue(
    store_url: str,
) -> None:
    """Interval 4 s, no jitter: slack 0.4 s. The preferred replica runs the target at each of
    its ticks, at least half an interval after any run; another replica runs it only once
    interval + slack has passed since the last run started."""
    managers = [LeaseManager(store_url, holder=h) for h in ("a", "b")]
    members = [Membership(m) for m in managers]
    try:
        for m in members:
            m.beat()
        assert members[1].beat() == ("a", "b")
        target = next(f"t{i}" for i in range(50) if preferred_holder(f"t{i}", ["a", "b"]) == "a")
        schedules = {target: parse_schedule("every 4s")}
        log = logging.getLogger("test.fleet")
        pref, other = (
            Coordinator(m, ms, schedules, jitter_max_s=0, results=ResultsRegistry(), log=log)
            for m, ms in zip(managers, members, strict=True)
        )
        w = _Worker(target)
        assert pref.run(w) is not None  # first run
        assert other.run(w) is None  # the other replica: not overdue
        assert pref.run(w) is None  # its own run is less than half an interval old
        time.sleep(2.05)
        # a late start 2 s after the previous one (e.g. the tick before was itself late):
        # the preferred replica still runs it, instead of waiting for one more tick
        assert pref.run(w) is not None
        time.sleep(2.05)
        assert other.run(w) is None  # 2 s < interval + slack
        time.sleep(2.4)
        # 4.45 s since the last start: the preferred replica is overdue, another covers
        assert other.run(w) is not None
        assert pref.run(w) is None  # and it does not run it again at once
        time.sleep(2.05)
        assert pref.run(w) is not None  # but at its next tick (half an interval later)
        assert w.runs == 4
    finally:
        for m in managers:
            m.close()


def test_fleet_needs_a_postgresql_store(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="shared PostgreSQL store"):
        LeaseManager(f"sqlite:///{tmp_path / 'x.db'}")
    cfg = configload.from_dict({"state_dir": str(tmp_path), "fleet": {"enabled": True}})
    from driftwatch.fleet import coordinator_for

    with pytest.raises(ConfigError, match="shared PostgreSQL store"):
        coordinator_for(cfg, {}, jitter_max_s=1, results=None, log=None)  # type: ignore[arg-type]


def test_slack() -> None:
    assert slack_for(900, 30) == pytest.approx(120)  # 15m interval: 30s jitter + 90s
    assert slack_for(2, 0.2) == pytest.approx(0.4)
    assert slack_for(10, 30) == 5  # never more than half the interval
