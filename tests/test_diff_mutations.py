"""Mutation suite: one DDL change at a time on a copy of a fixture database, snapshotted
live; each must produce exactly the expected changes (kind, object, change, severity).

The base database is built once per module; each mutation runs in
``CREATE DATABASE m TEMPLATE base`` (a fast file copy), is snapshotted and dropped.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from conftest import NEXUS_SQL, PgServer, run_sql

from driftwatch.diff import DiffOptions, diff
from driftwatch.introspect import take_snapshot
from driftwatch.model import Snapshot

BASE_SQL = (Path(__file__).parent / "data" / "diff_base.sql").read_text()

Expected = set[tuple[str, str, str, str]]

# (id, SQL, {(kind, object, change, severity)})
MUTATIONS: list[tuple[str, str, Expected]] = [
    (
        "add-column",
        "alter table public.projects add column color text",
        {("column", "public.projects.color", "added", "info")},
    ),
    (
        "add-required-column",
        "alter table public.projects add column code text not null",
        {("column", "public.projects.code", "added", "breaking")},
    ),
    (
        "drop-column",
        "alter table public.projects drop column notes",
        {("column", "public.projects.notes", "removed", "breaking")},
    ),
    (
        "drop-middle-column",
        "alter table public.projects drop column archived",
        {("column", "public.projects.archived", "removed", "breaking")},
    ),  # later positions shift
    (
        "rename-column",
        "alter table public.projects rename column notes to remarks",
        {("column", "public.projects.remarks", "renamed", "breaking")},
    ),
    (
        "rename-indexed-column",
        "alter table public.orders rename column status to state",
        {("column", "public.orders.state", "renamed", "breaking")},
    ),
    (
        "type-change",
        "alter table public.projects alter column budget type numeric(14,2)",
        {("column", "public.projects.budget", "modified", "breaking")},
    ),
    (
        "default-change",
        "alter table public.projects alter column archived set default true",
        {("column", "public.projects.archived", "modified", "info")},
    ),
    (
        "not-null-on",
        "alter table public.orders alter column reference set not null",
        {("column", "public.orders.reference", "modified", "breaking")},
    ),
    (
        "not-null-off",
        "alter table public.projects alter column name drop not null",
        {("column", "public.projects.name", "modified", "info")},
    ),
    (
        "add-index",
        "create index projects_name_idx on public.projects (name)",
        {("index", "public.projects.projects_name_idx", "added", "info")},
    ),
    (
        "add-unique-index",
        "create unique index orders_ref_uidx on public.orders (reference)",
        {("index", "public.orders.orders_ref_uidx", "added", "breaking")},
    ),
    (
        "drop-index",
        "drop index public.projects_org_idx",
        {("index", "public.projects.projects_org_idx", "removed", "info")},
    ),
    (
        "partial-index-predicate",
        "drop index public.orders_open_idx; create index orders_open_idx on public.orders "
        "(organization_id) where status = 'paid'",
        {("index", "public.orders.orders_open_idx", "modified", "info")},
    ),
    (
        "add-check",
        "alter table public.projects add constraint budget_positive check (budget > 0)",
        {("constraint", "public.projects.budget_positive", "added", "breaking")},
    ),
    (
        "drop-check",
        "alter table public.orders drop constraint orders_total_check",
        {("constraint", "public.orders.orders_total_check", "removed", "info")},
    ),
    (
        "add-unique",
        "alter table public.orders add constraint orders_reference_key unique (reference)",
        {("constraint", "public.orders.orders_reference_key", "added", "breaking")},
    ),
    (
        "drop-unique",
        "alter table public.organizations drop constraint organizations_slug_key",
        {("constraint", "public.organizations.organizations_slug_key", "removed", "info")},
    ),
    (
        "add-foreign-key",
        "alter table public.projects add constraint projects_org_fk2 foreign key (organization_id) "
        "references public.organizations(id)",
        {("constraint", "public.projects.projects_org_fk2", "added", "breaking")},
    ),
    (
        "drop-foreign-key",
        "alter table public.orders drop constraint orders_project_id_fkey",
        {("constraint", "public.orders.orders_project_id_fkey", "removed", "info")},
    ),
    (
        "foreign-key-target-change",
        "alter table public.orders drop constraint orders_project_id_fkey, add constraint "
        "orders_project_id_fkey foreign key (project_id) references public.organizations(id)",
        {("constraint", "public.orders.orders_project_id_fkey", "modified", "breaking")},
    ),
    (
        "drop-primary-key",
        "alter table app.settings drop constraint settings_pkey",
        {("constraint", "app.settings.settings_pkey", "removed", "info")},
    ),
    (
        "add-exclusion",
        "alter table public.orders add constraint orders_ref_excl exclude using btree (reference with =)",
        {("constraint", "public.orders.orders_ref_excl", "added", "breaking")},
    ),
    (
        "create-table",
        "create table public.tags (id int primary key, label text)",
        {("table", "public.tags", "added", "info")},
    ),
    ("drop-table", "drop table app.settings", {("table", "app.settings", "removed", "breaking")}),
    (
        "rename-table",
        "alter table app.settings rename to config",
        {("table", "app.config", "renamed", "breaking")},
    ),
    (
        "rename-referenced-table",
        "alter table public.projects rename to workspaces",
        {("table", "public.workspaces", "renamed", "breaking")},
    ),  # FKs and view follow it
    (
        "disable-rls",
        "alter table public.orders disable row level security",
        {("rls", "public.orders", "modified", "security")},
    ),
    (
        "enable-rls",
        "alter table app.settings enable row level security",
        {("rls", "app.settings", "modified", "info")},
    ),
    (
        "force-rls",
        "alter table public.orders force row level security",
        {("rls", "public.orders", "modified", "info")},
    ),
    (
        "create-permissive-policy",
        "create policy orders_anon on public.orders for select to anon using (true)",
        {("policy", "public.orders.orders_anon", "added", "security")},
    ),
    (
        "create-restrictive-policy",
        "create policy orders_not_shipped on public.orders as restrictive for select "
        "to authenticated using (status <> 'shipped')",
        {("policy", "public.orders.orders_not_shipped", "added", "info")},
    ),
    (
        "drop-policy",
        "drop policy project_write on public.projects",
        {
            ("policy", "public.projects.project_write", "removed", "breaking")
        },  # permissive: tightened
    ),
    (
        "alter-policy-using",
        "alter policy project_read on public.projects using (true)",
        {("policy", "public.projects.project_read", "modified", "security")},
    ),
    (
        "alter-policy-with-check",
        "alter policy project_write on public.projects with check (true)",
        {("policy", "public.projects.project_write", "modified", "security")},
    ),
    (
        "alter-policy-roles",
        "alter policy project_read on public.projects to authenticated, anon",
        {("policy", "public.projects.project_read", "modified", "security")},
    ),
    (
        "policy-command-recreated",
        "drop policy project_read on public.projects; create policy project_read on public.projects "
        "for update to authenticated using (organization_id = public.current_org())",
        {("policy", "public.projects.project_read", "modified", "security")},
    ),
    (
        "rename-policy",
        "alter policy project_read on public.projects rename to projects_select",
        {("policy", "public.projects.projects_select", "renamed", "info")},
    ),
    (
        "grant-to-anon",
        "grant select on public.organizations to anon",
        {("grant", "public.organizations", "added", "security")},
    ),
    (
        "grant-to-service-role",
        "grant select on public.organizations to service_role",
        {("grant", "public.organizations", "added", "info")},
    ),
    (
        "grant-more-to-authenticated",
        "grant insert on public.projects to authenticated",
        {("grant", "public.projects", "modified", "security")},
    ),
    (
        "revoke",
        "revoke select on public.projects from authenticated",
        {("grant", "public.projects", "removed", "info")},
    ),
    (
        "view-definition",
        "create or replace view public.project_summary with (security_invoker = true) as "
        "select p.id, p.name, count(o.id) as orders from public.projects p "
        "left join public.orders o on o.project_id = p.id where not p.archived group by p.id, p.name",
        {("view", "public.project_summary", "modified", "info")},
    ),
    (
        "security-invoker-off",
        "alter view public.project_summary set (security_invoker = false)",
        {("view", "public.project_summary", "modified", "security")},
    ),
    (
        "drop-view",
        "drop view public.project_summary",
        {("view", "public.project_summary", "removed", "breaking")},
    ),
    (
        "function-body",
        "create or replace function public.current_org() returns uuid language sql stable as "
        "$$ select nullif(current_setting('request.org_id', true), '')::uuid $$",
        {("function", "public.current_org()", "modified", "info")},
    ),
    (
        "security-definer-on",
        "alter function public.current_org() security definer",
        {("function", "public.current_org()", "modified", "security")},
    ),
    (
        "function-search-path",
        "alter function public.touch() set search_path = ''",
        {("function", "public.touch()", "modified", "info")},
    ),
    (
        "add-trigger",
        "create trigger projects_touch before update on public.projects "
        "for each row execute function public.touch()",
        {("trigger", "public.projects.projects_touch", "added", "info")},
    ),
    (
        "drop-trigger",
        "drop trigger orders_touch on public.orders",
        {("trigger", "public.orders.orders_touch", "removed", "info")},
    ),
    (
        "enum-value-added",
        "alter type public.order_status add value 'cancelled'",
        {("enum", "public.order_status", "modified", "info")},
    ),
    (
        "enum-value-renamed",
        "alter type public.order_status rename value 'shipped' to 'sent'",
        {("enum", "public.order_status", "modified", "breaking")},
    ),
    (
        "sequence-change",
        "alter sequence public.invoice_numbers increment by 5",
        {("sequence", "public.invoice_numbers", "modified", "info")},
    ),
    (
        "drop-sequence",
        "drop sequence public.invoice_numbers",
        {("sequence", "public.invoice_numbers", "removed", "breaking")},
    ),
    (
        "table-comment",
        "comment on table public.orders is 'Orders placed by customers'",
        {("table", "public.orders", "modified", "info")},
    ),
    (
        "column-comment",
        "comment on column public.orders.total is 'Gross amount'",
        {("column", "public.orders.total", "modified", "info")},
    ),
    ("extension-added", "create extension pg_trgm", {("extension", "pg_trgm", "added", "info")}),
    (
        "partition-added",
        "create table public.events_2024_02 partition of public.events "
        "for values from ('2024-02-01') to ('2024-03-01')",
        {("partition", "public.events", "added", "info")},
    ),
    (
        "partition-detached",
        "alter table public.events detach partition public.events_2024_01",
        {("table", "public.events_2024_01", "modified", "info")},
    ),  # partition_of → null
    (
        "column-on-partitioned-parent",
        "alter table public.events add column source text",
        {("column", "public.events.source", "added", "info")},
    ),  # not repeated per partition
    ("schema-added", "create schema reporting", {("schema", "reporting", "added", "info")}),
    # ---- the kinds of snapshot format 2 (issue 15)
    (
        "add-instead-rule-on-rls-table",
        "create rule orders_no_insert as on insert to public.orders do instead nothing",
        {("rule", "public.orders.orders_no_insert", "added", "security")},
    ),
    (
        "add-rule-on-plain-table",
        "create rule settings_note as on update to app.settings do also notify settings",
        {("rule", "app.settings.settings_note", "added", "info")},
    ),
    (
        "publication-add-table",
        "alter publication realtime_feed add table public.projects",
        {("publication", "realtime_feed", "modified", "security")},
    ),
    (
        "publication-narrow-columns",
        "alter publication realtime_feed set table app.feed (id, body) where (hidden is not true)",
        {("publication", "realtime_feed", "modified", "info")},
    ),
    (
        "publication-drop-row-filter",
        "alter publication realtime_feed set table app.feed (id, body, author)",
        {("publication", "realtime_feed", "modified", "security")},
    ),
    (
        "publication-all-tables",
        "create publication everything for all tables",
        {("publication", "everything", "added", "security")},
    ),
    (
        "event-trigger-disabled",
        "alter event trigger ddl_note disable",
        {("event_trigger", "ddl_note", "modified", "info")},
    ),
    (
        "add-statistics",
        "create statistics app.feed_ndistinct (ndistinct) on body, author from app.feed",
        {("statistics", "app.feed_ndistinct", "added", "info")},
    ),
    (
        "composite-add-attribute",
        "alter type public.money_pair add attribute note text",
        {("composite_type", "public.money_pair", "modified", "info")},
    ),
    (
        "composite-drop-attribute",
        "alter type public.money_pair drop attribute currency",
        {("composite_type", "public.money_pair", "modified", "breaking")},
    ),
    (
        "drop-range-type",
        "drop type public.numrange2",
        {("range_type", "public.numrange2", "removed", "breaking")},
    ),
    (
        "add-collation",
        "create collation public.posix_copy (locale = 'POSIX')",
        {("collation", "public.posix_copy", "added", "info")},
    ),
    (
        "drop-operator",
        "drop operator public.=~= (numeric, numeric)",
        {("operator", "public.=~=(numeric,numeric)", "removed", "breaking")},
    ),
    (
        "policy-comment",
        "comment on policy orders_all on public.orders is 'tenant scoped'",
        {("policy", "public.orders.orders_all", "modified", "info")},
    ),
    (
        "identity-increment",
        "alter table app.counters alter column id set increment by 10",
        {("column", "app.counters.id", "modified", "info")},
    ),
    (
        "typed-table-not-of",
        "alter table app.kvs not of",
        {("table", "app.kvs", "modified", "info")},
    ),
    (
        "aggregate-initial-value",
        "drop aggregate public.total(numeric);"
        " create aggregate public.total(numeric) (sfunc = numeric_add, stype = numeric,"
        " initcond = '1')",
        {("function", "public.total(numeric)", "modified", "info")},
    ),
    (
        "matview-refreshed",
        "refresh materialized view app.feed_mv",
        {("materialized_view", "app.feed_mv", "modified", "info")},
    ),
    (
        "dotted-twin-table",
        'create schema "public.orders"; create table "public.orders".x (id int)',
        {
            ("schema", "public.orders", "added", "info"),
            ("table", '"public.orders".x', "added", "info"),
        },
    ),
]


def _copy(pg: PgServer, template: str, sql: str) -> Snapshot:
    name = f"dw_mut_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg.admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        run_sql(pg.dsn(name), sql)
        return take_snapshot(pg.dsn(name))
    finally:
        pg.drop_db(name)


@pytest.fixture(scope="module")
def base(pg: PgServer) -> Iterator[tuple[str, Snapshot]]:
    name = pg.create_db("dw_diffbase")
    try:
        run_sql(pg.dsn(name), BASE_SQL)
        yield name, take_snapshot(pg.dsn(name))
    finally:
        pg.drop_db(name)


def _summary(snap_old: Snapshot, snap_new: Snapshot) -> Expected:
    return {(c.kind, c.object, c.change, c.severity) for c in diff(snap_old, snap_new).changes}


def test_at_least_30_distinct_mutations() -> None:
    assert len({m[0] for m in MUTATIONS}) == len(MUTATIONS) >= 30


@pytest.mark.parametrize(
    ("sql", "expected"), [m[1:] for m in MUTATIONS], ids=[m[0] for m in MUTATIONS]
)
def test_mutation(pg: PgServer, base: tuple[str, Snapshot], sql: str, expected: Expected) -> None:
    name, before = base
    after = _copy(pg, name, sql)
    changes = diff(before, after).changes
    got = {(c.kind, c.object, c.change, c.severity) for c in changes}
    assert got == expected, [c.to_data() for c in changes]
    assert len(changes) == len(expected)


def test_self_diff_is_empty(pg: PgServer, base: tuple[str, Snapshot]) -> None:
    name, before = base
    again = take_snapshot(pg.dsn(name))
    assert diff(before, again).changes == ()
    assert diff(before, before).changes == ()


def test_renames_can_be_switched_off(pg: PgServer, base: tuple[str, Snapshot]) -> None:
    name, before = base
    after = _copy(pg, name, "alter table public.projects rename column notes to remarks")
    got = {
        (c.object, c.change) for c in diff(before, after, DiffOptions(detect_renames=False)).changes
    }
    assert got == {("public.projects.notes", "removed"), ("public.projects.remarks", "added")}


def test_column_order_only_with_strict_order(pg: PgServer, base: tuple[str, Snapshot]) -> None:
    name, before = base
    after = _copy(pg, name, "alter table public.projects drop column archived")
    loose = {(c.object, c.change) for c in diff(before, after).changes}
    strict = {
        (c.object, c.change) for c in diff(before, after, DiffOptions(strict_order=True)).changes
    }
    assert loose == {("public.projects.archived", "removed")}
    assert strict == loose | {
        ("public.projects.budget", "modified"),
        ("public.projects.notes", "modified"),
    }


# ------------------------------------------------------------------ the Nexus sample

NEXUS_MUTATIONS: list[tuple[str, str, Expected]] = [
    (
        "nexus-drop-policy",
        "drop policy organizations_delete on public.organizations",
        {("policy", "public.organizations.organizations_delete", "removed", "breaking")},
    ),
    (
        "nexus-disable-rls",
        "alter table public.organization_members disable row level security",
        {("rls", "public.organization_members", "modified", "security")},
    ),
    (
        "nexus-rename-column",
        "alter table public.organizations rename column country_code to country",
        {("column", "public.organizations.country", "renamed", "breaking")},
    ),
    (
        "nexus-enum-value",
        "alter type public.member_role add value 'billing'",
        {("enum", "public.member_role", "modified", "info")},
    ),
    (
        # every table is granted to anon by Supabase's default privileges; the RLS-bypassing
        # view is the one the sample revokes, so granting it back is the drift
        "nexus-grant-anon",
        "grant select on public.customer_directory to anon",
        {("grant", "public.customer_directory", "added", "security")},
    ),
]


@pytest.fixture(scope="module")
def nexus_base(pg: PgServer) -> Iterator[tuple[str, Snapshot]]:
    if not NEXUS_SQL.exists():
        pytest.skip("driftwatch/demo/nexus.sql not present")
    name = pg.create_db("dw_diffnexus")
    try:
        run_sql(pg.dsn(name), NEXUS_SQL.read_text())
        yield name, take_snapshot(pg.dsn(name))
    finally:
        pg.drop_db(name)


@pytest.mark.parametrize(
    ("sql", "expected"), [m[1:] for m in NEXUS_MUTATIONS], ids=[m[0] for m in NEXUS_MUTATIONS]
)
def test_nexus_mutation(
    pg: PgServer, nexus_base: tuple[str, Snapshot], sql: str, expected: Expected
) -> None:
    name, before = nexus_base
    after = _copy(pg, name, sql)
    changes = diff(before, after).changes
    assert {(c.kind, c.object, c.change, c.severity) for c in changes} == expected, [
        c.to_data() for c in changes
    ]
    assert len(changes) == len(expected)


def test_nexus_self_diff_is_empty(pg: PgServer, nexus_base: tuple[str, Snapshot]) -> None:
    name, before = nexus_base
    assert diff(before, take_snapshot(pg.dsn(name))).changes == ()
