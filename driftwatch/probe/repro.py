"""Ready-to-run reproduction scripts: fixture inserts + the leaking statement, rolled back.

The fixture rows are pinned to the values the probe actually stored (keys included, so
the leaking statement finds the same rows); the script opens a transaction, sets the
same timeouts, impersonates tenant B exactly as the probe did and ends in ROLLBACK.
Plain SQL, no psql meta-commands: ``psql -v ON_ERROR_STOP=1 -f repro.sql`` or any client.
"""

from __future__ import annotations

from typing import Any

from driftwatch import model
from driftwatch.probe.attacks import claims_sql, key_columns, role_sql
from driftwatch.probe.fixture import Fixture, FixtureRow, qcol, qname, typed_literal
from driftwatch.probe.results import DESCRIPTIONS

_EXPECT = {
    "select": "the row of tenant A is returned (isolated: 0 rows)",
    "update": "UPDATE 1 (isolated: UPDATE 0 or a row-level security error)",
    "delete": "DELETE 1 (isolated: DELETE 0 or a row-level security error)",
    "insert": "INSERT 0 1 (isolated: new row violates row-level security policy)",
    "move": "UPDATE 1 (isolated: UPDATE 0 or a row-level security error)",
}


def pinned_insert(table: model.Table, row: FixtureRow, referenced: set[str]) -> str:
    keys, _ = key_columns(table)
    pinned = dict(row.explicit)
    overriding = False
    for c in table.columns:
        col = table.columns[c]
        if c in pinned or col.generated is not None:
            continue
        if c in keys or c in referenced:
            pinned[c] = typed_literal(row.returned.get(c), col.type)
            overriding = overriding or col.identity == "always"
    if not pinned:
        return f"INSERT INTO {qname(row.table)} DEFAULT VALUES;"
    cols = ", ".join(qcol(c) for c in pinned)
    over = " OVERRIDING SYSTEM VALUE" if overriding else ""
    return f"INSERT INTO {qname(row.table)} ({cols}){over} VALUES ({', '.join(pinned.values())});"


def script(
    *,
    key: str,
    tables: Any,
    fx: Fixture,
    role: str,
    command: str,
    claims: dict[str, Any],
    statement: str,
    prep_skips_a_row: bool,
    statement_timeout_ms: int,
    lock_timeout_ms: int,
) -> str:
    """The reproduction of one leaking attempt."""
    lines = [
        f"-- driftwatch probe: cross-tenant {command.upper()} on {key} as role {role}",
        f"-- tenant B ({fx.tenants['B']}) tries to {DESCRIPTIONS[command]}"
        f" (tenant A = {fx.tenants['A']}).",
        "-- Safe to run on a staging database: everything is rolled back at the end.",
        "-- Triggers on the tables below fire as they would for real.",
        "BEGIN;",
        f"SET LOCAL statement_timeout = '{statement_timeout_ms}ms';",
        f"SET LOCAL lock_timeout = '{lock_timeout_ms}ms';",
        "-- fixture rows, inserted as a privileged role",
    ]
    for row in fx.rows:
        if prep_skips_a_row and row.table == key and row.owner == "A":
            continue
        owner = f"tenant {row.owner}" if row.owner else "shared parent"
        lines.append(f"-- {row.table} ({owner})")
        lines.append(pinned_insert(tables[row.table], row, fx.referenced.get(row.table, set())))
    lines += [
        "-- impersonate tenant B the way PostgREST/Supabase does",
        f"{role_sql(role)};",
        f"{claims_sql(claims)};",
        f"-- the leak; expected: {_EXPECT[command]}",
        f"{statement};",
        "ROLLBACK;",
        "",
    ]
    return "\n".join(lines)
