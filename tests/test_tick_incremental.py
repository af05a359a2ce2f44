"""A worker tick follows the change: each new process life reuses the stored snapshot
when the catalog fingerprint is unchanged, re-audits only the changed relations, and
says so in its ``run.finished`` line and in ``/metrics``."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import run_sql
from test_serve import SCHEMA, make_cfg_service, value

from driftwatch import pipeline, rules
from driftwatch.introspect import catalog_state, take_incremental, take_snapshot
from driftwatch.objectgroup import ObjectGroup
from driftwatch.store import Store

# beside test_serve's schema, tables no change below touches: an ALTER of one of the
# schema's tables is then a small share of the relations (an incremental read)
OTHERS = "".join(
    f"create table public.other_{i} (id int primary key, note text);\n" for i in range(6)
)


@pytest.fixture
def db(make_db: Callable[[str], str]) -> str:
    return make_db(SCHEMA + OTHERS)


@pytest.fixture(autouse=True)
def new_process(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Forget the fingerprints this process kept: the next service life is then like a
    new process, with only its state dir (each test starts so)."""

    def forget() -> None:
        monkeypatch.setattr(catalog_state, "_states", OrderedDict())

    forget()
    return forget


def _tick(tmp_path: Path, db: str, caplog: pytest.LogCaptureFixture) -> tuple[Any, dict[str, Any]]:
    """One run of a new service (a new process life on the same state dir)."""
    catalog_state._states.clear()  # a new process keeps no fingerprints
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
    # only projects and its identity sequence (a relation of the catalog) are read again
    assert changed["changed"] is True and changed["reread"] == 2 < relations
    assert value(svc, "driftwatch_last_tick_relations", target="app", step="reread") == 2
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
        assert latest.digest == take_snapshot(db).digest


def _catalog_file(tmp_path: Path) -> Path:
    return tmp_path / "state" / "serve" / "app.catalog"


def _full(db: str) -> str:
    return take_snapshot(db).digest


def test_a_new_process_rereads_only_the_altered_table(
    tmp_path: Path, db: str, caplog: pytest.LogCaptureFixture
) -> None:
    svc, first = _tick(tmp_path, db, caplog)
    relations = first["reread"]
    assert relations == 8  # the tables (the identity sequence is part of projects)
    state = _catalog_file(tmp_path).read_bytes()
    assert b"postgresql://" not in state and b"dbname" not in state  # a hash names the DSN
    run_sql(db, "alter table public.other_3 add column extra int")
    svc, second = _tick(tmp_path, db, caplog)
    assert (second["changed"], second["reread"]) == (True, 1)
    with Store(svc.cfg.effective_store_url) as store:
        latest = store.latest_snapshot("app")
        assert latest is not None and latest.digest == _full(db)
    # and the life after that, from the state the second one wrote
    run_sql(db, "alter table public.other_4 add column extra int")
    svc, third = _tick(tmp_path, db, caplog)
    assert third["reread"] == 1
    assert svc.results.get("app").digest == _full(db)  # type: ignore[union-attr]


@pytest.mark.parametrize("spoil", ["garbage", "truncated", "other snapshot", "other dsn"])
def test_an_unusable_state_file_reads_in_full(
    tmp_path: Path, db: str, caplog: pytest.LogCaptureFixture, spoil: str
) -> None:
    _tick(tmp_path, db, caplog)
    path = _catalog_file(tmp_path)
    first_state = path.read_bytes()
    run_sql(db, "alter table public.other_1 add column extra int")
    _, second = _tick(tmp_path, db, caplog)
    assert second["reread"] == 1
    spoilt = {
        "garbage": b"\x00not json",
        "truncated": path.read_bytes()[:-40],
        "other snapshot": first_state,  # the state of the snapshot before the stored one
        "other dsn": path.read_bytes().replace(b'"dsn":"sha256:', b'"dsn":"sha256:0'),
    }[spoil]
    path.write_bytes(spoilt)
    run_sql(db, "alter table public.other_2 add column extra int")
    svc, third = _tick(tmp_path, db, caplog)
    assert (third["changed"], third["reread"]) == (True, 8)  # a full read, no failure
    assert third.get("stage_errors") is None
    assert svc.results.get("app").digest == _full(db)  # type: ignore[union-attr]
    assert path.read_bytes() != spoilt  # the full read wrote its state
    run_sql(db, "alter table public.other_5 add column extra int")
    _, fourth = _tick(tmp_path, db, caplog)
    assert fourth["reread"] == 1


def test_the_kept_relations_are_spliced_without_decoding(
    tmp_path: Path, db: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The snapshot stage of a new process: the relations it keeps come from the store as
    canonical bytes (to be hashed), never decoded; only the re-read one is encoded."""
    svc, _ = _tick(tmp_path, db, caplog)
    run_sql(db, "alter table public.other_0 add column extra int")
    catalog_state._states.clear()
    with Store(svc.cfg.effective_store_url) as store:
        previous = store.latest_snapshot("app")
        assert previous is not None
        earlier = catalog_state.loads(_catalog_file(tmp_path).read_bytes(), db, previous.digest)
        assert earlier is not None
        options = svc.workers["app"].pipeline.options
        taken = pipeline.take(db, options, previous, earlier)
        tables = taken.snap.data["tables"]
        assert isinstance(tables, ObjectGroup) and taken.reread == 1
        assert tables.decoded() == 1 and previous.data["tables"].decoded() == 0
        assert taken.snap.digest == _full(db)
        assert "extra" in tables["public.other_0"]["columns"]
        assert (
            tables.digests()
            == ObjectGroup(tables, values=take_snapshot(db).data["tables"]).digests()
        )


def test_a_running_service_rereads_only_the_altered_table(
    tmp_path: Path, db: str, caplog: pytest.LogCaptureFixture
) -> None:
    svc = make_cfg_service(tmp_path, [{"name": "app", "dsn": db, "schedule": "1h"}])
    try:
        assert svc.workers["app"].run().ok
        run_sql(db, "alter table public.other_2 add column extra int")
        caplog.clear()
        with caplog.at_level(logging.INFO):
            assert svc.workers["app"].run().ok
        (line,) = [r for r in caplog.records if r.getMessage() == "run.finished"]
        assert getattr(line, "dw_fields", {})["reread"] == 1
        assert svc.results.get("app").digest == _full(db)  # type: ignore[union-attr]
    finally:
        svc.stop(timeout_s=5)


def test_the_state_file_names_the_dsn_by_a_hash_without_its_password(db: str) -> None:
    snap, _ = take_incremental(db)
    state = catalog_state.state_of(db, snap)
    assert state is not None
    url = "postgresql://dw:Sup3rSecretPw@db.example:5433/app?sslmode=require"
    raw = catalog_state.dumps(snap.digest, replace(state, dsn=url))
    assert b"Sup3rSecretPw" not in raw and b"db.example" not in raw and b"dw:" not in raw
    # the same database with another password (rotated): the state still applies
    other_pw = url.replace("Sup3rSecretPw", "rotated")
    assert catalog_state.loads(raw, other_pw, snap.digest) is not None
    assert catalog_state.loads(raw, url.replace("/app", "/other"), snap.digest) is None
    assert catalog_state.loads(raw, url, "sha256:" + "0" * 64) is None


def test_a_running_service_that_forgot_its_fingerprints_reads_them_from_its_file(
    tmp_path: Path, db: str, new_process: Callable[[], None]
) -> None:
    """The fingerprints a process keeps are bounded (catalog_state.KEPT_STATES, shared by
    every target): a target whose state was dropped reads the file it wrote last."""
    svc = make_cfg_service(tmp_path, [{"name": "app", "dsn": db, "schedule": "1h"}])
    try:
        worker = svc.workers["app"]
        assert worker.run().ok
        new_process()  # as if the other targets' snapshots had pushed it out
        run_sql(db, "alter table public.other_4 add column extra int")
        taken = worker.pipeline.tick(started=0.0, findings=(), report=lambda _: None).snapshot
        assert isinstance(taken, pipeline.Ok) and taken.value.reread == 1
        assert taken.value.snap.digest == _full(db)
    finally:
        svc.stop(timeout_s=5)


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
