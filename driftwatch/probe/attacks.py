"""The impersonation attempts: tenant B, as an app role, against tenant A's row.

Each attempt runs in its own savepoint that is always rolled back, so attempts do not
see each other's effects: (privileged preparation) → ``SET LOCAL ROLE <role>`` →
``set_config('request.jwt.claims', …, true)`` → the statement. INSERT and "move" first
delete tenant A's fixture row (as the privileged role, inside the savepoint) so that a
UNIQUE constraint cannot hide the outcome. The server refusing with
``insufficient_privilege`` (42501: no grant, or "new row violates row-level security
policy") counts as blocked; any other error is recorded as an error, which makes the
table undecided unless something else leaked.

The same statements against tenant B's *own* row are run as controls: if B cannot
reach its own row either, a "blocked" proves less than it seems (the claims may not
match what the policies expect), and the report says so.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from driftwatch import model
from driftwatch.probe.fixture import Fixture, FixtureRow, qcol, qname, typed_literal
from driftwatch.probe.graph import TenancyModel, parent_refs, primary_key
from driftwatch.probe.results import BLOCKED, ERROR, LEAKED, Attempt
from driftwatch.probe.session import execute, rolled_back


def key_columns(table: model.Table) -> tuple[tuple[str, ...], bool]:
    """Columns identifying a row, and whether they are a real key (compared typed)."""
    pk = primary_key(table)
    if pk:
        return pk, True
    for _, con in sorted(table.constraints.items()):
        if con.type == "unique" and all(not table.columns[c].nullable for c in con.columns):
            return con.columns, True
    cols = tuple(
        c
        for c in sorted(table.columns, key=lambda n: table.columns[n].position)
        if table.columns[c].generated is None
    )
    return cols, False


def predicate(table: model.Table, row: FixtureRow) -> str:
    cols, exact = key_columns(table)
    parts = []
    for c in cols:
        value = row.returned.get(c)
        if value is None:
            parts.append(f"{qcol(c)} IS NULL")
        elif exact:
            parts.append(f"{qcol(c)} = {untyped(value)}")
        else:
            parts.append(f"{qcol(c)}::text = {sql.quote(value)}")
    return " AND ".join(parts) or "false"


def ownership_columns(key: str, table: model.Table, tenancy: TenancyModel) -> tuple[str, ...]:
    """Columns that tie a row to its tenant: tenant column / root key, NOT NULL FKs."""
    cols: list[str] = []
    link = tenancy.links.get(key)
    if link is not None and link.kind in ("root", "column"):
        cols.append(link.columns[0])
    for ref in parent_refs(table):
        if tenancy.is_tenant(ref.parent):
            cols += [c for c in ref.columns if c not in cols]
    return tuple(cols)


def update_column(table: model.Table) -> str:
    for c in sorted(table.columns, key=lambda n: table.columns[n].position):
        col = table.columns[c]
        if col.generated is None and col.identity != "always":
            return c
    return next(iter(table.columns))


def untyped(text: str | None) -> str:
    """A literal the server types from its context, as PostgREST's JSON values are: no
    cast, so the app role needs no USAGE on the schema of the column's type."""
    return "NULL" if text is None else sql.quote(text)


def insert_sql(key: str, row: FixtureRow) -> str:
    """Re-insert ``row``'s explicit columns with the values the server stored."""
    if not row.explicit:
        return f"INSERT INTO {qname(key)} DEFAULT VALUES"
    cols = ", ".join(qcol(c) for c in row.explicit)
    vals = ", ".join(untyped(row.returned.get(c)) for c in row.explicit)
    return f"INSERT INTO {qname(key)} ({cols}) VALUES ({vals})"


@dataclass(frozen=True)
class Statements:
    """The SQL of every attempt and control on one table."""

    prep: dict[str, str]  # command -> privileged statement run first (or absent)
    attack: dict[str, str]  # command -> statement (select returns a count)
    control: dict[str, str]
    control_prep: dict[str, str]
    shown: dict[str, str]  # command -> statement as printed in reproductions


def statements(key: str, table: model.Table, fx: Fixture, tenancy: TenancyModel) -> Statements:
    a = fx.row(key, "A")
    b = fx.row(key, "B")
    t = qname(key)
    pa, pb = predicate(table, a), predicate(table, b)
    uc = qcol(update_column(table))
    own = ownership_columns(key, table, tenancy)
    moves = ", ".join(f"{qcol(c)} = {untyped(a.returned.get(c))}" for c in own)
    attack = {
        "select": f"SELECT count(*) FROM {t} WHERE {pa}",
        "update": f"UPDATE {t} SET {uc} = {uc} WHERE {pa}",
        "delete": f"DELETE FROM {t} WHERE {pa}",
        "insert": insert_sql(key, a),
        "move": f"UPDATE {t} SET {moves} WHERE {pb}" if own else "",
    }
    control = {
        "select": f"SELECT count(*) FROM {t} WHERE {pb}",
        "update": f"UPDATE {t} SET {uc} = {uc} WHERE {pb}",
        "delete": f"DELETE FROM {t} WHERE {pb}",
        "insert": insert_sql(key, b),
    }
    shown = dict(attack, select=f"SELECT * FROM {t} WHERE {pa}")
    # "Blind" move: an UPDATE without WHERE reads no column, so PostgreSQL applies no
    # SELECT policy to it; only the UPDATE policy decides. Checked afterwards as the
    # privileged role (RESET ROLE) by looking for B's row under tenant A.
    landed = " AND ".join(
        [pb]
        + [
            f"{qcol(c)} IS NOT DISTINCT FROM "
            f"{typed_literal(a.returned.get(c), table.columns[c].type)}"
            for c in own
        ]
    )
    key_cols, _ = key_columns(table)
    if own and not set(own) & set(key_cols):
        attack["move-blind"] = f"UPDATE {t} SET {moves}"
        shown["move-blind"] = (
            f"UPDATE {t} SET {moves};\n-- back to the privileged role to look where B's row went\n"
            f"RESET ROLE;\nSELECT * FROM {t} WHERE {landed}"
        )
        attack["move-blind-check"] = f"SELECT count(*) FROM {t} WHERE {landed}"
    delete_a = f"DELETE FROM {t} WHERE {pa}"
    return Statements(
        prep={"insert": delete_a, "move": delete_a, "move-blind": delete_a},
        attack=attack,
        control=control,
        control_prep={"insert": f"DELETE FROM {t} WHERE {pb}"},
        shown=shown,
    )


def claims_sql(claims: dict[str, Any]) -> str:
    doc = json.dumps(claims, sort_keys=True)
    parts = [f"set_config('request.jwt.claims', {sql.quote(doc)}, true)"]
    for k in ("sub", "role"):
        if isinstance(claims.get(k), str):
            parts.append(f"set_config('request.jwt.claim.{k}', {sql.quote(claims[k])}, true)")
    return "SELECT " + ", ".join(parts)


def role_sql(role: str) -> str:
    return f"SET LOCAL ROLE {sql.Identifier(role).as_string()}"


def run(
    conn: psycopg.Connection[Any],
    role: str,
    claims: dict[str, Any],
    stmt: str,
    prep: str | None,
    counting: bool,
) -> tuple[int | None, psycopg.Error | None]:
    """Run one attempt in a rolled-back savepoint: (rows, None) or (None, error)."""
    try:
        with rolled_back(conn):
            if prep:
                execute(conn, prep)
            execute(conn, role_sql(role))
            execute(conn, claims_sql(claims))
            cur = execute(conn, stmt)
            if counting:
                got = cur.fetchone()
                return (int(got[0]) if got else 0), None
            return max(cur.rowcount, 0), None
    except psycopg.errors.QueryCanceled as exc:
        return None, exc
    except psycopg.Error as exc:
        if isinstance(exc, psycopg.OperationalError) and conn.closed:
            raise
        return None, exc


def run_blind(
    conn: psycopg.Connection[Any],
    role: str,
    claims: dict[str, Any],
    stmt: str,
    prep: str,
    check: str,
) -> tuple[int | None, psycopg.Error | None]:
    """A blind UPDATE as ``role``, then (privileged) count the rows that moved."""
    try:
        with rolled_back(conn):
            execute(conn, prep)
            execute(conn, role_sql(role))
            execute(conn, claims_sql(claims))
            execute(conn, stmt)
            execute(conn, "RESET ROLE")
            got = execute(conn, check).fetchone()
            return (int(got[0]) if got else 0), None
    except psycopg.Error as exc:
        if isinstance(exc, psycopg.OperationalError) and conn.closed:
            raise
        return None, exc


def estimated_rows(conn: psycopg.Connection[Any], key: str) -> float:
    got = execute(
        conn,
        "SELECT greatest(reltuples, 0) FROM pg_catalog.pg_class WHERE oid = %s::regclass",
        (qname(key),),
    ).fetchone()
    return float(got[0]) if got else 0.0


def classify(
    role: str, command: str, stmt: str, rows: int | None, err: psycopg.Error | None
) -> Attempt:
    if err is not None:
        first = (str(err).strip().splitlines() or [type(err).__name__])[0]
        detail = f"{err.sqlstate or '?'} {first}"
        status = BLOCKED if err.sqlstate == "42501" else ERROR
        return Attempt(role, command, status, 0, detail, stmt)
    assert rows is not None
    return Attempt(role, command, LEAKED if rows > 0 else BLOCKED, rows, "", stmt)


def fresh_sub(tenant: str, role: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"driftwatch-probe/{tenant}/{role}")
