"""Prometheus metrics: per-target state from the latest results, plus process counters.

Per-target state (``up``, ``tables``, ``findings``, ``finding_info``, drift, …) is never kept in
global labelled gauges: ``ResultsCollector`` builds the metric families at scrape time from
the service state (``driftwatch.service.state.ResultsRegistry``), so a target removed from
the registry or a finding fixed since the last run simply stops being exposed. Only genuine
process counters/histograms (``snapshots_total``, ``snapshot_duration_seconds``,
``schema_changes_total``, …) are ``prometheus_client`` instruments. Names and labels: DESIGN.md "Metrics".
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterable, Iterator

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

from driftwatch import __version__
from driftwatch.findings import SEVERITIES, severity_rank
from driftwatch.service.state import ResultsRegistry

PREFIX = "driftwatch_"
RULE_RLS_DISABLED = "rls-disabled"
RULE_TENANT_COLUMN_MISSING = "tenant-column-missing"
DURATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)
RESULTS = ("success", "error")
TICK_STEPS = ("reread", "reaudited", "rerendered")  # driftwatch_*tick_relations{step}


def _gauge(name: str, doc: str, labels: Iterable[str]) -> GaugeMetricFamily:
    return GaugeMetricFamily(PREFIX + name, doc, labels=list(labels))


class ResultsCollector(Collector):
    """Yields the per-target metric families from the latest results, at scrape time."""

    def __init__(self, results: ResultsRegistry, info_severity: str = "warning") -> None:
        self.results = results
        # finding_info is one series per finding: keep info-level findings (e.g. one
        # rls-not-forced per table) out of it by default; they are still counted in findings.
        self.info_max_rank = severity_rank(info_severity)

    def describe(self) -> Iterable[Metric]:
        return []  # dynamic: never let the registry call collect() at registration

    def collect(self) -> Iterator[Metric]:
        results = self.results.all()
        build = _gauge("build_info", "driftwatch build; value is always 1", ["version"])
        build.add_metric([__version__], 1)
        yield build

        up = _gauge("up", "1 if the last snapshot of the target succeeded", ["target"])
        interval = _gauge(
            "schedule_interval_seconds",
            "nominal seconds between two runs of the target (staleness alert uses 3x)",
            ["target"],
        )
        last_ok = _gauge(
            "last_success_timestamp_seconds", "unix time of the last successful run", ["target"]
        )
        tables = _gauge("tables", "tables in the last successful snapshot", ["target", "schema"])
        findings = _gauge("findings", "open audit findings", ["target", "rule", "severity"])
        info = _gauge(
            "finding_info", "1 per open audit finding", ["target", "rule", "severity", "object"]
        )
        no_rls = _gauge("tables_without_rls", "tables flagged rls-disabled", ["target"])
        no_tenant = _gauge(
            "tables_missing_tenant_column", "tables flagged tenant-column-missing", ["target"]
        )
        drift = _gauge(
            "baseline_drift_objects",
            "objects differing from the documented baseline",
            ["target", "kind", "change"],
        )
        docs = _gauge(
            "docs_generated_timestamp_seconds", "unix time docs were last regenerated", ["target"]
        )
        for r in results:
            t = r.target
            interval.add_metric([t], r.interval_s)
            if r.runs == 0:
                continue  # nothing known yet: absent rather than a guessed 0
            up.add_metric([t], 1.0 if r.up else 0.0)
            if r.last_success_ts is not None:
                last_ok.add_metric([t], r.last_success_ts)
            for schema, n in sorted(r.tables.items()):
                tables.add_metric([t, schema], n)
            if r.digest is not None:  # findings are only known after a successful snapshot
                tally = Tally((f.rule, f.severity) for f in r.findings)
                for (rule, sev), n in sorted(tally.items()):
                    findings.add_metric([t, rule, sev], n)
                shown = {
                    (f.rule, f.severity, f.object)
                    for f in r.findings
                    if f.severity not in SEVERITIES
                    or severity_rank(f.severity) <= self.info_max_rank
                }
                for key in sorted(shown):
                    info.add_metric([t, *key], 1)
                objects_by_rule: dict[str, set[str]] = {}
                for f in r.findings:
                    objects_by_rule.setdefault(f.rule, set()).add(f.object)
                no_rls.add_metric([t], len(objects_by_rule.get(RULE_RLS_DISABLED, ())))
                no_tenant.add_metric([t], len(objects_by_rule.get(RULE_TENANT_COLUMN_MISSING, ())))
            if r.drift is not None:
                for (kind, change), n in sorted(r.drift.items()):
                    drift.add_metric([t, kind, change], n)
            if r.docs_generated_ts is not None:
                docs.add_metric([t], r.docs_generated_ts)
        yield from (up, interval, last_ok, tables, findings, info, no_rls, no_tenant, drift, docs)


class ProcessMetrics:
    """Counters and histograms of this process, in their own registry (one per service)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.snapshots = Counter(
            PREFIX + "snapshots",
            "snapshot runs by result",
            ["target", "result"],
            registry=registry,
        )
        self.duration = Histogram(
            PREFIX + "snapshot_duration_seconds",
            "wall time of one snapshot run",
            ["target"],
            buckets=DURATION_BUCKETS,
            registry=registry,
        )
        self.schema_changes = Counter(
            PREFIX + "schema_changes",
            "schema changes seen between consecutive snapshots",
            ["target", "kind", "change"],
            registry=registry,
        )
        self.policy_changes = Counter(
            PREFIX + "policy_changes",
            "policy changes seen between consecutive snapshots, by what they do to access",
            ["target", "verdict"],
            registry=registry,
        )
        self.stage_errors = Counter(
            PREFIX + "stage_errors",
            "failures of a pipeline stage after a successful snapshot (store, diff, docs, rules)",
            ["target", "stage"],
            registry=registry,
        )

        self.tick_objects = Gauge(
            PREFIX + "last_tick_relations",
            "relations the last run re-read from the catalog, re-audited and re-rendered",
            ["target", "step"],
            registry=registry,
        )
        self.tick_objects_total = Counter(
            PREFIX + "tick_relations",
            "relations re-read, re-audited and re-rendered, summed over runs",
            ["target", "step"],
            registry=registry,
        )

    def init_target(self, target: str) -> None:
        """Create the zero series so rate()/increase() work from the first scrape."""
        for result in RESULTS:
            self.snapshots.labels(target, result)
        self.duration.labels(target)
        for step in TICK_STEPS:
            self.tick_objects.labels(target, step)
            self.tick_objects_total.labels(target, step)


def build_registry(
    results: ResultsRegistry, info_severity: str = "warning"
) -> tuple[CollectorRegistry, ProcessMetrics]:
    disable_created_metrics()  # type: ignore[no-untyped-call]  # no *_created series
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ResultsCollector(results, info_severity))
    ProcessCollector(registry=registry)
    return registry, ProcessMetrics(registry)
