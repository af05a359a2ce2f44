"""A stage's result: ``Ok`` with its value or ``Failed`` with the reason, both naming the
stage and timing it. A stage never raises: one failing leaves the others running."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, NoReturn, TypeAlias, TypeVar

from driftwatch.dsn import redact
from driftwatch.errors import DriftwatchError

T = TypeVar("T")

# The stages of a tick, as the log line (``<stage>_s``, ``stage.failed``) and the
# ``driftwatch_stage_errors_total`` metric name them.
Stage: TypeAlias = Literal["snapshot", "store", "diff", "baseline", "rules", "docs"]


@dataclass(frozen=True)
class Ok(Generic[T]):
    """A stage that completed, with its value."""

    stage: Stage
    value: T
    seconds: float = 0.0

    def unwrap(self) -> T:
        return self.value


@dataclass(frozen=True)
class Failed:
    """A stage that raised: the exception, its one-line reason (DSNs redacted)."""

    stage: Stage
    reason: str
    error: Exception = field(repr=False, compare=False)
    seconds: float = 0.0

    def unwrap(self) -> NoReturn:
        raise self.error


StageResult: TypeAlias = Ok[T] | Failed
Report: TypeAlias = Callable[[StageResult[Any]], None]


def run_stage(stage: Stage, fn: Callable[[], T]) -> StageResult[T]:
    """Run one stage, timed; an exception becomes a ``Failed`` result."""
    t0 = time.monotonic()
    try:
        value = fn()
    except Exception as exc:  # a stage failing is a result, not an error of the tick
        return Failed(stage, reason(exc), exc, time.monotonic() - t0)
    return Ok(stage, value, time.monotonic() - t0)


def reason(exc: BaseException) -> str:
    """One line saying what went wrong, with credentials redacted."""
    if isinstance(exc, DriftwatchError):
        return exc.message
    text = " ".join(str(exc).split()) or type(exc).__name__
    return redact(f"{type(exc).__name__}: {text}")
