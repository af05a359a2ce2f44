"""A baseline taken from another database must never be used silently.

Contract (decided here, issue 8): when the documented baseline's ``meta.database`` differs
from the database it is compared with, ``driftwatch diff baseline <dsn>`` prints a warning
line on stderr naming both databases (the diff itself still runs: comparing production
with a baseline accepted on staging can be intended), and ``serve`` logs a warning event
naming both. Comparing with a baseline of the *same* database prints no such line.

``serve`` has the check (a ``baseline.mismatch`` warning event, once per baseline version).
``diff`` prints one warning line naming both databases and still diffs (comparing staging
with production is a real use).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import orjson
import psycopg


def _db(dsn: str) -> str:
    return str(psycopg.conninfo.conninfo_to_dict(dsn)["dbname"])


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "driftwatch", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _setup(tmp: Path, make_db: Callable[[str], str]) -> tuple[str, str, Path]:
    a = make_db("create table public.accounts (id int, organization_id uuid not null);")
    b = make_db("create table public.invoices (id int, organization_id uuid not null);")
    base = tmp / "baseline.json"
    proc = _cli(tmp, "baseline", "accept", "--dsn", a, "--file", str(base))
    assert proc.returncode == 0, proc.stderr
    assert orjson.loads(base.read_bytes())["meta"]["database"] == _db(a)
    (tmp / "cfg.toml").write_text(f'[docs]\nbaseline = "{base}"\n')
    return a, b, base


def _mentions_both(line: str, a: str, b: str) -> bool:
    return _db(a) in line and _db(b) in line


def test_diff_against_baseline_of_another_database_warns(
    tmp_path: Path, make_db: Callable[[str], str]
) -> None:
    a, b, _ = _setup(tmp_path, make_db)
    proc = _cli(tmp_path, "diff", "--config", "cfg.toml", "baseline", b)
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if _mentions_both(ln, a, b)]
    assert len(lines) == 1, proc.stderr  # one clear line naming both databases
    assert lines[0].startswith("driftwatch: ") and ("warning" in lines[0] or "error" in lines[0])
    assert proc.returncode in (1, 2)


def test_diff_against_baseline_of_the_same_database_has_no_warning(
    tmp_path: Path, make_db: Callable[[str], str]
) -> None:
    a, _b, _ = _setup(tmp_path, make_db)
    proc = _cli(tmp_path, "diff", "--config", "cfg.toml", "baseline", a)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stderr == ""


def _serve_events(tmp: Path, live: str, base: Path) -> list[dict[str, object]]:
    cfg = tmp / "serve.toml"
    cfg.write_text(
        f'state_dir = "{tmp / "state"}"\n[server]\nlisten = "127.0.0.1:0"\n'
        f'[[targets]]\nname = "b"\ndsn = "{live}"\nbaseline = "{base}"\n'
    )
    proc = _cli(tmp, "serve", "--config", str(cfg), "--once", "--log-format", "json")
    assert proc.returncode == 0, proc.stderr
    events = [orjson.loads(ln) for ln in proc.stderr.splitlines() if ln.startswith("{")]
    assert any(e["event"] == "run.finished" for e in events)  # the run itself goes on
    return events


def test_serve_with_baseline_of_another_database_logs_a_warning(
    tmp_path: Path, make_db: Callable[[str], str]
) -> None:
    a, b, base = _setup(tmp_path, make_db)
    events = _serve_events(tmp_path, b, base)
    warned = [
        e
        for e in events
        if e["level"] == "warning" and _mentions_both(orjson.dumps(e).decode(), a, b)
    ]
    assert len(warned) == 1, events
    assert warned[0]["event"] == "baseline.mismatch"


def test_serve_with_baseline_of_the_same_database_does_not_warn(
    tmp_path: Path, make_db: Callable[[str], str]
) -> None:
    a, _b, base = _setup(tmp_path, make_db)
    events = _serve_events(tmp_path, a, base)
    assert not [e for e in events if e["level"] in ("warning", "error")], events
