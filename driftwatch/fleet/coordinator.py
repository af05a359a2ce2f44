"""What ``serve`` does around each run in fleet mode: take the target's lease or stand down.

A replica that does not hold a target this interval stops exposing that target's per-target
series (its last results are kept aside and put back when it runs the target again), so in
Prometheus each target's ``up``, findings, drift… come from the replica that ran it last, and
``/readyz`` does not wait for targets other replicas are handling.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping

from driftwatch import config as configmod
from driftwatch.errors import StoreError
from driftwatch.fleet.lease import LeaseManager
from driftwatch.fleet.membership import Membership
from driftwatch.logs import log_event
from driftwatch.schedule import Schedule, parse_duration
from driftwatch.service.state import ResultsRegistry, TargetResult
from driftwatch.worker import RunOutcome, Worker

# The preferred replica runs a target at each of its own ticks: its scheduler already fires
# once per interval, so the lease only has to keep it from running the target again less than
# half an interval after any run (a replica that covered for it, or the previous preferred
# one). A start that comes late (a stalled process or store) therefore does not push the next
# run back by a whole tick. The other replicas run it only once interval + slack has passed,
# where slack covers the scheduler's start jitter plus 10% of the interval (never above half
# of it): they cover for a preferred replica that has died, never for one that is on time.
SLACK_FRACTION = 0.1
MIN_GAP_FRACTION = 0.5


def slack_for(interval_s: float, jitter_s: float) -> float:
    return min(jitter_s + SLACK_FRACTION * interval_s, 0.5 * interval_s)


class Coordinator:
    def __init__(
        self,
        manager: LeaseManager,
        membership: Membership,
        schedules: Mapping[str, Schedule],
        *,
        jitter_max_s: float,
        results: ResultsRegistry,
        log: logging.Logger,
    ) -> None:
        self.manager = manager
        self.membership = membership
        self.results = results
        self.log = log
        self.intervals = {n: s.nominal_interval_s for n, s in schedules.items()}
        self.slack = {
            n: slack_for(s.nominal_interval_s, s.default_jitter_s(jitter_max_s))
            for n, s in schedules.items()
        }
        self._aside: dict[str, TargetResult] = {}
        self._lock = threading.Lock()

    def run(self, worker: Worker) -> RunOutcome | None:
        """Run ``worker`` if this replica gets its lease; ``None`` if the target is not ours."""
        name = worker.name
        outcome: RunOutcome | None = None
        try:
            interval, slack = self.intervals[name], self.slack[name]
            # Targets spread over the replicas and stay put, and a target whose preferred
            # replica died is still run by another (see MIN_GAP_FRACTION).
            if self.membership.prefers_me(name):
                due = MIN_GAP_FRACTION * interval
            else:
                due = interval + slack
            with self.manager.acquire(name, due_after_s=due) as got:
                if got is None:
                    self._stand_down(name)
                    log_event(self.log, "run.skipped", logging.DEBUG, target=name, reason="fleet")
                    return None
                lease, run = got
                self._take_up(name)
                log_event(self.log, "fleet.lease", logging.DEBUG, target=name, holder=lease.holder)
                outcome = worker.run()
                run.ok = outcome.ok
        except StoreError as exc:
            log_event(
                self.log, "fleet.lease_failed", logging.WARNING, target=name, reason=exc.message
            )
        return outcome

    def _stand_down(self, name: str) -> None:
        with self._lock:
            cur = self.results.get(name)
            if cur is not None:
                self._aside[name] = cur
                self.results.remove(name)

    def _take_up(self, name: str) -> None:
        with self._lock:
            if self.results.get(name) is not None:
                return
            self.results.register(name, self.intervals[name])
            kept = self._aside.pop(name, None)
            if kept is not None:
                self.results.publish(kept)

    def close(self) -> None:
        self.membership.stop()
        self.manager.close()


def coordinator_for(
    cfg: configmod.Config,
    schedules: Mapping[str, Schedule],
    *,
    jitter_max_s: float,
    results: ResultsRegistry,
    log: logging.Logger,
) -> Coordinator | None:
    """The fleet coordinator of a ``serve`` process, or None when ``[fleet] enabled`` is off."""
    if not cfg.fleet.enabled:
        return None
    manager = LeaseManager(
        cfg.effective_store_url,
        lease_timeout_s=parse_duration(cfg.fleet.lease_timeout, "fleet.lease_timeout"),
    )
    manager.setup()
    membership = Membership(manager)
    membership.start()
    return Coordinator(
        manager, membership, schedules, jitter_max_s=jitter_max_s, results=results, log=log
    )
