"""`driftwatch demo --once` end to end: embedded PostgreSQL, baseline, bad migration, tick."""

from __future__ import annotations

import glob
import os
import socket
import subprocess
import sys
from pathlib import Path

import psutil


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _throwaway_servers() -> set[int]:
    pids = set()
    for proc in psutil.process_iter(attrs=["name", "cmdline"]):
        cmd = " ".join(proc.info["cmdline"] or [])
        if proc.info["name"] == "postgres" and (
            "driftwatch-epg-" in cmd or "driftwatch-pg-" in cmd
        ):
            pids.add(proc.pid)
    return pids


def test_demo_once_end_to_end(tmp_path: Path) -> None:
    before_servers = _throwaway_servers()
    before_dirs = set(glob.glob("/tmp/driftwatch-epg-*"))
    port = _free_port()
    out = tmp_path / "demo"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "driftwatch",
            "demo",
            "--once",
            "--out",
            str(out),
            "--listen",
            f"127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ},
        stdin=subprocess.DEVNULL,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    text = r.stdout
    # the diff names all three parts of the bad migration, with their severities
    assert "column source removed" in text and "[breaking]" in text
    assert "public.invoice_exports" in text and "table added" in text
    assert "policy orders_select modified" in text and "[security]" in text
    # the new findings and the metrics that fire alerts
    assert "[rls-disabled]" in text and "[policy-not-tenant-scoped]" in text
    assert 'driftwatch_tables_without_rls{target="nexus"} 1.0' in text
    assert 'rule="rls-disabled"' in text and 'object="public.invoice_exports"' in text
    assert (
        'driftwatch_baseline_drift_objects{change="removed",kind="column",target="nexus"} 1.0'
        in text
    )
    # the documented baseline and the regenerated docs exist
    assert (out / "reference" / "database" / "schema.json").is_file()
    assert (out / "state" / "docs" / "nexus" / "public" / "invoice_exports.md").is_file()
    assert not (out / "reference" / "database" / "public" / "invoice_exports.md").exists()
    # nothing left running, nothing left in /tmp
    assert _throwaway_servers() <= before_servers
    assert set(glob.glob("/tmp/driftwatch-epg-*")) <= before_dirs
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0, "/metrics still listening after exit"
