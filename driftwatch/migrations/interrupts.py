"""Ctrl-C and SIGTERM during a replay: stop at once, but never in the middle of a cleanup.

Inside ``guard()``, SIGINT and SIGTERM raise ``KeyboardInterrupt`` (Python's default for
SIGTERM is to die without running ``finally`` blocks, which would leave a scratch
database or a server behind). Inside ``guard.deferred()`` — starting a server, creating
or dropping the scratch database, stopping the server — a signal is remembered and raised
when the section ends. Outside the main thread (the service's workers) signals are left
to the thread that owns them.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Guard:
    def __init__(self) -> None:
        self._deferring = 0
        self._pending: int | None = None

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        if self._deferring:
            self._pending = signum
            return
        raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        self._deferring += 1
        try:
            yield
        finally:
            self._deferring -= 1
        if not self._deferring and self._pending is not None:
            pending, self._pending = self._pending, None
            raise KeyboardInterrupt(f"signal {signal.Signals(pending).name}")


@contextlib.contextmanager
def guard() -> Iterator[Guard]:
    g = Guard()
    if threading.current_thread() is not threading.main_thread():
        yield g
        return
    previous: dict[signal.Signals, Any] = {}
    for sig in _SIGNALS:
        previous[sig] = signal.getsignal(sig)
        signal.signal(sig, g._handler)
    try:
        yield g
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
