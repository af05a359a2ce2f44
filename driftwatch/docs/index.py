"""The index pages: a top page per database, a page per schema, and paged listings.

The top page (``README.md``) counts every schema's objects and links each schema's page
(``<schema>/README.md``). A schema whose tables, views, functions and enums fit in
``PAGE_ROWS`` rows lists them all on its page, tables by group; a bigger one shows counts
and links to listings of at most ``PAGE_ROWS`` rows each
(``<schema>/_index/<listing>/<n>.md``), so no index page grows with the database. The
schema list of the top page is paged the same way past ``PAGE_ROWS`` schemas.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from driftwatch import model
from driftwatch.docs import pages as pagesmod
from driftwatch.docs.groups import OTHER
from driftwatch.docs.naming import relative_link, unique_stems
from driftwatch.docs.pages import Link
from driftwatch.docs.site import (
    INDEX,
    LISTINGS_DIR,
    SNAPSHOT,
    Site,
    incoming_listing_dir,
    split_qualified,
)

PAGE_ROWS = 500


@dataclass(frozen=True)
class IndexPage:
    path: str  # DIR-relative
    template: str
    context: dict[str, Any]


@dataclass
class Listing:
    """One list of rows (a group's tables, a schema's views...) and the pages it spans."""

    key: str  # file-name stem of its directory
    title: str
    kind: str  # "tables" | "views" | "materialized_views" | "functions" | "enums" | "schemas"
    description: str = ""
    patterns: tuple[str, ...] = ()
    rows: list[dict[str, Any]] = field(default_factory=list)
    findings: int = 0
    pages: list[Link] = field(default_factory=list)


def _count(site: Site, page_id: str) -> int:
    return len(site.findings.get(page_id, []))


def _schema_of(site: Site) -> dict[str, str]:
    """page id → schema, for every page of the site."""
    return {pid: split_qualified(pid.partition(":")[2], set())[0] for pid in site.paths}


def _listings(site: Site, schema: str, ids: list[str]) -> list[Listing]:
    """The listings of one schema: tables by group (file order, "Other" last), then the rest."""
    by_group: dict[str, list[str]] = defaultdict(list)
    for pid in ids:
        kind, _, key = pid.partition(":")
        if kind == "table":
            by_group[site.table_group[key]].append(key)
    names = [g.name for g in site.groups] + [OTHER]
    stems = unique_stems(names)
    out: list[Listing] = []
    for g in [*site.groups, None]:
        name = g.name if g else OTHER
        keys = sorted(by_group.get(name, []))
        if not keys:
            continue
        listing = Listing(
            f"tables-{stems[name]}",
            name,
            "tables",
            g.description if g else "Tables matching no group",
            g.patterns if g else (),
        )
        for key in keys:
            t = site.fact("table", key)
            listing.rows.append(
                {
                    "target": site.paths[f"table:{key}"],
                    "label": key,
                    "kind": t["kind"],
                    "rls": model.Rls(*t["rls"]),
                    "policies": t["policies"],
                    "findings": _count(site, f"table:{key}"),
                    "comment": t["comment"],
                }
            )
        out.append(listing)
    for kind, title in (("views", "Views"), ("materialized_views", "Materialized views")):
        single = kind[:-1]
        keys = sorted(pid.partition(":")[2] for pid in ids if pid.startswith(f"{single}:"))
        if keys:
            listing = Listing(kind.replace("_", "-"), title, kind)
            for key in keys:
                listing.rows.append(
                    {
                        "target": site.paths[f"{single}:{key}"],
                        "label": key,
                        "findings": _count(site, f"{single}:{key}"),
                        "comment": site.fact(single, key)["comment"],
                    }
                )
            out.append(listing)
    fkeys = sorted(pid.partition(":")[2] for pid in ids if pid.startswith("function:"))
    if fkeys:
        listing = Listing("functions", "Functions", "functions")
        for key in fkeys:
            f = site.fact("function", key)
            listing.rows.append(
                {
                    "target": site.paths[f"function:{key}"],
                    "label": key,
                    "returns": f["returns"],
                    "security_definer": f["security_definer"],
                    "findings": _count(site, f"function:{key}"),
                    "comment": f["comment"],
                }
            )
        out.append(listing)
    enum_facts = site.facts["enums"]
    enums = sorted(k for k in enum_facts if split_qualified(k, set())[0] == schema)
    if enums:
        listing = Listing("enums", "Enums", "enums")
        for key in enums:
            e = enum_facts[key]
            listing.rows.append({"label": key, "labels": e["labels"], "comment": e["comment"]})
        out.append(listing)
    for listing in out:
        listing.findings = sum(int(r.get("findings", 0)) for r in listing.rows)
    return out


def _linked(rows: list[dict[str, Any]], page: str) -> list[dict[str, Any]]:
    """Rows with their ``target`` turned into a link relative to ``page``."""
    result = []
    for r in rows:
        row = dict(r)
        target = row.pop("target", None)
        row["link"] = Link(row["label"], relative_link(page, target) if target else None)
        result.append(row)
    return result


def _paged(
    listing: Listing, base_dir: str, crumbs: list[tuple[str, str]], common: dict[str, Any]
) -> list[IndexPage]:
    """Split a listing into pages under ``base_dir/_index/<key>/``; fills ``listing.pages``."""
    chunks = [listing.rows[i : i + PAGE_ROWS] for i in range(0, len(listing.rows), PAGE_ROWS)] or [
        []
    ]
    paths = [
        f"{base_dir + '/' if base_dir else ''}{LISTINGS_DIR}/{listing.key}/{n}.md"
        for n in range(1, len(chunks) + 1)
    ]
    pages = []
    for n, (path, rows) in enumerate(zip(paths, chunks, strict=True), start=1):
        first, last = (n - 1) * PAGE_ROWS + 1, (n - 1) * PAGE_ROWS + len(rows)
        pages.append(
            IndexPage(
                path,
                "listing.md.j2",
                {
                    **common,
                    "title": listing.title,
                    "kind": listing.kind,
                    "description": listing.description,
                    "patterns": listing.patterns,
                    "crumbs": [Link(label, relative_link(path, to)) for label, to in crumbs],
                    "page": n,
                    "page_count": len(chunks),
                    "first": first,
                    "last": last,
                    "total": len(listing.rows),
                    "prev": relative_link(path, paths[n - 2]) if n > 1 else None,
                    "next": relative_link(path, paths[n]) if n < len(chunks) else None,
                    "rows": _linked(rows, path),
                },
            )
        )
    listing.pages = [Link(f"{p.context['first']}–{p.context['last']}", p.path) for p in pages]
    return pages


def _relink(listing: Listing, page: str) -> dict[str, Any]:
    """A listing as the schema or top page shows it: rows inline or links to its pages."""
    return {
        "title": listing.title,
        "kind": listing.kind,
        "description": listing.description,
        "patterns": listing.patterns,
        "count": len(listing.rows),
        "findings": listing.findings,
        "rows": _linked(listing.rows, page) if not listing.pages else [],
        "pages": [Link(p.label, relative_link(page, p.href or "")) for p in listing.pages],
    }


def _incoming_pages(
    site: Site, ids: list[str], common: dict[str, Any], spath: str, schema: str
) -> list[IndexPage]:
    """Paged lists of the foreign keys into each table that has more than a page shows."""
    pages: list[IndexPage] = []
    for pid in ids:
        kind, _, key = pid.partition(":")
        fks = site.incoming.get(key, []) if kind == "table" else []
        if len(fks) <= pagesmod.INCOMING_ROWS:
            continue
        page = site.paths[pid]
        listing = Listing(
            incoming_listing_dir(page).rpartition("/")[2],
            f"Foreign keys into {key}",
            "incoming",
        )
        for fk in fks:
            listing.rows.append(
                {
                    "label": fk.source,
                    "target": site.relation_path(fk.source),
                    "constraint": fk.name,
                    "columns": ", ".join(fk.columns),
                    "target_columns": ", ".join(fk.target_columns),
                    "on_delete": fk.on_delete,
                }
            )
        crumbs = [(common["site_name"], INDEX), (schema, spath), (key, page)]
        pages.extend(_paged(listing, page.rpartition("/")[0], crumbs, common))
    return pages


def index_pages(
    site: Site, common: dict[str, Any], rule_rows: list[Any], rules_href: str | None
) -> list[IndexPage]:
    """Every index page of the site: the top page, one per schema, and their listings."""
    snap = site.snapshot
    facts = site.facts
    schema_of = _schema_of(site)
    ids_by_schema: dict[str, list[str]] = defaultdict(list)
    for pid in sorted(site.paths):
        ids_by_schema[schema_of[pid]].append(pid)
    for key in facts["enums"]:
        ids_by_schema.setdefault(split_qualified(key, set())[0], [])
    pages: list[IndexPage] = []
    schema_rows: list[dict[str, Any]] = []
    for schema in sorted(ids_by_schema):
        ids = ids_by_schema[schema]
        sdir = site.schema_dirs[schema]
        spath = f"{sdir}/{INDEX}"
        listings = _listings(site, schema, ids)
        total_rows = sum(len(x.rows) for x in listings)
        if total_rows > PAGE_ROWS:
            crumbs = [(common["site_name"], INDEX), (schema, spath)]
            for listing in listings:
                pages.extend(_paged(listing, sdir, crumbs, common))
        pages.extend(_incoming_pages(site, ids, common, spath, schema))
        counts = {
            "tables": sum(1 for p in ids if p.startswith("table:")),
            "views": sum(1 for p in ids if p.startswith("view:")),
            "materialized_views": sum(1 for p in ids if p.startswith("materialized_view:")),
            "functions": sum(1 for p in ids if p.startswith("function:")),
            "enums": sum(len(x.rows) for x in listings if x.kind == "enums"),
            "rls_off": sum(
                1
                for p in ids
                if p.startswith("table:") and not facts["tables"][p.partition(":")[2]]["rls"][0]
            ),
            "findings": sum(_count(site, p) for p in ids),
        }
        groups = [x for x in listings if x.kind == "tables"]
        pages.append(
            IndexPage(
                spath,
                "schema.md.j2",
                {
                    **common,
                    "schema": schema,
                    "index_href": relative_link(spath, INDEX),
                    "counts": counts,
                    "paged": total_rows > PAGE_ROWS,
                    "groups": [_relink(x, spath) for x in groups],
                    "others": [_relink(x, spath) for x in listings if x.kind != "tables"],
                },
            )
        )
        schema_rows.append({"target": spath, "label": schema, **counts, "groups": len(groups)})
    top = Listing("schemas", "Schemas", "schemas", rows=schema_rows)
    if len(schema_rows) > PAGE_ROWS:
        pages.extend(_paged(top, "", [(common["site_name"], INDEX)], common))
    pages.append(
        IndexPage(
            INDEX,
            "index.md.j2",
            {
                **common,
                "database": snap.meta.database,
                "digest": snap.digest,
                "snapshot_href": SNAPSHOT,
                "totals": {
                    "schemas": len(schema_rows),
                    "tables": len(facts["tables"]),
                    "views": len(facts["views"]),
                    "materialized_views": len(facts["materialized_views"]),
                    "functions": len(facts["functions"]),
                    "enums": len(facts["enums"]),
                    "findings": sum(len(v) for v in site.findings.values())
                    + len(site.unplaced_findings),
                },
                "schemas": _relink(top, INDEX),
                "rules_href": rules_href,
                "other_findings": rule_rows,
            },
        )
    )
    return pages
