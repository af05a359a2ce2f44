"""The snapshot's definitions and expressions are PostgreSQL's own text, byte for byte.

The loader spells PRIMARY KEY / UNIQUE / FOREIGN KEY and plain index definitions itself
and deparses each distinct expression tree once (introspect/definitions.py, exprs.py).
Here every constraint, index, policy, default and generated column of a schema built to
trip those shortcuts is compared with what ``pg_get_constraintdef``, ``pg_get_indexdef``
and ``pg_get_expr`` say for that one object — on the local server and on PostgreSQL 18.

The traps: identical trees whose columns were renamed afterwards (same digest, other
names), identical EXISTS policies on different tables (outer references print the table
name), whole-row references, dropped columns (attnum gaps), keywords, quotes, upper case
and unicode in names, every FK action and match type, deferrable and NOT VALID
constraints, INCLUDE columns, NULLS NOT DISTINCT, non-default operator classes,
collations and orderings, domains over indexed types, expression, partial, multi-clause
partial and non-btree indexes, storage parameters, partitioned tables, materialized views,
and a foreign key into a schema the snapshot leaves out.
"""

from __future__ import annotations

from typing import Any

import psycopg
from conftest import PgServer, run_sql

from driftwatch import pgserver
from driftwatch.introspect import SnapshotOptions, take_snapshot

# Statements that create twins differ only in the table name, and the names have the same
# length; each statement is sent on its own (_load), so the stored trees, which record
# character positions in the statement, are identical.
CORPUS = """
create schema app;
create schema "Odd Schema";
create schema hidden;
create table hidden.users (id uuid primary key, handle text unique);
create domain app.code as text;
create type app.state as enum ('a', 'b');

create table app.parent (id int primary key, org int not null, "Select" text,
  unique (org, id));
alter table app.parent add unique nulls not distinct ("Select"); -- pg15+
create table app.kid_a (id int primary key, parent_id int not null references app.parent(id),
  org int not null, qty int not null default 1, note text,
  gen int generated always as (qty * 2) stored, check (qty > 0));
create table app.kid_b (id int primary key, parent_id int not null references app.parent(id),
  org int not null, qty int not null default 1, note text,
  gen int generated always as (qty * 2) stored, check (qty > 0));
create table app.kid_c (id int primary key, parent_id int not null references app.parent(id),
  org int not null, qty int not null default 1, note text,
  gen int generated always as (qty * 2) stored, check (qty > 0));
create policy p_exists on app.kid_c for update
  using (exists (select 1 from app.parent p where p.id = parent_id and p.org = 1))
  with check (exists (select 1 from app.parent p where p.id = parent_id and p.org = 1));
create policy p_row on app.kid_c for insert with check (row_to_json(kid_c) is not null);
create policy p_same on app.kid_a using (org = current_setting('app.org')::int);
create policy p_same on app.kid_b using (org = current_setting('app.org')::int);
create policy p_exists on app.kid_a for update
  using (exists (select 1 from app.parent p where p.id = parent_id and p.org = 1))
  with check (exists (select 1 from app.parent p where p.id = parent_id and p.org = 1));
create policy p_exists on app.kid_b for update
  using (exists (select 1 from app.parent p where p.id = parent_id and p.org = 1))
  with check (exists (select 1 from app.parent p where p.id = parent_id and p.org = 1));
create policy p_row on app.kid_a for insert with check (row_to_json(kid_a) is not null);
create policy p_init on app.kid_a for delete using (org = (select 1));
create policy p_init on app.kid_b for delete using (org = (select 1));
create index kid_a_part on app.kid_a (org) where qty > 1 and note is not null;
create index kid_b_part on app.kid_b (org) where qty > 1 and note is not null;
alter table app.kid_a enable row level security;
alter table app.kid_b enable row level security;
alter table app.kid_b rename column qty to amount;
alter table app.kid_b rename column parent_id to "Parent Id";
alter table app.kid_b rename column org to "Org";

create table app.gaps (a int, dropped int, b int, c text collate "C", d app.code,
  e varchar(10), f tsvector, g int4range, h point, i app.state);
alter table app.gaps drop column dropped;
create unique index gaps_b on app.gaps (b) include (a, c);
create index gaps_desc on app.gaps (b desc, a nulls first);
create index gaps_desc_nl on app.gaps (b desc nulls last);
create index gaps_pattern on app.gaps (c text_pattern_ops);
create index gaps_coll on app.gaps (c collate "POSIX");
create index gaps_domain on app.gaps (d);
create index gaps_varchar on app.gaps (e);
create index gaps_gin on app.gaps using gin (f);
create index gaps_gist on app.gaps using gist (g);
create index gaps_gist_pt on app.gaps using gist (h);
create index gaps_hash on app.gaps using hash (b);
create index gaps_brin on app.gaps using brin (a);
create index gaps_fill on app.gaps (a) with (fillfactor = 70);
create index gaps_expr on app.gaps (lower(c), b);
create index gaps_enum on app.gaps (i);
create index gaps_nnd on app.gaps (b, a) nulls not distinct; -- pg15+
create unique index gaps_nnd_u on app.gaps (a) nulls not distinct; -- pg15+
create index gaps_or on app.gaps (a) where b = 1 or c = 'x';
alter table app.gaps add constraint gaps_chk check (b <> a) no inherit;
alter table app.gaps add constraint gaps_nv check (a > 0) not valid;

create table "Odd Schema"."User" ("Order" int primary key, "select" int, "ü ß" text,
  "a""b" int, "user" int, unique ("select", "a""b"),
  constraint "User_user" unique ("user") deferrable initially deferred);
create table "Odd Schema"."fk all" (
  id int primary key,
  o int references "Odd Schema"."User" ("Order") on update cascade on delete set null,
  s int, ab int, u uuid references hidden.users(id) on delete restrict,
  h text references hidden.users(handle) match full on delete set default deferrable,
  foreign key (s, ab) references "Odd Schema"."User" ("select", "a""b")
    match full on update set null on delete set null not valid,
  constraint "fk no action" foreign key (o) references "Odd Schema"."User" ("Order")
    on update restrict on delete no action deferrable);
alter table "Odd Schema"."fk all" add constraint "fk set null cols" foreign key (s, ab)
  references "Odd Schema"."User" ("select", "a""b") on delete set null (s) not valid; -- pg15+

create table app.events (id int, at date not null, org int, primary key (id, at))
  partition by range (at);
create table app.events_2026 partition of app.events
  for values from ('2026-01-01') to ('2027-01-01');
create index events_org on app.events (org);
create materialized view app.mv as select org, count(*) as n from app.kid_a group by org;
create unique index mv_org on app.mv (org);
create index mv_part on app.mv (n) where n > 2;
"""

# What PostgreSQL itself prints for each object (search_path emptied as the loader does).
REFERENCE_SQL = {
    "constraint": """
        select quote_ident(n.nspname) || '.' || quote_ident(c.relname), con.conname, pg_get_constraintdef(con.oid),
               array(select a.attname::text from unnest(con.conkey) with ordinality k(n, o)
                     join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.n
                     order by k.o),
               array(select a.attname::text from unnest(con.confkey) with ordinality k(n, o)
                     join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.n
                     order by k.o)
        from pg_constraint con join pg_class c on c.oid = con.conrelid
        join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = any(%(schemas)s) and con.contype in ('p', 'u', 'f', 'c', 'x')""",
    "index": """
        select quote_ident(n.nspname) || '.' || quote_ident(c.relname), i.relname, pg_get_indexdef(x.indexrelid),
               pg_get_expr(x.indpred, x.indrelid),
               array(select pg_get_indexdef(x.indexrelid, k.o::int, true)
                     from generate_series(1, x.indnkeyatts) k(o) order by k.o),
               array(select quote_ident(a.attname)
                     from unnest(x.indkey::int2[]) with ordinality k(n, o)
                     join pg_attribute a on a.attrelid = x.indrelid and a.attnum = k.n
                     where k.o > x.indnkeyatts order by k.o)
        from pg_index x join pg_class i on i.oid = x.indexrelid
        join pg_class c on c.oid = x.indrelid join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = any(%(schemas)s)""",
    "policy": """
        select quote_ident(n.nspname) || '.' || quote_ident(c.relname), p.polname, pg_get_expr(p.polqual, p.polrelid),
               pg_get_expr(p.polwithcheck, p.polrelid)
        from pg_policy p join pg_class c on c.oid = p.polrelid
        join pg_namespace n on n.oid = c.relnamespace where n.nspname = any(%(schemas)s)""",
    "default": """
        select quote_ident(n.nspname) || '.' || quote_ident(c.relname), a.attname, pg_get_expr(ad.adbin, ad.adrelid),
               a.attgenerated <> ''
        from pg_attrdef ad join pg_attribute a on a.attrelid = ad.adrelid and a.attnum = ad.adnum
        join pg_class c on c.oid = ad.adrelid join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = any(%(schemas)s) and c.relkind in ('r', 'p')""",
}

SCHEMAS = ["Odd Schema", "app"]


def _load(dsn: str) -> None:
    """Each statement on its own; those marked ``-- pg15+`` only where the server has the
    feature (NULLS NOT DISTINCT, SET NULL (columns)), so the corpus loads on 13 and 14."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        major = conn.info.server_version // 10000
        for statement in CORPUS.replace("; -- pg15+\n", " -- pg15+;\n").split(";\n"):
            if not statement.strip():
                continue
            if statement.rstrip().endswith("-- pg15+"):
                if major < 15:
                    continue
                statement = statement.rstrip().removesuffix("-- pg15+")
            conn.execute(statement)  # type: ignore[arg-type]


def _reference(dsn: str) -> dict[str, list[tuple[Any, ...]]]:
    with psycopg.connect(dsn) as conn:
        conn.execute("set search_path = ''")
        return {
            kind: conn.execute(sql, {"schemas": SCHEMAS}).fetchall()  # type: ignore[arg-type]
            for kind, sql in REFERENCE_SQL.items()
        }


def _check(dsn: str) -> int:
    data = take_snapshot(dsn, SnapshotOptions(include_schemas=tuple(SCHEMAS))).data
    assert data is not None
    relations = {**data["tables"], **data["materialized_views"]}
    ref = _reference(dsn)
    compared = 0
    for rel, name, definition, columns, ref_columns in ref["constraint"]:
        con = relations[rel]["constraints"][name]
        assert con["definition"] == definition, (rel, name)
        assert con["columns"] == columns, (rel, name)
        if con["references"] is not None:
            assert con["references"]["columns"] == ref_columns, (rel, name)
        compared += 1
    for rel, name, definition, predicate, keys, include in ref["index"]:
        index = relations[rel]["indexes"][name]
        assert index["definition"] == definition, (rel, name)
        assert index["predicate"] == predicate, (rel, name)
        assert index["include"] == include, (rel, name)
        # Plain keys are quoted names, which is what pg_get_indexdef(oid, k, true) prints.
        assert index["columns"] == keys, (rel, name)
        compared += 1
    for rel, name, using, with_check in ref["policy"]:
        policy = relations[rel]["policies"][name]
        assert (policy["using"], policy["with_check"]) == (using, with_check), (rel, name)
        compared += 1
    for rel, column, text, generated in ref["default"]:
        col = relations[rel]["columns"][column]
        assert col["generated" if generated else "default"] == text, (rel, column)
        compared += 1
    return compared


def test_definitions_match_postgres(pg: PgServer) -> None:
    name = pg.create_db("dw_defs")
    try:
        _load(pg.dsn(name))
        assert _check(pg.dsn(name)) > 60
    finally:
        pg.drop_db(name)


def test_definitions_match_postgres_18(pg18: pgserver.Throwaway) -> None:
    with psycopg.connect(pg18.dsn(), autocommit=True) as conn:
        conn.execute("create database defs")
    _load(pg18.dsn("defs"))
    assert _check(pg18.dsn("defs")) > 60


def test_shared_trees_are_deparsed_once(pg: PgServer) -> None:
    """The twins' trees really are identical (so the test above exercises the grouping),
    and the grouping sends two expression queries whatever the number of objects."""
    name = pg.create_db("dw_defs_once")
    try:
        dsn = pg.dsn(name)
        _load(dsn)
        with psycopg.connect(dsn) as conn:
            twins = conn.execute(
                "select polname, count(distinct md5(polqual::text)) from pg_policy"
                " where polname in ('p_same', 'p_exists', 'p_init') group by 1 order by 1"
            ).fetchall()
        assert twins == [("p_exists", 1), ("p_init", 1), ("p_same", 1)]
        stats: dict[str, int] = {}
        take_snapshot(dsn, SnapshotOptions(include_schemas=tuple(SCHEMAS)), stats=stats)
        small = stats["queries"]
        run_sql(
            dsn,
            "do $$ begin for i in 1..40 loop execute format("
            "'create table app.t%s (id int primary key, org int default 7 check (org > 0));"
            " create policy p on app.t%s using (org = 1);', i, i); end loop; end $$;",
        )
        take_snapshot(dsn, SnapshotOptions(include_schemas=tuple(SCHEMAS)), stats=stats)
        assert stats["queries"] == small
    finally:
        pg.drop_db(name)
