"""The hostile catalog (``tests/data/hostile_catalog.sql``: PostgreSQL's documentation
examples for every object kind, whole-row CHECKs, expression exclusion constraints, names
that collide once dotted, a 1,600-column table ...) goes through snapshot → check → docs →
diff(self) by the CLI on PostgreSQL 15 and 18: no traceback, no incomplete object, every
kind read, nothing merged, and no change between two snapshots of the same catalog."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
import psycopg
import pytest
from conftest import PgServer, run_sql

from driftwatch import pgserver
from driftwatch import snapshot as snapmod

HOSTILE_SQL = (Path(__file__).parent / "data" / "hostile_catalog.sql").read_text()


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "driftwatch", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=300,
    )


@pytest.fixture(scope="module")
def pg15_hostile(pg: PgServer) -> Iterator[str]:
    name = pg.create_db("dw_hostile_catalog")
    try:
        run_sql(pg.dsn(name), HOSTILE_SQL)
        yield pg.dsn(name)
    finally:
        pg.drop_db(name)


@pytest.fixture(scope="module")
def pg18_hostile(pg18: pgserver.Throwaway) -> str:
    with psycopg.connect(pg18.dsn(), autocommit=True) as conn:
        conn.execute("create database hostile_catalog")
    run_sql(pg18.dsn("hostile_catalog"), HOSTILE_SQL)
    return pg18.dsn("hostile_catalog")


def _round_trip(dsn: str, tmp: Path) -> dict[str, object]:
    first, second = tmp / "first.json", tmp / "second.json"
    snap = _cli(tmp, "snapshot", "--dsn", dsn, "-o", str(first))
    assert snap.returncode == 0, snap.stderr
    assert "Traceback" not in snap.stderr and "incomplete" not in snap.stderr, snap.stderr
    check = _cli(tmp, "check", "--snapshot", str(first), "--format", "json")
    assert check.returncode in (0, 1), check.stderr  # 1: findings (RLS is off on most tables)
    assert orjson.loads(check.stdout)["findings"], "the catalog has tables without RLS"
    docs = _cli(tmp, "docs", "--snapshot", str(first), "-o", str(tmp / "docs"))
    assert docs.returncode == 0, docs.stderr
    again = _cli(tmp, "snapshot", "--dsn", dsn, "-o", str(second))
    assert again.returncode == 0, again.stderr
    diff = _cli(tmp, "diff", str(first), str(second))
    assert diff.returncode == 0, diff.stdout + diff.stderr
    assert "no changes" in diff.stdout
    assert "Traceback" not in check.stderr + docs.stderr + diff.stderr
    objects: dict[str, object] = snapmod.read(first).data  # type: ignore[assignment]
    return objects


def _assert_complete(objects: dict[str, object], tmp: Path) -> None:
    data: dict[str, dict[str, dict[str, object]]] = objects  # type: ignore[assignment]
    tables = data["tables"]
    # nothing merged: the dotted twins are two tables, RLS only on one
    assert tables['"a.b".c']["rls"] == {"enabled": False, "forced": False}
    assert tables['a."b.c"']["rls"] == {"enabled": True, "forced": False}
    assert set(data["views"]) >= {'"a.b".v', 'a."b.v"'}
    assert data["functions"]['"a.b".f()']["security_definer"] is True
    assert data["functions"]['a."b.f"()']["security_definer"] is False
    assert '"Weird ""Schema"""."we.ird""name"' in tables
    # defect 1: conkey 0 snapshots in full
    check = tables["public.wholerow"]["constraints"]["wholerow_check"]
    assert check == {**check, "columns": [], "type": "check"}
    assert "IS NOT NULL" in str(check["definition"])
    exclusion = next(iter(tables["public.reservation"]["constraints"].values()))
    assert exclusion["type"] == "exclusion" and "&&" in str(exclusion["definition"])
    assert len(tables["public.wide"]["columns"]) == 1600
    for kind, group in data.items():
        for key, obj in group.items():
            assert not obj.get("incomplete"), (kind, key, obj.get("incomplete"))
    # every kind the issue names is read
    assert set(data["publications"]) == {"alltables", "insert_only", "mypublication", "schema_pub"}
    films = data["publications"]["mypublication"]["tables"]["public.films"]  # type: ignore[index]
    assert films == {"columns": ["code", "title"], "row_filter": "(did > 10)"}
    assert data["publications"]["alltables"]["all_tables"] is True
    assert data["publications"]["schema_pub"]["schemas"] == ["a.b"]
    assert data["event_triggers"]["abort_ddl"]["enabled"] == "disabled"
    assert set(data["statistics"]) == {"public.films_expr", "public.films_stats"}
    assert "public.===(integer,integer)" in data["operators"]
    assert "public.~~~(NONE,public.complex)" in data["operators"]
    assert set(data["collations"]) >= {"public.c_copy", '"select"."Mixed Case"'}
    assert set(data["composite_types"]) == {"public.complex", "public.inventory_item"}
    assert data["range_types"]["public.floatrange"]["subtype_diff"] == "public.float8_diff"
    assert not [k for k in data["functions"] if "floatrange" in k]  # constructors are the type's
    rules = tables["public.shoelace"]["rules"]
    assert rules["shoelace_del"] == {**rules["shoelace_del"], "instead": True, "event": "DELETE"}  # type: ignore[index, dict-item]
    assert "shoe_view_ins" in data["views"]["public.shoe_view"]["rules"]  # type: ignore[operator]
    assert tables["public.stock"]["of_type"] == "public.inventory_item"
    assert tables["public.pglog"]["foreign"] == {
        "options": ["filename=/dev/null", "format=csv"],
        "server": "file_server",
    }
    people = tables["public.people"]["columns"]
    assert people["id"]["identity_sequence"]["increment"] == 5  # type: ignore[index]
    assert data["materialized_views"]["public.films_mv"]["populated"] is False
    aggregate = data["functions"]["public.sum_moving(double precision)"]
    assert aggregate["body"] == "" and aggregate["aggregate"]["moving_inverse"]  # type: ignore[index]
    policy = tables["public.shoelace"]["policies"]["shoelace_owner"]
    assert policy["comment"] == "only the first owner"  # type: ignore[index]
    # one spelling of collations: pg_catalog ones bare, on columns, domains, attributes
    assert data["domains"]["public.us_postal_code"]["collation"] == '"C"'
    complex_attrs = data["composite_types"]["public.inventory_item"]["attributes"]
    assert complex_attrs["name"]["collation"] == '"C"'  # type: ignore[index]
    # docs: one directory per schema, dotted and quoted names kept apart
    docs = tmp / "docs"
    assert (docs / "a~2Eb" / "c.md").is_file() and (docs / "a" / "b~2Ec.md").is_file()


def test_hostile_catalog_pg15(pg15_hostile: str, tmp_path: Path) -> None:
    _assert_complete(_round_trip(pg15_hostile, tmp_path), tmp_path)


def test_hostile_catalog_pg18(pg18_hostile: str, tmp_path: Path) -> None:
    objects = _round_trip(pg18_hostile, tmp_path)
    _assert_complete(objects, tmp_path)
