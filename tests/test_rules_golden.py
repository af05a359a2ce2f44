"""Golden tests per rule, splinter style: a clean baseline database, a violation applied
as real SQL (the rule fires, naming the object), then the resolution (it is gone).
Each case runs in its own database cloned from a template (CREATE DATABASE … TEMPLATE)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import psycopg
import pytest
from conftest import PgServer, run_sql
from rules_helpers import CLAIM, PRELUDE, audit, clones, hits, template_db

from driftwatch import rules

ROLE_CHECK = "((select auth.jwt()) -> 'app_metadata' ->> 'org_role') in ('owner', 'admin')"

BASE = (
    PRELUDE
    + f"""
-- Supabase's default privileges: everything created in public is granted to the API roles.
grant usage on schema public to anon, authenticated;
alter default privileges in schema public grant all on tables to anon, authenticated;
alter default privileges in schema public grant all on sequences to anon, authenticated;
alter default privileges in schema public grant all on functions to anon, authenticated;

create table public.organizations (id uuid primary key, name text);
create table public.projects (
  id uuid primary key,
  organization_id uuid not null references public.organizations (id),
  name text, is_active boolean not null default true);
create index projects_org_idx on public.projects (organization_id);
create table public.tasks (
  id uuid primary key, project_id uuid not null references public.projects (id), title text);
create index tasks_project_idx on public.tasks (project_id);
create table public.plans (id uuid primary key, name text);
create table public.events (id uuid not null, organization_id uuid not null, created_at timestamptz not null,
  primary key (id, created_at)) partition by range (created_at);
create table public.events_2025 partition of public.events
  for values from ('2025-01-01 00:00+00') to ('2026-01-01 00:00+00');
create index events_org_idx on public.events (organization_id);

do $$ declare t text; begin
  foreach t in array array['organizations', 'projects', 'tasks', 'plans', 'events'] loop
    execute format('alter table public.%I enable row level security', t);
    execute format('alter table public.%I force row level security', t);
  end loop;
end $$;

create policy organizations_select on public.organizations for select to authenticated using (id = {CLAIM});
create policy organizations_insert on public.organizations for insert to authenticated with check (id = {CLAIM});
create policy organizations_update on public.organizations for update to authenticated
  using (id = {CLAIM}) with check (id = {CLAIM});
create policy organizations_delete on public.organizations for delete to authenticated using (id = {CLAIM});

create policy projects_select on public.projects for select to authenticated using (organization_id = {CLAIM});
create policy projects_insert on public.projects for insert to authenticated with check (organization_id = {CLAIM});
create policy projects_update on public.projects for update to authenticated
  using (organization_id = {CLAIM}) with check ({CLAIM} = organization_id);
create policy projects_delete on public.projects for delete to authenticated
  using (organization_id = {CLAIM} and {ROLE_CHECK});

create policy tasks_all on public.tasks for all to authenticated
  using (exists (select 1 from public.projects p where p.id = tasks.project_id and p.organization_id = {CLAIM}));

create policy plans_select on public.plans for select to authenticated, anon using (true);

create policy events_select on public.events for select to authenticated using (organization_id::text = (select auth.jwt()) -> 'app_metadata' ->> 'organization_id');
create policy events_insert on public.events for insert to authenticated with check (organization_id = {CLAIM});

create view public.project_summary with (security_invoker = true) as
  select p.organization_id, count(*) as n from public.projects p group by p.organization_id;

create function public.helper() returns int language sql security definer set search_path = '' as 'select 1';

-- The revokes a careful team writes: the definer function, the read-only price list, the
-- partition (reached through its parent), the read-only view.
revoke execute on function public.helper() from public, anon, authenticated;
revoke insert, update, delete, truncate on public.plans from anon, authenticated;
revoke all on public.events_2025 from anon, authenticated;
revoke insert, update, delete, truncate on public.project_summary from anon, authenticated;
"""
)

CONFIG = {
    "tenancy": {
        "exempt": [{"table": "public.plans", "reason": "global price list"}],
        "delete_role_check": {"tables": ["projects"]},
    }
}

# rule → (violation SQL, expected object, resolution SQL)
GOLDEN: dict[str, tuple[str, str, str]] = {
    "rls-disabled": (
        "alter table public.projects disable row level security;",
        "public.projects",
        "alter table public.projects enable row level security;",
    ),
    "rls-no-policies": (
        "create table public.notes (id uuid primary key, organization_id uuid not null references public.organizations (id));"
        "create index on public.notes (organization_id);"
        "alter table public.notes enable row level security; alter table public.notes force row level security;",
        "public.notes",
        f"create policy notes_all on public.notes for all to authenticated using (organization_id = {CLAIM});",
    ),
    "policy-command-uncovered": (
        "drop policy tasks_all on public.tasks;"
        + "".join(
            f"create policy tasks_{c} on public.tasks for {c} to authenticated {k} (exists (select 1"
            f" from public.projects p where p.id = tasks.project_id and p.organization_id = {CLAIM}));"
            for c, k in (("select", "using"), ("insert", "with check"), ("update", "using"))
        ),
        "public.tasks",
        "revoke delete on public.tasks from authenticated;",
    ),
    "policy-not-tenant-scoped": (
        "alter policy projects_select on public.projects using (organization_id is not null);",
        "public.projects.projects_select",
        f"alter policy projects_select on public.projects using (organization_id = {CLAIM});",
    ),
    "policy-user-metadata": (
        "alter policy projects_select on public.projects using "
        "(organization_id = ((select auth.jwt()) -> 'user_metadata' ->> 'organization_id')::uuid);",
        "public.projects.projects_select",
        f"alter policy projects_select on public.projects using (organization_id = {CLAIM});",
    ),
    "tenant-column-missing": (
        "create table public.logs (id uuid primary key, message text);"
        "alter table public.logs enable row level security; alter table public.logs force row level security;",
        "public.logs",
        "alter table public.logs add column organization_id uuid not null references public.organizations (id);"
        "create index on public.logs (organization_id);",
    ),
    "tenant-root-insert": (
        "alter policy organizations_insert on public.organizations with check (true);",
        "public.organizations.organizations_insert",
        f"alter policy organizations_insert on public.organizations with check (id = {CLAIM});",
    ),
    "tenant-column-nullable": (
        "alter table public.projects alter column organization_id drop not null;",
        "public.projects.organization_id",
        "alter table public.projects alter column organization_id set not null;",
    ),
    "tenant-column-unindexed": (
        "drop index public.projects_org_idx; create index projects_name_org_idx on public.projects (name, organization_id);",
        "public.projects.organization_id",
        "create index projects_org_idx on public.projects (organization_id);",
    ),
    "view-bypasses-rls": (
        "alter view public.project_summary set (security_invoker = false);",
        "public.project_summary",
        "alter view public.project_summary set (security_invoker = true);",
    ),
    "security-definer-function": (
        "grant execute on function public.helper() to authenticated;",
        "public.helper()",
        "revoke execute on function public.helper() from authenticated;",
    ),
    "rls-not-forced": (
        "alter table public.projects no force row level security;",
        "public.projects",
        "alter table public.projects force row level security;",
    ),
    "policy-initplan": (
        "alter policy projects_select on public.projects using "
        "(organization_id = (auth.jwt() -> 'app_metadata' ->> 'organization_id')::uuid);",
        "public.projects.projects_select",
        f"alter policy projects_select on public.projects using (organization_id = {CLAIM});",
    ),
    "multiple-permissive-policies": (
        f"create policy projects_select_active on public.projects for select to authenticated using (organization_id = {CLAIM} and is_active);",
        "public.projects",
        "drop policy projects_select_active on public.projects;"
        "create policy projects_select_active on public.projects as restrictive for select to authenticated using (is_active);",
    ),
    "policy-delete-role-unchecked": (
        f"alter policy projects_delete on public.projects using (organization_id = {CLAIM});",
        "public.projects.projects_delete",
        f"alter policy projects_delete on public.projects using ({ROLE_CHECK} and organization_id = {CLAIM});",
    ),
}


@pytest.fixture(scope="module")
def template(pg: PgServer) -> Iterator[str]:
    yield from template_db(pg, BASE, "dw_rules_tpl")


@pytest.fixture
def clone(pg: PgServer, template: str) -> Iterator[Callable[[], str]]:
    yield from clones(pg, template, "dw_rules")


def test_every_rule_has_a_golden_case() -> None:
    from test_rules_golden_advisor import ADVISOR, ON_PG18

    covered = set(GOLDEN) | set(ADVISOR) | set(ON_PG18)
    assert covered == set(rules.REGISTRY) - {"waiver-expired"}  # waivers: test_rules_config.py
    assert not set(GOLDEN) & (set(ADVISOR) | set(ON_PG18))


def test_baseline_is_clean(clone: Callable[[], str]) -> None:
    assert audit(clone(), CONFIG) == []


@pytest.mark.parametrize("rule", sorted(GOLDEN))
def test_golden(clone: Callable[[], str], rule: str) -> None:
    violation, obj, resolution = GOLDEN[rule]
    dsn = clone()
    assert hits(audit(dsn, CONFIG), rule) == []
    run_sql(dsn, violation)
    found = [f for f in audit(dsn, CONFIG) if f.rule == rule]
    assert sorted({f.object for f in found}) == [obj]
    f = found[0]
    assert f.severity == rules.REGISTRY[rule].severity
    assert f.message and f.fingerprint
    assert f.remediation, "every rule here has a concrete remediation"
    run_sql(dsn, resolution)
    assert hits(audit(dsn, CONFIG), rule) == []


def _first_fix(remediation: str) -> list[str]:
    """The SQL statements of a remediation up to its first alternative ("-- or ...")."""
    out = []
    for line in remediation.splitlines():
        if line.startswith("-- or"):
            break
        if line.strip() and not line.startswith("--"):
            out.append(line)
    return out


@pytest.mark.parametrize("rule", sorted(GOLDEN))
def test_remediation_resolves_and_raises_nothing_new(clone: Callable[[], str], rule: str) -> None:
    """Applied as written, each rule's remediation makes its finding go away and raises no
    finding of any rule that was not there before (no initplan, duplicate policy, ...)."""
    violation, obj, _resolution = GOLDEN[rule]
    dsn = clone()
    run_sql(dsn, violation)
    before = audit(dsn, CONFIG)
    (f,) = [x for x in before if x.rule == rule and x.object == obj][:1]
    statements = _first_fix(f.remediation)
    if not statements or not statements[0].split()[0].isupper():
        pytest.skip(f"{rule}: the remediation is advice, not SQL")
    with psycopg.connect(dsn, autocommit=True) as conn:
        for stmt in statements:
            conn.execute(stmt)  # type: ignore[arg-type]
    after = audit(dsn, CONFIG)
    assert (rule, obj) not in {(x.rule, x.object) for x in after}
    new = {(x.rule, x.object) for x in after} - {(x.rule, x.object) for x in before}
    assert not new, f"{rule}'s remediation {statements} raised {sorted(new)}"


# ------------------------------------------------------------------ false-positive guards


def test_restrictive_scoped_policy_makes_permissive_true_safe(clone: Callable[[], str]) -> None:
    dsn = clone()
    run_sql(
        dsn,
        "alter policy projects_select on public.projects using (true);"
        f"create policy projects_tenant on public.projects as restrictive for select to authenticated using (organization_id = {CLAIM});",
    )
    assert hits(audit(dsn, CONFIG), "policy-not-tenant-scoped") == []
    run_sql(dsn, "drop policy projects_tenant on public.projects;")
    assert hits(audit(dsn, CONFIG), "policy-not-tenant-scoped") == [
        "public.projects.projects_select"
    ]


def test_partition_children_follow_their_parent(clone: Callable[[], str]) -> None:
    dsn = clone()
    findings = audit(dsn, CONFIG)
    assert not [f for f in findings if "events_2025" in f.object]
    # read directly with RLS off on the partition, it is a hole
    run_sql(dsn, "grant select on public.events_2025 to authenticated;")
    assert hits(audit(dsn, CONFIG), "partition-bypasses-rls") == ["public.events_2025"]
    assert hits(audit(dsn, CONFIG), "rls-disabled") == []


def test_security_invoker_view_over_rls_tables_is_fine_and_plain_view_ungranted_too(
    clone: Callable[[], str],
) -> None:
    dsn = clone()
    # A new view is granted to the API roles by the default privileges: revoked here.
    run_sql(
        dsn,
        "create view public.backoffice as select * from public.tasks;"
        "revoke all on public.backoffice from anon, authenticated;",
    )
    assert hits(audit(dsn, CONFIG), "view-bypasses-rls") == []  # not granted to app roles
    run_sql(
        dsn,
        "create view public.outer_v as select * from public.backoffice;"
        "revoke all on public.outer_v from anon, authenticated; grant select on public.outer_v to anon;",
    )
    found = [f for f in audit(dsn, CONFIG) if f.rule == "view-bypasses-rls"]
    assert [f.object for f in found] == ["public.outer_v"]
    assert "public.tasks" in found[0].message


def test_anon_using_true_on_tenant_table(clone: Callable[[], str]) -> None:
    dsn = clone()
    run_sql(dsn, "create policy projects_anon on public.projects for select to anon using (true);")
    f = [x for x in audit(dsn, CONFIG) if x.rule == "policy-not-tenant-scoped"]
    assert [x.object for x in f] == ["public.projects.projects_anon"]
    assert "anon" in f[0].message and "TRUE" in f[0].message


def test_policy_on_service_role_only_is_ignored(clone: Callable[[], str]) -> None:
    dsn = clone()
    run_sql(
        dsn,
        "do $$ begin if not exists (select 1 from pg_roles where rolname = 'service_role') then "
        "create role service_role nologin noinherit; end if; end $$;"
        "create policy projects_service on public.projects for all to service_role using (true);",
    )
    assert hits(audit(dsn, CONFIG), "policy-not-tenant-scoped") == []


# ------------------------------------------------------------------ policy-command-uncovered


def _uncovered(dsn: str, cfg: dict | None = None) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    found = [f for f in audit(dsn, cfg or CONFIG) if f.rule == "policy-command-uncovered"]
    return sorted((f.object, f.message.split(" but none for ")[1].split(",")[0]) for f in found)


def test_complete_shapes_are_not_partial_coverage(clone: Callable[[], str]) -> None:
    """Read-only, append-only and update-own-row policies are complete; anon, which holds
    every privilege (default privileges) and has no policy, is denied by design."""
    dsn = clone()
    run_sql(
        dsn,
        "drop policy projects_insert on public.projects; drop policy projects_delete on public.projects;",
    )  # SELECT + UPDATE
    assert _uncovered(dsn) == []
    run_sql(dsn, "drop policy projects_update on public.projects;")  # SELECT only
    assert _uncovered(dsn) == []
    run_sql(
        dsn,
        f"create policy projects_insert on public.projects for insert to authenticated with check (organization_id = {CLAIM});",
    )  # SELECT + INSERT
    assert _uncovered(dsn) == []


def test_update_without_select_is_partial(clone: Callable[[], str]) -> None:
    dsn = clone()
    run_sql(dsn, "drop policy projects_select on public.projects;")
    assert _uncovered(dsn) == [("public.projects", "SELECT")]


def test_tenant_roles_need_every_command(clone: Callable[[], str]) -> None:
    dsn = clone()
    run_sql(
        dsn,
        "drop policy projects_insert on public.projects; drop policy projects_update on public.projects;"
        "drop policy projects_delete on public.projects;",
    )
    strict = {"tenancy": dict(CONFIG["tenancy"], tenant_roles=["authenticated"])}
    assert _uncovered(dsn) == []
    assert _uncovered(dsn, strict) == [
        ("public.events", "DELETE"),  # append-only is not enough for a tenant role
        ("public.events", "UPDATE"),
        ("public.projects", "DELETE"),
        ("public.projects", "INSERT"),
        ("public.projects", "UPDATE"),
    ]
    found = [f for f in audit(dsn, strict) if f.rule == "policy-command-uncovered"]
    assert all(f.remediation.startswith("REVOKE ") for f in found)
    assert all("TO authenticated" in f.remediation for f in found)
    # a global (exempt) table is not held to it
    assert not [f for f in found if f.object == "public.plans"]


def test_anon_policy_on_a_table_anon_cannot_reach_is_info(clone: Callable[[], str]) -> None:
    """``USING (true)`` to anon is an error only where anon can reach the table; its fix
    drops the policy (anon has no tenant claim to scope by)."""
    dsn = clone()
    run_sql(dsn, "create policy projects_anon on public.projects for select to anon using (true);")
    (f,) = [x for x in audit(dsn, CONFIG) if x.rule == "policy-not-tenant-scoped"]
    assert f.severity == "error"
    assert f.remediation.startswith("DROP POLICY projects_anon ON public.projects;")
    run_sql(dsn, "revoke all on public.projects from anon;")
    (f,) = [x for x in audit(dsn, CONFIG) if x.rule == "policy-not-tenant-scoped"]
    assert f.severity == "info"
    assert "anon cannot reach public.projects; only authenticated can" in f.message
