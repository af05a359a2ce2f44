"""Passwords never leak: a full run of every command, scanned for the password string.

A throwaway cluster with ``scram-sha-256`` authentication and a role with a recognisable
password. The password reaches driftwatch four ways (URL, ``password=`` keyword string,
``PGPASSWORD``, ``.pgpass``) and every command runs with it: snapshot, check (text, JSON,
SARIF), docs, diff, baseline, serve --once, history, a running serve scraped on /metrics,
plus failures (wrong password, unreachable port). Every stdout/stderr, every file written
(snapshots, docs, SARIF, the SQLite store, logs) is scanned for the password.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from driftwatch.pgserver import LocalCluster, ServerUnavailable, find_local_bindir

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "Pw7hQ2zxKv93LmTnRsecret"
WRONG = "Wr0ngPwXyZ55qq"
ROLE = "dw_secret_user"
SCHEMA = """
create table public.organizations (id uuid primary key, name text not null);
create table public.projects (
  id uuid primary key, organization_id uuid not null references public.organizations(id),
  name text);
create index on public.projects (organization_id);
alter table public.projects enable row level security;
create policy projects_all on public.projects using (organization_id is not null);
comment on table public.projects is 'projects';
"""


@pytest.fixture(scope="module")
def scram() -> Iterator[LocalCluster]:
    bindir = find_local_bindir()
    if bindir is None:
        pytest.skip("no PostgreSQL binaries for a throwaway cluster")
    try:
        c = LocalCluster(bindir)
    except ServerUnavailable as exc:
        pytest.skip(str(exc))
    try:
        with psycopg.connect(c.dsn(), autocommit=True) as conn:
            conn.execute("set password_encryption = 'scram-sha-256'")
            conn.execute(f"create role {ROLE} login password '{PASSWORD}'")  # type: ignore[arg-type]
            conn.execute("create database secretdb")
            conn.execute(f"grant all on database secretdb to {ROLE}")  # type: ignore[arg-type]
        with psycopg.connect(c.dsn("secretdb"), autocommit=True) as conn:
            conn.execute(SCHEMA)  # type: ignore[arg-type]
        hba = c.data / "pg_hba.conf"
        # superuser over the socket (trust) for the harness; every TCP login needs SCRAM
        hba.write_text(
            "local all postgres trust\nhost all all 127.0.0.1/32 scram-sha-256\n"
            "host all all ::1/128 scram-sha-256\n"
        )
        c._run(["pg_ctl", "-D", str(c.data), "reload"])
        time.sleep(0.5)
        yield c
    finally:
        c.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _cli(
    *args: str, env: dict[str, str], cwd: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "driftwatch", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=timeout,
    )


def _base_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "DRIFTWATCH_", "DOCS_"))}
    env["PYTHONPATH"] = str(REPO)
    env["HOME"] = str(tmp)  # no ~/.pgpass of the machine
    return env


def _scan(tmp: Path, texts: list[str]) -> list[str]:
    leaks = [f"output #{i}" for i, t in enumerate(texts) if PASSWORD in t or WRONG in t]
    for path in tmp.rglob("*"):
        if path.is_file() and path.name != "pgpass":
            data = path.read_bytes()
            if PASSWORD.encode() in data or WRONG.encode() in data:
                leaks.append(str(path.relative_to(tmp)))
    return leaks


@pytest.mark.parametrize("way", ["url", "keyword", "PGPASSWORD", "pgpass"])
def test_full_run_never_shows_the_password(scram: LocalCluster, tmp_path: Path, way: str) -> None:
    port = scram.port
    env = _base_env(tmp_path)
    if way == "url":
        dsn = f"postgresql://{ROLE}:{PASSWORD}@127.0.0.1:{port}/secretdb"
    elif way == "keyword":
        dsn = f"host=127.0.0.1 port={port} user={ROLE} password={PASSWORD} dbname=secretdb"
    else:
        dsn = f"postgresql://{ROLE}@127.0.0.1:{port}/secretdb"
        if way == "PGPASSWORD":
            env["PGPASSWORD"] = PASSWORD
        else:
            pgpass = tmp_path / "pgpass"
            pgpass.write_text(f"127.0.0.1:{port}:*:{ROLE}:{PASSWORD}\n")
            pgpass.chmod(0o600)
            env["PGPASSFILE"] = str(pgpass)
    env["SECRET_DSN"] = dsn
    metrics_port = _free_port()
    cfg = tmp_path / "driftwatch.toml"
    cfg.write_text(
        f'state_dir = "{tmp_path / "state"}"\n'
        "[[targets]]\n"
        'name = "secret"\n'
        'dsn = "${SECRET_DSN}"\n'
        'schedule = "1h"\n'
        "[server]\n"
        f'listen = "127.0.0.1:{metrics_port}"\n'
        "[docs]\n"
        f'output = "{tmp_path / "docs"}"\n'
        f'baseline = "{tmp_path / "baseline.json"}"\n'
    )
    outputs: list[str] = []

    def run(*args: str, ok: tuple[int, ...] = (0, 1)) -> subprocess.CompletedProcess[str]:
        r = _cli(*args, env=env, cwd=tmp_path)
        outputs.extend([r.stdout, r.stderr])
        assert r.returncode in ok, (args, r.returncode, r.stderr[-2000:])
        assert "Traceback" not in r.stderr
        return r

    run("snapshot", "--dsn", dsn, "-o", str(tmp_path / "snap.json"))
    # The password is in the DSN for url/keyword: every command. From the environment or
    # .pgpass it can only leak through libpq messages: a shorter set keeps the suite fast.
    full = way in ("url", "keyword")
    run("check", "--dsn", dsn, "--format", "sarif", "-o", str(tmp_path / "check.sarif"))
    run("docs", "--dsn", dsn, "-o", str(tmp_path / "docs"), "--mkdocs")
    run("serve", "--config", str(cfg), "--once", "--log-format", "json")
    if full:
        run("snapshot", "--dsn", dsn, "--summary")
        run("check", "--dsn", dsn, "--format", "text")
        run("check", "--dsn", dsn, "--format", "json", "-o", str(tmp_path / "check.json"))
        run("diff", str(tmp_path / "snap.json"), dsn, "--format", "json")
        run("diff", str(tmp_path / "snap.json"), dsn, "--format", "markdown")
        run("baseline", "accept", "--config", str(cfg), "--target", "secret", ok=(0, 1, 2))
        run("history", "--config", str(cfg), "--target", "secret")
        run("history", "--config", str(cfg), "--target", "secret", "--format", "json")
    # failures: a wrong password and an unreachable port, each way of passing it
    bad = {
        "url": f"postgresql://{ROLE}:{WRONG}@127.0.0.1:{port}/secretdb",
        "keyword": f"host=127.0.0.1 port={port} user={ROLE} password={WRONG} dbname=secretdb",
    }.get(way)
    if bad:
        r = run("snapshot", "--dsn", bad, ok=(3,))
        assert len(r.stderr.strip().splitlines()) == 1
        run("check", "--dsn", bad.replace(str(port), "1"), ok=(3,))
        run("diff", str(tmp_path / "snap.json"), bad, ok=(3,))
    if not full:
        assert _scan(tmp_path, outputs) == []
        return
    # a running server: /metrics scraped while it works
    serve = subprocess.Popen(
        [sys.executable, "-m", "driftwatch", "serve", "--config", str(cfg), "--log-format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        body = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics") as resp:
                    body = resp.read().decode()
                if 'driftwatch_up{target="secret"} 1.0' in body:
                    break
            except OSError:
                pass
            time.sleep(0.3)
        assert 'driftwatch_up{target="secret"} 1.0' in body, body[-2000:]
        outputs.append(body)
    finally:
        serve.terminate()
        out, err = serve.communicate(timeout=60)
        outputs.extend([out, err])
    assert (tmp_path / "state").is_dir() and any((tmp_path / "state").rglob("*"))
    # the catalog fingerprints a new process reads incrementally from are scanned too
    assert any((tmp_path / "state").rglob("*.catalog"))
    assert (tmp_path / "docs").is_dir()
    assert _scan(tmp_path, outputs) == []


def test_password_not_in_python_exception_chain(scram: LocalCluster) -> None:
    """Library callers see the error too: its text, args and chained causes are clean."""
    import driftwatch
    from driftwatch.errors import DriftwatchError

    for dsn in (
        f"postgresql://{ROLE}:{WRONG}@127.0.0.1:{scram.port}/secretdb",
        f"host=127.0.0.1 port={scram.port} user={ROLE} password={WRONG} dbname=secretdb",
    ):
        with pytest.raises(DriftwatchError) as err:
            driftwatch.take(dsn)
        exc: BaseException | None = err.value
        while exc is not None:
            assert WRONG not in repr(exc) and WRONG not in str(exc.args)
            exc = exc.__cause__ or exc.__context__
