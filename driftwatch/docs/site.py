"""Where every page lives, and what links to what: computed once per snapshot.

``Site`` holds the DIR-relative path of every page (tables, views, materialized views,
functions), the table group of every table, the foreign keys pointing *into* each table,
and the open findings of each page. Page rows (``pages.py``) and the incremental planner
(``render.py``) only read from it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from driftwatch import idents, model
from driftwatch.docs.groups import TableGroup, group_of
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
    constraint: model.Constraint


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
    return idents.split_key(key)


def function_name(rest: str) -> str:
    """``name(args)`` → ``name``."""
    return rest.split("(", 1)[0] if "(" in rest else rest


def build_site(
    snap: model.Snapshot, groups: tuple[TableGroup, ...], findings: list[Finding]
) -> Site:
    objs = snap.objects
    schemas = set(objs.schemas)
    relations: dict[str, list[tuple[str, str, str]]] = defaultdict(list)  # schema → (kind,key,name)
    functions: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for kind, mapping in (
        ("table", objs.tables),
        ("view", objs.views),
        ("materialized_view", objs.materialized_views),
    ):
        for key in mapping:
            schema, name = split_qualified(key, schemas)
            relations[schema].append((kind, key, name))
    for key in objs.functions:
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
    for key, table in objs.tables.items():
        for cname, con in table.constraints.items():
            if con.references is not None:
                incoming[con.references.table].append(IncomingFk(key, cname, con))
    for lst in incoming.values():
        lst.sort(key=lambda f: (f.source, f.name))

    table_group = {key: group_of(key, groups) for key in objs.tables}
    by_page, unplaced = place_findings(findings, paths)
    return Site(snap, groups, paths, table_group, dict(incoming), by_page, unplaced, schema_dirs)


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
