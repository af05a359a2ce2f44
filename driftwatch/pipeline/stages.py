"""The parts a tick's stages call (store, diff, docs, baseline, audit), behind one
protocol so the tests can replace any of them."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from driftwatch import config as configmod
from driftwatch import model, snapshot_specs
from driftwatch.config import derive
from driftwatch.findings import Finding
from driftwatch.introspect import SnapshotOptions
from driftwatch.pipeline.history import History, StoreHistory
from driftwatch.rules import _cache as auditcache
from driftwatch.store import Store


class Stages(History, Protocol):
    """The parts a tick runs, each owned by its own module; ``DefaultStages`` wires them."""

    def latest(self, target: str) -> model.Snapshot | None: ...

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


class DefaultStages(StoreHistory):
    """The real parts: the history store, the diff engine, the docs renderer, baseline
    sources and the audit rules."""

    def __init__(self, cfg: configmod.Config) -> None:
        options = derive.diff_options(cfg)  # [diff] applies, as in driftwatch diff
        super().__init__(Store.from_config(cfg), options)  # [store] retention applies
        self.cfg = cfg
        self._baselines: dict[str, tuple[Any, model.Snapshot]] = {}
        self._baseline_lock = threading.Lock()

    def render_docs(self, snap: model.Snapshot, out: Path, findings: Sequence[Finding]) -> int:
        from driftwatch import docs  # jinja2 and the renderer: only when something changed

        return docs.render(snap, list(findings), self.cfg, out).rendered

    def baseline(self, spec: str, live: model.Snapshot, options: SnapshotOptions) -> model.Snapshot:
        """The baseline to measure drift against. ``migrations:DIR`` is replayed with the
        target's snapshot options on the live server's major version (and cached)."""
        major = live.server_major
        key = (_source_key(spec), major, options)
        with self._baseline_lock:
            hit = self._baselines.get(spec)
            if hit is not None and hit[0] == key:
                return hit[1]
        snap = snapshot_specs.resolve(spec, self.cfg, options=options, target_major=major)
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
