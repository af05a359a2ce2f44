"""Which tables are tenant tables, how each row belongs to a tenant, and the FK graph.

A tenant table is the tenancy root (scoped by its primary key), a table with the tenant
column, or a table whose NOT NULL foreign key leads (directly or through further NOT
NULL foreign keys) to one of those. Fixture rows need every NOT NULL foreign key
satisfied, so the parents of a probed table are inserted first, in topological order of
the foreign-key graph (``graphlib``); a cycle of NOT NULL foreign keys cannot be built
row by row and makes the table ``undecided``.
"""

from __future__ import annotations

import fnmatch
import graphlib
from dataclasses import dataclass

from driftwatch import config as configmod
from driftwatch import idents, model


class Undecided(Exception):
    """The probe cannot decide this table; the message is the reason."""


@dataclass(frozen=True, slots=True)
class ParentRef:
    """A NOT NULL foreign key a fixture row must satisfy."""

    constraint: str
    parent: str  # qualified parent table
    columns: tuple[str, ...]  # local columns
    ref_columns: tuple[str, ...]  # parent columns


@dataclass(frozen=True, slots=True)
class Link:
    """How rows of a tenant table belong to a tenant."""

    kind: str  # "root" | "column" | "parent"
    columns: tuple[str, ...]  # root: its key; column: the tenant column; parent: FK columns
    parent: str | None = None

    def describe(self) -> str:
        if self.kind == "root":
            return f"tenancy root (scoped by {', '.join(self.columns)})"
        if self.kind == "column":
            return f"tenant column {self.columns[0]}"
        return f"{', '.join(self.columns)} -> {self.parent}"


def primary_key(table: model.Table) -> tuple[str, ...]:
    for con in table.constraints.values():
        if con.type == "primary_key":
            return con.columns
    return ()


def parent_refs(table: model.Table) -> list[ParentRef]:
    """The table's foreign keys whose local columns are all NOT NULL, by name."""
    out = []
    for name, con in sorted(table.constraints.items()):
        ref = con.references
        if con.type != "foreign_key" or ref is None:
            continue
        cols = [table.columns.get(c) for c in con.columns]
        if all(c is not None and not c.nullable for c in cols):
            out.append(ParentRef(name, ref.table, con.columns, ref.columns))
    return out


def find_root(snapshot: model.Snapshot, cfg: configmod.Config) -> str | None:
    want = cfg.tenancy.root_table
    tables = snapshot.objects.tables
    if want in tables:
        return want
    matches = sorted(k for k in tables if idents.split_key(k)[1] == want)
    exposed = [k for k in matches if idents.split_key(k)[0] in cfg.tenancy.exposed_schemas]
    found = exposed or matches
    return found[0] if found else None


class TenancyModel:
    def __init__(self, snapshot: model.Snapshot, cfg: configmod.Config) -> None:
        self.snapshot = snapshot
        self.tables = snapshot.objects.tables
        self.column = cfg.tenancy.column
        self.root = find_root(snapshot, cfg)
        self.root_key: tuple[str, ...] = primary_key(self.tables[self.root]) if self.root else ()
        exempt = [e.table for e in cfg.tenancy.exempt]
        self.exempt = {k for k in self.tables if any(fnmatch.fnmatchcase(k, pat) for pat in exempt)}
        self.links: dict[str, Link] = {}
        for key in sorted(self.tables):
            link = self._link(key, set())
            if link is not None:
                self.links[key] = link

    def _link(self, key: str, seen: set[str]) -> Link | None:
        if key in self.links:
            return self.links[key]
        if key in seen or key in self.exempt:
            return None
        table = self.tables.get(key)
        if table is None:
            return None
        if key == self.root and len(self.root_key) == 1:
            return Link("root", self.root_key)
        if self.column in table.columns:
            return Link("column", (self.column,))
        for ref in parent_refs(table):
            if ref.parent == key:
                continue
            if self._link(ref.parent, seen | {key}) is not None:
                return Link("parent", ref.columns, ref.parent)
        return None

    def is_tenant(self, key: str) -> bool:
        return key in self.links

    def plan(self, key: str) -> list[str]:
        """Tables to insert for a fixture of ``key``: the root, then parents, then ``key``."""
        graph: dict[str, set[str]] = {}
        stack = [key, self.root] if self.root else [key]
        while stack:
            cur = stack.pop()
            if cur in graph:
                continue
            table = self.tables.get(cur)
            if table is None:
                raise Undecided(f"a NOT NULL foreign key references {cur}, outside the snapshot")
            parents = {r.parent for r in parent_refs(table)}
            graph[cur] = parents
            stack.extend(parents)
        if self.root and key != self.root:
            graph[key] = graph[key] | {self.root}  # tenant rows come after their root rows
        try:
            order = list(graphlib.TopologicalSorter(graph).static_order())
        except graphlib.CycleError as exc:
            cycle = " -> ".join(exc.args[1]) if len(exc.args) > 1 else "?"
            raise Undecided(f"NOT NULL foreign keys form a cycle ({cycle})") from None
        order.remove(key)
        return [*order, key]
