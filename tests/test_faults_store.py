"""The history store (a PostgreSQL store on a throwaway cluster) goes down mid-life.

``tests/test_serve_outage.py`` covers the *target* server going down; this covers the
*store*: the worker keeps taking snapshots (``up`` stays 1, findings, drift and docs stay
current, schema changes are still reported), each failed store write is counted in
``driftwatch_stage_errors_total{stage="store"}`` and logged as ``stage.failed``, runs are
not backed off, and when the store is back the next run saves the current snapshot (the
store catches up with the live schema; the run rows of the outage are not replayed).
Also: the store already down when the service starts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from conftest import run_sql
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from driftwatch import pgserver
from driftwatch.config import load as configload
from driftwatch.logs import LOGGER_NAME
from driftwatch.service import Service
from driftwatch.store import Store

Metrics = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture(scope="module")
def cluster() -> Iterator[pgserver.LocalCluster]:
    bindir = pgserver.find_local_bindir()
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries (initdb/pg_ctl) on this machine")
    try:
        c = pgserver.LocalCluster(bindir)
    except pgserver.ServerUnavailable as exc:
        pytest.skip(str(exc))
    try:
        yield c
    finally:
        c.stop()


@pytest.fixture
def store_url(cluster: pgserver.LocalCluster, request: pytest.FixtureRequest) -> str:
    name = f"store_{request.node.name[:30].lower()}"
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')
        conn.execute(f'create database "{name}"')
    return cluster.dsn(name)


# Tables created here are granted to PUBLIC (so to the API roles): their findings are errors.
REACHABLE = "alter default privileges in schema public grant select on tables to public;"


def metrics(svc: Service) -> Metrics:
    text = generate_latest(svc.registry).decode()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for fam in text_string_to_metric_families(text)
        for s in fam.samples
    }


def get(m: Metrics, name: str, **labels: str) -> float | None:
    return m.get((name, frozenset(labels.items())))


def rls_off(m: Metrics) -> set[str]:
    return {
        dict(k[1])["object"]
        for k in m
        if k[0] == "driftwatch_finding_info" and dict(k[1])["rule"] == "rls-disabled"
    }


def service(tmp: Path, target_dsn: str, store_url: str) -> Service:
    return Service(
        configload.from_dict(
            {
                "state_dir": str(tmp / "state"),
                "store_url": store_url,
                "targets": [{"name": "app", "dsn": target_dsn, "schedule": "1m"}],
                "docs": {"baseline": str(tmp / "none.json")},
            }
        )
    )


def test_store_down_mid_life_worker_keeps_running_then_catches_up(
    tmp_path: Path,
    make_db: Callable[[str], str],
    store_url: str,
    cluster: pgserver.LocalCluster,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    dsn = make_db(REACHABLE + "create table public.items (id int, organization_id uuid not null);")
    svc = service(tmp_path, dsn, store_url)
    docs = tmp_path / "state" / "docs" / "app" / "schema.json"
    try:
        first = svc.tick("app")
        assert first is not None and first.ok and first.stage_errors == ()
        with Store(store_url) as st:
            assert len(st.snapshots("app")) == 1 and len(st.runs("app")) == 1

        cluster.stop(delete=False)
        try:
            run_sql(dsn, "create table public.orders (id int, organization_id uuid not null);")
            second = svc.tick("app")
            assert second is not None and second.ok and second.changed
            assert "store" in second.stage_errors and set(second.stage_errors) == {"store"}
            m = metrics(svc)
            assert get(m, "driftwatch_up", target="app") == 1
            assert (get(m, "driftwatch_stage_errors_total", target="app", stage="store") or 0) >= 1
            assert rls_off(m) == {"public.items", "public.orders"}  # findings stay current
            assert (
                get(
                    m,
                    "driftwatch_schema_changes_total",
                    target="app",
                    kind="table",
                    change="added",
                )
                == 1
            )
            assert "public.orders" in docs.read_text()  # docs do not depend on the store
            assert svc.backoffs["app"].failures == 0  # a store outage is not a failed run
            failed = [r for r in caplog.records if r.getMessage() == "stage.failed"]
            assert failed and all(r.levelno == logging.ERROR for r in failed)
            text = " ".join(str(r.__dict__) for r in failed)
            assert "store" in text and "history store" in text

            run_sql(dsn, "create table public.shipments (id int, organization_id uuid not null);")
            third = svc.tick("app")
            assert third is not None and third.ok and "store" in third.stage_errors
        finally:
            cluster.start()
            pgserver.wait_ready(cluster.dsn())

        fourth = svc.tick("app")  # the pooled connections are stale: pre-ping replaces them
        assert fourth is not None and fourth.ok and fourth.stage_errors == ()
        m = metrics(svc)
        assert rls_off(m) == {"public.items", "public.orders", "public.shipments"}
        live = svc.workers["app"]._last
        assert live is not None
        with Store(store_url) as st:
            latest = st.latest_snapshot("app")
            assert latest is not None and latest.digest == live.digest  # caught up
            assert set(latest.objects.tables) == {
                "public.items",
                "public.orders",
                "public.shipments",
            }
            runs = st.runs("app")
            assert len(runs) == 2  # the outage's two run rows are not replayed
            assert all(r.status == "ok" for r in runs)
    finally:
        svc.stop(timeout_s=5)


def test_store_down_at_start_up(
    tmp_path: Path,
    make_db: Callable[[str], str],
    store_url: str,
    cluster: pgserver.LocalCluster,
) -> None:
    dsn = make_db(REACHABLE + "create table public.items (id int, organization_id uuid not null);")
    cluster.stop(delete=False)
    try:
        svc = service(tmp_path, dsn, store_url)  # constructing the service needs no store
        first = svc.tick("app")
        assert first is not None and first.ok and "store" in first.stage_errors
        m = metrics(svc)
        assert get(m, "driftwatch_up", target="app") == 1
        assert get(m, "driftwatch_tables", target="app", schema="public") == 1
        assert (get(m, "driftwatch_stage_errors_total", target="app", stage="store") or 0) >= 2
    finally:
        cluster.start()
        pgserver.wait_ready(cluster.dsn())
    try:
        second = svc.tick("app")
        assert second is not None and second.ok and second.stage_errors == ()
        with Store(store_url) as st:
            latest = st.latest_snapshot("app")
            assert latest is not None and set(latest.objects.tables) == {"public.items"}
    finally:
        svc.stop(timeout_s=5)
