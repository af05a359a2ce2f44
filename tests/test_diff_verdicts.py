"""Policy-change verdicts in ``diff``: real policies on a real PostgreSQL, each side read
with the policy analyser. One base database, a clone per case (CREATE DATABASE … TEMPLATE);
each case alters policies and must produce exactly the expected verdict and severity."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import pytest
from conftest import PgServer, run_sql
from rules_helpers import CLAIM, PRELUDE, template_db
from test_metrics import one, run, scrape, service

from driftwatch import snapshot as snapmod
from driftwatch.cli import main
from driftwatch.diff import DiffOptions, diff
from driftwatch.diff.render import render
from driftwatch.introspect import take_snapshot

UNWRAPPED = "(auth.jwt() -> 'app_metadata' ->> 'organization_id')::uuid"

BASE = (
    PRELUDE
    + f"""
create table public.organizations (id uuid primary key, name text);
create table public.projects (
  id uuid primary key,
  organization_id uuid not null references public.organizations (id),
  name text, is_active boolean not null default true, created_at timestamptz);
create table public.tasks (
  id uuid primary key, project_id uuid not null references public.projects (id), title text);
alter table public.projects enable row level security;
alter table public.tasks enable row level security;
create policy projects_select on public.projects for select to authenticated
  using (organization_id = {CLAIM});
create policy projects_update on public.projects for update to authenticated
  using (organization_id = {CLAIM}) with check (organization_id = {CLAIM});
create policy projects_recent on public.projects as restrictive for select to authenticated
  using (created_at > now() - interval '1 year' and is_active);
create policy projects_public on public.projects for select to anon using (true);
create policy tasks_select on public.tasks for select to authenticated
  using (exists (select 1 from public.projects p where p.id = tasks.project_id and p.organization_id = {CLAIM}));
"""
)

# id → (SQL, {policy object: (verdict, severity)})
CASES: dict[str, tuple[str, dict[str, tuple[str, str]]]] = {
    "unwrapped-reversed-claim": (
        f"alter policy projects_select on public.projects using ({UNWRAPPED} = organization_id)",
        {"public.projects.projects_select": ("equivalent", "info")},
    ),
    "comparison-and-operands-reversed": (
        "alter policy projects_recent on public.projects using "
        "(is_active and now() - interval '1 year' < created_at)",
        {"public.projects.projects_recent": ("equivalent", "info")},
    ),
    "scope-lost": (
        "alter policy projects_select on public.projects using (organization_id is not null)",
        {"public.projects.projects_select": ("loosened", "security")},
    ),
    "exists-scope-lost": (
        "alter policy tasks_select on public.tasks using "
        "(exists (select 1 from public.projects p where p.id = tasks.project_id))",
        # the parent's RLS does not rescue it: anon's USING (true) on projects
        {"public.tasks.tasks_select": ("loosened", "security")},
    ),
    "role-added": (
        "alter policy projects_select on public.projects to authenticated, anon",
        {"public.projects.projects_select": ("loosened", "security")},
    ),
    "role-removed": (
        "alter policy projects_public on public.projects to authenticated",
        {"public.projects.projects_public": ("loosened", "security")},
    ),
    "now-scoped": (
        f"alter policy projects_public on public.projects using (organization_id = {CLAIM})",
        {"public.projects.projects_public": ("tightened", "info")},
    ),
    "conjunct-added": (
        f"alter policy projects_select on public.projects using (organization_id = {CLAIM} and is_active)",
        {"public.projects.projects_select": ("tightened", "info")},
    ),
    "disjunct-added": (
        "alter policy projects_recent on public.projects using "
        "((created_at > now() - interval '1 year' and is_active) or name = 'demo')",
        {"public.projects.projects_recent": ("loosened", "security")},
    ),
    "rewritten": (
        "alter policy projects_recent on public.projects using "
        "(created_at > now() - interval '2 years' and is_active)",
        {"public.projects.projects_recent": ("changed", "security")},
    ),
    "restrictive-added": (
        "create policy projects_active on public.projects as restrictive for select to authenticated using (is_active)",
        {"public.projects.projects_active": ("tightened", "info")},
    ),
    "permissive-added": (
        "create policy projects_all on public.projects for select to authenticated using (is_active)",
        {"public.projects.projects_all": ("loosened", "security")},
    ),
    "restrictive-dropped": (
        "drop policy projects_recent on public.projects",
        {"public.projects.projects_recent": ("loosened", "security")},
    ),
    "permissive-dropped": (
        "drop policy projects_public on public.projects",
        {"public.projects.projects_public": ("tightened", "breaking")},
    ),
    "command-widened": (
        "drop policy projects_update on public.projects;"
        f"create policy projects_update on public.projects for all to authenticated using (organization_id = {CLAIM})",
        {"public.projects.projects_update": ("loosened", "security")},
    ),
}


@pytest.fixture(scope="module")
def template(pg: PgServer) -> Iterator[str]:
    yield from template_db(pg, BASE, "dw_verdicts_tpl")


@pytest.fixture
def clone(copy_db: Callable[[str], str], template: str) -> Callable[[], str]:
    return lambda: copy_db(template)


@pytest.mark.parametrize("case", sorted(CASES))
def test_verdict(clone: Callable[[], str], case: str) -> None:
    sql, expected = CASES[case]
    dsn = clone()
    before = take_snapshot(dsn)
    run_sql(dsn, sql)
    after = take_snapshot(dsn)
    result = diff(before, after, DiffOptions())
    got = {ch.object: (ch.verdict, ch.severity) for ch in result.changes if ch.kind == "policy"}
    assert got == expected
    assert all(ch.why for ch in result.changes if ch.verdict)


def test_equivalent_rewrite_is_not_a_security_change_in_every_format(
    clone: Callable[[], str],
) -> None:
    dsn = clone()
    before = take_snapshot(dsn)
    run_sql(
        dsn,
        f"alter policy projects_select on public.projects using ({UNWRAPPED} = organization_id);"
        "alter policy projects_select on public.projects to authenticated, anon;"
        "alter policy projects_public on public.projects using (true and is_active);",
    )
    result = diff(before, take_snapshot(dsn))
    assert result.counts()["security"] == 1
    assert result.policy_verdicts() == {
        "loosened": 1,
        "changed": 0,
        "tightened": 1,
        "equivalent": 0,
    }
    doc = orjson.loads(render(result, "json"))
    by_obj = {c["object"]: c for c in doc["changes"]}
    sel = by_obj["public.projects.projects_select"]
    assert (sel["verdict"], sel["severity"]) == ("loosened", "security")
    assert sel["why"] == ["role(s) added: anon"]
    text = render(result, "text")
    assert "[security] loosened: role(s) added: anon" in text
    assert "[info] tightened: USING narrower" in text
    md = render(result, "markdown")
    assert "**loosened** (role(s) added: anon)" in md


def test_cli_json_and_unwrapped_claim_is_equivalent(
    clone: Callable[[], str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dsn = clone()
    old = tmp_path / "old.json"
    new = tmp_path / "new.json"
    snapmod.write(take_snapshot(dsn), old)
    run_sql(
        dsn,
        f"alter policy projects_update on public.projects using ({UNWRAPPED} = organization_id)"
        f" with check (organization_id = {UNWRAPPED})",
    )
    snapmod.write(take_snapshot(dsn), new)
    assert main(["diff", str(old), str(new), "--format", "json"]) == 1
    doc = orjson.loads(capsys.readouterr().out)
    [ch] = doc["changes"]
    assert (ch["verdict"], ch["severity"]) == ("equivalent", "info")


def test_metrics_count_policy_changes_by_verdict(clone: Callable[[], str], tmp_path: Path) -> None:
    dsn = clone()
    svc = service(tmp_path, {"app": dsn})
    run(svc, "app")
    run_sql(
        dsn,
        f"alter policy projects_select on public.projects using ({UNWRAPPED} = organization_id);"
        "alter policy projects_recent on public.projects using (true);",
    )
    run(svc, "app")
    m = scrape(svc)
    assert one(m, "driftwatch_policy_changes_total", target="app", verdict="equivalent") == 1
    assert one(m, "driftwatch_policy_changes_total", target="app", verdict="loosened") == 1
