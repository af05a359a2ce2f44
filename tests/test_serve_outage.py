"""A target whose server dies mid-life: up=0, last results and docs kept, recovery.

Uses a throwaway cluster of its own (never the shared server), stopped with
``LocalCluster.stop(delete=False)`` and started again on the same port.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import run_sql
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from driftwatch import pgserver
from driftwatch.config import load as configload
from driftwatch.service import Service


@pytest.fixture(scope="module")
def cluster() -> Iterator[pgserver.LocalCluster]:
    bindir = pgserver.find_local_bindir()
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries (initdb/pg_ctl) on this machine")
    c = pgserver.LocalCluster(bindir)
    try:
        yield c
    finally:
        c.stop()


def metrics(svc: Service) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    text = generate_latest(svc.registry).decode()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for fam in text_string_to_metric_families(text)
        for s in fam.samples
    }


def get(
    m: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float | None:
    return m.get((name, frozenset(labels.items())))


def snapshot_files(d: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(d)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(d.rglob("*"))
        if p.is_file()
    }


def test_server_stopped_mid_life_then_restarted(
    tmp_path: Path, cluster: pgserver.LocalCluster
) -> None:
    dsn = cluster.dsn()
    run_sql(
        dsn,
        "create table public.items (id int primary key, organization_id uuid not null);"
        "grant select on public.items to public;",  # reachable by the API roles: an error
    )
    svc = Service(
        configload.from_dict(
            {
                "state_dir": str(tmp_path / "state"),
                "targets": [{"name": "db", "dsn": dsn + "?connect_timeout=3", "schedule": "1m"}],
                "docs": {"baseline": str(tmp_path / "none.json")},
            }
        )
    )
    worker = svc.workers["db"]
    assert worker.run().ok
    m = metrics(svc)
    assert get(m, "driftwatch_up", target="db") == 1
    last_ok = get(m, "driftwatch_last_success_timestamp_seconds", target="db")
    docs_ts = get(m, "driftwatch_docs_generated_timestamp_seconds", target="db")
    docs = snapshot_files(tmp_path / "state" / "docs" / "db")
    assert "schema.json" in docs
    info = {k for k in m if k[0] == "driftwatch_finding_info"}
    assert info  # items has RLS off

    cluster.stop(delete=False)
    try:
        outcome = svc.tick("db")
        assert outcome is not None and not outcome.ok and outcome.exit_code == 3
        m = metrics(svc)
        assert get(m, "driftwatch_up", target="db") == 0
        assert get(m, "driftwatch_snapshots_total", target="db", result="error") == 1
        # the last results stay: tables, findings, last success, docs timestamp
        assert get(m, "driftwatch_tables", target="db", schema="public") == 1
        assert {k for k in m if k[0] == "driftwatch_finding_info"} == info
        assert get(m, "driftwatch_last_success_timestamp_seconds", target="db") == last_ok
        assert get(m, "driftwatch_docs_generated_timestamp_seconds", target="db") == docs_ts
        assert snapshot_files(tmp_path / "state" / "docs" / "db") == docs
        # backoff: the next tick is skipped, the one after retries
        assert svc.tick("db") is not None  # 1st failure → retried on the next tick
        assert svc.tick("db") is None  # 2nd failure → one tick skipped
    finally:
        cluster.start()

    outcome = svc.tick("db")
    assert outcome is not None and outcome.ok
    m = metrics(svc)
    assert get(m, "driftwatch_up", target="db") == 1
    assert get(m, "driftwatch_snapshots_total", target="db", result="error") == 2
    assert (get(m, "driftwatch_last_success_timestamp_seconds", target="db") or 0) > (last_ok or 0)
    # nothing changed in the schema: docs untouched
    assert snapshot_files(tmp_path / "state" / "docs" / "db") == docs
    assert svc.backoffs["db"].failures == 0
    svc.stop(timeout_s=5)
