"""The CLI as a person at a terminal meets it: progress bars on a terminal only (and never
with --quiet), plain-text --help, and the history store in the per-user state directory,
never the working directory."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

import driftwatch
from driftwatch import config as configmod
from driftwatch.cli import command_names, main
from driftwatch.config import load as configload

SCHEMA = """
create table public.organizations (id uuid primary key);
create table public.projects (id uuid primary key, organization_id uuid not null
  references public.organizations (id));
"""


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "DRIFTWATCH_"))}
    env["HOME"] = str(tmp / "home")
    env["COLUMNS"] = "100"
    return env


def _on_a_terminal(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """Run ``driftwatch ARGS`` with stderr on a pseudo-terminal; exit code and what it drew."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "driftwatch", *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=slave,
    )
    os.close(slave)
    seen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed its side
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    return proc.wait(timeout=120), seen.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def snapfile(fresh_db: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import run_sql

    run_sql(fresh_db, SCHEMA)
    path = tmp_path_factory.mktemp("snap") / "snap.json"
    driftwatch.write(driftwatch.take(fresh_db), path)
    return path


@pytest.mark.parametrize(
    ("command", "label", "unit"),
    [(["docs", "-o", "out"], "docs", "page"), (["check"], "audit", "rule")],
)
def test_progress_only_on_a_terminal(
    snapfile: Path, tmp_path: Path, command: list[str], label: str, unit: str
) -> None:
    args = [*command, "--snapshot", str(snapfile)]
    env = _env(tmp_path)
    _, drawn = _on_a_terminal(args, tmp_path, env)
    assert f"{label}:" in drawn and "\r" in drawn  # a tqdm bar, redrawn in place
    assert f"{unit}/s]" in drawn
    _, quiet = _on_a_terminal([*args, "--quiet"], tmp_path, env)
    assert label + ":" not in quiet and "\r" not in quiet
    piped = subprocess.run(
        [sys.executable, "-m", "driftwatch", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert "\r" not in piped.stderr and "%|" not in piped.stderr  # not a terminal: no bar


def test_help_is_plain_text(capsys: pytest.CaptureFixture[str]) -> None:
    for name in ["", *command_names()]:
        with pytest.raises(SystemExit):
            main([name, "--help"] if name else ["--help"])
        text = capsys.readouterr().out
        assert text.startswith("usage: driftwatch") and "``" not in text, name


def test_state_dir_defaults_to_the_user_state_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DRIFTWATCH_STATE_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    assert configmod.Config().state_path == tmp_path / "home" / ".local" / "state" / "driftwatch"
    monkeypatch.setenv("XDG_STATE_HOME", "relative/ignored")  # the XDG spec: absolute only
    assert configmod.Config().state_path == tmp_path / "home" / ".local" / "state" / "driftwatch"
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert configmod.Config().state_path == tmp_path / "xdg" / "driftwatch"
    monkeypatch.setenv("DRIFTWATCH_STATE_DIR", str(tmp_path / "own"))
    assert configmod.Config().state_path == tmp_path / "own"
    assert configload.from_dict({"state_dir": "st"}).state_path == Path("st")


def test_history_store_is_never_created_in_the_working_directory(
    fresh_db: str, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "dw.toml").write_text(f'[[targets]]\nname = "prod"\ndsn = "{fresh_db}"\n')
    env = _env(tmp_path)
    for args in (["snapshot", "--target", "prod", "-o", "s.json"], ["history"]):
        proc = subprocess.run(
            [sys.executable, "-m", "driftwatch", *args, "--config", "dw.toml"],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in work.iterdir()) == ["dw.toml", "s.json"]
    assert (tmp_path / "home" / ".local" / "state" / "driftwatch" / "driftwatch.db").is_file()
    assert proc.stdout.startswith("prod\n")
