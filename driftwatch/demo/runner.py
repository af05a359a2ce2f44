"""The demo: the whole job on a throwaway PostgreSQL loaded with the Nexus sample.

start server → load Nexus → take the documented baseline (docs + schema.json) → audit →
worker tick → apply a bad migration → worker tick → show the diff, the findings, the
regenerated page and the /metrics lines that fire alerts → serve /metrics until Ctrl-C
(or stop after one pass with ``once``). Everything it starts is stopped on the way out.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
import tomllib
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg

from driftwatch import config as configmod
from driftwatch import docs, model, pgserver, rules
from driftwatch.config import derive
from driftwatch.config.load import from_dict
from driftwatch.demo import DEMO_DIR, NEXUS_SQL
from driftwatch.diff import diff
from driftwatch.diff.render import render_text
from driftwatch.errors import DriftwatchError
from driftwatch.findings import Finding
from driftwatch.introspect import take_snapshot
from driftwatch.rules.report import render_text as render_findings
from driftwatch.service.core import Service
from driftwatch.service.http import HttpEndpoints
from driftwatch.snapshot_stats import summarize

BAD_MIGRATION_SQL = DEMO_DIR / "bad_migration.sql"
NEXUS_SETTINGS = DEMO_DIR / "nexus.toml"
TARGET = "nexus"
# The /metrics series the shipped alert rules fire on (deploy/prometheus/driftwatch-rules.yml).
ALERTING_SERIES = (
    "driftwatch_up",
    "driftwatch_tables_without_rls",
    "driftwatch_tables_missing_tenant_column",
    "driftwatch_finding_info",
    "driftwatch_baseline_drift_objects",
)


def demo_config(out: Path, dsn: str, listen: str) -> configmod.Config:
    data: dict[str, Any] = tomllib.loads(NEXUS_SETTINGS.read_text())
    data["state_dir"] = str(out / "state")
    data["docs"] = {
        "groups": str(DEMO_DIR / data.get("docs", {}).get("groups", "table-groups.toml")),
        "output": str(out / "reference" / "database"),
        "baseline": str(out / "reference" / "database" / "schema.json"),
    }
    data["server"] = {"listen": listen}
    data["targets"] = [{"name": TARGET, "dsn": dsn, "schedule": "every 1m"}]
    return from_dict(data, source="driftwatch demo")


class Demo:
    def __init__(self, out: Path, *, server_kind: str | None, say: Callable[[str], None]) -> None:
        self.out = out
        self.prefer = (server_kind,) if server_kind else ("embedded", "local")
        self.say = say
        self.t0 = time.monotonic()

    def step(self, text: str) -> None:
        self.say(f"\n== {text}  [{time.monotonic() - self.t0:.1f}s]")

    @contextlib.contextmanager
    def database(self) -> Iterator[str]:
        self.step("starting a throwaway PostgreSQL")
        server = pgserver.start_throwaway(self.prefer)
        try:
            self.say(f"{server.kind} PostgreSQL {server.version}")
            with psycopg.connect(server.dsn(), autocommit=True) as conn:
                conn.execute("create database nexus")
            yield server.dsn("nexus")
        finally:
            server.stop()

    def run(self, *, once: bool, listen: str) -> int:
        with self.database() as dsn:
            self.step("loading the Nexus sample schema")
            _execute(dsn, NEXUS_SQL)
            cfg = demo_config(self.out, dsn, listen)
            snap = take_snapshot(dsn)
            self.say(summarize(snap))

            self.step("documented baseline: driftwatch docs (pages + schema.json)")
            findings = rules.audit(snap, cfg)
            result = docs.render(snap, findings, cfg, cfg.docs.output)
            self.say(f"{result.summary} → {cfg.docs.output}")
            self.step("audit of the baseline: driftwatch check")
            self.say(_tally(findings))

            service = Service(cfg, listen=listen)
            http = HttpEndpoints(
                service.settings.listen,
                service.registry,
                service.results.pending,
                service.settings.auth,
            )
            http.start()
            try:
                self.step(f"worker tick 1 (serving /metrics on http://{http.address}/metrics)")
                self._tick(service)

                self.step(f"applying a bad migration ({BAD_MIGRATION_SQL.name})")
                self.say(_comments(BAD_MIGRATION_SQL))
                _execute(dsn, BAD_MIGRATION_SQL)

                self.step("worker tick 2")
                self._tick(service)
                self._show(cfg, service, http.address, snap, findings)
                self.say(f"\ndemo: first pass done in {time.monotonic() - self.t0:.1f}s")
                if not once:
                    self.say(
                        f"serving http://{http.address}/metrics (and /healthz, /readyz); "
                        "Ctrl-C to stop"
                    )
                    _wait_for_interrupt()
            finally:
                http.close()
                service.stop(timeout_s=10)
        return 0

    def _tick(self, service: Service) -> None:
        outcome = service.tick(TARGET)
        if outcome is None or not outcome.ok:
            raise DriftwatchError(f"worker tick failed: {outcome}")
        errors = ", ".join(outcome.stage_errors) or "none"
        self.say(
            f"run ok; schema changed: {'yes' if outcome.changed else 'no'}; stage errors: {errors}"
        )

    def _show(
        self,
        cfg: configmod.Config,
        service: Service,
        address: str,
        baseline: model.Snapshot,
        baseline_findings: list[Finding],
    ) -> None:
        """``baseline`` is the snapshot the documented baseline file was written from."""
        live = take_snapshot(cfg.targets[0].dsn)
        self.step("diff baseline → live (driftwatch diff baseline <dsn>)")
        self.say(render_text(diff(baseline, live, derive.diff_options(cfg))).rstrip())

        self.step("new findings (driftwatch check --fail-on error)")
        before = {f.fingerprint for f in baseline_findings}
        new = [f for f in rules.audit(live, cfg) if f.fingerprint not in before]
        self.say(render_findings(new).rstrip() or "none")

        worker = service.workers[TARGET]
        page = worker.docs_out / "public" / "orders.md"
        self.step(f"regenerated page {page} (policy matrix)")
        self.say(_section(page, "## Row-level security", 22))

        self.step(f"/metrics lines that fire alerts (http://{address}/metrics)")
        with urllib.request.urlopen(f"http://{address}/metrics", timeout=10) as resp:
            body = resp.read().decode()
        for line in body.splitlines():
            if line.startswith(ALERTING_SERIES) and not line.rstrip().endswith(" 0.0"):
                self.say(line)


def _tally(findings: list[Finding]) -> str:
    """One line per rule: the baseline's expected findings without 140 repeated lines."""
    counts = Counter((f.severity, f.rule) for f in findings)
    lines = [f"{n:4d} × {rule} ({sev})" for (sev, rule), n in sorted(counts.items())]
    return "\n".join(lines) or "no findings"


def _execute(dsn: str, path: Path) -> None:
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(path.read_text().encode())
    except psycopg.Error as exc:
        raise DriftwatchError(f"loading {path.name} failed: {exc}") from None


def _comments(path: Path) -> str:
    return "\n".join(line for line in path.read_text().splitlines() if line.startswith("-- "))


def _section(path: Path, heading: str, max_lines: int) -> str:
    lines = path.read_text().splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(heading)), 0)
    return "\n".join(lines[start : start + max_lines])


def _wait_for_interrupt() -> None:
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
