"""Pure parts of serve: schedules, backoff, log lines, listen/auth settings."""

from __future__ import annotations

import base64
import io
import logging

import orjson
import pytest

from driftwatch import config, logs
from driftwatch.config import load as configload
from driftwatch.errors import ConfigError
from driftwatch.schedule import parse_duration, parse_schedule
from driftwatch.service import Backoff, MetricsAuth, parse_listen, settings_from


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("every 15m", 900), ("30s", 30), ("1h30m", 5400), ("every 1h", 3600), ("2d", 172800)],
)
def test_interval_schedules(text: str, seconds: float) -> None:
    s = parse_schedule(text)
    assert s.interval_s == seconds and s.cron is None
    assert s.nominal_interval_s == seconds
    assert s.trigger(0).interval.total_seconds() == seconds


@pytest.mark.parametrize(
    ("text", "nominal"), [("*/15 * * * *", 900), ("0 3 * * *", 86400), ("0 3 * * 1", 604800)]
)
def test_cron_schedules(text: str, nominal: float) -> None:
    s = parse_schedule(text)
    assert s.cron == text and s.interval_s is None
    assert s.nominal_interval_s == nominal
    assert s.trigger(5).jitter == 5


@pytest.mark.parametrize("text", ["", "every", "15x", "soon", "* * *", "61 * * * *", "0.2s"])
def test_bad_schedules_are_config_errors(text: str) -> None:
    with pytest.raises(ConfigError, match="schedule"):
        parse_schedule(text)


def test_jitter_is_ten_percent_capped() -> None:
    assert parse_schedule("10s").default_jitter_s(30) == pytest.approx(1.0)
    assert parse_schedule("every 1h").default_jitter_s(30) == 30
    assert parse_duration("1m30s") == 90 and parse_duration("500ms") == 0.5
    with pytest.raises(ConfigError, match=r"server\.x"):
        parse_duration("forever", "server.x")


def test_backoff_doubles_in_ticks_and_caps() -> None:
    b = Backoff(interval_s=60, cap_s=300)  # cap: 5 ticks
    pattern = []
    for ok in [False] * 6 + [True, False]:
        waits = 0
        while not b.should_run():
            waits += 1
        pattern.append(waits)
        b.record(ok)
    # attempt k waits 2**(k-2) skipped ticks after k-1 failures, at most cap-1 skipped
    assert pattern == [0, 0, 1, 3, 4, 4, 4, 0]
    assert b.failures == 1


def test_backoff_cap_below_interval_means_every_tick() -> None:
    b = Backoff(interval_s=900, cap_s=60)
    for _ in range(5):
        assert b.should_run()
        assert b.record(False) == 1


def _log_line(fmt: str, **fields: object) -> str:
    saved = {
        name: (lg.handlers[:], lg.level, lg.propagate)
        for name in (logs.LOGGER_NAME, "apscheduler")
        for lg in [logging.getLogger(name)]
    }
    stream = io.StringIO()
    logs.setup(fmt, stream=stream)
    try:
        logs.log_event(logging.getLogger(logs.LOGGER_NAME), "run.failed", logging.WARNING, **fields)
    finally:  # leave logging as other tests expect it (caplog relies on propagation)
        for name, (handlers, level, propagate) in saved.items():
            lg = logging.getLogger(name)
            lg.handlers[:] = handlers
            lg.setLevel(level)
            lg.propagate = propagate
    return stream.getvalue()


def test_json_log_line_is_one_object_with_fields_and_no_password() -> None:
    out = _log_line(
        "json",
        target="prod",
        reason="cannot connect to postgresql://app:hunter2@db/x\nsecond line",
        attempt=3,
    )
    assert out.count("\n") == 1
    doc = orjson.loads(out)
    assert doc["event"] == "run.failed" and doc["level"] == "warning"
    assert doc["target"] == "prod" and doc["attempt"] == 3
    assert "hunter2" not in out and "app:***@db" in doc["reason"]
    assert doc["ts"].endswith("Z")


def test_text_log_line_quotes_values_and_redacts() -> None:
    out = _log_line("text", target="prod", reason="password=hunter2 host=db")
    assert out.count("\n") == 1
    assert "WARNING run.failed target=prod" in out
    assert "hunter2" not in out and 'reason="password=***' in out


def test_auto_log_format_follows_the_tty() -> None:
    assert logs.choose_format(None, io.StringIO()) == "json"
    assert logs.choose_format("text", io.StringIO()) == "text"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:9187", ("127.0.0.1", 9187)),
        ("[::1]:80", ("::1", 80)),
        (":9187", ("0.0.0.0", 9187)),
    ],
)
def test_parse_listen(text: str, expected: tuple[str, int]) -> None:
    assert parse_listen(text) == expected


@pytest.mark.parametrize("text", ["9187", "host:", "host:http", "h:70000"])
def test_bad_listen(text: str) -> None:
    with pytest.raises(ConfigError, match="listen"):
        parse_listen(text)


def _basic(user: str, pw: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{pw}".encode()).decode()


def test_metrics_auth() -> None:
    assert MetricsAuth().allows(None)
    basic = MetricsAuth(username="prom", password="s3cret")
    assert basic.allows(_basic("prom", "s3cret"))
    assert not basic.allows(_basic("prom", "wrong"))
    assert not basic.allows(_basic("other", "s3cret"))
    assert not basic.allows("Basic !!!not-base64")
    assert not basic.allows(None)
    assert not basic.allows("Bearer s3cret")
    both = MetricsAuth(username="prom", password="pw", token="tok")
    assert both.allows("Bearer tok") and both.allows(_basic("prom", "pw"))
    assert not both.allows("Bearer nope")


def test_auth_settings_from_config_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DRIFTWATCH_METRICS_TOKEN", raising=False)
    cfg = configload.from_dict({"server": {"metrics_username": "u", "metrics_password": "p"}})
    s = settings_from(cfg)
    assert s.auth.enabled and s.auth.username == "u"
    assert s.listen == "127.0.0.1:9187" and s.backoff_max_s == 3600
    monkeypatch.setenv("DRIFTWATCH_METRICS_TOKEN", "from-env")
    s = settings_from(config.Config(), listen="0.0.0.0:9999")
    assert s.auth.token == "from-env" and s.listen == "0.0.0.0:9999"
    with pytest.raises(ConfigError, match="together"):
        settings_from(configload.from_dict({"server": {"metrics_username": "u"}}))
    with pytest.raises(ConfigError, match="shutdown_timeout"):
        settings_from(configload.from_dict({"server": {"shutdown_timeout": "a while"}}))
