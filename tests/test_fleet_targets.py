"""Fleet targets: DSNs from env/files, discovery from a table in the store database,
per-target overrides, and the errors (one line, no credentials)."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from conftest import PgServer, run_sql

from driftwatch import config as configmod
from driftwatch.config import load as configload
from driftwatch.config.derive import resolve_dsn
from driftwatch.errors import ConfigError
from driftwatch.fleet import discover, expand_targets
from driftwatch.fleet.targets import target_from_row


def _url(pg: PgServer, db: str) -> str:
    p = psycopg.conninfo.conninfo_to_dict(pg.admin_dsn)
    user = p.get("user") or "postgres"
    return f"postgresql://{user}@{p.get('host') or '127.0.0.1'}:{p.get('port') or 5432}/{db}"


def test_dsn_from_env_file_or_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DW_T_DSN", " postgresql://u:secret@h/db \n")
    secret = tmp_path / "dsn"
    secret.write_text("host=h dbname=db password=secret\n")
    assert resolve_dsn(configmod.Target("a", dsn_env="DW_T_DSN")) == "postgresql://u:secret@h/db"
    assert (
        resolve_dsn(configmod.Target("b", dsn_file=str(secret)))
        == "host=h dbname=db password=secret"
    )
    assert resolve_dsn(configmod.Target("c", dsn="dbname=x")) == "dbname=x"
    with pytest.raises(ConfigError, match="DW_UNSET is not set"):
        resolve_dsn(configmod.Target("d", dsn_env="DW_UNSET"))
    with pytest.raises(ConfigError, match="dsn_file not found"):
        resolve_dsn(configmod.Target("e", dsn_file=str(tmp_path / "missing")))
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(ConfigError, match="is empty"):
        resolve_dsn(configmod.Target("f", dsn_file=str(tmp_path / "empty")))
    with pytest.raises(ConfigError, match="only one of dsn, dsn_env"):
        resolve_dsn(configmod.Target("g", dsn="x", dsn_env="DW_T_DSN"))


def test_rows_become_targets_with_overrides(tmp_path: Path) -> None:
    fleet = configmod.Fleet(schedule="every 5m", schemas=["public"], credentials_dir=str(tmp_path))
    t = target_from_row({"name": "acme", "dsn_env": "ACME_DSN"}, fleet, 0)
    assert (t.schedule, t.schemas, t.dsn_env) == ("every 5m", ["public"], "ACME_DSN")
    t = target_from_row(
        {
            "name": "big",
            "dsn_file": "big.dsn",
            "schedule": "every 1h",
            "schemas": "public, app",
            "exclude_schemas": ["tmp_*"],
            "baseline": "b.json",
            "docs_output": "docs/big",
        },
        fleet,
        1,
    )
    assert t.schedule == "every 1h" and t.schemas == ["public", "app"]
    assert t.exclude_schemas == ["tmp_*"] and t.baseline == "b.json" and t.docs_output == "docs/big"
    assert t.dsn_file == str(tmp_path.resolve() / "big.dsn")
    # NULL columns fall back to the defaults
    t = target_from_row({"name": "n", "dsn_env": "X", "schedule": None, "schemas": None}, fleet, 2)
    assert (t.schedule, t.schemas) == ("every 5m", ["public"])


@pytest.mark.parametrize(
    "row, message",
    [
        ({"name": "a", "dsn": "postgresql://u:pw@h/db"}, "credentials never come from the store"),
        ({"name": "a", "password": "pw", "dsn_env": "X"}, "credentials never come from the store"),
        ({"name": "a"}, "exactly one of dsn_env, dsn_file"),
        ({"name": "a", "dsn_env": "X", "dsn_file": "y"}, "exactly one of dsn_env, dsn_file"),
        ({"name": "", "dsn_env": "X"}, "'name' must be non-empty"),
        ({"name": "a", "dsn_env": "X", "colour": "red"}, "unknown column"),
        ({"name": "a", "dsn_file": "../../etc/passwd"}, "outside"),
        ({"name": "a", "dsn_env": "X", "schemas": 3}, r"expected text\[\]"),
    ],
)
def test_bad_rows(row: dict[str, object], message: str, tmp_path: Path) -> None:
    fleet = configmod.Fleet(credentials_dir=str(tmp_path))
    with pytest.raises(ConfigError, match=message) as err:
        target_from_row(row, fleet, 0)
    assert "pw@" not in str(err.value)


def test_discovery_from_the_store_database(
    pg: PgServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    name = pg.create_db("dw_discover")
    try:
        run_sql(
            pg.dsn(name),
            "create table tenants (name text, dsn_env text, schedule text, schemas text[],"
            " active bool);"
            "insert into tenants values ('beta', 'DW_BETA', null, '{public,billing}', true),"
            " ('alpha', 'DW_ALPHA', 'every 1m', null, true), ('gone', 'DW_GONE', null, null, false);",
        )
        monkeypatch.setenv("DW_ALPHA", "dbname=alpha")
        monkeypatch.setenv("DW_BETA", "dbname=beta")
        monkeypatch.setenv("DW_CONF", "dbname=conf")
        cfg = configload.from_dict(
            {
                "state_dir": str(tmp_path),
                "store_url": _url(pg, name),
                "targets": [
                    {"name": "beta", "dsn_env": "DW_CONF", "schedule": "every 10m"},
                    {"name": "static", "dsn": "dbname=static"},
                ],
                "fleet": {
                    "discover_sql": "select name, dsn_env, schedule, schemas from tenants"
                    " where active order by name",
                    "schedule": "every 30m",
                },
            }
        )
        found = discover(cfg)
        assert [(t.name, t.schedule, t.schemas) for t in found] == [
            ("alpha", "every 1m", ["*"]),
            ("beta", "every 30m", ["public", "billing"]),
        ]
        expanded = expand_targets(cfg)
        by_name = {t.name: t for t in expanded.targets}
        assert sorted(by_name) == ["alpha", "beta", "static"]
        # a configured target overrides the discovered row of the same name
        assert (by_name["beta"].dsn, by_name["beta"].schedule) == ("dbname=conf", "every 10m")
        assert by_name["alpha"].dsn == "dbname=alpha" and by_name["alpha"].dsn_env == ""

        # discover_sql is read-only
        bad = configload.from_dict(
            {
                "store_url": _url(pg, name),
                "fleet": {"discover_sql": "delete from tenants returning name, dsn_env"},
            }
        )
        with pytest.raises(ConfigError, match="read-only transaction"):
            discover(bad)
        with psycopg.connect(pg.dsn(name)) as conn:
            assert conn.execute("select count(*) from tenants").fetchone() == (3,)
        # a broken query is a one-line config error
        broken = configload.from_dict(
            {"store_url": _url(pg, name), "fleet": {"discover_sql": "select nope from tenants"}}
        )
        with pytest.raises(ConfigError, match=r"fleet.discover_sql failed: .*nope"):
            discover(broken)
    finally:
        pg.drop_db(name)


def test_discovery_needs_postgresql(tmp_path: Path) -> None:
    cfg = configload.from_dict({"state_dir": str(tmp_path), "fleet": {"discover_sql": "select 1"}})
    with pytest.raises(ConfigError, match="needs a PostgreSQL database"):
        discover(cfg)


def test_target_flag_uses_dsn_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """``--target NAME`` of the other commands resolves dsn_env too."""
    import argparse

    from driftwatch.commands._common import live_source

    monkeypatch.setenv("DW_ONE", "dbname=one")
    cfg = configload.from_dict({"targets": [{"name": "one", "dsn_env": "DW_ONE"}]})
    src = live_source(
        argparse.Namespace(target="one", dsn=None, schemas=None, exclude_schemas=None), cfg
    )
    assert src is not None and src.dsn == "dbname=one"
