"""Incremental docs equal a full render: after each change to a real schema, the docs
brought up to date from the previous render are, file by file, the docs rendered from
scratch into an empty directory; and a one-table change decodes only that table.

Listings are paged after a few rows here (``PAGE_ROWS``, ``INCOMING_ROWS`` made small),
so the paged index and the incoming-key listings are exercised on a small schema.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import run_sql
from docs_helpers import make_config

from driftwatch import snapshot as snapmod
from driftwatch.docs import index as indexmod
from driftwatch.docs import pages as pagesmod
from driftwatch.docs import render
from driftwatch.introspect import SnapshotOptions, take_snapshot
from driftwatch.rules import audit

SCHEMA = """
do $$ begin
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit; end if;
end $$;
create schema app;
create table public.organizations (id uuid primary key, name text not null);
comment on table public.organizations is 'Tenancy root.';
create table public.customers (
  id uuid primary key,
  organization_id uuid not null references public.organizations(id),
  email text
);
create table public.orders (
  id uuid primary key,
  organization_id uuid not null references public.organizations(id),
  customer_id uuid references public.customers(id)
);
create table public.order_items (
  id bigint generated always as identity primary key,
  order_id uuid not null references public.orders(id) on delete cascade,
  organization_id uuid references public.organizations(id)
);
create table public.invoices (
  id uuid primary key, organization_id uuid not null references public.organizations(id)
);
create table public.events (id bigint, at timestamptz not null) partition by range (at);
create table public.events_2024 partition of public.events
  for values from ('2024-01-01') to ('2025-01-01');
create table app.settings (key text primary key, value jsonb);
alter table public.orders enable row level security;
create policy orders_all on public.orders for all to authenticated using (true);
create view public.orders_v as select o.id from public.orders o;
create materialized view public.invoice_counts as
  select organization_id, count(*) from public.invoices group by 1;
create type public.status as enum ('new', 'done');
create function public.add1(i int) returns int language sql immutable as 'select i + 1';
create function app.touch() returns trigger language plpgsql as 'begin return new; end';
"""

# One change per step, each touching what another page or listing shows.
STEPS = [
    "alter table public.invoices add column note text",  # one table
    "alter table public.invoices add column customer_id uuid references public.customers(id)",
    "comment on table public.customers is 'People who order.'",  # a listing row
    "alter table public.customers enable row level security",  # counts and rows
    "alter table public.order_items rename to line_items",  # a path goes, one comes
    "create table public.payments (id uuid primary key,"
    " organization_id uuid references public.organizations(id))",
    "create or replace view public.orders_v as"
    " select o.id, c.email from public.orders o join public.customers c on c.id = o.customer_id",
    "drop function public.add1(int); alter type public.status add value 'void'",
    "drop table public.payments; drop schema app cascade",
]


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def _snap(dsn: str):  # type: ignore[no-untyped-def]
    snap = take_snapshot(dsn, SnapshotOptions(include_schemas=("public", "app")))
    # as serve and the CLI read it back: objects by canonical JSON, decoded on demand
    return snapmod.loads(snapmod.dumps(snap))


def test_incremental_docs_equal_a_full_render_after_every_change(
    make_db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(indexmod, "PAGE_ROWS", 3)
    monkeypatch.setattr(pagesmod, "INCOMING_ROWS", 2)
    dsn = make_db(SCHEMA)
    cfg = make_config(tmp_path, mkdocs=True)
    inc = tmp_path / "inc" / "docs"
    snap = _snap(dsn)
    render(snap, audit(snap, cfg), cfg, inc)
    assert any("/_index/incoming-" in p for p in _tree(inc))  # the listings are exercised
    for n, sql in enumerate(STEPS):
        run_sql(dsn, sql)
        snap = _snap(dsn)
        findings = audit(snap, cfg)
        result = render(snap, findings, cfg, inc)
        full = tmp_path / f"full{n}" / "docs"
        render(snapmod.loads(snapmod.dumps(snap)), findings, cfg, full)
        got, want = _tree(inc.parent), _tree(full.parent)
        assert sorted(got) == sorted(want), sql
        for path in want:
            assert got[path] == want[path], f"{path} differs after {sql!r}"
        if n == 0:  # one table changed: only its facts are derived again
            assert result.decoded == 1
            assert "public/invoices.md" in result.written


def test_unchanged_render_decodes_nothing_and_writes_nothing(make_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dsn = make_db(SCHEMA)
    cfg = make_config(tmp_path)
    out = tmp_path / "docs"
    snap = _snap(dsn)
    findings = audit(snap, cfg)
    first = render(snap, findings, cfg, out)
    kinds = ("tables", "views", "materialized_views", "functions", "enums")
    assert first.decoded == sum(len(snap.data[k]) for k in kinds) == 13
    again = render(_snap(dsn), findings, cfg, out)
    assert (again.decoded, again.rendered, again.written) == (0, 0, ())


def test_schema_file_rewritten_from_its_previous_version(make_db) -> None:  # type: ignore[no-untyped-def]
    dsn = make_db(SCHEMA)
    before = _snap(dsn)
    old = snapmod.dumps(before)
    run_sql(dsn, "alter table public.orders add column x int; drop table public.invoices cascade")
    after = _snap(dsn)
    want = snapmod.dumps(after)
    assert b"".join(snapmod.chunks_from(io.BytesIO(old), after)) == want
    # an edited object line of the previous file is not taken: its digest differs
    edited = old.replace(b'"comment":"Tenancy root."', b'"comment":"Tampered"')
    assert edited != old
    assert b"".join(snapmod.chunks_from(io.BytesIO(edited), after)) == want
    # the previous file of an empty snapshot, and one in another layout
    assert b"".join(snapmod.chunks_from(io.BytesIO(want), after)) == want
    with pytest.raises(snapmod.NotLayout):
        b"".join(snapmod.chunks_from(io.BytesIO(snapmod.dumps(after, indent=False)), after))


def test_facts_of_another_shape_in_the_manifest_are_derived_again(make_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import orjson

    from driftwatch.docs import MANIFEST

    dsn = make_db(SCHEMA)
    cfg = make_config(tmp_path)
    out = tmp_path / "docs"
    snap = _snap(dsn)
    findings = audit(snap, cfg)
    render(snap, findings, cfg, out)
    doc = orjson.loads((out / MANIFEST).read_bytes())
    digest, facts = doc["objects"]["tables"]["public.orders"]
    doc["objects"]["tables"]["public.orders"] = [digest, {**facts, "extra": 1}]
    del doc["objects"]["tables"]["public.customers"][1]["fks"]
    (out / MANIFEST).write_bytes(orjson.dumps(doc))
    again = render(snap, findings, cfg, out)
    assert again.decoded == 2
    full = tmp_path / "full"
    render(snapmod.loads(snapmod.dumps(snap)), findings, cfg, full)
    assert _tree(out) == _tree(full)
