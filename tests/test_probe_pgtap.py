"""``driftwatch probe --emit pgtap DIR``: the probe's attacks as pgTAP files, run with
``pg_prove`` against real databases: they pass on the clean Nexus sample, fail (naming
the role and attack) where a hole is planted, and leave nothing behind."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from conftest import run_sql

from driftwatch.cli import main

TABLES = ("organizations", "orders", "order_notes", "chats", "customers")


def _pgtap_available(dsn: str) -> bool:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("select 1 from pg_available_extensions where name = 'pgtap'").fetchone()
    return row is not None


def _prove(dsn: str, files: list[Path]) -> subprocess.CompletedProcess[str]:
    params = psycopg.conninfo.conninfo_to_dict(dsn)
    cmd = ["pg_prove", "-d", str(params["dbname"]), "-U", str(params.get("user") or "postgres")]
    if params.get("host"):
        cmd += ["-h", str(params["host"])]
    if params.get("port"):
        cmd += ["-p", str(params["port"])]
    return subprocess.run(
        [*cmd, "--verbose", *map(str, files)], capture_output=True, text=True, timeout=300
    )


def test_pgtap_files_pass_on_clean_fail_on_a_hole(
    nexus_db: str, copy_db: Callable[[str], str], tmp_path: Path
) -> None:
    if shutil.which("pg_prove") is None or not _pgtap_available(nexus_db):
        pytest.skip("pg_prove / the pgtap extension are not installed (scripts/ensure-tools.sh)")
    out = tmp_path / "tap"
    args = ["probe", "--dsn", nexus_db, "--allow-writes", "-o", str(tmp_path / "report.txt")]
    args += [x for t in TABLES for x in ("--tables", t)]
    args += ["--config", str(_config(tmp_path)), "--emit", "pgtap", str(out)]
    assert main(args) == 0
    files = sorted(out.glob("*.sql"))
    assert [f.name for f in files] == sorted(f"public.{t}.sql" for t in TABLES)
    text = (out / "public.order_notes.sql").read_text()
    assert text.count("SELECT is(") >= 10 and "ROLLBACK;" in text and "SET LOCAL ROLE" in text

    clean = _prove(nexus_db, files)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "All tests successful" in clean.stdout
    with psycopg.connect(nexus_db) as conn:  # rolled back: no helper schema, no extension
        left = conn.execute(
            "select (select count(*) from pg_namespace where nspname = 'driftwatch_tap'),"
            " (select count(*) from pg_extension where extname = 'pgtap')"
        ).fetchone()
    assert left == (0, 0)

    holed = copy_db(nexus_db)
    run_sql(holed, "alter policy chats_select on public.chats using (true);")
    run_sql(holed, "alter table public.customers disable row level security;")
    broken = _prove(holed, files)
    assert broken.returncode != 0
    failed = [line for line in broken.stdout.splitlines() if line.startswith("not ok")]
    assert any(
        "authenticated: tenant B cannot SELECT tenant A's row on public.chats" in x for x in failed
    )
    assert any("on public.customers" in x and "DELETE" in x for x in failed)
    assert not [x for x in failed if "public.orders" in x or "order_notes" in x]


def test_emit_rejects_unknown_format_and_a_file(
    nexus_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["probe", "--dsn", nexus_db, "--allow-writes", "--tables", "orders"]
    assert main([*base, "--emit", "junit", str(tmp_path)]) == 2
    assert "unknown format 'junit'" in capsys.readouterr().err
    f = tmp_path / "file"
    f.write_text("")
    assert main([*base, "--emit", "pgtap", str(f)]) == 2


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "probe.toml"
    path.write_text(
        """[probe]\nclaims = '{"app_metadata": {"org_role": "owner"}}'\n"""
        "exclude_tables = []\n"
    )
    return path
