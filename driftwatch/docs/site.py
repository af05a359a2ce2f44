"""Where every page lives, and what links to what: computed once per snapshot.

``Site`` holds the DIR-relative path of every page (tables, views, materialized views,
functions), the table group of every table, the foreign keys pointing *into* each table,
the open findings of each page and every object's facts and digest (``facts.py``). Page
rows (``pages.py``) and the incremental planner (``render.py``) only read from it; the
object of a page is decoded when its page is rendered (``Site.obj``), not before.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from driftwatch import idents, model
from driftwatch.docs import facts as factsmod
from driftwatch.docs.groups import TableGroup, classify
from driftwatch.docs.naming import encode, short_hash, unique_stems
from driftwatch.findings import Finding, severity_rank

INDEX = "README.md"
SNAPSHOT = "schema.json"
FUNCTIONS_DIR = "functions"
RULES_DIR = "_rules"  # the rule pages, when [docs] rule_docs is not a URL
ASSETS_DIR = "_assets"  # files the MkDocs site loads (Mermaid)
# Top-level directories of the output that a schema's directory must not take.
LISTINGS_DIR = "_index"  # paged listings of a big schema (docs/index.py)
RESERVED_DIRS = frozenset({RULES_DIR, ASSETS_DIR, LISTINGS_DIR})


def incoming_listing_dir(table_page: str) -> str:
    """Directory of the paged list of foreign keys into the table whose page is given."""
    folder, _, name = table_page.rpartition("/")
    return f"{folder}/{LISTINGS_DIR}/incoming-{name.removesuffix('.md')}"


@dataclass(frozen=True, slots=True)
class IncomingFk:
    source: str  # qualified referencing table
    name: str  # constraint name
    columns: tuple[str, ...]  # of the referencing table
    target_columns: tuple[str, ...]
    on_delete: str
    cardinality: str  # Mermaid crow's foot (``facts.cardinality``)


_MODEL: dict[str, type[Any]] = {
    "table": model.Table,
    "view": model.View,
    "materialized_view": model.MaterializedView,
    "function": model.Function,
}
_DATA_KIND = {page: kind for kind, page in factsmod.KINDS.items()}


@dataclass(frozen=True)
class Site:
    snapshot: model.Snapshot
    groups: tuple[TableGroup, ...]
    paths: dict[str, str]  # "table:public.orders" → "public/orders.md"
    table_group: dict[str, str]
    incoming: dict[str, list[IncomingFk]]
    findings: dict[str, list[Finding]]  # page id → findings, sorted
    unplaced_findings: list[Finding] = field(default_factory=list)
    schema_dirs: dict[str, str] = field(default_factory=dict)  # schema → its directory
    facts: dict[str, dict[str, factsmod.Facts]] = field(default_factory=dict)  # kind → key →
    digests: dict[str, dict[str, str]] = field(default_factory=dict)  # kind → key → digest

    def obj(self, kind: str, key: str) -> Any:
        """The model object of a page (``kind`` as in page ids), decoded now: a render
        decodes only the objects of the pages it renders."""
        return model.from_data(_MODEL[kind], self.snapshot.data[_DATA_KIND[kind]][key])

    def table(self, key: str) -> model.Table:
        table: model.Table = self.obj("table", key)
        return table

    def fact(self, kind: str, key: str) -> factsmod.Facts:
        """Facts of an object (``kind`` as in page ids, or ``enum``)."""
        return self.facts[_DATA_KIND[kind]][key]

    def path(self, kind: str, key: str) -> str | None:
        return self.paths.get(f"{kind}:{key}")

    def relation_path(self, key: str) -> str | None:
        """Page of a table, view or materialized view named ``key``."""
        for kind in ("table", "view", "materialized_view"):
            p = self.paths.get(f"{kind}:{key}")
            if p is not None:
                return p
        return None


def split_qualified(key: str, schemas: set[str]) -> tuple[str, str]:
    """``schema.name`` → (schema, name), both raw: keys quote their identifiers as
    ``quote_ident`` does (``"a.b".c``), so the split is exact (``schemas`` is unused)."""
    return _split(key)


# A render splits each key several times (paths, listings, page keys, groups, mkdocs).
_split = functools.lru_cache(maxsize=1 << 15)(idents.split_key)


def function_name(rest: str) -> str:
    """``name(args)`` → ``name``."""
    return rest.split("(", 1)[0] if "(" in rest else rest


def build_site(
    snap: model.Snapshot,
    groups: tuple[TableGroup, ...],
    findings: list[Finding],
    known: tuple[dict[str, dict[str, factsmod.Facts]], dict[str, dict[str, str]]] | None = None,
) -> Site:
    """The site of ``snap``; ``known`` is ``facts.collect``'s facts and digests, which are
    collected here (decoding every object) when not given."""
    data = snap.data
    facts, digests = known if known is not None else factsmod.collect(data, {})[:2]
    schemas = set(data.get("schemas") or ())
    relations: dict[str, list[tuple[str, str, str]]] = defaultdict(list)  # schema → (kind,key,name)
    functions: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for kind in ("table", "view", "materialized_view"):
        for key in data.get(_DATA_KIND[kind]) or {}:
            schema, name = split_qualified(key, schemas)
            relations[schema].append((kind, key, name))
    for key in data.get("functions") or {}:
        schema, rest = split_qualified(key, schemas)
        functions[schema].append((key, function_name(rest)))

    all_schemas = sorted(set(relations) | set(functions))
    schema_dirs = unique_stems(all_schemas, reserved=RESERVED_DIRS)
    paths: dict[str, str] = {}
    for schema in all_schemas:
        sdir = schema_dirs[schema]
        rels = relations.get(schema, [])
        stems = unique_stems({name for _, _, name in rels})
        for kind, key, name in rels:
            paths[f"{kind}:{key}"] = f"{sdir}/{stems[name]}.md"
        funcs = functions.get(schema, [])
        counts: dict[str, int] = defaultdict(int)
        for _, name in funcs:
            counts[name] += 1
        fstems = unique_stems(set(counts))
        for key, name in funcs:
            stem = fstems[name] if counts[name] == 1 else f"{encode(name)}~~{short_hash(key)}"
            paths[f"function:{key}"] = f"{sdir}/{FUNCTIONS_DIR}/{stem}.md"

    incoming: dict[str, list[IncomingFk]] = defaultdict(list)
    for key, tf in facts["tables"].items():
        for cname, target, cols, tcols, on_delete, card in tf["fks"]:
            incoming[target].append(
                IncomingFk(key, cname, tuple(cols), tuple(tcols), on_delete, card)
            )
    for lst in incoming.values():
        lst.sort(key=lambda f: (f.source, f.name))

    table_group = classify(facts["tables"], groups, _split)
    by_page, unplaced = place_findings(findings, paths)
    return Site(
        snap,
        groups,
        paths,
        table_group,
        dict(incoming),
        by_page,
        unplaced,
        schema_dirs,
        facts,
        digests,
    )


def place_findings(
    findings: list[Finding], paths: dict[str, str]
) -> tuple[dict[str, list[Finding]], list[Finding]]:
    """Attach each finding to the page of its object (``schema.table[.detail]``)."""
    pages = {pid.partition(":")[2]: pid for pid in paths}
    by_page: dict[str, list[Finding]] = defaultdict(list)
    unplaced: list[Finding] = []
    for f in findings:
        obj = f.object
        while True:
            if obj in pages:
                by_page[pages[obj]].append(f)
                break
            if "." not in obj:
                unplaced.append(f)
                break
            obj = obj.rsplit(".", 1)[0]
    for lst in by_page.values():
        lst.sort(key=lambda f: (severity_rank(f.severity), f.rule, f.object, f.fingerprint))
    unplaced.sort(key=lambda f: (f.rule, f.object, f.fingerprint))
    return dict(by_page), unplaced
