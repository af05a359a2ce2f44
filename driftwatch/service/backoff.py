"""Per-target capped exponential backoff, counted in scheduler ticks.

After the k-th consecutive failure a target is retried on the ``2**(k-1)``-th next tick
(1, 2, 4, 8 … ticks later), never waiting more than ``cap_s`` (``server.backoff_max``,
default 1h): with a 15-minute schedule that is 15m, 30m, 1h, 1h, … A success resets it.
Counting ticks (not seconds) keeps it exact for cron schedules and jittered intervals.
"""

from __future__ import annotations

import threading


class Backoff:
    def __init__(self, interval_s: float, cap_s: float) -> None:
        self.cap_ticks = max(1, int(cap_s // interval_s)) if interval_s > 0 else 1
        self.failures = 0
        self._skip = 0
        self._lock = threading.Lock()

    def should_run(self) -> bool:
        """Called on every tick: False while the target is backing off (consumes the tick)."""
        with self._lock:
            if self._skip > 0:
                self._skip -= 1
                return False
            return True

    def record(self, ok: bool) -> int:
        """Record a run; returns in how many ticks the next attempt happens."""
        with self._lock:
            if ok:
                self.failures = 0
                self._skip = 0
                return 1
            self.failures += 1
            wait: int = min(1 << min(self.failures - 1, 30), self.cap_ticks)
            self._skip = wait - 1
            return wait
