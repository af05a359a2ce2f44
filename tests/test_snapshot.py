"""driftwatch snapshot: every object kind, determinism, round-trip, hostile names, safety."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest

from driftwatch import idents, model
from driftwatch import snapshot as snapmod
from driftwatch.errors import DriftwatchError
from driftwatch.introspect import SnapshotOptions, take_snapshot
from driftwatch.jsonschema_gen import SCHEMA_PATH, build
from driftwatch.snapshot_stats import summarize

KINDS_SQL = """
create extension if not exists citext;
do $$ begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then create role anon nologin noinherit; end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then create role authenticated nologin noinherit; end if;
end $$;
create schema app;
comment on schema app is 'application schema';
create type app.status as enum ('new', 'paid', 'shipped');
comment on type app.status is 'order status';
create domain app.email as citext check (value ~ '@') ;
create sequence app.invoice_seq start 1000 increment 5 cache 10;
create table app.orgs (id uuid primary key default gen_random_uuid(), name text not null unique);
create table app.orders (
  id bigint generated always as identity primary key,
  org_id uuid not null references app.orgs(id) on delete cascade,
  status app.status not null default 'new',
  email app.email,
  qty int not null check (qty > 0),
  price numeric(10,2) not null,
  total numeric generated always as (qty * price) stored,
  code text collate "C",
  during tstzrange,
  created_at timestamptz not null default now(),
  constraint orders_no_overlap exclude using gist (during with &&)
);
comment on table app.orders is 'customer orders';
comment on column app.orders.qty is 'how many';
create index orders_org_idx on app.orders (org_id, created_at);
create index orders_open_idx on app.orders (created_at) where status <> 'shipped';
create index orders_lower_email_idx on app.orders (lower(email::text));
create table app.legacy (id serial primary key, note text);
alter table app.orders enable row level security;
alter table app.orders force row level security;
create policy orders_select on app.orders as permissive for select to authenticated
  using (org_id = (current_setting('request.org', true))::uuid);
create policy orders_block on app.orders as restrictive for all to anon using (false);
create function app.touch() returns trigger language plpgsql as $f$ begin return new; end $f$;
create trigger orders_touch before insert or update on app.orders for each row execute function app.touch();
create function app.secret(i int) returns int language sql stable security definer
  set search_path = '' as $f$ select i + 1 $f$;
revoke execute on function app.secret(int) from public;
grant execute on function app.secret(int) to authenticated;
create view app.open_orders as
  select id, status from app.orders where status <> 'shipped';
do $$ begin  -- security_invoker exists from PostgreSQL 15
  if current_setting('server_version_num')::int >= 150000 then
    execute 'alter view app.open_orders set (security_invoker = true)';
  end if;
end $$;
create view app.order_names as select o.id, g.name from app.orders o join app.orgs g on g.id = o.org_id;
create materialized view app.order_counts as select org_id, count(*) as n from app.orders group by org_id;
create unique index order_counts_org on app.order_counts (org_id);
create table app.events (id bigint not null, at date not null) partition by range (at);
create table app.events_2026 partition of app.events for values from ('2026-01-01') to ('2027-01-01');
grant select on app.orders to authenticated;
grant select (id) on app.orgs to anon;
grant usage on schema app to authenticated;
"""


@pytest.fixture(scope="module")
def kinds_dsn(fresh_db: str) -> str:
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(KINDS_SQL)
    return fresh_db


@pytest.fixture(scope="module")
def snap(kinds_dsn: str) -> model.Snapshot:
    return take_snapshot(kinds_dsn, SnapshotOptions(include_schemas=("app",)))


def test_schema(snap: model.Snapshot) -> None:
    assert list(snap.objects.schemas) == ["app"]
    s = snap.objects.schemas["app"]
    assert s.comment == "application schema"
    assert s.grants == {"authenticated": ("USAGE",)}


def test_table_and_columns(snap: model.Snapshot) -> None:
    t = snap.objects.tables["app.orders"]
    assert t.kind == "table"
    assert t.comment == "customer orders"
    assert t.rls == model.Rls(enabled=True, forced=True)
    cols = t.columns
    assert [n for n, _ in sorted(cols.items(), key=lambda kv: kv[1].position)][:3] == [
        "id",
        "org_id",
        "status",
    ]
    assert (
        cols["id"].identity == "always" and cols["id"].type == "bigint" and not cols["id"].nullable
    )
    assert cols["status"].type == "app.status" and cols["status"].default == "'new'::app.status"
    assert cols["email"].type == "app.email" and cols["email"].nullable
    assert cols["price"].type == "numeric(10,2)"
    assert cols["total"].generated == "((qty)::numeric * price)"
    assert cols["code"].collation == '"C"'
    assert cols["qty"].comment == "how many"
    assert cols["created_at"].default == "now()"
    assert (
        snap.objects.tables["app.legacy"].columns["id"].default
        == "nextval('app.legacy_id_seq'::regclass)"
    )


def test_constraints(snap: model.Snapshot) -> None:
    c = snap.objects.tables["app.orders"].constraints
    assert c["orders_pkey"].type == "primary_key" and c["orders_pkey"].columns == ("id",)
    fk = c["orders_org_id_fkey"]
    assert fk.type == "foreign_key"
    assert fk.references == model.ForeignKey("app.orgs", ("id",), "no action", "cascade", "simple")
    assert (
        c["orders_qty_check"].type == "check"
        and c["orders_qty_check"].definition == "CHECK ((qty > 0))"
    )
    assert c["orders_no_overlap"].type == "exclusion"
    assert snap.objects.tables["app.orgs"].constraints["orgs_name_key"].type == "unique"


def test_indexes(snap: model.Snapshot) -> None:
    ix = snap.objects.tables["app.orders"].indexes
    assert ix["orders_org_idx"].columns == ("org_id", "created_at")
    assert ix["orders_org_idx"].definition.startswith(
        "CREATE INDEX orders_org_idx ON app.orders USING btree"
    )
    assert ix["orders_open_idx"].predicate == "(status <> 'shipped'::app.status)"
    assert ix["orders_lower_email_idx"].columns == ("lower(email::text)",)
    assert ix["orders_pkey"].primary and ix["orders_pkey"].constraint == "orders_pkey"
    assert ix["orders_no_overlap"].method == "gist"


def test_policies(snap: model.Snapshot) -> None:
    p = snap.objects.tables["app.orders"].policies
    sel = p["orders_select"]
    assert (sel.command, sel.permissive, sel.roles) == ("SELECT", True, ("authenticated",))
    assert sel.using is not None and "current_setting('request.org'::text, true)" in sel.using
    assert sel.with_check is None
    blk = p["orders_block"]
    assert (blk.command, blk.permissive, blk.roles, blk.using) == ("ALL", False, ("anon",), "false")


def test_policy_roles_are_named_and_sorted_by_code_point(pg) -> None:  # type: ignore[no-untyped-def]
    """Policy roles are named by the client from one list of roles (PUBLIC is role 0) and
    sorted by code point, as the catalog's ``name`` type sorts them, whatever the database's
    collation: the database here sorts text as en-US (ICU): _dw_under, dw_lower, DW_Upper."""
    import uuid

    roles = ('"DW_Upper"', "dw_lower", "_dw_under")
    name = f"dw_roles_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg.admin_dsn, autocommit=True) as conn:
        try:
            conn.execute(
                f'create database "{name}" template template0 locale_provider icu'
                " icu_locale 'en-US' locale 'C.UTF-8'"
            )
        except psycopg.Error as exc:  # a server built without ICU
            pytest.skip(f"no ICU collation on this server: {exc}")
    try:
        with psycopg.connect(pg.admin_dsn, autocommit=True) as conn:
            for role in roles:
                conn.execute(
                    f"do $$ begin create role {role} nologin;"
                    " exception when duplicate_object then null; end $$"
                )
        with psycopg.connect(pg.dsn(name), autocommit=True) as conn:
            conn.execute(
                "create table public.t (id int); alter table public.t enable row level security;"
                f" create policy p on public.t to dw_lower, {roles[0]}, _dw_under using (true);"
                " create policy q on public.t to public using (true)"
            )
            order = conn.execute(
                "select array_agg(r order by r) from unnest(%s::text[]) r",
                (["DW_Upper", "dw_lower", "_dw_under"],),
            ).fetchone()
            assert order == (["_dw_under", "dw_lower", "DW_Upper"],)  # the database's order
        snap = take_snapshot(pg.dsn(name), SnapshotOptions(include_schemas=("public",)))
        policies = snap.data["tables"]["public.t"]["policies"]
        assert policies["p"]["roles"] == ["DW_Upper", "_dw_under", "dw_lower"]
        assert policies["q"]["roles"] == ["public"]
    finally:
        pg.drop_db(name)
        with psycopg.connect(pg.admin_dsn, autocommit=True) as conn:
            for role in roles:
                conn.execute(f"drop role if exists {role}")


def test_triggers(snap: model.Snapshot) -> None:
    tr = snap.objects.tables["app.orders"].triggers["orders_touch"]
    assert tr.function == "app.touch"
    assert (tr.timing, tr.events, tr.level) == ("BEFORE", ("INSERT", "UPDATE"), "ROW")
    assert tr.enabled == "origin"


def test_grants(snap: model.Snapshot) -> None:
    assert snap.objects.tables["app.orders"].grants == {"authenticated": ("SELECT",)}
    orgs = snap.objects.tables["app.orgs"]
    assert orgs.grants == {}
    assert orgs.columns["id"].grants == {"anon": ("SELECT",)}
    assert orgs.columns["name"].grants == {}


def test_views(snap: model.Snapshot) -> None:
    v = snap.objects.views
    pg15 = int(snap.meta.server_version.split(".")[0]) >= 15
    assert v["app.open_orders"].security_invoker is pg15
    assert v["app.order_names"].security_invoker is False
    assert "app.orgs" in v["app.order_names"].definition
    assert list(v["app.order_names"].columns) == ["id", "name"]
    mv = snap.objects.materialized_views["app.order_counts"]
    assert "count(*)" in mv.definition and "order_counts_org" in mv.indexes


def test_functions(snap: model.Snapshot) -> None:
    f = snap.objects.functions["app.secret(i integer)"]
    assert f.security_definer and f.language == "sql" and f.volatility == "stable"
    assert f.config == ('search_path=""',)
    assert f.search_path == '""'
    assert f.returns == "integer" and f.arguments == "i integer"
    assert f.grants == {"authenticated": ("EXECUTE",)}
    assert f.body_digest.startswith("sha256:")
    touch = snap.objects.functions["app.touch()"]
    assert touch.grants == {"PUBLIC": ("EXECUTE",)}  # the default, made explicit


def test_sequences_enums_domains_extensions(snap: model.Snapshot) -> None:
    s = snap.objects.sequences
    assert s["app.invoice_seq"].start == 1000 and s["app.invoice_seq"].increment == 5
    assert s["app.invoice_seq"].cache == 10 and s["app.invoice_seq"].owned_by is None
    assert s["app.legacy_id_seq"].owned_by == "app.legacy.id"
    assert not any("orders_id_seq" in k for k in s)  # identity sequence belongs to its column
    e = snap.objects.enums["app.status"]
    assert e.labels == ("new", "paid", "shipped") and e.comment == "order status"
    d = snap.objects.domains["app.email"]
    assert (
        d.base_type == "public.citext"
        and list(d.constraints.values())
        == ["CHECK ((VALUE OPERATOR(public.~) '@'::public.citext))"]
    ) or d.constraints
    assert "citext" in snap.objects.extensions
    # extension-owned functions (citext's) are not user objects
    assert not any(k.startswith("public.") for k in snap.objects.functions)


def test_partitions(snap: model.Snapshot) -> None:
    parent = snap.objects.tables["app.events"]
    child = snap.objects.tables["app.events_2026"]
    assert parent.kind == "partitioned" and parent.partition_key == "RANGE (at)"
    assert child.partition_of == "app.events"
    assert child.partition_bound == "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')"


def test_determinism_and_digest(kinds_dsn: str, snap: model.Snapshot) -> None:
    again = take_snapshot(kinds_dsn, SnapshotOptions(include_schemas=("app",)))
    assert again.digest == snap.digest
    assert snapmod.canonical(again.objects) == snapmod.canonical(snap.objects)
    assert again == model.Snapshot(meta=again.meta, objects=snap.objects, digest=snap.digest)


def test_round_trip(tmp_path: Path, snap: model.Snapshot) -> None:
    path = tmp_path / "s.json"
    snapmod.write(snap, path)
    back = snapmod.read(path)
    assert back == snap
    snapmod.write(back, tmp_path / "t.json")
    assert (tmp_path / "t.json").read_bytes() == path.read_bytes()


def test_shipped_json_schema_is_current() -> None:
    assert orjson.loads(SCHEMA_PATH.read_bytes()) == build(), (
        "run python -m driftwatch.jsonschema_gen"
    )


def test_schema_globs(kinds_dsn: str) -> None:
    with psycopg.connect(kinds_dsn, autocommit=True) as conn:
        conn.execute(
            "create schema if not exists auth; create table if not exists auth.users (id int)"
        )
        conn.execute(
            "create schema if not exists scratch_one; create table if not exists scratch_one.t (id int)"
        )
    default = take_snapshot(kinds_dsn)
    assert "auth" not in default.objects.schemas and "app" in default.objects.schemas
    managed = take_snapshot(kinds_dsn, SnapshotOptions(include_managed=True))
    assert "auth.users" in managed.objects.tables
    excl = take_snapshot(kinds_dsn, SnapshotOptions(exclude_schemas=("scratch_*",)))
    assert "scratch_one" not in excl.objects.schemas and "app" in excl.objects.schemas


def test_read_only_no_user_locks_constant_queries(kinds_dsn: str) -> None:
    seen: dict[str, object] = {}

    def observe(cur: psycopg.Cursor[dict[str, object]]) -> None:
        cur.execute(
            "select current_setting('transaction_read_only') as ro, "
            "current_setting('transaction_isolation') as iso, "
            "current_setting('application_name') as app"
        )
        seen.update(cur.fetchone() or {})
        cur.execute(
            "select c.relname, l.mode from pg_locks l join pg_class c on c.oid = l.relation "
            "join pg_namespace n on n.oid = c.relnamespace "
            "where l.pid = pg_backend_pid() and n.nspname not in ('pg_catalog', 'information_schema')"
        )
        seen["user_locks"] = cur.fetchall()

    stats: dict[str, int] = {}
    take_snapshot(kinds_dsn, observer=observe, stats=stats)
    assert seen["ro"] == "on"
    assert seen["iso"] == "repeatable read"
    assert seen["app"] == "driftwatch"
    assert seen["user_locks"] == []
    assert stats["queries"] <= 25


def test_write_is_refused_inside_snapshot_transaction(kinds_dsn: str) -> None:
    refused: list[bool] = []

    def observe(cur: psycopg.Cursor[dict[str, object]]) -> None:
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            cur.execute("create table app.nope (id int)")
        refused.append(True)

    with contextlib.suppress(DriftwatchError):
        take_snapshot(kinds_dsn, observer=observe)
    assert refused == [True]
    with psycopg.connect(kinds_dsn) as conn:
        assert conn.execute("select to_regclass('app.nope')").fetchone() == (None,)


HOSTILE = [
    'we"ird',
    "with space",
    "a/b",
    "../../etc/passwd",
    "new\nline",
    "pi|pe",
    "ünïcødé_表",
    "x" * 63,
    "é" * 31,  # 62 bytes of 2-byte characters
    "Case",
    "case",
]


def test_hostile_identifiers_survive_exactly(make_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    def q(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    sql = ["create schema " + q("sch/..")]
    for name in HOSTILE:
        sql.append(
            f"create table {q('sch/..')}.{q(name)} ({q(name + '_c'[: 63 - len(name)] if len(name) < 62 else 'c')} int)"
        )
        sql.append(
            f"comment on table {q('sch/..')}.{q(name)} is {psycopg.sql.Literal(name + chr(10) + '| `x` <script>').as_string(None)}"
        )
    dsn = make_db(";\n".join(sql))
    snap = take_snapshot(dsn, SnapshotOptions(include_schemas=("sch/..",)))
    assert {idents.split_key(k) for k in snap.objects.tables} == {("sch/..", n) for n in HOSTILE}
    for name in HOSTILE:
        table = snap.objects.tables[idents.qualify("sch/..", name)]
        assert table.comment == name + "\n| `x` <script>"
    path = tmp_path / "hostile.json"
    snapmod.write(snap, path)
    assert snapmod.read(path) == snap


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "driftwatch", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
    )


def test_cli_writes_file_atomically_and_summarises(kinds_dsn: str, tmp_path: Path) -> None:
    out = tmp_path / "snap.json"
    r = _cli("snapshot", "--dsn", kinds_dsn, "--schema", "app", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert snapmod.read(out).objects.tables.keys() >= {"app.orders", "app.orgs"}
    assert [p.name for p in tmp_path.iterdir()] == ["snap.json"]  # no temp file left
    r = _cli("snapshot", "--schema", "app", "--summary", env={"DOCS_DB_URL": kinds_dsn})
    assert r.returncode == 0 and "tables" in r.stdout and "policies" in r.stdout


def test_cli_output_is_complete_when_the_process_skips_its_teardown(
    kinds_dsn: str, nexus_broken_db: str, tmp_path: Path
) -> None:
    """``snapshot`` and ``check`` end the process without freeing their result
    (``gctuning.keep_until_exit``): everything printed must still arrive, the exit code must be
    the command's, and a reader that goes away early is no error."""
    r = _cli("snapshot", "--dsn", kinds_dsn, "--schema", "app")  # JSON on a pipe
    assert r.returncode == 0, r.stderr
    assert snapmod.loads(r.stdout.encode()).objects.tables.keys() >= {"app.orders"}
    r = _cli("snapshot", "--dsn", kinds_dsn, "--schema", "app", "--summary")
    assert r.returncode == 0, r.stderr
    expected = summarize(take_snapshot(kinds_dsn, SnapshotOptions(include_schemas=("app",))))
    assert r.stdout.splitlines() == expected.splitlines()
    r = _cli("check", "--dsn", nexus_broken_db, "--format", "json")
    errors = [f for f in orjson.loads(r.stdout)["findings"] if f["severity"] == "error"]
    assert errors and r.returncode == 1, r.stderr  # --fail-on error by default
    with subprocess.Popen(
        [sys.executable, "-m", "driftwatch", "snapshot", "--dsn", kinds_dsn, "--schema", "app"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.read(1)
        proc.stdout.close()  # the reader goes away after one byte
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=120) == 0, err
    assert "Traceback" not in err and "Exception ignored" not in err, err


def test_cli_unreachable_is_exit_3_and_password_redacted() -> None:
    for dsn in (
        "postgresql://alice:s3cr3t-pw@127.0.0.1:1/db",
        "host=127.0.0.1 port=1 user=alice password=s3cr3t-pw dbname=db",
    ):
        r = _cli("snapshot", "--dsn", dsn)
        assert r.returncode == 3
        assert "s3cr3t-pw" not in r.stderr + r.stdout
        assert "127.0.0.1:1/db" in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_cli_wrong_password_redacted(pg) -> None:  # type: ignore[no-untyped-def]
    r = _cli("snapshot", "--dsn", "postgresql://nosuchuser:s3cr3t-pw@127.0.0.1:5432/postgres")
    assert r.returncode in (0, 3)  # trust auth may let anyone in; a refusal must be exit 3
    assert "s3cr3t-pw" not in r.stderr + r.stdout


def test_cli_bad_arguments_exit_2(tmp_path: Path) -> None:
    r = _cli("snapshot", "--no-such-flag")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    r = _cli("snapshot", env={"DRIFTWATCH_DSN": "", "DOCS_DB_URL": ""})
    assert r.returncode == 2 and "no database given" in r.stderr
    r = _cli("snapshot", "--dsn", "postgresql://[bad")
    assert r.returncode in (2, 3) and "Traceback" not in r.stderr


@pytest.mark.parametrize(
    "content, message",
    [
        (b"{not json", "not valid JSON"),
        (b"[]", "top level is not an object"),
        (b'{"format": "other/1"}', "not a driftwatch snapshot"),
        (b'{"format": "driftwatch.snapshot/9"}', "upgrade driftwatch"),
        (b'{"format": "driftwatch.snapshot/1", "digest": "x"}', "invalid snapshot"),
    ],
)
def test_bad_snapshot_files(tmp_path: Path, content: bytes, message: str) -> None:
    from driftwatch.errors import SnapshotFormatError

    p = tmp_path / "bad.json"
    p.write_bytes(content)
    with pytest.raises(SnapshotFormatError, match=message):
        snapmod.read(p)


def test_edited_snapshot_fails_digest(tmp_path: Path, snap: model.Snapshot) -> None:
    from driftwatch.errors import SnapshotFormatError

    doc = orjson.loads(snapmod.dumps(snap))  # a copy: snapshot data is shared, read-only
    doc["objects"]["tables"]["app.orders"]["comment"] = "tampered"
    p = tmp_path / "edited.json"
    p.write_bytes(orjson.dumps(doc))
    with pytest.raises(SnapshotFormatError, match="digest mismatch"):
        snapmod.read(p)


def test_assembled_data_has_exactly_the_model_shape(snap: model.Snapshot, nexus_db: str) -> None:
    """Introspection builds JSON-native data directly; it must equal the dataclass form."""
    for s in (snap, take_snapshot(nexus_db)):
        objects = model.from_data(model.Objects, s.data)
        assert model.to_data(objects) == s.data
        assert snapmod.digest_of(objects) == s.digest


def test_snapshot_is_immutable(snap: model.Snapshot) -> None:
    import dataclasses

    with pytest.raises(dataclasses.FrozenInstanceError):
        snap.digest = "x"  # type: ignore[misc]


REUSE_CHANGES = [
    "alter table app.orgs add column note text",
    "comment on table app.orgs is 'changed comment'",
    "grant select on app.orgs to anon",
    "alter policy orders_select on app.orders using (true)",
    "alter table app.orders disable row level security",
    "create index orgs_name_lower on app.orgs (lower(name))",
    "alter type app.status add value 'returned'",
    "alter sequence app.invoice_seq increment 7",
    "create or replace view app.open_orders as select id, status from app.orders where status = 'new'",
    "create or replace function app.touch() returns trigger language plpgsql as $f$ begin return null; end $f$",
    "alter table app.orders rename column code to code2",
]


@pytest.mark.parametrize("ddl", REUSE_CHANGES)
def test_reuse_only_when_catalog_unchanged(pg, ddl: str) -> None:  # type: ignore[no-untyped-def]
    name = pg.create_db("dw_reuse")
    try:
        dsn = pg.dsn(name)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(KINDS_SQL)
        opts = SnapshotOptions(include_schemas=("app",))
        first = take_snapshot(dsn, opts)
        stats: dict[str, int] = {}
        same = take_snapshot(dsn, opts, reuse=first, stats=stats)
        assert stats["reused"] == 1 and same.digest == first.digest and same.data is first.data
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(ddl)
        after = take_snapshot(dsn, opts, reuse=first, stats=stats)
        assert stats["reused"] == 0
        assert after.digest != first.digest
        assert after.digest == take_snapshot(dsn, opts).digest
    finally:
        pg.drop_db(name)


def _layout(doc: dict[str, Any]) -> bytes:
    """The file layout spelled out the slow way: orjson indented down to the objects, each
    object on its own line as compact canonical JSON."""
    opts = orjson.OPT_SORT_KEYS
    objects = doc["objects"]
    head = {k: v for k, v in doc.items() if k != "objects"}
    text = orjson.dumps(head, option=opts | orjson.OPT_INDENT_2)[:-2]
    groups = []
    for kind in sorted(objects):
        members = [
            b"      " + orjson.dumps(key) + b": " + orjson.dumps(value, option=opts)
            for key, value in sorted(objects[kind].items())
        ]
        body = b"{\n" + b",\n".join(members) + b"\n    }" if members else b"{}"
        groups.append(b"    " + orjson.dumps(kind) + b": " + body)
    if groups:
        text += b',\n  "objects": {\n' + b",\n".join(groups) + b"\n  }\n}\n"
    else:
        text += b',\n  "objects": {}\n}\n'
    return text


def test_streamed_file_and_digest_are_byte_identical_to_whole_document(
    snap: model.Snapshot, nexus_db: str
) -> None:
    """Snapshots are written and hashed piece by piece; the bytes must be exactly those of
    the layout (one object per line, ``_layout``) and, compact, of orjson on the whole
    document; the digest is sha256 of the compact objects (the format's definition), also
    when a Spool computes it while encoding the file's lines, and the Spool's file is the
    same bytes."""
    empty = snapmod.make(snap.meta, model.Objects())
    for s in (snap, take_snapshot(nexus_db), empty):
        doc = snapmod.to_document(s)
        text = snapmod.dumps(s)
        assert text == _layout(doc)
        assert orjson.loads(text) == doc
        lines = text.splitlines()
        assert len(lines) == len(_layout(doc).splitlines())
        start = lines.index(b'  "objects": {}' if not doc["objects"] else b'  "objects": {')
        objects_lines = [line for line in lines[start:] if line.startswith(b"      ")]
        assert len(objects_lines) == sum(len(group) for group in doc["objects"].values())
        compact = orjson.dumps(doc, option=orjson.OPT_SORT_KEYS) + b"\n"
        assert snapmod.dumps(s, indent=False) == compact
        canonical = orjson.dumps(doc["objects"], option=orjson.OPT_SORT_KEYS)
        assert s.digest == "sha256:" + __import__("hashlib").sha256(canonical).hexdigest()
        with snapmod.spooled() as spool:
            assert spool.digest(s.data) == s.digest
            assert b"".join(spool.chunks(s)) == text
            other = model.Snapshot(s.meta, digest=s.digest, data=dict(s.data))
            assert b"".join(spool.chunks(other)) == text  # not the tree it encoded: encodes it


def test_spool_encodes_again_when_the_snapshot_is_retried(snap: model.Snapshot) -> None:
    """A snapshot retried after concurrent DDL calls the hasher again: the Spool's file
    must then be the last tree's, not the first one's with the rest appended."""
    empty = snapmod.make(snap.meta, model.Objects())
    with snapmod.spooled() as spool:
        spool.digest(snap.data)
        assert spool.digest(empty.data) == empty.digest
        assert b"".join(spool.chunks(empty)) == snapmod.dumps(empty)
        assert spool.digest(snap.data) == snap.digest
        assert b"".join(spool.chunks(snap)) == snapmod.dumps(snap)


def test_cli_snapshot_file_comes_from_one_encoding(
    nexus_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``driftwatch snapshot -o`` encodes the objects once (the Spool), not once for the
    digest and again for the file; the file is the layout and its digest is right."""
    from driftwatch import cli

    calls: list[str] = []
    real_lines, real_compact = snapmod._object_lines, snapmod._objects_chunks

    def lines(data: Any, **options: Any) -> Any:
        calls.append("file lines")
        return real_lines(data, **options)

    def compact(data: Any) -> Any:
        calls.append("compact")
        return real_compact(data)

    monkeypatch.setattr(snapmod, "_object_lines", lines)
    monkeypatch.setattr(snapmod, "_objects_chunks", compact)
    out = tmp_path / "snap.json"
    assert cli.main(["snapshot", "--dsn", nexus_db, "-o", str(out)]) == 0
    assert calls == ["file lines"]
    monkeypatch.undo()
    written = snapmod.read(out)
    assert out.read_bytes() == snapmod.dumps(written)
    assert written.digest == snapmod.digest_of(written.data)


@pytest.mark.parametrize("path", ["pipeline", "chunked", "Cursor.stream fallback"])
def test_failure_while_rows_stream_raises_instead_of_hanging(
    nexus_db: str, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    """A stream holds the connection's lock between rows; when the consumer fails half-way
    (a bug, Ctrl-C) the query must be cancelled and drained — with the rest of the pipeline
    when the queries are pipelined — or the rollback waits for the lock for ever. The error
    comes out, quickly, and the next snapshot works. Each way of reading rows is tested."""
    import threading

    from driftwatch.introspect import assemble, driver
    from driftwatch.introspect import queries as plan

    used: list[str] = []
    real_chunks, real_pipelined = driver._chunks, driver._pipelined

    def counting_chunks(*args: Any, **kwargs: Any) -> Any:
        used.append("chunks:" + args[1].kind)
        return real_chunks(*args, **kwargs)

    def counting_pipelined(conn: Any, queries: dict[Any, str], params: Any) -> Any:
        used.append("pipeline:" + ",".join(q.kind for q in queries))
        return real_pipelined(conn, queries, params)

    monkeypatch.setattr(driver, "_chunks", counting_chunks)
    monkeypatch.setattr(driver, "_pipelined", counting_pipelined)
    if path == "chunked":
        monkeypatch.setattr(driver, "can_pipeline", lambda: False)
    if path == "Cursor.stream fallback":  # a libpq older than 17: no chunked rows
        monkeypatch.setattr(driver, "STREAM_CHUNK", 1)

    def fail_on_first_row(self: assemble.Assembler, rows: object) -> None:
        for _ in rows:  # type: ignore[attr-defined]
            raise RuntimeError("failed while rows were streaming")

    monkeypatch.setattr(assemble.Assembler, "_add_columns", fail_on_first_row)
    outcome: list[BaseException] = []

    def attempt() -> None:
        try:
            take_snapshot(nexus_db)
        except BaseException as exc:  # handed to the test thread
            outcome.append(exc)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(60)
    assert not worker.is_alive(), "snapshot hung after a failure mid-stream"
    assert [str(e) for e in outcome] == ["failed while rows were streaming"]
    piped = [q.kind for q in plan.PLAN if q.phase == "stream"]
    expected = {
        "pipeline": ["pipeline:" + ",".join(piped)],
        "chunked": ["chunks:grants", "chunks:tables", "chunks:columns"],
        "Cursor.stream fallback": [],
    }
    assert used == expected[path]
    monkeypatch.undo()
    assert take_snapshot(nexus_db).digest.startswith("sha256:")


def test_a_pipelined_query_that_fails_is_one_error_and_leaves_the_connection_usable(
    nexus_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server error in the middle of the pipeline (here: the constraints query) is the
    usual one-line error; the queries after it are skipped, not left unread."""
    from driftwatch.introspect import driver

    real_query = driver.query

    def broken(kind: str, major: int | None = None) -> str:
        if kind == "constraints":
            return "select 1 / (select count(*) - count(*) from pg_class) as oops"
        return real_query(kind, major) if major is not None else real_query(kind)

    monkeypatch.setattr(driver, "query", broken)
    with pytest.raises(DriftwatchError, match=r"catalog query failed .*division by zero"):
        take_snapshot(nexus_db)
    monkeypatch.undo()
    assert take_snapshot(nexus_db).digest.startswith("sha256:")


def test_tuple_rows_must_match_the_query_columns(
    nexus_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The big kinds are unpacked by position; a query and its field list that disagree
    stop the snapshot with an error naming both instead of shifting values silently."""
    import dataclasses
    from typing import NamedTuple

    from driftwatch.introspect import queries

    class Grant(NamedTuple):  # grants with two fields swapped
        kind: str
        key: str
        privilege: str
        grantee: str
        grantable: bool

    swapped = tuple(
        dataclasses.replace(q, row=Grant) if q.kind == "grants" else q for q in queries.PLAN
    )
    monkeypatch.setattr(queries, "PLAN", swapped)
    with pytest.raises(DriftwatchError, match=r"grants query returned .*'grantee', 'privilege'"):
        take_snapshot(nexus_db)
