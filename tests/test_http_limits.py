"""``/metrics`` under many idle or slow clients (issue 15, item 8): connections are
bounded, idle ones and slow-drip headers are closed after their timeouts, and the number
of threads does not follow the number of connections. Loopback only, bounded loops."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Iterator

import psutil
import pytest
from prometheus_client import CollectorRegistry, Gauge

from driftwatch.service.http import HttpEndpoints, HttpLimits, MetricsAuth

LIMITS = HttpLimits(connection_limit=50, idle_timeout_s=1.5, header_timeout_s=1.5)
IDLE_CLIENTS = 300


@pytest.fixture
def endpoints() -> Iterator[HttpEndpoints]:
    registry = CollectorRegistry()
    Gauge("driftwatch_test_up", "test gauge", registry=registry).set(1)
    ep = HttpEndpoints("127.0.0.1:0", registry, lambda: [], MetricsAuth(), LIMITS)
    ep.start()
    yield ep
    ep.close()


def _server_side(port: int) -> int:
    """Established connections accepted by the server (its end has the server's port)."""
    conns = psutil.Process().net_connections(kind="tcp")
    return sum(1 for c in conns if c.laddr and c.laddr.port == port and c.status == "ESTABLISHED")


def _get(port: int, path: str = "/healthz") -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def _closed_by_server(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def test_hundreds_of_idle_connections_are_bounded_then_closed(endpoints: HttpEndpoints) -> None:
    port = endpoints.port
    threads_before = threading.active_count()
    clients = []
    try:
        for _ in range(IDLE_CLIENTS):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.setblocking(False)
            clients.append(s)
        most_accepted = 0
        most_threads = 0
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            most_accepted = max(most_accepted, _server_side(port))
            most_threads = max(most_threads, threading.active_count())
            if sum(_closed_by_server(s) for s in clients) == len(clients):
                break
            time.sleep(0.2)
        closed = sum(_closed_by_server(s) for s in clients)
    finally:
        for s in clients:
            s.close()
    assert most_accepted <= LIMITS.connection_limit, most_accepted
    assert most_threads <= threads_before + 2, (threads_before, most_threads)
    # every idle client was eventually accepted and then closed for idling
    assert closed == IDLE_CLIENTS, f"{closed} of {IDLE_CLIENTS} closed by the server"
    assert _get(port) == (200, b"ok\n")


def test_slow_drip_header_is_closed_after_the_header_timeout(endpoints: HttpEndpoints) -> None:
    """One header byte every 0.3 s keeps the connection busy (never idle for 1.5 s) but
    the header never completes: the header timeout closes it."""
    s = socket.create_connection(("127.0.0.1", endpoints.port), timeout=5)
    try:
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        closed_after = None
        for _ in range(100):  # 30 s at most
            try:
                s.sendall(b"X")
                s.settimeout(0.3)
                if s.recv(1) == b"":
                    closed_after = time.monotonic() - started
                    break
            except TimeoutError:
                continue
            except OSError:
                closed_after = time.monotonic() - started
                break
    finally:
        s.close()
    assert closed_after is not None, "slow-drip connection never closed"
    assert closed_after >= LIMITS.header_timeout_s - 0.1  # not before its timeout


def test_keep_alive_requests_and_endpoints_still_work(endpoints: HttpEndpoints) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", endpoints.port, timeout=10)
    try:
        for path, status in (("/metrics", 200), ("/healthz", 200), ("/readyz", 200), ("/x", 404)):
            conn.request("GET", path)
            resp = conn.getresponse()
            body = resp.read()
            assert resp.status == status, (path, resp.status)
        conn.request("GET", "/metrics")
        resp = conn.getresponse()
        assert b"driftwatch_test_up 1.0" in resp.read()
        conn.request("HEAD", "/healthz")
        resp = conn.getresponse()
        assert resp.status == 200 and resp.read() == b""
        conn.request("POST", "/metrics", body=b"x")
        resp = conn.getresponse()
        body = resp.read()
        assert resp.status == 405, body
    finally:
        conn.close()


def test_oversized_header_is_refused(endpoints: HttpEndpoints) -> None:
    s = socket.create_connection(("127.0.0.1", endpoints.port), timeout=10)
    try:
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (64 << 10) + b"\r\n\r\n")
        reply = s.recv(200)
    except ConnectionResetError:
        reply = b"reset"
    finally:
        s.close()
    assert (
        reply.startswith(b"HTTP/1.") and b" 431 " in reply.split(b"\r\n")[0]
    ) or reply == b"reset"
