"""The shipped alert rules: ``promtool check rules`` and ``promtool test rules``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

RULES_DIR = Path(__file__).resolve().parent.parent / "deploy" / "prometheus"
RULES = RULES_DIR / "driftwatch-rules.yml"
RULES_TEST = RULES_DIR / "driftwatch-rules.test.yml"

PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None,
    reason="promtool not installed (Debian package 'prometheus'; `make tools` installs it as root)",
)


@needs_promtool
def test_promtool_check_rules() -> None:
    assert PROMTOOL is not None
    proc = subprocess.run([PROMTOOL, "check", "rules", str(RULES)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SUCCESS" in proc.stdout


@needs_promtool
def test_promtool_unit_tests() -> None:
    assert PROMTOOL is not None
    proc = subprocess.run(
        [PROMTOOL, "test", "rules", RULES_TEST.name], capture_output=True, text=True, cwd=RULES_DIR
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_alert_is_unit_tested_and_uses_design_metric_names() -> None:
    rules = yaml.safe_load(RULES.read_text())
    tests = yaml.safe_load(RULES_TEST.read_text())
    alerts = {r["alert"]: r for g in rules["groups"] for r in g["rules"]}
    tested = {t["alertname"] for case in tests["tests"] for t in case.get("alert_rule_test", [])}
    assert set(alerts) == tested
    assert {
        "DriftwatchTableWithoutRLS",
        "DriftwatchTableMissingTenantColumn",
        "DriftwatchPolicyNotTenantScoped",
        "DriftwatchUndocumentedDrift",
        "DriftwatchSnapshotFailing",
        "DriftwatchSnapshotStale",
        "DriftwatchDown",
    } <= set(alerts)
    for name in ("DriftwatchTableWithoutRLS", "DriftwatchPolicyNotTenantScoped"):
        assert alerts[name]["labels"]["severity"] == "critical"
        assert "$labels.object" in alerts[name]["annotations"]["summary"]
    assert alerts["DriftwatchUndocumentedDrift"]["for"] == "1h"
    assert "driftwatch_schedule_interval_seconds" in alerts["DriftwatchSnapshotStale"]["expr"]
