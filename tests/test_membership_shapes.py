"""Golden cases for membership tenancy, one per shape: a clean database where every
policy is proved from its SQL (helpers read from their bodies), a loosened twin that is
reported once with what it fails to bind, then the fix (the report is gone).

Tenant column ``team_id`` → ``public.teams`` (the root); membership relation
``public.team_members`` (unique key ``team_id, user_id``). Config: the column only."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from conftest import PgServer, run_sql
from rules_helpers import PRELUDE, audit, clones, snap, template_db

from driftwatch.config import load as configload
from driftwatch.findings import Finding
from driftwatch.rules._context import Context
from driftwatch.rules._policy import CALLER, NONE, TENANT

UID = "(select auth.uid())"

BASE = (
    PRELUDE
    + """
create table public.teams (id uuid primary key, name text);
create table public.team_members (
  team_id uuid not null references public.teams (id) on delete cascade,
  user_id uuid not null,
  role text not null default 'member',
  primary key (team_id, user_id));
create index on public.team_members (user_id);
create table public.profiles (id uuid primary key, name text);

create function public.is_member(t uuid) returns boolean language sql stable security definer
  set search_path = '' as $$
  select exists (select 1 from public.team_members m where m.team_id = t and m.user_id = auth.uid())
$$;
create function public.has_members(t uuid) returns boolean language sql stable security definer
  set search_path = '' as $$ select exists (select 1 from public.team_members m where m.team_id = $1) $$;
create function public.can_read(t uuid) returns boolean language sql stable
  as $$ select public.is_member(t) $$;
create function public.is_admin(t uuid) returns boolean language plpgsql stable security definer
  set search_path = '' as $$
begin
  return exists (select 1 from public.team_members m
                 where m.team_id = t and m.user_id = auth.uid() and m.role = 'admin');
end $$;
create function public.my_teams() returns setof uuid language sql stable security definer
  set search_path = '' as $$ select m.team_id from public.team_members m where m.user_id = auth.uid() $$;
create function public.recurse(t uuid) returns boolean language sql stable as $$ select true $$;
create or replace function public.recurse(t uuid) returns boolean language sql stable
  as $$ select public.recurse(t) $$;
create function public.ov(t uuid) returns boolean language sql stable as $$ select public.is_member(t) $$;
create function public.ov(t text) returns boolean language sql stable as $$ select true $$;
do $$ begin
  if current_setting('server_version_num')::int >= 140000 then
    execute $f$create function public.is_member_std(t uuid) returns boolean language sql stable
      return exists (select 1 from public.team_members m where m.team_id = t and m.user_id = auth.uid())$f$;
  else  -- PostgreSQL 13: no SQL-standard bodies; the same helper the classic way
    execute $f$create function public.is_member_std(t uuid) returns boolean language sql stable
      as 'select public.is_member(t)'$f$;
  end if;
end $$;
create function public.opaque(t uuid) returns boolean language plpgsql stable as $$
begin
  if t is null then return false; end if;
  return true;
end $$;
"""
    + "".join(
        f"""
create table public.{t} (
  id uuid primary key, team_id uuid not null references public.teams (id), user_id uuid, body text);
create index on public.{t} (team_id);
"""
        for t in ("docs", "boards", "pages", "files", "tasks", "notes", "wikis")
    )
    + f"""
-- a tenant table referenced through its team_id (not its key): not a second root
create table public.team_pages (id uuid primary key,
  team_id uuid not null unique references public.teams (id), body text);
create table public.page_links (id uuid primary key,
  team_id uuid not null references public.team_pages (team_id), url text);
create index on public.page_links (team_id);

do $$ declare t text; begin
  foreach t in array array['teams', 'team_members', 'profiles', 'docs', 'boards', 'pages',
                           'files', 'tasks', 'notes', 'wikis', 'team_pages', 'page_links'] loop
    execute format('alter table public.%I enable row level security', t);
    execute format('alter table public.%I force row level security', t);
    execute format('grant select, insert, update, delete on public.%I to authenticated', t);
  end loop;
end $$;

create policy teams_select on public.teams for select to authenticated using (public.is_member(id));
create policy teams_insert on public.teams for insert to authenticated with check (true);
create policy teams_update on public.teams for update to authenticated using (public.is_admin(id));
create policy teams_delete on public.teams for delete to authenticated using (public.is_admin(id));

create policy members_own on public.team_members for select to authenticated using (user_id = {UID});
create policy members_team on public.team_members for select to authenticated using (public.is_member(team_id));
create policy members_insert on public.team_members for insert to authenticated with check (public.is_admin(team_id));
create policy members_delete on public.team_members for delete to authenticated
  using (user_id = {UID} or public.is_admin(team_id));
create policy members_update on public.team_members for update to authenticated using (public.is_admin(team_id));

create policy profiles_own on public.profiles for all to authenticated using (id = {UID}) with check (id = {UID});

create policy docs_all on public.docs for all to authenticated using (public.is_member(team_id));
create policy boards_all on public.boards for all to authenticated using (exists (
  select 1 from public.team_members m where m.team_id = boards.team_id and m.user_id = {UID}));
create policy pages_all on public.pages for all to authenticated using (team_id in (
  select m.team_id from public.team_members m where m.user_id = {UID}));
create policy files_all on public.files for all to authenticated using (public.can_read(team_id));
create policy tasks_all on public.tasks for all to authenticated using (public.is_admin(team_id));
create policy notes_all on public.notes for all to authenticated
  using (user_id = {UID}) with check (user_id = {UID} and public.is_member(team_id));
create policy team_pages_all on public.team_pages for all to authenticated using (public.is_member(team_id));
create policy page_links_all on public.page_links for all to authenticated using (public.is_member(team_id));
create policy wikis_all on public.wikis for all to authenticated using (team_id in (select public.my_teams()));
"""
)

CONFIG = {"tenancy": {"column": "team_id"}}

# shape → (violation SQL, the one object reported, words of the reason, fix SQL)
SHAPES: dict[str, tuple[str, str, str, str]] = {
    "helper that forgets the caller": (
        "alter policy docs_all on public.docs using (public.has_members(team_id));",
        "public.docs.docs_all",
        "public.has_members(t uuid): it joins team_id to public.team_members.team_id but does"
        " not bind its member column user_id to the caller",
        "alter policy docs_all on public.docs using (public.is_member(team_id));",
    ),
    "inline EXISTS that forgets the caller": (
        "alter policy boards_all on public.boards using (exists ("
        "select 1 from public.team_members m where m.team_id = boards.team_id));",
        "public.boards.boards_all",
        "does not bind its member column user_id to the caller",
        f"alter policy boards_all on public.boards using (exists (select 1 from public.team_members m"
        f" where m.team_id = boards.team_id and m.user_id = {UID}));",
    ),
    "IN over the membership without the caller": (
        "alter policy pages_all on public.pages using (team_id in ("
        "select m.team_id from public.team_members m where m.role = 'admin'));",
        "public.pages.pages_all",
        "does not bind its member column user_id to the caller",
        f"alter policy pages_all on public.pages using (team_id in ("
        f"select m.team_id from public.team_members m where m.user_id = {UID}));",
    ),
    "helper calling a helper that forgets the caller": (
        "create or replace function public.can_read(t uuid) returns boolean language sql stable"
        " as $$ select public.has_members(t) $$;",
        "public.files.files_all",
        "public.can_read(t uuid): public.has_members(t uuid):",
        "create or replace function public.can_read(t uuid) returns boolean language sql stable"
        " as $$ select public.is_member(t) $$;",
    ),
    "plpgsql helper that forgets the caller": (
        "create or replace function public.is_admin(t uuid) returns boolean language plpgsql stable"
        " security definer set search_path = '' as $$ begin return exists (select 1 from"
        " public.team_members m where m.team_id = t and m.role = 'admin'); end $$;",
        "",  # every policy calling is_admin
        "public.is_admin(t uuid)",
        "create or replace function public.is_admin(t uuid) returns boolean language plpgsql stable"
        " security definer set search_path = '' as $$ begin return exists (select 1 from"
        " public.team_members m where m.team_id = t and m.user_id = auth.uid() and m.role = 'admin');"
        " end $$;",
    ),
    "set-returning helper without the caller": (
        "create or replace function public.my_teams() returns setof uuid language sql stable"
        " security definer set search_path = '' as $$ select m.team_id from public.team_members m $$;",
        "public.wikis.wikis_all",
        "public.my_teams()",
        "create or replace function public.my_teams() returns setof uuid language sql stable"
        " security definer set search_path = '' as $$ select m.team_id from public.team_members m"
        " where m.user_id = auth.uid() $$;",
    ),
    "tenant root open for reading": (
        "alter policy teams_select on public.teams using (true);",
        "public.teams.teams_select",
        "",
        "alter policy teams_select on public.teams using (public.is_member(id));",
    ),
    "rows of the caller written into any tenant": (
        f"alter policy notes_all on public.notes with check (user_id = {UID});",
        "public.notes.notes_all",
        "binds the row to the caller only: the caller can write rows into any tenant",
        f"alter policy notes_all on public.notes with check (user_id = {UID} and public.is_member(team_id));",
    ),
    "membership row the caller adds itself to": (
        f"alter policy members_insert on public.team_members with check (user_id = {UID});",
        "public.team_members.members_insert",
        "the caller can add itself to any existing tenant of public.team_members",
        "alter policy members_insert on public.team_members with check (public.is_admin(team_id));",
    ),
    "helper that cannot be read": (
        "alter policy docs_all on public.docs using (public.opaque(team_id));",
        "public.docs.docs_all",
        "the body of public.opaque(t uuid) is not analysed: its plpgsql body is not a single RETURN",
        "alter policy docs_all on public.docs using (public.is_member(team_id));",
    ),
}


@pytest.fixture(scope="module")
def template(pg: PgServer) -> Iterator[str]:
    yield from template_db(pg, BASE, "dw_member_tpl")


@pytest.fixture
def clone(pg: PgServer, template: str) -> Iterator[Callable[[], str]]:
    yield from clones(pg, template, "dw_member")


def errors(dsn: str, cfg: dict | None = None) -> list[Finding]:  # type: ignore[type-arg]
    return [f for f in audit(dsn, cfg or CONFIG) if f.severity == "error"]


def test_clean_membership_schema_has_no_error(clone: Callable[[], str]) -> None:
    findings = audit(clone(), CONFIG)
    assert [f for f in findings if f.severity == "error"] == []
    # the open sign-up is information about creating tenants, not a hole
    assert [(f.rule, f.object) for f in findings if f.rule == "tenant-root-insert"] == [
        ("tenant-root-insert", "public.teams.teams_insert")
    ]
    # the per-user table is neither missing a tenant column nor unscoped
    assert not [f for f in findings if f.object.startswith("public.profiles")]


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_shape(clone: Callable[[], str], shape: str) -> None:
    violation, obj, reason, fix = SHAPES[shape]
    dsn = clone()
    run_sql(dsn, violation)
    found = errors(dsn)
    assert found, shape
    # a loose set-returning SECURITY DEFINER helper also hands its rows to anon via /rpc
    rpc = [f.object for f in found if f.rule == "security-definer-function-executable"]
    assert rpc == ([reason] if shape == "set-returning helper without the caller" else [])
    found = [f for f in found if f.rule != "security-definer-function-executable"]
    assert {f.rule for f in found} == {"policy-not-tenant-scoped"}
    if obj:
        assert [f.object for f in found] == [obj]
    else:
        assert {f.object for f in found} == {
            "public.tasks.tasks_all",
            "public.team_members.members_delete",  # user_id = caller OR is_admin(team_id)
            "public.team_members.members_insert",
            "public.team_members.members_update",
            "public.teams.teams_delete",
            "public.teams.teams_update",
        }
    assert all(reason in f.message for f in found), found[0].message
    run_sql(dsn, fix)
    assert errors(dsn) == []


def test_trusted_functions_rescue_a_helper_that_cannot_be_read(clone: Callable[[], str]) -> None:
    dsn = clone()
    run_sql(dsn, "alter policy docs_all on public.docs using (public.opaque(team_id));")
    cfg = {"tenancy": {"column": "team_id", "trusted_functions": ["public.opaque(team_id)"]}}
    assert errors(dsn, cfg) == []


def test_remediation_calls_the_membership_helper(clone: Callable[[], str]) -> None:
    dsn = clone()
    run_sql(dsn, "alter policy docs_all on public.docs using (true);")
    (f,) = errors(dsn)
    assert "public.is_member(team_id)" in f.remediation, f.remediation
    assert "auth.jwt" not in f.remediation


# (table, expression, level): the analyser alone, on the clean template's snapshot
VERDICTS: list[tuple[str, str, int]] = [
    ("docs", "public.is_member(team_id)", TENANT),
    ("docs", "public.is_member(team_id) = true", TENANT),
    ("docs", "public.is_member(team_id) is true", TENANT),
    ("docs", "public.is_member(t => team_id)", TENANT),
    ("docs", "public.is_member_std(team_id)", TENANT),
    ("docs", "public.can_read(team_id)", TENANT),
    ("docs", "public.is_admin(team_id)", TENANT),
    ("docs", "team_id in (select public.my_teams())", TENANT),
    ("docs", "team_id = any (array(select public.my_teams()))", TENANT),
    (
        "docs",
        "exists (select 1 from public.team_members m where m.team_id = docs.team_id"
        " and m.user_id = ((select auth.jwt()) ->> 'sub')::uuid)",
        TENANT,
    ),
    (
        "docs",
        "exists (select 1 from public.team_members m where m.team_id = docs.team_id"
        " and m.user_id = nullif(current_setting('request.jwt.claim.sub', true), '')::uuid)",
        TENANT,
    ),
    (
        "teams",
        "exists (select 1 from public.team_members m where m.team_id = teams.id and m.user_id = auth.uid())",
        TENANT,
    ),
    ("docs", "user_id = (select auth.uid())", CALLER),
    ("docs", "user_id = auth.uid() or public.is_member(team_id)", CALLER),
    ("docs", "public.has_members(team_id)", NONE),
    ("docs", "public.is_member(id)", NONE),  # the wrong column
    ("docs", "public.is_member(team_id) or true", NONE),
    ("docs", "not public.is_member(team_id)", NONE),
    ("docs", "public.recurse(team_id)", NONE),
    ("docs", "public.ov(team_id)", NONE),  # overloaded: which one runs is not certain
    ("docs", "public.opaque(team_id)", NONE),
    (
        "docs",
        "exists (select 1 from public.team_members m where m.team_id = docs.team_id and m.role = 'admin')",
        NONE,
    ),
    (
        "docs",
        "exists (select 1 from public.team_members m where m.user_id = auth.uid())",
        NONE,  # the caller, but not the row's team
    ),
]


@pytest.fixture(scope="module")
def analyser(template: str, pg: PgServer):  # type: ignore[no-untyped-def]
    return Context(snap(pg.dsn(template)), configload.from_dict(CONFIG)).analyser


@pytest.mark.parametrize(("table", "expr", "level"), VERDICTS, ids=[e for _t, e, _l in VERDICTS])
def test_verdict(analyser, table: str, expr: str, level: int) -> None:  # type: ignore[no-untyped-def]
    v = analyser.verdict(f"public.{table}", expr)
    assert v.level == level, v
    assert v.scoped is (level == TENANT)
