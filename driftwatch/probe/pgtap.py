"""The probe's attacks on one table as a pgTAP test file the team keeps in its test suite.

The file replays what the probe did, with the values it stored: ``BEGIN``, the same
timeouts, the pinned fixture rows of tenants A and B (inserted as the connecting,
privileged role), then for each app role and attack a savepoint in which the role is
impersonated exactly as the probe does (``SET LOCAL ROLE`` + the same JWT claims) and the
attack runs through a helper that counts the rows it reached, a refusal with
``insufficient_privilege`` (no grant, or a row-level security violation) counting as 0.
The count is kept in a psql variable (``\\gset``), the savepoint rolled back, and the
assertion made afterwards as the privileged role: pgTAP records its results in tables a
rollback to the savepoint would otherwise erase. ``ROLLBACK`` at the end: nothing stays,
not even the helper schema or the pgtap extension when the file created it.

Run with ``pg_prove -d DB DIR/*.sql`` (psql underneath; ``\\gset`` needs psql 9.3+).
Every assertion expects 0 rows, so the files pass on an isolated database and fail,
naming the role and attack, where tenant B reaches tenant A.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

from driftwatch import model
from driftwatch.probe.attacks import Statements, claims_sql, role_sql
from driftwatch.probe.fixture import Fixture
from driftwatch.probe.repro import pinned_insert
from driftwatch.probe.results import DESCRIPTIONS

HELPER = "driftwatch_tap"

_HELPER_SQL = f"""CREATE SCHEMA {HELPER};
GRANT USAGE ON SCHEMA {HELPER} TO PUBLIC;
-- rows the statement reached as the current (impersonated) role; a refusal counts as 0
CREATE FUNCTION {HELPER}.reached(q text) RETURNS integer LANGUAGE plpgsql AS $dw$
DECLARE n integer;
BEGIN
  IF q ~* '^\\s*select' THEN
    EXECUTE q INTO n;
  ELSE  -- no RETURNING: it would apply SELECT policies the attack itself does not meet
    EXECUTE q;
    GET DIAGNOSTICS n = ROW_COUNT;
  END IF;
  RETURN coalesce(n, 0);
EXCEPTION WHEN insufficient_privilege THEN
  RETURN 0;
END $dw$;
GRANT EXECUTE ON FUNCTION {HELPER}.reached(text) TO PUBLIC;"""


def file_name(key: str) -> str:
    """``public.orders`` → ``public.orders.sql``; a key with other characters (quoted
    names) has them replaced by ``_`` and a digest of the key added, so two keys never
    share a file."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", key)
    if safe != key:
        safe += "-" + hashlib.sha256(key.encode()).hexdigest()[:8]
    return safe + ".sql"


def _dollar(text: str) -> str:
    tag = "$dwq$"
    while tag in text:
        tag = tag[:-1] + "q$"
    return f"{tag}{text}{tag}"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def test_file(
    *,
    key: str,
    tables: Mapping[str, model.Table],
    fx: Fixture,
    st: Statements,
    claims: Sequence[tuple[str, dict[str, Any]]],
    commands: Sequence[str],
    statement_timeout_ms: int,
    lock_timeout_ms: int,
) -> str:
    """The pgTAP file of table ``key`` (``claims``: each app role with its JWT claims)."""
    tests: list[list[str]] = []
    for role, role_claims in claims:
        for cmd in commands:
            stmt = st.attack.get(cmd)
            if not stmt:
                continue
            label = f"{role}: tenant B cannot {DESCRIPTIONS[cmd]} on {key}"
            body = ["SAVEPOINT attack;"]
            if cmd in st.prep:
                body.append(f"{st.prep[cmd]};  -- as the privileged role")
            body += [f"{role_sql(role)};", f"{claims_sql(role_claims)};"]
            body.append(f"SELECT {HELPER}.reached({_dollar(stmt)}) AS reached \\gset")
            body.append("ROLLBACK TO SAVEPOINT attack;")
            body.append(f"SELECT is(:reached, 0, {_quote(label)});")
            tests.append(body)
            if cmd == "move" and "move-blind" in st.attack:
                blind = [
                    "SAVEPOINT attack;",
                    f"{st.prep['move-blind']};  -- as the privileged role",
                    f"{role_sql(role)};",
                    f"{claims_sql(role_claims)};",
                    f"SELECT {HELPER}.reached({_dollar(st.attack['move-blind'])}) AS touched \\gset",
                    "RESET ROLE;",
                    f"{st.attack['move-blind-check']} \\gset moved_",
                    "ROLLBACK TO SAVEPOINT attack;",
                    f"SELECT is(:moved_count::integer, 0, "
                    f"{_quote(label + ' (UPDATE without WHERE)')});",
                ]
                tests.append(blind)
    lines = [
        f"-- driftwatch probe: tenant isolation of {key}, as pgTAP tests.",
        f"-- Tenant A = {fx.tenants['A']}, tenant B = {fx.tenants['B']}; every test expects 0 rows.",
        "-- Everything is rolled back at the end. Run: pg_prove -d DB this-file.sql",
        "\\set ON_ERROR_STOP 1",
        "\\set QUIET 1",
        "\\pset format unaligned",
        "\\pset tuples_only true",
        "\\pset pager off",
        "BEGIN;",
        f"SET LOCAL statement_timeout = '{int(statement_timeout_ms)}ms';",
        f"SET LOCAL lock_timeout = '{int(lock_timeout_ms)}ms';",
        "CREATE EXTENSION IF NOT EXISTS pgtap;",
        _HELPER_SQL,
        "-- fixture rows, as the privileged role",
    ]
    for row in fx.rows:
        owner = f"tenant {row.owner}" if row.owner else "shared parent"
        lines.append(f"-- {row.table} ({owner})")
        lines.append(pinned_insert(tables[row.table], row, fx.referenced.get(row.table, set())))
    lines.append(f"SELECT plan({len(tests)});")
    for body in tests:
        lines += body
    lines += ["SELECT * FROM finish();", "ROLLBACK;", ""]
    return "\n".join(lines)
