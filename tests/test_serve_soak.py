"""Soak test of ``driftwatch serve`` (issue 15, item 3): a real process on a 157-table
schema, a run every second, the catalog changed every few runs; RSS, open descriptors
and threads sampled from outside with psutil must stay flat.

On the old collector pause (freeze+unfreeze on every resume) RSS grew by ~0.7 MB a run
here (~14 MB a run at 3,000 tables), so 50 runs exceed the tolerance several times over.
Bounded: a few minutes at most, no wall-time assertion.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest
from conftest import generated_schema, run_sql

TABLES = 157
WARM_UP_RUNS = 10
SOAK_RUNS = 50
CHANGE_EVERY = 7  # runs: alter a table so that diff, store and docs have work too
RSS_TOLERANCE_MB = 12.0
LOOP_LIMIT_S = 300


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _runs(log: Path) -> tuple[int, list[str]]:
    finished, failed = 0, []
    for line in log.read_text(errors="replace").splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("event") == "run.finished":
            finished += 1
        elif event.get("event") in ("run.failed", "stage.failed"):
            failed.append(line)
    return finished, failed


@pytest.fixture
def serve(
    tmp_path: Path, make_db: Callable[[str], str]
) -> Iterator[tuple[psutil.Process, Path, str, int]]:
    dsn = make_db(generated_schema(TABLES))
    port = _free_port()
    cfg = tmp_path / "serve.toml"
    cfg.write_text(
        f'state_dir = "{tmp_path}/state"\n'
        f'[server]\nlisten = "127.0.0.1:{port}"\njitter_max = "0s"\n'
        f'[docs]\nbaseline = "{tmp_path}/none.json"\n'
        f'[[targets]]\nname = "soak"\ndsn = "{dsn}"\nschedule = "1s"\n'
    )
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "driftwatch",
                "serve",
                "--config",
                str(cfg),
                "--log-format",
                "json",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        yield psutil.Process(proc.pid), log, dsn, port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_runs(proc: psutil.Process, log: Path, runs: int, deadline: float) -> None:
    while _runs(log)[0] < runs:
        assert proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE, log.read_text()[-2000:]
        assert time.monotonic() < deadline, f"only {_runs(log)[0]} runs: {log.read_text()[-2000:]}"
        time.sleep(0.5)


def _series(port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as resp:
        return sum(1 for line in resp.read().decode().splitlines() if line and line[0] != "#")


def test_serve_rss_fds_threads_stay_flat(serve: tuple[psutil.Process, Path, str, int]) -> None:
    proc, log, dsn, port = serve
    deadline = time.monotonic() + LOOP_LIMIT_S
    _wait_runs(proc, log, WARM_UP_RUNS, deadline)
    series_start = _series(port)
    base_fds, base_threads = proc.num_fds(), proc.num_threads()
    samples: list[float] = []
    fds: list[int] = []
    threads: list[int] = []
    start = _runs(log)[0]
    changed_at = start
    flip = False
    while (done := _runs(log)[0] - start) < SOAK_RUNS:
        assert time.monotonic() < deadline, f"{done} soak runs in the time limit"
        assert proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE, log.read_text()[-2000:]
        samples.append(proc.memory_info().rss / 2**20)
        fds.append(proc.num_fds())
        threads.append(proc.num_threads())
        if done - (changed_at - start) >= CHANGE_EVERY:
            changed_at = start + done
            flip = not flip
            sql = "add column soak_extra int" if flip else "drop column soak_extra"
            run_sql(dsn, f"alter table public.organizations {sql}")
        time.sleep(0.5)
    series_end = _series(port)
    finished, failed = _runs(log)
    head = statistics.median(samples[:10])
    tail = statistics.median(samples[-10:])
    print(
        f"\nsoak: {finished} runs, RSS {head:.1f} -> {tail:.1f} MB (max {max(samples):.1f}),"
        f" fds {base_fds} -> {fds[-1]} (max {max(fds)}), threads {base_threads} -> {threads[-1]}"
        f" (max {max(threads)}), series {series_start} -> {series_end}"
    )
    assert not failed, failed[:3]
    assert tail - head < RSS_TOLERANCE_MB, f"RSS grew {tail - head:.1f} MB over {SOAK_RUNS} runs"
    assert max(fds) <= base_fds + 3, (base_fds, max(fds))
    assert max(threads) <= base_threads + 2, (base_threads, max(threads))
    assert series_end <= series_start + 10, (series_start, series_end)
