"""``driftwatch init`` on the Nexus sample (claim style) and on Basejump + an app
(membership style): what it infers, that the file loads and fits the database, that it is
deterministic, atomic and never replaces a file without --force; and the one-line hint
``check`` prints when there is no config and the defaults plainly do not fit."""

from __future__ import annotations

import tomllib
from pathlib import Path

import psycopg
import pytest
from conftest import PgServer
from psycopg.conninfo import conninfo_to_dict
from rules_helpers import audit, load_basejump

from driftwatch.cli import main


@pytest.fixture(scope="module")
def basejump_db(pg: PgServer):  # type: ignore[no-untyped-def]
    name = pg.create_db("dw_init_bj")
    try:
        load_basejump(pg.dsn(name))
        yield pg.dsn(name)
    finally:
        pg.drop_db(name)


def _init(dsn: str, out: Path, *extra: str) -> dict:  # type: ignore[type-arg]
    assert main(["init", "--dsn", dsn, "-o", str(out), *extra]) == 0
    return tomllib.loads(out.read_text())


def test_nexus_is_claim_style(nexus_db: str, tmp_path: Path) -> None:
    out = tmp_path / "driftwatch.toml"
    data = _init(nexus_db, out)
    t = data["tenancy"]
    assert t["column"] == "organization_id"
    assert t["root_table"] == "public.organizations"
    assert t["claim"] == "auth.jwt() -> 'app_metadata' ->> 'organization_id'"
    assert t["exposed_schemas"] == [
        "public"
    ]  # pgrst.db_schemas unset: public and the RLS tables' schemas
    assert [e["table"] for e in t["exempt"]] == [
        "public.platform_announcements",
        "public.platform_feature_flags",
        "public.platform_plans",
        "public.platform_settings",
    ]
    text = out.read_text()
    assert "Scoping style: the JWT claim" in text
    # the written config fits: the clean sample has no error under it
    assert [f for f in audit(nexus_db, data) if f.severity == "error"] == []


def test_basejump_is_membership_style(basejump_db: str, tmp_path: Path) -> None:
    out = tmp_path / "driftwatch.toml"
    data = _init(basejump_db, out)
    t = data["tenancy"]
    assert t["column"] == "account_id"
    assert t["root_table"] == "basejump.accounts"
    assert "claim" not in t
    assert t["exposed_schemas"] == ["basejump", "public"]
    assert [e["table"] for e in t["exempt"]] == ["basejump.config"]
    text = out.read_text()
    assert "A row of\n# basejump.account_user (account_id, and user_id bound to the caller)" in text
    assert "basejump.has_role_on_account(account_id), whose body does that join" in text

    # under it, exactly the three planted loose policies are errors
    errors = sorted(f.object for f in audit(basejump_db, data) if f.severity == "error")
    assert errors == [
        "public.files.files_read",
        "public.invoices.invoices_read",
        "public.reports.reports_read",
    ]


def test_output_is_deterministic_and_stdout_works(
    basejump_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = _init(basejump_db, tmp_path / "a.toml")
    assert main(["init", "--dsn", basejump_db, "-o", "-"]) == 0
    printed = capsys.readouterr().out
    assert printed == (tmp_path / "a.toml").read_text()
    assert tomllib.loads(printed) == first


def test_refuses_to_replace_without_force(
    basejump_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "driftwatch.toml"
    out.write_text("# mine\n")
    assert main(["init", "--dsn", basejump_db, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "exists: use --force" in err and len(err.strip().splitlines()) == 1
    assert out.read_text() == "# mine\n"
    assert main(["init", "--dsn", basejump_db, "-o", str(out), "--force"]) == 0
    assert out.read_text().startswith("# driftwatch configuration inferred")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["driftwatch.toml"]  # no temp left


def test_schemas_the_setting_leaves_out_are_named(
    pg: PgServer, basejump_db: str, tmp_path: Path
) -> None:
    name = conninfo_to_dict(basejump_db)["dbname"]
    with psycopg.connect(pg.admin_dsn, autocommit=True) as conn:
        conn.execute(f"ALTER DATABASE \"{name}\" SET pgrst.db_schemas = 'public, graphql_public'")  # type: ignore[arg-type]
    try:
        out = tmp_path / "c.toml"
        data = _init(basejump_db, out)
        assert data["tenancy"]["exposed_schemas"] == ["graphql_public", "public"]
        assert "exempt" not in data["tenancy"]  # basejump.config is global, but not served
        text = out.read_text()
        assert "# Not served, yet holding RLS tables with the tenant column: basejump\n" in text
    finally:
        with psycopg.connect(pg.admin_dsn, autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{name}" RESET pgrst.db_schemas')  # type: ignore[arg-type]


def test_exposed_schemas_from_the_database_setting_or_guessed(
    pg: PgServer, other_claim_db: str, tmp_path: Path
) -> None:
    out = tmp_path / "c.toml"
    assert _init(other_claim_db, out)["tenancy"]["exposed_schemas"] == ["public"]
    assert "pgrst.db_schemas is not set here" in out.read_text()
    name = conninfo_to_dict(other_claim_db)["dbname"]
    with psycopg.connect(pg.admin_dsn, autocommit=True) as conn:
        conn.execute(f"ALTER DATABASE \"{name}\" SET pgrst.db_schemas = 'public, api'")  # type: ignore[arg-type]
    try:
        data = _init(other_claim_db, out, "--force")
        assert data["tenancy"]["exposed_schemas"] == ["api", "public"]
        assert "from pgrst.db_schemas" in out.read_text()
    finally:
        with psycopg.connect(pg.admin_dsn, autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{name}" RESET pgrst.db_schemas')  # type: ignore[arg-type]


def test_unreachable_database_is_exit_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dsn = "postgresql://nobody:s3cret@127.0.0.1:1/none?connect_timeout=2"
    assert main(["init", "--dsn", dsn, "-o", str(tmp_path / "x.toml")]) == 3
    err = capsys.readouterr().err
    assert "s3cret" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.toml").exists()


def test_check_without_config_points_to_init(
    basejump_db: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # no config/driftwatch.toml here
    main(["check", "--dsn", basejump_db])
    hints = [line for line in capsys.readouterr().err.splitlines() if "hint:" in line]
    assert hints == [
        "driftwatch: hint: no table has organization_id; 13 tables share account_id ->"
        " basejump.accounts: run `driftwatch init --dsn DSN` to write a config for this database"
    ]
    (tmp_path / "cfg.toml").write_text('[tenancy]\ncolumn = "account_id"\n')
    main(["check", "--dsn", basejump_db, "--config", str(tmp_path / "cfg.toml")])
    assert "hint:" not in capsys.readouterr().err


def test_check_on_the_nexus_sample_gives_no_hint(
    nexus_db: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    main(["check", "--dsn", nexus_db])
    assert "hint:" not in capsys.readouterr().err


OTHER_CLAIM = "((select auth.jwt()) ->> 'org_id')::uuid"


@pytest.fixture(scope="module")
def other_claim_db(pg: PgServer):  # type: ignore[no-untyped-def]
    from conftest import run_sql
    from rules_helpers import PRELUDE

    name = pg.create_db("dw_init_claim")
    sql = PRELUDE + "create table public.organizations (id uuid primary key);\n"
    sql += "alter table public.organizations enable row level security;\n"
    sql += f"create policy o on public.organizations for select to authenticated using (id = {OTHER_CLAIM});\n"
    for t in ("projects", "tasks", "files"):
        sql += (
            f"create table public.{t} (id uuid primary key,"
            f" organization_id uuid not null references public.organizations (id));\n"
            f"alter table public.{t} enable row level security;\n"
            f"create policy {t}_all on public.{t} for all to authenticated"
            f" using (organization_id = {OTHER_CLAIM});\n"
        )
    try:
        run_sql(pg.dsn(name), sql)
        yield pg.dsn(name)
    finally:
        pg.drop_db(name)


def test_another_claim_is_found_and_hinted(
    other_claim_db: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    main(["check", "--dsn", other_claim_db])
    hints = [line for line in capsys.readouterr().err.splitlines() if "hint:" in line]
    assert hints == [
        "driftwatch: hint: no policy compares organization_id with the configured claim; 3 tables"
        " compare it with auth.jwt() ->> 'org_id': run `driftwatch init --dsn DSN` to"
        " write a config for this database"
    ]
    data = _init(other_claim_db, tmp_path / "c.toml")
    assert data["tenancy"]["claim"] == "auth.jwt() ->> 'org_id'"
    assert [f for f in audit(other_claim_db, data) if f.severity == "error"] == []
