"""One run of one target: the tick's pipeline, its log lines and metrics, its published state.

``Worker.run()`` never raises for a target problem: failure is a state. An unreachable or
timed-out target publishes ``up=0`` and keeps its last tables/findings/docs; a stage that
fails after a good snapshot (store, diff, docs, baseline, rules) is logged and counted in
``driftwatch_stage_errors_total{stage}`` and leaves that stage's previous result in place.
The stages themselves are ``driftwatch.pipeline``'s.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from driftwatch import config as configmod
from driftwatch import idents, model
from driftwatch.errors import DriftwatchError, IntrospectionError
from driftwatch.logs import log_event
from driftwatch.metrics import ProcessMetrics
from driftwatch.pipeline import (
    Failed,
    Ok,
    Pipeline,
    StageResult,
    Stages,
    Tick,
)
from driftwatch.service.state import ResultsRegistry, TargetResult

__all__ = ["RunOutcome", "Worker", "tables_by_schema"]


@dataclass(frozen=True)
class RunOutcome:
    target: str
    ok: bool
    error: DriftwatchError | None = None
    changed: bool = False
    stage_errors: tuple[str, ...] = ()

    @property
    def exit_code(self) -> int:
        return 0 if self.ok or self.error is None else self.error.exit_code


def tables_by_schema(snap: model.Snapshot) -> dict[str, int]:
    """Count tables per (raw) schema name; table keys quote their identifiers
    (``"a.b".c``), so the split is exact whatever the names hold. Reads the keys only: no
    object is decoded."""
    counts: Counter[str] = Counter(
        idents.split_key(key)[0] for key in snap.data.get("tables") or {}
    )
    return dict(sorted(counts.items()))


class Worker:
    """Runs one target; owns nothing shared except what it publishes."""

    def __init__(
        self,
        target: configmod.Target,
        cfg: configmod.Config,
        *,
        interval_s: float,
        stages: Stages,
        metrics: ProcessMetrics,
        results: ResultsRegistry,
        log: logging.Logger,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.target = target
        self.cfg = cfg
        self.pipeline = Pipeline(target, cfg, stages, clock=clock)
        self.metrics = metrics
        self.results = results
        self.log = log
        self.clock = clock
        self.docs_out = self.pipeline.docs_out
        self._lock = threading.Lock()  # a worker never runs twice at once, whoever calls it
        self._timings: dict[str, float] = {}  # seconds per stage in the current run
        self._errors: list[str] = []  # the stages that failed in the current run
        self._warned_baseline: tuple[str, str, str] | None = None
        results.register(target.name, interval_s)
        metrics.init_target(target.name)
        existing = self.docs_out / "schema.json"
        if existing.is_file():  # docs from a previous life of the process
            prev = results.get(target.name)
            assert prev is not None
            results.publish(replace(prev, docs_generated_ts=existing.stat().st_mtime))

    @property
    def name(self) -> str:
        return self.target.name

    @property
    def _last(self) -> model.Snapshot | None:
        """The last snapshot this process took of the target."""
        return self.pipeline.last

    def run(self) -> RunOutcome:
        with self._lock:
            return self._run()

    def _current(self) -> TargetResult:
        cur = self.results.get(self.name)
        assert cur is not None, "worker results were unregistered"
        return cur

    def _run(self) -> RunOutcome:
        started = time.monotonic()
        started_at = self.clock()
        self._errors = []
        self._timings = {}
        tick = self.pipeline.tick(
            started=started_at, findings=self._current().findings, report=self._report
        )
        if not isinstance(tick.snapshot, Ok):
            return self._failed(tick.snapshot, started_at, time.monotonic() - started)
        snap, reread = tick.snapshot.value.snap, tick.snapshot.value.reread
        duration = tick.snapshot.seconds
        self.metrics.snapshots.labels(self.name, "success").inc()
        self.metrics.duration.labels(self.name).observe(duration)

        cur = self._current()
        prev = tick.previous
        changed = prev is None or prev.digest != snap.digest
        self._log_changes(tick)
        drift = cur.drift
        if tick.baseline is not None:
            self._check_baseline_database(tick.baseline, snap)
        if isinstance(tick.drift, Ok):
            drift = tick.drift.value
        reaudited = tick.audit.value.audited if isinstance(tick.audit, Ok) else 0
        docs_ts = cur.docs_generated_ts
        rerendered = 0
        if isinstance(tick.docs, Ok):
            rerendered = tick.docs.value or 0
            docs_ts = tick.docs_at
            log_event(self.log, "docs.generated", target=self.name, output=str(self.docs_out))

        assert tick.recorded is not None
        now = tick.recorded.finished
        self.results.publish(
            replace(
                cur,
                runs=cur.runs + 1,
                up=True,
                last_success_ts=now,
                last_error=None,
                consecutive_failures=0,
                digest=snap.digest,
                tables=tables_by_schema(snap),
                findings=tick.findings,
                drift=drift,
                docs_generated_ts=docs_ts,
            )
        )
        for step, n in (("reread", reread), ("reaudited", reaudited), ("rerendered", rerendered)):
            self.metrics.tick_objects.labels(self.name, step).set(n)
            self.metrics.tick_objects_total.labels(self.name, step).inc(n)
        log_event(
            self.log,
            "run.finished",
            target=self.name,
            duration_s=round(time.monotonic() - started, 3),
            snapshot_s=round(duration, 3),
            digest=snap.digest[:19],
            changed=changed,
            tables=len(snap.data.get("tables") or {}),
            reread=reread,
            reaudited=reaudited,
            rerendered=rerendered,
            findings=len(tick.findings),
            drift=sum(drift.values()) if drift is not None else None,
            stage_errors=",".join(self._errors) or None,
            **self._timing_fields(),
        )
        return RunOutcome(self.name, True, changed=changed, stage_errors=tuple(self._errors))

    def _log_changes(self, tick: Tick) -> None:
        """Count and log each change against the previous snapshot."""
        changes = tick.recorded.changes if tick.recorded is not None else None
        if not isinstance(changes, Ok):
            return
        for ch in changes.value:
            kind, obj, change = str(ch.kind), str(ch.object), str(ch.change)
            self.metrics.schema_changes.labels(self.name, kind, change).inc()
            if ch.verdict is not None:
                self.metrics.policy_changes.labels(self.name, ch.verdict).inc()
            log_event(
                self.log,
                "schema.change",
                target=self.name,
                kind=kind,
                object=obj,
                change=change,
                severity=ch.severity,
            )

    def _check_baseline_database(self, base: model.Snapshot, snap: model.Snapshot) -> None:
        """Warn (once per baseline version) when a file baseline was taken from another
        database: the drift gauge then compares two different databases."""
        spec = self.pipeline.baseline_spec
        assert spec is not None
        if spec.startswith("migrations:") or base.meta.database == snap.meta.database:
            return
        key = (spec, base.digest, snap.meta.database)
        if key == self._warned_baseline:
            return
        self._warned_baseline = key
        log_event(
            self.log,
            "baseline.mismatch",
            logging.WARNING,
            target=self.name,
            baseline=spec,
            baseline_database=base.meta.database,
            live_database=snap.meta.database,
            reason=f"the baseline was taken from database {base.meta.database!r}, "
            f"this target is {snap.meta.database!r}",
        )

    def _timing_fields(self) -> dict[str, Any]:
        return {f"{k}_s": round(v, 3) for k, v in sorted(self._timings.items())}

    def _report(self, result: StageResult[Any]) -> None:
        """Time each stage; count and log the ones that failed."""
        self._timings[result.stage] = self._timings.get(result.stage, 0.0) + result.seconds
        if isinstance(result, Ok):
            return
        self._errors.append(result.stage)
        self.metrics.stage_errors.labels(self.name, result.stage).inc()
        log_event(
            self.log,
            "stage.failed",
            logging.ERROR,
            target=self.name,
            stage=result.stage,
            reason=result.reason,
        )

    def _failed(self, failed: Failed, started_at: float, duration: float) -> RunOutcome:
        self.metrics.snapshots.labels(self.name, "error").inc()
        self.metrics.duration.labels(self.name).observe(duration)
        exc = failed.error
        err = (
            exc
            if isinstance(exc, DriftwatchError)
            else IntrospectionError(f"snapshot failed: {failed.reason}")
        )
        cur = self._current()
        failures = cur.consecutive_failures + 1
        self.results.publish(
            replace(
                cur,
                runs=cur.runs + 1,
                up=False,
                last_error=err.message,
                consecutive_failures=failures,
            )
        )
        log_event(
            self.log,
            "run.failed",
            logging.WARNING,
            target=self.name,
            reason=err.message,
            duration_s=round(duration, 3),
            consecutive_failures=failures,
        )
        self._report(self.pipeline.record_failure(err.message, started=started_at))
        return RunOutcome(self.name, False, err)
