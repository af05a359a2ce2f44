"""The audit on real application schemas (tests/fixtures/realapps: PowerDNS, FreeRADIUS,
Icinga 2 IDO, Bacula, from their Debian packages), loaded with their own grants into
``public`` of a database each, and ``public`` exposed: no API role can reach any of their
103 tables, so nothing is an error or a warning (each finding is info and says why), until
one table is granted to PUBLIC — then exactly that table's findings are errors. A role
that inherits the application's own role reaches its tables through the membership."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import PgServer, run_sql
from rules_helpers import API_ROLES, audit, snap

from driftwatch import model

FIXTURES = Path(__file__).parent / "fixtures" / "realapps"


def _role(name: str) -> str:
    return (
        f"do $$ begin if not exists (select 1 from pg_roles where rolname = '{name}') then"
        f" begin create role {name} login; exception when duplicate_object then null; end;"
        " end if; end $$;"
    )


def _radius() -> str:
    setup = (FIXTURES / "freeradius" / "setup.sql").read_text()
    # CREATE USER radius WITH PASSWORD …: the role is cluster-wide, created once above.
    setup = re.sub(r"(?im)^\s*CREATE USER radius[^;]*;", "", setup)
    return (FIXTURES / "freeradius" / "schema.sql").read_text() + _role("radius") + setup


def _bacula() -> str:
    script = (FIXTURES / "bacula" / "grant_postgresql_privileges").read_text()
    body = script.split("<<END-OF-DATA", 1)[1].split("\nEND-OF-DATA", 1)[0]
    grants = "\n".join(
        line
        for line in body.replace("${db_user}", "bacula").splitlines()
        if not re.match(r"\s*(create user|alter database)", line, re.I)
    )
    tables = (FIXTURES / "bacula" / "make_postgresql_tables.sql").read_text()
    return tables + _role("bacula") + grants


APPS: dict[str, tuple[str, int]] = {  # name → (SQL, number of tables)
    "pdns": ((FIXTURES / "pdns" / "schema.pgsql.sql").read_text(), 7),
    "radius": (_radius(), 9),
    "icinga2": ((FIXTURES / "icinga2" / "pgsql.sql").read_text(), 61),
    "bacula": (_bacula(), 26),
}


@pytest.fixture(scope="module")
def apps(pg: PgServer) -> Iterator[dict[str, str]]:
    made: dict[str, str] = {}
    try:
        for name, (sql, _n) in APPS.items():
            db = pg.create_db(f"dw_app_{name}")
            made[name] = db
            run_sql(pg.dsn(db), API_ROLES + sql)
        yield {name: pg.dsn(db) for name, db in made.items()}
    finally:
        for db in made.values():
            pg.drop_db(db)


@pytest.fixture(scope="module")
def snaps(apps: dict[str, str]) -> dict[str, model.Snapshot]:
    return {name: snap(dsn) for name, dsn in apps.items()}


@pytest.mark.parametrize("app", sorted(APPS))
def test_loaded_as_shipped(snaps: dict[str, model.Snapshot], app: str) -> None:
    tables = [k for k in snaps[app].objects.tables if k.startswith("public.")]
    assert len(tables) == APPS[app][1]


@pytest.mark.parametrize("app", sorted(APPS))
def test_nothing_an_api_role_cannot_reach_is_an_error(
    snaps: dict[str, model.Snapshot], app: str
) -> None:
    findings = audit(snaps[app])
    assert findings, "no RLS, no tenant column: every table is reported (as info)"
    assert {f.severity for f in findings} == {"info"}
    tenancy = [f for f in findings if f.rule in ("rls-disabled", "tenant-column-missing")]
    assert all("no API role can reach" in f.message for f in tenancy)
    assert all("authenticated, anon hold no privilege on it" in f.message for f in tenancy)
    counts = Counter(f.rule for f in tenancy)
    assert counts == {"rls-disabled": APPS[app][1], "tenant-column-missing": APPS[app][1]}
    # the rest: performance lints (info by default) and functions callable through PUBLIC
    # whose search_path nobody can exploit (no API role may CREATE anywhere)
    rest = {f.rule for f in findings if f not in tenancy}
    assert rest <= {
        "no-primary-key",
        "unindexed-foreign-key",
        "duplicate-index",
        "function-search-path-mutable",
    }, rest
    assert all(
        "no API role can CREATE" in f.message
        for f in findings
        if f.rule == "function-search-path-mutable"
    )


def test_one_public_grant_makes_exactly_that_table_an_error(make_db) -> None:  # type: ignore[no-untyped-def]
    dsn = make_db(API_ROLES + APPS["pdns"][0] + "grant select on public.records to public;")
    findings = audit(dsn)
    serious = sorted((f.severity, f.rule, f.object) for f in findings if f.severity != "info")
    assert serious == [
        ("error", "rls-disabled", "public.records"),
        ("error", "tenant-column-missing", "public.records"),
    ]
    (disabled,) = [f for f in findings if f.rule == "rls-disabled" and f.severity == "error"]
    assert "anon may SELECT, authenticated may SELECT" in disabled.message
    assert len([f for f in findings if f.severity == "info"]) == 2 * 6


def test_membership_reaches_the_apps_own_grants(make_db) -> None:  # type: ignore[no-untyped-def]
    """An API role that INHERITs radius reaches the 9 tables setup.sql grants to radius;
    a NOINHERIT member (Supabase's authenticator, anon, authenticated) does not."""
    dsn = make_db(
        API_ROLES
        + APPS["radius"][0]
        + "do $$ begin if not exists (select 1 from pg_roles where rolname = 'dw_web') then"
        " create role dw_web nologin inherit; end if;"
        " if not exists (select 1 from pg_roles where rolname = 'dw_web_noinherit') then"
        " create role dw_web_noinherit nologin noinherit; end if; end $$;"
        "grant radius to dw_web; grant radius to dw_web_noinherit;"
        # API roles hold USAGE on the schema they serve (and so are in the snapshot)
        "grant usage on schema public to dw_web, dw_web_noinherit;"
    )
    s = snap(dsn)
    assert "radius" in s.objects.roles["dw_web"].member_of
    errors = {
        f.object
        for f in audit(s, {"tenancy": {"app_roles": ["dw_web"]}})
        if f.rule == "rls-disabled" and f.severity == "error"
    }
    assert len(errors) == 9 and "public.radcheck" in errors
    none = audit(s, {"tenancy": {"app_roles": ["dw_web_noinherit"]}})
    assert {f.severity for f in none} == {"info"}


def test_unexposed_schema_is_skipped_and_said(make_db) -> None:  # type: ignore[no-untyped-def]
    from driftwatch import config as configmod
    from driftwatch import rules
    from driftwatch.config import load as configload

    dsn = make_db(
        API_ROLES + "create schema dns; set search_path = dns;" + APPS["pdns"][0] + ";"
        "reset search_path; grant usage on schema dns to public;"
        "grant select on dns.records to public;"
    )
    s = snap(dsn)
    result = rules.run(s, configmod.Config())
    assert result.scope.audited_schemas == ("public",)
    assert result.scope.skipped_schemas == ("dns",)
    assert result.findings == []  # nothing in public; dns is not exposed
    exposed = rules.run(s, configload.from_dict({"tenancy": {"exposed_schemas": ["dns"]}}))
    assert exposed.scope.audited_schemas == ("dns",)
    serious = {(f.rule, f.object) for f in exposed.findings if f.severity == "error"}
    assert serious == {("rls-disabled", "dns.records"), ("tenant-column-missing", "dns.records")}
