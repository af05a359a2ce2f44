"""The Nexus sample, granted as Supabase grants a project (default privileges: ALL on every
table, sequence and function in public to anon, authenticated, service_role): the clean
sample has no error or warning, the broken companion has exactly its planted holes (and
the second findings the file names with "also:") at warning and above."""

from __future__ import annotations

from collections import Counter

import pytest
from rules_helpers import NEXUS_CONFIG, audit, snap

from driftwatch import rules
from driftwatch.config import load as configload
from driftwatch.rules._context import Context

# (rule, object) of the 18 holes of driftwatch/demo/nexus_broken.sql
PLANTED = [
    ("rls-disabled", "public.lead_import_batches"),
    ("rls-disabled", "public.order_tags"),
    ("rls-no-policies", "public.competition_alerts"),
    ("policy-command-uncovered", "public.order_discounts"),
    ("policy-not-tenant-scoped", "public.chats.chats_select"),
    ("policy-not-tenant-scoped", "public.message_templates.message_templates_select"),
    ("policy-not-tenant-scoped", "public.lead_activities.lead_activities_select"),
    ("policy-not-tenant-scoped", "public.order_notes.order_notes_update"),
    ("policy-not-tenant-scoped", "public.shopify_products.shopify_products_select_anon"),
    ("policy-user-metadata", "public.customers.customers_select"),
    ("tenant-column-missing", "public.webhook_deliveries"),
    ("tenant-column-missing", "public.order_gift_messages"),
    ("tenant-column-nullable", "public.lead_scores.organization_id"),
    ("tenant-column-unindexed", "public.social_mentions.organization_id"),
    ("view-bypasses-rls", "public.order_revenue_by_customer"),
    ("security-definer-function", "public.search_customers(q text)"),
    ("policy-initplan", "public.whatsapp_templates.whatsapp_templates_select"),
    ("multiple-permissive-policies", "public.inventory_items"),
]


@pytest.fixture(scope="module")
def clean(nexus_db: str):  # type: ignore[no-untyped-def]
    return snap(nexus_db)


@pytest.fixture(scope="module")
def broken(nexus_broken_db: str):  # type: ignore[no-untyped-def]
    return snap(nexus_broken_db)


def test_clean_sample_shows_only_what_it_means_to(clean) -> None:  # type: ignore[no-untyped-def]
    findings = audit(clean, NEXUS_CONFIG)
    assert [f for f in findings if f.severity != "info"] == []
    # the advisory info rules (performance, existence oracles) list correct tables too
    advisory = {"tenant-existence-oracle", "unindexed-foreign-key", "no-primary-key"}
    rest = [(f.rule, f.object) for f in findings if f.rule not in {"rls-not-forced", *advisory}]
    assert rest == [("policy-initplan", "public.cron_jobs.cron_jobs_select")]
    forced = [f for f in findings if f.rule == "rls-not-forced"]
    assert len(forced) == 143  # every table; partitions are audited through their parent
    assert all(f.severity == "info" for f in findings)


def test_clean_sample_with_default_config(clean) -> None:  # type: ignore[no-untyped-def]
    """Without configuration, the README's expected findings appear, and nothing else."""
    findings = audit(clean)
    counts = Counter(f.rule for f in findings)
    assert counts["security-definer-function"] == 1
    assert counts["tenant-column-missing"] == 4  # the four global platform_* tables
    assert {f.object for f in findings if f.rule == "policy-not-tenant-scoped"} <= {
        f"public.{t}.{t}_select{s}"
        for t in (
            "platform_plans",
            "platform_feature_flags",
            "platform_settings",
            "platform_announcements",
        )
        for s in ("", "_anon")
    }
    assert not [f for f in findings if f.object.startswith("public.message_events_")]
    assert counts["rls-no-policies"] == 0


def test_delete_role_check_on_the_clean_sample(clean) -> None:  # type: ignore[no-untyped-def]
    cfg = dict(NEXUS_CONFIG)
    cfg["tenancy"] = dict(
        NEXUS_CONFIG["tenancy"], delete_role_check={"tables": ["customers", "labels"]}
    )  # type: ignore[arg-type]
    found = [f.object for f in audit(clean, cfg) if f.rule == "policy-delete-role-unchecked"]
    assert found == ["public.labels.labels_delete"]  # customers checks owner/admin, labels does not


@pytest.mark.parametrize(("rule", "obj"), PLANTED, ids=[f"{r}:{o}" for r, o in PLANTED])
def test_broken_companion_triggers_each_hole(broken, rule: str, obj: str) -> None:  # type: ignore[no-untyped-def]
    findings = _broken_findings(broken)
    assert (rule, obj) in {(f.rule, f.object) for f in findings}


def test_broken_has_exactly_its_holes_at_warning_and_above(broken) -> None:  # type: ignore[no-untyped-def]
    also = {  # second findings of holes 10 and 11, named "also:" in nexus_broken.sql
        ("policy-not-tenant-scoped", f"public.webhook_deliveries.webhook_deliveries_{c}")
        for c in ("select", "insert", "update", "delete")
    } | {
        ("policy-not-tenant-scoped", "public.customers.customers_select"),
        # hole 16 (search_customers) read by the anon-specific rule too: it reads customers
        ("security-definer-function-executable", "public.search_customers(q text)"),
    }
    serious = {(f.rule, f.object) for f in _broken_findings(broken) if f.severity != "info"}
    planted = {(r, o) for r, o in PLANTED if rules.REGISTRY[r].severity != "info"}
    assert serious == planted | also


def test_sample_is_granted_as_supabase_grants(clean) -> None:  # type: ignore[no-untyped-def]
    """Every tenant table is reachable by anon and authenticated (the noise source the
    audit must cope with); the revoked view is not."""
    ctx = Context(clean, configload.from_dict(NEXUS_CONFIG))
    assert all(ctx.reachable(k) == {"anon", "authenticated"} for k in ctx.tenant_tables)
    assert ctx.reachable("public.customer_directory") == frozenset()  # revoked view
    assert clean.objects.roles["anon"].inherit is False


def test_broken_adds_nothing_unexpected(broken, clean) -> None:  # type: ignore[no-untyped-def]
    before = {(f.rule, f.object) for f in audit(clean, NEXUS_CONFIG)}
    after = {(f.rule, f.object) for f in _broken_findings(broken)}
    new = after - before - set(PLANTED)
    also = {  # secondary findings the README names ("also: …"), and the new tables' info
        ("policy-not-tenant-scoped", f"public.webhook_deliveries.webhook_deliveries_{c}")
        for c in ("select", "insert", "update", "delete")
    } | {
        ("policy-not-tenant-scoped", "public.customers.customers_select"),  # user_metadata claim
        # HOLE 16 (search_customers): anon may call it, and it reads public.customers
        ("security-definer-function-executable", "public.search_customers(q text)"),
        ("rls-not-forced", "public.webhook_deliveries"),
        ("rls-not-forced", "public.order_gift_messages"),
    }
    assert new <= also, sorted(new - also)


_CACHE: dict[int, list] = {}  # type: ignore[type-arg]


def _broken_findings(broken):  # type: ignore[no-untyped-def]
    if id(broken) not in _CACHE:
        _CACHE[id(broken)] = audit(broken, configload.from_dict(NEXUS_CONFIG))
    return _CACHE[id(broken)]
