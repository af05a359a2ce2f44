"""A real membership-tenancy framework: Basejump's migrations (vendored, MIT) and a small
app on top, audited with two lines of config (the tenant column and the exposed schemas).
Correctly scoped tables get no error; each planted loose twin gets exactly one."""

from __future__ import annotations

import pytest
from rules_helpers import audit, load_basejump, snap

from driftwatch import model
from driftwatch.findings import Finding

CONFIG = {"tenancy": {"column": "account_id", "exposed_schemas": ["public", "basejump"]}}

LOOSE = {
    "public.files.files_read": "USING admits `TRUE`",
    "public.reports.reports_read": "public.account_has_members(acc uuid): it joins account_id to"
    " basejump.account_user.account_id but does not bind its member column user_id to the caller",
    "public.invoices.invoices_read": "it joins account_id to basejump.account_user.account_id but"
    " does not bind its member column user_id to the caller",
}
# Basejump's settings table: global (no account_id), readable by every user; `init`
# proposes it as an exemption, and with that exemption it is not reported.
GLOBAL = "basejump.config"


@pytest.fixture(scope="module")
def snapshot(fresh_db: str) -> model.Snapshot:
    load_basejump(fresh_db)
    return snap(fresh_db)


@pytest.fixture(scope="module")
def findings(snapshot: model.Snapshot) -> list[Finding]:
    return audit(snapshot, CONFIG)


def test_each_loose_twin_gets_exactly_one_error(findings: list[Finding]) -> None:
    for obj, words in LOOSE.items():
        mine = [f for f in findings if f.object == obj and f.severity == "error"]
        assert len(mine) == 1, (obj, mine)
        assert mine[0].rule == "policy-not-tenant-scoped"
        assert words in mine[0].message, mine[0].message


def test_correctly_scoped_tables_get_no_error(findings: list[Finding]) -> None:
    errors = sorted(
        (f.rule, f.object)
        for f in findings
        if f.severity == "error" and f.object not in LOOSE and not f.object.startswith(GLOBAL)
    )
    assert errors == []


def test_the_global_settings_table_is_reported_until_exempt(snapshot: model.Snapshot) -> None:
    assert {
        f.rule
        for f in audit(snapshot, CONFIG)
        if f.object.startswith(GLOBAL) and f.severity == "error"
    } == {"tenant-column-missing", "policy-not-tenant-scoped"}
    cfg = {"tenancy": {**CONFIG["tenancy"], "exempt": [{"table": GLOBAL, "reason": "settings"}]}}
    assert not [
        f for f in audit(snapshot, cfg) if f.object.startswith(GLOBAL) and f.severity == "error"
    ]


def test_team_creation_is_information(findings: list[Finding]) -> None:
    assert [(f.severity, f.object) for f in findings if f.rule == "tenant-root-insert"] == [
        ("info", "basejump.accounts.Team accounts can be created by any user")
    ]


def test_basejump_own_tables_and_root(findings: list[Finding]) -> None:
    # the tenant root is inferred from account_id's foreign keys, not named in the config
    assert not [f for f in findings if f.rule == "tenant-column-missing" and "accounts" in f.object]
    basejump = [f for f in findings if f.object.startswith("basejump.") and f.severity == "error"]
    assert {f.object for f in basejump} == {
        GLOBAL,
        f"{GLOBAL}.Basejump settings can be read by authenticated users",
    }


def test_fixes_suggest_the_framework_helper(findings: list[Finding]) -> None:
    (f,) = [f for f in findings if f.object == "public.files.files_read"]
    assert "basejump.has_role_on_account(account_id)" in f.remediation
    assert "auth.jwt" not in f.remediation
