"""The migra peer fixtures (``../shared/peer/migra-fixtures``): load ``a.sql`` and ``b.sql``
into two databases, diff their snapshots, and check that every statement of
``expected.sql`` (what migra generates to turn a into b) corresponds to at least one
reported change of a plausible kind on the object it names (statements that only
recreate an unchanged dependent object, grants to the owner and collations excepted, see
``recreated``, ``OWNER_GRANT``, ``UNMODELLED``). Diffing a database with itself must
report nothing.

Excluded cases (and why) are in ``EXCLUDED``; the folder is read at run time and the
whole module skips when it is absent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

import pglast
import pytest
from conftest import PEER_DIR

from driftwatch.diff import Change, diff
from driftwatch.introspect import take_snapshot

FIXTURES = PEER_DIR / "migra-fixtures"

EXCLUDED: dict[str, str] = {
    # migra's schema-filter cases diff only one schema of a multi-schema database; the
    # expected.sql covers a subset, and driftwatch scopes by --schema at snapshot time
    # instead. They still run through the self-diff test below.
    "excludeschema": "migra-specific schema exclusion option (driftwatch scopes at snapshot time)",
    "singleschema": "migra-specific single-schema mode (driftwatch scopes at snapshot time)",
    "generated_added": "expected.sql drops a generation expression of a column that is the same "
    "plain column in a.sql and b.sql (a migra artefact: nothing to report)",
    "singleschema_ext": "migra-specific single-schema mode (driftwatch scopes at snapshot time)",
}

CASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()) if FIXTURES.is_dir() else []

pytestmark = pytest.mark.skipif(
    not FIXTURES.is_dir(), reason=f"peer fixtures not found at {FIXTURES} (../shared/peer)"
)

PRELUDE = """
do $$ begin
  if not exists (select from pg_roles where rolname = 'schemainspect_test_role') then
    create role schemainspect_test_role;
  end if;
end $$;
"""

TABLE_KINDS = {
    "table",
    "partition",
    "column",
    "constraint",
    "index",
    "rls",
    "policy",
    "trigger",
    "grant",
}
# statement head → change kinds that can stand for it
HEADS: list[tuple[re.Pattern[str], set[str]]] = [
    (re.compile(r"^(create|drop) schema"), {"schema"}),
    (re.compile(r"^(create|drop|alter) extension"), {"extension"}),
    (re.compile(r"^(create|drop|alter) type"), {"enum", "domain", "column"}),
    (re.compile(r"^(create|drop|alter) domain"), {"domain"}),
    (re.compile(r"^(create|drop|alter) sequence"), {"sequence", "column", "table"}),
    (
        re.compile(r"^(create|drop|alter) (or replace )?(materialized )?view"),
        {"view", "materialized_view"},
    ),
    (re.compile(r"^(create|drop|alter) (or replace )?function"), {"function"}),
    (re.compile(r"^(grant|revoke)"), {"grant", "schema", "table", "view", "function", "sequence"}),
    (
        re.compile(r"^(create|drop) (unique )?index"),
        {"index", "constraint", "table", "partition", "materialized_view"},
    ),
    (re.compile(r"^(create|drop|alter) (policy|trigger)"), TABLE_KINDS),
    (re.compile(r"^(create|drop|alter) table"), TABLE_KINDS),
]
_NAME = re.compile(r'"([^"]+)"\."([^"]+)"|"([^"]+)"|\b(\w+)\.(\w+)\b')
_OLD_ENUM = "__old_version_to_be_dropped"


# Privileges of an object's owner on its own object are implicit; the snapshot records
# grants to other roles only, so migra's revoke/grant to the owner has no counterpart.
OWNER_GRANT = re.compile(r'^(grant|revoke) .* (to|from) "postgres"$', re.I)
# Object types the snapshot format does not model; their statements are not checked.
UNMODELLED = re.compile(r"^(create|drop|alter) collation")


def statements(sql: str) -> list[str]:
    out = []
    for stmt in pglast.split(re.sub(r"--[^\n]*", "", sql)):
        st = " ".join(stmt.split()).strip().rstrip(";")
        low = st.lower()
        if st and not low.startswith(("set ", "select ")) and not UNMODELLED.match(low):
            out.append(st)
    return out


_HEAD = re.compile(
    r"^(drop|create)( or replace)?( unique)?( materialized)? (view|trigger|function|index)"
    r"( if exists)? (\"[^\"]+\"(\.\"[^\"]+\")?|[\w.]+)",
    re.I,
)


def names(stmt: str) -> list[str]:
    out = []
    for m in _NAME.finditer(stmt):
        if m.group(1):
            name = f"{m.group(1)}.{m.group(2)}"
        elif m.group(3):
            name = m.group(3)
        else:
            name = f"{m.group(4)}.{m.group(5)}"
        out.append(name.replace(_OLD_ENUM, ""))
    return out


def recreated(stmts: list[str]) -> set[str]:
    """Objects migra drops and creates again only because something they depend on is
    recreated (views, triggers, functions, indexes): the pair is a no-op for the schema."""
    dropped, created = set(), set()
    for st in stmts:
        m = _HEAD.match(st)
        if m:
            name = m.group(7).replace('"', "").split(".")[-1]
            (dropped if m.group(1).lower() == "drop" else created).add(name)
    return dropped & created


def head_name(st: str) -> str | None:
    m = _HEAD.match(st)
    return m.group(7).replace('"', "").split(".")[-1] if m else None


def _strings(ch: Change) -> Iterable[str]:
    yield ch.object
    yield ch.group
    for side in (ch.before, ch.after):
        if isinstance(side, dict):
            for key in ("partition", "name"):
                if isinstance(side.get(key), str):
                    yield side[key]
            for sub in ("indexes", "constraints", "policies", "triggers", "columns"):
                if isinstance(side.get(sub), dict):
                    yield from (f"{ch.object}.{k}" for k in side[sub])


# migra recreates a changed enum and re-casts every column of that type to it
_ENUM_RECAST = re.compile(r'alter column .* type "([^"]+)"\."([^"]+)" using .*::text::', re.I)


def covered(stmt: str, changes: Iterable[Change]) -> bool:
    low = stmt.lower()
    m = _ENUM_RECAST.search(stmt)
    if m and any(c.kind == "enum" and c.object == f"{m.group(1)}.{m.group(2)}" for c in changes):
        return True
    kinds = next((k for pattern, k in HEADS if pattern.match(low)), None)
    if kinds is None:
        return False
    wanted = names(stmt)
    for ch in changes:
        if ch.kind not in kinds:
            continue
        for s in _strings(ch):
            for n in wanted:
                short = n.split(".")[-1]
                if s == n or s.startswith((n + ".", n + "(")) or s.endswith("." + short):
                    return True
    return False


@pytest.fixture
def load(make_db: Callable[[str], str]) -> Callable[[Path], str]:
    def loader(path: Path) -> str:
        return make_db(PRELUDE + path.read_text())

    return loader


@pytest.mark.parametrize("case", CASES)
def test_migra_case(case: str, load: Callable[[Path], str]) -> None:
    if case in EXCLUDED:
        pytest.skip(EXCLUDED[case])
    folder = FIXTURES / case
    a = take_snapshot(load(folder / "a.sql"))
    dsn_b = load(folder / "b.sql")
    b = take_snapshot(dsn_b)
    changes = diff(a, b).changes
    stmts = statements((folder / "expected.sql").read_text())
    noop = recreated(stmts)
    missing = [
        st
        for st in stmts
        if not covered(st, changes) and head_name(st) not in noop and not OWNER_GRANT.match(st)
    ]
    assert not missing, {
        "uncovered": missing,
        "reported": [(c.kind, c.object, c.change) for c in changes],
    }
    # a database diffed with itself reports nothing
    assert diff(b, take_snapshot(dsn_b)).changes == ()
