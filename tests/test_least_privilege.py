"""deploy/sql/driftwatch-role.sql: a login role with CONNECT and catalog access only.

On a throwaway cluster loaded with the Nexus sample: the script runs through psql, a full
snapshot under the role equals the superuser's, check and docs work on it, and the role can
neither read table data nor write anything.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from driftwatch import model
from driftwatch.introspect import take_snapshot
from driftwatch.pgserver import LocalCluster, ServerUnavailable, find_local_bindir

REPO = Path(__file__).resolve().parent.parent
ROLE_SQL = REPO / "deploy" / "sql" / "driftwatch-role.sql"
NEXUS_SQL = REPO / "driftwatch" / "demo" / "nexus.sql"
PASSWORD = "lp-Test-pw-42"


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    bindir = find_local_bindir()
    if bindir is None or not NEXUS_SQL.is_file():
        pytest.skip("no PostgreSQL binaries or no Nexus sample")
    try:
        c = LocalCluster(bindir)
    except ServerUnavailable as exc:
        pytest.skip(str(exc))
    try:
        with psycopg.connect(c.dsn(), autocommit=True) as conn:
            conn.execute("create database nexus")
        with psycopg.connect(c.dsn("nexus"), autocommit=True) as conn:
            conn.execute(NEXUS_SQL.read_text())  # type: ignore[arg-type]
            conn.execute("insert into public.organizations (name, slug) values ('acme', 'acme')")
        psql = shutil.which("psql") or str(bindir / "psql")
        for _ in range(2):  # idempotent: a second run alters the existing role
            argv = [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", c.dsn("nexus")]
            argv += ["-v", "dbname=nexus", "-v", f"password='{PASSWORD}'", "-f", str(ROLE_SQL)]
            r = subprocess.run(
                argv,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert r.returncode == 0, r.stderr
        yield c
    finally:
        c.stop()


def _role_dsn(c: LocalCluster) -> str:
    return f"postgresql://driftwatch:{PASSWORD}@127.0.0.1:{c.port}/nexus"


def test_role_has_no_privileges_beyond_connect(cluster: LocalCluster) -> None:
    with psycopg.connect(cluster.dsn("nexus")) as conn:
        row = conn.execute(
            "select rolsuper, rolcreatedb, rolcreaterole, rolbypassrls, rolreplication"
            " from pg_roles where rolname = 'driftwatch'"
        ).fetchone()
        assert row == (False, False, False, False, False)
        granted = conn.execute(
            "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace"
            " where n.nspname not in ('pg_catalog', 'information_schema')"
            " and c.relkind in ('r', 'p', 'v', 'm', 'S')"
            " and (has_table_privilege('driftwatch', c.oid, 'SELECT')"
            "   or has_table_privilege('driftwatch', c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE'))"
        ).fetchone()
        assert granted == (0,)
        members = conn.execute(
            "select count(*) from pg_auth_members m join pg_roles r on r.oid = m.member"
            " where r.rolname = 'driftwatch'"
        ).fetchone()
        assert members == (0,)


def test_snapshot_under_role_equals_superuser_snapshot(cluster: LocalCluster) -> None:
    mine = take_snapshot(_role_dsn(cluster))
    admin = take_snapshot(cluster.dsn("nexus"))
    assert len(mine.objects.tables) >= 10
    assert model.to_data(mine.objects) == model.to_data(admin.objects)
    assert mine.digest == admin.digest


def test_check_and_docs_work_under_role(cluster: LocalCluster, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DRIFTWATCH_", "DOCS_"))}
    for args in (
        ["check", "--dsn", _role_dsn(cluster), "--format", "json", "-o", str(tmp_path / "c.json")],
        ["docs", "--dsn", _role_dsn(cluster), "-o", str(tmp_path / "docs")],
    ):
        r = subprocess.run(
            [sys.executable, "-m", "driftwatch", *args],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=120,
        )
        assert r.returncode in (0, 1), r.stderr
    assert (tmp_path / "c.json").is_file()
    assert any((tmp_path / "docs").rglob("*.md"))


@pytest.mark.parametrize(
    "stmt",
    [
        "select * from public.organizations",
        "insert into public.organizations (name, slug) values ('x', 'x')",
        "update public.organizations set name = 'x'",
        "delete from public.organizations",
        "truncate public.organizations",
        "create table public.dw_nope (id int)",
        "alter table public.organizations add column nope int",
        "drop table public.organizations",
        "alter table public.organizations disable row level security",
    ],
)
def test_role_cannot_read_data_or_write(cluster: LocalCluster, stmt: str) -> None:
    with psycopg.connect(_role_dsn(cluster)) as conn:
        # even after asking for a read-write transaction, privileges refuse it
        conn.execute("set transaction read write")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(stmt)  # type: ignore[arg-type]
    refused = (psycopg.errors.ReadOnlySqlTransaction, psycopg.errors.InsufficientPrivilege)
    with psycopg.connect(_role_dsn(cluster)) as conn, pytest.raises(refused):
        conn.execute(stmt)  # type: ignore[arg-type]  # and by default it is read-only
    with psycopg.connect(cluster.dsn("nexus")) as conn:
        assert conn.execute("select count(*) from public.organizations").fetchone() == (1,)
