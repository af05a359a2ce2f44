"""driftwatch docs: page content, incremental regeneration, removals, DB-down, CLI."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from conftest import run_sql
from docs_helpers import broken_links, make_config, mermaid_problems, snap_of, tree_state

import driftwatch
from driftwatch.cli import main
from driftwatch.config import load as configload
from driftwatch.docs import MANIFEST, render
from driftwatch.findings import Finding
from driftwatch.rules import _docs as rule_docs

SCHEMA = """
do $$ begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then create role anon nologin noinherit; end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit; end if;
end $$;
create table public.organizations (id uuid primary key, name text not null);
comment on table public.organizations is 'Tenancy root.';
create table public.customers (
  id uuid primary key,
  organization_id uuid not null references public.organizations(id),
  email text
);
comment on column public.customers.email is 'Contact | e-mail';
create index customers_org_idx on public.customers (organization_id);
create table public.orders (
  id uuid primary key,
  organization_id uuid not null references public.organizations(id),
  customer_id uuid references public.customers(id),
  total numeric(12,2) not null default 0
);
create table public.order_items (
  id bigint generated always as identity primary key,
  order_id uuid not null references public.orders(id) on delete cascade,
  qty int not null check (qty > 0)
);
create table public.platform_settings (key text primary key, value jsonb);
create table public.unused_things (id int);
alter table public.orders enable row level security;
alter table public.customers enable row level security;
alter table public.customers force row level security;
create policy orders_all on public.orders for all to authenticated using (true);
create policy orders_sel on public.orders for select to public using (true);
create policy orders_guard on public.orders as restrictive for delete to authenticated
  using (false);
grant select on public.orders to authenticated;
create view public.orders_v as select o.id, o.total from public.orders o;
create type public.status as enum ('new', 'done');
create function public.add1(i int) returns int language sql immutable as 'select i + 1';
"""


@pytest.fixture
def db(make_db):  # type: ignore[no-untyped-def]
    return make_db(SCHEMA)


def test_pages_index_and_policy_matrix(db: str, tmp_path: Path) -> None:
    cfg = make_config(tmp_path)
    out = tmp_path / "out"
    findings = [
        Finding(
            "rls-disabled",
            "error",
            "public.platform_settings",
            "RLS is off | really",
            fingerprint="f1",
        ),
        Finding(
            "policy-not-tenant-scoped",
            "error",
            "public.orders.orders_all",
            "orders_all uses true",
            fingerprint="f2",
        ),
    ]
    result = render(snap_of(db), findings, cfg, out)
    assert result.summary == f"docs: {len(result.written)} written, 0 removed, 0 unchanged"
    expected = {
        "README.md",
        "public/README.md",
        "schema.json",
        "public/organizations.md",
        "public/customers.md",
        "public/orders.md",
        "public/order_items.md",
        "public/platform_settings.md",
        "public/unused_things.md",
        "public/orders_v.md",
        "public/functions/add1.md",
    } | {f"_rules/{name}" for name in rule_docs.pages()}
    assert set(result.written) == expected
    assert (out / MANIFEST).is_file()

    orders = (out / "public" / "orders.md").read_text()
    # ALL fills every command; TO public fills every role; restrictive is not coverage.
    assert (
        "| SELECT | orders_all (ALL), orders_sel (via public) | orders_sel (via public) |" in orders
    )
    assert (
        "| DELETE | orders_all (ALL), orders_guard (restrictive) | **✗ no policy** "
        "(orders_guard (restrictive)) |"
    ) not in orders  # orders_guard is for authenticated only
    assert "| INSERT | orders_all (ALL) | **✗ no policy** |" in orders
    assert "[public.customers.id](customers.md)" in orders
    assert "[public.order_items](order_items.md)" in orders  # incoming FK
    assert "orders }o--o| customers" in orders
    assert "order_items }o--|| orders" in orders
    assert "[policy-not-tenant-scoped](../_rules/policy-not-tenant-scoped.md)" in orders
    customers = (out / "public" / "customers.md").read_text()
    assert "Contact &#124; e-mail" in customers
    assert "enabled, forced" in customers
    settings = (out / "public" / "platform_settings.md").read_text()
    assert "RLS is **disabled**" in settings
    assert "RLS is off &#124; really" in settings

    top = (out / "README.md").read_text()
    assert "| [public](public/README.md) | 6 | 4 | 5 | 1 | 0 | 1 | 1 | 2 |" in top
    index = (out / "public" / "README.md").read_text()
    assert "## Organizations" in index and "## Other" in index
    assert "| [public.platform_settings](platform_settings.md) | **off** | 0 | 1 |" in index
    assert "| [public.orders](orders.md) | on | 3 | 1 |" in index
    assert "[public.orders_v](orders_v.md)" in index
    assert "<code>public.status</code> | <code>new, done</code>" in index
    assert "[public.add1(i integer)](functions/add1.md)" in index
    view = (out / "public" / "orders_v.md").read_text()
    assert "[public.orders](orders.md)" in view and "```sql" in view
    assert broken_links(out) == []
    assert mermaid_problems(out) == []


def test_unchanged_db_writes_nothing(db: str, tmp_path: Path) -> None:
    cfg = make_config(tmp_path)
    out = tmp_path / "out"
    render(snap_of(db), [], cfg, out)
    before = tree_state(out)
    again = render(snap_of(db), [], cfg, out)
    assert again.written == () and again.removed == ()
    assert again.summary == f"docs: 0 written, 0 removed, {again.unchanged} unchanged"
    assert again.rendered == 0  # no page, not even an index page, is re-rendered
    assert tree_state(out) == before


def test_alter_table_rewrites_only_that_page_neighbours_and_index(db: str, tmp_path: Path) -> None:
    cfg = make_config(tmp_path)
    out = tmp_path / "out"
    render(snap_of(db), [], cfg, out)

    run_sql(db, "alter table public.customers add column phone text")
    r = render(snap_of(db), [], cfg, out)
    # a new column changes only the table's own page (neighbours draw it without columns)
    assert set(r.written) == {"public/customers.md", "README.md", "schema.json"}
    assert r.rendered <= 3

    run_sql(
        db,
        "alter table public.order_items add column customer_id uuid "
        "references public.customers(id)",
    )
    r = render(snap_of(db), [], cfg, out)
    assert set(r.written) == {
        "public/order_items.md",
        "public/customers.md",
        "README.md",
        "schema.json",
    }
    assert "order_items }o--o| customers" in (out / "public" / "customers.md").read_text()


def test_dropped_table_page_removed_user_files_kept(db: str, tmp_path: Path) -> None:
    cfg = make_config(tmp_path)
    out = tmp_path / "out"
    render(snap_of(db), [], cfg, out)
    (out / "public" / "NOTES.md").write_text("my own notes")
    (out / "mine.txt").write_text("keep")
    run_sql(
        db,
        "drop table public.unused_things; drop view public.orders_v; "
        "drop function public.add1(int)",
    )
    r = render(snap_of(db), [], cfg, out)
    assert set(r.removed) == {
        "public/unused_things.md",
        "public/orders_v.md",
        "public/functions/add1.md",
    }
    assert not (out / "public" / "unused_things.md").exists()
    assert not (out / "public" / "functions").exists()  # emptied generated directory
    assert (out / "public" / "NOTES.md").read_text() == "my own notes"
    assert (out / "mine.txt").read_text() == "keep"
    assert r.summary.startswith("docs: ") and ", 3 removed, " in r.summary
    assert broken_links(out) == []


def test_tampered_manifest_never_deletes_outside(db: str, tmp_path: Path) -> None:
    cfg = make_config(tmp_path)
    out = tmp_path / "out"
    victim = tmp_path / "victim.md"
    victim.write_text("precious")
    render(snap_of(db), [], cfg, out)
    manifest = (out / MANIFEST).read_text()
    entry = '"../victim.md": {"key": "k", "sha256": "s", "size": 1},\n    "README.md"'
    (out / MANIFEST).write_text(manifest.replace('"README.md"', entry, 1))
    render(snap_of(db), [], cfg, out)
    assert victim.read_text() == "precious"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_db_down_keeps_files_byte_identical(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    render(snap_of(db), [], make_config(tmp_path), out)
    before = tree_state(out)
    port = _closed_port()
    dsn = f"postgresql://docs_user:s3cret-pw@127.0.0.1:{port}/nexus"
    monkeypatch.chdir(tmp_path)
    assert main(["docs", "--dsn", dsn, "-o", str(out)]) == 3
    err = capsys.readouterr().err
    assert "warning" in err and f"127.0.0.1:{port}" in err and "s3cret" not in err
    assert str(out) in err
    monkeypatch.setenv("DOCS_DB_URL", dsn)  # the seed's variable is honoured as well
    assert main(["docs", "-o", str(out)]) == 3
    assert "s3cret" not in capsys.readouterr().err
    assert tree_state(out) == before


def test_cli_generates_with_findings_and_summary(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    cfgfile = tmp_path / "dw.toml"
    cfgfile.write_text(f'[docs]\ngroups = "{make_config(tmp_path).docs.groups}"\n')
    out = tmp_path / "ref"
    assert main(["docs", "--dsn", db, "-o", str(out), "--config", str(cfgfile)]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("docs: ") and line.endswith(" written, 0 removed, 0 unchanged")
    index = (out / "public" / "README.md").read_text()
    # the audit ran: the index counts its findings per table (platform_settings: RLS off)
    cfg = configload.load(cfgfile)
    findings = driftwatch.audit(snap_of(db), cfg).findings
    n = len([f for f in findings if f.object.startswith("public.platform_settings")])
    assert n >= 1
    assert f"| [public.platform_settings](platform_settings.md) | **off** | 0 | {n} |" in index
    assert (
        main(
            [
                "docs",
                "--snapshot",
                str(out / "schema.json"),
                "-o",
                str(out),
                "--config",
                str(cfgfile),
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.startswith("docs: 0 written, 0 removed, ")
    assert main(["docs", "--snapshot", "x.json", "--dsn", db]) == 2
