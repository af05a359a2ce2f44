"""Page models: the rows each template prints, prepared from the snapshot in Python.

Values are raw (unescaped) strings; the templates escape them with the ``text`` and
``code`` filters. Links are DIR-relative paths already turned into page-relative hrefs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from driftwatch import model
from driftwatch.docs.er import er_diagram
from driftwatch.docs.groups import OTHER
from driftwatch.docs.naming import encode, relative_link
from driftwatch.docs.site import (
    INDEX,
    RULES_DIR,
    IncomingFk,
    Site,
    function_name,
    incoming_listing_dir,
    split_qualified,
)

COMMANDS = ("SELECT", "INSERT", "UPDATE", "DELETE")
# A table page lists this many incoming foreign keys; the rest are on paged listings
# (every tenant table references organizations: 11,000 rows would make a 1.6 MB page).
INCOMING_ROWS = 100
UNCOVERED = "✗ no policy"


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    href: str | None  # None: the object is not documented here (other schema, dropped)


@dataclass(frozen=True, slots=True)
class FindingRow:
    severity: str
    rule: str
    rule_href: str
    object: str
    message: str
    remediation: str


@dataclass(frozen=True, slots=True)
class MatrixRow:
    command: str
    cells: tuple[tuple[str, ...], ...]  # per role: policy labels; () = uncovered


@dataclass(frozen=True)
class PageOptions:
    """Everything besides the snapshot that shows in pages (part of every page's key)."""

    app_roles: tuple[str, ...]
    rule_docs: str  # "": the pages in <DIR>/_rules; else a URL base or template with {rule}
    rules: tuple[str, ...]  # ids of the rules that have a page
    site_name: str
    er_neighbours: int

    def rule_href(self, page: str, rule: str) -> str:
        """Link from ``page`` to ``rule``'s documentation; "" when it has none."""
        if self.rule_docs:
            if "{rule}" in self.rule_docs:
                return self.rule_docs.replace("{rule}", encode(rule))
            return f"{self.rule_docs.rstrip('/')}/{encode(rule)}.md"
        if rule not in self.rules:
            return ""
        return relative_link(page, f"{RULES_DIR}/{encode(rule)}.md")


def schema_href(site: Site, page: str, schema: str) -> str:
    return relative_link(page, f"{site.schema_dirs[schema]}/{INDEX}")


def _link(site: Site, page: str, target_key: str) -> Link:
    target = site.relation_path(target_key)
    return Link(target_key, relative_link(page, target) if target else None)


def _finding_rows(site: Site, opts: PageOptions, page_id: str, page: str) -> list[FindingRow]:
    return [
        FindingRow(
            f.severity, f.rule, opts.rule_href(page, f.rule), f.object, f.message, f.remediation
        )
        for f in site.findings.get(page_id, [])
    ]


def _grant_rows(grants: model.Grants, column: str | None = None) -> list[dict[str, Any]]:
    return [
        {"role": role, "privileges": ", ".join(privs), "column": column}
        for role, privs in sorted(grants.items())
    ]


def _sorted_columns(columns: Any) -> list[tuple[str, Any]]:
    return sorted(columns.items(), key=lambda kv: (kv[1].position, kv[0]))


def policy_matrix(
    table: model.Table, app_roles: tuple[str, ...]
) -> tuple[list[str], list[MatrixRow]]:
    """Command × role: the policies that apply (``ALL`` fills every row; ``public`` every role)."""
    seen = {r for p in table.policies.values() for r in p.roles}
    roles = [r for r in app_roles] + sorted(seen - set(app_roles))
    rows = []
    for cmd in COMMANDS:
        cells = []
        for role in roles:
            labels = []
            for name, pol in sorted(table.policies.items()):
                if pol.command not in (cmd, "ALL"):
                    continue
                if role not in pol.roles and "public" not in pol.roles:
                    continue
                tags = []
                if pol.command == "ALL":
                    tags.append("ALL")
                if not pol.permissive:
                    tags.append("restrictive")
                if role not in pol.roles:
                    tags.append("via public")
                labels.append(f"{name} ({', '.join(tags)})" if tags else name)
            cells.append(tuple(labels))
        rows.append(MatrixRow(cmd, tuple(cells)))
    return roles, rows


def covered(labels: tuple[str, ...]) -> bool:
    return any("restrictive" not in label for label in labels)


def incoming_rows(site: Site, page: str, fks: list[IncomingFk]) -> list[dict[str, Any]]:
    """Rows of the foreign keys into a table, with links relative to ``page``."""
    return [
        {
            "source": _link(site, page, fk.source),
            "constraint": fk.name,
            "columns": ", ".join(fk.columns),
            "target_columns": ", ".join(fk.target_columns),
            "on_delete": fk.on_delete,
        }
        for fk in fks
    ]


def table_page(site: Site, opts: PageOptions, key: str) -> dict[str, Any]:
    table = site.table(key)
    page = site.paths[f"table:{key}"]
    schema, name = split_qualified(key, set())
    pk_cols: set[str] = set()
    uk_cols: set[str] = set()
    fk_by_col: dict[str, list[Link]] = {}
    outgoing = []
    for cname, con in sorted(table.constraints.items()):
        if con.type == "primary_key":
            pk_cols.update(con.columns)
        elif con.type == "unique" and len(con.columns) == 1:
            uk_cols.update(con.columns)
        if con.references is not None:
            ref = con.references
            link = _link(site, page, ref.table)
            for col, rcol in zip(con.columns, ref.columns, strict=False):
                fk_by_col.setdefault(col, []).append(Link(f"{ref.table}.{rcol}", link.href))
            outgoing.append(
                {
                    "constraint": cname,
                    "columns": ", ".join(con.columns),
                    "target": link,
                    "target_columns": ", ".join(ref.columns),
                    "on_delete": ref.on_delete,
                    "on_update": ref.on_update,
                }
            )
    columns = []
    column_grants = []
    for cname, col in _sorted_columns(table.columns):
        keys = [
            k for k, s in (("PK", pk_cols), ("FK", set(fk_by_col)), ("UK", uk_cols)) if cname in s
        ]
        default = col.default
        if col.identity:
            default = f"generated {col.identity} as identity"
        elif col.generated:
            default = f"generated always as ({col.generated}) stored"
        columns.append(
            {
                "name": cname,
                "type": col.type,
                "nullable": col.nullable,
                "default": default,
                "comment": col.comment,
                "key_marks": keys,
                "references": fk_by_col.get(cname, []),
                "collation": col.collation,
            }
        )
        column_grants.extend(_grant_rows(col.grants, cname))
    all_incoming = site.incoming.get(key, [])
    incoming = incoming_rows(site, page, all_incoming[:INCOMING_ROWS])
    more = None
    if len(all_incoming) > INCOMING_ROWS:
        more = relative_link(page, f"{incoming_listing_dir(page)}/1.md")
    roles, matrix = policy_matrix(table, opts.app_roles)
    return {
        "site_name": opts.site_name,
        "kind": table.kind,
        "key": key,
        "schema": schema,
        "name": name,
        "group": site.table_group.get(key, OTHER),
        "index_href": relative_link(page, INDEX),
        "schema_href": schema_href(site, page, schema),
        "comment": table.comment,
        "owner": table.owner,
        "rls": table.rls,
        "partition_of": _link(site, page, table.partition_of) if table.partition_of else None,
        "partition_bound": table.partition_bound,
        "partition_key": table.partition_key,
        "inherits": [_link(site, page, t) for t in table.inherits],
        "persistence": table.persistence,
        "options": list(table.options),
        "columns": columns,
        "constraints": [
            {
                "name": n,
                "type": c.type.replace("_", " "),
                "definition": c.definition,
                "deferrable": c.deferrable,
                "validated": c.validated,
            }
            for n, c in sorted(table.constraints.items())
        ],
        "indexes": [
            {
                "name": n,
                "definition": i.definition,
                "unique": i.unique,
                "primary": i.primary,
                "method": i.method,
                "valid": i.valid,
                "constraint": i.constraint,
            }
            for n, i in sorted(table.indexes.items())
        ],
        "outgoing": outgoing,
        "incoming": incoming,
        "incoming_total": len(all_incoming),
        "incoming_more": more,
        "roles": roles,
        "matrix": matrix,
        "uncovered": UNCOVERED,
        "policies": [
            {
                "name": n,
                "command": p.command,
                "permissive": p.permissive,
                "roles": ", ".join(p.roles),
                "using": p.using,
                "with_check": p.with_check,
            }
            for n, p in sorted(table.policies.items())
        ],
        "triggers": [
            {
                "name": n,
                "timing": t.timing,
                "events": " OR ".join(t.events),
                "level": t.level,
                "function": t.function,
                "enabled": t.enabled,
                "definition": t.definition,
            }
            for n, t in sorted(table.triggers.items())
        ],
        "grants": _grant_rows(table.grants) + column_grants,
        "findings": _finding_rows(site, opts, f"table:{key}", page),
        "er": er_diagram(site, key, opts.er_neighbours, table),
    }


def referenced_relations(site: Site, kind: str, key: str) -> list[str]:
    """Relations named (schema-qualified, as PostgreSQL prints them) in a view's body and
    documented here, the view itself aside."""
    names = site.fact(kind, key)["names"]
    return [k for k in names if k != key and site.relation_path(k) is not None]


def view_page(site: Site, opts: PageOptions, kind: str, key: str) -> dict[str, Any]:
    view: model.View | model.MaterializedView = site.obj(kind, key)
    page = site.paths[f"{kind}:{key}"]
    schema, name = split_qualified(key, set())
    reads = [_link(site, page, k) for k in referenced_relations(site, kind, key)]
    return {
        "site_name": opts.site_name,
        "kind": "view" if kind == "view" else "materialized view",
        "key": key,
        "schema": schema,
        "name": name,
        "index_href": relative_link(page, INDEX),
        "schema_href": schema_href(site, page, schema),
        "comment": view.comment,
        "owner": view.owner,
        "security_invoker": getattr(view, "security_invoker", None),
        "security_barrier": getattr(view, "security_barrier", None),
        "check_option": getattr(view, "check_option", None),
        "columns": [
            {"name": n, "type": c.type, "comment": c.comment}
            for n, c in _sorted_columns(view.columns)
        ],
        "definition": view.definition.strip(),
        "reads": reads,
        "indexes": [
            {"name": n, "definition": i.definition}
            for n, i in sorted(getattr(view, "indexes", {}).items())
        ],
        "triggers": [
            {"name": n, "definition": t.definition}
            for n, t in sorted(getattr(view, "triggers", {}).items())
        ],
        "grants": _grant_rows(view.grants),
        "findings": _finding_rows(site, opts, f"{kind}:{key}", page),
    }


def function_page(site: Site, opts: PageOptions, key: str) -> dict[str, Any]:
    fn: model.Function = site.obj("function", key)
    page = site.paths[f"function:{key}"]
    schema, rest = split_qualified(key, set())
    return {
        "site_name": opts.site_name,
        "key": key,
        "schema": schema,
        "name": function_name(rest),
        "signature": rest,
        "index_href": relative_link(page, INDEX),
        "schema_href": schema_href(site, page, schema),
        "fn": fn,
        "search_path": fn.search_path,
        "config": list(fn.config),
        "grants": _grant_rows(fn.grants),
        "findings": _finding_rows(site, opts, f"function:{key}", page),
    }
