"""``driftwatch diff``, ``baseline accept``, ``snapshot --target`` + ``history`` end to end
on the real PostgreSQL server: exit codes, outputs, the store and the baseline file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from conftest import run_sql

from driftwatch.cli import main

SQL = """
create table public.orgs (id int primary key, name text not null);
create table public.items (id int primary key, org_id int not null references public.orgs(id),
                           label text);
alter table public.items enable row level security;
"""


def _config(tmp_path: Path, dsn: str, **extra: str) -> Path:
    cfg = tmp_path / "driftwatch.toml"
    lines = [
        f'state_dir = "{tmp_path / "state"}"',
        "[[targets]]",
        'name = "prod"',
        f'dsn = "{dsn}"',
        "[docs]",
        f'baseline = "{tmp_path / "docs" / "schema.json"}"',
    ]
    lines += [f"{k} = {v}" for k, v in extra.items()]
    cfg.write_text("\n".join(lines) + "\n")
    return cfg


def test_diff_files_exit_codes_and_formats(
    make_db: Callable[[str], str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dsn = make_db(SQL)
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert main(["snapshot", "--dsn", dsn, "-o", str(a)]) == 0
    assert main(["diff", str(a), str(a)]) == 0
    assert "no changes" in capsys.readouterr().out
    run_sql(
        dsn,
        "alter table public.items disable row level security; "
        "alter table public.items add column qty int",
    )
    assert main(["snapshot", "--dsn", dsn, "-o", str(b)]) == 0
    capsys.readouterr()
    assert main(["diff", str(a), str(b)]) == 1
    text = capsys.readouterr().out
    assert "public.items" in text and "[security]" in text and "\033[" not in text
    assert main(["diff", str(a), str(b), "--format", "json", "-o", str(tmp_path / "d.json")]) == 1
    doc = orjson.loads((tmp_path / "d.json").read_bytes())
    assert doc["format"] == "driftwatch.diff/1"
    assert {(c["kind"], c["object"], c["change"]) for c in doc["changes"]} == {
        ("rls", "public.items", "modified"),
        ("column", "public.items.qty", "added"),
    }
    assert main(["diff", str(a), str(b), "--format", "markdown"]) == 1
    assert capsys.readouterr().out.startswith("### Schema drift: 2 changes")
    # a live side against a file
    assert main(["diff", str(b), dsn]) == 0
    assert (
        main(
            [
                "diff",
                str(a),
                str(b),
                "--ignore-kind",
                "rls",
                "--ignore-object",
                "public.items.qty",
                "-v",
            ]
        )
        == 0
    )
    assert "ignored 2 change(s)" in capsys.readouterr().out


def test_diff_bad_input_is_exit_2_unreachable_is_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diff", str(tmp_path / "missing.json"), str(tmp_path / "x.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "driftwatch.snapshot/1", "digest": "x"')
    assert main(["diff", str(bad), str(bad)]) == 2
    assert main(["diff", str(bad), str(bad), "--ignore-kind", "nonsense"]) == 2
    assert "unknown change kind" in capsys.readouterr().err
    dead = "postgresql://nobody:hunter2@127.0.0.1:1/x?connect_timeout=2"
    assert main(["diff", dead, dead]) == 3
    err = capsys.readouterr().err
    assert "hunter2" not in err


def test_baseline_accept_snapshot_store_history_and_diff_baseline_last(
    make_db: Callable[[str], str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dsn = make_db(SQL)
    cfg = str(_config(tmp_path, dsn))
    # no baseline yet: a clear error, not an empty schema
    assert main(["diff", "baseline", dsn, "--config", cfg]) == 2
    assert "no baseline" in capsys.readouterr().err
    assert main(["baseline", "accept", "--target", "prod", "--config", cfg]) == 0
    assert (tmp_path / "docs" / "schema.json").is_file()
    assert main(["diff", "baseline", dsn, "--config", cfg]) == 0
    # 'last' needs a stored snapshot
    assert main(["diff", "baseline", "last", "--config", cfg]) == 2
    assert "no stored snapshot for target 'prod'" in capsys.readouterr().err
    assert (
        main(["snapshot", "--target", "prod", "--config", cfg, "-o", str(tmp_path / "s1.json")])
        == 0
    )
    assert main(["diff", "baseline", "last", "--config", cfg]) == 0
    run_sql(dsn, "create policy items_all on public.items for all to public using (true)")
    assert (
        main(["snapshot", "--target", "prod", "--config", cfg, "-o", str(tmp_path / "s2.json")])
        == 0
    )
    assert (
        main(["snapshot", "--target", "prod", "--config", cfg, "-o", str(tmp_path / "s3.json")])
        == 0
    )
    capsys.readouterr()
    assert main(["diff", "baseline", "last", "--config", cfg]) == 1
    assert "policy items_all added" in capsys.readouterr().out
    assert main(["diff", "baseline", "last:prod", "--config", cfg, "--format", "json"]) == 1
    capsys.readouterr()
    assert main(["history", "--config", cfg]) == 0
    out = capsys.readouterr().out
    assert out.startswith("prod\n")
    lines = out.splitlines()[1:]
    assert len(lines) == 3  # three runs, newest first
    assert "no changes" in lines[0] and "1 changes (1 security)" in lines[1]
    assert "2 tables" in lines[0]
    assert main(["history", "--config", cfg, "--snapshots", "--format", "json"]) == 0
    doc = orjson.loads(capsys.readouterr().out)
    assert len(doc["targets"]["prod"]) == 2  # deduped by digest
    # accepting again makes the drift go away
    assert main(["baseline", "accept", "--target", "prod", "--config", cfg]) == 0
    assert main(["diff", "baseline", "last", "--config", cfg]) == 0


def test_corrupt_baseline_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _config(tmp_path, "postgresql://127.0.0.1:1/none")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "schema.json").write_text("{not json")
    assert main(["diff", "baseline", "baseline", "--config", str(cfg)]) == 2
    assert "not valid JSON" in capsys.readouterr().err


def test_snapshot_failure_is_recorded_as_error_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = str(_config(tmp_path, "postgresql://nobody:pw@127.0.0.1:1/none?connect_timeout=2"))
    assert main(["snapshot", "--target", "prod", "--config", cfg]) == 3
    capsys.readouterr()
    assert main(["history", "--target", "prod", "--config", cfg]) == 0
    out = capsys.readouterr().out
    assert "error" in out and "pw@" not in out
