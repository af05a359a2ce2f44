"""The long-running service: one APScheduler job per target, HTTP endpoints, shutdown.

``Service(cfg)`` validates everything up front (a ``ConfigError`` → exit 2 before anything
starts), then ``start()`` serves ``/metrics`` ``/healthz`` ``/readyz`` and schedules each
target on its own interval/cron trigger (jitter, ``max_instances=1``, coalescing, misfire
grace, first run at start-up). ``run_once()`` is the cron-style single tick. ``stop()``
stops scheduling and waits (bounded) for running snapshots to finish.
"""

from driftwatch.service.backoff import Backoff
from driftwatch.service.core import Service, ServiceSettings, settings_from
from driftwatch.service.http import HttpEndpoints, MetricsAuth, parse_listen

__all__ = [
    "Backoff",
    "HttpEndpoints",
    "MetricsAuth",
    "Service",
    "ServiceSettings",
    "parse_listen",
    "settings_from",
]
