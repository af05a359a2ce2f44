"""Findings cached per object: a tick re-audits only what changed and what reads it.

Every raw finding (before waivers and severity overrides) belongs to one *subject*, the
top-level object it names (``kind``, ``key``). The audit of a subject reads the subject,
the objects its ``dependencies`` name, and every object of the *shared* kinds (every kind
but the relations': functions, schemas, roles, types... whatever the model has). So when
only relations changed, and no relation was added or removed, the subjects to audit again
are the changed ones and those that depend on them (transitively); they are audited on a
snapshot of just them, their dependencies and the shared objects, and every other
subject's findings are taken from the cache. Anything else (a shared object changed, a
relation added or removed, another config or rule code, no cache) audits everything.

``dependencies`` is the one declaration of what a rule may read across relations: the
tenant root tables, the foreign-key parents of a table (the indirect tenant scope follows them), its partition
and inheritance family (both ways), and the relations named in its policies; the
relations a view's definition names. ``tests/test_audit_cache.py`` audits each subject of
real schemas on such a partial snapshot and compares with the full audit, so a rule that
starts reading something else fails there instead of going stale here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from driftwatch import __version__, model, sqlexpr
from driftwatch import config as configmod
from driftwatch.findings import Finding, Severity
from driftwatch.gctuning import collector_paused
from driftwatch.objectgroup import group_digest

RELATION_KINDS: tuple[str, ...] = ("tables", "views", "materialized_views")
FORMAT = "driftwatch.audit-cache/1"

Subject = tuple[str, str]  # (kind, key)

_IDENT = re.compile(r'"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*')


# a finding's fields in order (its row in the file; dataclasses.astuple would deep-copy)
_FINDING_FIELDS = tuple(f.name for f in dataclasses.fields(Finding))


@dataclass
class AuditCache:
    """The raw findings of one audited snapshot, by subject, with what they were read from."""

    key: str  # config + rule code + driftwatch version
    digests: dict[str, dict[str, str]]  # kind → key → object digest
    findings: dict[Subject, list[Finding]]
    deps: dict[Subject, tuple[Subject, ...]] = field(default_factory=dict)
    parents: dict[Subject, tuple[Subject, ...]] = field(default_factory=dict)  # partition/INHERITS

    def dumps(self) -> bytes:
        return orjson.dumps(
            {
                "format": FORMAT,
                "key": self.key,
                "digests": self.digests,
                "findings": [
                    [k, n, [[getattr(f, name) for name in _FINDING_FIELDS] for f in fs]]
                    for (k, n), fs in sorted(self.findings.items())
                ],
                "deps": _pairs(self.deps),
                "parents": _pairs(self.parents),
            }
        )

    @classmethod
    def loads(cls, raw: bytes) -> AuditCache | None:
        """The cache a file holds; None when it is unreadable or of another format."""
        try:
            doc = orjson.loads(raw)
            if doc.get("format") != FORMAT:
                return None
            return cls(
                key=doc["key"],
                digests=doc["digests"],
                findings={(k, n): [Finding(*f) for f in fs] for k, n, fs in doc["findings"]},
                deps=_unpairs(doc["deps"]),
                parents=_unpairs(doc["parents"]),
            )
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError):
            return None


def _pairs(edges: Mapping[Subject, tuple[Subject, ...]]) -> list[Any]:
    return [[k, n, [list(d) for d in ds]] for (k, n), ds in sorted(edges.items())]


def _unpairs(rows: list[Any]) -> dict[Subject, tuple[Subject, ...]]:
    return {(k, n): tuple((a, b) for a, b in ds) for k, n, ds in rows}


@dataclass(frozen=True)
class AuditResult:
    findings: list[Finding]  # final: waivers and overrides applied, sorted
    cache: AuditCache
    audited: int  # subjects audited this time (all of them on a full audit)
    full: bool


def config_key(cfg: configmod.Config) -> str:
    """What the cached findings were computed under: the config, the rules' code (their
    modules and the expression helpers they parse with) and the driftwatch version (a rule
    fixed in place changes its module's bytes)."""
    h = hashlib.sha256(__version__.encode())
    h.update(orjson.dumps(dataclasses.asdict(cfg), default=str, option=orjson.OPT_SORT_KEYS))
    for path in [*sorted(Path(__file__).parent.glob("*.py")), Path(sqlexpr.__file__)]:
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


# --------------------------------------------------------------------------- dependencies


def _bare(key: str) -> str:
    name = key.split(".", 1)[1] if "." in key else key
    return name[1:-1].replace('""', '"') if name.startswith('"') and name.endswith('"') else name


@functools.lru_cache(maxsize=4096)
def _names(text: str | None) -> frozenset[str]:
    """The identifiers of a deparsed expression, unquoted (deparsing quotes what needs it).
    Cached: tables of one schema mostly share their policies' texts."""
    if not text:
        return frozenset()
    return frozenset(
        t[1:-1].replace('""', '"') if t.startswith('"') else t for t in _IDENT.findall(text)
    )


class Relations:
    """The relations of a snapshot by bare name (what policy and view texts call them),
    and the tenant root tables (``[tenancy] root_table``), which every audit may read."""

    def __init__(self, data: Mapping[str, Any], cfg: configmod.Config) -> None:
        self.by_name: dict[str, list[Subject]] = {}
        for kind in RELATION_KINDS:
            for key in data.get(kind) or {}:
                self.by_name.setdefault(_bare(key), []).append((kind, key))
        self.keys = {(kind, key) for kind in RELATION_KINDS for key in data.get(kind) or {}}
        root = cfg.tenancy.root_table
        tables = data.get("tables") or {}
        self.roots = {
            ("tables", k) for k in tables if k == root or ("." not in root and _bare(k) == root)
        }

    def named(self, texts: Iterable[str | None]) -> set[Subject]:
        out: set[Subject] = set()
        for text in set(texts):
            for name in _names(text):
                hit = self.by_name.get(name)
                if hit:
                    out.update(hit)
        return out


def dependencies(kind: str, key: str, obj: Mapping[str, Any], rels: Relations) -> set[Subject]:
    """The relations whose content the audit of relation ``(kind, key)`` may read (besides
    its own and the shared kinds'). Read from the object's JSON-native form."""
    out: set[Subject] = set(rels.roots)
    if kind == "tables":
        for con in (obj.get("constraints") or {}).values():
            ref = con.get("references")
            if ref and ref.get("table"):
                out.add(("tables", ref["table"]))
        out.update(parents(kind, obj))
        texts = [
            t
            for p in (obj.get("policies") or {}).values()
            for t in (p.get("using"), p.get("with_check"))
        ]
        out |= rels.named(texts)
    else:
        out |= rels.named([obj.get("definition")])
    out.discard((kind, key))
    return {s for s in out if s in rels.keys}


def parents(kind: str, obj: Mapping[str, Any]) -> set[Subject]:
    """A table's partitioned parent and INHERITS parents: family edges, read both ways."""
    if kind != "tables":
        return set()
    found = [obj.get("partition_of"), *(obj.get("inherits") or ())]
    return {("tables", p) for p in found if p}


def _family(parents_of: Mapping[Subject, tuple[Subject, ...]]) -> dict[Subject, set[Subject]]:
    """Each relation's family (parents and children), from the parent edges."""
    out: dict[Subject, set[Subject]] = {}
    for child, ps in parents_of.items():
        for p in ps:
            out.setdefault(p, set()).add(child)
            out.setdefault(child, set()).add(p)
    return out


# --------------------------------------------------------------------------- attribution


class Subjects:
    """Finds the subject a finding names: the object itself, or the object a member
    (``table.policy``, ``table.column``) belongs to; relations before other kinds."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.kinds = [
            *[k for k in RELATION_KINDS if k in data],
            *sorted(set(data) - set(RELATION_KINDS)),
        ]
        self.data = data

    def of(self, name: str) -> Subject | None:
        candidates = [name]
        i = len(name)
        while (i := name.rfind(".", 0, i)) > 0:
            candidates.append(name[:i])
        for cand in candidates:
            for kind in self.kinds:
                if cand in self.data[kind]:
                    return (kind, cand)
        return None


# --------------------------------------------------------------------------- the audit


def audit(
    snap: model.Snapshot,
    cfg: configmod.Config,
    previous: AuditCache | None,
    *,
    today: dt.date | None = None,
) -> AuditResult:
    """The audit of ``snap`` (as ``rules.audit`` gives it), re-running the rules only on
    the subjects ``previous`` does not answer for."""
    with collector_paused():
        return _audit(snap, cfg, previous, today)


def _audit(
    snap: model.Snapshot, cfg: configmod.Config, previous: AuditCache | None, today: dt.date | None
) -> AuditResult:
    from driftwatch import rules

    enabled, severities = rules._validate(cfg)
    key = config_key(cfg)
    data = snap.data
    digests = {kind: {k: group_digest(group, k) for k in group} for kind, group in data.items()}
    subjects = Subjects(data)
    rels = Relations(data, cfg)
    plan = _plan(previous, key, digests) if previous is not None else None
    deps, parents_of = _deps(data, rels, digests, previous if plan is not None else None)
    family = _family(parents_of)
    if plan is not None and previous is not None:
        affected = _affected(plan, deps, family)
        keep = {s: f for s, f in previous.findings.items() if s not in affected}
        if not affected:
            cache = AuditCache(key, digests, keep, deps, parents_of)
            raw = [f for fs in keep.values() for f in fs]
            return AuditResult(rules.finish(raw, cfg, today), cache, 0, False)
        keys = _closure(affected, deps, family, data)
        found = _by_subject(_raw(snap, cfg, enabled, severities, keys), subjects)
        if found is not None:
            for s, fs in found.items():
                if s in affected:
                    keep[s] = fs
            cache = AuditCache(key, digests, keep, deps, parents_of)
            raw = [f for fs in keep.values() for f in fs]
            return AuditResult(rules.finish(raw, cfg, today), cache, len(affected), False)
    raw = rules.raw_findings(snap, cfg, enabled, severities)
    grouped = _by_subject(raw, subjects)
    cache = AuditCache(key, digests, grouped or {}, deps, parents_of)
    if grouped is None:  # a finding of no object: nothing can be cached
        cache.key = ""
    total = sum(len(g) for g in data.values())
    return AuditResult(rules.finish(raw, cfg, today), cache, total, True)


def _plan(
    previous: AuditCache, key: str, digests: Mapping[str, Mapping[str, str]]
) -> set[Subject] | None:
    """The changed relations, or None when only a full audit will do."""
    if previous.key != key or set(previous.digests) != set(digests):
        return None
    changed: set[Subject] = set()
    for kind, now in digests.items():
        was = previous.digests[kind]
        if was.keys() != now.keys():
            return None  # an object added or removed
        diff = {(kind, k) for k, d in now.items() if was[k] != d}
        if diff and kind not in RELATION_KINDS:
            return None  # a shared object changed: every subject may read it
        changed |= diff
    return changed


def _deps(
    data: Mapping[str, Any],
    rels: Relations,
    digests: Mapping[str, Mapping[str, str]],
    previous: AuditCache | None,
) -> tuple[dict[Subject, tuple[Subject, ...]], dict[Subject, tuple[Subject, ...]]]:
    """Each relation's dependencies and family parents, taken from ``previous`` for
    unchanged objects (the relations are the same: none was added or removed), so an
    object is decoded for this only when it changed."""
    deps: dict[Subject, tuple[Subject, ...]] = {}
    fam: dict[Subject, tuple[Subject, ...]] = {}
    for kind in RELATION_KINDS:
        group = data.get(kind) or {}
        was = previous.digests.get(kind, {}) if previous is not None else {}
        for key in group:
            s = (kind, key)
            if previous is not None and s in previous.deps and was.get(key) == digests[kind][key]:
                deps[s] = previous.deps[s]
                fam[s] = previous.parents.get(s, ())
            else:
                obj = group[key]
                deps[s] = tuple(sorted(dependencies(kind, key, obj, rels)))
                fam[s] = tuple(sorted(p for p in parents(kind, obj) if p in rels.keys))
    return deps, fam


def _affected(
    changed: set[Subject],
    deps: Mapping[Subject, tuple[Subject, ...]],
    family: Mapping[Subject, set[Subject]],
) -> set[Subject]:
    """The changed subjects and every subject that reads one of them, transitively."""
    readers: dict[Subject, set[Subject]] = {}
    for s, ds in deps.items():
        for d in ds:
            readers.setdefault(d, set()).add(s)
    for parent, children in family.items():
        readers.setdefault(parent, set()).update(children)
        for c in children:
            readers.setdefault(c, set()).add(parent)
    out = set(changed)
    todo = list(changed)
    while todo:
        for r in readers.get(todo.pop(), ()):
            if r not in out:
                out.add(r)
                todo.append(r)
    return out


def _closure(
    subjects: set[Subject],
    deps: Mapping[Subject, tuple[Subject, ...]],
    family: Mapping[Subject, set[Subject]],
    data: Mapping[str, Any],
) -> dict[str, set[str]]:
    """Keys per kind of the partial snapshot that audits ``subjects``: them, what they read
    (transitively), their partition families, and every object of the shared kinds."""
    seen: set[Subject] = set()
    todo = list(subjects)
    while todo:
        s = todo.pop()
        if s in seen:
            continue
        seen.add(s)
        todo.extend(deps.get(s, ()))
        todo.extend(family.get(s, ()))
    keys: dict[str, set[str]] = {kind: set() for kind in data}
    for kind, key in seen:
        keys[kind].add(key)
    for kind in data:
        if kind not in RELATION_KINDS:
            keys[kind] = set(data[kind])
    return keys


def partial(snap: model.Snapshot, keys: Mapping[str, set[str]]) -> model.Snapshot:
    """``snap`` with only ``keys`` of each kind (decoding only those)."""
    data = {kind: {k: snap.data[kind][k] for k in sorted(keys.get(kind, ()))} for kind in snap.data}
    return model.Snapshot(snap.meta, digest="partial", data=data)


def _raw(
    snap: model.Snapshot,
    cfg: configmod.Config,
    enabled: list[Any],
    severities: Mapping[str, Severity],
    keys: Mapping[str, set[str]],
) -> list[Finding]:
    from driftwatch import rules

    return rules.raw_findings(partial(snap, keys), cfg, enabled, severities)


def _by_subject(findings: list[Finding], subjects: Subjects) -> dict[Subject, list[Finding]] | None:
    out: dict[Subject, list[Finding]] = {}
    for f in findings:
        s = subjects.of(f.object)
        if s is None:
            return None
        out.setdefault(s, []).append(f)
    return out
