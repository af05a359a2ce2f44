"""The live isolation probe on small schemas of its own (real PostgreSQL)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from typing import Any

import psycopg
import pytest

from driftwatch import config as configmod
from driftwatch.cli import main
from driftwatch.introspect import SnapshotOptions, take_snapshot
from driftwatch.probe import ProbeOptions, TableResult, run_probe
from driftwatch.probe import merge as mergemod
from driftwatch.probe.claims import build_claims, claim_path
from driftwatch.probe.session import APPLICATION_NAME

PRELUDE = """
create schema if not exists auth;
do $$ begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    begin create role anon nologin noinherit; exception when duplicate_object then null; end;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    begin create role authenticated nologin noinherit; exception when duplicate_object then null; end;
  end if;
end $$;
create or replace function auth.jwt() returns jsonb language sql stable as $f$
  select coalesce(nullif(current_setting('request.jwt.claims', true), '')::jsonb, '{}'::jsonb)
$f$;
grant usage on schema auth to anon, authenticated;
create type public.kind as enum ('small', 'large');
create domain public.code as text check (value ~ '^[A-Z]{3}-[0-9]{2}$');
create table public.organizations (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  slug text not null unique check (slug ~ '^[a-z0-9-]+$')
);
alter table public.organizations enable row level security;
create policy org_all on public.organizations to authenticated
  using (id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
"""

SCOPED = "organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid"

SCHEMA = (
    PRELUDE
    + f"""
create table public.projects (
  id bigint generated always as identity primary key,
  organization_id uuid not null references public.organizations(id),
  title text not null,
  code public.code not null,
  kind public.kind not null,
  budget numeric(10,2) not null check (budget between 10 and 20),
  starts date not null,
  ends date check (ends > starts),
  unique (organization_id, code)
);
alter table public.projects enable row level security;
create policy projects_all on public.projects to authenticated using ({SCOPED}) with check ({SCOPED});

-- child scoped only through its NOT NULL parent, EXISTS policy
create table public.tasks (
  id uuid primary key default gen_random_uuid(),
  project_id bigint not null references public.projects(id),
  label text not null check (label in ('todo', 'done'))
);
alter table public.tasks enable row level security;
create policy tasks_all on public.tasks to authenticated
  using (exists (select 1 from public.projects p where p.id = tasks.project_id and p.{SCOPED}))
  with check (exists (select 1 from public.projects p where p.id = tasks.project_id and p.{SCOPED}));

-- leaky: SELECT open to every logged-in user
create table public.notes (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id),
  body text not null
);
alter table public.notes enable row level security;
create policy notes_select on public.notes for select to authenticated using (true);
create policy notes_write on public.notes for insert to authenticated with check ({SCOPED});

-- impossible CHECK: no candidate value satisfies it
create table public.odd (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id),
  n integer not null check (n > 5 and n < 6)
);
alter table public.odd enable row level security;
create policy odd_all on public.odd to authenticated using ({SCOPED}) with check ({SCOPED});

-- exotic type the synthesiser cannot build
create table public.exotic (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id),
  snap pg_snapshot not null
);
alter table public.exotic enable row level security;
create policy exotic_all on public.exotic to authenticated using ({SCOPED}) with check ({SCOPED});

grant usage on schema public to anon, authenticated;
grant select, insert, update, delete on all tables in schema public to authenticated;

-- existing data, which must come out byte-identical
insert into public.organizations (id, name, slug) values
  ('00000000-0000-0000-0000-000000000001', 'Acme', 'acme'),
  ('00000000-0000-0000-0000-000000000002', 'Globex', 'globex');
insert into public.projects (organization_id, title, code, kind, budget, starts) values
  ('00000000-0000-0000-0000-000000000001', 'Roadmap', 'ABC-01', 'small', 15, '2024-01-01');
insert into public.tasks (project_id, label) select id, 'todo' from public.projects;
insert into public.notes (organization_id, body) values
  ('00000000-0000-0000-0000-000000000002', 'secret');
"""
)

CHECKSUM_SQL = """
select c.oid::regclass::text
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema')
  and n.nspname not like 'pg_toast%' order by 1
"""


def checksums(dsn: str) -> dict[str, tuple[int, str]]:
    """Row count and md5 of every table's rows, ordered (and the temp-table count)."""
    out: dict[str, tuple[int, str]] = {}
    with psycopg.connect(dsn, autocommit=True) as conn:
        for (name,) in conn.execute(CHECKSUM_SQL).fetchall():
            row = conn.execute(
                f"select count(*), coalesce(md5(string_agg(t::text, '|' order by t::text)), '')"
                f" from {name} t"
            ).fetchone()
            assert row is not None
            out[name] = (int(row[0]), str(row[1]))
        temp = conn.execute("select count(*) from pg_class where relpersistence = 't'").fetchone()
        out["<temp tables>"] = (int(temp[0]) if temp else 0, "")
    return out


def probe(
    dsn: str, cfg: configmod.Config | None = None, **kw: Any
) -> tuple[dict[str, TableResult], Any]:
    cfg = cfg or configmod.Config()
    snap = take_snapshot(dsn, SnapshotOptions())
    report = run_probe(dsn, snap, cfg, ProbeOptions.from_config(cfg, **kw))
    return {t.table: t for t in report.tables}, (report, snap)


@pytest.fixture
def db(make_db: Callable[[str], str]) -> str:
    return make_db(SCHEMA)


def run_psql(dsn: str, script: str) -> str:
    psql = shutil.which("psql")
    assert psql, "psql is needed to run reproduction scripts"
    done = subprocess.run(
        [psql, "-X", "-v", "ON_ERROR_STOP=1", "-d", dsn, "-f", "-"],
        input=script,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_claim_path_is_derived_from_the_configured_claim() -> None:
    assert claim_path("auth.jwt() -> 'app_metadata' ->> 'organization_id'") == (
        "app_metadata",
        "organization_id",
    )
    assert claim_path("((select auth.jwt()) ->> 'tenant')::uuid") == ("tenant",)
    assert claim_path("auth.uid()") == ("sub",)
    assert claim_path("anything", "a.b") == ("a", "b")
    with pytest.raises(configmod.ConfigError):
        claim_path("now()")
    claims = build_claims(
        ("app_metadata", "org"),
        "B",
        "A",
        "authenticated",
        __import__("uuid").UUID(int=1),
        {"app_metadata": {"org_role": "owner"}},
    )
    assert claims["app_metadata"] == {"org": "B", "org_role": "owner"}
    assert claims["user_metadata"] == {"org": "A"}  # attacker-controlled copy
    assert claims["role"] == "authenticated"


def test_probe_verdicts_child_leak_undecided_and_data_unchanged(db: str) -> None:
    before = checksums(db)
    results, (report, snap) = probe(db)
    assert checksums(db) == before  # byte-identical data, no temp tables

    assert results["public.organizations"].status == "isolated"
    assert results["public.projects"].status == "isolated", results["public.projects"].reason
    child = results["public.tasks"]
    assert child.status == "isolated"  # scoped only through EXISTS on its parent
    assert child.link == "project_id -> public.projects"
    assert all(child.controls["authenticated"][c] == 1 for c in ("select", "update", "delete"))

    notes = results["public.notes"]
    assert notes.status == "leaked"
    assert [(a.role, a.command) for a in notes.leaks()] == [("authenticated", "select")]

    for name in ("public.odd", "public.exotic"):
        assert results[name].status == "undecided", name
    assert "check constraint" in results["public.odd"].reason
    assert "pg_snapshot" in results["public.exotic"].reason

    found = mergemod.findings(report, snap, configmod.Config())
    leak = [f for f in found if f.rule == "cross-tenant-select"]
    assert len(leak) == 1 and leak[0].severity == "error" and "notes_select" in leak[0].message
    assert {f.object for f in found if f.rule == "probe-undecided"} == {
        "public.odd",
        "public.exotic",
    }


def test_reproduction_script_shows_the_leak(db: str) -> None:
    results, _ = probe(db, tables=["notes"])
    script = results["public.notes"].reproductions["authenticated:select"]
    assert script.startswith("-- driftwatch probe") and script.rstrip().endswith("ROLLBACK;")
    assert "COMMIT" not in script
    before = checksums(db)
    out = run_psql(db, script)
    assert "(1 row)" in out.split("set_config")[-1]  # tenant A's row, seen by tenant B
    assert checksums(db) == before


def test_move_through_update_without_where_is_found(make_db: Callable[[str], str]) -> None:
    dsn = make_db(
        PRELUDE
        + f"""
create table public.docs (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id),
  created_by uuid
);
alter table public.docs enable row level security;
create policy docs_select on public.docs for select to authenticated using ({SCOPED});
create policy docs_insert on public.docs for insert to authenticated with check ({SCOPED});
create policy docs_update on public.docs for update to authenticated
  using (created_by = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (created_by = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
grant usage on schema public to authenticated;
grant select, insert, update, delete on all tables in schema public to authenticated;
"""
    )
    results, _ = probe(dsn)
    docs = results["public.docs"]
    assert [(a.role, a.command) for a in docs.leaks()] == [("authenticated", "move")]
    out = run_psql(dsn, docs.reproductions["authenticated:move"])
    assert "UPDATE 1" in out and "(1 row)" in out.split("RESET")[-1]


def test_no_lock_outlives_a_table_transaction(db: str) -> None:
    seen: list[str] = []

    def after(result: TableResult) -> None:
        # The probe connection is between transactions: it holds no relation lock, and
        # another session can take the strongest lock on the table just probed at once.
        with psycopg.connect(db, autocommit=True) as other:
            held = other.execute(
                "select count(*) from pg_locks l join pg_stat_activity a on a.pid = l.pid"
                " where a.application_name = %s and l.locktype = 'relation'",
                (APPLICATION_NAME,),
            ).fetchone()
            assert held == (0,)
            with other.transaction():
                other.execute("set local lock_timeout = '100ms'")
                other.execute(f"lock table {result.table} in access exclusive mode nowait")
        seen.append(result.table)

    probe(db, on_table_done=after)
    assert "public.projects" in seen and "public.organizations" in seen


def test_cli_refuses_without_permission_and_renders_formats(
    db: str, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["probe", "--dsn", db]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--allow-writes" in err and "probe = true" in err

    cfg = tmp_path / "dw.toml"
    cfg.write_text(
        f'[[targets]]\nname = "staging"\ndsn = "{db}"\nprobe = true\n'
        f'[[targets]]\nname = "prod"\ndsn = "{db}"\n'
    )
    assert main(["probe", "--config", str(cfg), "--target", "prod"]) == 2
    capsys.readouterr()

    out = tmp_path / "probe.json"
    rc = main(
        [
            "probe",
            "--config",
            str(cfg),
            "--target",
            "staging",
            "--tables",
            "notes",
            "--tables",
            "tasks",
            "--format",
            "json",
            "-o",
            str(out),
        ]
    )
    assert rc == 1  # a leak
    doc = json.loads(out.read_text())
    assert doc["format"] == "driftwatch.probe/1"
    by = {t["table"]: t for t in doc["tables"]}
    assert by["public.notes"]["results"]["authenticated"]["select"]["status"] == "leaked"
    assert by["public.tasks"]["verdict"] == "isolated (engine-verified)"
    assert [f["rule"] for f in doc["findings"]] == ["cross-tenant-select"]

    sarif = tmp_path / "probe.sarif"
    assert (
        main(
            [
                "probe",
                "--dsn",
                db,
                "--allow-writes",
                "--tables",
                "notes",
                "--format",
                "sarif",
                "-o",
                str(sarif),
            ]
        )
        == 1
    )
    data = json.loads(sarif.read_text())
    assert data["version"] == "2.1.0"
    results = data["runs"][0]["results"]
    assert results[0]["ruleId"] == "cross-tenant-select"
    assert "ROLLBACK;" in results[0]["properties"]["remediation"]

    assert (
        main(
            [
                "probe",
                "--dsn",
                db,
                "--allow-writes",
                "--exclude-tables",
                "notes",
                "--tables",
                "notes",
            ]
        )
        == 0
    )
    assert "SKIPPED" in capsys.readouterr().out
