"""Fault tests of issue 15, items 4-6: what ``-o`` (and every output path) is, endless or
non-regular input files, malformed DSNs and config values, exit classes.

Every case runs the real ``driftwatch`` command in a subprocess (a timeout guards against
a regression that blocks on a FIFO or reads /dev/zero) and checks the exit code, that
stderr is one line without a traceback or the password, and what is left on disk.
Devices are made here with ``mknod`` in a temp dir (root only; skipped otherwise): the
machine's /dev is never written.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from driftwatch import cli
from driftwatch import snapshot as snapmod

PASSWORD = "s3cret-Pw"
ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="mknod needs root")
Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def dw(tmp_path: Path) -> Run:
    def run(
        *args: str, stdout: int | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k not in ("DRIFTWATCH_DSN", "DOCS_DB_URL")}
        return subprocess.run(
            [sys.executable, "-m", "driftwatch", *args],
            cwd=tmp_path,
            stdout=stdout if stdout is not None else subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            timeout=timeout,
            env=env,
        )

    return run


def one_line_error(done: subprocess.CompletedProcess[str], code: int = 2) -> str:
    assert done.returncode == code, (done.returncode, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr and PASSWORD not in done.stderr
    return lines[0]


@pytest.fixture(scope="module")
def snap_file(nexus_db: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("snap") / "nexus.json"
    done = subprocess.run(
        [sys.executable, "-m", "driftwatch", "snapshot", "--dsn", nexus_db, "-o", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return path


def _device(tmp_path: Path, name: str, minor: int) -> Path:
    """A character device of the memory driver (1, minor): 3 null, 5 zero, 7 full."""
    path = tmp_path / name
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
    return path


# ----------------------------------------------------------------- item 4: where -o writes

OUTPUT_COMMANDS: dict[str, Callable[[str, Path, str], list[str]]] = {
    "snapshot": lambda dsn, snap, out: ["snapshot", "--dsn", dsn, "-o", out],
    "check": lambda dsn, snap, out: [
        "check",
        "--snapshot",
        str(snap),
        "--format",
        "json",
        "-o",
        out,
    ],
    "diff": lambda dsn, snap, out: ["diff", str(snap), str(snap), "--format", "json", "-o", out],
    "baseline": lambda dsn, snap, out: ["baseline", "accept", "--dsn", dsn, "--file", out],
}


@needs_root
@pytest.mark.parametrize("command", sorted(OUTPUT_COMMANDS))
def test_output_to_a_char_device_writes_through_and_keeps_it(
    command: str, dw: Run, tmp_path: Path, nexus_db: str, snap_file: Path
) -> None:
    null = _device(tmp_path, "null", 3)
    done = dw(*OUTPUT_COMMANDS[command](nexus_db, snap_file, str(null)))
    assert done.returncode in (0, 1), done.stderr  # check: 1 = findings
    st = os.lstat(null)
    assert stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]  # no temp file left


@needs_root
@pytest.mark.parametrize("command", sorted(OUTPUT_COMMANDS))
def test_output_to_a_full_device_is_one_line_exit_2(
    command: str, dw: Run, tmp_path: Path, nexus_db: str, snap_file: Path
) -> None:
    full = _device(tmp_path, "full", 7)
    line = one_line_error(dw(*OUTPUT_COMMANDS[command](nexus_db, snap_file, str(full))))
    assert "No space left on device" in line
    assert stat.S_ISCHR(os.lstat(full).st_mode)


@pytest.mark.parametrize("command", sorted(OUTPUT_COMMANDS))
def test_output_through_a_symlink_keeps_the_link(
    command: str, dw: Run, tmp_path: Path, nexus_db: str, snap_file: Path
) -> None:
    real = tmp_path / "real.out"
    real.write_text("old\n")
    real.chmod(0o640)
    link = tmp_path / "link.out"
    link.symlink_to(real.name)
    done = dw(*OUTPUT_COMMANDS[command](nexus_db, snap_file, str(link)))
    assert done.returncode in (0, 1), done.stderr
    assert link.is_symlink() and os.readlink(link) == real.name
    assert real.read_text() != "old\n" and real.stat().st_size > 10
    assert stat.S_IMODE(real.stat().st_mode) == 0o640  # a replaced file keeps its mode


def test_output_through_a_dangling_symlink_creates_its_target(
    dw: Run, tmp_path: Path, nexus_db: str
) -> None:
    link = tmp_path / "link.json"
    link.symlink_to("made.json")
    done = dw("snapshot", "--dsn", nexus_db, "-o", str(link))
    assert done.returncode == 0, done.stderr
    assert link.is_symlink()
    assert snapmod.read(tmp_path / "made.json").digest


def test_output_to_a_fifo_with_a_reader_streams(dw: Run, tmp_path: Path, nexus_db: str) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    done = dw("snapshot", "--dsn", nexus_db, "-o", str(fifo))
    reader.join(60)
    assert done.returncode == 0, done.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert snapmod.loads(got[0]).digest


@pytest.mark.parametrize("command", sorted(OUTPUT_COMMANDS))
def test_output_to_a_fifo_without_reader_is_refused_at_once(
    command: str, dw: Run, tmp_path: Path, nexus_db: str, snap_file: Path
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    line = one_line_error(dw(*OUTPUT_COMMANDS[command](nexus_db, snap_file, str(fifo))))
    assert "no process is reading this FIFO" in line
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.parametrize("command", sorted(OUTPUT_COMMANDS))
def test_output_to_a_directory_is_refused(
    command: str, dw: Run, tmp_path: Path, nexus_db: str, snap_file: Path
) -> None:
    out = tmp_path / "dir"
    out.mkdir()
    line = one_line_error(dw(*OUTPUT_COMMANDS[command](nexus_db, snap_file, str(out))))
    assert "is a directory" in line.lower()
    assert list(out.iterdir()) == []


def test_output_under_a_missing_root_directory_creates_nothing(dw: Run, nexus_db: str) -> None:
    missing = Path(f"/dw-nonexistent-{uuid.uuid4().hex[:8]}")
    line = one_line_error(dw("snapshot", "--dsn", nexus_db, "-o", str(missing / "x.json")))
    assert "does not exist" in line
    assert not missing.exists()


@needs_root
def test_docs_output_that_is_a_device_is_refused(dw: Run, tmp_path: Path, snap_file: Path) -> None:
    null = _device(tmp_path, "null", 3)
    line = one_line_error(dw("docs", "--snapshot", str(snap_file), "-o", str(null)))
    assert "not a directory" in line
    assert stat.S_ISCHR(os.lstat(null).st_mode)


def test_docs_refuses_to_overwrite_a_readme_it_did_not_write(
    dw: Run, tmp_path: Path, snap_file: Path
) -> None:
    out = tmp_path / "ref"
    out.mkdir()
    (out / "README.md").write_text("# my own notes\n")
    line = one_line_error(dw("docs", "--snapshot", str(snap_file), "-o", str(out)))
    assert "refusing to overwrite" in line and "README.md" in line
    assert (out / "README.md").read_text() == "# my own notes\n"
    (out / "README.md").unlink()
    assert dw("docs", "--snapshot", str(snap_file), "-o", str(out)).returncode == 0
    (out / "README.md").write_text("edited by hand\n")  # ours (in the manifest): rewritten
    assert dw("docs", "--snapshot", str(snap_file), "-o", str(out)).returncode == 0
    assert (out / "README.md").read_text() != "edited by hand\n"


@needs_root
def test_stdout_on_a_full_disk_is_one_line_exit_2(
    dw: Run, tmp_path: Path, nexus_db: str, snap_file: Path
) -> None:
    full = _device(tmp_path, "full", 7)
    for args in (
        ["snapshot", "--dsn", nexus_db],
        ["check", "--snapshot", str(snap_file), "--format", "json"],
        ["diff", str(snap_file), str(snap_file)],
    ):
        with full.open("w") as out:
            line = one_line_error(dw(*args, stdout=out.fileno()))
        assert "No space left on device" in line, args


# ----------------------------------------------------------------- item 5: endless input


def _bad_inputs(tmp_path: Path) -> dict[str, Path]:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    inputs = {"fifo": fifo, "directory": tmp_path}
    if ROOT:
        inputs["zero device"] = _device(tmp_path, "zero", 5)
    return inputs


@pytest.mark.parametrize(
    "command",
    [
        ["check", "--snapshot", "{}"],
        ["diff", "{}", "{}"],
        ["docs", "--snapshot", "{}", "-o", "out"],
        ["check", "--snapshot", "{}", "--config", "{}"],
    ],
    ids=["check", "diff", "docs", "config"],
)
def test_non_regular_input_files_are_refused_at_once(
    command: list[str], dw: Run, tmp_path: Path
) -> None:
    for kind, path in _bad_inputs(tmp_path).items():
        args = [a.replace("{}", str(path)) for a in command]
        line = one_line_error(dw(*args, timeout=60))
        assert "not a regular file" in line or "is a directory" in line, (kind, line)
    assert not (tmp_path / "out").exists()


def test_snapshot_over_the_configured_size_is_refused(
    dw: Run, tmp_path: Path, snap_file: Path
) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[limits]\nsnapshot_size = "4KiB"\n')
    line = one_line_error(dw("check", "--snapshot", str(snap_file), "--config", str(cfg)))
    assert "larger than 4 KiB" in line and "limits.snapshot_size" in line
    cfg.write_text('[limits]\nsnapshot_size = "64MiB"\n')
    assert dw("check", "--snapshot", str(snap_file), "--config", str(cfg)).returncode in (0, 1)


def _serve_config(tmp_path: Path, target: str, extra: str = "") -> Path:
    cfg = tmp_path / "serve.toml"
    cfg.write_text(
        f'state_dir = "{tmp_path}/state"\n{extra}\n[server]\nlisten = "127.0.0.1:0"\n'
        f'[docs]\nbaseline = "{tmp_path}/none.json"\n[[targets]]\nname = "t"\n{target}\n'
    )
    return cfg


def test_dsn_file_that_is_endless_or_huge_is_refused(
    dw: Run, tmp_path: Path, nexus_db: str
) -> None:
    cases = dict(_bad_inputs(tmp_path))
    huge = tmp_path / "huge.dsn"
    huge.write_text(nexus_db + " " * (70 << 10))
    cases["65 KiB file"] = huge
    for kind, path in cases.items():
        cfg = _serve_config(tmp_path, f'dsn_file = "{path}"')
        line = one_line_error(dw("serve", "--once", "--config", str(cfg), timeout=60))
        assert "dsn_file" in line, (kind, line)
    cfg = _serve_config(tmp_path, f'dsn_file = "{huge}"', '[limits]\ndsn_file_size = "1MiB"')
    assert dw("serve", "--once", "--config", str(cfg)).returncode == 0


# ----------------------------------------------------------------- item 6: exit classes

BAD_DSNS = {
    "port 99999": f"postgresql://postgres:{PASSWORD}@127.0.0.1:99999/postgres",
    "port=abc": f"host=127.0.0.1 port=abc password={PASSWORD}",
    "sslmode=bogus": f"postgresql://postgres:{PASSWORD}@127.0.0.1/postgres?sslmode=bogus",
    "unknown URI parameter": f"postgresql://postgres:{PASSWORD}@127.0.0.1/postgres?colour=red",
    "bad % escape": f"postgresql://postgres:{PASSWORD}%zz@127.0.0.1/postgres",
    "password with a space": "postgresql://postgres:s3cret-Pw two@127.0.0.1/postgres",
    "SQLAlchemy scheme": f"postgresql+psycopg://postgres:{PASSWORD}@127.0.0.1/postgres",
    "unknown keyword": f"host=127.0.0.1 colour=red password={PASSWORD}",
    "literal ${HOME": f"postgresql://postgres:{PASSWORD}@${{HOME/postgres",
    "connect_timeout=x": f"host=127.0.0.1 connect_timeout=x password={PASSWORD}",
}


@pytest.mark.parametrize("name", sorted(BAD_DSNS))
def test_malformed_dsn_is_exit_2_without_the_password(name: str, dw: Run, tmp_path: Path) -> None:
    line = one_line_error(dw("snapshot", "--dsn", BAD_DSNS[name]))
    assert "invalid DSN" in line and PASSWORD not in line and "s3cret" not in line
    cfg = _serve_config(tmp_path, f"dsn = '{BAD_DSNS[name]}'")
    line = one_line_error(dw("serve", "--once", "--config", str(cfg)))
    assert "s3cret" not in line


BAD_CONFIGS = {
    "deep TOML": ("a = " + "[" * 3000 + "]" * 3000, "nested too deeply"),
    "keep_snapshots = -1": ("[store]\nkeep_snapshots = -1", "store.keep_snapshots"),
    "er_neighbours = -5": ("[docs]\ner_neighbours = -5", "docs.er_neighbours"),
    'name = ""': ('[[targets]]\nname = ""', "targets[0].name: must not be empty"),
    "unclosed ${": ('[[targets]]\nname = "x"\ndsn = "postgresql://${HOME/db"', "closing"),
    "bad size": ('[limits]\nsnapshot_size = "lots"', "limits.snapshot_size"),
    "http_connection_limit = 0": ("[server]\nhttp_connection_limit = 0", "http_connection_limit"),
}


@pytest.mark.parametrize("name", sorted(BAD_CONFIGS))
def test_bad_config_value_is_one_line_exit_2(
    name: str, dw: Run, tmp_path: Path, snap_file: Path
) -> None:
    text, expected = BAD_CONFIGS[name]
    cfg = tmp_path / "bad.toml"
    cfg.write_text(text + "\n")
    line = one_line_error(dw("check", "--snapshot", str(snap_file), "--config", str(cfg)))
    assert expected in line, line


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        ("every 100000000h", "longer than 366 days"),
        ("30 2 31 2 *", "never fires"),
        ("every " + "9" * 400 + "s", "longer than 366 days"),
    ],
    ids=["huge interval", "never-firing cron", "overflowing number"],
)
def test_bad_schedule_is_refused_by_serve_and_once(
    schedule: str, expected: str, dw: Run, tmp_path: Path, nexus_db: str
) -> None:
    cfg = _serve_config(tmp_path, f'dsn = "{nexus_db}"\nschedule = "{schedule}"')
    for args in (["serve", "--once"], ["serve", "--listen", "127.0.0.1:0"]):
        line = one_line_error(dw(*args, "--config", str(cfg), timeout=60))
        assert expected in line, line


def test_serve_once_exits_2_when_every_store_write_failed(
    dw: Run, tmp_path: Path, nexus_db: str
) -> None:
    cfg = _serve_config(
        tmp_path,
        f'dsn = "{nexus_db}"',
        'store_url = "postgresql+psycopg://postgres@127.0.0.1:1/nostore"',
    )
    done = dw("serve", "--once", "--config", str(cfg), "--log-format", "json")
    assert done.returncode == 2, done.stderr[-2000:]
    assert "stage(s) failed: t: store" in done.stderr.splitlines()[-1]


@pytest.fixture
def broken_audit(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from driftwatch import rules

    def boom(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("division by zero in a rule")

    monkeypatch.setattr(rules, "audit", boom)
    monkeypatch.setattr(rules, "run", boom)  # what check calls (the audit with its scope)
    yield


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "--debug"])
def test_internal_error_is_one_line_exit_4_traceback_only_with_debug(
    debug: bool, broken_audit: None, snap_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["check", "--snapshot", str(snap_file)] + (["--debug"] if debug else [])
    assert cli.main(argv) == 4
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]
    assert last.startswith("driftwatch: internal error: ZeroDivisionError: division by zero")
    assert ("Traceback" in err) == debug
    if not debug:
        assert len(err.strip().splitlines()) == 1


def test_help_documents_the_exit_codes(dw: Run) -> None:
    out = dw("--help").stdout
    for code in ("0  nothing to report", "2  usage", "3  target", "4  internal error"):
        assert code in out
