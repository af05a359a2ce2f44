"""Snapshot format 2: quoted keys, format-1 files and stored rows read through the
converter, and objects the assembler cannot fully read kept and marked ``incomplete``."""

from __future__ import annotations

import logging
import zlib
from pathlib import Path
from typing import Any

import orjson
import pytest
from conftest import run_sql

from driftwatch import idents, model
from driftwatch import snapshot as snapmod
from driftwatch.diff import diff
from driftwatch.introspect import take_snapshot
from driftwatch.introspect.assemble import Assembler
from driftwatch.store import Store

DATA = Path(__file__).parent / "data"
V1_FILE = DATA / "snapshot-v1.json"  # written by the format-1 code from snapshot_v1.sql


@pytest.mark.parametrize(
    ("schema", "name", "key"),
    [
        ("public", "orders", "public.orders"),
        ("a.b", "c", '"a.b".c'),
        ("a", "b.c", 'a."b.c"'),
        ("public", "Order", 'public."Order"'),
        ("public", "select", 'public."select"'),
        ("public", "user_2", "public.user_2"),
        ('we"ird', "x y", '"we""ird"."x y"'),
        ("public", "1st", 'public."1st"'),
    ],
)
def test_keys_quote_as_quote_ident(schema: str, name: str, key: str) -> None:
    assert idents.qualify(schema, name) == key
    assert idents.split_key(key) == (schema, name)


def test_keys_match_the_servers_quote_ident(make_db: Any) -> None:
    import psycopg

    names = ["orders", "Order", "select", "user", "a.b", 'x"y', "ünï", "_x1", "1x", "left"]
    with psycopg.connect(make_db()) as conn:
        for name in names:
            row = conn.execute("select quote_ident(%s)", [name]).fetchone()
            assert row is not None and idents.quote(name) == row[0], name


def test_format_1_file_reads_as_format_2_of_the_same_schema(make_db: Any) -> None:
    dsn = make_db((DATA / "snapshot_v1.sql").read_text())
    old = snapmod.read(V1_FILE)
    live = take_snapshot(dsn)
    assert '"Odd Schema"."User"' in old.data["tables"]
    orders = old.data["tables"]["public.orders"]
    assert orders["constraints"]["orders_user_id_fkey"]["references"]["table"] == (
        '"Odd Schema"."User"'
    )
    assert orders["triggers"]["orders_touch"]["function"] == '"Odd Schema".touch'
    assert old.data["sequences"]['"Odd Schema"."User_id_seq"']["owned_by"] == (
        '"Odd Schema"."User".id'
    )
    assert 'public."Select"(x integer)' in old.data["functions"]
    # converted, the old file is exactly what format 2 reads from the same schema, but for
    # the roles, which format 1 did not read (and which diff leaves alone on such a side)
    assert "roles" not in old.data
    assert {k: v for k, v in old.data.items() if k != "roles"} == {
        k: v for k, v in live.data.items() if k != "roles"
    }
    assert diff(old, live).changes == ()


def test_stored_format_1_rows_load_through_the_converter(tmp_path: Path) -> None:
    """A history store of the previous layout holding a format-1 snapshot: opening it
    migrates the row to objects converted as a format-1 file is."""
    import sqlite3

    doc = orjson.loads(V1_FILE.read_bytes())
    path = tmp_path / "history.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(
            "create table schema_version (id integer primary key, version integer not null);"
            "insert into schema_version values (1, 1);"
            "create table snapshots (id integer primary key autoincrement,"
            " target varchar(200) not null, digest varchar(80) not null,"
            " format varchar(40) not null, taken_at timestamp not null,"
            " last_seen timestamp not null, tables integer not null, size integer not null,"
            " codec varchar(10) not null, body blob not null, unique (target, digest));"
            "create table runs (id integer primary key autoincrement,"
            " target varchar(200) not null, started timestamp not null, finished timestamp,"
            " status varchar(20) not null, error text, snapshot_digest varchar(80),"
            " changes integer not null, security integer not null, breaking integer not null,"
            " info integer not null);"
        )
        conn.execute(
            "insert into snapshots (target, digest, format, taken_at, last_seen, tables, size,"
            " codec, body) values ('t', ?, ?, '2026-01-01 00:00:00', '2026-01-01 00:00:00',"
            " ?, ?, 'zlib', ?)",
            (
                doc["digest"],
                doc["format"],
                len(doc["objects"]["tables"]),
                len(V1_FILE.read_bytes()),
                zlib.compress(V1_FILE.read_bytes()),
            ),
        )
    with Store(f"sqlite:///{path}") as store:
        snap = store.latest_snapshot("t")
    assert snap is not None
    assert dict(snap.data) == dict(snapmod.read(V1_FILE).data)
    assert snap.digest != doc["digest"]  # the digest of format 2's bytes


def test_format_2_round_trip_and_schema(tmp_path: Path) -> None:
    snap = snapmod.read(V1_FILE)
    path = tmp_path / "v2.json"
    snapmod.write(snap, path)
    text = path.read_bytes()
    assert orjson.loads(text)["format"] == "driftwatch.snapshot/2"
    assert snapmod.loads(text) == snap
    schema = orjson.loads(snapmod.SCHEMA_PATH.read_bytes())
    table = schema["definitions"]["Table"]["properties"]
    assert "not fully represented" in table["incomplete"]["description"]


def _assemble(constraint_conkey: list[int], caplog: pytest.LogCaptureFixture) -> dict[str, Any]:
    asm = Assembler({"keywords": ["select"]})
    table = (
        "public",
        "t",
        "r",
        "o",
        False,
        False,
        None,
        False,
        [],
        None,
        None,
        "p",
        [],
        None,
        None,
    )
    column = ("public.t", "r", "a", 1, 23, 0, "integer", True, None, None, False, None, None, None, None, None)  # fmt: skip
    check = ("public", "t", "t_check", "c", "CHECK (x)", 1, None, "", constraint_conkey, None, None, None, None, None, "a", "a", "s", False, False, True, False)  # fmt: skip
    index = ("public", "t", "t_idx", None, 2, None, [1, 7], [0, 0], [0, 0], [0, 0], 2, None, False, False, "btree", None, True)  # fmt: skip
    rows: dict[str, list[Any]] = {
        "tables": [table],
        "columns": [column],
        "constraints": [check],
        "indexes": [index],
    }
    for kind in Assembler.ORDER:
        asm.add(kind, rows.get(kind, []))
    asm.exprs.resolve(lambda refs, deparse: [])
    with caplog.at_level(logging.WARNING, logger="driftwatch.snapshot"):
        out = asm.result()
    return out


def test_whole_row_reference_is_no_column(caplog: pytest.LogCaptureFixture) -> None:
    out = _assemble([0, 1], caplog)
    t = out["tables"]["public.t"]
    assert t["constraints"]["t_check"]["columns"] == ["a"]
    # the index names column 7, which the table does not have: kept, marked, one warning
    assert t["indexes"]["t_idx"]["columns"] == ["a"]
    assert t["incomplete"] == ["index t_idx: a column number is unknown"]
    assert [r.getMessage() for r in caplog.records] == [
        "snapshot: table public.t is incomplete: index t_idx: a column number is unknown"
    ]
    model.from_data(model.Objects, out)  # still the model's shape


def test_unknown_column_number_keeps_the_constraint(caplog: pytest.LogCaptureFixture) -> None:
    out = _assemble([1, 9], caplog)
    t = out["tables"]["public.t"]
    assert t["constraints"]["t_check"]["columns"] == ["a"]
    assert "constraint t_check: a column number is unknown" in t["incomplete"]
    assert len(caplog.records) == 1  # one line per object, every reason on it


def test_a_row_that_cannot_be_read_leaves_the_rest(caplog: pytest.LogCaptureFixture) -> None:
    asm = Assembler()
    good = ("public", "ok", "r", "o", False, False, None, False, [], None, None, "p", [], None, None)  # fmt: skip
    bad = ("public", "bad", "r", "o", False, False, None, False, [], None, None, "p", [], None, {"server": "s"})  # fmt: skip
    for kind in Assembler.ORDER:
        asm.add(kind, [bad, good] if kind == "tables" else [])
    with caplog.at_level(logging.WARNING, logger="driftwatch.snapshot"):
        out = asm.result()
    assert set(out["tables"]) == {"public.ok"}
    assert len(caplog.records) == 1 and "public.bad" in caplog.records[0].getMessage()


def test_live_whole_row_and_expression_exclusion(make_db: Any) -> None:
    dsn = make_db(
        "create table t (a int, check (t is not null));"
        "create table r (r int4range, exclude using gist ((r * '[0,10)'::int4range) with &&));"
    )
    data = take_snapshot(dsn).data
    assert data["tables"]["public.t"]["constraints"]["t_check"]["columns"] == []
    assert data["tables"]["public.t"]["incomplete"] == []
    (exclusion,) = data["tables"]["public.r"]["constraints"].values()
    assert exclusion["columns"] == [] and "&&" in exclusion["definition"]


def test_dotted_twins_stay_apart(make_db: Any) -> None:
    dsn = make_db(
        'create schema "a.b"; create schema a;'
        'create table "a.b".c (x int); create table a."b.c" (y int);'
        'alter table a."b.c" enable row level security;'
    )
    tables = take_snapshot(dsn).data["tables"]
    assert tables['"a.b".c']["rls"]["enabled"] is False
    assert list(tables['"a.b".c']["columns"]) == ["x"]
    assert tables['a."b.c"']["rls"]["enabled"] is True
    assert list(tables['a."b.c"']["columns"]) == ["y"]


@pytest.mark.parametrize(
    "ddl",
    [
        "alter publication p add table public.t2",
        "alter event trigger e disable",
        "create statistics public.s on a, b from public.t2",
        "create rule r as on delete to public.t2 do instead nothing",
        "alter table public.t2 alter column id set increment by 7",
    ],
)
def test_fingerprint_sees_the_new_kinds(make_db: Any, ddl: str) -> None:
    """A reused snapshot (same fingerprint) must never hide drift in the new kinds."""
    dsn = make_db(
        "create table public.t1 (a int); create table public.t2"
        " (id int generated always as identity, a int, b int);"
        "create publication p for table public.t1;"
        "create function public.f() returns event_trigger language plpgsql"
        " as $$ begin end $$;"
        "create event trigger e on ddl_command_end execute function public.f();"
    )
    first = take_snapshot(dsn)
    run_sql(dsn, ddl)
    stats: dict[str, int] = {}
    second = take_snapshot(dsn, reuse=first, stats=stats)
    assert stats["reused"] == 0
    assert diff(first, second).changes


def test_head_keeps_the_written_prefix() -> None:
    assert idents.head('"a.b".c."x.y"', 2) == '"a.b".c'
    assert idents.head('"a"".b".c.d', 2) == '"a"".b".c'
    assert idents.head("public.t", 2) == "public.t"
    assert idents.split('"a"".b".c.d') == ('a".b', "c", "d")
