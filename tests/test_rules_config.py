"""[rules] and tenancy settings: enable/disable, severity overrides, exemptions, waivers
(with expiry reported as its own finding)."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import run_sql
from rules_helpers import CLAIM, PRELUDE, snap

from driftwatch import rules
from driftwatch.config import load as configload
from driftwatch.errors import ConfigError

SCHEMA = (
    PRELUDE
    + f"""
create table public.organizations (id uuid primary key);
create table public.legacy (id uuid primary key, organization_id uuid not null);
create index on public.legacy (organization_id);
create table public.settings (key text primary key, value text);
alter table public.organizations enable row level security;
alter table public.organizations force row level security;
create policy organizations_select on public.organizations for select to authenticated using (id = {CLAIM});
"""
)


@pytest.fixture(scope="module")
def snapshot(fresh_db: str):  # type: ignore[no-untyped-def]
    run_sql(fresh_db, SCHEMA)
    return snap(fresh_db)


def _audit(snapshot, data: dict, today: dt.date | None = None):  # type: ignore[no-untyped-def,type-arg]
    return rules.audit(snapshot, configload.from_dict(data), today=today)


def test_defaults(snapshot) -> None:  # type: ignore[no-untyped-def]
    got = {(f.rule, f.object) for f in _audit(snapshot, {})}
    assert got == {
        ("rls-disabled", "public.legacy"),
        ("rls-disabled", "public.settings"),
        ("tenant-column-missing", "public.settings"),
    }


def test_exemption_removes_tenancy_findings(snapshot) -> None:  # type: ignore[no-untyped-def]
    data = {"tenancy": {"exempt": [{"table": "public.sett*", "reason": "global"}]}}
    assert {f.object for f in _audit(snapshot, data)} == {"public.legacy"}


def test_disable_enable_and_severity(snapshot) -> None:  # type: ignore[no-untyped-def]
    assert {f.rule for f in _audit(snapshot, {"rules": {"disable": ["rls-*"]}})} == {
        "tenant-column-missing"
    }
    assert {f.rule for f in _audit(snapshot, {"rules": {"enable": ["rls-disabled"]}})} == {
        "rls-disabled"
    }
    found = _audit(
        snapshot, {"rules": {"severity": [{"rule": "rls-disabled", "severity": "info"}]}}
    )
    assert {f.severity for f in found if f.rule == "rls-disabled"} == {"info"}
    assert found[-1].severity == "info"  # sorted most severe first


def test_waiver_silences_and_expiry_is_reported(snapshot) -> None:  # type: ignore[no-untyped-def]
    waiver = {
        "rule": "rls-disabled",
        "object": "public.legacy",
        "reason": "being migrated",
        "expires": "2030-01-31",
    }
    data = {"tenancy": {"waivers": [waiver]}}
    live = _audit(snapshot, data, today=dt.date(2030, 1, 31))
    assert ("rls-disabled", "public.legacy") not in {(f.rule, f.object) for f in live}
    assert "waiver-expired" not in {f.rule for f in live}
    expired = _audit(snapshot, data, today=dt.date(2030, 2, 1))
    pairs = {(f.rule, f.object) for f in expired}
    assert ("rls-disabled", "public.legacy") in pairs
    w = [f for f in expired if f.rule == "waiver-expired"]
    assert [f.object for f in w] == ["public.legacy"] and "2030-01-31" in w[0].message
    # renewed: gone again
    renewed = {"tenancy": {"waivers": [dict(waiver, expires="2031-01-01")]}}
    assert "waiver-expired" not in {
        f.rule for f in _audit(snapshot, renewed, today=dt.date(2030, 2, 1))
    }


def test_waiver_without_expiry_and_glob(snapshot) -> None:  # type: ignore[no-untyped-def]
    data = {
        "tenancy": {
            "waivers": [{"rule": "rls-disabled", "object": "public.*", "reason": "staging"}]
        }
    }
    assert "rls-disabled" not in {f.rule for f in _audit(snapshot, data)}


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({"rules": {"disable": ["nope"]}}, "matches no rule"),
        ({"rules": {"severity": [{"rule": "nope", "severity": "info"}]}}, "unknown rule"),
        (
            {"tenancy": {"waivers": [{"rule": "nope", "object": "x", "reason": "r"}]}},
            "unknown rule",
        ),
        ({"tenancy": {"trusted_functions": ["1 +"]}}, "trusted_functions[0]"),
        ({"tenancy": {"trusted_functions": ["a = b(c)"]}}, "expected a function call"),
        ({"tenancy": {"delete_role_check": {"claim": "(("}}}, "delete_role_check.claim"),
    ],
)
def test_bad_settings(snapshot, data: dict, needle: str) -> None:  # type: ignore[no-untyped-def,type-arg]
    with pytest.raises(ConfigError) as exc:
        _audit(snapshot, data)
    assert needle in str(exc.value)


def test_unknown_key_in_rules_section() -> None:
    with pytest.raises(ConfigError, match=r"rules\.selct"):
        configload.from_dict({"rules": {"selct": []}})
