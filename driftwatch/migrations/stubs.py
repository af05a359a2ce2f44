"""Supabase platform pieces a migrations folder expects but plain PostgreSQL lacks.

Created on the scratch server before the first migration, and only when the files mention
them (``auth.…``, ``storage.…``, ``extensions``, the roles ``anon``/``authenticated``/
``service_role``), do not create them themselves, and they are absent. Every piece is
guarded (``IF NOT EXISTS`` / a catalog check), and roles — cluster-wide — are created
only when missing, so a shared scratch server is never broken by a second replay.

The stubs are shaped like Supabase's (``auth.jwt()`` reads ``request.jwt.claims``,
``auth.uid()`` its ``sub``), but the ``auth`` and ``storage`` schemas are excluded from
snapshots by default, so the stubs never show up in a diff.

A folder that names the API roles is a Supabase project's, and Supabase grants everything
created in ``public`` to them by default privileges (supabase/postgres's initial schema):
the replay does the same, or the audit of ``migrations:DIR`` would see tables no API role
can reach where the live project has them granted to every API role.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from driftwatch.migrations.sqltext import Mentions

ROLES = ("anon", "authenticated", "service_role")

_ROLE_SQL = """
do $stub$
begin
  if not exists (select 1 from pg_roles where rolname = '{role}') then
    begin
      if '{role}' = 'service_role' and (select rolsuper from pg_roles where rolname = current_user) then
        create role {role} nologin noinherit bypassrls;
      else
        create role {role} nologin noinherit;
      end if;
    exception when duplicate_object then null;  -- created concurrently by another replay
    end;
  end if;
end
$stub$;
"""

_AUTH_SQL = """
create schema if not exists auth;
create table if not exists auth.users (
  id uuid primary key,
  aud varchar(255),
  role varchar(255),
  email varchar(255),
  phone text,
  raw_app_meta_data jsonb,
  raw_user_meta_data jsonb,
  is_anonymous boolean not null default false,
  created_at timestamptz,
  updated_at timestamptz,
  deleted_at timestamptz
);
do $stub$
begin
  if to_regprocedure('auth.jwt()') is null then
    create function auth.jwt() returns jsonb language sql stable as
      $f$ select coalesce(nullif(current_setting('request.jwt.claims', true), '')::jsonb, '{}'::jsonb) $f$;
  end if;
  if to_regprocedure('auth.uid()') is null then
    create function auth.uid() returns uuid language sql stable as
      $f$ select nullif(auth.jwt() ->> 'sub', '')::uuid $f$;
  end if;
  if to_regprocedure('auth.role()') is null then
    create function auth.role() returns text language sql stable as
      $f$ select nullif(auth.jwt() ->> 'role', '') $f$;
  end if;
  if to_regprocedure('auth.email()') is null then
    create function auth.email() returns text language sql stable as
      $f$ select nullif(auth.jwt() ->> 'email', '') $f$;
  end if;
end
$stub$;
"""

_STORAGE_SQL = """
create schema if not exists storage;
create table if not exists storage.buckets (
  id text primary key,
  name text not null unique,
  owner uuid,
  public boolean default false,
  file_size_limit bigint,
  allowed_mime_types text[],
  created_at timestamptz default now(),
  updated_at timestamptz default now()
);
create table if not exists storage.objects (
  id uuid primary key default gen_random_uuid(),
  bucket_id text references storage.buckets (id),
  name text,
  owner uuid,
  metadata jsonb,
  path_tokens text[] generated always as (string_to_array(name, '/')) stored,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  last_accessed_at timestamptz default now()
);
alter table storage.objects enable row level security;
alter table storage.buckets enable row level security;
do $stub$
begin
  if to_regprocedure('storage.foldername(text)') is null then
    create function storage.foldername(name text) returns text[] language sql immutable as
      $f$ select (string_to_array(name, '/'))[1:array_length(string_to_array(name, '/'), 1) - 1] $f$;
  end if;
  if to_regprocedure('storage.filename(text)') is null then
    create function storage.filename(name text) returns text language sql immutable as
      $f$ select (string_to_array(name, '/'))[array_length(string_to_array(name, '/'), 1)] $f$;
  end if;
  if to_regprocedure('storage.extension(text)') is null then
    create function storage.extension(name text) returns text language sql immutable as
      $f$ select reverse(split_part(reverse(name), '.', 1)) $f$;
  end if;
end
$stub$;
"""


@dataclass(frozen=True)
class StubPlan:
    roles: tuple[str, ...] = ()
    schemas: tuple[str, ...] = ()  # of "auth", "storage", "extensions"
    default_privileges: bool = False  # Supabase's default privileges in public

    def describe(self) -> str:
        parts = [f"schema {s}" for s in self.schemas] + [f"role {r}" for r in self.roles]
        if self.default_privileges:
            parts.append("default privileges in public")
        return ", ".join(parts)

    def __bool__(self) -> bool:
        return bool(self.roles or self.schemas or self.default_privileges)


def needed(mentions: Mentions) -> StubPlan:
    """The pieces the files mention without creating them (presence is checked later)."""
    roles = tuple(r for r in ROLES if r in mentions.identifiers and r not in mentions.created_roles)
    schemas: list[str] = []
    for schema in ("auth", "storage"):
        if schema in mentions.qualifiers and schema not in mentions.created_schemas:
            schemas.append(schema)
    if "extensions" in mentions.identifiers and "extensions" not in mentions.created_schemas:
        schemas.append("extensions")
    return StubPlan(roles=roles, schemas=tuple(schemas), default_privileges=bool(roles))


def apply(conn: psycopg.Connection[Any], plan: StubPlan) -> StubPlan:
    """Create the absent pieces of ``plan``; returns what was actually created."""
    present_roles = {
        r
        for (r,) in conn.execute(
            "select rolname from pg_roles where rolname = any(%s)", [list(plan.roles)]
        )
    }
    present_schemas = {
        s
        for (s,) in conn.execute(
            "select nspname from pg_namespace where nspname = any(%s)", [list(plan.schemas)]
        )
    }
    roles = tuple(r for r in plan.roles if r not in present_roles)
    schemas = tuple(s for s in plan.schemas if s not in present_schemas)
    for role in roles:
        conn.execute(_ROLE_SQL.format(role=role))
    if "auth" in schemas:
        conn.execute(_AUTH_SQL)
    if "storage" in schemas:
        conn.execute(_STORAGE_SQL)
    if "extensions" in schemas:
        conn.execute("create schema if not exists extensions")
    granted = [s for s in schemas if s in ("auth", "storage", "extensions")]
    all_roles = [r for r in ROLES if r in present_roles or r in roles]
    if granted and all_roles:
        conn.execute(f"grant usage on schema {', '.join(granted)} to {', '.join(all_roles)}")
    if plan.default_privileges and all_roles:
        to = ", ".join(all_roles)
        conn.execute(f"grant usage on schema public to {to}")
        for kind in ("tables", "sequences", "functions"):
            conn.execute(f"alter default privileges in schema public grant all on {kind} to {to}")
    return StubPlan(
        roles=roles,
        schemas=schemas,
        default_privileges=plan.default_privileges and bool(all_roles),
    )
