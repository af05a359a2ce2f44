"""The service state: what the last runs of each target left behind.

Workers publish a ``TargetResult`` per run into the ``ResultsRegistry``; ``/metrics`` (the
Collector in ``driftwatch.metrics``), ``/readyz`` and the fleet coordinator read it.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from driftwatch.findings import Finding


@dataclass(frozen=True)
class TargetResult:
    """What the last runs of one target left behind (replaced whole on each run)."""

    target: str
    interval_s: float
    runs: int = 0  # completed runs, successful or not
    up: bool = False
    last_success_ts: float | None = None
    last_error: str | None = None
    consecutive_failures: int = 0
    digest: str | None = None
    tables: Mapping[str, int] = field(default_factory=dict)  # schema -> table count
    findings: tuple[Finding, ...] = ()
    drift: Mapping[tuple[str, str], int] | None = (
        None  # (kind, change) -> objects; None = no baseline
    )
    docs_generated_ts: float | None = None


class ResultsRegistry:
    """Thread-safe map target -> latest ``TargetResult`` (what /metrics and /readyz read)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._results: dict[str, TargetResult] = {}

    def register(self, target: str, interval_s: float) -> None:
        with self._lock:
            old = self._results.get(target)
            self._results[target] = (
                replace(old, interval_s=interval_s) if old else TargetResult(target, interval_s)
            )

    def remove(self, target: str) -> None:
        with self._lock:
            self._results.pop(target, None)

    def publish(self, result: TargetResult) -> None:
        with self._lock:
            self._results[result.target] = result

    def get(self, target: str) -> TargetResult | None:
        with self._lock:
            return self._results.get(target)

    def all(self) -> list[TargetResult]:
        with self._lock:
            return [self._results[k] for k in sorted(self._results)]

    def pending(self) -> list[str]:
        """Targets that have not completed a single run yet (readiness)."""
        return [r.target for r in self.all() if r.runs == 0]
