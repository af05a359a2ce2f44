"""Shared SQL and helpers for the rule tests (tests/test_rules_*.py, test_policy_analyser.py)."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import driftwatch
from driftwatch import config as configmod
from driftwatch import model
from driftwatch.config import load as configload
from driftwatch.findings import Finding

if TYPE_CHECKING:
    from conftest import PgServer

# Supabase's API roles (cluster-wide: created only when missing).
API_ROLES = """
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    begin create role anon nologin noinherit; exception when duplicate_object then null; end;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    begin create role authenticated nologin noinherit; exception when duplicate_object then null; end;
  end if;
end
$$;
"""

PRELUDE = (
    API_ROLES
    + """
create schema if not exists auth;
create or replace function auth.jwt() returns jsonb language sql stable as
$f$ select coalesce(nullif(current_setting('request.jwt.claims', true), '')::jsonb, '{}'::jsonb) $f$;
create or replace function auth.uid() returns uuid language sql stable as
$f$ select nullif(auth.jwt() ->> 'sub', '')::uuid $f$;
create schema if not exists private;
create or replace function private.is_org_member(org uuid) returns boolean language sql stable as
$f$ select org = nullif(auth.jwt() -> 'app_metadata' ->> 'organization_id', '')::uuid $f$;
create or replace function private.other_fn(org uuid) returns boolean language sql stable as
$f$ select true $f$;
"""
)

CLAIM = "((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid"

# The Nexus sample, configured as its README describes: global tables exempt,
# owner/admin DELETE on the listed tables, current_org_id() allowed.
REPO = Path(__file__).resolve().parent.parent
NEXUS_CONFIG = tomllib.loads((REPO / "driftwatch" / "demo" / "nexus.toml").read_text())


def snap(dsn: str) -> model.Snapshot:
    return driftwatch.take(dsn)


def audit(
    dsn_or_snap: str | model.Snapshot, cfg: configmod.Config | dict | None = None
) -> list[Finding]:  # type: ignore[type-arg]
    s = snap(dsn_or_snap) if isinstance(dsn_or_snap, str) else dsn_or_snap
    if cfg is None:
        cfg = configmod.Config()
    elif isinstance(cfg, dict):
        cfg = configload.from_dict(cfg)
    return driftwatch.audit(s, cfg).findings


def hits(findings: list[Finding], rule: str) -> list[str]:
    return sorted(f.object for f in findings if f.rule == rule)


BASEJUMP = REPO / "tests" / "fixtures" / "basejump"


def supabase_stubs() -> str:
    """The Nexus sample's Supabase stubs (roles, authenticator, default privileges,
    auth.jwt()/auth.uid(), each only when absent), for loading other schemas."""
    text = (REPO / "driftwatch" / "demo" / "nexus.sql").read_text()
    start = text.index("-- Supabase compatibility stubs")
    end = text.index("-- Extensions (kept out of public", start)
    return text[start : text.rindex("\n-- ---", start, end)]


def load_basejump(dsn: str, *, app: bool = True) -> None:
    """Supabase stubs, Basejump's own migrations in order, then the app on top."""
    import psycopg

    parts = [BASEJUMP / "supabase_stubs.sql", *sorted((BASEJUMP / "migrations").glob("*.sql"))]
    if app:
        parts.append(BASEJUMP / "app.sql")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(supabase_stubs())  # type: ignore[call-overload]
        for part in parts:
            conn.execute(part.read_text())  # type: ignore[call-overload]


def template_db(pg: PgServer, sql: str, prefix: str) -> Iterator[str]:
    """A database loaded with ``sql`` to clone from, dropped afterwards; for a module
    fixture to ``yield from``."""
    from conftest import run_sql

    name = pg.create_db(prefix)
    try:
        run_sql(pg.dsn(name), sql)
        yield name
    finally:
        pg.drop_db(name)


def clones(pg: PgServer, template: str, prefix: str) -> Iterator[Callable[[], str]]:
    """A factory of databases cloned from ``template`` (CREATE DATABASE … TEMPLATE), all
    dropped afterwards; for a pytest fixture to ``yield from``."""
    import uuid

    import psycopg

    made: list[str] = []

    def factory() -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(pg.admin_dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')  # type: ignore[arg-type]
        made.append(name)
        return pg.dsn(name)

    yield factory
    for name in made:
        pg.drop_db(name)
