"""The tick's stage results and ``record_snapshot``, against a real database and store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import run_sql

from driftwatch import model
from driftwatch.diff import DiffOptions
from driftwatch.errors import StoreError
from driftwatch.introspect import take_snapshot
from driftwatch.pipeline import (
    Failed,
    Ok,
    StoreHistory,
    record_failure,
    record_snapshot,
    run_stage,
)
from driftwatch.store import Store

SCHEMA = "create table public.items (id int primary key, organization_id uuid not null);"


class _SaveFails(StoreHistory):
    def save(self, target: str, snap: model.Snapshot) -> None:
        raise StoreError("history store unavailable: disk full")


def test_run_stage_times_the_stage_and_turns_an_exception_into_a_reason() -> None:
    ok = run_stage("docs", lambda: 3)
    assert isinstance(ok, Ok) and (ok.stage, ok.value, ok.unwrap()) == ("docs", 3, 3)
    assert ok.seconds >= 0

    def boom() -> int:
        raise RuntimeError("cannot reach postgresql://app:s3cret@db/prod\n  (timeout)")

    failed = run_stage("store", boom)
    assert isinstance(failed, Failed) and failed.stage == "store"
    assert failed.reason == "RuntimeError: cannot reach postgresql://app:***@db/prod (timeout)"
    with pytest.raises(RuntimeError):
        failed.unwrap()


def test_record_snapshot_stores_the_run_with_its_changes(
    tmp_path: Path, make_db: Callable[[str], str]
) -> None:
    dsn = make_db(SCHEMA)
    t0 = dt.datetime.now(dt.UTC).replace(microsecond=678901)  # kept by the retention
    with Store(f"sqlite:///{tmp_path / 'h.db'}") as store:
        history = StoreHistory(store, DiffOptions())
        first = take_snapshot(dsn)
        done = record_snapshot(history, "app", first, previous=None, started=t0.timestamp())
        assert done.changes is None and done.unwrap() == ()
        assert [s.stage for s in done.steps] == ["store", "store"]

        run_sql(dsn, "create table public.orders (id int);")
        second = take_snapshot(dsn)
        previous = store.latest_snapshot("app")
        assert previous is not None and previous.digest == first.digest
        done = record_snapshot(history, "app", second, previous=previous, started=t0.timestamp())
        assert [s.stage for s in done.steps] == ["store", "diff", "store"]
        changes = done.unwrap()
        assert [(str(c.kind), str(c.object), str(c.change)) for c in changes] == [
            ("table", "public.orders", "added")
        ]
        runs = store.runs("app")
        assert [r.status for r in runs] == ["ok", "ok"]
        assert runs[0].started == t0 and runs[0].digest == second.digest
        assert runs[0].counts["total"] == 1 and runs[1].counts["total"] == 0
        latest = store.latest_snapshot("app")
        assert latest is not None and latest.digest == second.digest


def test_a_failed_step_does_not_stop_the_next_and_unwrap_raises_it(
    tmp_path: Path, make_db: Callable[[str], str]
) -> None:
    dsn = make_db(SCHEMA)
    with Store(f"sqlite:///{tmp_path / 'h.db'}") as store:
        history = _SaveFails(store, DiffOptions())
        snap = take_snapshot(dsn)
        now = dt.datetime.now(dt.UTC).timestamp()
        done = record_snapshot(history, "app", snap, previous=None, started=now)
        assert isinstance(done.saved, Failed) and "disk full" in done.saved.reason
        assert isinstance(done.run, Ok)  # the run is still recorded
        with pytest.raises(StoreError, match="disk full"):
            done.unwrap()
        assert store.latest_snapshot("app") is None
        assert [r.digest for r in store.runs("app")] == [snap.digest]

        failed = record_failure(history, "app", "connection refused", started=now + 1)
        assert isinstance(failed, Ok)
        newest = store.runs("app")[0]
        assert (newest.status, newest.error) == ("error", "connection refused")
