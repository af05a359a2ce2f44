"""End to end with a real Prometheus: the broken Nexus companion fires the RLS alert.

Prometheus (Debian package ``prometheus``) runs on 127.0.0.1 on a free port with a temp
TSDB, scrapes a live ``Service`` every second, evaluates the shipped rules every second,
and is asked through its own HTTP API (``/api/v1/alerts``). It is always killed at the end.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_serve_support import free_port, http_get, wait_for

from driftwatch.config import load as configload
from driftwatch.service import Service

RULES = Path(__file__).resolve().parent.parent / "deploy" / "prometheus" / "driftwatch-rules.yml"
PROMETHEUS = shutil.which("prometheus")

pytestmark = pytest.mark.skipif(
    PROMETHEUS is None,
    reason="prometheus not installed (Debian package 'prometheus'; `make tools` installs it as root)",
)


@pytest.fixture
def broken_service(tmp_path: Path, nexus_broken_db: str) -> Iterator[Service]:
    svc = Service(
        configload.from_dict(
            {
                "state_dir": str(tmp_path / "state"),
                "targets": [{"name": "nexus-broken", "dsn": nexus_broken_db, "schedule": "5s"}],
                "server": {"listen": "127.0.0.1:0"},
                "docs": {"baseline": str(tmp_path / "none.json")},
            }
        )
    )
    svc.start()
    try:
        yield svc
    finally:
        svc.stop(timeout_s=15)


def _alerts(port: int) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/alerts", timeout=5) as r:
        doc = json.load(r)
    assert doc["status"] == "success"
    alerts: list[dict[str, Any]] = doc["data"]["alerts"]
    return alerts


def test_broken_schema_fires_the_rls_alert_in_prometheus(
    tmp_path: Path, broken_service: Service
) -> None:
    assert PROMETHEUS is not None and broken_service.http is not None
    port = free_port()
    (tmp_path / "prometheus.yml").write_text(
        f"""
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - {RULES}
scrape_configs:
  - job_name: driftwatch
    static_configs:
      - targets: ["127.0.0.1:{broken_service.http.port}"]
"""
    )
    log = (tmp_path / "prometheus.log").open("w")
    proc = subprocess.Popen(
        [
            PROMETHEUS,
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--storage.tsdb.retention.time=1h",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        ready = wait_for(lambda: _ready(port), 30, 0.2)
        assert ready, (tmp_path / "prometheus.log").read_text()[-2000:]
        found: list[dict[str, Any]] = []

        def rls_alerts() -> bool:
            found[:] = [
                a for a in _alerts(port) if a["labels"]["alertname"] == "DriftwatchTableWithoutRLS"
            ]
            return len(found) >= 2

        assert wait_for(rls_alerts, 60, 0.5), _alerts(port)
        assert {a["labels"]["object"] for a in found} == {
            "public.lead_import_batches",
            "public.order_tags",
        }
        for a in found:
            assert a["state"] in ("pending", "firing")
            assert a["labels"]["severity"] == "critical"
            assert a["labels"]["target"] == "nexus-broken"
            assert a["labels"]["job"] == "driftwatch"
            assert a["labels"]["object"] in a["annotations"]["summary"]
        # the health alerts are quiet once every rule group has seen a scrape (groups are
        # evaluated independently, so DriftwatchAbsent may be pending for one interval)
        health = {"DriftwatchDown", "DriftwatchAbsent", "DriftwatchSnapshotFailing"}

        def quiet() -> bool:
            return not {a["labels"]["alertname"] for a in _alerts(port)} & health

        assert wait_for(quiet, 10, 0.5), _alerts(port)
    finally:
        proc.kill()
        proc.wait(timeout=30)
        log.close()


def _ready(port: int) -> bool:
    try:
        return http_get(f"http://127.0.0.1:{port}/-/ready")[0] == 200
    except OSError:
        time.sleep(0.1)
        return False
