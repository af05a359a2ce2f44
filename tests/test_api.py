"""The public API (``import driftwatch``) against a real PostgreSQL: take, write, read,
compare after an ALTER, audit and render docs, each on real content; its errors; and
that the package loads ``driftwatch.api`` only when one of its names is used."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, run_sql
from rules_helpers import API_ROLES

import driftwatch
from driftwatch import api

SCHEMA = (
    API_ROLES
    + """
create table public.organizations (id uuid primary key, name text);
alter table public.organizations enable row level security;
alter table public.organizations force row level security;
create policy organizations_select on public.organizations for select to authenticated
  using (id = ((select current_setting('request.jwt.claims', true))::jsonb ->> 'org')::uuid);
-- a tenant table the API can read, with RLS never enabled
create table public.audit_log (id bigint primary key, organization_id uuid not null, line text);
create schema scratch;
create table scratch.notes (id int primary key);
grant usage on schema public to anon, authenticated;
grant select on all tables in schema public to authenticated;
"""
)
ALTER = "alter table public.organizations add column slug text"


@pytest.fixture(scope="module")
def db(fresh_db: str) -> str:
    run_sql(fresh_db, SCHEMA)
    return fresh_db


@pytest.fixture(scope="module")
def before(db: str) -> driftwatch.Snapshot:
    return driftwatch.take(db, schemas="public")


@pytest.fixture(scope="module")
def after(db: str, before: driftwatch.Snapshot) -> driftwatch.Snapshot:
    run_sql(db, ALTER)
    return driftwatch.take(db, schemas=["public"])


def test_take_selects_schemas(db: str, before: driftwatch.Snapshot) -> None:
    assert set(before.objects.tables) == {"public.audit_log", "public.organizations"}
    everything = driftwatch.take(db, driftwatch.SnapshotOptions(), exclude_schemas="public")
    assert "scratch.notes" in everything.objects.tables
    assert "public.audit_log" not in everything.objects.tables


def test_write_then_read_keeps_the_digest(before: driftwatch.Snapshot, tmp_path: Path) -> None:
    path = tmp_path / "nested" / "snap.json"
    driftwatch.write(before, path, parents=True)
    back = driftwatch.read(path)
    assert back.digest == before.digest
    assert back == before
    strict = driftwatch.read(str(path), strict=True)
    assert strict.digest == before.digest
    # canonical: the same snapshot written again is the same bytes
    again = tmp_path / "again.json"
    driftwatch.write(back, again)
    assert again.read_bytes() == path.read_bytes()


def test_compare_names_the_altered_column(
    before: driftwatch.Snapshot, after: driftwatch.Snapshot, tmp_path: Path
) -> None:
    driftwatch.write(before, tmp_path / "old.json")
    result = driftwatch.compare(driftwatch.read(tmp_path / "old.json"), after)
    assert isinstance(result, driftwatch.DiffResult)
    assert result.from_digest == before.digest and result.to_digest == after.digest
    assert [(c.kind, c.object, c.change) for c in result.changes] == [
        ("column", "public.organizations.slug", "added")
    ]
    assert not driftwatch.compare(after, after).changes


def test_compare_options_and_ignore_kinds(
    before: driftwatch.Snapshot, after: driftwatch.Snapshot
) -> None:
    ignored = driftwatch.compare(before, after, ignore_kinds="column")
    assert ignored.changes == ()
    assert [i.change.object for i in ignored.ignored] == ["public.organizations.slug"]
    opts = driftwatch.DiffOptions(ignore_objects=("public.organizations",))
    assert driftwatch.compare(before, after, opts).changes == ()
    assert driftwatch.compare(before, after, opts, ignore_objects=()).changes != ()
    with pytest.raises(driftwatch.UsageError, match="unknown change kind"):
        driftwatch.compare(before, after, ignore_kinds=["colum"])


def test_audit_finds_the_table_without_rls(after: driftwatch.Snapshot) -> None:
    result = driftwatch.audit(after)
    assert isinstance(result, driftwatch.AuditResult)
    assert result.scope.audited_schemas == ("public",)
    hits = [f for f in result.findings if f.rule == "rls-disabled"]
    assert [(f.object, f.severity) for f in hits] == [("public.audit_log", "error")]
    assert all(isinstance(f, driftwatch.Finding) for f in result.findings)
    assert not any(f.object == "public.organizations" and f.rule == "rls-disabled" for f in hits)


def test_audit_with_a_config(after: driftwatch.Snapshot, tmp_path: Path) -> None:
    path = tmp_path / "driftwatch.toml"
    path.write_text('[rules]\ndisable = ["rls-disabled"]\n')
    findings = driftwatch.audit(after, driftwatch.load_config(path)).findings
    assert findings and not [f for f in findings if f.rule == "rls-disabled"]


def test_render_docs_writes_a_page_per_table(after: driftwatch.Snapshot, tmp_path: Path) -> None:
    out = tmp_path / "docs"
    result = driftwatch.render_docs(after, out)
    assert isinstance(result, driftwatch.RenderResult)
    assert "public/organizations.md" in result.written
    page = (out / "public" / "organizations.md").read_text()
    assert "slug" in page
    assert "rls-disabled" in (out / "public" / "audit_log.md").read_text()
    again = driftwatch.render_docs(after, out, findings=driftwatch.audit(after).findings)
    assert again.written == () and again.unchanged > 0


def test_load_config(tmp_path: Path) -> None:
    path = tmp_path / "driftwatch.toml"
    path.write_text('[rules]\ndisable = ["no-primary-key"]\n')
    assert driftwatch.load_config(path).rules.disable == ["no-primary-key"]
    path.write_text("[rules\n")
    with pytest.raises(driftwatch.ConfigError, match="invalid TOML"):
        driftwatch.load_config(path)


def test_errors_are_the_hierarchy(before: driftwatch.Snapshot, tmp_path: Path) -> None:
    with pytest.raises(driftwatch.TargetUnreachable):
        driftwatch.take("postgresql://nobody@127.0.0.1:1/none", connect_timeout_s=2)
    with pytest.raises(driftwatch.UsageError, match="port"):
        driftwatch.take("postgresql://nobody@127.0.0.1:99999/none")
    with pytest.raises(driftwatch.InputError):
        driftwatch.read(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "driftwatch.snapshot/2"')
    with pytest.raises(driftwatch.SnapshotFormatError):
        driftwatch.read(bad)
    with pytest.raises(driftwatch.OutputError):
        driftwatch.write(before, tmp_path / "no" / "such" / "s.json")
    for err in (driftwatch.UsageError, driftwatch.StoreError, driftwatch.IntrospectionError):
        assert issubclass(err, driftwatch.DriftwatchError)


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}; import sys; print(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    return set(out.stdout.split())


def test_importing_a_module_does_not_load_the_api() -> None:
    loaded = _modules_after("import driftwatch.errors")
    assert "driftwatch" in loaded and "driftwatch.api" not in loaded
    assert "driftwatch.api" in _modules_after("import driftwatch; driftwatch.take")


def test_the_snapshot_command_does_not_load_the_other_engines() -> None:
    loaded = _modules_after("import driftwatch.commands.snapshot")
    assert "driftwatch.api" in loaded
    assert not loaded & {"driftwatch.diff", "driftwatch.rules", "driftwatch.docs", "jinja2"}


def test_public_names() -> None:
    assert set(driftwatch.__all__) == {*api.__all__, "__version__"}
    for name in api.__all__:
        assert getattr(driftwatch, name) is getattr(api, name)
    assert set(dir(driftwatch)) >= set(driftwatch.__all__)
    # a name that is also a submodule would be replaced by the module once it is imported
    submodules = {
        p.stem for p in (REPO / "driftwatch").iterdir() if p.suffix == ".py" or p.is_dir()
    }
    assert not submodules & set(driftwatch.__all__)
    with pytest.raises(AttributeError):
        _ = driftwatch.no_such_name
