"""Golden tests of the Supabase-advisor and pgrls rules, in the style of
test_rules_golden.py: the same clean baseline (plus an ``auth.users``, a private table, an
empty ``supabase_realtime`` publication), each violation applied as real SQL (the rule
fires, naming the object, at its default severity), then the resolution (it is gone).
Roles are cluster-wide, so the role rule runs on its own throwaway PostgreSQL 18."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest
from conftest import PgServer, run_sql
from rules_helpers import audit, hits, template_db
from test_rules_golden import BASE, CONFIG

from driftwatch import pgserver, rules

EXTRA = """
create table auth.users (id uuid primary key, email text unique);
create table private.prices (id int primary key, amount int);
create publication supabase_realtime;
"""

# rule → (violation SQL, expected object, resolution SQL)
ADVISOR: dict[str, tuple[str, str, str]] = {
    "auth-users-exposed": (
        "create view public.user_emails as select u.id, u.email from auth.users u;"
        "grant select on public.user_emails to anon;",
        "public.user_emails",
        "revoke select on public.user_emails from anon, authenticated;",
    ),
    "function-search-path-mutable": (
        # a warning where an API role can plant a name in a schema of the path
        "create function public.add_one(i int) returns int language sql as 'select i + 1';"
        "grant create on schema public to authenticated;",
        "public.add_one(i integer)",
        "alter function public.add_one(int) set search_path = '';"
        "revoke create on schema public from authenticated;",
    ),
    "extension-in-public": (
        "create extension pg_stat_statements schema public;",
        "pg_stat_statements",
        "alter extension pg_stat_statements set schema private;",
    ),
    "materialized-view-in-api": (
        "create materialized view public.price_list as select amount from private.prices;"
        "grant select on public.price_list to anon;",
        "public.price_list",
        "revoke select on public.price_list from anon, authenticated;",
    ),
    "foreign-table-in-api": (
        "create extension postgres_fdw schema private;"
        "create server legacy foreign data wrapper postgres_fdw options (dbname 'nowhere');"
        "create foreign table public.legacy_orders (id int) server legacy;"
        "grant select on public.legacy_orders to authenticated;",
        "public.legacy_orders",
        "revoke all on public.legacy_orders from anon, authenticated;",
    ),
    "fkey-to-auth-unique": (
        "alter table public.projects add column owner_email text references auth.users (email);",
        "public.projects.projects_owner_email_fkey",
        "alter table public.projects drop constraint projects_owner_email_fkey;",
    ),
    "sensitive-columns-exposed": (
        "create table public.integrations (id uuid primary key, api_key text);"
        "grant select on public.integrations to authenticated;",
        "public.integrations.api_key",
        "alter table public.integrations enable row level security;",
    ),
    "security-definer-function-executable": (
        "create function public.all_projects() returns setof public.projects language sql"
        " security definer set search_path = '' as 'select * from public.projects';",
        "public.all_projects()",
        "revoke execute on function public.all_projects() from public, anon;",
    ),
    "unindexed-foreign-key": (
        "drop index public.tasks_project_idx;",
        "public.tasks.tasks_project_id_fkey",
        "create index tasks_project_idx on public.tasks (project_id);",
    ),
    "no-primary-key": (
        "create table public.notes2 (organization_id uuid not null, body text);",
        "public.notes2",
        "alter table public.notes2 add column id uuid primary key default gen_random_uuid();",
    ),
    "duplicate-index": (
        "create index projects_org_idx2 on public.projects (organization_id);",
        "public.projects.projects_org_idx2",
        "drop index public.projects_org_idx2;",
    ),
    "partition-bypasses-rls": (
        "grant select on public.events_2025 to authenticated;",
        "public.events_2025",
        "alter table public.events_2025 enable row level security;",
    ),
    "realtime-publication-rls-off": (
        "alter table public.projects disable row level security;"
        "alter publication supabase_realtime add table public.projects;",
        "public.projects",
        "alter table public.projects enable row level security;",
    ),
    "leakproof-function": (
        "create function public.same_org(a uuid, b uuid) returns boolean language sql immutable"
        " leakproof set search_path = '' as 'select a = b';",
        "public.same_org(a uuid, b uuid)",
        "alter function public.same_org(uuid, uuid) not leakproof;",
    ),
    "tenant-existence-oracle": (
        "alter table public.projects add constraint projects_name_key unique (name);",
        "public.projects.projects_name_key",
        "alter table public.projects drop constraint projects_name_key;"
        "alter table public.projects add constraint projects_org_name_key unique (organization_id, name);",
    ),
}

# rule → the same, on the throwaway PostgreSQL 18 (cluster-wide objects)
ON_PG18: dict[str, tuple[str, str, str]] = {
    "bypassrls-role": (
        "create role dw_reporting nologin bypassrls; grant dw_reporting to authenticated;",
        "dw_reporting",
        "revoke dw_reporting from authenticated;",
    ),
}


@pytest.fixture(scope="module")
def template(pg: PgServer) -> Iterator[str]:
    yield from template_db(pg, BASE + EXTRA, "dw_advisor_tpl")


@pytest.fixture
def clone(copy_db: Callable[[str], str], template: str) -> Callable[[], str]:
    return lambda: copy_db(template)


def _golden(dsn: str, rule: str, case: tuple[str, str, str]) -> None:
    violation, obj, resolution = case
    assert hits(audit(dsn, CONFIG), rule) == []
    run_sql(dsn, violation)
    found = [f for f in audit(dsn, CONFIG) if f.rule == rule]
    assert sorted({f.object for f in found}) == [obj]
    f = found[0]
    assert f.severity == rules.REGISTRY[rule].severity, f.message
    assert f.message and f.fingerprint and f.remediation
    run_sql(dsn, resolution)
    assert hits(audit(dsn, CONFIG), rule) == []


def test_baseline_is_clean(clone: Callable[[], str]) -> None:
    found = audit(clone(), CONFIG)
    assert [(f.rule, f.object) for f in found if f.rule in ADVISOR] == []


@pytest.mark.parametrize("rule", sorted(ADVISOR))
def test_golden(clone: Callable[[], str], rule: str) -> None:
    _golden(clone(), rule, ADVISOR[rule])


@pytest.mark.parametrize("rule", sorted(ON_PG18))
def test_golden_pg18(pg18: pgserver.Throwaway, rule: str) -> None:
    db = f"dw_advisor_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg18.dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db}"')  # type: ignore[arg-type]
    try:
        run_sql(pg18.dsn(db), BASE)
        _golden(pg18.dsn(db), rule, ON_PG18[rule])
    finally:
        with psycopg.connect(pg18.dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{db}" WITH (FORCE)')  # type: ignore[arg-type]
            conn.execute("DROP ROLE IF EXISTS dw_reporting")


# ------------------------------------------------------------------ exposure and noise


def test_unreachable_objects_are_not_reported(clone: Callable[[], str]) -> None:
    dsn = clone()
    run_sql(
        dsn,
        "create view private.user_emails as select u.email from auth.users u;"
        "grant select on private.user_emails to anon;"  # private is not exposed
        "create table public.integrations (id uuid primary key, api_key text);"
        "revoke all on public.integrations from anon, authenticated;"
        "create materialized view public.price_list as select amount from private.prices;"
        "revoke all on public.price_list from anon, authenticated;",
    )
    found = audit(dsn, CONFIG)
    for rule in ("auth-users-exposed", "sensitive-columns-exposed", "materialized-view-in-api"):
        assert hits(found, rule) == [], rule


def test_security_definer_callable_by_authenticated_only_is_not_this_error(
    clone: Callable[[], str],
) -> None:
    dsn = clone()
    run_sql(
        dsn,
        "create function public.all_projects() returns setof public.projects language plpgsql"
        " security definer set search_path = '' as"
        " $$ begin return query select * from public.projects; end $$;",
    )
    found = [f for f in audit(dsn, CONFIG) if f.rule == "security-definer-function-executable"]
    assert [f.object for f in found] == ["public.all_projects()"]  # the PL/pgSQL body is read
    run_sql(
        dsn,
        "revoke execute on function public.all_projects() from public, anon;"
        "grant execute on function public.all_projects() to authenticated;",
    )
    found = audit(dsn, CONFIG)
    assert hits(found, "security-definer-function-executable") == []
    assert hits(found, "security-definer-function") == ["public.all_projects()"]


def test_functions_only_extension_is_info_and_fixed_list_search_path_passes(
    clone: Callable[[], str],
) -> None:
    dsn = clone()
    run_sql(
        dsn,
        "create extension pg_trgm schema public;"
        "create function public.add_one(i int) returns int language sql"
        " set search_path = public, pg_temp as 'select i + 1';",
    )
    found = audit(dsn, CONFIG)
    ext = [f for f in found if f.rule == "extension-in-public"]
    assert [(f.object, f.severity) for f in ext] == [("pg_trgm", "info")]
    assert hits(found, "function-search-path-mutable") == []


def test_exempt_table_in_realtime_is_info(clone: Callable[[], str]) -> None:
    dsn = clone()
    run_sql(
        dsn,
        "alter table public.plans disable row level security;"
        "alter publication supabase_realtime add table public.plans;",
    )
    found = [f for f in audit(dsn, CONFIG) if f.rule == "realtime-publication-rls-off"]
    assert [(f.object, f.severity) for f in found] == [("public.plans", "info")]
