"""The schema model: frozen dataclasses keyed by stable names, never by OID.

Every object compares by value (dataclass ``__eq__`` over all fields), so two snapshots
of the same schema are equal whatever server or OIDs they came from. The JSON form is
the ``objects`` part of a ``driftwatch.snapshot/2`` file; ``to_data``/``from_data``
convert both ways generically from the field annotations.

Keys of schema-qualified objects (and every reference to one: ``partition_of``, FK
``table``, trigger ``function`` ...) are ``quote_ident(schema).quote_ident(name)``
(``driftwatch.idents``). ``incomplete`` lists why an object could not be read in full
(a catalog shape the assembler does not know): the object keeps what was read.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from driftwatch.gctuning import collector_paused

Grants = Mapping[str, tuple[str, ...]]
"""Role (or ``PUBLIC``) → sorted privileges; ``"SELECT*"`` marks WITH GRANT OPTION."""


def _grants() -> Grants:
    return {}


Incomplete = tuple[str, ...]
"""Why an object is not fully represented (one reason each, sorted); empty when it is."""


@dataclass(frozen=True, slots=True)
class IdentitySequence:
    """The sequence behind an identity column (its options; its name is derived)."""

    type: str
    start: int
    increment: int
    min_value: int
    max_value: int
    cache: int
    cycle: bool


@dataclass(frozen=True, slots=True)
class Column:
    position: int
    type: str
    nullable: bool
    default: str | None = None
    identity: str | None = None  # "always" | "by default"
    generated: str | None = None  # generation expression of a GENERATED ... STORED column
    collation: str | None = None  # only when it differs from the type's default
    comment: str | None = None
    grants: Grants = field(default_factory=_grants)  # column-level privileges only
    identity_sequence: IdentitySequence | None = None  # options of an identity column


@dataclass(frozen=True, slots=True)
class ForeignKey:
    table: str  # qualified referenced table
    columns: tuple[str, ...]
    on_update: str  # "no action" | "restrict" | "cascade" | "set null" | "set default"
    on_delete: str
    match: str  # "simple" | "full" | "partial"


@dataclass(frozen=True, slots=True)
class Constraint:
    type: str  # "primary_key" | "foreign_key" | "unique" | "check" | "exclusion"
    definition: str  # pg_get_constraintdef
    columns: tuple[str, ...] = ()
    references: ForeignKey | None = None
    deferrable: bool = False
    deferred: bool = False
    validated: bool = True
    inherited: bool = False  # cloned from a partitioned parent or inherited via INHERITS


@dataclass(frozen=True, slots=True)
class Index:
    definition: str  # pg_get_indexdef
    columns: tuple[str, ...]  # key columns / expressions, in order
    unique: bool = False
    primary: bool = False
    method: str = "btree"
    predicate: str | None = None  # partial index WHERE
    include: tuple[str, ...] = ()
    constraint: str | None = None  # name of the constraint this index backs
    valid: bool = True


@dataclass(frozen=True, slots=True)
class Policy:
    command: str  # "SELECT" | "INSERT" | "UPDATE" | "DELETE" | "ALL"
    permissive: bool
    roles: tuple[str, ...]  # sorted; "public" when TO PUBLIC
    using: str | None = None
    with_check: str | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Trigger:
    definition: str  # pg_get_triggerdef
    function: str  # qualified name of the trigger function
    timing: str  # "BEFORE" | "AFTER" | "INSTEAD OF"
    events: tuple[str, ...]  # sorted: DELETE, INSERT, TRUNCATE, UPDATE
    level: str  # "ROW" | "STATEMENT"
    enabled: str = "origin"  # "origin" | "always" | "replica" | "disabled"


@dataclass(frozen=True, slots=True)
class Rule:
    """A rewrite rule (``CREATE RULE``), not a view's own ``_RETURN`` rule."""

    definition: str  # pg_get_ruledef
    event: str  # "SELECT" | "UPDATE" | "INSERT" | "DELETE"
    instead: bool  # DO INSTEAD (replaces the command, RLS of the table is not applied to it)
    enabled: str = "origin"  # "origin" | "always" | "replica" | "disabled"
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class ForeignTableOptions:
    server: str
    options: tuple[str, ...] = ()  # ftoptions, sorted


@dataclass(frozen=True, slots=True)
class Rls:
    enabled: bool = False
    forced: bool = False


@dataclass(frozen=True, slots=True)
class Table:
    kind: str  # "table" | "partitioned" | "foreign"
    owner: str
    rls: Rls = field(default_factory=Rls)
    columns: Mapping[str, Column] = field(default_factory=dict)
    constraints: Mapping[str, Constraint] = field(default_factory=dict)
    indexes: Mapping[str, Index] = field(default_factory=dict)
    policies: Mapping[str, Policy] = field(default_factory=dict)
    triggers: Mapping[str, Trigger] = field(default_factory=dict)
    grants: Grants = field(default_factory=_grants)
    comment: str | None = None
    partition_of: str | None = None  # qualified parent of a partition
    partition_bound: str | None = None  # "FOR VALUES ..." of a partition
    partition_key: str | None = None  # "RANGE (created_at)" of a partitioned table
    inherits: tuple[str, ...] = ()  # classic INHERITS parents (not partitions)
    persistence: str = "permanent"  # "permanent" | "unlogged"
    options: tuple[str, ...] = ()  # reloptions, sorted
    rules: Mapping[str, Rule] = field(default_factory=dict)
    of_type: str | None = None  # composite type of a typed table (CREATE TABLE ... OF type)
    foreign: ForeignTableOptions | None = None  # server and options of a foreign table
    incomplete: Incomplete = ()


@dataclass(frozen=True, slots=True)
class ViewColumn:
    position: int
    type: str
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class View:
    definition: str  # pg_get_viewdef, fully qualified
    owner: str
    columns: Mapping[str, ViewColumn] = field(default_factory=dict)
    security_invoker: bool = False
    security_barrier: bool = False
    check_option: str | None = None  # "local" | "cascaded"
    grants: Grants = field(default_factory=_grants)
    comment: str | None = None
    triggers: Mapping[str, Trigger] = field(default_factory=dict)
    rules: Mapping[str, Rule] = field(default_factory=dict)
    incomplete: Incomplete = ()


@dataclass(frozen=True, slots=True)
class MaterializedView:
    definition: str
    owner: str
    columns: Mapping[str, ViewColumn] = field(default_factory=dict)
    indexes: Mapping[str, Index] = field(default_factory=dict)
    grants: Grants = field(default_factory=_grants)
    comment: str | None = None
    populated: bool = True  # False after CREATE ... WITH NO DATA until the first REFRESH
    incomplete: Incomplete = ()


@dataclass(frozen=True, slots=True)
class Aggregate:
    """What ``CREATE AGGREGATE`` said (functions and operators as qualified keys)."""

    kind: str  # "normal" | "ordered-set" | "hypothetical-set"
    transition: str  # sfunc
    state_type: str  # stype
    final: str | None = None  # finalfunc
    combine: str | None = None  # combinefunc
    serial: str | None = None
    deserial: str | None = None
    initial: str | None = None  # initcond
    sort_operator: str | None = None
    moving_transition: str | None = None  # msfunc
    moving_inverse: str | None = None  # minvfunc
    moving_state_type: str | None = None
    moving_final: str | None = None
    moving_initial: str | None = None
    direct_arguments: int = 0


@dataclass(frozen=True, slots=True)
class Function:
    kind: str  # "function" | "procedure" | "aggregate" | "window"
    arguments: str  # pg_get_function_arguments
    returns: str | None  # pg_get_function_result; None for procedures
    language: str
    volatility: str  # "immutable" | "stable" | "volatile"
    security_definer: bool
    owner: str
    strict: bool = False
    leakproof: bool = False
    parallel: str = "unsafe"  # "safe" | "restricted" | "unsafe"
    config: tuple[str, ...] = ()  # proconfig, e.g. ("search_path=''",)
    body: str = ""  # prosrc, or the SQL-standard body (PG 14+)
    body_digest: str = ""  # sha256 of body
    grants: Grants = field(default_factory=_grants)
    comment: str | None = None
    aggregate: Aggregate | None = None  # the definition of an aggregate (kind "aggregate")
    incomplete: Incomplete = ()

    @property
    def search_path(self) -> str | None:
        for item in self.config:
            if item.startswith("search_path="):
                return item.partition("=")[2]
        return None


@dataclass(frozen=True, slots=True)
class Sequence:
    type: str
    start: int
    increment: int
    min_value: int
    max_value: int
    cache: int
    cycle: bool
    owner: str
    owned_by: str | None = None  # "schema.table.column" for serial-style sequences
    grants: Grants = field(default_factory=_grants)
    comment: str | None = None
    incomplete: Incomplete = ()


@dataclass(frozen=True, slots=True)
class Enum:
    labels: tuple[str, ...]  # in sort order, which is the enum's order
    owner: str
    comment: str | None = None
    incomplete: Incomplete = ()


@dataclass(frozen=True, slots=True)
class Domain:
    base_type: str
    nullable: bool
    owner: str
    default: str | None = None
    collation: str | None = None
    constraints: Mapping[str, str] = field(default_factory=dict)  # name → CHECK definition
    comment: str | None = None
    incomplete: Incomplete = ()


@dataclass(frozen=True, slots=True)
class Attribute:
    position: int
    type: str
    collation: str | None = None  # only when it differs from the type's default


@dataclass(frozen=True, slots=True)
class CompositeType:
    attributes: Mapping[str, Attribute]
    owner: str
    comment: str | None = None
    incomplete: Incomplete = ()


@dataclass(frozen=True, slots=True)
class RangeType:
    subtype: str
    owner: str
    multirange: str | None = None  # the multirange type's key (PG 14+)
    subtype_opclass: str | None = None  # only when not the subtype's default
    collation: str | None = None
    canonical: str | None = None  # function keys
    subtype_diff: str | None = None
    comment: str | None = None
    incomplete: Incomplete = ()


@dataclass(frozen=True, slots=True)
class Collation:
    provider: str  # "libc" | "icu" | "builtin" | "default"
    deterministic: bool
    owner: str
    collate: str | None = None  # lc_collate (libc)
    ctype: str | None = None  # lc_ctype (libc)
    locale: str | None = None  # icu / builtin locale (PG 15+)
    rules: str | None = None  # ICU tailoring rules (PG 16+)
    version: str | None = None
    comment: str | None = None
    incomplete: Incomplete = ()


@dataclass(frozen=True, slots=True)
class Operator:
    """Key: ``schema.op(left,right)``, ``NONE`` for a missing operand."""

    kind: str  # "infix" | "prefix"
    left: str | None
    right: str
    result: str
    function: str  # the function's key (schema.name)
    owner: str
    commutator: str | None = None  # operator keys
    negator: str | None = None
    restrict: str | None = None
    join: str | None = None
    hashes: bool = False
    merges: bool = False
    comment: str | None = None
    incomplete: Incomplete = ()


@dataclass(frozen=True, slots=True)
class Statistics:
    """An extended statistics object (``CREATE STATISTICS``)."""

    table: str  # the table's key
    definition: str  # pg_get_statisticsobjdef
    kinds: tuple[str, ...]  # sorted: "dependencies" | "mcv" | "ndistinct" | "expressions"
    owner: str
    target: int | None = None  # stxstattarget, when set
    comment: str | None = None
    incomplete: Incomplete = ()


@dataclass(frozen=True, slots=True)
class PublicationTable:
    columns: tuple[str, ...] | None = None  # column list (PG 15+); None: every column
    row_filter: str | None = None  # WHERE (PG 15+)


@dataclass(frozen=True, slots=True)
class Publication:
    """A logical-replication publication (what Supabase Realtime streams)."""

    owner: str
    all_tables: bool
    operations: tuple[str, ...]  # sorted: "delete" | "insert" | "truncate" | "update"
    tables: Mapping[str, PublicationTable] = field(default_factory=dict)  # key: table key
    schemas: tuple[str, ...] = ()  # FOR TABLES IN SCHEMA (PG 15+)
    via_root: bool = False  # publish_via_partition_root
    comment: str | None = None
    incomplete: Incomplete = ()


@dataclass(frozen=True, slots=True)
class EventTrigger:
    event: str  # "ddl_command_start" | "ddl_command_end" | "sql_drop" | "table_rewrite" ...
    function: str  # the function's key (schema.name)
    owner: str
    enabled: str = "origin"  # "origin" | "always" | "replica" | "disabled"
    tags: tuple[str, ...] = ()  # WHEN TAG IN (...), sorted
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Extension:
    version: str
    schema: str
    # Relations of the snapshotted schemas that belong to the extension (pg_depend
    # deptype 'e', e.g. PostGIS's public.spatial_ref_sys), sorted keys: left out of the
    # snapshot's tables and views (not user objects), named here so `check -v` can say so.
    members: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Schema:
    owner: str
    grants: Grants = field(default_factory=_grants)
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Role:
    """A non-system role (``pg_*`` roles are left out): what decides what it can reach.

    ``member_of``: the roles it is a direct member of, sorted; with ``inherit`` it uses
    their privileges. ``settings``: the role's ``ALTER ROLE … SET`` values for this
    database (a database-specific value wins over an all-databases one), only the
    settings listed in ``introspect/sql/roles.sql`` (never secrets such as JWT keys).
    The key ``PUBLIC`` holds the database's own settings (``ALTER DATABASE … SET``),
    which apply to every role; its attributes are all false.
    """

    superuser: bool = False
    bypassrls: bool = False
    login: bool = False
    inherit: bool = True
    member_of: tuple[str, ...] = ()
    settings: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Objects:
    """Everything a snapshot holds; top-level keys are qualified ``schema.name``."""

    schemas: Mapping[str, Schema] = field(default_factory=dict)
    tables: Mapping[str, Table] = field(default_factory=dict)
    views: Mapping[str, View] = field(default_factory=dict)
    materialized_views: Mapping[str, MaterializedView] = field(default_factory=dict)
    functions: Mapping[str, Function] = field(default_factory=dict)  # key: schema.name(args)
    sequences: Mapping[str, Sequence] = field(default_factory=dict)
    enums: Mapping[str, Enum] = field(default_factory=dict)
    domains: Mapping[str, Domain] = field(default_factory=dict)
    extensions: Mapping[str, Extension] = field(default_factory=dict)  # key: extension name
    roles: Mapping[str, Role] = field(default_factory=dict)  # key: role name (PUBLIC: database)
    composite_types: Mapping[str, CompositeType] = field(default_factory=dict)
    range_types: Mapping[str, RangeType] = field(default_factory=dict)
    collations: Mapping[str, Collation] = field(default_factory=dict)
    operators: Mapping[str, Operator] = field(default_factory=dict)  # key: schema.op(l,r)
    statistics: Mapping[str, Statistics] = field(default_factory=dict)
    publications: Mapping[str, Publication] = field(default_factory=dict)  # key: its name
    event_triggers: Mapping[str, EventTrigger] = field(default_factory=dict)  # key: its name


@dataclass(frozen=True, slots=True)
class Meta:
    taken_at: str
    target: str | None
    database: str
    server_version: str
    driftwatch_version: str
    schemas: tuple[str, ...] = ()  # the schemas that were included
    catalog_fingerprint: str | None = None  # see introspect/sql/fingerprint.sql


class Snapshot:
    """One schema state: ``meta``, ``digest`` and the objects, immutable.

    The objects exist in two equal forms, each made from the other on first use and kept:
    ``objects`` (the dataclass tree, for code that reads the schema) and ``data`` (the
    JSON-native tree, for hashing, writing and diffing). Introspection and file reading
    produce ``data`` directly, so writing a snapshot never builds the dataclass tree it does
    not need. Treat ``data`` as read-only. Equality is by value.
    """

    __slots__ = ("_data", "_objects", "digest", "meta")

    meta: Meta
    digest: str
    _objects: Objects | None
    _data: Mapping[str, Any] | None

    def __init__(
        self,
        meta: Meta,
        objects: Objects | None = None,
        digest: str = "",
        *,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        if objects is None and data is None:
            raise TypeError("Snapshot needs objects or data")
        object.__setattr__(self, "meta", meta)
        object.__setattr__(self, "digest", digest)
        object.__setattr__(self, "_objects", objects)
        object.__setattr__(self, "_data", data)

    @property
    def objects(self) -> Objects:
        if self._objects is None:
            object.__setattr__(self, "_objects", from_data(Objects, self._data))
        assert self._objects is not None
        return self._objects

    @property
    def server_major(self) -> int | None:
        """The server major version the snapshot was taken on (a migrations replay for
        comparison runs on the same one), None when ``meta.server_version`` has none."""
        head = self.meta.server_version.split(".")[0]
        return int(head) if head.isdigit() else None

    @property
    def data(self) -> Mapping[str, Any]:
        if self._data is None:
            object.__setattr__(self, "_data", to_data(self._objects))
        assert self._data is not None
        return self._data

    def __setattr__(self, name: str, value: Any) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Snapshot):
            return NotImplemented
        return self.meta == other.meta and self.digest == other.digest and self.data == other.data

    def __hash__(self) -> int:
        return hash((self.meta.database, self.meta.taken_at, self.digest))

    def __repr__(self) -> str:
        return f"Snapshot(database={self.meta.database!r}, digest={self.digest[:19]!r}…)"


ObjectKind = typing.Literal[
    "schemas",
    "tables",
    "views",
    "materialized_views",
    "functions",
    "sequences",
    "enums",
    "domains",
    "extensions",
    "roles",
    "composite_types",
    "range_types",
    "collations",
    "operators",
    "statistics",
    "publications",
    "event_triggers",
]
"""A kind of object a snapshot holds: a field of ``Objects``, a top-level key of its JSON."""

OBJECT_KINDS: tuple[ObjectKind, ...] = typing.get_args(ObjectKind)  # in field order
if tuple(f.name for f in dataclasses.fields(Objects)) != OBJECT_KINDS:  # pragma: no cover
    raise TypeError("model.ObjectKind must list the fields of Objects, in order")


# --------------------------------------------------------------------------- conversion

T = TypeVar("T")

_FIELDS: dict[type, tuple[str, ...]] = {}


def to_data(obj: Any) -> Any:
    """Dataclass tree → JSON-native data (dicts, lists, scalars)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        names = _FIELDS.get(type(obj))
        if names is None:
            names = _FIELDS[type(obj)] = tuple(f.name for f in dataclasses.fields(obj))
        return {name: to_data(getattr(obj, name)) for name in names}
    if isinstance(obj, Mapping):
        return {k: to_data(v) for k, v in obj.items()}
    if isinstance(obj, tuple | list):
        return [to_data(v) for v in obj]
    return obj


_Decoder = typing.Callable[[Any], Any]
_DECODERS: dict[Any, _Decoder] = {}


def _decoder(tp: Any) -> _Decoder:
    cached = _DECODERS.get(tp)
    if cached is not None:
        return cached
    dec: _Decoder
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        hints = typing.get_type_hints(tp)
        plan = [(f.name, _decoder(hints[f.name])) for f in dataclasses.fields(tp)]
        names = frozenset(name for name, _ in plan)
        # Fields whose values are used as they are (scalars) skip the decoder call, and
        # complete objects (every field present, as snapshots write them) are built with
        # positional arguments (see bench/README.md for what that saves).
        steps = [(name, None if d is _identity else d) for name, d in plan]
        cls = tp

        def dec(v: Any) -> Any:
            if len(v) == len(steps) and names.issuperset(v):
                return cls(*[v[name] if d is None else d(v[name]) for name, d in steps])
            return cls(**{name: d(v[name]) for name, d in plan if name in v})

    elif origin in (Mapping, dict) or (origin is not None and origin.__name__ == "Mapping"):
        value_dec = _decoder(args[1])
        dec = dict if value_dec is _identity else _mapping_of(value_dec)
    elif origin is tuple:
        item_dec = _decoder(args[0])
        dec = tuple if item_dec is _identity else _tuple_of(item_dec)
    elif origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        inner_dec = _decoder(inner[0])
        dec = _identity if inner_dec is _identity else _optional_of(inner_dec)
    else:
        dec = _identity
    _DECODERS[tp] = dec
    return dec


def _identity(value: Any) -> Any:
    return value


def _mapping_of(value_dec: _Decoder) -> _Decoder:
    return lambda v: {k: value_dec(x) for k, x in v.items()}


def _tuple_of(item_dec: _Decoder) -> _Decoder:
    return lambda v: tuple([item_dec(x) for x in v])


def _optional_of(inner_dec: _Decoder) -> _Decoder:
    return lambda v: None if v is None else inner_dec(v)


def from_data(cls: type[T], data: Any) -> T:
    """JSON-native data → dataclass tree (data is assumed schema-valid)."""
    with collector_paused():
        result: T = _decoder(cls)(data)
    return result
