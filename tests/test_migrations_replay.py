"""Replay into a scratch database on the test server (``scratch_url``): layouts, stubs,
skipped extensions, failing migrations, the cache, and ``snapshot_specs.resolve``."""

from __future__ import annotations

import logging
from pathlib import Path

import psycopg
import pytest
from conftest import PgServer

from driftwatch import config as configmod
from driftwatch import snapshot_specs
from driftwatch.config import load as configload
from driftwatch.introspect import take_snapshot
from driftwatch.migrations import MigrationFailed
from driftwatch.migrations.replay import DB_PREFIX, replay

SCHEMA = """\
create table public.accounts (id bigint generated always as identity primary key, name text not null);
create table public.notes (
  id bigint generated always as identity primary key,
  account_id bigint not null references public.accounts(id),
  body text
);
create index notes_account_idx on public.notes (account_id);
alter table public.notes add column pinned boolean not null default false;
create view public.note_counts as select account_id, count(*) as n from public.notes group by account_id;
"""


def _write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def _leftover_dbs(pg: PgServer) -> list[str]:
    with psycopg.connect(pg.admin_dsn, autocommit=True) as conn:
        rows = conn.execute(
            "select datname from pg_database where datname like %s", [DB_PREFIX + "%"]
        )
        return [r[0] for r in rows]


@pytest.fixture(autouse=True)
def no_leftover_scratch_db(pg: PgServer) -> None:
    before = set(_leftover_dbs(pg))
    yield
    assert set(_leftover_dbs(pg)) <= before, "a scratch database was left behind"


def _statements(sql: str) -> list[str]:
    return [s.strip() + ";" for s in sql.split(";\n") if s.strip()]  # test data: one per line-end


@pytest.mark.parametrize(
    "names",
    [
        ["20240101000000_accounts.sql", "20240102000000_notes.sql", "20240103000000_more.sql"],
        ["V1__accounts.sql", "V1_1__notes.sql", "V2__more.sql"],
        ["001_accounts.sql", "002_notes.sql", "010_more.sql"],
        ["schema.sql"],
    ],
    ids=["supabase", "flyway", "numbered", "single"],
)
def test_every_layout_builds_the_same_schema(
    tmp_path: Path, pg: PgServer, make_db, names: list[str]
) -> None:
    stmts = _statements(SCHEMA)
    chunks = [stmts[:1], stmts[1:3], stmts[3:]] if len(names) == 3 else [stmts]
    folder = _write(
        tmp_path / "m", {n: "\n".join(c) + "\n" for n, c in zip(names, chunks, strict=True)}
    )
    replayed = replay(folder, scratch_url=pg.admin_dsn, cache_dir=None)
    direct = take_snapshot(make_db(SCHEMA))
    assert replayed.digest == direct.digest
    assert replayed.meta.database == f"migrations:{folder}"


def test_flyway_repeatables_run_after_versioned(tmp_path: Path, pg: PgServer) -> None:
    folder = _write(
        tmp_path / "fw",
        {
            "R__view.sql": "create or replace view public.v as select id, label from public.t;\n",
            "V1__t.sql": "create table public.t (id int);\n",
            "V1_10__label.sql": "alter table public.t add column label text;\n",
            "V1_9__comment.sql": "comment on table public.t is 'nine';\n",
        },
    )
    snap = replay(folder, scratch_url=pg.admin_dsn, cache_dir=None)
    assert list(snap.objects.views["public.v"].columns) == ["id", "label"]


def test_supabase_platform_pieces_are_stubbed(tmp_path: Path, pg: PgServer) -> None:
    folder = _write(
        tmp_path / "sb",
        {
            "20240101000000_profiles.sql": """\
create table public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  name text
);
alter table public.profiles enable row level security;
create policy own on public.profiles for select to authenticated using ((select auth.uid()) = id);
create policy svc on public.profiles for all to service_role using (true);
grant select on public.profiles to anon;
create function public.claims() returns jsonb language sql stable as $$ select auth.jwt() $$;
insert into storage.buckets (id, name, public) values ('avatars', 'avatars', true);
create policy avatar_read on storage.objects for select to anon
  using (bucket_id = 'avatars' and (storage.foldername(name))[1] = 'public');
create extension if not exists citext with schema extensions;
""",
        },
    )
    snap = replay(folder, scratch_url=pg.admin_dsn, cache_dir=None)
    profiles = snap.objects.tables["public.profiles"]
    assert profiles.constraints["profiles_id_fkey"].references.table == "auth.users"
    assert profiles.policies["own"].roles == ("authenticated",)
    assert "auth" not in snap.meta.schemas and "storage" not in snap.meta.schemas


def test_uninstallable_extension_is_reported_and_skipped(
    tmp_path: Path, pg: PgServer, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _write(
        tmp_path / "ext",
        {
            "001_ext.sql": "create extension if not exists pg_net;\n\ncreate table public.t (id int);\n",
        },
    )
    snap = replay(folder, scratch_url=pg.admin_dsn, cache_dir=None)
    assert "public.t" in snap.objects.tables
    err = capsys.readouterr().err
    assert "warning: 001_ext.sql:1: extension 'pg_net' is not installable" in err


def test_failing_migration_names_file_line_and_server_message(tmp_path: Path, pg: PgServer) -> None:
    folder = _write(
        tmp_path / "bad",
        {
            "001_ok.sql": "create table public.t (id int);\n",
            "002_bad.sql": (
                "-- adds a column\n"
                "alter table public.t add column a int;\n"
                "\n"
                "insert into public.t (id)\n"
                "  select missing_col from public.t;\n"
            ),
        },
    )
    with pytest.raises(MigrationFailed) as info:
        replay(folder, scratch_url=pg.admin_dsn, cache_dir=None)
    # the server's position inside the statement maps to the file's line 5
    assert str(info.value) == (
        'migration 002_bad.sql:5 failed to apply: column "missing_col" does not exist'
    )
    assert info.value.exit_code == 2
    # an error without a position points at the statement's first line
    (folder / "002_bad.sql").write_text(
        "\n-- c\nalter table public.t\n  add column b int references public.missing (id);\n"
    )
    with pytest.raises(
        MigrationFailed,
        match=r'^migration 002_bad.sql:3 failed to apply: relation "public.missing" does not exist$',
    ):
        replay(folder, scratch_url=pg.admin_dsn, cache_dir=None)


def test_failure_without_position_points_at_the_statement(tmp_path: Path, pg: PgServer) -> None:
    folder = _write(tmp_path / "div", {"001_x.sql": "select 1;\n\n  select 1 / 0;\n"})
    with pytest.raises(
        MigrationFailed, match=r"^migration 001_x.sql:3 failed to apply: division by zero$"
    ):
        replay(folder, scratch_url=pg.admin_dsn, cache_dir=None)


def test_cache_hit_miss_and_corrupt_entry(
    tmp_path: Path, pg: PgServer, caplog: pytest.LogCaptureFixture
) -> None:
    folder = _write(tmp_path / "c", {"001_t.sql": "create table public.t (id int);\n"})
    cache_dir = tmp_path / "state" / "migrations"
    caplog.set_level(logging.INFO, logger="driftwatch.migrations")

    first = replay(folder, scratch_url=pg.admin_dsn, cache_dir=cache_dir)
    (entry,) = cache_dir.glob("*.json")
    assert "applying 001_t.sql" in caplog.text
    caplog.clear()

    second = replay(folder, scratch_url=pg.admin_dsn, cache_dir=cache_dir)
    assert second.digest == first.digest
    assert "cached replay" in caplog.text and "applying" not in caplog.text
    caplog.clear()

    # a changed migration is a miss
    (folder / "002_u.sql").write_text("create table public.u (id int);\n")
    third = replay(folder, scratch_url=pg.admin_dsn, cache_dir=cache_dir)
    assert "public.u" in third.objects.tables and "applying 002_u.sql" in caplog.text
    assert len(list(cache_dir.glob("*.json"))) == 2
    caplog.clear()

    # a corrupt entry is ignored and rebuilt
    (folder / "002_u.sql").unlink()
    entry.write_bytes(b'{"format": "driftwatch.snapshot/1", "dig')
    fourth = replay(folder, scratch_url=pg.admin_dsn, cache_dir=cache_dir)
    assert fourth.digest == first.digest and "applying 001_t.sql" in caplog.text
    assert replay(folder, scratch_url=pg.admin_dsn, cache_dir=cache_dir).digest == first.digest
    assert not list(cache_dir.glob(".*.tmp"))


def test_sources_resolve_and_config(tmp_path: Path, pg: PgServer) -> None:
    folder = _write(tmp_path / "r", {"001_t.sql": "create table public.t (id int);\n"})
    cfg = configload.from_dict(
        {"state_dir": str(tmp_path / "state"), "migrations": {"scratch_url": pg.admin_dsn}}
    )
    snap = snapshot_specs.resolve(f"migrations:{folder}", cfg)
    assert list(snap.objects.tables) == ["public.t"]
    assert list((tmp_path / "state" / "migrations").glob("*.json"))


def test_unknown_server_kind_is_a_config_error(tmp_path: Path) -> None:
    folder = _write(tmp_path / "k", {"001_t.sql": "select 1;\n"})
    cfg = configload.from_dict({"migrations": {"server": "docker"}})
    with pytest.raises(configmod.ConfigError, match=r"migrations\.server"):
        snapshot_specs.resolve(f"migrations:{folder}", cfg)
