"""Generate an N-table Nexus-like schema (SQL on stdout) for the benchmarks.

Every table looks like a Nexus tenant table: uuid PK, ``organization_id`` NOT NULL with a
foreign key and a leading index, a few typed columns, a partial index on every 5th table,
RLS enabled with four tenant policies, an ``updated_at`` trigger on every 10th table, and a
comment on every 3rd. Deterministic output for a given N.

    python bench/gen_schema.py --tables 10000 | psql -q -v ON_ERROR_STOP=1 -d bench10k
"""

from __future__ import annotations

import argparse
import sys

PRELUDE = """\
do $$ begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then create role anon nologin noinherit; end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then create role authenticated nologin noinherit; end if;
  if not exists (select 1 from pg_roles where rolname = 'service_role') then create role service_role nologin noinherit bypassrls; end if;
end $$;
create schema if not exists auth;
create or replace function auth.jwt() returns jsonb language sql stable as
$f$ select coalesce(nullif(current_setting('request.jwt.claims', true), '')::jsonb, '{}'::jsonb) $f$;
create or replace function public.set_updated_at() returns trigger language plpgsql as
$f$ begin new.updated_at = now(); return new; end $f$;
create table public.organizations (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  created_at timestamptz not null default now()
);
alter table public.organizations enable row level security;
create policy organizations_select on public.organizations for select to authenticated
  using (id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
"""

CLAIM = "((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid"
PREFIXES = (
    "orders",
    "customer",
    "inventory",
    "chat",
    "awb",
    "call",
    "automation",
    "ai",
    "shopify",
    "po",
    "pick",
    "warehouse",
    "lead",
    "message",
    "competition",
    "social",
)


def table_sql(i: int) -> str:
    name = f"{PREFIXES[i % len(PREFIXES)]}_t{i:05d}"
    t = f"public.{name}"
    out = [
        f"create table {t} (\n"
        f"  id uuid primary key default gen_random_uuid(),\n"
        f"  organization_id uuid not null references public.organizations(id) on delete cascade,\n"
        f"  name text not null,\n"
        f"  status text not null default 'active' check (status in ('active', 'archived')),\n"
        f"  amount numeric(12,2),\n"
        f"  payload jsonb not null default '{{}}'::jsonb,\n"
        f"  deleted_at timestamptz,\n"
        f"  created_at timestamptz not null default now(),\n"
        f"  updated_at timestamptz not null default now()\n);",
        f"create index {name}_org_idx on {t} (organization_id, created_at);",
        f"alter table {t} enable row level security;",
        f"create policy {name}_select on {t} for select to authenticated using (organization_id = {CLAIM});",
        f"create policy {name}_insert on {t} for insert to authenticated with check (organization_id = {CLAIM});",
        f"create policy {name}_update on {t} for update to authenticated using (organization_id = {CLAIM}) "
        f"with check (organization_id = {CLAIM});",
        f"create policy {name}_delete on {t} for delete to authenticated using (organization_id = {CLAIM});",
        f"grant select, insert, update, delete on {t} to authenticated;",
    ]
    if i % 5 == 0:
        out.append(f"create index {name}_live_idx on {t} (name) where deleted_at is null;")
    if i % 10 == 0:
        out.append(
            f"create trigger {name}_updated_at before update on {t} "
            f"for each row execute function public.set_updated_at();"
        )
    if i % 3 == 0:
        out.append(
            f"comment on table {t} is 'Benchmark table {i} of the {PREFIXES[i % len(PREFIXES)]} group';"
        )
    return "\n".join(out)


def generate(n: int) -> str:
    parts = [PRELUDE]
    batch: list[str] = []
    for i in range(1, n):
        batch.append(table_sql(i))
        if len(batch) == 100:  # keep each transaction well inside the shared lock table
            parts.append("begin;\n" + "\n".join(batch) + "\ncommit;")
            batch = []
    if batch:
        parts.append("begin;\n" + "\n".join(batch) + "\ncommit;")
    return "\n".join(parts) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--tables", type=int, default=143, help="number of tables, organizations included"
    )
    args = ap.parse_args()
    sys.stdout.write(generate(max(1, args.tables)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
