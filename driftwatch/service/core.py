"""``Service``: workers + scheduler + HTTP, and their life cycle."""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor as FuturesPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from driftwatch import config as configmod
from driftwatch import gctuning
from driftwatch.config import load as configload
from driftwatch.dsn import validate as validate_dsn
from driftwatch.errors import ConfigError, UsageError
from driftwatch.findings import SEVERITIES
from driftwatch.fleet import expand_targets
from driftwatch.logs import LOGGER_NAME, log_event
from driftwatch.metrics import build_registry
from driftwatch.pipeline import DefaultStages, Stages
from driftwatch.schedule import Schedule, parse_duration, parse_schedule
from driftwatch.service.backoff import Backoff
from driftwatch.service.http import HttpEndpoints, HttpLimits, MetricsAuth, parse_listen
from driftwatch.service.state import ResultsRegistry
from driftwatch.worker import RunOutcome, Worker

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler

    from driftwatch.fleet.coordinator import Coordinator

MAX_PARALLEL_RUNS = 8


@dataclass(frozen=True)
class ServiceSettings:
    listen: str
    auth: MetricsAuth
    jitter_max_s: float
    backoff_max_s: float
    shutdown_timeout_s: float
    finding_info_severity: str
    http: HttpLimits = field(default_factory=HttpLimits)


def settings_from(cfg: configmod.Config, listen: str | None = None) -> ServiceSettings:
    """The [server] section (plus environment fallbacks), validated."""
    srv = cfg.server
    listen = listen or os.environ.get("DRIFTWATCH_LISTEN") or srv.listen
    parse_listen(listen)
    env = os.environ
    auth = MetricsAuth(
        username=srv.metrics_username or env.get("DRIFTWATCH_METRICS_USERNAME", ""),
        password=srv.metrics_password or env.get("DRIFTWATCH_METRICS_PASSWORD", ""),
        token=srv.metrics_token or env.get("DRIFTWATCH_METRICS_TOKEN", ""),
    )
    if srv.finding_info_severity not in SEVERITIES:
        raise ConfigError(
            f"server.finding_info_severity: {srv.finding_info_severity!r} is not one of "
            + ", ".join(SEVERITIES)
        )
    if bool(auth.username) != bool(auth.password):
        raise ConfigError(
            "server.metrics_username and server.metrics_password must be set together"
        )
    return ServiceSettings(
        listen=listen,
        auth=auth,
        jitter_max_s=parse_duration(srv.jitter_max, "server.jitter_max"),
        backoff_max_s=parse_duration(srv.backoff_max, "server.backoff_max"),
        shutdown_timeout_s=parse_duration(srv.shutdown_timeout, "server.shutdown_timeout"),
        finding_info_severity=srv.finding_info_severity,
        http=HttpLimits(
            connection_limit=srv.http_connection_limit,
            idle_timeout_s=parse_duration(srv.http_idle_timeout, "server.http_idle_timeout"),
            header_timeout_s=parse_duration(srv.http_header_timeout, "server.http_header_timeout"),
        ),
    )


class Service:
    def __init__(
        self,
        cfg: configmod.Config,
        *,
        listen: str | None = None,
        stages: Stages | None = None,
        log: logging.Logger | None = None,
    ) -> None:
        gctuning.short_lived(False)  # serve, demo: this process runs for long (see gctuning)
        cfg = expand_targets(cfg)  # fleet.discover_sql rows; dsn_env / dsn_file → dsn
        if not cfg.targets:
            raise ConfigError("no [[targets]] in the config: serve needs at least one target")
        self.cfg = cfg
        self.settings = settings_from(cfg, listen)
        self.log = log or logging.getLogger(LOGGER_NAME)
        self.schedules: dict[str, Schedule] = {}
        for i, t in enumerate(cfg.targets):
            if not t.dsn:
                raise ConfigError(f"targets[{i}] ({t.name}): no dsn")
            try:
                validate_dsn(t.dsn)
            except UsageError as exc:
                raise ConfigError(f"targets[{i}] ({t.name}): {exc.message}") from None
            self.schedules[t.name] = parse_schedule(t.schedule, f"targets[{i}].schedule")
        self.results = ResultsRegistry()
        self.registry, self.metrics = build_registry(
            self.results, self.settings.finding_info_severity
        )
        configload.check(cfg)  # [rules]/[tenancy] errors at start-up (exit 2), not each run
        if stages is None:
            stages = DefaultStages(cfg)
        self.stages = stages
        self.workers: dict[str, Worker] = {}
        self.backoffs: dict[str, Backoff] = {}
        for t in cfg.targets:
            interval = self.schedules[t.name].nominal_interval_s
            self.workers[t.name] = Worker(
                t,
                cfg,
                interval_s=interval,
                stages=stages,
                metrics=self.metrics,
                results=self.results,
                log=self.log,
            )
            self.backoffs[t.name] = Backoff(interval, self.settings.backoff_max_s)
        self.fleet: Coordinator | None = None
        if cfg.fleet.enabled:  # leases in the store database (loaded only for a fleet)
            from driftwatch.fleet import coordinator_for

            self.fleet = coordinator_for(
                cfg,
                self.schedules,
                jitter_max_s=self.settings.jitter_max_s,
                results=self.results,
                log=self.log,
            )
        self.http: HttpEndpoints | None = None
        self.scheduler: BackgroundScheduler | None = None
        self._stopping = threading.Event()
        self._inflight = 0
        self._cond = threading.Condition()

    # ------------------------------------------------------------------ runs

    def tick(self, name: str) -> RunOutcome | None:
        """One scheduled tick of a target (what the APScheduler job calls)."""
        if self._stopping.is_set():
            return None
        if not self.backoffs[name].should_run():
            log_event(self.log, "run.skipped", logging.DEBUG, target=name, reason="backoff")
            return None
        with self._cond:
            self._inflight += 1
        try:
            outcome = self._run(name)
        finally:
            with self._cond:
                self._inflight -= 1
                self._cond.notify_all()
        if outcome is None:  # fleet: another replica has this target this interval
            return None
        wait = self.backoffs[name].record(outcome.ok)
        if not outcome.ok:
            log_event(
                self.log,
                "run.retry",
                logging.INFO,
                target=name,
                in_ticks=wait,
                consecutive_failures=self.backoffs[name].failures,
            )
        return outcome

    def run_once(self) -> list[RunOutcome]:
        """Run every target once (in parallel, bounded) and return the outcomes by name.
        No tick follows, so the pipelines keep nothing for one."""
        names = list(self.workers)
        for worker in self.workers.values():
            worker.pipeline.final = True
        with FuturesPool(max_workers=min(len(names), MAX_PARALLEL_RUNS)) as pool:
            return [o for o in pool.map(self._run, names) if o is not None]

    def _run(self, name: str) -> RunOutcome | None:
        worker = self.workers[name]
        return worker.run() if self.fleet is None else self.fleet.run(worker)

    @property
    def inflight(self) -> int:
        with self._cond:
            return self._inflight

    # ------------------------------------------------------------------ life cycle

    def start(self, *, serve_http: bool = True) -> None:
        if serve_http:
            self.http = HttpEndpoints(
                self.settings.listen,
                self.registry,
                self.results.pending,
                self.settings.auth,
                self.settings.http,
            )
            self.http.start()
            log_event(
                self.log,
                "http.listening",
                address=self.http.address,
                metrics_auth="on" if self.settings.auth.enabled else "off",
            )
        from apscheduler.executors.pool import ThreadPoolExecutor  # not for serve --once
        from apscheduler.schedulers.background import BackgroundScheduler

        workers = max(1, min(len(self.workers), MAX_PARALLEL_RUNS))
        self.scheduler = BackgroundScheduler(
            timezone=UTC, executors={"default": ThreadPoolExecutor(max_workers=workers)}
        )
        now = datetime.now(UTC)
        for name, sched in self.schedules.items():
            interval = sched.nominal_interval_s
            jitter = sched.default_jitter_s(self.settings.jitter_max_s)
            self.scheduler.add_job(
                self.tick,
                trigger=sched.trigger(jitter),
                args=[name],
                id=f"target:{name}",
                name=f"driftwatch run {name}",
                max_instances=1,
                coalesce=True,
                misfire_grace_time=max(1, int(interval)),
                next_run_time=now,  # first run at start-up
            )
            log_event(
                self.log,
                "target.scheduled",
                target=name,
                schedule=sched.text,
                interval_s=interval,
                jitter_max_s=round(jitter, 3),
            )
        self.scheduler.start()

    def stop(self, timeout_s: float | None = None) -> bool:
        """Stop scheduling, wait up to ``timeout_s`` for running snapshots, close endpoints.

        Returns False if a run was still going when the timeout expired.
        """
        timeout = self.settings.shutdown_timeout_s if timeout_s is None else timeout_s
        self._stopping.set()
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        with self._cond:
            finished = self._cond.wait_for(lambda: self._inflight == 0, timeout=timeout)
        if self.http is not None:
            self.http.close()
            self.http = None
        if finished:
            self.stages.close()
            if self.fleet is not None:
                self.fleet.close()
        return finished
