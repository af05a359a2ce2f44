"""The exposure model (rules/_exposure.py) on real catalogs: pgrst.db_schemas, schema USAGE,
ownership, extension-owned objects, the roles in the snapshot, their diff, and `check -v`."""

from __future__ import annotations

import pytest
from conftest import run_sql
from rules_helpers import PRELUDE, audit, snap

from driftwatch import config as configmod
from driftwatch import rules
from driftwatch.cli import main
from driftwatch.diff import diff
from driftwatch.introspect import SnapshotOptions, take_snapshot
from driftwatch.rules._context import Context
from driftwatch.rules._exposure import parse_schema_list

AUTHENTICATOR = (
    "do $$ begin if not exists (select 1 from pg_roles where rolname = 'authenticator') then"
    " begin create role authenticator login noinherit; exception when duplicate_object then null;"
    " end; end if; end $$;"
)

# An API schema besides public, granted the Supabase way, one table without RLS.
API = (
    PRELUDE
    + AUTHENTICATOR
    + """
create schema api;
create table api.widgets (id uuid primary key, organization_id uuid not null);
create index on api.widgets (organization_id);
grant all on api.widgets to anon, authenticated;
"""
)


def _in_db(setting: str) -> str:
    return (
        "do $$ begin execute format('alter role authenticator in database %I set"
        f" pgrst.db_schemas = %L', current_database(), '{setting}'); end $$;"
    )


def test_parse_schema_list() -> None:
    assert parse_schema_list(' public, "My Api" ,,storage') == ("public", "My Api", "storage")


def test_pgrst_db_schemas_exposes_a_schema(make_db) -> None:  # type: ignore[no-untyped-def]
    dsn = make_db(API + "grant usage on schema api to anon, authenticated;")
    assert audit(dsn) == []  # api is not exposed: skipped
    run_sql(dsn, _in_db("public, api, storage"))
    s = snap(dsn)
    assert s.objects.roles["authenticator"].settings == {"pgrst.db_schemas": "public, api, storage"}
    result = rules.run(s, configmod.Config())
    assert result.scope.audited_schemas == ("api", "public")
    assert result.scope.missing_schemas == ("storage",)  # managed: not in the snapshot
    assert [(f.severity, f.rule, f.object) for f in result.findings] == [
        ("error", "rls-disabled", "api.widgets")
    ]


def test_database_setting_counts_too(make_db) -> None:  # type: ignore[no-untyped-def]
    dsn = make_db(
        API
        + "grant usage on schema api to anon, authenticated;"
        + "do $$ begin execute format('alter database %I set pgrst.db_schemas = %L',"
        " current_database(), 'api'); end $$;"
    )
    s = snap(dsn)
    assert s.objects.roles["PUBLIC"].settings == {"pgrst.db_schemas": "api"}
    assert "api" in Context(s, configmod.Config()).exposed_schemas


def test_no_usage_on_the_schema_is_info_and_says_so(make_db) -> None:  # type: ignore[no-untyped-def]
    dsn = make_db(API)
    findings = audit(dsn, {"tenancy": {"exposed_schemas": ["public", "api"]}})
    (f,) = [x for x in findings if x.rule == "rls-disabled"]
    assert f.severity == "info"
    assert "anon, authenticated hold privileges on it but not USAGE on schema api" in f.message
    run_sql(dsn, "grant usage on schema api to public;")  # USAGE through PUBLIC
    findings = audit(dsn, {"tenancy": {"exposed_schemas": ["public", "api"]}})
    assert [x.severity for x in findings if x.rule == "rls-disabled"] == ["error"]


def test_an_api_role_that_owns_a_table_reaches_it(make_db) -> None:  # type: ignore[no-untyped-def]
    dsn = make_db(
        PRELUDE
        + "grant usage on schema public to anon, authenticated;"
        + "create table public.notes (id uuid primary key, organization_id uuid not null);"
        + "create index on public.notes (organization_id);"
        + "alter table public.notes enable row level security;"
        + "grant create on schema public to authenticated;"
        + "alter table public.notes owner to authenticated;"
    )
    s = snap(dsn)
    exp = Context(s, configmod.Config()).exposure("public.notes")
    assert exp.roles == {"authenticated"}
    assert exp.bypasses_rls == {"authenticated"}  # the owner, RLS not forced
    assert exp.can("authenticated", "DELETE")


def test_column_grant_reaches_the_table(make_db) -> None:  # type: ignore[no-untyped-def]
    dsn = make_db(
        PRELUDE
        + "grant usage on schema public to anon;"
        + "create table public.people (id uuid primary key, organization_id uuid not null, name text);"
        + "grant select (id, name) on public.people to anon;"
    )
    errors = [f for f in audit(dsn) if f.rule == "rls-disabled" and f.severity == "error"]
    assert [f.object for f in errors] == ["public.people"]


def test_extension_owned_table_is_left_out(make_db, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    dsn = make_db(
        PRELUDE
        + "grant usage on schema public to anon, authenticated;"
        + "create extension if not exists citext with schema public;"
        + "create table public.spatial_ref_sys (srid int primary key, srtext text);"
        + "grant select on public.spatial_ref_sys to public;"
        + "alter extension citext add table public.spatial_ref_sys;"
    )
    s = snap(dsn)
    assert s.objects.extensions["citext"].members == ("public.spatial_ref_sys",)
    assert "public.spatial_ref_sys" not in s.objects.tables  # not a user object
    assert [f for f in audit(s) if "spatial_ref_sys" in f.object] == []
    assert main(["check", "--dsn", dsn, "-v"]) == 0
    captured = capsys.readouterr()
    assert "left out, owned by extensions: " in captured.err
    assert "public.spatial_ref_sys (citext)" in captured.err
    first = captured.out.splitlines()[0]  # the summary line names the audited schemas
    assert first.endswith(" in 1 audited schema (public); not audited (not exposed): private")


def test_roles_snapshot_and_diff(make_db) -> None:  # type: ignore[no-untyped-def]
    dsn = make_db(
        PRELUDE
        + "do $$ begin if not exists (select 1 from pg_roles where rolname = 'dw_exp_admin') then"
        " create role dw_exp_admin nologin; end if; end $$;"
        + "grant usage on schema public to anon;"
    )
    before = take_snapshot(dsn, SnapshotOptions())
    anon = before.objects.roles["anon"]
    assert (anon.login, anon.inherit, anon.superuser, anon.bypassrls) == (
        False,
        False,
        False,
        False,
    )
    assert not [r for r in before.objects.roles if r.startswith("pg_")]
    # only the roles this database involves: dw_exp_admin owns and is granted nothing here
    assert "dw_exp_admin" not in before.objects.roles
    try:
        run_sql(dsn, "grant dw_exp_admin to anon; alter role dw_exp_admin bypassrls;")
        # the catalog fingerprint sees role changes: the earlier snapshot is not reused
        stats: dict[str, int] = {}
        after = take_snapshot(dsn, SnapshotOptions(), reuse=before, stats=stats)
        assert stats.get("reused", 0) == 0
        assert after.objects.roles["anon"].member_of == ("dw_exp_admin",)
        changes = {(c.kind, c.object, c.severity) for c in diff(before, after).changes}
        assert ("role", "anon", "security") in changes
        assert ("role", "dw_exp_admin", "security") in changes
    finally:
        run_sql(dsn, "revoke dw_exp_admin from anon; alter role dw_exp_admin nobypassrls;")


def test_a_snapshot_without_roles_diffs_without_role_changes(make_db) -> None:  # type: ignore[no-untyped-def]
    """A snapshot file written before roles were read says nothing about them: diffing it
    with a new one must not report every role as added."""
    from driftwatch import model

    new = take_snapshot(make_db(PRELUDE + "grant usage on schema public to anon;"))
    assert new.objects.roles
    old_data = {k: v for k, v in new.data.items() if k != "roles"}
    old = model.Snapshot(new.meta, data=old_data, digest="sha256:old")
    assert [c for c in diff(old, new).changes if c.kind == "role"] == []
