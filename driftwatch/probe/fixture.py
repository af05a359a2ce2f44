"""Fixture rows for two tenants, built inside the probe's transaction.

For the probed table the builder inserts, as the connecting (privileged) role: the
tenancy root row of tenant A and of tenant B, every parent row the NOT NULL foreign keys
require (in topological order; tenant-scoped parents once per tenant, other parents once
and shared), and one row of the table per tenant. Each INSERT runs in a savepoint; when
one fails on a CHECK, UNIQUE, exclusion or partition constraint the columns that
constraint covers move to their next candidate value, up to a bounded number of tries.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from driftwatch import idents, model
from driftwatch.probe.candidates import DEFAULT, NULL, CandidateFactory, Literals, bound_literals
from driftwatch.probe.candidates import check_literals as _check_literals
from driftwatch.probe.graph import TenancyModel, Undecided, parent_refs
from driftwatch.probe.session import execute, savepoint

MAX_TRIES = 40
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")


def qname(key: str) -> str:
    schema, name = idents.split_key(key)
    return sql.Identifier(schema, name).as_string()


def qcol(name: str) -> str:
    return sql.Identifier(name).as_string()


def typed_literal(text: str | None, type_str: str) -> str:
    return NULL if text is None else f"{sql.quote(text)}::{type_str}"


@dataclass(frozen=True, slots=True)
class FixtureRow:
    table: str
    owner: str | None  # "A", "B", or None for a shared (non-tenant) parent row
    explicit: Mapping[str, str]  # column -> SQL expression it was inserted with
    returned: Mapping[str, str | None]  # column -> text of the stored value
    overriding: bool = False  # an identity ALWAYS column is pinned (repro scripts)


@dataclass
class Fixture:
    tenants: dict[str, str]  # "A"/"B" -> tenant id
    rows: list[FixtureRow] = field(default_factory=list)
    by_key: dict[tuple[str, str | None], FixtureRow] = field(default_factory=dict)
    referenced: dict[str, set[str]] = field(default_factory=dict)  # table -> columns children use

    def row(self, table: str, owner: str | None) -> FixtureRow:
        return self.by_key[(table, owner)]


class FixtureBuilder:
    def __init__(
        self,
        conn: psycopg.Connection[Any],
        snapshot: model.Snapshot,
        tenancy: TenancyModel,
        factory: CandidateFactory,
        valid_cache: dict[str, bool],
    ) -> None:
        self.conn = conn
        self.tables = snapshot.objects.tables
        self.tenancy = tenancy
        self.factory = factory
        self.valid_cache = valid_cache
        self._lits: dict[str, dict[str, Literals]] = {}
        self._counter = 0

    # ------------------------------------------------------------------ public

    def build(self, key: str, tenants: dict[str, str]) -> Fixture:
        order = self.tenancy.plan(key)
        fx = Fixture(tenants=tenants)
        for owner in ("A", "B"):
            for table in order:
                row_owner = owner if self.tenancy.is_tenant(table) else None
                if (table, row_owner) in fx.by_key:
                    continue
                row = self.insert(table, row_owner, fx)
                fx.rows.append(row)
                fx.by_key[(table, row_owner)] = row
        return fx

    def insert(self, key: str, owner: str | None, fx: Fixture) -> FixtureRow:
        table = self.tables[key]
        tenant = fx.tenants[owner] if owner else None
        alternates: dict[str, FixtureRow] = {}
        fixed = self._fixed(key, table, owner, fx, alternates)
        self._counter += 1
        tag = uuid.uuid5(uuid.NAMESPACE_URL, f"{key}/{owner}/{self._counter}/{tenant}").hex[:12]
        lits = self._literals(key, table)
        cols = [
            c
            for c in sorted(table.columns, key=lambda n: table.columns[n].position)
            if table.columns[c].generated is None
        ]
        cands: dict[str, list[str]] = {}
        for c in cols:
            if c in fixed:
                cands[c] = [fixed[c]]
                continue
            col = table.columns[c]
            options = self.factory.column(col, lits.get(c, Literals()), tag, tenant)
            if not options:
                raise Undecided(f"cannot synthesise a value for {key}.{c} of type {col.type}")
            cands[c] = options
        state = {c: self._next_valid(c, cands[c], -1, key, table) for c in cols}
        last_error = ""
        for _ in range(MAX_TRIES):
            values = {c: cands[c][state[c]] for c in cols}
            stmt = self._insert_sql(key, table, values)
            try:
                with savepoint(self.conn):
                    cur = execute(self.conn, stmt)
                    got = cur.fetchone()
            except psycopg.errors.QueryCanceled:
                raise Undecided(f"INSERT into {key} timed out (statement/lock timeout)") from None
            except psycopg.Error as exc:
                last_error = _describe(exc)
                blame = self._blame(key, table, exc)
                blamed = [c for c in blame if c in cols and c not in fixed]
                if blamed and self._advance(state, cands, blamed, key, table):
                    continue
                if self._alternate_parent(key, table, owner, fx, alternates, blame):
                    fixed = self._fixed(key, table, owner, fx, alternates)
                    for c, expr in fixed.items():
                        cands[c] = [expr]
                    continue
                raise Undecided(f"cannot insert a row into {key}: {last_error}") from None
            assert got is not None
            returned = dict(zip(list(table.columns), got, strict=True))
            explicit = {c: v for c, v in values.items() if v != DEFAULT}
            return FixtureRow(key, owner, explicit, returned)
        raise Undecided(f"cannot insert a row into {key} after {MAX_TRIES} tries: {last_error}")

    # ----------------------------------------------------------------- helpers

    def _alternate_parent(
        self,
        key: str,
        table: model.Table,
        owner: str | None,
        fx: Fixture,
        alternates: dict[str, FixtureRow],
        blame: list[str],
    ) -> bool:
        """Two FKs to one parent table that must differ (``check (a <> b)``): give the
        later FK a parent row of its own."""
        refs = parent_refs(table)
        for i, ref in enumerate(refs):
            if ref.constraint in alternates or not set(ref.columns) & set(blame):
                continue
            if not any(r.parent == ref.parent for r in refs[:i]):
                continue
            p_owner = owner if self.tenancy.is_tenant(ref.parent) else None
            row = self.insert(ref.parent, p_owner, fx)
            fx.rows.append(row)
            alternates[ref.constraint] = row
            return True
        return False

    def _fixed(
        self,
        key: str,
        table: model.Table,
        owner: str | None,
        fx: Fixture,
        alternates: dict[str, FixtureRow],
    ) -> dict[str, str]:
        fixed: dict[str, str] = {}
        link = self.tenancy.links.get(key)
        if owner is not None and link is not None:
            tenant = fx.tenants[owner]
            if link.kind in ("root", "column"):
                col = link.columns[0]
                fixed[col] = typed_literal(tenant, table.columns[col].type)
        for ref in parent_refs(table):
            p_owner = owner if self.tenancy.is_tenant(ref.parent) else None
            parent = alternates.get(ref.constraint) or fx.by_key.get((ref.parent, p_owner))
            if parent is None:
                raise Undecided(f"parent row of {ref.parent} missing for {key}")
            fx.referenced.setdefault(ref.parent, set()).update(ref.ref_columns)
            for local, remote in zip(ref.columns, ref.ref_columns, strict=True):
                fixed.setdefault(
                    local, typed_literal(parent.returned.get(remote), table.columns[local].type)
                )
        return fixed

    def _literals(self, key: str, table: model.Table) -> dict[str, Literals]:
        cached = self._lits.get(key)
        if cached is not None:
            return cached
        out: dict[str, Literals] = {}
        for con in table.constraints.values():
            if con.type != "check":
                continue
            found = _check_literals(con.definition)
            for c in con.columns:
                out[c] = out.get(c, Literals()) + found
        if table.partition_key:
            key_cols = [w for w in _WORD.findall(table.partition_key) if w in table.columns]
            for part in self.tables.values():
                if part.partition_of == key:
                    for c in key_cols:
                        out[c] = out.get(c, Literals()) + bound_literals(part.partition_bound)
        self._lits[key] = out
        return out

    def _valid(self, expr: str) -> bool:
        if expr in (DEFAULT, NULL):
            return True
        known = self.valid_cache.get(expr)
        if known is not None:
            return known
        try:
            with savepoint(self.conn):
                execute(self.conn, f"SELECT {expr}")
            ok = True
        except psycopg.Error:
            ok = False
        self.valid_cache[expr] = ok
        return ok

    def _next_valid(self, col: str, options: list[str], after: int, key: str, t: Any) -> int:
        for i in range(after + 1, len(options)):
            if self._valid(options[i]):
                return i
        if after >= 0:
            return -1
        raise Undecided(f"no valid value for {key}.{col} among {len(options)} candidates")

    def _advance(
        self,
        state: dict[str, int],
        cands: dict[str, list[str]],
        blamed: list[str],
        key: str,
        table: model.Table,
    ) -> bool:
        """Odometer over the blamed columns: bump the last one that can move."""
        for i in range(len(blamed) - 1, -1, -1):
            col = blamed[i]
            nxt = self._next_valid(col, cands[col], state[col], key, table)
            if nxt >= 0:
                state[col] = nxt
                for later in blamed[i + 1 :]:
                    state[later] = self._next_valid(later, cands[later], -1, key, table)
                return True
        return False

    def _insert_sql(self, key: str, table: model.Table, values: dict[str, str]) -> str:
        explicit = {c: v for c, v in values.items() if v != DEFAULT}
        returning = ", ".join(f"{qcol(c)}::text" for c in table.columns)
        if not explicit:
            return f"INSERT INTO {qname(key)} DEFAULT VALUES RETURNING {returning}"
        cols = ", ".join(qcol(c) for c in explicit)
        vals = ", ".join(explicit.values())
        return f"INSERT INTO {qname(key)} ({cols}) VALUES ({vals}) RETURNING {returning}"

    def _blame(self, key: str, table: model.Table, exc: psycopg.Error) -> list[str]:
        diag = exc.diag
        state = exc.sqlstate or ""
        name = diag.constraint_name
        cols: list[str] = []
        if state == "23502" and diag.column_name:
            cols = [diag.column_name]
        elif name and name in table.constraints:
            cols = list(table.constraints[name].columns)
        elif name and name in table.indexes:
            exprs = " ".join(table.indexes[name].columns)
            cols = [w for w in _WORD.findall(exprs) if w in table.columns]
        elif state == "23514" and diag.datatype_name:
            cols = [
                c
                for c, col in table.columns.items()
                if col.type.strip('"').endswith(diag.datatype_name)
            ]
        elif state == "23514" and (table.partition_key or table.partition_of):
            parent = self.tables.get(table.partition_of) if table.partition_of else table
            pkey = parent.partition_key if parent else None
            cols = [w for w in _WORD.findall(pkey or "") if w in table.columns]
        return sorted(set(cols), key=lambda c: table.columns[c].position)


def _describe(exc: psycopg.Error) -> str:
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return f"{exc.sqlstate or '?'} {first}"
