"""Incremental snapshots (introspect/incremental.py): after every mutation of the diff
corpus (tests/test_diff_mutations.py) and every statement of the migra fixtures' migrations
(../shared/peer), the incremental snapshot equals a full one, digest and objects; and the
relations it re-reads are the changed ones and their dependents, nothing more."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest
from conftest import NEXUS_SQL, PgServer, generated_schema, run_sql
from test_diff_migra import CASES, FIXTURES, PRELUDE, statements
from test_diff_mutations import BASE_SQL, MUTATIONS, NEXUS_MUTATIONS

from driftwatch.introspect import IncrementalStats, take_incremental, take_snapshot
from driftwatch.model import Snapshot


def _same_as_full(dsn: str, previous: Snapshot) -> tuple[Snapshot, IncrementalStats]:
    """The incremental snapshot after ``previous``, checked against a full one."""
    snap, stats = take_incremental(dsn, previous=previous)
    full = take_snapshot(dsn)
    assert snap.digest == full.digest, stats
    assert snap.data == full.data
    assert snap.meta.schemas == full.meta.schemas
    return snap, stats


@pytest.fixture(scope="module")
def templates(pg: PgServer) -> Iterator[dict[str, str]]:
    made = {"diff": pg.create_db("dw_incr_diff"), "nexus": pg.create_db("dw_incr_nexus")}
    try:
        run_sql(pg.dsn(made["diff"]), BASE_SQL)
        run_sql(pg.dsn(made["nexus"]), NEXUS_SQL.read_text())
        yield made
    finally:
        for name in made.values():
            pg.drop_db(name)


def _copy(pg: PgServer, template: str) -> str:
    name = f"dw_incr_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg.admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return name


CORPUS = [("diff", m[0], m[1]) for m in MUTATIONS] + [
    ("nexus", m[0], m[1]) for m in NEXUS_MUTATIONS
]


@pytest.mark.parametrize(("base", "sql"), [c[::2] for c in CORPUS], ids=[c[1] for c in CORPUS])
def test_every_diff_mutation(pg: PgServer, templates: dict[str, str], base: str, sql: str) -> None:
    name = _copy(pg, templates[base])
    try:
        dsn = pg.dsn(name)
        before, stats = take_incremental(dsn)
        assert stats.mode == "full"
        run_sql(dsn, sql)
        after, stats = _same_as_full(dsn, before)
        assert after.digest != before.digest
        assert stats.mode in ("incremental", "full")
    finally:
        pg.drop_db(name)


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="peer fixtures not found (../shared/peer)")
@pytest.mark.parametrize("case", CASES)
def test_every_migra_migration_statement(case: str, make_db: Callable[[str], str]) -> None:
    """a.sql, then expected.sql's statements one at a time (as far as they apply to a.sql
    alone), an incremental snapshot after each."""
    folder = FIXTURES / case
    dsn = make_db(PRELUDE + (folder / "a.sql").read_text())
    snap, _ = take_incremental(dsn)
    applied, failed = 0, ""
    for stmt in statements((folder / "expected.sql").read_text()):
        try:
            run_sql(dsn, stmt)
        except psycopg.Error as exc:
            failed = str(exc).splitlines()[0]
            break  # needs what a.sql lacks (another schema's objects, say): stop here
        applied += 1
        snap, _ = _same_as_full(dsn, snap)
    if not applied and failed:
        pytest.skip(f"the first statement of expected.sql does not apply to a.sql: {failed}")


@pytest.fixture
def tenants(make_db: Callable[[str], str]) -> str:
    """bench/gen_schema.py's schema with 30 tenant tables (each with an FK to
    organizations) and a view on one of them."""
    return make_db(
        generated_schema(30) + "create view public.chat_view as select * from public.chat_t00003;"
    )


def _changed(dsn: str, sql: str, previous: Snapshot) -> tuple[Snapshot, IncrementalStats]:
    run_sql(dsn, sql)
    return _same_as_full(dsn, previous)


def test_unchanged_catalog_is_reused(tenants: str) -> None:
    first, _ = take_incremental(tenants)
    again, stats = take_incremental(tenants, previous=first)
    assert stats.mode == "reused" and stats.reread == 0
    assert again.digest == first.digest


def test_one_table_alter_rereads_that_table(tenants: str) -> None:
    first, stats = take_incremental(tenants)
    assert (stats.mode, stats.reread) == ("full", stats.relations) and stats.relations == 31
    _, stats = _changed(tenants, "alter table public.call_t00005 add column note text", first)
    assert (stats.mode, stats.reread, stats.relations) == ("incremental", 1, 31)


def test_a_table_and_the_view_that_reads_it(tenants: str) -> None:
    first, _ = take_incremental(tenants)
    sql = "alter table public.chat_t00003 rename column id to chat_id"
    _, stats = _changed(tenants, sql, first)
    assert (stats.mode, stats.reread) == ("incremental", 2)  # the table and chat_view


def test_dropped_table_is_removed_without_rereading(tenants: str) -> None:
    first, _ = take_incremental(tenants)
    after, stats = _changed(tenants, "drop table public.po_t00009", first)
    assert (stats.mode, stats.reread, stats.relations) == ("incremental", 0, 30)
    assert "public.po_t00009" not in after.data["tables"]


def test_create_function_reads_in_full(tenants: str) -> None:
    first, _ = take_incremental(tenants)
    sql = "create function public.answer() returns int language sql as 'select 42'"
    _, stats = _changed(tenants, sql, first)
    assert stats.mode == "full" and stats.reason == "shared objects changed"


def test_a_change_most_tables_depend_on_reads_in_full(tenants: str) -> None:
    first, _ = take_incremental(tenants)
    sql = "alter table public.organizations rename column name to display_name"
    _, stats = _changed(tenants, sql, first)
    assert stats.mode == "full" and stats.reason == "most relations changed"


def test_a_snapshot_not_taken_incrementally_reads_in_full(tenants: str) -> None:
    plain = take_snapshot(tenants)
    snap, stats = take_incremental(tenants, previous=plain)
    assert stats.mode == "full" and "no fingerprints" in stats.reason
    assert snap.digest == plain.digest


def test_ddl_committed_mid_read_is_all_in_or_all_out(
    tenants: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A change committed while an incremental read runs (here: when its columns query is
    sent) gives the schema before or after it, never a mix, and the fingerprints kept with
    the result serve the next read correctly."""
    from driftwatch.introspect import driver

    first, _ = take_incremental(tenants)
    run_sql(tenants, "alter table public.call_t00005 add column one text")
    before = take_snapshot(tenants)
    real_query = driver.query
    fired: list[str] = []

    def query(kind: str, major: int = 999) -> str:
        if kind == "columns" and not fired:
            fired.append(kind)
            run_sql(tenants, "alter table public.ai_t00007 add column two text")
        return real_query(kind, major)

    monkeypatch.setattr(driver, "query", query)
    got, _ = take_incremental(tenants, previous=first)
    monkeypatch.setattr(driver, "query", real_query)
    assert fired == ["columns"]
    after = take_snapshot(tenants)
    assert got.digest in (before.digest, after.digest)
    _same_as_full(tenants, got)
