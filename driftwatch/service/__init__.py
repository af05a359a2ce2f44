"""The long-running service: one APScheduler job per target, HTTP endpoints, shutdown.

``Service(cfg)`` validates everything up front (a ``ConfigError`` → exit 2 before anything
starts), then ``start()`` serves ``/metrics`` ``/healthz`` ``/readyz`` and schedules each
target on its own interval/cron trigger (jitter, ``max_instances=1``, coalescing, misfire
grace, first run at start-up). ``run_once()`` is the cron-style single tick. ``stop()``
stops scheduling and waits (bounded) for running snapshots to finish.

The names below load on first use: the worker and the metrics import
``driftwatch.service.state``, which must not pull the whole service (and the worker itself)
in with this package.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from driftwatch.service.backoff import Backoff
    from driftwatch.service.core import Service, ServiceSettings, settings_from
    from driftwatch.service.http import HttpEndpoints, MetricsAuth, parse_listen

_HOME = {
    "Backoff": "driftwatch.service.backoff",
    "HttpEndpoints": "driftwatch.service.http",
    "MetricsAuth": "driftwatch.service.http",
    "Service": "driftwatch.service.core",
    "ServiceSettings": "driftwatch.service.core",
    "parse_listen": "driftwatch.service.http",
    "settings_from": "driftwatch.service.core",
}

__all__ = [
    "Backoff",
    "HttpEndpoints",
    "MetricsAuth",
    "Service",
    "ServiceSettings",
    "parse_listen",
    "settings_from",
]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'driftwatch.service' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
