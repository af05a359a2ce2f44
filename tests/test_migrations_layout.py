"""Migration layouts, statement splitting, stub detection and reviewer wording (no server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from driftwatch.diff import wording
from driftwatch.migrations import layout, spec, sqltext, stubs
from driftwatch.migrations.errors import MigrationLayoutError


def _folder(tmp_path: Path, *names: str) -> Path:
    for n in names:
        (tmp_path / n).write_text("select 1;\n")
    return tmp_path


def _names(plan: layout.Plan) -> list[str]:
    return [m.name for m in plan.files]


def test_supabase_timestamps_in_order(tmp_path: Path) -> None:
    d = _folder(tmp_path, "20240301000000_b.sql", "20240101120000_a.sql", "README.md", ".gitkeep")
    plan = layout.detect(d)
    assert plan.layout == "supabase"
    assert _names(plan) == ["20240101120000_a.sql", "20240301000000_b.sql"]


def test_flyway_numeric_versions_then_repeatables_by_name(tmp_path: Path) -> None:
    d = _folder(
        tmp_path,
        "V1_10__ten.sql", "V1_9__nine.sql", "V2__two.sql", "V1.2.1__dotted.sql",
        "R__views.sql", "R__a_functions.sql", "U2__undo_two.sql",
    )  # fmt: skip
    plan = layout.detect(d)
    assert plan.layout == "flyway"
    assert _names(plan) == [
        "V1.2.1__dotted.sql", "V1_9__nine.sql", "V1_10__ten.sql", "V2__two.sql",
        "R__a_functions.sql", "R__views.sql",
    ]  # fmt: skip
    assert [m.repeatable for m in plan.files][-2:] == [True, True]


def test_flyway_trailing_zero_is_same_version(tmp_path: Path) -> None:
    with pytest.raises(MigrationLayoutError, match=r"same version: V1\.0__a\.sql, V1__b\.sql"):
        layout.detect(_folder(tmp_path, "V1.0__a.sql", "V1__b.sql"))


def test_numbered_compares_numerically(tmp_path: Path) -> None:
    plan = layout.detect(_folder(tmp_path, "10_c.sql", "9_b.sql", "001_a.sql"))
    assert plan.layout == "numbered"
    assert _names(plan) == ["001_a.sql", "9_b.sql", "10_c.sql"]


def test_single_file_and_folder_with_one_schema_file(tmp_path: Path) -> None:
    f = tmp_path / "schema.sql"
    f.write_text("create table t (id int);\n")
    assert layout.detect(f).layout == "single"
    assert layout.detect(tmp_path).layout == "single"


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (("V1__a.sql", "002_b.sql"), "mixed migration layouts"),
        (("001_a.sql", "seed.sql"), "unknown migration layout for seed.sql"),
        (("001_a.sql", "1_b.sql"), "same version"),
        (("U1__undo.sql",), "only Flyway undo"),
    ],
)
def test_bad_folders_are_clear_errors(tmp_path: Path, names: tuple[str, ...], message: str) -> None:
    with pytest.raises(MigrationLayoutError, match=message) as info:
        layout.detect(_folder(tmp_path, *names))
    assert info.value.exit_code == 2
    assert "\n" not in str(info.value)


def test_empty_and_missing(tmp_path: Path) -> None:
    with pytest.raises(MigrationLayoutError, match=r"no \.sql migration files"):
        layout.detect(tmp_path)
    with pytest.raises(MigrationLayoutError, match="does not exist"):
        layout.detect(tmp_path / "nope")


def test_split_keeps_bodies_whole_and_knows_lines() -> None:
    sql = (
        "-- header ü\n"
        "create table t (a text default ';');\n"
        "\n"
        "/* the function */\n"
        "create function f() returns int language sql as $$ select 1; select 2 $$;\n"
        "select 'é;';\n"
    )
    stmts = sqltext.split(sql)
    assert [s.line for s in stmts] == [2, 5, 6]
    assert stmts[1].text.endswith("select 1; select 2 $$")
    # a server position inside the second statement maps back to the file line
    pos = stmts[1].text.index("select 1") + 1
    assert sqltext.line_of_position(stmts[1], pos) == 5


def test_create_extension_found_by_parse_tree() -> None:
    (ext,) = [
        sqltext.create_extension(s)
        for s in sqltext.split(
            "-- c\ncreate extension if not exists vector with schema extensions;"
        )
    ]
    assert ext == sqltext.CreateExtension("vector", "extensions")
    assert sqltext.create_extension(sqltext.split("select 'create extension x'")[0]) is None


def test_stub_needs_come_from_mentions_not_from_text_in_strings() -> None:
    m = sqltext.mentions(
        "create policy p on t to authenticated using (owner = auth.uid());\n"
        "comment on table t is 'storage.objects and service_role are just words here';\n"
        "create function g() returns uuid language sql as $$ select auth.uid() $$;\n"
    )
    plan = stubs.needed(m)
    assert plan.schemas == ("auth",)
    assert plan.roles == ("authenticated",)


def test_no_stub_for_what_the_migrations_create_themselves() -> None:
    m = sqltext.mentions(
        "create schema if not exists auth; create function auth.uid() returns uuid language sql"
        " as $$ select null::uuid $$; create role anon;  grant usage on schema auth to anon;"
        " create extension citext with schema extensions;"
    )
    plan = stubs.needed(m)
    assert plan.schemas == ("extensions",)
    assert plan.roles == ()


@pytest.mark.parametrize(
    ("change", "old_is_migrations", "words"),
    [
        ("added", True, "in the database but not in the migrations"),
        ("removed", True, "in the migrations but not in the database"),
        ("added", False, "in the migrations but not in the database"),
        ("removed", False, "in the database but not in the migrations"),
        ("modified", True, "different"),
        ("renamed", False, "different"),
    ],
)
def test_reviewer_wording(change: str, old_is_migrations: bool, words: str) -> None:
    assert wording.describe({"change": change}, old_is_migrations) == words


def test_direction_of_specs() -> None:
    assert spec.direction("migrations:supabase/migrations", "postgresql://x/db") is True
    assert spec.direction("postgresql://x/db", "migrations:m") is False
    assert spec.direction("a.json", "b.json") is None
    with pytest.raises(ValueError):
        wording.describe({"change": "exploded"}, True)
