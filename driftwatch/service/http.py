"""The service's HTTP endpoints: ``/metrics``, ``/healthz``, ``/readyz`` (stdlib server).

``/metrics`` may require HTTP basic auth or a bearer token (the endpoint names tables);
``/healthz`` and ``/readyz`` never do, so orchestrators can probe them.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder

from driftwatch.errors import ConfigError


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


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class HttpEndpoints:
    """Serves the three endpoints in a background thread until ``close()``."""

    def __init__(
        self,
        listen: str,
        registry: CollectorRegistry,
        pending: Callable[[], list[str]],
        auth: MetricsAuth,
    ) -> None:
        host, port = parse_listen(listen)
        handler = _handler(registry, pending, auth)
        try:
            self._server = _Server((host, port), handler)
        except OSError as exc:
            raise ConfigError(f"cannot listen on {listen}: {exc.strerror or exc}") from None
        addr = self._server.server_address
        self.host: str = str(addr[0])
        self.port: int = int(addr[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="driftwatch-http", daemon=True
        )

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _handler(
    registry: CollectorRegistry, pending: Callable[[], list[str]], auth: MetricsAuth
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "driftwatch"
        protocol_version = "HTTP/1.1"

        def _send(
            self, status: int, body: bytes, ctype: str, extra: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            text = "text/plain; charset=utf-8"
            if path == "/metrics":
                if not auth.allows(self.headers.get("Authorization")):
                    schemes = []
                    if auth.password:
                        schemes.append('Basic realm="driftwatch"')
                    if auth.token:
                        schemes.append('Bearer realm="driftwatch"')
                    self._send(
                        401, b"unauthorized\n", text, {"WWW-Authenticate": ", ".join(schemes)}
                    )
                    return
                encoder, ctype = choose_encoder(self.headers.get("Accept") or "")
                self._send(200, encoder(registry), ctype)
            elif path == "/healthz":
                self._send(200, b"ok\n", text)
            elif path == "/readyz":
                waiting = pending()
                if waiting:
                    body = ("waiting for first run: " + ", ".join(waiting) + "\n").encode()
                    self._send(503, body, text)
                else:
                    self._send(200, b"ready\n", text)
            else:
                self._send(404, b"not found: try /metrics, /healthz, /readyz\n", text)

        do_HEAD = do_GET

        def log_message(self, format: str, *args: object) -> None:
            pass  # access logs would flood the service log at every scrape

    return Handler
