"""Fleet mode end to end: 3 ``serve`` processes on loopback share 20 targets through the
PostgreSQL store; every target is snapshotted once per tick; ``kill -9`` of a replica in the
middle of a run costs its target at most one tick.

Targets are discovered from a table in the store database (``fleet.discover_sql``), their DSNs
read from environment variables named in that table. Runs are counted in the store's ``runs``
table. The figures are printed (``pytest -s``) and asserted.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from conftest import PgServer, run_sql
from test_serve_support import free_port, http_get, wait_for

N_TARGETS = 20
N_REPLICAS = 3
INTERVAL = 3.0
JITTER = 0.1 * INTERVAL  # serve's default: 10% of the interval (jitter_max is 30s)
SLACK = JITTER + 0.1 * INTERVAL  # driftwatch.fleet.coordinator.slack_for
TICKS = 5
SCHEMA = """
create table public.organizations (id uuid primary key, name text not null);
create table public.projects (
  id bigint generated always as identity primary key,
  organization_id uuid not null references public.organizations(id),
  name text not null
);
create index on public.projects (organization_id);
alter table public.projects enable row level security;
"""


def _url(pg: PgServer, db: str) -> str:
    p = psycopg.conninfo.conninfo_to_dict(pg.admin_dsn)
    user = p.get("user") or "postgres"
    auth = f"{user}:{p['password']}" if p.get("password") else user
    return f"postgresql://{auth}@{p.get('host') or '127.0.0.1'}:{p.get('port') or 5432}/{db}"


@pytest.fixture(scope="module")
def fleet_dbs(pg: PgServer) -> Iterator[tuple[str, dict[str, str]]]:
    """The store database (with a ``tenant_databases`` table) and 20 target databases."""
    store = pg.create_db("dw_fleet_store")
    targets: dict[str, str] = {}
    try:
        template = pg.create_db("dw_fleet_tpl")
        run_sql(pg.dsn(template), SCHEMA)
        with psycopg.connect(pg.admin_dsn, autocommit=True) as conn:
            for i in range(N_TARGETS):
                name = f"dw_fleet_t{i:02d}_{store[-6:]}"
                conn.execute(f'create database "{name}" template "{template}"')
                targets[f"tenant-{i:02d}"] = name
        pg.drop_db(template)
        rows = ",".join(f"('{t}', 'DWFLEET_{t.upper().replace('-', '_')}')" for t in targets)
        run_sql(
            pg.dsn(store),
            "create table tenant_databases (name text primary key, dsn_env text not null,"
            " active bool not null default true);"
            f"insert into tenant_databases (name, dsn_env) values {rows};"
            "insert into tenant_databases values ('retired', 'DWFLEET_RETIRED', false);",
        )
        yield store, targets
    finally:
        for db in targets.values():
            pg.drop_db(db)
        pg.drop_db(store)


def _config(tmp: Path, store_url: str) -> Path:
    cfg = tmp / "driftwatch.toml"
    cfg.write_text(
        f"""
store_url = "{store_url}"
[server]
shutdown_timeout = "5s"
[fleet]
enabled = true
schedule = "every {INTERVAL:g}s"
schemas = ["public"]
discover_sql = "select name, dsn_env from tenant_databases where active order by name"
[docs]
baseline = "{tmp / "no-baseline.json"}"
"""
    )
    return cfg


class Replica:
    def __init__(self, idx: int, cfg: Path, tmp: Path, env: dict[str, str]) -> None:
        self.name = f"replica-{idx}"
        self.port = free_port()
        home = tmp / self.name
        home.mkdir()
        self.log = (home / "serve.log").open("wb")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "driftwatch",
                "serve",
                "--config",
                str(cfg),
                "--listen",
                f"127.0.0.1:{self.port}",
                "--log-format",
                "json",
            ],
            cwd=home,
            env={**env, "DRIFTWATCH_FLEET_HOLDER": self.name},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def healthy(self) -> bool:
        try:
            return http_get(f"http://127.0.0.1:{self.port}/healthz")[0] == 200
        except OSError:
            return False

    def runs_by_target(self) -> dict[str, float]:
        _, text = http_get(f"http://127.0.0.1:{self.port}/metrics")
        out: dict[str, float] = defaultdict(float)
        for line in text.splitlines():
            if line.startswith("driftwatch_snapshots_total{"):
                labels, value = line.rsplit(" ", 1)
                target = labels.split('target="', 1)[1].split('"', 1)[0]
                out[target] += float(value)
        return out

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def _runs(store_dsn: str) -> dict[str, list[tuple[float, float, str]]]:
    with psycopg.connect(store_dsn) as conn:
        try:
            rows = conn.execute(
                "select target, extract(epoch from started)::float8, extract(epoch from finished)::float8,"
                " status from runs order by target, started"
            ).fetchall()
        except psycopg.errors.UndefinedTable:
            # Replicas answer /healthz before their first run has created the store's
            # tables: while polling, that is "no runs yet", not a failure.
            return {}
    out: dict[str, list[tuple[float, float, str]]] = defaultdict(list)
    for target, started, finished, status in rows:
        out[target].append((started, finished, status))
    return out


def _short_gaps(
    runs: dict[str, list[tuple[float, float, str]]], t0: float, t1: float
) -> list[tuple[str, float, float]]:
    """Gaps shorter than ``interval - slack`` between runs of a target starting in [t0, t1).

    Each is returned with the gap before it: ``(target, gap before, short gap)``.
    """
    out = []
    for t, rs in runs.items():
        starts = [s for s, _, _ in rs]
        for a, b, c in zip(starts, starts[1:], starts[2:], strict=False):
            if t0 <= b and c < t1 and c - b < INTERVAL - SLACK - 0.05:
                out.append((t, round(b - a, 3), round(c - b, 3)))
    return out


def _lease_sessions(admin_dsn: str, holder: str) -> list[str]:
    """Targets ``holder`` is running right now (its lease transactions, idle in transaction)."""
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        rows = conn.execute(
            "select application_name from pg_stat_activity"
            " where application_name like %s and state = 'idle in transaction'",
            (f"driftwatch-lease {holder} %",),
        ).fetchall()
    return [r[0].rsplit(" ", 1)[1] for r in rows]


@pytest.mark.timeout(180)
def test_three_replicas_share_twenty_targets(
    pg: PgServer, fleet_dbs: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    store, targets = fleet_dbs
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTWATCH_")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    for t, db in targets.items():
        env[f"DWFLEET_{t.upper().replace('-', '_')}"] = pg.dsn(db)
    cfg = _config(tmp_path, _url(pg, store))
    replicas = [Replica(i + 1, cfg, tmp_path, env) for i in range(N_REPLICAS)]
    try:
        assert wait_for(lambda: all(r.healthy() for r in replicas), timeout=30), [
            r.log.name for r in replicas
        ]
        # warm-up: every target has been run once (first ticks of all replicas collide)
        assert wait_for(lambda: len(_runs(pg.dsn(store))) == N_TARGETS, timeout=20)
        time.sleep(2 * INTERVAL)  # targets move to their preferred replicas
        t0 = time.time()
        time.sleep(TICKS * INTERVAL + 0.5)
        t1 = time.time()

        # kill -9 the second replica while it holds a lease, in the middle of a run
        victim = replicas[1]
        before_kill = victim.runs_by_target()
        held: list[str] = []
        assert wait_for(
            lambda: bool(held.extend(_lease_sessions(pg.admin_dsn, victim.name)) or held),
            timeout=15,
            step=0.005,
        )
        victim.proc.send_signal(signal.SIGKILL)
        t_kill = time.time()
        victim.proc.wait()
        time.sleep(3 * INTERVAL + 0.5)
        t2 = time.time()
        survivors = {r.name: r.runs_by_target() for r in replicas if r is not victim}
    finally:
        for r in replicas:
            r.stop()

    runs = _runs(pg.dsn(store))
    if os.environ.get("DWFLEET_DUMP"):
        import json

        Path(os.environ["DWFLEET_DUMP"]).write_text(
            json.dumps({"t0": t0, "t1": t1, "kill": t_kill, "t2": t2, "held": held, "runs": runs})
        )
    assert set(runs) == set(targets)  # discovered: the inactive row was not
    assert all(status == "ok" for rs in runs.values() for _, _, status in rs)

    # ---- 5 ticks with 3 healthy replicas
    per_target = {t: [s for s, _, _ in rs if t0 <= s < t1] for t, rs in runs.items()}
    counts = sorted(len(v) for v in per_target.values())
    gaps = [b - a for v in per_target.values() for a, b in itertools.pairwise(v)]
    # the same target never runs twice at once
    for t, rs in runs.items():
        for (_, f1, _), (s2, _, _) in itertools.pairwise(rs):
            assert s2 >= f1 - 0.01, t
    min_gap, max_gap = min(gaps), max(gaps)
    # never a tick missed
    assert max_gap < 1.5 * INTERVAL, max_gap
    # never twice in one tick. A run can come sooner than interval - slack after the one before
    # only when that one started late (a stall of its replica or of the store; another replica
    # may have covered for it): the next tick is kept, at least half an interval later, so the
    # two runs still fill exactly two ticks (docs/fleet.md).
    short = _short_gaps(runs, t0, t1)
    for t, before, gap in short:
        assert gap >= 0.5 * INTERVAL - 0.05, (t, before, gap)
        assert before > INTERVAL - 0.05, (t, before, gap)  # the run before was late
        assert before + gap < 2 * INTERVAL + 2 * JITTER + 0.1, (t, before, gap)
    assert len({t for t, _, _ in short}) == len(short), short  # once per target at most
    window_ticks = (t1 - t0) / INTERVAL
    assert all(int(window_ticks) - 1 <= c <= int(window_ticks) + 1 for c in counts), counts

    # ---- the kill: no target missed for more than one tick
    after = {t: [s for s, _, _ in rs if s >= t1 - INTERVAL] for t, rs in runs.items()}
    kill_gaps = {t: max(b - a for a, b in itertools.pairwise(v)) for t, v in after.items()}
    victim_targets = set(held)
    worst = max(kill_gaps.values())
    assert worst < 2.5 * INTERVAL, kill_gaps
    for t in victim_targets:
        assert any(s > t_kill for s in after[t]), t  # picked up by a survivor
    for t, v in after.items():
        assert v[-1] >= t2 - INTERVAL - JITTER - 0.6, (t, t2 - v[-1])  # all still running

    total_runs_window = sum(len(v) for v in per_target.values())
    print(
        f"\nfleet: {N_REPLICAS} replicas, {N_TARGETS} targets, interval {INTERVAL:g}s;"
        f" window of {window_ticks:.2f} ticks: runs/target min {counts[0]} max {counts[-1]},"
        f" total {total_runs_window} (ideal {N_TARGETS * window_ticks:.1f});"
        f" gap between runs of a target min {min_gap:.3f}s max {max_gap:.3f}s;"
        f" short gaps after a late start (target, gap before, gap): {short or 'none'}"
    )
    print(
        f"kill -9 {victim.name} during the run of {sorted(victim_targets)};"
        f" afterwards worst gap {worst:.3f}s (= {worst / INTERVAL:.2f} intervals);"
        f" gaps of the interrupted targets:"
        f" {', '.join(f'{t} {kill_gaps[t]:.3f}s' for t in sorted(victim_targets))}"
    )
    share = {victim.name: sum(before_kill.values())} | {
        n: sum(v.values()) for n, v in survivors.items()
    }
    print(f"runs per replica (from each one's snapshots_total): {share}")
