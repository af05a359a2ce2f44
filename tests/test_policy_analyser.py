"""The policy analyser on expressions PostgreSQL itself printed (pg_get_expr), labelled
scoped / not scoped. Every case is created as a real policy, snapshotted, then judged."""

from __future__ import annotations

import pytest
from conftest import run_sql
from rules_helpers import CLAIM, PRELUDE, snap

from driftwatch import config as configmod
from driftwatch.config import load as configload
from driftwatch.rules._context import Context

SCHEMA = (
    PRELUDE
    + """
create table public.organizations (id uuid primary key);
create table public.projects (
  id uuid primary key, organization_id uuid not null references public.organizations (id),
  created_by uuid, name text);
create table public.items (
  id uuid primary key, organization_id uuid not null references public.organizations (id),
  created_by uuid, status text, is_public boolean);
create table public.tasks (
  id uuid primary key, project_id uuid not null references public.projects (id), note text);
create table public.subtasks (id uuid primary key, task_id uuid not null references public.tasks (id));
create table public.open_parents (id uuid primary key, organization_id uuid not null);
create table public.open_children (id uuid primary key,
  parent_id uuid not null references public.open_parents (id));
create table public.notes (id uuid primary key, user_id uuid not null, body text);
alter table public.projects enable row level security;
alter table public.open_parents enable row level security;
create policy projects_select on public.projects for select to authenticated
  using (organization_id = """
    + CLAIM
    + """);
create policy open_parents_select on public.open_parents for select to authenticated using (true);
"""
)

EXISTS_PROJECT = (
    "exists (select 1 from public.projects p where p.id = tasks.project_id and p.organization_id = "
    + CLAIM
    + ")"
)

# (table, USING expression as written by a developer, scoped?)
CASES: list[tuple[str, str, bool]] = [
    ("items", f"organization_id = {CLAIM}", True),
    ("items", "organization_id = (auth.jwt() -> 'app_metadata' ->> 'organization_id')::uuid", True),
    ("items", f"{CLAIM} = organization_id", True),
    (
        "items",
        "organization_id::text = (select auth.jwt()) -> 'app_metadata' ->> 'organization_id'",
        True,
    ),
    (
        "items",
        "(((organization_id))) = (((((select auth.jwt()) -> 'app_metadata') ->> 'organization_id'))::uuid)",
        True,
    ),
    ("items", f"organization_id = {CLAIM} and status = 'open'", True),
    (
        "items",
        f"status = 'open' and organization_id = {CLAIM} and ((select auth.jwt()) -> 'app_metadata' ->> 'org_role') in ('owner', 'admin')",
        True,
    ),
    ("items", f"organization_id in ({CLAIM})", True),
    ("items", f"organization_id = any (array[{CLAIM}])", True),
    (
        "items",
        "organization_id = (select ((auth.jwt() -> 'app_metadata') ->> 'organization_id')::uuid)",
        True,
    ),
    ("items", "private.is_org_member(organization_id)", True),
    ("items", f"organization_id = {CLAIM} or (organization_id = {CLAIM} and is_public)", True),
    ("items", "false", True),
    ("items", "true", False),
    ("items", f"organization_id = {CLAIM} or true", False),
    ("items", "organization_id is not null", False),
    ("items", f"created_by = {CLAIM}", False),
    (
        "items",
        "organization_id = ((select auth.jwt()) -> 'user_metadata' ->> 'organization_id')::uuid",
        False,
    ),
    ("items", "organization_id = ((select auth.jwt()) ->> 'organization_id')::uuid", False),
    ("items", f"organization_id = {CLAIM} or status = 'public'", False),
    ("items", f"not (organization_id <> {CLAIM})", False),
    ("items", "(select auth.uid()) is not null", False),
    ("items", f"organization_id in ({CLAIM}, '00000000-0000-0000-0000-000000000000'::uuid)", False),
    ("items", "private.other_fn(organization_id)", False),
    ("items", f"organization_id <> {CLAIM}", False),
    ("items", "is_public", False),
    ("tasks", EXISTS_PROJECT, True),
    ("tasks", f"note is null and {EXISTS_PROJECT}", True),
    ("tasks", "exists (select 1 from public.projects p where p.id = tasks.project_id)", True),
    (
        "tasks",
        f"project_id in (select p.id from public.projects p where p.organization_id = {CLAIM})",
        True,
    ),
    ("tasks", f"exists (select 1 from public.projects p where p.organization_id = {CLAIM})", False),
    (
        "tasks",
        f"exists (select 1 from public.projects p where p.id = tasks.project_id or p.organization_id = {CLAIM})",
        False,
    ),
    (
        "tasks",
        f"exists (select 1 from public.projects p where p.id = tasks.id and p.organization_id = {CLAIM})",
        False,
    ),
    ("tasks", f"{EXISTS_PROJECT} or note = 'x'", False),
    (
        "subtasks",
        "exists (select 1 from public.tasks t where t.id = subtasks.task_id and exists "
        f"(select 1 from public.projects p where p.id = t.project_id and p.organization_id = {CLAIM}))",
        True,
    ),
    (
        "subtasks",
        "exists (select 1 from public.tasks t join public.projects p on p.id = t.project_id "
        f"where t.id = subtasks.task_id and p.organization_id = {CLAIM})",
        True,
    ),
    (
        "subtasks",
        "exists (select 1 from public.tasks t join public.projects p on p.created_by = t.id "
        f"where t.id = subtasks.task_id and p.organization_id = {CLAIM})",
        False,
    ),
    ("subtasks", "exists (select 1 from public.tasks t where t.id = subtasks.task_id)", False),
    (
        "open_children",
        "exists (select 1 from public.open_parents p where p.id = open_children.parent_id)",
        False,
    ),
    (
        "open_children",
        f"exists (select 1 from public.open_parents p where p.id = open_children.parent_id and p.organization_id = {CLAIM})",
        True,
    ),
]

# Owner-scoped schema: tenant column user_id, claim auth.uid(), by configuration alone.
UID_CASES: list[tuple[str, str, bool]] = [
    ("notes", "user_id = (select auth.uid())", True),
    ("notes", "user_id = auth.uid()", True),
    ("notes", "(select auth.uid()) = user_id and body is not null", True),
    ("notes", "user_id is not null", False),
    ("notes", f"user_id = {CLAIM}", False),
]

TRUSTED = ["private.is_org_member(organization_id)"]


def _name(i: int, prefix: str = "c") -> str:
    return f"{prefix}{i:02d}"


@pytest.fixture(scope="module")
def snapshot(fresh_db: str):  # type: ignore[no-untyped-def]
    stmts = [SCHEMA]
    for prefix, cases in (("c", CASES), ("u", UID_CASES)):
        for i, (table, expr, _ok) in enumerate(cases):
            stmts.append(
                f"create policy {_name(i, prefix)} on public.{table} for select to authenticated using ({expr});"
            )
    run_sql(fresh_db, "\n".join(stmts))
    return snap(fresh_db)


def test_at_least_25_cases() -> None:
    assert len(CASES) + len(UID_CASES) >= 25
    assert {ok for _t, _e, ok in CASES} == {True, False}


@pytest.mark.parametrize(
    ("index", "case"), list(enumerate(CASES)), ids=[f"c{i:02d}" for i in range(len(CASES))]
)
def test_jwt_claim_cases(snapshot, index: int, case: tuple[str, str, bool]) -> None:  # type: ignore[no-untyped-def]
    table, expr, expected = case
    cfg = configload.from_dict({"tenancy": {"trusted_functions": TRUSTED}})
    policy = snapshot.objects.tables[f"public.{table}"].policies[_name(index)]
    verdict = Context(snapshot, cfg).analyser.verdict(f"public.{table}", policy.using)
    assert verdict.scoped is expected, (
        f"{expr!r} printed by PostgreSQL as {policy.using!r}: {verdict}"
    )
    if not expected:
        assert verdict.culprit


@pytest.mark.parametrize(
    ("index", "case"), list(enumerate(UID_CASES)), ids=[f"u{i:02d}" for i in range(len(UID_CASES))]
)
def test_uid_claim_cases(snapshot, index: int, case: tuple[str, str, bool]) -> None:  # type: ignore[no-untyped-def]
    table, expr, expected = case
    cfg = configload.from_dict({"tenancy": {"column": "user_id", "claim": "auth.uid()"}})
    policy = snapshot.objects.tables[f"public.{table}"].policies[_name(index, "u")]
    verdict = Context(snapshot, cfg).analyser.verdict(f"public.{table}", policy.using)
    assert verdict.scoped is expected, (
        f"{expr!r} printed by PostgreSQL as {policy.using!r}: {verdict}"
    )


def test_postgres_prints_the_wrapped_claim(snapshot) -> None:  # type: ignore[no-untyped-def]
    text = snapshot.objects.tables["public.items"].policies["c00"].using
    assert "( SELECT auth.jwt() AS jwt)" in text  # the shape the analyser must see through


def test_helper_is_proved_from_its_body_without_config(snapshot) -> None:  # type: ignore[no-untyped-def]
    an = Context(snapshot, configmod.Config()).analyser
    policy = snapshot.objects.tables["public.items"].policies["c10"]
    assert an.verdict("public.items", policy.using).scoped  # org = nullif(<claim>, '')::uuid
    loose = an.verdict("public.items", "private.other_fn(organization_id)")
    assert not loose.scoped
    assert "private.other_fn(org uuid)" in loose.reason and "TRUE" in loose.reason


def test_trusted_functions_stay_an_escape_hatch(snapshot) -> None:  # type: ignore[no-untyped-def]
    cfg = configload.from_dict({"tenancy": {"trusted_functions": ["private.other_fn"]}})
    assert (
        Context(snapshot, cfg)
        .analyser.verdict("public.items", "private.other_fn(organization_id)")
        .scoped
    )


def test_zero_argument_trusted_helper_stands_for_the_claim(snapshot) -> None:  # type: ignore[no-untyped-def]
    cfg = configload.from_dict({"tenancy": {"trusted_functions": ["public.current_org_id()"]}})
    an = Context(snapshot, cfg).analyser
    assert an.verdict("public.items", "(organization_id = public.current_org_id())").scoped
    assert not an.verdict("public.items", "(created_by = public.current_org_id())").scoped


def test_bad_claim_is_a_config_error(snapshot) -> None:  # type: ignore[no-untyped-def]
    from driftwatch.errors import ConfigError

    cfg = configload.from_dict({"tenancy": {"claim": "auth.jwt() ->> "}})
    with pytest.raises(ConfigError, match=r"tenancy\.claim"):
        Context(snapshot, cfg).analyser  # noqa: B018
