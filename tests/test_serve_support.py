"""Helpers for the serve tests: a slow TCP proxy in front of PostgreSQL, free ports, HTTP.

``SlowProxy`` forwards to the real server but holds each new connection's first packet for
``delay`` seconds, so a snapshot through it is genuinely slow (a slow network / busy
server) while the catalog it reads is real. It also counts concurrent connections, which
is how the overlap test observes from outside that a target never runs twice at once.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import urllib.error
import urllib.request

import psycopg


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def http_get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def wait_for(predicate, timeout: float = 30.0, step: float = 0.05) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())


class SlowProxy:
    def __init__(self, upstream_port: int, delay: float = 0.0) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.delay = delay
        self.active = 0
        self.max_active = 0
        self.connections = 0
        self._lock = threading.Lock()
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port: int = self._sock.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def dsn(self, dbname: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}?sslmode=disable"

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with self._lock:
            self.active += 1
            self.connections += 1
            self.max_active = max(self.max_active, self.active)
        try:
            upstream = socket.create_connection(self.upstream)
            first = client.recv(65536)
            time.sleep(self.delay)
            upstream.sendall(first)
            done = threading.Event()

            def pump(src: socket.socket, dst: socket.socket) -> None:
                with contextlib.suppress(OSError):
                    while data := src.recv(65536):
                        dst.sendall(data)
                done.set()

            threading.Thread(target=pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=pump, args=(upstream, client), daemon=True).start()
            done.wait()
            for s in (client, upstream):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
        finally:
            with self._lock:
                self.active -= 1

    def close(self) -> None:
        self._closed = True
        self._sock.close()


def test_slow_proxy_delays_and_forwards(pg) -> None:  # type: ignore[no-untyped-def]
    port = int(psycopg.conninfo.conninfo_to_dict(pg.admin_dsn).get("port") or 5432)
    proxy = SlowProxy(port, delay=0.5)
    try:
        started = time.monotonic()
        with psycopg.connect(proxy.dsn("postgres")) as conn:
            assert conn.execute("select 41 + 1").fetchone() == (42,)
            assert proxy.active == 1
        assert time.monotonic() - started >= 0.5
        assert wait_for(lambda: proxy.active == 0, 5)
        assert proxy.connections == 1
    finally:
        proxy.close()
