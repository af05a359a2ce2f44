"""Recording a snapshot: the store it goes to, its changes against the previous one, the
run. The ``serve`` tick and ``driftwatch snapshot --target`` record the same way."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from driftwatch import config as configmod
from driftwatch import model
from driftwatch.config import derive
from driftwatch.diff import Change, DiffOptions, diff
from driftwatch.pipeline.results import Ok, StageResult, run_stage
from driftwatch.store import Store


class History(Protocol):
    """Where snapshots and runs are recorded, and the diff that counts a run's changes."""

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


class StoreHistory:
    """The history store, with the diff options a run's change counts use."""

    def __init__(self, store: Store, diff_options: DiffOptions) -> None:
        self.store = store
        self.diff_options = diff_options

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


def cli_history(store: Store, cfg: configmod.Config | None) -> StoreHistory:
    """The history ``driftwatch snapshot --target`` records into."""
    options = derive.diff_options(cfg or configmod.Config())  # [diff] applies, as in diff
    return StoreHistory(store, options)


@dataclass(frozen=True)
class Recorded:
    """What ``record_snapshot`` did, step by step (a failed step does not stop the next)."""

    saved: StageResult[None]
    changes: StageResult[Sequence[Change]] | None  # None: no previous snapshot, or unchanged
    run: StageResult[None]
    finished: float  # the run's end, as recorded

    @property
    def steps(self) -> tuple[StageResult[Any], ...]:
        return tuple(s for s in (self.saved, self.changes, self.run) if s is not None)

    def unwrap(self) -> Sequence[Change]:
        """The changes against the previous snapshot; raises the first failed step's error."""
        for step in self.steps:
            step.unwrap()
        return self.changes.unwrap() if self.changes is not None else ()


@dataclass(frozen=True)
class Stored:
    """The first half of recording: the snapshot saved, its changes against the previous."""

    saved: StageResult[None]
    changes: StageResult[Sequence[Change]] | None  # None: no previous snapshot, or unchanged


def store_snapshot(
    history: History, target: str, snap: model.Snapshot, *, previous: model.Snapshot | None
) -> Stored:
    """Store ``snap`` as the newest state of ``target`` and diff it against ``previous``
    (the latest stored snapshot before it). A tick does this first, so a later stage that
    fails or crashes does not lose the snapshot."""
    saved = run_stage("store", lambda: history.save(target, snap))
    changes: StageResult[Sequence[Change]] | None = None
    if previous is not None and previous.digest != snap.digest:
        old = previous
        changes = run_stage("diff", lambda: history.changes(old, snap))
    return Stored(saved, changes)


def finish_run(
    history: History,
    target: str,
    snap: model.Snapshot,
    stored: Stored,
    *,
    started: float,
    clock: Callable[[], float] = time.time,
) -> Recorded:
    """Record the run of a stored snapshot, with the counts of its changes."""
    found = stored.changes.value if isinstance(stored.changes, Ok) else ()
    counts: Counter[str] = Counter(ch.severity for ch in found)
    counts["total"] = len(found)
    finished = clock()
    run = run_stage(
        "store",
        lambda: history.record_run(
            target, started=started, finished=finished, digest=snap.digest, counts=counts
        ),
    )
    return Recorded(stored.saved, stored.changes, run, finished)


def record_snapshot(
    history: History,
    target: str,
    snap: model.Snapshot,
    *,
    previous: model.Snapshot | None,
    started: float,
    clock: Callable[[], float] = time.time,
) -> Recorded:
    """Store ``snap``, diff it against ``previous`` and record the run, in one go (what
    ``driftwatch snapshot --target`` does; a tick runs its stages in between)."""
    stored = store_snapshot(history, target, snap, previous=previous)
    return finish_run(history, target, snap, stored, started=started, clock=clock)


def record_failure(
    history: History,
    target: str,
    error: str,
    *,
    started: float,
    clock: Callable[[], float] = time.time,
) -> StageResult[None]:
    """Record a run whose snapshot failed."""
    finished = clock()
    return run_stage(
        "store",
        lambda: history.record_run(target, started=started, finished=finished, error=error),
    )
