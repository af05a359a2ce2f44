"""`driftwatch check`: formats, exit codes, SARIF structure, --snapshot, errors."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from conftest import run_sql
from rules_helpers import CLAIM, PRELUDE

from driftwatch import rules
from driftwatch import snapshot as snapmod
from driftwatch.cli import main
from driftwatch.introspect import SnapshotOptions, take_snapshot

SCHEMA = (
    PRELUDE
    + f"""
create table public.organizations (id uuid primary key);
create table public.projects (id uuid primary key,
  organization_id uuid not null references public.organizations (id), name text);
create index on public.projects (organization_id);
alter table public.organizations enable row level security;
alter table public.organizations force row level security;
alter table public.projects enable row level security;
alter table public.projects force row level security;
create policy organizations_select on public.organizations for select to authenticated using (id = {CLAIM});
create policy projects_select on public.projects for select to authenticated using (organization_id = {CLAIM});
create policy "Projects: any" on public.projects for select to anon using (true);
create policy organizations_update on public.organizations for update to authenticated
  using (id = (auth.jwt() -> 'app_metadata' ->> 'organization_id')::uuid);
create table public."Odd Table" (id uuid primary key, organization_id uuid);
-- granted to the API roles as Supabase's default privileges do, but this one table
create table public.internal_log (id bigint primary key, line text);
create schema app;
grant usage on schema public to anon, authenticated;
grant all on all tables in schema public to anon, authenticated;
revoke all on public.internal_log from anon, authenticated;
"""
)

# A subset of the SARIF 2.1.0 schema (sarif-schema-2.1.0.json): the required properties,
# types and enums of every object driftwatch emits.
SARIF_SUBSET = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "$schema": {"type": "string", "format": "uri"},
        "version": {"enum": ["2.1.0"]},
        "runs": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["tool"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "version": {"type": "string"},
                                    "rules": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["id"],
                                            "properties": {
                                                "id": {"type": "string"},
                                                "shortDescription": {"$ref": "#/$defs/message"},
                                                "fullDescription": {"$ref": "#/$defs/message"},
                                                "help": {"$ref": "#/$defs/message"},
                                                "defaultConfiguration": {
                                                    "type": "object",
                                                    "properties": {
                                                        "level": {"$ref": "#/$defs/level"}
                                                    },
                                                },
                                            },
                                        },
                                    },
                                },
                            }
                        },
                    },
                    "columnKind": {"enum": ["utf16CodeUnits", "unicodeCodePoints"]},
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["message"],
                            "properties": {
                                "ruleId": {"type": "string"},
                                "ruleIndex": {"type": "integer", "minimum": -1},
                                "level": {"$ref": "#/$defs/level"},
                                "message": {"$ref": "#/$defs/message"},
                                "locations": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "logicalLocations": {
                                                "type": "array",
                                                "items": {
                                                    "type": "object",
                                                    "properties": {
                                                        "fullyQualifiedName": {"type": "string"},
                                                        "kind": {"type": "string"},
                                                    },
                                                },
                                            }
                                        },
                                    },
                                },
                                "partialFingerprints": {
                                    "type": "object",
                                    "additionalProperties": {"type": "string"},
                                },
                            },
                        },
                    },
                },
            },
        },
    },
    "$defs": {
        "level": {"enum": ["none", "note", "warning", "error"]},
        "message": {
            "type": "object",
            "anyOf": [{"required": ["text"]}, {"required": ["id"]}],
            "properties": {"text": {"type": "string"}, "markdown": {"type": "string"}},
        },
    },
}


@pytest.fixture(scope="module")
def db(fresh_db: str) -> str:
    run_sql(fresh_db, SCHEMA)
    return fresh_db


@pytest.fixture(scope="module")
def snapfile(db: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("snap") / "snap.json"
    snapmod.write(take_snapshot(db, SnapshotOptions()), path)
    return path


def test_text_output_grouped_and_exit_1(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--dsn", db]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "driftwatch: audited schemas: public; skipped: app, private"
    assert out.index("ERROR") < out.index("WARNING") < out.index("INFO")
    assert "[policy-not-tenant-scoped] policy Projects: any on public.projects" in out
    assert 'DROP POLICY "Projects: any" ON public.projects;' in out  # anon: no tenant claim
    assert 'public."Odd Table"' in out  # remediation SQL quotes the identifier
    # no API role can reach internal_log: its findings are info and say why
    info = out[out.index("INFO") :]
    assert "[rls-disabled] row level security is disabled on public.internal_log" in info
    assert (
        "no API role can reach public.internal_log: authenticated, anon hold no privilege" in info
    )


def test_json_format(snapfile: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--snapshot", str(snapfile), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["format"] == "driftwatch.findings/1"
    assert data["scope"]["audited_schemas"] == ["public"]
    assert data["scope"]["skipped_schemas"] == ["app", "private"]
    keys = {"rule", "severity", "object", "message", "fingerprint", "remediation"}
    assert data["findings"] and all(set(f) == keys for f in data["findings"])
    rules_seen = {f["rule"] for f in data["findings"]}
    assert {
        "policy-not-tenant-scoped",
        "tenant-column-nullable",
        "tenant-column-unindexed",
    } <= rules_seen


def test_sarif_validates(snapfile: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.sarif"
    assert main(["check", "--snapshot", str(snapfile), "--format", "sarif", "-o", str(out)]) == 1
    data = json.loads(out.read_text())
    jsonschema.validate(data, SARIF_SUBSET)
    run = data["runs"][0]
    driver_rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in driver_rules] == list(rules.REGISTRY)
    assert all("## Why is this bad?" in r["help"]["markdown"] for r in driver_rules)
    for res in run["results"]:
        assert driver_rules[res["ruleIndex"]]["id"] == res["ruleId"]
    assert {r["level"] for r in run["results"]} == {"error", "warning", "note"}
    assert run["properties"]["audited_schemas"] == ["public"]


def test_fail_on_threshold(snapfile: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[rules]\ndisable = ["policy-not-tenant-scoped", "rls-*"]\n')
    args = ["check", "--snapshot", str(snapfile), "--config", str(cfg), "-o", str(tmp_path / "o")]
    assert main([*args, "--fail-on", "error"]) == 0  # only warnings/info left
    assert main([*args, "--fail-on", "warning"]) == 1
    assert main([*args, "--fail-on", "info"]) == 1


def test_clean_database_exits_0(make_db, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    dsn = make_db("create schema app; create table app.t (id int);")
    assert main(["check", "--dsn", dsn, "--fail-on", "info"]) == 0
    assert "no findings" in capsys.readouterr().out


def test_fingerprints_stable_across_runs(db: str, snapfile: Path) -> None:
    a = rules.audit(
        take_snapshot(db, SnapshotOptions()), __import__("driftwatch.config").config.Config()
    )
    b = rules.audit(snapmod.read(snapfile), __import__("driftwatch.config").config.Config())
    assert [f.fingerprint for f in a] == [f.fingerprint for f in b]
    assert len({f.fingerprint for f in a}) == len(a)


@pytest.mark.parametrize(
    ("argv", "code", "needle"),
    [
        (["check", "--snapshot", "/nonexistent/snap.json"], 2, "is not a snapshot file"),
        (["check", "--dsn", "postgresql://u:sekret@127.0.0.1:1/x"], 3, "cannot connect"),
        (["check", "--format", "xml", "--snapshot", "x"], 2, "invalid choice"),
    ],
)
def test_errors(
    argv: list[str], code: int, needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        got = main(argv)
    except SystemExit as exc:
        got = int(exc.code or 0)
    err = capsys.readouterr().err
    assert got == code
    assert needle in err and "sekret" not in err and "Traceback" not in err


def test_snapshot_with_dsn_is_usage_error(
    snapfile: Path, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--snapshot", str(snapfile), "--dsn", db]) == 2
    assert "cannot be combined" in capsys.readouterr().err


def test_bad_rules_config_is_exit_2(
    snapfile: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "c.toml"
    for body, needle in (
        ('[rules]\ndisable = ["no-such-rule"]\n', "matches no rule"),
        (
            '[rules]\nseverity = [{ rule = "rls-disabled", severity = "fatal" }]\n',
            "not error, warning or info",
        ),
        ("[rules]\nbogus = 1\n", "unknown config key 'rules.bogus'"),
        ('[tenancy]\nclaim = "auth.jwt( ->"\n', "tenancy.claim"),
        (
            '[tenancy]\nwaivers = [{ rule = "rls-disabled", object = "x", reason = "r", expires = "soon" }]\n',
            "YYYY-MM-DD",
        ),
    ):
        cfg.write_text(body)
        out = tmp_path / "out.json"
        assert (
            main(["check", "--snapshot", str(snapfile), "--config", str(cfg), "-o", str(out)]) == 2
        )
        assert needle in capsys.readouterr().err
        assert not out.exists()
