"""Progress bars on stderr for long commands (tqdm), shown only to a person at a terminal.

A bar is drawn when stderr is a terminal and ``--quiet`` was not given; otherwise every
call is a no-op, so pipes, CI logs and tests get no control characters. The CLI calls
``configure`` once per command; library callers (serve, the demo) get no bars unless
they ask for them. tqdm is imported only when a bar is drawn.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

_enabled = False


def configure(*, quiet: bool) -> None:
    """Enable bars for this process when stderr is a terminal and not ``quiet``."""
    global _enabled
    try:
        tty = sys.stderr.isatty()
    except (AttributeError, ValueError):
        tty = False
    _enabled = tty and not quiet


def enabled() -> bool:
    return _enabled


class Bar(Protocol):
    def update(self, n: int = 1) -> object: ...

    def set_description_str(self, desc: str) -> object: ...


class _Silent:
    def update(self, n: int = 1) -> None:
        return None

    def set_description_str(self, desc: str) -> None:
        return None


@contextmanager
def bar(desc: str, total: int | None = None, unit: str = "it") -> Iterator[Bar]:
    """A bar of ``total`` steps (None: a counter without an end), or a silent stand-in."""
    if not _enabled:
        yield _Silent()
        return
    from tqdm import tqdm  # only when a bar is drawn: start-up time of the commands

    size = shutil.get_terminal_size((80, 24))

    with tqdm(
        total=total,
        desc=desc,
        unit=unit,
        file=sys.stderr,
        leave=False,
        # a terminal that reports no size (0x0) would get an empty or hidden bar
        ncols=size.columns or 80,
        nrows=size.lines or 24,
        mininterval=0.2,
    ) as t:
        yield t
