"""Faults during a snapshot, each against a throwaway PostgreSQL cluster this module starts.

The shared server is never restarted: every test here uses ``cluster`` (system binaries,
own port, own data dir), which the module stops and deletes at the end.

Cases: server restarted mid-snapshot (library and CLI: clean exit 3, no partial file,
next run succeeds); ACCESS EXCLUSIVE lock held elsewhere (snapshot completes, or stops at
``lock_timeout`` when a view reads the locked table); ALTER TABLE during a snapshot is not
blocked beyond one query; DDL committed during a snapshot is all-in or all-out;
``statement_timeout`` reached; ``kill -9`` of ``driftwatch snapshot -o`` mid-write.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from conftest import REPO, generated_schema

from driftwatch import model
from driftwatch import snapshot as snapmod
from driftwatch.errors import IntrospectionError, TargetUnreachable
from driftwatch.introspect import SnapshotOptions, driver, queries, take_snapshot
from driftwatch.pgserver import LocalCluster, ServerUnavailable, find_local_bindir, wait_ready

BIG_TABLES = 1000  # incl. organizations; ~1 s snapshot: wide enough to hit mid-flight
BIG_VIEWS = 60  # views over orders_t00016, orders_t00032, ...


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    bindir = find_local_bindir()
    if bindir is None:
        pytest.skip("no PostgreSQL binaries for a throwaway cluster")
    try:
        c = LocalCluster(bindir)
    except ServerUnavailable as exc:
        pytest.skip(str(exc))
    try:
        yield c
    finally:
        c.stop()


def _sql(dsn: str, sql: str) -> None:
    # The cluster runs with synchronous_commit=off, and the restart tests stop it with
    # ``-m immediate``: a commit still in the WAL buffers would be lost (seen in CI: the
    # last 100-table batch of the big schema vanished). Commits made here wait for the WAL.
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("set synchronous_commit = on")
        conn.execute(sql)  # type: ignore[arg-type]


def _create_db(cluster: LocalCluster, name: str, sql: str = "") -> str:
    _sql(cluster.dsn(), f'drop database if exists "{name}" with (force)')
    _sql(cluster.dsn(), f'create database "{name}"')
    dsn = cluster.dsn(name)
    if sql:
        _sql(dsn, sql)
    return dsn


@pytest.fixture(scope="module")
def big_dsn(cluster: LocalCluster) -> str:
    gen = generated_schema(BIG_TABLES)
    views = "\n".join(
        f"create view public.v{i:04d} as select * from public.orders_t{i * 16:05d};"
        for i in range(1, BIG_VIEWS + 1)
    )
    return _create_db(cluster, "big", gen + views)


def _restart_immediate(cluster: LocalCluster) -> None:
    cluster._run(["pg_ctl", "-D", str(cluster.data), "-m", "immediate", "-w", "stop"])
    cluster.start()
    wait_ready(cluster.dsn())


def _when_snapshot_active(dsn: str, action: Callable[[], None], timeout_s: float = 30) -> Any:
    """Run ``action`` in a thread as soon as a driftwatch catalog query is running on ``dsn``."""
    done: dict[str, Any] = {}

    def watch() -> None:
        deadline = time.monotonic() + timeout_s
        with psycopg.connect(dsn, autocommit=True) as conn:
            while time.monotonic() < deadline:
                row = conn.execute(
                    "select count(*) from pg_stat_activity where application_name = 'driftwatch'"
                    " and state = 'active' and query not like 'select set_config%%'"
                ).fetchone()
                if row and row[0]:
                    break
                time.sleep(0.01)
            else:
                done["error"] = "no active snapshot seen"
                return
        done["at"] = time.monotonic()
        action()

    t = threading.Thread(target=watch, daemon=True)
    t.start()
    done["thread"] = t
    return done


# --------------------------------------------------------------------------- restart


def test_restart_mid_snapshot_is_clean_error_then_next_succeeds(
    cluster: LocalCluster, big_dsn: str
) -> None:
    watcher = _when_snapshot_active(big_dsn, lambda: _restart_immediate(cluster))
    with pytest.raises((TargetUnreachable, IntrospectionError)) as err:
        take_snapshot(big_dsn)
    watcher["thread"].join(60)
    assert "error" not in watcher, watcher.get("error")
    msg = str(err.value)
    assert "\n" not in msg and "127.0.0.1" in msg
    assert isinstance(err.value, TargetUnreachable), msg  # lost connection → exit 3
    wait_ready(big_dsn)
    snap = take_snapshot(big_dsn)
    assert len(snap.objects.tables) == BIG_TABLES


def test_cli_restart_mid_snapshot_leaves_old_file(
    cluster: LocalCluster, big_dsn: str, tmp_path: Path
) -> None:
    out = tmp_path / "snap.json"
    out.write_bytes(b"old contents\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "driftwatch", "snapshot", "--dsn", big_dsn, "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    watcher = _when_snapshot_active(big_dsn, lambda: _restart_immediate(cluster))
    _, stderr = proc.communicate(timeout=120)
    watcher["thread"].join(60)
    assert "error" not in watcher, watcher.get("error")
    assert proc.returncode == 3, stderr
    assert len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr
    assert out.read_bytes() == b"old contents\n"
    assert [p.name for p in tmp_path.iterdir()] == ["snap.json"]
    wait_ready(big_dsn)
    r = subprocess.run(
        [sys.executable, "-m", "driftwatch", "snapshot", "--dsn", big_dsn, "-o", str(out)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert len(snapmod.read(out).objects.tables) == BIG_TABLES
    assert [p.name for p in tmp_path.iterdir()] == ["snap.json"]


# --------------------------------------------------------------------------- locks

LOCK_SQL = """
create table app_locked (id int primary key, org uuid not null, note text);
create index app_locked_org on app_locked (org);
alter table app_locked enable row level security;
create policy p on app_locked using (org is not null);
create table part (id int, at date not null) partition by range (at);
create table part_2024 partition of part for values from ('2024-01-01') to ('2025-01-01');
create table viewed (id int primary key, label text);
create view reads_viewed as select id, label from viewed;
create table other (id int);
"""


@pytest.fixture(scope="module")
def lock_dsn(cluster: LocalCluster) -> str:
    return _create_db(cluster, "locks", LOCK_SQL)


def _hold_lock(dsn: str, tables: str) -> psycopg.Connection[Any]:
    conn = psycopg.connect(dsn)
    conn.execute(f"lock table {tables} in access exclusive mode")  # type: ignore[arg-type]
    return conn


@pytest.mark.parametrize(
    "locked",
    ["other", "app_locked", "part", "part_2024", "viewed"],
    ids=["plain-no-deparse", "indexes+policy", "partitioned", "partition", "read-by-view"],
)
def test_access_exclusive_lock_completes_or_stops_at_lock_timeout(
    lock_dsn: str, locked: str
) -> None:
    """Another session holds ACCESS EXCLUSIVE on a table. The catalog scans never need a lock,
    but PostgreSQL's deparse functions (pg_get_indexdef, pg_get_constraintdef, pg_get_expr,
    pg_get_viewdef, ...) take a momentary ACCESS SHARE lock on the table they describe: the
    snapshot then stops at lock_timeout with a clear error, never waiting longer."""
    holder = _hold_lock(lock_dsn, locked)
    outcome = "complete"
    try:
        t0 = time.monotonic()
        try:
            snap = take_snapshot(lock_dsn, SnapshotOptions(lock_timeout_ms=700))
            assert f"public.{locked}" in snap.objects.tables
        except IntrospectionError as exc:
            assert "lock_timeout (700 ms) reached" in str(exc) and "\n" not in str(exc)
            outcome = "lock_timeout"
        elapsed = time.monotonic() - t0
    finally:
        holder.rollback()
        holder.close()
    assert elapsed < 0.7 + 2.0  # never longer than lock_timeout (+ the rest of the snapshot)
    if locked == "other":  # nothing is deparsed for a bare table: no lock needed at all
        assert outcome == "complete"
    if outcome == "lock_timeout":
        assert elapsed > 0.6
    with psycopg.connect(lock_dsn, autocommit=True) as conn:  # nothing of ours left waiting
        row = conn.execute(
            "select count(*) from pg_stat_activity where application_name = 'driftwatch'"
        ).fetchone()
    assert row == (0,)
    print(f"ACCESS EXCLUSIVE on {locked}: {outcome} in {elapsed * 1000:.0f} ms")


def test_alter_table_during_snapshot_is_not_blocked(lock_dsn: str) -> None:
    """Inside the snapshot transaction (after every catalog query) driftwatch holds no lock on
    any user relation: ALTER TABLE on a plain table and on a table read by a view both go
    through immediately (lock_timeout 300 ms on the ALTER)."""
    waits: list[float] = []

    def alter_from_other_session(cur: psycopg.Cursor[Any]) -> None:
        with psycopg.connect(lock_dsn, autocommit=True) as other:
            other.execute("set lock_timeout = '300ms'")
            for stmt in (
                "alter table other add column extra int",
                "alter table viewed add column extra int",
                "alter table app_locked alter column note set default 'x'",
            ):
                t0 = time.monotonic()
                other.execute(stmt)  # type: ignore[arg-type]
                waits.append(time.monotonic() - t0)

    snap = take_snapshot(lock_dsn, observer=alter_from_other_session)
    try:
        assert len(waits) == 3 and max(waits) < 0.3
        # the snapshot is of the state before the ALTERs (one REPEATABLE READ transaction)
        assert "extra" not in snap.objects.tables["public.other"].columns
        assert "extra" not in snap.objects.tables["public.viewed"].columns
    finally:
        _sql(
            lock_dsn,
            "alter table other drop column extra; alter table viewed drop column extra;"
            " alter table app_locked alter column note drop default",
        )


def test_alter_on_view_dependency_waits_at_most_one_query(big_dsn: str) -> None:
    """While a big snapshot runs, ALTER TABLE on tables read by views (the only relations
    driftwatch locks, inside the views query) never waits longer than that one query: each
    ALTER runs with lock_timeout 2 s and all succeed; the longest wait is recorded."""
    stop = threading.Event()
    waits: list[float] = []
    errors: list[str] = []

    def alter_loop() -> None:
        # Each ALTER is rolled back: it measures lock waits without changing the schema
        # (a committed change would, rightly, make the snapshot retry).
        with psycopg.connect(big_dsn) as conn:
            i = 0
            while not stop.is_set():
                table = f"public.orders_t{(i % BIG_VIEWS + 1) * 16:05d}"
                t0 = time.monotonic()
                try:
                    conn.execute("set local lock_timeout = '2s'")
                    conn.execute(f"alter table {table} add column probe_{i} int")  # type: ignore[arg-type]
                except psycopg.Error as exc:
                    errors.append(str(exc))
                waits.append(time.monotonic() - t0)
                conn.rollback()
                i += 1

    t = threading.Thread(target=alter_loop, daemon=True)
    t.start()
    try:
        stats: dict[str, int] = {}
        take_snapshot(big_dsn, stats=stats)
    finally:
        stop.set()
        t.join(30)
    assert not errors, errors[:3]
    assert len(waits) > 5
    print(f"ALTERs during snapshot: {len(waits)}, longest wait {max(waits) * 1000:.0f} ms")


# --------------------------------------------------------------------------- consistency

CONSISTENCY_BASE = """
create type mood as enum ('ok', 'meh');
create domain positive as int check (value > 0);
create sequence counter;
create table t (id int primary key, a positive check (a > 0), b int references t(id), m mood);
create index t_a on t (a) where a > 5;
create function touch() returns trigger language plpgsql as $$begin return new; end$$;
create trigger tr before insert on t for each row execute function touch();
alter table t enable row level security;
create policy p on t to public using (a > 1);
create view v as select id, a from t;
create materialized view mv as select id from t;
comment on table t is 'before';
create table keep (id int);
"""

# Each statement is committed between two catalog queries of a running snapshot.
CONCURRENT_DDL = {
    "drop table cascade": "drop table t cascade",
    "drop function cascade": "drop function touch() cascade",
    "drop index": "drop index t_a",
    "drop trigger": "drop trigger tr on t",
    "create everything": """
        create table n (id int primary key, x int check (x > 0));
        create index n_x on n (x);
        alter table n enable row level security;
        create policy np on n using (x > 0);
        create view nv as select * from n;
        create function nf() returns int language sql as 'select 1';
        comment on table n is 'new'""",
    "alter column type": "alter table keep alter column id type bigint",
    "replace view": "create or replace view v as select id, a, 1 as extra from t",
    "rename table": "alter table t rename to t_renamed",
}


@pytest.fixture(scope="module")
def consistency_dsn(cluster: LocalCluster) -> str:
    return _create_db(cluster, "consistency")


def _objects(snap: model.Snapshot) -> Any:
    return model.to_data(snap.objects)


@pytest.mark.parametrize("ddl", list(CONCURRENT_DDL), ids=list(CONCURRENT_DDL))
def test_ddl_committed_mid_snapshot_is_all_in_or_all_out(
    consistency_dsn: str, ddl: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """For every position between two catalog queries, the snapshot equals the schema either
    entirely before or entirely after the DDL transaction — never a mix."""
    dsn = consistency_dsn
    reset = "drop schema public cascade; create schema public;" + CONSISTENCY_BASE
    _sql(dsn, reset)
    before = _objects(take_snapshot(dsn))
    _sql(dsn, CONCURRENT_DDL[ddl])
    after = _objects(take_snapshot(dsn))
    assert before != after
    real_query = driver.query
    outcomes: dict[str, str] = {}
    for kind in queries.KINDS:
        _sql(dsn, reset)
        fired: list[str] = []

        def query(k: str, major: int = 999, _kind: str = kind, fired: list[str] = fired) -> str:
            if k == _kind and not fired:
                fired.append(k)
                _sql(dsn, CONCURRENT_DDL[ddl])
            return real_query(k, major)

        monkeypatch.setattr(driver, "query", query)
        got = _objects(take_snapshot(dsn))
        monkeypatch.setattr(driver, "query", real_query)
        assert fired == [kind]
        outcomes[kind] = "before" if got == before else "after" if got == after else "MIXED"
    assert "MIXED" not in outcomes.values(), outcomes


# --------------------------------------------------------------------------- timeouts


def test_statement_timeout_is_clear_error(big_dsn: str) -> None:
    t0 = time.monotonic()
    with pytest.raises(IntrospectionError, match=r"statement_timeout \(1 ms\) reached") as err:
        take_snapshot(big_dsn, SnapshotOptions(statement_timeout_ms=1))
    assert time.monotonic() - t0 < 10
    assert err.value.exit_code == 3 and "\n" not in str(err.value)


# --------------------------------------------------------------------------- kill -9


def test_kill_9_during_snapshot_write_leaves_old_or_new(big_dsn: str, tmp_path: Path) -> None:
    """Kill ``driftwatch snapshot -o FILE`` at many points (during the catalog queries and
    during the write): FILE is always byte-identical to the old or a complete new snapshot, and
    nothing but FILE (and at most a dot-prefixed temp file) is ever left in the directory."""
    out = tmp_path / "snap.json"
    first = subprocess.run(
        [sys.executable, "-m", "driftwatch", "snapshot", "--dsn", big_dsn, "-o", str(out)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert first.returncode == 0, first.stderr
    old = out.read_bytes()
    # Time a full run, then kill at fractions of it (the write is the last ~tenth).
    t0 = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "driftwatch", "snapshot", "--dsn", big_dsn, "-o", str(out)],
        check=True,
        capture_output=True,
        cwd=REPO,
        timeout=120,
    )
    full = time.monotonic() - t0
    assert snapmod.read(out).objects == snapmod.loads(old).objects
    old = out.read_bytes()
    kills = 0
    # "query": as soon as a catalog query runs; "tmp": as soon as the temp file exists (mid-
    # write). Both always land inside the run, whatever the machine's load; the fractions of
    # a timed run add kills near the end when the timing allows.
    for when in ("query", 0.9, "tmp", 0.97, 1.0):
        proc = subprocess.Popen(
            [sys.executable, "-m", "driftwatch", "snapshot", "--dsn", big_dsn, "-o", str(out)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=REPO,
        )
        if when == "query":
            seen = _when_snapshot_active(big_dsn, lambda: None)
            seen["thread"].join(60)
            assert "error" not in seen, seen
        elif when == "tmp":
            deadline = time.monotonic() + full * 3 + 10
            while proc.poll() is None and time.monotonic() < deadline:
                if any(p.name.endswith(".tmp") for p in tmp_path.iterdir()):
                    break
        else:
            assert isinstance(when, float)
            time.sleep(full * when)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait(30)
        data = out.read_bytes()
        if data != old:
            new = snapmod.loads(data)  # complete and valid, or this raises
            assert new.digest == snapmod.loads(old).digest
            old = data
        stray = [p.name for p in tmp_path.iterdir() if p.name != "snap.json"]
        assert all(n.startswith(".snap.json.") and n.endswith(".tmp") for n in stray), stray
        for leftover in stray:  # a killed writer cannot clean up; the next run is unaffected
            (tmp_path / leftover).unlink()
    assert kills >= 2
