"""Findings cached per object (``rules._cache``): the incremental audit equals the full
one after every change, a change in a dependency re-audits the objects that read it, and
the declared dependencies cover what the rules read (each subject of the Nexus samples
audited on a partial snapshot of it, its dependencies and the shared kinds gives exactly
its findings in the full audit)."""

from __future__ import annotations

from typing import Any

import pytest
from rules_helpers import CLAIM, NEXUS_CONFIG, PRELUDE, snap

from driftwatch import config as configmod
from driftwatch import model, rules
from driftwatch import snapshot as snapmod
from driftwatch.config import load as configload
from driftwatch.rules import _cache

CHILD_SQL = (
    PRELUDE
    + f"""
create table public.organizations (id uuid primary key);
alter table public.organizations enable row level security;
create policy org_select on public.organizations for select to authenticated
  using (id = {CLAIM});
create table public.projects (
  id uuid primary key,
  organization_id uuid not null references public.organizations(id)
);
create index on public.projects (organization_id);
alter table public.projects enable row level security;
create policy projects_select on public.projects for select to authenticated
  using (organization_id = {CLAIM});
create table public.tasks (
  id uuid primary key,
  project_id uuid not null references public.projects(id)
);
create index on public.tasks (project_id);
alter table public.tasks enable row level security;
create policy tasks_select on public.tasks for select to authenticated
  using (project_id in (select id from public.projects));
"""
)


def _incremental_equals_full(
    snaps: list[model.Snapshot], cfg: configmod.Config
) -> list[_cache.AuditResult]:
    cache = None
    results = []
    for s in snaps:
        got = _cache.audit(s, cfg, cache)
        assert got.findings == rules.audit(s, cfg)
        # the cache survives a new process: through its file form
        cache = _cache.AuditCache.loads(got.cache.dumps())
        assert cache is not None
        results.append(got)
    return results


def _edit(s: model.Snapshot, kind: str, key: str, **fields: Any) -> model.Snapshot:
    data = {k: dict(g) for k, g in s.data.items()}
    data[kind][key] = {**data[kind][key], **fields}
    return snapmod.make_from_data(s.meta, data)


def _untenanted_projects(s: model.Snapshot) -> model.Snapshot:
    projects = s.data["tables"]["public.projects"]
    columns = {k: v for k, v in projects["columns"].items() if k != "organization_id"}
    constraints = {
        k: v for k, v in projects["constraints"].items() if "organization_id" not in v["columns"]
    }
    indexes = {
        k: v for k, v in projects["indexes"].items() if "organization_id" not in v["columns"]
    }
    return _edit(
        s, "tables", "public.projects", columns=columns, constraints=constraints, indexes=indexes
    )


@pytest.fixture
def chain(make_db: Any) -> model.Snapshot:
    return snap(make_db(CHILD_SQL))


def test_unchanged_snapshot_audits_nothing(chain: model.Snapshot) -> None:
    cfg = configmod.Config()
    first, again = _incremental_equals_full([chain, chain], cfg)
    assert first.full and not again.full and again.audited == 0


def test_change_in_a_parent_reaudits_the_children_that_read_it(chain: model.Snapshot) -> None:
    """projects loses its tenant column (and the foreign key on it): tasks, scoped only
    through projects, changes verdict. Were the foreign-key dependency not declared, the cached finding of
    tasks would be kept and the incremental audit would differ from the full one."""
    cfg = configmod.Config()
    changed = _untenanted_projects(chain)
    before, after = (
        {f.object for f in rules.audit(s, cfg) if f.rule == "tenant-column-missing"}
        for s in (chain, changed)
    )
    assert "public.tasks" in after - before  # the child's verdict follows its parent
    _, result = _incremental_equals_full([chain, changed], cfg)
    assert not result.full
    assert result.audited == 2  # projects and tasks, not organizations


def test_without_the_dependency_the_cache_would_go_stale(
    chain: model.Snapshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same change with foreign keys left out of the declaration: the incremental
    audit keeps the stale finding of tasks — what the test above guards against."""
    cfg = configmod.Config()
    changed = _untenanted_projects(chain)
    monkeypatch.setattr(_cache, "dependencies", lambda *a: set())
    cache = _cache.audit(chain, cfg, None).cache
    assert _cache.audit(changed, cfg, cache).findings != rules.audit(changed, cfg)


def test_shared_change_added_table_and_config_audit_everything(chain: model.Snapshot) -> None:
    cfg = configmod.Config()
    data = {k: dict(g) for k, g in chain.data.items()}
    data["tables"]["public.extra"] = data["tables"]["public.tasks"]
    added = snapmod.make_from_data(chain.meta, data)
    schema = next(iter(chain.data["schemas"]))
    commented = _edit(chain, "schemas", schema, comment="changed")
    results = _incremental_equals_full([chain, added, chain, commented], cfg)
    assert [r.full for r in results] == [True, True, True, True]
    other = configload.from_dict({"tenancy": {"column": "project_id"}})
    cache = _cache.audit(chain, cfg, None).cache
    again = _cache.audit(chain, other, cache)
    assert again.full and again.findings == rules.audit(chain, other)


def _subjects_audited_alone(s: model.Snapshot, cfg: configmod.Config) -> None:
    """Every relation audited on a partial snapshot (it, its dependencies, the shared
    kinds) gives exactly its findings in the full audit."""
    enabled, severities = rules._validate(cfg)
    full = _cache._by_subject(
        rules.raw_findings(s, cfg, enabled, severities), _cache.Subjects(s.data)
    )
    assert full is not None, "every finding names an object of the snapshot"
    rels = _cache.Relations(s.data, cfg)
    deps = {
        (kind, key): tuple(_cache.dependencies(kind, key, s.data[kind][key], rels))
        for kind in _cache.RELATION_KINDS
        for key in s.data.get(kind) or {}
    }
    parents = {
        (kind, key): tuple(_cache.parents(kind, s.data[kind][key]))
        for kind in _cache.RELATION_KINDS
        for key in s.data.get(kind) or {}
    }
    family = _cache._family(parents)
    subjects = _cache.Subjects(s.data)
    for subject in deps:
        keys = _cache._closure({subject}, deps, family, s.data)
        alone = _cache._by_subject(
            rules.raw_findings(_cache.partial(s, keys), cfg, enabled, severities), subjects
        )
        assert alone is not None
        assert sorted(alone.get(subject, [])) == sorted(full.get(subject, [])), subject


def test_declared_dependencies_cover_the_nexus_sample(nexus_db: str) -> None:
    _subjects_audited_alone(snap(nexus_db), configload.from_dict(NEXUS_CONFIG))


def test_declared_dependencies_cover_the_broken_nexus_sample(nexus_broken_db: str) -> None:
    s = snap(nexus_broken_db)
    cfg = configload.from_dict(NEXUS_CONFIG)
    _subjects_audited_alone(s, cfg)
    # and a change to each table, one at a time, keeps incremental == full
    cache = _cache.audit(s, cfg, None).cache
    for key in list(s.data["tables"])[:40]:
        changed = _edit(s, "tables", key, comment=f"edited {key}")
        got = _cache.audit(changed, cfg, cache)
        assert not got.full
        assert got.findings == rules.audit(changed, cfg), key


def test_corrupt_cache_file_is_ignored() -> None:
    assert _cache.AuditCache.loads(b"not json") is None
    assert _cache.AuditCache.loads(b'{"format": "other"}') is None
