"""Target schedules: ``every 15m`` / ``30s`` / ``1h30m`` intervals or 5-field cron expressions.

``parse_schedule`` validates a config string into a ``Schedule``; ``Schedule.trigger`` builds
the APScheduler 3 trigger. ``nominal_interval_s`` is what the staleness alert multiplies
(``driftwatch_schedule_interval_seconds``): the interval itself, or for cron the gap between
the next two fire times.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from driftwatch.errors import ConfigError

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)")
_DURATION = re.compile(r"^(?:\d+(?:\.\d+)?\s*(?:ms|s|m|h|d)\s*)+$")
MIN_INTERVAL_S = 1.0
MAX_INTERVAL_S = 366 * 86400.0  # longer is a typo (and past timedelta's range soon after)


def parse_duration(text: str, where: str = "duration") -> float:
    """``"90s"``, ``"15m"``, ``"1h30m"``, ``"500ms"`` → seconds (a ConfigError otherwise)."""
    s = text.strip().lower()
    if not s or not _DURATION.match(s):
        raise ConfigError(f"{where}: {text!r} is not a duration (e.g. 30s, 15m, 1h30m)")
    total = sum(float(n) * _UNITS[u] for n, u in _PART.findall(s))
    if total > MAX_INTERVAL_S:
        raise ConfigError(f"{where}: {text!r} is longer than 366 days")
    return total


@dataclass(frozen=True)
class Schedule:
    text: str
    interval_s: float | None = None  # set for intervals
    cron: str | None = None  # set for cron expressions

    def trigger(self, jitter_s: float = 0.0) -> BaseTrigger:
        jitter = jitter_s if jitter_s > 0 else None  # APScheduler adds uniform(0, jitter)
        if self.interval_s is not None:
            return IntervalTrigger(seconds=self.interval_s, jitter=jitter, timezone=UTC)
        assert self.cron is not None
        trig = CronTrigger.from_crontab(self.cron, timezone=UTC)
        trig.jitter = jitter  # from_crontab() has no jitter parameter
        return trig

    @property
    def nominal_interval_s(self) -> float:
        if self.interval_s is not None:
            return self.interval_s
        trig = self.trigger()
        now = datetime.now(UTC)
        first: datetime | None = trig.get_next_fire_time(None, now)
        second: datetime | None = trig.get_next_fire_time(first, first) if first else None
        if first is None or second is None:  # refused by parse_schedule
            raise ConfigError(f"schedule: cron expression {self.text!r} never fires")
        return (second - first).total_seconds()

    def default_jitter_s(self, cap_s: float) -> float:
        """10% of the interval, at most ``cap_s``."""
        return float(min(self.nominal_interval_s * 0.1, cap_s))


def parse_schedule(text: str, where: str = "schedule") -> Schedule:
    s = text.strip()
    body = s[len("every") :].strip() if s.lower().startswith("every") else s
    if _DURATION.match(body.lower()):
        seconds = parse_duration(body, where)
        if seconds < MIN_INTERVAL_S:
            raise ConfigError(f"{where}: interval {text!r} is shorter than 1s")
        return Schedule(text=s, interval_s=seconds)
    if len(s.split()) == 5:
        try:
            CronTrigger.from_crontab(s, timezone=UTC)
        except ValueError as exc:
            raise ConfigError(f"{where}: invalid cron expression {text!r}: {exc}") from None
        sched = Schedule(text=s, cron=s)
        try:
            sched.nominal_interval_s  # noqa: B018 - a cron that never fires (30 2 31 2 *)
        except ConfigError:
            raise ConfigError(
                f"{where}: cron expression {text!r} never fires (no such date)"
            ) from None
        return sched
    raise ConfigError(
        f"{where}: {text!r} is neither an interval ('every 15m', '30s', '1h') "
        "nor a 5-field cron expression ('*/15 * * * *')"
    )
