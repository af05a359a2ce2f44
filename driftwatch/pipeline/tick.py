"""One target's tick: snapshot, store and diff, baseline drift, audit, docs, run record,
in that order, with what the next tick compares against (the last snapshot, its catalog
fingerprints, the audit cache, what the docs were rendered from). Logging, metrics and
the published service state are the worker's."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias, TypeVar

from driftwatch import config as configmod
from driftwatch import model
from driftwatch import snapshot as snapmod
from driftwatch.config import derive
from driftwatch.diff import Change
from driftwatch.fileio import atomic_write
from driftwatch.findings import Finding
from driftwatch.introspect import IncrementalStats, SnapshotOptions, catalog_state, take_incremental
from driftwatch.objectgroup import ObjectGroup
from driftwatch.pipeline.history import Recorded, Stored, finish_run, record_failure, store_snapshot
from driftwatch.pipeline.results import Ok, Report, Stage, StageResult, run_stage
from driftwatch.pipeline.stages import Stages
from driftwatch.rules import _cache as auditcache

T = TypeVar("T")

RELATION_KINDS = auditcache.RELATION_KINDS

Drift: TypeAlias = dict[tuple[str, str], int]  # (kind, change) -> objects differing


@dataclass(frozen=True)
class Taken:
    """A snapshot, how many relations it read from the catalog (0: the catalog was
    unchanged and the previous snapshot came back with fresh meta) and how it was read."""

    snap: model.Snapshot
    reread: int
    stats: IncrementalStats | None = None


def take(
    dsn: str,
    options: SnapshotOptions,
    previous: model.Snapshot | None,
    earlier: catalog_state.CatalogState | None = None,
) -> Taken:
    """Snapshot ``dsn``: ``previous`` back with fresh meta when the catalog fingerprint is
    unchanged, else the relations changed since it re-read and spliced into it (with the
    fingerprints this process kept for it, or ``earlier``), else a full read."""
    fresh: dict[str, Any] = {}

    def hasher(data: dict[str, Any]) -> str:
        # one encoding of each object read gives the digest and the per-object digests
        # the store, the diff and the audit cache compare; kept objects are not encoded
        digest, groups = snapmod.hashed(data)
        fresh.update(data=data, groups=groups)
        return digest

    snap, stats = take_incremental(
        dsn, options, previous=previous, hasher=hasher, earlier=earlier, reuse_unknown=True
    )
    if fresh and snap.data is fresh["data"]:
        snap = model.Snapshot(snap.meta, digest=snap.digest, data=fresh["groups"])
    reread = {"reused": 0, "full": relations(snap)}.get(stats.mode, stats.reread)
    return Taken(snap, reread, stats)


def relations(snap: model.Snapshot) -> int:
    return sum(len(snap.data.get(kind) or {}) for kind in RELATION_KINDS)


@dataclass(frozen=True)
class Tick:
    """The stages' results of one tick. Past a failed snapshot nothing else ran."""

    previous: model.Snapshot | None  # what the snapshot was compared with
    snapshot: StageResult[Taken]
    baseline: model.Snapshot | None = None  # the baseline read this tick
    drift: StageResult[Drift] | None = None  # None: the target has no baseline
    audit: StageResult[auditcache.AuditResult] | None = None
    findings: tuple[Finding, ...] = ()  # the audit's, else those the tick started with
    docs: StageResult[int | None] | None = None  # None: the docs on disk were up to date
    docs_at: float | None = None  # when the docs were rendered
    recorded: Recorded | None = None


class _Runner:
    """Runs stages and reports each result as it comes."""

    def __init__(self, report: Report) -> None:
        self.report = report

    def __call__(self, stage: Stage, fn: Callable[[], T]) -> StageResult[T]:
        result = run_stage(stage, fn)
        self.report(result)
        return result


class Pipeline:
    """One target's stages, and what they keep from one tick to the next."""

    def __init__(
        self,
        target: configmod.Target,
        cfg: configmod.Config,
        stages: Stages,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.target = target
        self.stages = stages
        self.clock = clock
        self.docs_out = docs_dir(target, cfg)
        self.baseline_spec = baseline_spec(target, cfg)
        self.options = derive.snapshot_options(target)
        self.last: model.Snapshot | None = None
        # What the docs on disk were rendered from (digest + findings), kept across restarts
        # so an unchanged schema is not re-rendered after every start.
        self._docs_marker = cfg.state_path / "serve" / f"{_safe_dirname(target.name)}.docs"
        self._docs_key = _read_text(self._docs_marker)
        # The findings of the last audit per object, also kept across restarts.
        self._audit_file = self._docs_marker.with_suffix(".audit")
        # The catalog fingerprints of the last snapshot (introspect/catalog_state.py), so
        # that a new process re-reads only the relations changed since the stored one.
        self._catalog_file = self._docs_marker.with_suffix(".catalog")
        self._audit_cache: auditcache.AuditCache | None = None
        self._audit_loaded = False
        # no tick follows (``serve --once``): nothing is kept in memory for a next one
        self.final = False

    @property
    def name(self) -> str:
        return self.target.name

    def tick(self, *, started: float, findings: tuple[Finding, ...], report: Report) -> Tick:
        """Run the stages once. ``findings`` are the last published ones (the docs use them
        when the audit fails); ``report`` sees every stage result but the snapshot's."""
        run = _Runner(report)
        # The previous snapshot: the one this process saw last, else the store's latest
        # (its manifest only: objects are read when used). An unchanged catalog (same
        # fingerprint) returns it as it is, without reading the catalog again.
        prev = self.last
        if prev is None:
            read = run("store", lambda: self.stages.latest(self.name))
            prev = read.value if isinstance(read, Ok) else None  # failed: no previous
        reuse = prev
        dsn = self.target.dsn
        earlier = self._catalog_state(dsn, prev)
        taken = run_stage("snapshot", lambda: take(dsn, self.options, reuse, earlier))
        if not isinstance(taken, Ok):
            return Tick(prev, taken)
        snap = taken.value.snap
        stored = store_snapshot(self.stages, self.name, snap, previous=prev)
        for step in (stored.saved, stored.changes):
            if step is not None:
                report(step)
        self._keep_catalog_state(dsn, taken.value, run)
        unchanged = prev is not None and snap.data is prev.data  # the catalog's, reused
        copied = False  # whether ``snap`` is the store's copy
        if prev is not None and not unchanged:
            # the stages below work on the store's copy, which decodes only what they read,
            # and the catalog read's tree goes (a tick's peak memory)
            snap = self._stored_copy(snap, stored, report)
            copied = snap is not taken.value.snap
            if copied:
                taken = Ok(taken.stage, dataclasses.replace(taken.value, snap=snap), taken.seconds)
        baseline, drift = self._drift(snap, run)
        previous_audit = self._previous_audit()
        audit = run("rules", lambda: self.stages.audit(snap, previous_audit))
        if isinstance(audit, Ok):
            findings = tuple(sorted(audit.value.findings))
            cache = audit.value.cache
            self._audit_cache = cache
            if cache.key and (audit.value.audited or previous_audit is None):
                body = cache.dumps()
                run("rules", lambda: atomic_write(self._audit_file, body, parents=True))
        rendered, docs_at = self._docs(snap, findings, run)
        # what the next tick compares with: an undecoded copy, unless nothing was decoded
        # (an unchanged catalog, or a store copy the audit's cache answered for)
        undecoded = copied and isinstance(audit, Ok) and audit.value.audited == 0
        if unchanged or self.final:
            self.last = snap
        else:
            kept = snap if undecoded else self._stored_copy(snap, stored, report)
            self.last = self._held(kept, report)
        recorded = finish_run(
            self.stages, self.name, snap, stored, started=started, clock=self.clock
        )
        report(recorded.run)
        return Tick(prev, taken, baseline, drift, audit, findings, rendered, docs_at, recorded)

    def _stored_copy(self, snap: model.Snapshot, stored: Stored, report: Report) -> model.Snapshot:
        """The store's copy of ``snap`` (its objects read from the store when used), or
        ``snap`` itself when the store did not take it or cannot say."""
        if not isinstance(stored.saved, Ok):
            return snap
        read = run_stage("store", lambda: self.stages.latest(self.name))
        if not isinstance(read, Ok):
            return snap  # the store just took the snapshot: keep ours if it cannot say
        report(read)  # its time counts as the store's
        copy = read.value
        return copy if copy is not None and copy.digest == snap.digest else snap

    def _held(self, snap: model.Snapshot, report: Report) -> model.Snapshot:
        """``snap`` with the canonical bytes of every object it reads from the store held
        (not decoded): the next tick splices and diffs against it without the store, so
        a store outage costs the store stage only. ``snap`` as it is if the read fails."""

        def fetch() -> None:
            for group in snap.data.values():
                if isinstance(group, ObjectGroup):
                    group.prefetch(group)

        read = run_stage("store", fetch)
        if isinstance(read, Ok):
            report(read)  # its time counts as the store's
        return snap

    def record_failure(self, error: str, *, started: float) -> StageResult[None]:
        return record_failure(self.stages, self.name, error, started=started, clock=self.clock)

    def _drift(
        self, snap: model.Snapshot, run: _Runner
    ) -> tuple[model.Snapshot | None, StageResult[Drift] | None]:
        """The baseline and the objects differing from it (None: no baseline)."""
        spec = self.baseline_spec
        if spec is None:
            return None, None
        base = run("baseline", lambda: self.stages.baseline(spec, snap, self.options))
        if not isinstance(base, Ok):
            return None, base
        baseline = base.value
        return baseline, run("baseline", lambda: _tally(self.stages.changes(baseline, snap)))

    def _docs(
        self, snap: model.Snapshot, findings: tuple[Finding, ...], run: _Runner
    ) -> tuple[StageResult[int | None] | None, float | None]:
        """Render the docs unless those on disk came from the same snapshot and findings."""
        key = docs_key(snap, findings)
        if key == self._docs_key and (self.docs_out / "schema.json").is_file():
            return None, None
        out = self.docs_out
        rendered = run("docs", lambda: self.stages.render_docs(snap, out, findings))
        if not isinstance(rendered, Ok):
            return rendered, None
        docs_at = self.clock()
        self._docs_key = key
        run("docs", lambda: atomic_write(self._docs_marker, key.encode(), parents=True))
        return rendered, docs_at

    def _catalog_state(
        self, dsn: str, prev: model.Snapshot | None
    ) -> catalog_state.CatalogState | None:
        """The fingerprints ``prev`` was read with, from the file when this process keeps
        none (a new process, or one whose kept states went to other targets); None when
        this process has them (``take`` finds them) or the file does not fit ``prev``."""
        if prev is None or catalog_state.state_of(dsn, prev) is not None:
            return None
        try:
            raw = self._catalog_file.read_bytes()
        except OSError:
            return None
        return catalog_state.loads(raw, dsn, prev.digest)

    def _keep_catalog_state(self, dsn: str, taken: Taken, run: _Runner) -> None:
        """Write the fingerprints of a snapshot just read (a reused one has the file's)."""
        if taken.stats is None or taken.stats.mode == "reused":
            return
        state = catalog_state.state_of(dsn, taken.snap)
        if state is None:
            return
        body = catalog_state.dumps(taken.snap.digest, state)
        run("store", lambda: atomic_write(self._catalog_file, body, parents=True))

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


def _tally(changes: Sequence[Change]) -> Drift:
    counts = Counter((str(c.kind), str(c.change)) for c in changes)
    return dict(sorted(counts.items()))


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


def docs_key(snap: model.Snapshot, findings: Sequence[Finding]) -> str:
    """What the docs are rendered from: the snapshot's digest and the findings."""
    h = hashlib.sha256(snap.digest.encode())
    for f in findings:
        h.update(f"\0{f.rule}\0{f.severity}\0{f.object}\0{f.fingerprint}\0{f.message}".encode())
    return h.hexdigest()


def _safe_dirname(name: str) -> str:
    return (
        name
        if re.fullmatch(r"[A-Za-z0-9._-]+", name) and name not in {".", ".."}
        else (re.sub(r"[^A-Za-z0-9._-]", "_", name).strip(".") or "target")
    )


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text().strip() or None
    except (OSError, UnicodeDecodeError):
        return None
