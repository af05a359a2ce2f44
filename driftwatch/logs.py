"""Service logging: one JSON object per line (containers) or human text (a TTY).

Every record is an *event* with fields: ``log_event(log, "run.failed", target=…, reason=…)``.
The formatted line goes through ``driftwatch.dsn.redact``, so a DSN password can never
reach a log, whatever a library put in an exception message.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson

from driftwatch.dsn import redact

LOGGER_NAME = "driftwatch"
_FIELDS_ATTR = "dw_fields"


def log_event(log: logging.Logger, event: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log ``event`` with structured ``fields`` (None values are dropped)."""
    clean = {k: v for k, v in fields.items() if v is not None}
    log.log(level, event, extra={_FIELDS_ATTR: clean})


def _timestamp(record: logging.LogRecord) -> str:
    dt = datetime.fromtimestamp(record.created, UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    fields = getattr(record, _FIELDS_ATTR, None)
    return dict(fields) if isinstance(fields, dict) else {}


def _one_line(text: str) -> str:
    return " ".join(text.split())


class JsonFormatter(logging.Formatter):
    """``{"ts": …, "level": "info", "logger": …, "event": …, <fields>}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "ts": _timestamp(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": _one_line(record.getMessage()),
        }
        for key, value in _fields(record).items():
            doc.setdefault(key, value)
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            doc["error"] = _one_line(f"{type(exc).__name__}: {exc}")
        line = orjson.dumps(doc, default=str, option=orjson.OPT_NON_STR_KEYS).decode()
        return redact(line)


class TextFormatter(logging.Formatter):
    """``2026-01-01T00:00:00.000Z INFO  run.finished target=x duration_s=0.41``."""

    def format(self, record: logging.LogRecord) -> str:
        parts = [_timestamp(record), f"{record.levelname:<5}", _one_line(record.getMessage())]
        for key, value in _fields(record).items():
            text = _one_line(str(value))
            if not text or any(c in text for c in ' "='):
                text = orjson.dumps(text).decode()
            parts.append(f"{key}={text}")
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            parts.append(
                f"error={orjson.dumps(_one_line(f'{type(exc).__name__}: {exc}')).decode()}"
            )
        return redact(" ".join(parts))


def choose_format(requested: str | None, stream: TextIO) -> str:
    """``json`` or ``text``; with None, text on a TTY and JSON otherwise."""
    if requested in ("json", "text"):
        return requested
    try:
        return "text" if stream.isatty() else "json"
    except (AttributeError, ValueError):
        return "json"


def setup(
    fmt: str | None = None, *, level: int = logging.INFO, stream: TextIO | None = None
) -> str:
    """Route the ``driftwatch`` and ``apscheduler`` loggers to ``stream`` (stderr) in ``fmt``."""
    stream = stream or sys.stderr
    chosen = choose_format(fmt, stream)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if chosen == "json" else TextFormatter())
    for name, lvl in ((LOGGER_NAME, level), ("apscheduler", logging.WARNING)):
        lg = logging.getLogger(name)
        for h in list(lg.handlers):
            lg.removeHandler(h)
        lg.addHandler(handler)
        lg.setLevel(lvl)
        lg.propagate = False
    return chosen
