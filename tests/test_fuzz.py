"""Fuzz (hypothesis): the snapshot reader and the policy analyser never crash.

* Snapshot reader: random JSON values, random bytes, and valid snapshots with random
  mutations (deleted keys, replaced values, truncation) → a Snapshot or a one-line
  SnapshotFormatError/InputError, never another exception.
* Policy analyser: random policy expressions built from a SQL grammar (claims, tenant
  columns, casts, AND/OR/NOT, IN, EXISTS, sub-selects, function calls) and raw random text,
  run through the whole audit → a list of findings, never an exception.
"""

from __future__ import annotations

import contextlib
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from driftwatch import config as configmod
from driftwatch import model, rules
from driftwatch import snapshot as snapmod
from driftwatch.errors import InputError
from driftwatch.introspect import SnapshotOptions, take_snapshot

SCHEMA = """
create schema auth;
create function auth.jwt() returns jsonb language sql stable as $$ select '{}'::jsonb $$;
create function auth.uid() returns uuid language sql stable as $$ select null::uuid $$;
do $$ begin create role authenticated nologin noinherit; exception when duplicate_object then null; end $$;
create table public.organizations (id uuid primary key, name text);
create table public.projects (
  id uuid primary key,
  organization_id uuid not null references public.organizations(id),
  owner uuid, name text);
create index on public.projects (organization_id);
alter table public.projects enable row level security;
create policy fuzzed on public.projects for select to authenticated using (true);
"""

FUZZ = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def base(pg: Any) -> Any:
    name = pg.create_db("dw_fuzz")
    try:
        dsn = pg.dsn(name)
        import psycopg

        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(SCHEMA)  # type: ignore[arg-type]
        return take_snapshot(dsn, SnapshotOptions(include_managed=True))
    finally:
        pg.drop_db(name)


def _read(data: bytes) -> None:
    try:
        snap = snapmod.loads(data, source="fuzz")
    except InputError as exc:  # SnapshotFormatError is a subclass
        assert "\n" not in str(exc)
        return
    assert isinstance(snap, model.Snapshot)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)


@FUZZ
@given(json_values)
def test_reader_random_json(value: Any) -> None:
    _read(orjson.dumps(value))


@FUZZ
@given(st.binary(max_size=200))
def test_reader_random_bytes(data: bytes) -> None:
    _read(data)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, (*prefix, i))
    return out


@FUZZ
@given(data=st.data())
def test_reader_mutated_valid_snapshot(base: model.Snapshot, data: st.DataObject) -> None:
    doc = orjson.loads(snapmod.dumps(base))  # a copy: to_document shares the data
    paths = [p for p in _paths(doc) if p]
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths))
        parent: Any = doc
        try:
            for key in path[:-1]:
                parent = parent[key]
            action = data.draw(st.sampled_from(["delete", "replace"]))
            if action == "delete" and isinstance(parent, dict):
                del parent[path[-1]]
            else:
                parent[path[-1]] = data.draw(json_values)
        except (KeyError, IndexError, TypeError):
            continue
    if data.draw(st.booleans()):  # make the digest match, so the schema check is reached
        with contextlib.suppress(KeyError, TypeError):
            doc["digest"] = snapmod.digest_of(doc["objects"])
    raw = orjson.dumps(doc)
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    _read(raw)


# --------------------------------------------------------------------------- policies

COLUMNS = st.sampled_from(
    ["organization_id", "projects.organization_id", "owner", "id", "name", "nosuch"]
)
CLAIMS = st.sampled_from(
    [
        "auth.jwt() -> 'app_metadata' ->> 'organization_id'",
        "(auth.jwt() -> 'app_metadata' ->> 'organization_id')::uuid",
        "(select auth.jwt() -> 'app_metadata' ->> 'organization_id')::uuid",
        "auth.uid()",
        "(select auth.uid())",
        "auth.jwt() -> 'user_metadata' ->> 'organization_id'",
        "current_setting('app.org', true)::uuid",
    ]
)
LITERALS = st.sampled_from(["true", "false", "null", "1", "'x'", "now()", "'{}'::jsonb"])


def _expr(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, st.sampled_from(["and", "or"]), children).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        children.map(lambda e: f"not ({e})"),
        st.tuples(COLUMNS, st.sampled_from(["=", "<>", "<", "is not distinct from"]), CLAIMS).map(
            " ".join
        ),
        st.tuples(CLAIMS, COLUMNS).map(lambda t: f"{t[0]} = {t[1]}"),
        st.tuples(COLUMNS, CLAIMS).map(lambda t: f"{t[0]} in ({t[1]})"),
        st.tuples(COLUMNS, CLAIMS).map(lambda t: f"{t[0]} = any (array[{t[1]}])"),
        children.map(
            lambda e: (
                "exists (select 1 from public.organizations o where o.id = "
                f"projects.organization_id and {e})"
            )
        ),
        st.tuples(COLUMNS, children).map(
            lambda t: f"{t[0]} in (select o.id from public.organizations o where {t[1]})"
        ),
        COLUMNS.map(lambda c: f"{c} is not null"),
        children.map(lambda e: f"coalesce(({e}), false)"),
        children.map(lambda e: f"(select {e})"),
    )


POLICY_EXPRS = st.recursive(st.one_of(LITERALS, COLUMNS, CLAIMS), _expr, max_leaves=8) | st.text(
    max_size=40
)


@FUZZ
@given(
    using=POLICY_EXPRS,
    check=st.none() | POLICY_EXPRS,
    cmd=st.sampled_from(["SELECT", "INSERT", "UPDATE", "DELETE", "ALL"]),
)
def test_policy_analyser_random_expressions(
    base: model.Snapshot, using: str, check: str | None, cmd: str
) -> None:
    doc = orjson.loads(snapmod.dumps(base))  # a copy: to_document shares the data
    policy = doc["objects"]["tables"]["public.projects"]["policies"]["fuzzed"]
    policy["using"] = using
    policy["with_check"] = check
    policy["command"] = cmd
    doc["digest"] = snapmod.digest_of(doc["objects"])
    snap = snapmod.loads(orjson.dumps(doc))
    findings = rules.audit(snap, configmod.Config())
    assert isinstance(findings, list)
    for f in findings:
        assert f.rule and f.object and "\n" not in f.rule
