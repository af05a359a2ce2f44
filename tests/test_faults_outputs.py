"""Faults while writing outputs: kill -9 mid-docs and mid-baseline, disk full, read-only.

* ``kill -9`` of ``driftwatch docs -o DIR`` while it rewrites a 1,000-table reference
  (``bench/gen_schema.py``): every file in DIR is absent, the old generation's bytes or the
  new generation's bytes (both rendered beforehand into the same DIR, as references) —
  never partial; a killed writer leaves at most dot-prefixed ``*.tmp`` files, never a file
  named like a page; the next run brings DIR to exactly the new generation.
* ``kill -9`` of ``driftwatch baseline accept``: the baseline is the old file or a complete
  new snapshot.
* Disk full (a tiny tmpfs) and read-only output (tmpfs remounted read-only; a regular file
  where a parent directory should be; an -o that is a file; /proc): one-line error, exit
  2, existing docs byte-identical (or, when the disk fills half-way, each file old or new),
  no temp files; the serve worker reports a docs stage error and keeps running.

The mount cases need root and CAP_SYS_ADMIN (tests run as root in CI and locally); they
skip with the reason when ``mount`` is refused.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from conftest import PgServer, generated_schema, run_sql

import driftwatch
from driftwatch import snapshot as snapmod
from driftwatch.config import load as configload
from driftwatch.service import Service

REPO = Path(__file__).resolve().parent.parent
BIG_TABLES = 1000  # ~2 s docs run here: wide enough to kill mid-write, cheap enough to repeat
TMP_NAME = re.compile(r"^\..+\.[A-Za-z0-9_]+\.tmp$")  # fileio.atomic_write's temp files
PAGE_SUFFIXES = (".md", ".json", ".yml", ".yaml", ".mmd", ".html")


def _cli(cwd: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "driftwatch", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _popen(cwd: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "driftwatch", *args],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def tree(d: Path) -> dict[str, bytes]:
    """Every file under ``d`` (temp files included) by relative path."""
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def split_tmp(files: dict[str, bytes]) -> tuple[dict[str, bytes], list[str]]:
    real = {k: v for k, v in files.items() if not TMP_NAME.match(Path(k).name)}
    return real, sorted(set(files) - set(real))


def assert_old_or_new(
    d: Path, old: dict[str, bytes], new: dict[str, bytes]
) -> tuple[int, int, list[str]]:
    """Each file in ``d`` is old or new, none partial; returns (#old-only, #new-only, temps)."""
    real, temps = split_tmp(tree(d))
    n_old = n_new = 0
    for rel, data in real.items():
        assert rel in old or rel in new, f"{rel}: in neither generation"
        if data == new.get(rel) and data != old.get(rel):
            n_new += 1
        elif data == old.get(rel) and data != new.get(rel):
            n_old += 1
        else:
            assert data == old.get(rel) or data == new.get(rel), f"{rel}: partial or foreign"
    for rel in set(old) & set(new):
        assert rel in real, f"{rel}: in both generations but missing"
    for t in temps:
        name = Path(t).name
        assert name.startswith(".") and name.endswith(".tmp"), t
        assert not name.endswith(PAGE_SUFFIXES), t
    return n_old, n_new, temps


# --------------------------------------------------------------------------- the big schema


class Big:
    def __init__(self, dsn: str, work: Path, a: Path, b: Path, digest_b: str) -> None:
        self.dsn, self.work, self.a, self.b, self.digest_b = dsn, work, a, b, digest_b


@pytest.fixture(scope="module")
def big(pg: PgServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Big]:
    """BIG_TABLES tables; snapshot A, then every table commented + one dropped + one added = B
    (the live database stays at B)."""
    name = pg.create_db("dw_faults_out")
    dsn = pg.dsn(name)
    try:
        run_sql(dsn, generated_schema(BIG_TABLES))
        work = tmp_path_factory.mktemp("outputs")
        snap_a = driftwatch.take(dsn)
        with psycopg.connect(dsn, autocommit=True) as conn:
            tables = [
                r[0]
                for r in conn.execute(
                    "select quote_ident(relname) from pg_class where relkind = 'r'"
                    " and relnamespace = 'public'::regnamespace and relname <> 'organizations'"
                    " order by relname"
                )
            ]
        ddl = [f"comment on table public.{t} is 'generation B';" for t in tables]
        ddl += [
            f"drop table public.{tables[-1]};",
            "create table public.zz_added (id int primary key, organization_id uuid not null);",
        ]
        run_sql(dsn, "\n".join(ddl))
        snap_b = driftwatch.take(dsn)
        a, b = work / "A.json", work / "B.json"
        driftwatch.write(snap_a, a)
        driftwatch.write(snap_b, b)
        yield Big(dsn, work, a, b, snap_b.digest)
    finally:
        pg.drop_db(name)


def test_kill_9_while_writing_docs_leaves_each_file_old_or_new(big: Big) -> None:
    cwd, out = big.work, big.work / "docs"
    # Both reference generations, rendered into DIR itself (pages link relative to it).
    assert _cli(cwd, "docs", "--snapshot", str(big.a), "-o", str(out)).returncode == 0
    gen_a = tree(out)
    t0 = time.monotonic()
    done = _cli(cwd, "docs", "--snapshot", str(big.b), "-o", str(out))
    full = time.monotonic() - t0
    assert done.returncode == 0, done.stderr
    gen_b = tree(out)
    assert len(gen_a) > BIG_TABLES and len(gen_b) == len(gen_a)
    assert sum(gen_a[k] != gen_b.get(k) for k in gen_a) >= BIG_TABLES - 1  # all pages change
    assert split_tmp(gen_a)[1] == [] and split_tmp(gen_b)[1] == []

    mixed = 0
    all_temps: list[str] = []
    # Kill at events, not at fractions of a timed run (timing depends on the machine's
    # load): after the first rewritten page, half-way through the pages, and the moment a
    # temp file is seen mid-write.
    for when in (1, BIG_TABLES // 2, "tmp"):
        shutil.rmtree(out)
        _put(out, gen_a)
        since = time.time_ns()
        proc = _popen(cwd, "docs", "--snapshot", str(big.b), "-o", str(out))
        if when == "tmp":
            _wait_for_temp(out / "public", proc, timeout=full * 4 + 30)
        else:
            assert isinstance(when, int)
            _wait_for_rewrites(out / "public", since, when, proc, timeout=full * 4 + 30)
        assert proc.poll() is None, "docs finished before the kill: raise BIG_TABLES"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
        n_old, n_new, temps = assert_old_or_new(out, gen_a, gen_b)
        print(f"docs kill at {when}: {n_old} old, {n_new} new files, temp files {temps}")
        mixed += n_old > 0 and n_new > 0
        all_temps += temps

    assert mixed >= 2, "the kills never landed between the first and the last page write"
    # The next run completes DIR to exactly generation B (temp litter aside).
    assert _cli(cwd, "docs", "--snapshot", str(big.b), "-o", str(out)).returncode == 0
    real, temps = split_tmp(tree(out))
    assert real == gen_b
    assert set(temps) <= set(all_temps)  # only the killed runs' temp files remain


def _wait_for_rewrites(
    d: Path, since_ns: int, count: int, proc: subprocess.Popen[bytes], timeout: float
) -> None:
    """Return once ``count`` files in ``d`` were replaced after ``since_ns``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        with contextlib.suppress(FileNotFoundError):
            fresh = sum(
                1
                for e in os.scandir(d)
                if e.name.endswith(".md") and e.stat().st_mtime_ns > since_ns
            )
            if fresh >= count:
                return
    pytest.fail(f"docs never rewrote {count} pages while running")


def _wait_for_temp(d: Path, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        with contextlib.suppress(FileNotFoundError):
            if any(e.name.endswith(".tmp") for e in os.scandir(d)):
                return
    pytest.fail("no temp file seen while docs was writing")


def test_kill_9_during_baseline_accept_leaves_old_or_new(big: Big, tmp_path: Path) -> None:
    base = tmp_path / "baseline.json"
    old = big.a.read_bytes()
    base.write_bytes(old)
    t0 = time.monotonic()
    done = _cli(tmp_path, "baseline", "accept", "--dsn", big.dsn, "--file", str(base))
    full = time.monotonic() - t0
    assert done.returncode == 0, done.stderr
    assert snapmod.read(base).digest == big.digest_b
    outcomes = []
    for when in (0.6, 0.95, "tmp"):
        base.write_bytes(old)
        for p in tmp_path.glob(".baseline.json.*.tmp"):
            p.unlink()
        proc = _popen(tmp_path, "baseline", "accept", "--dsn", big.dsn, "--file", str(base))
        if when == "tmp":
            _wait_for_temp(tmp_path, proc, timeout=full * 3)
        else:
            assert isinstance(when, float)
            time.sleep(full * when)
        killed = proc.poll() is None
        if killed:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
        data = base.read_bytes()
        if data == old:
            outcomes.append("old" if killed else "old?")
        else:
            assert snapmod.loads(data).digest == big.digest_b  # complete, valid, new
            outcomes.append("new")
        stray = sorted(p.name for p in tmp_path.iterdir() if p.name != "baseline.json")
        assert all(TMP_NAME.match(n) and n.startswith(".baseline.json.") for n in stray), stray
    print(f"baseline kills: {outcomes}")
    assert "old?" not in outcomes, outcomes  # a run that was not killed wrote the file
    assert outcomes.count("old") >= 2, outcomes  # the kills did interrupt runs


# --------------------------------------------------------------------------- disk full, read-only

SMALL_TABLES = 24


@pytest.fixture(scope="module")
def small(pg: PgServer, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Snapshots A and B (every table commented) of a small schema, as files."""
    name = pg.create_db("dw_faults_small")
    dsn = pg.dsn(name)
    try:
        run_sql(
            dsn,
            "\n".join(
                f"create table public.t{i:02d} (id int primary key, organization_id uuid,"
                f" note text);"
                for i in range(SMALL_TABLES)
            ),
        )
        work = tmp_path_factory.mktemp("small")
        driftwatch.write(driftwatch.take(dsn), work / "A.json")
        run_sql(
            dsn,
            "\n".join(
                f"comment on table public.t{i:02d} is '{'B' * 400}';" for i in range(SMALL_TABLES)
            ),
        )
        driftwatch.write(driftwatch.take(dsn), work / "B.json")
        return work / "A.json", work / "B.json"
    finally:
        pg.drop_db(name)


@contextlib.contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    path.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs (needs root + CAP_SYS_ADMIN): {proc.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def _remount_ro(path: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(path)], check=True)


def _fill(d: Path, leave: int = 0) -> Path:
    """Fill the filesystem of ``d`` up to ``leave`` free bytes; returns the filler file."""
    filler = d / "filler.bin"
    with open(filler, "wb") as fh:
        while True:
            st = os.statvfs(d)
            free = st.f_bavail * st.f_frsize - leave
            if free <= 0:
                break
            try:
                fh.write(b"\0" * min(free, 1 << 16))
                fh.flush()
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
                break
    return filler


def _one_line_error(proc: subprocess.CompletedProcess[str], *words: str) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("driftwatch: error: "), proc.stderr
    assert "Traceback" not in proc.stderr
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


def _references(small: tuple[Path, Path], out: Path) -> tuple[dict[str, bytes], ...]:
    """Generations A and B rendered at ``out`` (before anything is mounted there)."""
    a, b = small
    cwd = out.parent
    gens = []
    for snap in (a, b):
        assert _cli(cwd, "docs", "--snapshot", str(snap), "-o", str(out)).returncode == 0
        gens.append(tree(out))
    shutil.rmtree(out)
    assert sum(gens[0][k] != gens[1][k] for k in gens[0]) >= SMALL_TABLES
    return tuple(gens)


def _put(out: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        p = out / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)


def test_disk_full_while_writing_docs(small: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "docs"
    gen_a, gen_b = _references(small, out)
    with tmpfs(out, "2m"):
        _put(out, gen_a)
        # 1. no room at all: nothing changes
        filler = _fill(out)
        before = tree(out)
        proc = _cli(tmp_path, "docs", "--snapshot", str(small[1]), "-o", str(out))
        _one_line_error(proc, "No space left on device", str(out))
        assert tree(out) == before  # byte-identical, no temp file left
        # 2. room for a few pages: the disk fills half-way through the run
        filler.unlink()
        # room for a few table pages (the rule and index pages are bigger than those)
        one_page = max(len(v) for k, v in gen_b.items() if k.startswith("public/t"))
        _fill(out, leave=3 * one_page + 8192)
        proc = _cli(tmp_path, "docs", "--snapshot", str(small[1]), "-o", str(out))
        _one_line_error(proc, "No space left on device")
        del_filler = tree(out)
        del_filler.pop("filler.bin")
        n_old, n_new, temps = assert_old_or_new_files(del_filler, gen_a, gen_b)
        assert n_new >= 1 and n_old >= 1 and temps == []
        # 3. space again: the next run completes generation B
        filler.unlink()
        assert _cli(tmp_path, "docs", "--snapshot", str(small[1]), "-o", str(out)).returncode == 0
        assert tree(out) == gen_b


def assert_old_or_new_files(
    files: dict[str, bytes], old: dict[str, bytes], new: dict[str, bytes]
) -> tuple[int, int, list[str]]:
    real, temps = split_tmp(files)
    assert set(real) == set(old) == set(new)
    n_old = sum(real[k] == old[k] != new[k] for k in real)
    n_new = sum(real[k] == new[k] != old[k] for k in real)
    bad = [k for k in real if real[k] not in (old[k], new[k])]
    assert not bad, f"partial files: {bad}"
    return n_old, n_new, temps


def test_read_only_output_mount(small: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "docs"
    gen_a, _ = _references(small, out)
    with tmpfs(out, "2m"):
        _put(out, gen_a)
        _remount_ro(out)
        with pytest.raises(OSError):
            (out / "probe").write_text("x")  # read-only even for root
        before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file()}
        proc = _cli(tmp_path, "docs", "--snapshot", str(small[1]), "-o", str(out))
        _one_line_error(proc, "Read-only file system", str(out))
        assert {
            p: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file()
        } == before


@pytest.mark.parametrize("where", ["parent-is-a-file", "output-is-a-file", "proc"])
def test_unwritable_output_path(small: tuple[Path, Path], tmp_path: Path, where: str) -> None:
    """Fails for root too: a regular file where a directory must be, or /proc."""
    blocker = tmp_path / "blocker"
    blocker.write_bytes(b"not a directory\n")
    out = {
        "parent-is-a-file": blocker / "docs",
        "output-is-a-file": blocker,
        "proc": Path("/proc/driftwatch-docs"),
    }[where]
    proc = _cli(tmp_path, "docs", "--snapshot", str(small[1]), "-o", str(out))
    _one_line_error(proc, str(out))
    assert blocker.read_bytes() == b"not a directory\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker"]
    assert not Path("/proc/driftwatch-docs").exists()


def test_serve_reports_docs_stage_error_and_keeps_running(
    small: tuple[Path, Path], make_db: Callable[[str], str], tmp_path: Path
) -> None:
    """The worker's docs directory turns read-only: the run still succeeds, the docs stage
    error is counted and logged, the old docs stay, and docs come back when writable."""
    dsn = make_db("create table public.items (id int, organization_id uuid not null);")
    out = tmp_path / "docs"
    with tmpfs(out, "2m"):
        svc = Service(
            configload.from_dict(
                {
                    "state_dir": str(tmp_path / "state"),
                    "targets": [{"name": "t", "dsn": dsn, "docs_output": str(out)}],
                    "docs": {"baseline": str(tmp_path / "none.json")},
                }
            )
        )
        try:
            first = svc.workers["t"].run()
            assert first.ok and first.stage_errors == ()
            run_sql(dsn, "comment on table public.items is 'changed';")
            _remount_ro(out)
            before = tree(out)
            second = svc.workers["t"].run()
            assert second.ok and second.changed and second.stage_errors == ("docs",)
            assert tree(out) == before
            text = _scrape(svc)
            assert 'driftwatch_stage_errors_total{stage="docs",target="t"} 1.0' in text
            assert 'driftwatch_up{target="t"} 1.0' in text
            subprocess.run(["mount", "-o", "remount,rw", str(out)], check=True)
            third = svc.workers["t"].run()
            assert third.ok and third.stage_errors == ()
            assert (
                snapmod.read(out / "schema.json").objects.tables["public.items"].comment
                == "changed"
            )
        finally:
            svc.stop(timeout_s=5)


def _scrape(svc: Service) -> str:
    from prometheus_client import generate_latest

    return generate_latest(svc.registry).decode()
