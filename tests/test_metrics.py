"""/metrics content from real runs, parsed back with prometheus-client's own parser."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conftest import run_sql
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from driftwatch import idents
from driftwatch.config import load as configload
from driftwatch.findings import Finding
from driftwatch.metrics import build_registry
from driftwatch.service import Service
from driftwatch.service.state import ResultsRegistry, TargetResult

Sample = tuple[str, dict[str, str], float]


def parse(text: str) -> list[Sample]:
    return [
        (s.name, dict(s.labels), s.value)
        for fam in text_string_to_metric_families(text)
        for s in fam.samples
    ]


def scrape(svc: Service) -> list[Sample]:
    return parse(generate_latest(svc.registry).decode())


def pick(samples: list[Sample], name: str, **labels: str) -> list[Sample]:
    return [s for s in samples if s[0] == name and all(s[1].get(k) == v for k, v in labels.items())]


def one(samples: list[Sample], name: str, **labels: str) -> float:
    found = pick(samples, name, **labels)
    assert len(found) == 1, (name, labels, found)
    return found[0][2]


def service(tmp: Path, targets: dict[str, str], **extra: Any) -> Service:
    return Service(
        configload.from_dict(
            {
                "state_dir": str(tmp / "state"),
                "targets": [{"name": n, "dsn": d} for n, d in targets.items()],
                "docs": {"baseline": str(tmp / "none.json")},
                **extra,
            }
        )
    )


def run(svc: Service, name: str) -> None:
    outcome = svc.workers[name].run()
    assert outcome.ok and not outcome.stage_errors, outcome


def test_nexus_sample(tmp_path: Path, nexus_db: str) -> None:
    svc = service(tmp_path, {"nexus": nexus_db})
    before = time.time()
    run(svc, "nexus")
    m = scrape(svc)
    snap_tables = svc.stages.latest("nexus")
    assert snap_tables is not None
    public = sum(1 for k in snap_tables.objects.tables if k.startswith("public."))
    assert one(m, "driftwatch_up", target="nexus") == 1
    assert one(m, "driftwatch_tables", target="nexus", schema="public") == public > 50
    assert one(m, "driftwatch_tables_without_rls", target="nexus") == 0
    assert not pick(m, "driftwatch_finding_info", rule="rls-disabled")
    assert one(m, "driftwatch_last_success_timestamp_seconds", target="nexus") >= before
    assert one(m, "driftwatch_docs_generated_timestamp_seconds", target="nexus") >= before
    assert one(m, "driftwatch_schedule_interval_seconds", target="nexus") == 900
    assert one(m, "driftwatch_snapshots_total", target="nexus", result="success") == 1
    assert one(m, "driftwatch_snapshots_total", target="nexus", result="error") == 0
    assert one(m, "driftwatch_snapshot_duration_seconds_count", target="nexus") == 1
    assert pick(m, "driftwatch_build_info")[0][1]["version"]
    # findings{rule,severity} counts agree with the finding_info series
    # (info-level findings are counted, but get no finding_info series by default)
    for _, labels, n in pick(m, "driftwatch_findings", target="nexus"):
        info = pick(m, "driftwatch_finding_info", target="nexus", rule=labels["rule"])
        assert len(info) == (0 if labels["severity"] == "info" else n)
    assert not pick(m, "driftwatch_baseline_drift_objects")  # no baseline configured
    assert not [s for s in m if s[0].endswith("_created")]


def test_nexus_broken_companion(tmp_path: Path, nexus_db: str, nexus_broken_db: str) -> None:
    svc = service(tmp_path, {"nexus": nexus_db, "broken": nexus_broken_db})
    run(svc, "nexus")
    run(svc, "broken")
    m = scrape(svc)
    no_rls = {
        s[1]["object"]
        for s in pick(m, "driftwatch_finding_info", target="broken", rule="rls-disabled")
    }
    assert no_rls == {"public.lead_import_batches", "public.order_tags"}
    assert one(m, "driftwatch_tables_without_rls", target="broken") == 2
    assert one(m, "driftwatch_tables_without_rls", target="nexus") == 0
    missing = {
        s[1]["object"]
        for s in pick(m, "driftwatch_finding_info", target="broken", rule="tenant-column-missing")
    }
    assert {"public.webhook_deliveries", "public.order_gift_messages"} <= missing
    assert one(m, "driftwatch_tables_missing_tenant_column", target="broken") == len(missing)
    unscoped = {
        s[1]["object"]
        for s in pick(
            m, "driftwatch_finding_info", target="broken", rule="policy-not-tenant-scoped"
        )
    }
    assert any(o.startswith("public.chats.") for o in unscoped), unscoped
    for _, labels, _v in pick(m, "driftwatch_finding_info", target="broken", rule="rls-disabled"):
        assert labels["severity"] == "error"
    assert (
        one(m, "driftwatch_findings", target="broken", rule="rls-disabled", severity="error") == 2
    )


HOSTILE_SCHEMA = 'we"ird\\sch\nema'  # quote, backslash, newline
HOSTILE_TABLE = 'bad"name\\x\nline} {x="1"}'


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def test_hostile_names_are_escaped_and_round_trip(
    tmp_path: Path, make_db: Callable[[str], str]
) -> None:
    dsn = make_db(
        f"create schema {ident(HOSTILE_SCHEMA)};"
        f"create table {ident(HOSTILE_SCHEMA)}.t (id int);"
        f"create table public.{ident(HOSTILE_TABLE)} (id int, organization_id uuid not null);"
        # reachable by the API roles (through PUBLIC), so its finding is an error
        f"grant select on public.{ident(HOSTILE_TABLE)} to public;"
    )
    svc = service(tmp_path, {"odd": dsn})
    run(svc, "odd")
    text = generate_latest(svc.registry).decode()
    m = parse(text)
    schemas = {s[1]["schema"]: s[2] for s in pick(m, "driftwatch_tables", target="odd")}
    assert schemas == {HOSTILE_SCHEMA: 1, "public": 1}
    objects = {s[1]["object"] for s in pick(m, "driftwatch_finding_info", rule="rls-disabled")}
    assert objects == {idents.qualify("public", HOSTILE_TABLE)}  # the quoted key
    # the raw exposition text kept every sample on one line
    for line in text.splitlines():
        assert line.startswith(("#", "driftwatch_", "process_")), line


def test_a_fixed_finding_disappears_on_the_next_run(
    tmp_path: Path, make_db: Callable[[str], str]
) -> None:
    dsn = make_db(
        """
        create table public.organizations (id uuid primary key);
        create table public.notes (
          id int primary key,
          organization_id uuid not null references public.organizations(id)
        );
        create index on public.notes (organization_id);
        -- reachable by the API roles (through PUBLIC), so the finding is an error
        grant select on public.notes to public;
        """
    )
    svc = service(tmp_path, {"app": dsn})
    run(svc, "app")
    m = scrape(svc)
    assert pick(m, "driftwatch_finding_info", object="public.notes", rule="rls-disabled")
    docs_before = one(m, "driftwatch_docs_generated_timestamp_seconds", target="app")
    run_sql(
        dsn,
        "alter table public.notes enable row level security;"
        "alter table public.organizations enable row level security;",
    )
    run(svc, "app")
    m = scrape(svc)
    assert not pick(m, "driftwatch_finding_info", object="public.notes", rule="rls-disabled")
    assert not pick(m, "driftwatch_findings", rule="rls-disabled")
    assert one(m, "driftwatch_tables_without_rls", target="app") == 0
    changes = pick(m, "driftwatch_schema_changes_total", target="app")
    assert changes and sum(s[2] for s in changes) >= 1  # rls switched on
    assert one(m, "driftwatch_docs_generated_timestamp_seconds", target="app") > docs_before


def _finding(i: int) -> Finding:
    rule = ("rls-disabled", "tenant-column-missing", "rls-no-policies")[i % 3]
    return Finding(rule, "error" if i % 3 < 2 else "warning", f"public.t{i:04d}", "m")


def test_removed_target_and_thousand_findings_at_scrape_time() -> None:
    results = ResultsRegistry()
    registry, _ = build_registry(results)
    results.register("a", 60)
    results.register("b", 60)
    findings = tuple(_finding(i) for i in range(1000))
    a = TargetResult("a", 60, runs=1, up=True, digest="sha256:x", findings=findings)
    results.publish(a)
    m = parse(generate_latest(registry).decode())
    assert len(pick(m, "driftwatch_finding_info", target="a")) == 1000
    assert one(m, "driftwatch_tables_without_rls", target="a") == 334
    assert one(m, "driftwatch_tables_missing_tenant_column", target="a") == 333
    assert (
        one(m, "driftwatch_findings", target="a", rule="rls-no-policies", severity="warning") == 333
    )
    # b has not run yet: only its schedule is known; readiness waits for it
    assert not pick(m, "driftwatch_up", target="b")
    assert one(m, "driftwatch_schedule_interval_seconds", target="b") == 60
    assert results.pending() == ["b"]
    # a's findings fixed, then a removed: its series go with it
    results.publish(TargetResult("a", 60, runs=2, up=True, digest="sha256:y"))
    m = parse(generate_latest(registry).decode())
    assert not pick(m, "driftwatch_finding_info") and not pick(m, "driftwatch_findings")
    assert one(m, "driftwatch_tables_without_rls", target="a") == 0
    results.remove("a")
    m = parse(generate_latest(registry).decode())
    assert not [s for s in m if s[1].get("target") == "a" and s[0].startswith("driftwatch_up")]
    assert not pick(m, "driftwatch_tables_without_rls")


def test_baseline_drift_gauge(tmp_path: Path, make_db: Callable[[str], str]) -> None:
    from driftwatch import snapshot as snapmod
    from driftwatch.introspect import take_snapshot

    dsn = make_db("create table public.a (id int primary key, organization_id uuid not null);")
    baseline = tmp_path / "baseline.json"
    snapmod.write(take_snapshot(dsn), baseline)
    svc = Service(
        configload.from_dict(
            {
                "state_dir": str(tmp_path / "state"),
                "targets": [{"name": "app", "dsn": dsn, "baseline": str(baseline)}],
            }
        )
    )
    run(svc, "app")
    assert not pick(scrape(svc), "driftwatch_baseline_drift_objects")  # in sync: no series
    run_sql(dsn, "alter table public.a add column note text; create table public.b (id int);")
    run(svc, "app")
    m = scrape(svc)
    assert (
        one(m, "driftwatch_baseline_drift_objects", target="app", kind="column", change="added")
        == 1
    )
    assert (
        one(m, "driftwatch_baseline_drift_objects", target="app", kind="table", change="added") == 1
    )
    assert (
        one(m, "driftwatch_schema_changes_total", target="app", kind="table", change="added") == 1
    )
    # documenting the change (a new baseline) clears the gauge on the next run
    snapmod.write(take_snapshot(dsn), baseline)
    run(svc, "app")
    assert not pick(scrape(svc), "driftwatch_baseline_drift_objects")


def test_finding_info_severity_floor() -> None:
    findings = (
        Finding("rls-disabled", "error", "public.a", "m"),
        Finding("rls-no-policies", "warning", "public.b", "m"),
        Finding("rls-not-forced", "info", "public.c", "m"),
    )
    for floor, shown in (
        ("error", {"public.a"}),
        ("warning", {"public.a", "public.b"}),
        ("info", {"public.a", "public.b", "public.c"}),
    ):
        results = ResultsRegistry()
        registry, _ = build_registry(results, floor)
        results.publish(TargetResult("t", 60, runs=1, up=True, digest="d", findings=findings))
        m = parse(generate_latest(registry).decode())
        assert {s[1]["object"] for s in pick(m, "driftwatch_finding_info")} == shown
        assert len(pick(m, "driftwatch_findings")) == 3


def test_baseline_of_another_database_is_warned_once(
    tmp_path: Path, make_db: Callable[[str], str]
) -> None:
    import logging

    from driftwatch import snapshot as snapmod
    from driftwatch.introspect import take_snapshot

    other = make_db("create table public.a (id int);")
    dsn = make_db("create table public.b (id int);")
    baseline = tmp_path / "baseline.json"
    snapmod.write(take_snapshot(other), baseline)
    records: list[logging.LogRecord] = []
    log = logging.getLogger("driftwatch.test.baseline")
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    log.addHandler(handler)
    cfg = configload.from_dict(
        {
            "state_dir": str(tmp_path / "state"),
            "targets": [{"name": "app", "dsn": dsn, "baseline": str(baseline)}],
        }
    )
    svc = Service(cfg, log=log)
    run(svc, "app")
    run(svc, "app")
    warned = [r for r in records if r.getMessage() == "baseline.mismatch"]
    assert len(warned) == 1 and warned[0].levelno == logging.WARNING
    fields = warned[0].dw_fields  # type: ignore[attr-defined]
    assert fields["baseline_database"] != fields["live_database"]
    # the drift is still computed (the run goes on)
    m = scrape(svc)
    assert sum(s[2] for s in pick(m, "driftwatch_baseline_drift_objects", target="app")) >= 1
