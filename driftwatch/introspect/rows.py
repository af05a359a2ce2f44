"""The row each catalog query returns: one declaration per file in ``sql/``, its fields in
the query's column order.

A ``NamedTuple`` marks a query whose rows arrive as plain tuples (the big kinds: a dict per
row costs more than the rest of their work) and are unpacked by position; a ``TypedDict``
one whose rows arrive as dicts and are read by name. Either way the classes only name and
type the columns: no row is ever built as one of them (that would cost per row at 10,000
tables). The driver checks each query's column names against its declaration
(``queries.Query.fields``) before the first row is used.
"""

from __future__ import annotations

from typing import Any, NamedTuple, TypedDict

Json = dict[str, Any]  # a json column, as psycopg loads it


class Grant(NamedTuple):
    """sql/grants.sql: one privilege of a relation, function or schema."""

    kind: str  # relation | function | schema
    key: str
    grantee: str
    privilege: str
    grantable: bool


class Table(NamedTuple):
    """sql/tables.sql."""

    schema: str
    name: str
    relkind: str
    owner: str
    rls_enabled: bool
    rls_forced: bool
    comment: str | None
    is_partition: bool
    parents: list[str]
    partition_bound: str | None
    partition_key: str | None
    persistence: str
    options: list[str]
    of_type: str | None
    foreign_table: Json | None


class Column(NamedTuple):
    """sql/columns.sql: a column of a table, view or materialized view."""

    rel: str
    relkind: str
    name: str
    attnum: int
    typid: int
    collid: int
    type: str
    nullable: bool
    ref: int | None
    tree: str | None
    is_generated: bool
    identity: str | None
    collation: str | None
    comment: str | None
    identity_sequence: Json | None
    grants: list[list[Any]] | None  # [grantee, privilege, grantable] entries


class Index(NamedTuple):
    """sql/indexes.sql."""

    schema: str
    relation: str
    name: str
    definition: str | None
    ref: int
    tree: str | None
    indkey: list[int]
    indclass: list[int]
    indcollation: list[int]
    indoption: list[int]
    nkeyatts: int
    expression_columns: list[str] | None
    is_unique: bool
    is_primary: bool
    method: str
    constraint_name: str | None
    valid: bool


class Constraint(NamedTuple):
    """sql/constraints.sql."""

    schema: str
    relation: str
    name: str
    contype: str
    definition: str | None
    ref: int
    tree: str | None
    flags: str
    conkey: list[int] | None
    include: list[str] | None
    ref_schema: str | None
    ref_relation: str | None
    confkey: list[int] | None
    ref_columns: list[str] | None
    on_update: str
    on_delete: str
    match: str
    deferrable: bool
    deferred: bool
    validated: bool
    inherited: bool


class Trigger(TypedDict):
    """sql/triggers.sql."""

    schema: str
    relation: str
    name: str
    definition: str
    function: str
    tgtype: int
    enabled: str


class Policy(NamedTuple):
    """sql/policies.sql."""

    rel: str
    name: str
    command: str
    permissive: bool
    roles: list[int]
    ref: int
    using_tree: str | None
    check_tree: str | None
    comment: str | None


class Function(TypedDict):
    """sql/functions.sql."""

    schema: str
    name: str
    identity_arguments: str
    prokind: str
    arguments: str
    returns: str | None
    language: str
    volatility: str
    security_definer: bool
    owner: str
    strict: bool
    leakproof: bool
    parallel: str
    config: list[str]
    body: str | None
    comment: str | None
    aggregate: Json | None


class Sequence(TypedDict):
    """sql/sequences.sql."""

    schema: str
    name: str
    type: str
    start: int
    increment: int
    min_value: int
    max_value: int
    cache: int
    cycle: bool
    owner: str
    owned_by: str | None
    comment: str | None


class Type(TypedDict):
    """sql/types.sql: enums and domains."""

    schema: str
    name: str
    typtype: str
    owner: str
    comment: str | None
    labels: list[str] | None
    base_type: str | None
    nullable: bool | None
    default: str | None
    collation: str | None
    constraints: dict[str, str] | None


class Extension(TypedDict):
    """sql/extensions.sql."""

    name: str
    version: str
    schema: str
    members: list[str] | None


class Role(TypedDict):
    """sql/roles.sql."""

    name: str
    superuser: bool
    bypassrls: bool
    login: bool
    inherit: bool
    member_of: list[str]
    settings: list[str] | None
    pinned: bool


class Schema(TypedDict):
    """sql/schemas.sql."""

    name: str
    owner: str
    comment: str | None


class Other(NamedTuple):
    """The small kinds (``queries.COMBINED``: rules.sql, event_triggers.sql, ...): ``data``
    holds the model's fields, read by name."""

    kind: str
    key: str
    rel: str | None
    data: Json


class View(TypedDict):
    """sql/views.sql: views and materialized views."""

    schema: str
    name: str
    relkind: str
    definition: str | None
    owner: str
    options: list[str]
    populated: bool
    comment: str | None


class Server(TypedDict):
    """sql/server.sql: server facts, read once before the catalog queries."""

    database: str
    server_version: str
    server_version_num: int
    schemas: list[str]
    keywords: list[str]
    default_opclasses: list[int]
    default_opclass_types: list[int]
    role_oids: list[int]
    role_names: list[str]


class Expr(NamedTuple):
    """sql/exprs.sql: the tree or the deparsed text of one object's expression."""

    source: str
    ref: int
    text: str | None


class RelationFingerprint(NamedTuple):
    """sql/relation_fingerprints.sql: one user relation (oid 0: everything shared, with
    ``fingerprint`` alone set)."""

    oid: int
    schema: str | None
    name: str | None
    relkind: str | None
    fingerprint: str
