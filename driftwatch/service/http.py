"""The service's HTTP endpoints: ``/metrics``, ``/healthz``, ``/readyz``.

``/metrics`` may require HTTP basic auth or a bearer token (the endpoint names tables);
``/healthz`` and ``/readyz`` never do, so orchestrators can probe them.

Served by waitress (one event loop, a fixed pool of ``HTTP_THREADS`` request threads) with
prometheus-client's WSGI app behind ``/metrics``: at most ``server.http_connection_limit``
open connections (further ones wait in the listen backlog), idle ones closed after
``server.http_idle_timeout``, and a request whose header has not fully arrived within
``server.http_header_timeout`` of its first byte closed too (a slow-drip client), headers
capped at ``HEADER_MAX_BYTES``. Many idle or slow clients cost sockets, not threads.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hmac
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

from prometheus_client import CollectorRegistry, make_wsgi_app
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

from driftwatch.errors import ConfigError

HTTP_THREADS = 2  # requests are answered from memory in milliseconds
HEADER_MAX_BYTES = 16 << 10
BODY_MAX_BYTES = 1 << 10  # the endpoints take GET and HEAD only


@dataclass(frozen=True)
class HttpLimits:
    connection_limit: int = 100
    idle_timeout_s: float = 15.0
    header_timeout_s: float = 10.0


@dataclass(frozen=True)
class MetricsAuth:
    username: str = ""
    password: str = ""
    token: str = ""

    @property
    def enabled(self) -> bool:
        return bool(self.password or self.token)

    def allows(self, header: str | None) -> bool:
        if not self.enabled:
            return True
        if not header:
            return False
        scheme, _, value = header.strip().partition(" ")
        value = value.strip()
        if scheme.lower() == "bearer" and self.token:
            return hmac.compare_digest(value.encode(), self.token.encode())
        if scheme.lower() == "basic" and self.password:
            try:
                user, sep, pw = base64.b64decode(value, validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return False
            ok_user = hmac.compare_digest(user.encode(), self.username.encode())
            ok_pw = hmac.compare_digest(pw.encode(), self.password.encode())
            return bool(sep) and ok_user and ok_pw
        return False


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT`` / ``[::1]:PORT`` / ``:PORT`` (all interfaces) → (host, port)."""
    host, sep, port_s = text.strip().rpartition(":")
    if not sep or not port_s.isdigit() or int(port_s) > 65535:
        raise ConfigError(f"server.listen: {text!r} is not HOST:PORT (e.g. 127.0.0.1:9187)")
    host = host.strip("[]") or "0.0.0.0"
    return host, int(port_s)


class _Channel(HTTPChannel):
    """waitress's connection, noting when the request being received began."""

    header_started: float | None = None

    def received(self, data: bytes) -> bool:
        if data and self.request is None:
            self.header_started = time.monotonic()
        done: bool = super().received(data)
        if self.request is None:  # complete (or nothing pending): no deadline running
            self.header_started = None
        return done


class _Server(TcpWSGIServer):
    channel_class = _Channel
    header_timeout_s = 10.0
    channels: dict[int, Any]  # waitress's socket map (its own attribute is untyped)

    def maintenance(self, now: int) -> None:  # waitress passes time.time()
        super().maintenance(now)  # idle connections (channel_timeout)
        cutoff = time.monotonic() - self.header_timeout_s
        for channel in list(self.channels.values()):
            if not isinstance(channel, _Channel) or channel.requests:
                continue
            if channel.header_started is not None and channel.header_started < cutoff:
                channel.will_close = True


class HttpEndpoints:
    """Serves the three endpoints in a background thread until ``close()``."""

    def __init__(
        self,
        listen: str,
        registry: CollectorRegistry,
        pending: Callable[[], list[str]],
        auth: MetricsAuth,
        limits: HttpLimits | None = None,
    ) -> None:
        limits = limits or HttpLimits()
        host, port = parse_listen(listen)
        adj = Adjustments(
            host=host,
            port=port,
            threads=HTTP_THREADS,
            connection_limit=limits.connection_limit,
            channel_timeout=limits.idle_timeout_s,
            # how often both timeouts are checked: a fraction of the shorter one
            cleanup_interval=max(0.2, min(limits.idle_timeout_s, limits.header_timeout_s) / 4),
            max_request_header_size=HEADER_MAX_BYTES,
            max_request_body_size=BODY_MAX_BYTES,
            ident="driftwatch",
            expose_tracebacks=False,
            log_socket_errors=False,
            asyncore_use_poll=True,  # select() fails past 1,024 descriptors
        )
        self._map: dict[int, Any] = {}
        dispatcher = ThreadedTaskDispatcher()
        dispatcher.set_thread_count(HTTP_THREADS)
        try:
            self._server = _Server(
                _app(registry, pending, auth),
                self._map,
                dispatcher=dispatcher,
                adj=adj,
                sockinfo=cast(Any, adj.listen)[0],  # a list of socket tuples
            )
        except OSError as exc:
            raise ConfigError(f"cannot listen on {listen}: {exc.strerror or exc}") from None
        self._server.header_timeout_s = limits.header_timeout_s
        self._server.channels = self._map
        self._dispatcher = dispatcher
        assert self._server.socket is not None
        addr = self._server.socket.getsockname()
        self.host: str = str(addr[0])
        self.port: int = int(addr[1])
        self._thread = threading.Thread(target=self._loop, name="driftwatch-http", daemon=True)

    def _loop(self) -> None:
        with contextlib.suppress(OSError, ValueError):  # close() closed the map under it
            self._server.run()

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._dispatcher.shutdown(timeout=5)
        for channel in list(self._map.values()):
            with contextlib.suppress(OSError):
                channel.close()
        self._thread.join(timeout=5)


_TEXT = "text/plain; charset=utf-8"
Environ = dict[str, Any]
StartResponse = Callable[..., Any]


def _app(
    registry: CollectorRegistry, pending: Callable[[], list[str]], auth: MetricsAuth
) -> Callable[[Environ, StartResponse], Iterable[bytes]]:
    metrics = make_wsgi_app(registry)  # content negotiation (OpenMetrics), gzip, name[]

    def reply(
        start: StartResponse, status: str, body: bytes, extra: list[tuple[str, str]] | None = None
    ) -> list[bytes]:
        start(status, [("Content-Type", _TEXT), ("Content-Length", str(len(body))), *(extra or [])])
        return [body]

    def app(environ: Environ, start: StartResponse) -> Iterable[bytes]:
        body = route(environ, start)
        if environ.get("REQUEST_METHOD") == "HEAD":  # headers (Content-Length) only
            return [b""]
        return body

    def route(environ: Environ, start: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "")
        path = environ.get("PATH_INFO", "")
        if method not in ("GET", "HEAD"):
            return reply(
                start, "405 Method Not Allowed", b"GET or HEAD\n", [("Allow", "GET, HEAD")]
            )
        if path == "/metrics":
            if not auth.allows(environ.get("HTTP_AUTHORIZATION")):
                schemes = []
                if auth.password:
                    schemes.append('Basic realm="driftwatch"')
                if auth.token:
                    schemes.append('Bearer realm="driftwatch"')
                extra = [("WWW-Authenticate", ", ".join(schemes))]
                return reply(start, "401 Unauthorized", b"unauthorized\n", extra)
            exposition: Iterable[bytes] = metrics(environ, start)
            return exposition
        if path == "/healthz":
            return reply(start, "200 OK", b"ok\n")
        if path == "/readyz":
            waiting = pending()
            if waiting:
                text = "waiting for first run: " + ", ".join(waiting) + "\n"
                return reply(start, "503 Service Unavailable", text.encode())
            return reply(start, "200 OK", b"ready\n")
        return reply(start, "404 Not Found", b"not found: try /metrics, /healthz, /readyz\n")

    return app


logging.getLogger("waitress").setLevel(logging.ERROR)  # "connection limit reached" per burst
