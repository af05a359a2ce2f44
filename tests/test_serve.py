"""``driftwatch serve``: scheduling, overlap, backoff, readiness, auth, --once, signals.

Everything runs against the real PostgreSQL; slowness comes from ``SlowProxy`` (a real TCP
proxy that holds the connection start-up), failure from a closed port.
"""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families
from test_serve_support import SlowProxy, free_port, http_get, wait_for

from driftwatch import config
from driftwatch.config import load as configload
from driftwatch.service import Service
from driftwatch.store import Store

SCHEMA = """
create table public.organizations (id uuid primary key default gen_random_uuid(), name text);
create table public.projects (
  id bigint generated always as identity primary key,
  organization_id uuid not null references public.organizations(id),
  name text not null
);
create index on public.projects (organization_id);
"""


def _port(dsn: str) -> int:
    return int(psycopg.conninfo.conninfo_to_dict(dsn).get("port") or 5432)


def _dbname(dsn: str) -> str:
    return str(psycopg.conninfo.conninfo_to_dict(dsn)["dbname"])


def make_cfg(tmp: Path, targets: list[dict[str, Any]], **server: Any) -> config.Config:
    server.setdefault("listen", "127.0.0.1:0")
    return configload.from_dict(
        {
            "state_dir": str(tmp / "state"),
            "targets": targets,
            "server": server,
            "docs": {"baseline": str(tmp / "no-baseline.json")},
        }
    )


def samples(svc: Service) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    from prometheus_client import generate_latest

    text = generate_latest(svc.registry).decode()
    out = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(svc: Service, name: str, **labels: str) -> float | None:
    return samples(svc).get((name, tuple(sorted(labels.items()))))


@pytest.fixture
def running() -> Iterator[Callable[[Service], Service]]:
    started: list[Service] = []

    def start(svc: Service) -> Service:
        svc.start()
        started.append(svc)
        return svc

    yield start
    for svc in started:
        svc.stop(timeout_s=15)


@pytest.fixture
def db(make_db: Callable[[str], str]) -> str:
    return make_db(SCHEMA)


def test_first_run_at_startup_then_every_tick(
    tmp_path: Path, db: str, running: Callable[[Service], Service]
) -> None:
    svc = running(make_cfg_service(tmp_path, [{"name": "app", "dsn": db, "schedule": "1s"}]))
    assert wait_for(lambda: (svc.results.get("app") or _never).runs >= 1, 5), "no start-up run"
    assert wait_for(lambda: (svc.results.get("app") or _never).runs >= 3, 10)
    assert value(svc, "driftwatch_up", target="app") == 1
    assert (value(svc, "driftwatch_snapshots_total", target="app", result="success") or 0) >= 3
    assert value(svc, "driftwatch_tables", target="app", schema="public") == 2
    assert value(svc, "driftwatch_schedule_interval_seconds", target="app") == 1
    docs = tmp_path / "state" / "docs" / "app"
    assert (docs / "schema.json").is_file() and (docs / "README.md").is_file()
    with Store(svc.cfg.effective_store_url) as store:
        assert len(store.runs("app")) >= 3
        assert store.latest_snapshot("app") is not None
    assert svc.http is not None
    assert http_get(f"http://127.0.0.1:{svc.http.port}/healthz")[0] == 200
    assert http_get(f"http://127.0.0.1:{svc.http.port}/nope")[0] == 404


class _Never:
    runs = 0


_never: Any = _Never()


def make_cfg_service(tmp: Path, targets: list[dict[str, Any]], **server: Any) -> Service:
    return Service(make_cfg(tmp, targets, **server))


def test_readiness_waits_for_every_target(
    tmp_path: Path, db: str, running: Callable[[Service], Service]
) -> None:
    proxy = SlowProxy(_port(db), delay=2.0)
    try:
        svc = running(
            make_cfg_service(
                tmp_path,
                [
                    {"name": "fast", "dsn": db, "schedule": "1h"},
                    {"name": "slow", "dsn": proxy.dsn(_dbname(db)), "schedule": "1h"},
                ],
            )
        )
        assert svc.http is not None
        url = f"http://127.0.0.1:{svc.http.port}/readyz"
        assert wait_for(lambda: (svc.results.get("fast") or _never).runs == 1, 5)
        status, body = http_get(url)
        assert status == 503 and "slow" in body and "fast" not in body
        assert wait_for(lambda: http_get(url)[0] == 200, 10)
    finally:
        proxy.close()


def test_a_slow_run_never_overlaps_itself(
    tmp_path: Path, db: str, running: Callable[[Service], Service]
) -> None:
    proxy = SlowProxy(_port(db), delay=2.2)
    try:
        svc = running(
            make_cfg_service(
                tmp_path, [{"name": "slow", "dsn": proxy.dsn(_dbname(db)), "schedule": "1s"}]
            )
        )
        assert wait_for(lambda: (svc.results.get("slow") or _never).runs >= 2, 15)
        # Several ticks fell due while a run was going; none started a second connection.
        assert proxy.connections >= 2
        assert proxy.max_active == 1
        assert (value(svc, "driftwatch_snapshots_total", target="slow", result="success") or 0) >= 2
    finally:
        proxy.close()


def test_failing_target_backs_off_and_others_are_unaffected(
    tmp_path: Path, db: str, running: Callable[[Service], Service]
) -> None:
    down = f"postgresql://postgres:hunter2@127.0.0.1:{free_port()}/nothing?connect_timeout=2"
    svc = running(
        make_cfg_service(
            tmp_path,
            [
                {"name": "down", "dsn": down, "schedule": "1s"},
                {"name": "ok", "dsn": db, "schedule": "1s"},
            ],
            backoff_max="4s",
            jitter_max="0s",
        )
    )
    time.sleep(8.6)
    errors = value(svc, "driftwatch_snapshots_total", target="down", result="error") or 0
    ok = value(svc, "driftwatch_snapshots_total", target="ok", result="success") or 0
    # ticks at 0..8s: attempts at 0, 1, 3, 7 (waits of 1, 2, 4 ticks), not 9
    assert 3 <= errors <= 5, errors
    assert ok >= 7
    assert value(svc, "driftwatch_up", target="down") == 0
    assert value(svc, "driftwatch_up", target="ok") == 1
    r = svc.results.get("down")
    assert r is not None and r.last_error and "hunter2" not in r.last_error
    assert value(svc, "driftwatch_last_success_timestamp_seconds", target="down") is None


def test_metrics_auth(tmp_path: Path, db: str, running: Callable[[Service], Service]) -> None:
    svc = running(
        make_cfg_service(
            tmp_path,
            [{"name": "app", "dsn": db, "schedule": "1h"}],
            metrics_username="prom",
            metrics_password="pw",
            metrics_token="tok",
        )
    )
    assert svc.http is not None
    base = f"http://127.0.0.1:{svc.http.port}"
    assert wait_for(lambda: http_get(base + "/readyz")[0] == 200, 10)
    status, _ = http_get(base + "/metrics")
    assert status == 401
    assert http_get(base + "/metrics", {"Authorization": "Bearer wrong"})[0] == 401
    status, body = http_get(base + "/metrics", {"Authorization": "Bearer tok"})
    assert status == 200 and 'driftwatch_up{target="app"} 1.0' in body
    basic = "Basic " + base64.b64encode(b"prom:pw").decode()
    assert http_get(base + "/metrics", {"Authorization": basic})[0] == 200
    assert http_get(base + "/healthz")[0] == 200


# ------------------------------------------------------------------ the command


def _write_cfg(tmp: Path, targets: list[dict[str, str]], server: dict[str, str]) -> Path:
    lines = [f'state_dir = "{tmp / "state"}"', "[docs]", f'baseline = "{tmp / "none.json"}"']
    lines.append("[server]")
    lines += [f'{k} = "{v}"' for k, v in server.items()]
    for t in targets:
        lines.append("[[targets]]")
        lines += [f'{k} = "{v}"' for k, v in t.items()]
    path = tmp / "driftwatch.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _serve(cfg: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "driftwatch",
            "serve",
            "--config",
            str(cfg),
            "--log-format",
            "json",
            *args,
        ],
        cwd=cfg.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _events(stderr: str) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def test_once_succeeds_and_exits_0(tmp_path: Path, db: str) -> None:
    cfg = _write_cfg(tmp_path, [{"name": "app", "dsn": db}], {"listen": "127.0.0.1:0"})
    proc = _serve(cfg, "--once")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    events = [e["event"] for e in _events(err)]
    assert "run.finished" in events and "docs.generated" in events
    assert (tmp_path / "state" / "docs" / "app" / "schema.json").is_file()


def test_once_with_an_unreachable_target_exits_3_without_the_password(
    tmp_path: Path, db: str
) -> None:
    down = f"postgresql://postgres:hunter2@127.0.0.1:{free_port()}/x"
    cfg = _write_cfg(
        tmp_path,
        [{"name": "app", "dsn": db}, {"name": "down", "dsn": down}],
        {"listen": "127.0.0.1:0"},
    )
    proc = _serve(cfg, "--once")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 3, err
    assert "hunter2" not in err
    failed = [e for e in _events(err) if e["event"] == "run.failed"]
    assert [e["target"] for e in failed] == ["down"]
    assert "cannot connect" in failed[0]["reason"]
    assert (tmp_path / "state" / "docs" / "app" / "schema.json").is_file()


@pytest.mark.parametrize(
    ("server", "message"),
    [({"listen": "nowhere"}, "listen"), ({"backoff_max": "lots"}, "backoff_max")],
)
def test_config_errors_exit_2_with_one_line(
    tmp_path: Path, db: str, server: dict[str, str], message: str
) -> None:
    cfg = _write_cfg(tmp_path, [{"name": "app", "dsn": db, "schedule": "every 15m"}], server)
    proc = _serve(cfg, "--once")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert len(err.strip().splitlines()) == 1 and message in err
    assert "Traceback" not in err


def test_bad_schedule_exits_2(tmp_path: Path, db: str) -> None:
    cfg = _write_cfg(tmp_path, [{"name": "app", "dsn": db, "schedule": "sometimes"}], {})
    proc = _serve(cfg)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "schedule" in err and len(err.strip().splitlines()) == 1


def _wait_line(
    proc: subprocess.Popen[str], event: str, seen: list[dict[str, Any]], timeout: float
) -> None:
    assert proc.stderr is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        doc = orjson.loads(line)
        seen.append(doc)
        if doc["event"] == event:
            return
    raise AssertionError(f"no {event} event; saw {[e['event'] for e in seen]}")


def test_sigterm_lets_the_running_snapshot_finish(tmp_path: Path, db: str) -> None:
    proxy = SlowProxy(_port(db), delay=3.0)
    try:
        cfg = _write_cfg(
            tmp_path,
            [{"name": "slow", "dsn": proxy.dsn(_dbname(db)), "schedule": "1h"}],
            {"listen": f"127.0.0.1:{free_port()}", "shutdown_timeout": "20s"},
        )
        proc = _serve(cfg)
        seen: list[dict[str, Any]] = []
        _wait_line(proc, "serve.started", seen, 20)
        assert wait_for(lambda: proxy.active == 1, 10), "the first run did not start"
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, rest = proc.communicate(timeout=30)
        assert proc.returncode == 0, rest
        events = seen + _events(rest)
        names = [e["event"] for e in events]
        assert (
            names.index("serve.stopping")
            < names.index("run.finished")
            < names.index("serve.stopped")
        )
        stopping = next(e for e in events if e["event"] == "serve.stopping")
        assert stopping["signal"] == "SIGTERM" and stopping["running"] == 1
        assert next(e for e in events if e["event"] == "serve.stopped")["clean"] is True
        assert time.monotonic() - sent < 15
        assert proxy.active == 0  # its connection was closed
        assert (tmp_path / "state" / "docs" / "slow" / "schema.json").is_file()
    finally:
        proxy.close()


def test_shutdown_wait_is_bounded(tmp_path: Path, db: str) -> None:
    proxy = SlowProxy(_port(db), delay=8.0)
    try:
        cfg = _write_cfg(
            tmp_path,
            [{"name": "stuck", "dsn": proxy.dsn(_dbname(db)), "schedule": "1h"}],
            {"listen": f"127.0.0.1:{free_port()}", "shutdown_timeout": "1s"},
        )
        proc = _serve(cfg)
        seen: list[dict[str, Any]] = []
        _wait_line(proc, "serve.started", seen, 20)
        assert wait_for(lambda: proxy.active == 1, 10)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, rest = proc.communicate(timeout=30)
        assert proc.returncode == 0, rest
        assert time.monotonic() - sent < 5
        stopped = next(e for e in _events(rest) if e["event"] == "serve.stopped")
        assert stopped["clean"] is False and stopped["level"] == "warning"
        assert wait_for(lambda: proxy.active == 0, 10), "connection left open after exit"
    finally:
        proxy.close()


def test_serve_help_lists_the_options() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "driftwatch", "serve", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "200"},
    ).stdout
    for opt in ("--config", "--listen", "--once", "--log-format"):
        assert opt in out


def test_restart_does_not_rerender_unchanged_docs(tmp_path: Path, db: str) -> None:
    from conftest import run_sql

    targets = [{"name": "app", "dsn": db, "schedule": "1h"}]
    first = make_cfg_service(tmp_path, targets)
    assert first.workers["app"].run().ok
    docs = tmp_path / "state" / "docs" / "app"
    before = {p: p.stat().st_mtime_ns for p in docs.rglob("*") if p.is_file()}
    first.stop(timeout_s=5)

    second = make_cfg_service(tmp_path, targets)  # a new process life, same state dir
    stamp = (second.results.get("app") or _never).docs_generated_ts
    assert stamp is not None  # known from the docs on disk before any run
    assert second.workers["app"].run().ok
    assert {p: p.stat().st_mtime_ns for p in docs.rglob("*") if p.is_file()} == before
    assert (second.results.get("app") or _never).docs_generated_ts == stamp

    run_sql(db, "alter table public.projects add column archived boolean")
    assert second.workers["app"].run().changed
    assert (second.results.get("app") or _never).docs_generated_ts > stamp
    assert "archived" in (docs / "schema.json").read_text()
    second.stop(timeout_s=5)
