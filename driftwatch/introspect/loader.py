"""Take a snapshot of a live database.

One connection (``application_name=driftwatch``), one ``REPEATABLE READ READ ONLY``
transaction with ``statement_timeout``/``lock_timeout`` set, and a fixed number of bulk
catalog queries whatever the size of the schema. ``search_path`` is emptied inside the
transaction so every name PostgreSQL prints (types, defaults, view bodies, policies) is
schema-qualified and identical whichever role runs driftwatch.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import errors as pgerrors
from psycopg.rows import dict_row

from driftwatch import __version__, model
from driftwatch.dsn import describe, redact
from driftwatch.errors import IntrospectionError, TargetUnreachable
from driftwatch.introspect.queries import query
from driftwatch.snapshot import make

Row = dict[str, Any]

DEFAULT_EXCLUDED_SCHEMAS: tuple[str, ...] = (
    "auth",
    "storage",
    "realtime",
    "_realtime",
    "extensions",
    "graphql",
    "graphql_public",
    "vault",
    "pgsodium",
    "pgsodium_masks",
    "pgbouncer",
    "supabase_functions",
    "supabase_migrations",
    "net",
    "cron",
    "_analytics",
    "pgtle",
    "information_schema",
)

_FK_ACTIONS = {
    "a": "no action",
    "r": "restrict",
    "c": "cascade",
    "n": "set null",
    "d": "set default",
}
_FK_MATCH = {"s": "simple", "f": "full", "p": "partial"}
_CONTYPES = {"p": "primary_key", "f": "foreign_key", "u": "unique", "c": "check", "x": "exclusion"}
_POLCMD = {"r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE", "*": "ALL"}
_TABLE_KIND = {"r": "table", "p": "partitioned", "f": "foreign"}
_TRIGGER_ENABLED = {"O": "origin", "A": "always", "R": "replica", "D": "disabled"}
_VOLATILITY = {"i": "immutable", "s": "stable", "v": "volatile"}
_PARALLEL = {"s": "safe", "r": "restricted", "u": "unsafe"}
_PROKIND = {"f": "function", "p": "procedure", "a": "aggregate", "w": "window"}
_TRUE = {"true", "on", "yes", "1", "t"}


@dataclass(frozen=True)
class SnapshotOptions:
    include_schemas: tuple[str, ...] = ("*",)  # globs
    exclude_schemas: tuple[str, ...] = ()  # globs, on top of the managed ones
    include_managed: bool = False  # keep Supabase-managed schemas
    target: str | None = None
    statement_timeout_ms: int = 60_000
    lock_timeout_ms: int = 2_000
    connect_timeout_s: int = 10
    extra_excluded: tuple[str, ...] = field(default=DEFAULT_EXCLUDED_SCHEMAS)


def select_schemas(candidates: Iterable[str], opts: SnapshotOptions) -> list[str]:
    excluded = list(opts.exclude_schemas)
    if not opts.include_managed:
        excluded.extend(opts.extra_excluded)
    return sorted(
        s
        for s in candidates
        if any(fnmatch.fnmatchcase(s, g) for g in opts.include_schemas)
        and not any(fnmatch.fnmatchcase(s, g) for g in excluded)
    )


@contextmanager
def connect(dsn: str, *, connect_timeout_s: int = 10) -> Iterator[psycopg.Connection[Any]]:
    """Open a driftwatch connection, translating failures into TargetUnreachable."""
    try:
        conn = psycopg.connect(
            dsn, application_name="driftwatch", connect_timeout=connect_timeout_s, autocommit=False
        )
    except psycopg.Error as exc:
        reason = redact(
            str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        )
        raise TargetUnreachable(f"cannot connect to {describe(dsn)}: {reason}") from None
    try:
        yield conn
    finally:
        conn.close()


QUERY_KINDS: tuple[str, ...] = (
    "schemas",
    "tables",
    "columns",
    "constraints",
    "indexes",
    "policies",
    "triggers",
    "views",
    "functions",
    "sequences",
    "types",
    "extensions",
    "grants",
)

# Queries whose deparse functions lock user relations; run in a rolled-back savepoint.
LOCKING_KINDS = frozenset({"views"})

Observer = Callable[[psycopg.Cursor[Row]], None]


def take_snapshot(
    dsn: str,
    opts: SnapshotOptions | None = None,
    *,
    observer: Observer | None = None,
    stats: dict[str, int] | None = None,
) -> model.Snapshot:
    """Snapshot ``dsn``. ``observer`` runs inside the snapshot transaction after the catalog
    queries (tests use it to look at pg_locks); ``stats`` receives ``queries`` sent."""
    opts = opts or SnapshotOptions()
    with connect(dsn, connect_timeout_s=opts.connect_timeout_s) as conn:
        try:
            return _snapshot(conn, opts, observer, stats)
        except pgerrors.QueryCanceled:
            raise IntrospectionError(
                f"snapshot of {describe(dsn)} stopped: statement_timeout "
                f"({opts.statement_timeout_ms} ms) reached"
            ) from None
        except pgerrors.LockNotAvailable:
            raise IntrospectionError(
                f"snapshot of {describe(dsn)} stopped: lock_timeout ({opts.lock_timeout_ms} ms) "
                "reached waiting for a catalog lock"
            ) from None
        except psycopg.OperationalError as exc:
            raise TargetUnreachable(
                f"lost connection to {describe(dsn)} during snapshot: {redact(_first_line(exc))}"
            ) from None
        except psycopg.Error as exc:
            raise IntrospectionError(
                f"catalog query failed on {describe(dsn)}: {redact(_first_line(exc))}"
            ) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _snapshot(
    conn: psycopg.Connection[Any],
    opts: SnapshotOptions,
    observer: Observer | None,
    stats: dict[str, int] | None,
) -> model.Snapshot:
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    conn.read_only = True
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        # Fixed output settings: names schema-qualified (empty search_path), timestamps in
        # partition bounds and defaults printed in UTC/ISO whatever the role's defaults are.
        cur.execute(
            "select set_config('statement_timeout', %s, true), set_config('lock_timeout', %s, true),"
            " set_config('search_path', '', true), set_config('TimeZone', 'UTC', true),"
            " set_config('DateStyle', 'ISO, MDY', true), set_config('IntervalStyle', 'postgres', true),"
            " set_config('extra_float_digits', '1', true)",
            (str(opts.statement_timeout_ms), str(opts.lock_timeout_ms)),
        )
        cur.execute(query("server"))
        server = cur.fetchone()
        assert server is not None
        major = int(server["server_version_num"]) // 10000
        schemas = select_schemas(server["schemas"], opts)
        params = {"schemas": schemas}
        sent = 2  # the settings and the server query above

        def run(kind: str) -> list[Row]:
            nonlocal sent
            sent += 1
            if kind not in LOCKING_KINDS:
                cur.execute(query(kind, major), params)
                return cur.fetchall()
            # pg_get_viewdef takes AccessShareLock on the view and every relation it reads
            # (AcquireRewriteLocks). Locks taken in a subtransaction are released when it
            # rolls back, so they last for this one query, not the whole snapshot; the
            # REPEATABLE READ snapshot is the top-level one and does not change.
            with conn.transaction(force_rollback=True):
                cur.execute(query(kind, major), params)
                return cur.fetchall()

        rows = {kind: run(kind) for kind in QUERY_KINDS}
        if stats is not None:
            stats["queries"] = sent
        if observer is not None:
            observer(cur)
    objects = assemble(rows)
    meta = model.Meta(
        taken_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        target=opts.target,
        database=server["database"],
        server_version=server["server_version"].split()[0],
        driftwatch_version=__version__,
        schemas=tuple(schemas),
    )
    return make(meta, objects)


# --------------------------------------------------------------------------- assembly


def _q(row: Row, name_key: str = "name") -> str:
    return f"{row['schema']}.{row[name_key]}"


def _grant_map(entries: Iterable[Sequence[Any]]) -> dict[str, tuple[str, ...]]:
    out: dict[str, set[str]] = defaultdict(set)
    for grantee, privilege, grantable in entries:
        out[grantee].add(f"{privilege}*" if grantable else privilege)
    return {role: tuple(sorted(privs)) for role, privs in sorted(out.items())}


def _options(raw: Sequence[str]) -> dict[str, str]:
    return dict(opt.partition("=")[::2] for opt in raw)


def _tgtype(tgtype: int) -> tuple[str, tuple[str, ...], str]:
    timing = "INSTEAD OF" if tgtype & 64 else ("BEFORE" if tgtype & 2 else "AFTER")
    events = [
        name
        for bit, name in ((4, "INSERT"), (8, "DELETE"), (16, "UPDATE"), (32, "TRUNCATE"))
        if tgtype & bit
    ]
    return timing, tuple(sorted(events)), "ROW" if tgtype & 1 else "STATEMENT"


def assemble(rows: dict[str, list[Row]]) -> model.Objects:
    """Catalog rows → model. Pure function: tested without a server too."""
    grants: dict[tuple[str, str], list[tuple[str, str, bool]]] = defaultdict(list)
    for g in rows["grants"]:
        grants[(g["kind"], g["key"])].append((g["grantee"], g["privilege"], g["grantable"]))

    def grants_of(kind: str, key: str) -> dict[str, tuple[str, ...]]:
        return _grant_map(grants.get((kind, key), ()))

    columns: dict[str, dict[str, model.Column]] = defaultdict(dict)
    view_columns: dict[str, dict[str, model.ViewColumn]] = defaultdict(dict)
    for r in rows["columns"]:
        rel = _q(r, "relation")
        columns[rel][r["name"]] = model.Column(
            position=r["position"],
            type=r["type"],
            nullable=r["nullable"],
            default=r["default"],
            identity=r["identity"],
            generated=r["generated"],
            collation=r["collation"],
            comment=r["comment"],
            grants=_grant_map(r["grants"] or ()),
        )
        view_columns[rel][r["name"]] = model.ViewColumn(
            position=r["position"], type=r["type"], comment=r["comment"]
        )

    constraints: dict[str, dict[str, model.Constraint]] = defaultdict(dict)
    for r in rows["constraints"]:
        fk = None
        if r["contype"] == "f":
            fk = model.ForeignKey(
                table=r["ref_table"],
                columns=tuple(r["ref_columns"]),
                on_update=_FK_ACTIONS[r["on_update"]],
                on_delete=_FK_ACTIONS[r["on_delete"]],
                match=_FK_MATCH[r["match"]],
            )
        constraints[_q(r, "relation")][r["name"]] = model.Constraint(
            type=_CONTYPES[r["contype"]],
            definition=r["definition"],
            columns=tuple(r["columns"]),
            references=fk,
            deferrable=r["deferrable"],
            deferred=r["deferred"],
            validated=r["validated"],
            inherited=r["inherited"],
        )

    indexes: dict[str, dict[str, model.Index]] = defaultdict(dict)
    for r in rows["indexes"]:
        indexes[_q(r, "relation")][r["name"]] = model.Index(
            definition=r["definition"],
            columns=tuple(r["columns"]),
            unique=r["is_unique"],
            primary=r["is_primary"],
            method=r["method"],
            predicate=r["predicate"],
            include=tuple(r["include"]),
            constraint=r["constraint_name"],
            valid=r["valid"],
        )

    policies: dict[str, dict[str, model.Policy]] = defaultdict(dict)
    for r in rows["policies"]:
        policies[_q(r, "relation")][r["name"]] = model.Policy(
            command=_POLCMD[r["command"]],
            permissive=r["permissive"],
            roles=tuple(r["roles"]),
            using=r["using_expr"],
            with_check=r["with_check"],
        )

    triggers: dict[str, dict[str, model.Trigger]] = defaultdict(dict)
    for r in rows["triggers"]:
        timing, events, level = _tgtype(r["tgtype"])
        triggers[_q(r, "relation")][r["name"]] = model.Trigger(
            definition=r["definition"],
            function=r["function"],
            timing=timing,
            events=events,
            level=level,
            enabled=_TRIGGER_ENABLED.get(r["enabled"]) or str(r["enabled"]),
        )

    tables: dict[str, model.Table] = {}
    for r in rows["tables"]:
        key = _q(r)
        parents = tuple(r["parents"])
        tables[key] = model.Table(
            kind=_TABLE_KIND[r["relkind"]],
            owner=r["owner"],
            rls=model.Rls(enabled=r["rls_enabled"], forced=r["rls_forced"]),
            columns=columns.get(key, {}),
            constraints=constraints.get(key, {}),
            indexes=indexes.get(key, {}),
            policies=policies.get(key, {}),
            triggers=triggers.get(key, {}),
            grants=grants_of("relation", key),
            comment=r["comment"],
            partition_of=parents[0] if r["is_partition"] and parents else None,
            partition_bound=r["partition_bound"],
            partition_key=r["partition_key"],
            inherits=() if r["is_partition"] else parents,
            persistence="unlogged" if r["persistence"] == "u" else "permanent",
            options=tuple(sorted(r["options"])),
        )

    views: dict[str, model.View] = {}
    matviews: dict[str, model.MaterializedView] = {}
    for r in rows["views"]:
        key = _q(r)
        opts = _options(r["options"])
        if r["relkind"] == "m":
            matviews[key] = model.MaterializedView(
                definition=r["definition"],
                owner=r["owner"],
                columns=view_columns.get(key, {}),
                indexes=indexes.get(key, {}),
                grants=grants_of("relation", key),
                comment=r["comment"],
            )
        else:
            views[key] = model.View(
                definition=r["definition"],
                owner=r["owner"],
                columns=view_columns.get(key, {}),
                security_invoker=opts.get("security_invoker", "false").lower() in _TRUE,
                security_barrier=opts.get("security_barrier", "false").lower() in _TRUE,
                check_option=opts.get("check_option"),
                grants=grants_of("relation", key),
                comment=r["comment"],
                triggers=triggers.get(key, {}),
            )

    functions: dict[str, model.Function] = {}
    for r in rows["functions"]:
        key = f"{r['schema']}.{r['name']}({r['identity_arguments']})"
        body = r["body"] or ""
        functions[key] = model.Function(
            kind=_PROKIND[r["prokind"]],
            arguments=r["arguments"],
            returns=r["returns"],
            language=r["language"],
            volatility=_VOLATILITY[r["volatility"]],
            security_definer=r["security_definer"],
            owner=r["owner"],
            strict=r["strict"],
            leakproof=r["leakproof"],
            parallel=_PARALLEL[r["parallel"]],
            config=tuple(sorted(r["config"])),
            body=body,
            body_digest="sha256:" + hashlib.sha256(body.encode()).hexdigest(),
            grants=grants_of("function", key),
            comment=r["comment"],
        )

    sequences = {
        _q(r): model.Sequence(
            type=r["type"],
            start=r["start"],
            increment=r["increment"],
            min_value=r["min_value"],
            max_value=r["max_value"],
            cache=r["cache"],
            cycle=r["cycle"],
            owner=r["owner"],
            owned_by=r["owned_by"],
            grants=grants_of("relation", _q(r)),
            comment=r["comment"],
        )
        for r in rows["sequences"]
    }

    enums: dict[str, model.Enum] = {}
    domains: dict[str, model.Domain] = {}
    for r in rows["types"]:
        if r["typtype"] == "e":
            enums[_q(r)] = model.Enum(
                labels=tuple(r["labels"]), owner=r["owner"], comment=r["comment"]
            )
        else:
            domains[_q(r)] = model.Domain(
                base_type=r["base_type"],
                nullable=r["nullable"],
                owner=r["owner"],
                default=r["default"],
                collation=r["collation"],
                constraints=dict(sorted((r["constraints"] or {}).items())),
                comment=r["comment"],
            )

    return model.Objects(
        schemas={
            r["name"]: model.Schema(
                owner=r["owner"], grants=grants_of("schema", r["name"]), comment=r["comment"]
            )
            for r in rows["schemas"]
        },
        tables=tables,
        views=views,
        materialized_views=matviews,
        functions=functions,
        sequences=sequences,
        enums=enums,
        domains=domains,
        extensions={
            r["name"]: model.Extension(version=r["version"], schema=r["schema"])
            for r in rows["extensions"]
        },
    )
