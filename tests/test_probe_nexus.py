"""The live isolation probe on the Nexus sample and its deliberately broken companion."""

from __future__ import annotations

from typing import Any

import pytest
from test_probe import checksums, run_psql

from driftwatch import config as configmod
from driftwatch.config import load as configload
from driftwatch.introspect import SnapshotOptions, take_snapshot
from driftwatch.probe import ProbeOptions, TableResult, run_probe
from driftwatch.probe import merge as mergemod
from driftwatch.rules import audit

# The Nexus DELETE policies also require app_metadata.org_role in ('owner','admin'):
# tenant B acts as the owner of its organization, the strongest honest tenant.
CFG = configload.from_dict({"probe": {"claims": '{"app_metadata": {"org_role": "owner"}}'}})

EXPECTED_LEAKS = {
    # Holes 1 and 2 leak to anon too: Supabase's default privileges grant every table to it.
    "public.lead_import_batches": {  # HOLE 1: RLS never enabled
        (r, c)
        for r in ("anon", "authenticated")
        for c in ("select", "update", "delete", "insert", "move")
    },
    "public.order_tags": {  # HOLE 2: RLS disabled
        (r, c)
        for r in ("anon", "authenticated")
        for c in ("select", "update", "delete", "insert", "move")
    },
    "public.chats": {("authenticated", "select")},  # HOLE 5: using (true)
    "public.message_templates": {("authenticated", "select")},  # HOLE 6: ... or true
    "public.lead_activities": {("authenticated", "select")},  # HOLE 7: is not null
    "public.order_notes": {("authenticated", "move")},  # HOLE 8: created_by = claim
    "public.shopify_products": {("anon", "select")},  # HOLE 9: anon using (true)
    "public.customers": {("authenticated", "select")},  # HOLE 10: user_metadata
}


def _run(dsn: str) -> tuple[dict[str, TableResult], Any, Any, dict[str, Any], dict[str, Any]]:
    before = checksums(dsn)
    snap = take_snapshot(dsn, SnapshotOptions())
    report = run_probe(dsn, snap, CFG, ProbeOptions.from_config(CFG))
    after = checksums(dsn)
    return {t.table: t for t in report.tables}, report, snap, before, after


@pytest.fixture(scope="module")
def clean(nexus_db: str) -> tuple[dict[str, TableResult], Any, Any, dict[str, Any], dict[str, Any]]:
    return _run(nexus_db)


@pytest.fixture(scope="module")
def broken(
    nexus_broken_db: str,
) -> tuple[dict[str, TableResult], Any, Any, dict[str, Any], dict[str, Any]]:
    return _run(nexus_broken_db)


def test_every_nexus_tenant_table_is_isolated(clean: Any) -> None:
    results, report, snap, before, after = clean
    assert after == before  # data byte-identical, no temp tables
    probed = {k: r for k, r in results.items() if r.status != "skipped"}
    assert len(probed) >= 135
    bad = {k: (r.status, r.reason) for k, r in probed.items() if r.status != "isolated"}
    assert bad == {}
    skipped = {k for k, r in results.items() if r.status == "skipped"}
    assert skipped == {
        f"public.message_events_{p}" for p in ("2025_01", "2025_02", "2025_03", "default")
    }
    # With the owner claim tenant B can do everything to its OWN rows: the "blocked"
    # results are tenant scoping, not a side effect of missing claims.
    for key, r in probed.items():
        assert set(r.controls["authenticated"].values()) == {1}, (key, r.controls)
    static = audit(snap, configmod.Config())
    errors = mergemod.static_errors(static)
    verdicts = {k: mergemod.verdict(r, errors) for k, r in probed.items()}
    assert verdicts["public.orders"] == "isolated (engine-verified)"
    assert mergemod.findings(report, snap, CFG) == []


def test_child_tables_scoped_through_exists_are_verified(clean: Any) -> None:
    results = clean[0]
    for child, link in (
        ("public.customer_addresses", "customer_id -> public.customers"),
        ("public.order_item_adjustments", "order_item_id -> public.order_items"),
    ):
        r = results[child]
        assert r.status == "isolated" and r.link == link
        assert r.controls["authenticated"]["select"] == 1
        assert {a.status for a in r.attempts} == {"blocked"}


def test_every_planted_leak_is_found(broken: Any) -> None:
    results, report, snap, before, after = broken
    assert after == before
    leaks = {k: {(a.role, a.command) for a in r.leaks()} for k, r in results.items() if r.leaks()}
    assert leaks == EXPECTED_LEAKS
    undecided = {k: r.reason for k, r in results.items() if r.status == "undecided"}
    assert undecided == {}
    found = mergemod.findings(report, snap, CFG)
    rules = {(f.object, f.rule) for f in found}
    assert ("public.order_notes", "cross-tenant-move") in rules
    assert ("public.chats", "cross-tenant-select") in rules
    chats = next(f for f in found if f.object == "public.chats")
    assert "chats_select" in chats.message
    tags = next(f for f in found if f.object == "public.order_tags")
    assert "row level security is disabled" in tags.message


def test_reproductions_show_each_leak(broken: Any, nexus_broken_db: str) -> None:
    results = broken[0]
    before = checksums(nexus_broken_db)
    expect = {
        "select": "(1 row)",
        "update": "UPDATE 1",
        "delete": "DELETE 1",
        "insert": "INSERT 0 1",
        "move": "UPDATE 1",
    }
    ran = 0
    for key, pairs in EXPECTED_LEAKS.items():
        for role, command in pairs:
            script = results[key].reproductions[f"{role}:{command}"]
            out = run_psql(nexus_broken_db, script)
            tail = out.split("set_config")[-1]  # what happens after impersonation
            assert expect[command] in tail, (key, role, command, out)
            ran += 1
    assert ran == sum(len(v) for v in EXPECTED_LEAKS.values())
    assert checksums(nexus_broken_db) == before
