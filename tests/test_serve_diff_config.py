"""``[diff]`` means in ``serve`` and in the history what it means in ``driftwatch diff``.

A tick (and ``driftwatch snapshot --target``, which records a run in the history) counts
and logs the changes since the previous snapshot; ``[diff] ignore_kinds = ["grant"]`` must
leave a GRANT out of both, as it does for ``driftwatch diff``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from conftest import run_sql
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from driftwatch.cli import main
from driftwatch.config import load as configload
from driftwatch.logs import JsonFormatter
from driftwatch.service import Service
from driftwatch.store import Store

SCHEMA = """
create table public.organizations (id uuid primary key default gen_random_uuid(), name text);
create table public.projects (
  id bigint generated always as identity primary key,
  organization_id uuid not null references public.organizations(id),
  name text not null
);
"""
GRANT = "grant select on public.projects to public"


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _settings(tmp: Path, db: str, ignore_grants: bool) -> dict[str, Any]:
    return {
        "state_dir": str(tmp / "state"),
        "targets": [{"name": "app", "dsn": db, "schedule": "1h"}],
        "server": {"listen": "127.0.0.1:0"},
        "docs": {"baseline": str(tmp / "no-baseline.json")},
        "diff": {"ignore_kinds": ["grant"]} if ignore_grants else {},
    }


def _grant_samples(svc: Service) -> float:
    text = generate_latest(svc.registry).decode()
    return sum(
        s.value
        for fam in text_string_to_metric_families(text)
        for s in fam.samples
        if s.name == "driftwatch_schema_changes_total" and s.labels.get("kind") == "grant"
    )


def _last_run_total(store_url: str) -> int:
    with Store(store_url) as store:
        last = max(store.runs("app"), key=lambda r: r.id)
    return int(last.counts.get("total", 0))


@pytest.mark.parametrize("ignore_grants", [True, False], ids=["ignore-grant", "default"])
def test_tick_applies_diff_ignore_kinds(
    tmp_path: Path, make_db: Callable[[str], str], ignore_grants: bool
) -> None:
    db = make_db(SCHEMA)
    log = logging.getLogger(f"driftwatch.test.serve_diff.{ignore_grants}")
    log.setLevel(logging.INFO)
    seen = _Records()
    log.addHandler(seen)
    svc = Service(configload.from_dict(_settings(tmp_path, db, ignore_grants)), log=log)
    try:
        assert svc.workers["app"].run().ok  # first snapshot: nothing to compare with
        run_sql(db, GRANT)
        outcome = svc.workers["app"].run()
        assert outcome.ok and outcome.changed  # the snapshot did change
        logged = _changes_logged(seen.records)
        kinds = {e["kind"] for e in logged}
        total = _last_run_total(svc.cfg.effective_store_url)
        if ignore_grants:
            assert "grant" not in kinds and _grant_samples(svc) == 0 and total == 0
        else:
            assert "grant" in kinds and _grant_samples(svc) >= 1 and total >= 1
        assert len(logged) == total
    finally:
        svc.stop(timeout_s=5)
        log.removeHandler(seen)


def _changes_logged(records: list[logging.LogRecord]) -> list[dict[str, Any]]:
    """The ``schema.change`` events, as the JSON log lines ``serve`` writes them."""
    line = JsonFormatter()
    events = [orjson.loads(line.format(r)) for r in records]
    return [e for e in events if e.get("event") == "schema.change"]


@pytest.mark.parametrize("ignore_grants", [True, False], ids=["ignore-grant", "default"])
def test_history_run_applies_diff_ignore_kinds(
    tmp_path: Path, make_db: Callable[[str], str], ignore_grants: bool
) -> None:
    db = make_db(SCHEMA)
    body = f'state_dir = "{tmp_path / "state"}"\n[[targets]]\nname = "app"\ndsn = "{db}"\n'
    if ignore_grants:
        body += '[diff]\nignore_kinds = ["grant"]\n'
    cfg = tmp_path / "driftwatch.toml"
    cfg.write_text(body)
    argv = ["snapshot", "-q", "--config", str(cfg), "--target", "app", "-o"]
    assert main([*argv, str(tmp_path / "a.json")]) == 0
    run_sql(db, GRANT)
    assert main([*argv, str(tmp_path / "b.json")]) == 0
    url = configload.load(cfg).effective_store_url
    assert _last_run_total(url) == (0 if ignore_grants else 1)
