"""One run of one target: snapshot → store → diff vs last → docs → drift vs baseline → rules.

``Worker.run()`` never raises for a target problem: failure is a state. An unreachable or
timed-out target publishes ``up=0`` and keeps its last tables/findings/docs; a stage that
fails after a good snapshot (store, diff, docs, baseline, rules) is logged and counted in
``driftwatch_stage_errors_total{stage}`` and leaves that stage's previous result in place.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from driftwatch import config as configmod
from driftwatch import docs, idents, model, sources
from driftwatch import snapshot as snapmod
from driftwatch.diff import Change, DiffOptions, diff
from driftwatch.dsn import redact
from driftwatch.errors import DriftwatchError, IntrospectionError
from driftwatch.fileio import atomic_write
from driftwatch.findings import Finding
from driftwatch.introspect import SnapshotOptions, take_snapshot
from driftwatch.logs import log_event
from driftwatch.metrics import ProcessMetrics, ResultsRegistry, TargetResult
from driftwatch.migrations import major_of
from driftwatch.rules import _cache as auditcache
from driftwatch.store import Store

STAGES = ("store", "diff", "docs", "baseline", "rules")


class Stages(Protocol):
    """The pipeline parts other modules own; ``DefaultStages`` wires the real ones."""

    def latest(self, target: str) -> model.Snapshot | None: ...

    def save(self, target: str, snap: model.Snapshot) -> None: ...

    def record_run(
        self,
        target: str,
        *,
        started: float,
        finished: float,
        error: str | None = None,
        digest: str | None = None,
        counts: Mapping[str, int] | None = None,
    ) -> None: ...

    def changes(self, old: model.Snapshot, new: model.Snapshot) -> Sequence[Change]: ...

    def render_docs(
        self, snap: model.Snapshot, out: Path, findings: Sequence[Finding]
    ) -> int | None: ...

    def baseline(
        self, spec: str, live: model.Snapshot, options: SnapshotOptions
    ) -> model.Snapshot: ...

    def audit(
        self, snap: model.Snapshot, previous: auditcache.AuditCache | None
    ) -> auditcache.AuditResult: ...

    def close(self) -> None: ...


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


def _safe_dirname(name: str) -> str:
    return (
        name
        if re.fullmatch(r"[A-Za-z0-9._-]+", name) and name not in {".", ".."}
        else (re.sub(r"[^A-Za-z0-9._-]", "_", name).strip(".") or "target")
    )


def docs_dir(target: configmod.Target, cfg: configmod.Config) -> Path:
    """Where serve writes a target's docs: ``docs_output`` or ``<state_dir>/docs/<target>``."""
    if target.docs_output:
        return Path(target.docs_output)
    return cfg.state_path / "docs" / _safe_dirname(target.name)


def baseline_spec(target: configmod.Target, cfg: configmod.Config) -> str | None:
    """The target's ``baseline``, else the documented baseline file if it exists."""
    if target.baseline:
        return target.baseline
    return cfg.docs.baseline if Path(cfg.docs.baseline).is_file() else None


RELATION_KINDS = auditcache.RELATION_KINDS


def relations(snap: model.Snapshot) -> int:
    return sum(len(snap.data.get(kind) or {}) for kind in RELATION_KINDS)


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
        self.stages = stages
        self.metrics = metrics
        self.results = results
        self.log = log
        self.clock = clock
        self.docs_out = docs_dir(target, cfg)
        self.baseline_spec = baseline_spec(target, cfg)
        self.options = sources.target_options(target)
        self._lock = threading.Lock()  # a worker never runs twice at once, whoever calls it
        self._timings: dict[str, float] = {}  # seconds per stage in the current run
        self._warned_baseline: tuple[str, str, str] | None = None
        self._last: model.Snapshot | None = None
        # What the docs on disk were rendered from (digest + findings), kept across restarts
        # so an unchanged schema is not re-rendered after every start.
        self._docs_marker = cfg.state_path / "serve" / f"{_safe_dirname(target.name)}.docs"
        self._docs_key = _read_text(self._docs_marker)
        # The findings of the last audit per object, also kept across restarts.
        self._audit_file = self._docs_marker.with_suffix(".audit")
        self._audit_cache: auditcache.AuditCache | None = None
        self._audit_loaded = False
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
        errors: list[str] = []
        self._timings = {}
        # The previous snapshot: the one this process saw last, else the store's latest
        # (its manifest only: objects are read when used). An unchanged catalog (same
        # fingerprint) returns it as it is, without reading the catalog again.
        # (a failed store read yields _FAILED, which is falsy: treat it as "no previous")
        prev = self._last or self._stage("store", errors, lambda: self.stages.latest(self.name))
        prev = prev or None
        stats: dict[str, int] = {}
        fresh: dict[str, Any] = {}

        def hasher(data: dict[str, Any]) -> str:
            # one encoding of each object gives the digest and the per-object digests the
            # store, the diff and the audit cache compare
            digest, groups = snapmod.hashed(data)
            fresh.update(data=data, groups=groups)
            return digest

        snap_started = time.monotonic()
        try:
            snap = take_snapshot(
                self.target.dsn, self.options, reuse=prev, hasher=hasher, stats=stats
            )
        except Exception as exc:  # failure is a state: any error here is a failed run
            return self._failed(exc, started_at, time.monotonic() - started)
        duration = time.monotonic() - snap_started
        if fresh and snap.data is fresh["data"]:
            snap = model.Snapshot(snap.meta, digest=snap.digest, data=fresh["groups"])
        reread = 0 if stats.get("reused") else relations(snap)
        self.metrics.snapshots.labels(self.name, "success").inc()
        self.metrics.duration.labels(self.name).observe(duration)

        cur = self._current()
        changed = prev is None or prev.digest != snap.digest
        self._stage("store", errors, lambda: self.stages.save(self.name, snap))
        if prev is not None:  # (ticks, issue 20) the stages below decode only what changed
            snap = self._stored_copy(snap, prev, errors)
            if snap.data is not fresh.get("groups"):
                fresh.clear()  # the decoded tree goes
        changes: Sequence[Change] = ()
        if prev is not None and changed:
            changes = self._stage("diff", errors, lambda: self.stages.changes(prev, snap)) or ()
            for ch in changes:
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
        drift = cur.drift
        if self.baseline_spec is not None:
            spec = self.baseline_spec
            base = self._stage(
                "baseline", errors, lambda: self.stages.baseline(spec, snap, self.options)
            )
            if isinstance(base, model.Snapshot):
                self._check_baseline_database(spec, base, snap)
                diffs = self._stage("baseline", errors, lambda: self.stages.changes(base, snap))
                if diffs is not _FAILED:
                    tally = Counter((str(c.kind), str(c.change)) for c in diffs or ())
                    drift = dict(sorted(tally.items()))
        findings = cur.findings
        previous = self._previous_audit()
        audited = self._stage("rules", errors, lambda: self.stages.audit(snap, previous))
        reaudited = 0
        if isinstance(audited, auditcache.AuditResult):
            findings = tuple(sorted(audited.findings))
            reaudited = audited.audited
            self._audit_cache = audited.cache
            if audited.cache.key and (audited.audited or previous is None):
                body = audited.cache.dumps()
                self._stage(
                    "rules", errors, lambda: atomic_write(self._audit_file, body, parents=True)
                )
        docs_ts = cur.docs_generated_ts
        docs_key = _docs_key(snap, findings)
        rerendered = 0
        if docs_key != self._docs_key or not (self.docs_out / "schema.json").is_file():
            out = self.docs_out
            done = self._stage("docs", errors, lambda: self.stages.render_docs(snap, out, findings))
            if done is not _FAILED:
                rerendered = done or 0
                docs_ts = self.clock()
                self._docs_key = docs_key
                self._stage(
                    "docs",
                    errors,
                    lambda: atomic_write(self._docs_marker, docs_key.encode(), parents=True),
                )
                log_event(self.log, "docs.generated", target=self.name, output=str(out))

        # (ticks, issue 20) what the next tick compares with: an undecoded copy, unless
        # nothing was decoded (an unchanged catalog, audited from the cache)
        self._last = self._stored_copy(snap, prev if reaudited == 0 else None, errors)
        now = self.clock()
        counts = Counter(ch.severity for ch in changes)
        counts["total"] = len(changes)
        self._stage(
            "store",
            errors,
            lambda: self.stages.record_run(
                self.name, started=started_at, finished=now, digest=snap.digest, counts=counts
            ),
        )
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
                findings=findings,
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
            findings=len(findings),
            drift=sum(drift.values()) if drift is not None else None,
            stage_errors=",".join(errors) or None,
            **self._timing_fields(),
        )
        return RunOutcome(self.name, True, changed=changed, stage_errors=tuple(errors))

    def _stored_copy(
        self, snap: model.Snapshot, prev: model.Snapshot | None, errors: list[str]
    ) -> model.Snapshot:
        """(ticks, issue 20) The store's copy of ``snap`` when this tick stored it: its
        objects are read from the store when used. The stages after the store (diff,
        rules, docs) then decode only what changed, in the memory the catalog read's tree
        leaves, and a running serve does not hold that tree while it reads the next one.
        ``snap`` itself when the store failed or could not say, and when it is ``prev``'s
        objects (an unchanged catalog): nothing new to let go of."""
        if "store" in errors or (prev is not None and snap.data is prev.data):
            return snap
        started = time.monotonic()
        try:
            stored = self.stages.latest(self.name)
        except Exception:  # the store just took the snapshot: keep ours if it cannot say
            stored = None
        finally:
            self._timings["store"] = self._timings.get("store", 0.0) + time.monotonic() - started
        return stored if stored is not None and stored.digest == snap.digest else snap

    def _previous_audit(self) -> auditcache.AuditCache | None:
        """The last audit's cache: this process's, else the one a previous life left."""
        if not self._audit_loaded:
            self._audit_loaded = True
            try:
                raw = self._audit_file.read_bytes()
            except OSError:
                raw = b""
            self._audit_cache = auditcache.AuditCache.loads(raw) if raw else None
        return self._audit_cache

    def _check_baseline_database(
        self, spec: str, base: model.Snapshot, snap: model.Snapshot
    ) -> None:
        """Warn (once per baseline version) when a file baseline was taken from another
        database: the drift gauge then compares two different databases."""
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

    def _stage(self, stage: str, errors: list[str], fn: Callable[[], Any]) -> Any:
        t0 = time.monotonic()
        try:
            return fn()
        except Exception as exc:
            errors.append(stage)
            self.metrics.stage_errors.labels(self.name, stage).inc()
            log_event(
                self.log,
                "stage.failed",
                logging.ERROR,
                target=self.name,
                stage=stage,
                reason=_reason(exc),
            )
            return _FAILED
        finally:
            self._timings[stage] = self._timings.get(stage, 0.0) + time.monotonic() - t0

    def _failed(self, exc: Exception, started_at: float, duration: float) -> RunOutcome:
        self.metrics.snapshots.labels(self.name, "error").inc()
        self.metrics.duration.labels(self.name).observe(duration)
        err = (
            exc
            if isinstance(exc, DriftwatchError)
            else IntrospectionError(f"snapshot failed: {_reason(exc)}")
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
        try:
            self.stages.record_run(
                self.name, started=started_at, finished=self.clock(), error=err.message
            )
        except Exception as store_exc:
            self.metrics.stage_errors.labels(self.name, "store").inc()
            log_event(
                self.log,
                "stage.failed",
                logging.ERROR,
                target=self.name,
                stage="store",
                reason=_reason(store_exc),
            )
        return RunOutcome(self.name, False, err)


def _docs_key(snap: model.Snapshot, findings: Sequence[Finding]) -> str:
    h = hashlib.sha256(snap.digest.encode())
    for f in findings:
        h.update(f"\0{f.rule}\0{f.severity}\0{f.object}\0{f.fingerprint}\0{f.message}".encode())
    return h.hexdigest()


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text().strip() or None
    except (OSError, UnicodeDecodeError):
        return None


class _Failed:
    """The result of a stage that raised: falsy, so ``stage() or fallback`` works."""

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "<stage failed>"


_FAILED: Any = _Failed()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, DriftwatchError):
        return exc.message
    text = " ".join(str(exc).split()) or type(exc).__name__
    return redact(f"{type(exc).__name__}: {text}")


class DefaultStages:
    """The real pipeline parts: the history store, the diff engine, the docs renderer,
    baseline sources and the audit rules (each module owned by its own part)."""

    def __init__(self, cfg: configmod.Config) -> None:
        self.cfg = cfg
        self.store = Store.from_config(cfg)  # [store] retention applies
        self.diff_options = DiffOptions(app_roles=tuple(cfg.tenancy.app_roles), config=cfg)
        self._baselines: dict[str, tuple[Any, model.Snapshot]] = {}
        self._baseline_lock = threading.Lock()

    def latest(self, target: str) -> model.Snapshot | None:
        return self.store.latest_snapshot(target)

    def save(self, target: str, snap: model.Snapshot) -> None:
        self.store.save_snapshot(target, snap)

    def record_run(
        self,
        target: str,
        *,
        started: float,
        finished: float,
        error: str | None = None,
        digest: str | None = None,
        counts: Mapping[str, int] | None = None,
    ) -> None:
        self.store.record_run(
            target,
            started=dt.datetime.fromtimestamp(started, dt.UTC),
            finished=dt.datetime.fromtimestamp(finished, dt.UTC),
            status="error" if error else "ok",
            error=error,
            digest=digest,
            counts=counts,
        )

    def changes(self, old: model.Snapshot, new: model.Snapshot) -> Sequence[Change]:
        return diff(old, new, self.diff_options).changes

    def render_docs(self, snap: model.Snapshot, out: Path, findings: Sequence[Finding]) -> int:
        return docs.render(snap, list(findings), self.cfg, out).rendered

    def baseline(self, spec: str, live: model.Snapshot, options: SnapshotOptions) -> model.Snapshot:
        """The baseline to measure drift against. ``migrations:DIR`` is replayed with the
        target's snapshot options on the live server's major version (and cached)."""
        major = major_of(live)
        key = (_source_key(spec), major, options)
        with self._baseline_lock:
            hit = self._baselines.get(spec)
            if hit is not None and hit[0] == key:
                return hit[1]
        snap = sources.resolve(spec, self.cfg, options=options, target_major=major)
        with self._baseline_lock:
            self._baselines[spec] = (key, snap)
        return snap

    def audit(
        self, snap: model.Snapshot, previous: auditcache.AuditCache | None
    ) -> auditcache.AuditResult:
        return auditcache.audit(snap, self.cfg, previous)

    def close(self) -> None:
        self.store.close()


def _source_key(spec: str) -> tuple[Any, ...]:
    """What must be unchanged for a cached baseline to be reused: files' size and mtime."""
    path = Path(spec.removeprefix("migrations:"))
    try:
        if path.is_dir():
            return tuple(
                sorted((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in path.rglob("*"))
            )
        st = path.stat()
        return (st.st_size, st.st_mtime_ns)
    except OSError:
        return ()
