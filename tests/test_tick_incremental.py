"""A worker tick follows the change: each new process life reuses the stored snapshot
when the catalog fingerprint is unchanged, re-audits only the changed relations, and
says so in its ``run.finished`` line and in ``/metrics``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import run_sql
from test_serve import SCHEMA, make_cfg_service, value

from driftwatch import rules
from driftwatch.objectgroup import ObjectGroup
from driftwatch.store import Store


@pytest.fixture
def db(make_db: Callable[[str], str]) -> str:
    return make_db(SCHEMA)


def _tick(tmp_path: Path, db: str, caplog: pytest.LogCaptureFixture) -> tuple[Any, dict[str, Any]]:
    """One run of a new service (a new process life on the same state dir)."""
    svc = make_cfg_service(tmp_path, [{"name": "app", "dsn": db, "schedule": "1h"}])
    caplog.clear()
    with caplog.at_level(logging.INFO):
        assert svc.workers["app"].run().ok
    finished = [r for r in caplog.records if r.getMessage() == "run.finished"]
    assert len(finished) == 1
    fields: dict[str, Any] = dict(getattr(finished[0], "dw_fields", {}))
    svc.stop(timeout_s=5)
    return svc, fields


def test_ticks_count_what_they_reread_reaudit_and_rerender(
    tmp_path: Path, db: str, caplog: pytest.LogCaptureFixture
) -> None:
    svc, first = _tick(tmp_path, db, caplog)
    relations = first["reread"]
    assert relations >= 2 and first["reaudited"] >= relations and first["rerendered"] >= relations
    assert value(svc, "driftwatch_last_tick_relations", target="app", step="reread") == relations

    svc, again = _tick(tmp_path, db, caplog)  # nothing changed
    assert (again["reread"], again["reaudited"], again["rerendered"]) == (0, 0, 0)
    assert again["changed"] is False
    assert value(svc, "driftwatch_last_tick_relations", target="app", step="reaudited") == 0

    run_sql(db, "alter table public.projects add column archived boolean")
    svc, changed = _tick(tmp_path, db, caplog)
    assert changed["changed"] is True and changed["reread"] == relations
    assert 1 <= changed["reaudited"] < relations + 2  # projects and what reads it
    assert 1 <= changed["rerendered"] <= 3  # its page, the index (and what links to it)
    assert (
        value(svc, "driftwatch_last_tick_relations", target="app", step="rerendered")
        == (changed["rerendered"])
    )
    # what the incremental tick published is what a full audit finds
    with Store(svc.cfg.effective_store_url) as store:
        latest = store.latest_snapshot("app")
        assert latest is not None and isinstance(latest.data["tables"], ObjectGroup)
        published = (svc.results.get("app") or None).findings  # type: ignore[union-attr]
        assert list(published) == sorted(rules.audit(latest, svc.cfg))
        assert "archived" in latest.data["tables"]["public.projects"]["columns"]


def test_a_running_worker_keeps_the_stored_copy_not_the_decoded_tree(
    tmp_path: Path, db: str
) -> None:
    """Between ticks the worker holds the store's copy of the last snapshot, no object
    decoded, so the next tick's catalog read is not made beside a second tree."""
    run_sql(db, "".join(f"create table public.other{n} (id int primary key);" for n in range(6)))
    svc = make_cfg_service(tmp_path, [{"name": "app", "dsn": db, "schedule": "1h"}])
    try:
        worker = svc.workers["app"]
        assert worker.run().ok
        last = worker._last
        assert last is not None and isinstance(last.data["tables"], ObjectGroup)
        assert last.data["tables"].decoded() == 0
        run_sql(db, "alter table public.projects add column archived boolean")
        assert worker.run().ok and worker._last is not None
        assert worker._last.digest != last.digest
        tables = worker._last.data["tables"]
        assert isinstance(tables, ObjectGroup) and tables.decoded() == 0 < len(tables)
        with Store(svc.cfg.effective_store_url) as store:
            latest = store.latest_snapshot("app")
            assert latest is not None and latest.digest == worker._last.digest
    finally:
        svc.stop(timeout_s=5)
