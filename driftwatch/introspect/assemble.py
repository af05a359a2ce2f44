"""Catalog rows → the JSON-native ``objects`` tree of a snapshot.

The output has exactly the shape ``model.to_data(model.Objects(...))`` gives (every field
present, tuples as lists); ``tests/test_snapshot.py`` checks that the two agree. Building
plain dicts straight from the rows is several times faster than building the dataclasses
and converting them, which matters at 10,000 tables.
"""

from __future__ import annotations

import hashlib
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from driftwatch.introspect.definitions import Quoter, constraint_definition, index_definition
from driftwatch.introspect.exprs import Expressions

Row = dict[str, Any]
Data = dict[str, Any]
Attr = tuple[str, int, int, Data]  # a column: name, type OID, collation OID, its entry

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


def _key(schema: str, name: str) -> str:
    """``schema.name``, one shared string per relation (every column, index, policy of a
    table is keyed by it)."""
    return sys.intern(f"{schema}.{name}")


def _q(row: Row, name_key: str = "name") -> str:
    """``_key`` of a dict row."""
    return _key(row["schema"], row[name_key])


def _grant_map(entries: Iterable[Sequence[Any]]) -> dict[str, list[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for grantee, privilege, grantable in entries:
        out[grantee].add(f"{privilege}*" if grantable else privilege)
    return {role: sorted(privs) for role, privs in sorted(out.items())}


def _options(raw: Sequence[str]) -> dict[str, str]:
    return dict(opt.partition("=")[::2] for opt in raw)


def _tgtype(tgtype: int) -> tuple[str, list[str], str]:
    timing = "INSTEAD OF" if tgtype & 64 else ("BEFORE" if tgtype & 2 else "AFTER")
    bits = ((4, "INSERT"), (8, "DELETE"), (16, "UPDATE"), (32, "TRUNCATE"))
    events = sorted(name for bit, name in bits if tgtype & bit)
    return timing, events, "ROW" if tgtype & 1 else "STATEMENT"


class Assembler:
    """Consumes each query's rows as they arrive (``add``), so only one query's rows are
    alive at a time; ``result()`` gives the objects tree. Kinds must arrive in ``ORDER``:
    grants before the objects they belong to, columns before the indexes and constraints
    that name them by number, everything a view collects before the views. Tables get
    their members (columns, indexes, ...) as each kind's rows are in, so they come early:
    the server has only cheap queries to run first, and the costly ones run while the
    client is busy with the rows before them (the queries are pipelined, see ``loader``).

    ``server`` is the row of ``sql/server.sql`` (keywords for quoting, default operator
    classes)."""

    ORDER: tuple[str, ...] = (
        "grants",
        "tables",
        "columns",
        "indexes",
        "constraints",
        "triggers",
        "policies",
        "functions",
        "sequences",
        "types",
        "extensions",
        "roles",
        "schemas",
        "views",
    )

    # Kinds whose rows arrive as tuples (the big ones: a dict per row costs more than the
    # rest of the work), with the column names their queries must return, in order.
    TUPLE_FIELDS: ClassVar[dict[str, tuple[str, ...]]] = {
        "grants": ("kind", "key", "grantee", "privilege", "grantable"),
        "columns": (
            "rel",
            "relkind",
            "name",
            "attnum",
            "typid",
            "collid",
            "type",
            "nullable",
            "ref",
            "tree",
            "is_generated",
            "identity",
            "collation",
            "comment",
            "grants",
        ),
        "policies": (
            "rel",
            "name",
            "command",
            "permissive",
            "roles",
            "ref",
            "using_tree",
            "check_tree",
        ),
        "constraints": (
            "schema",
            "relation",
            "name",
            "contype",
            "definition",
            "ref",
            "tree",
            "flags",
            "conkey",
            "include",
            "ref_schema",
            "ref_relation",
            "confkey",
            "ref_columns",
            "on_update",
            "on_delete",
            "match",
            "deferrable",
            "deferred",
            "validated",
            "inherited",
        ),
        "indexes": (
            "schema",
            "relation",
            "name",
            "definition",
            "ref",
            "tree",
            "indkey",
            "indclass",
            "indcollation",
            "indoption",
            "nkeyatts",
            "expression_columns",
            "is_unique",
            "is_primary",
            "method",
            "constraint_name",
            "valid",
        ),
        "tables": (
            "schema",
            "name",
            "relkind",
            "owner",
            "rls_enabled",
            "rls_forced",
            "comment",
            "is_partition",
            "parents",
            "partition_bound",
            "partition_key",
            "persistence",
            "options",
        ),
    }

    def __init__(self, server: Row | None = None) -> None:
        server = server or {}
        # relation → attnum → Attr, for every column read
        self._attrs: dict[str, dict[int, Attr]] = defaultdict(dict)
        self.exprs = Expressions(self._attrs)
        self._quote = Quoter(server.get("keywords") or ())
        self._default_opclass: dict[int, int] = dict(
            zip(
                server.get("default_opclasses") or (),
                server.get("default_opclass_types") or (),
                strict=True,
            )
        )
        self._role_names: dict[int, str] = {0: "public"}  # role 0 is PUBLIC in polroles
        self._role_names.update(
            zip(server.get("role_oids") or (), server.get("role_names") or (), strict=True)
        )
        self._grants: dict[tuple[str, str], list[tuple[str, str, bool]]] = defaultdict(list)
        self._columns: dict[str, Data] = defaultdict(dict)
        self._view_columns: dict[str, Data] = defaultdict(dict)
        self._constraints: dict[str, Data] = defaultdict(dict)
        self._indexes: dict[str, Data] = defaultdict(dict)
        self._policies: dict[str, Data] = defaultdict(dict)
        self._triggers: dict[str, Data] = defaultdict(dict)
        # The members of tables, attached once their kind's rows are in (``add``); the
        # tables' rows come first (ORDER).
        self._members = {
            "columns": self._columns,
            "constraints": self._constraints,
            "indexes": self._indexes,
            "policies": self._policies,
            "triggers": self._triggers,
        }
        self._out: Data = {
            "domains": {},
            "enums": {},
            "extensions": {},
            "functions": {},
            "materialized_views": {},
            "roles": {},
            "schemas": {},
            "sequences": {},
            "tables": {},
            "views": {},
        }
        self._seen: list[str] = []
        self._all_roles: dict[str, Data] = {}
        self._pinned_roles: set[str] = set()

    def add(self, kind: str, rows: Iterable[Any]) -> None:
        """Rows of ``kind``: tuples in ``TUPLE_FIELDS`` order for those kinds, else dicts."""
        expected = self.ORDER[len(self._seen)] if len(self._seen) < len(self.ORDER) else None
        if kind != expected:
            raise ValueError(f"rows of {kind!r} arrived out of order (expected {expected!r})")
        self._seen.append(kind)
        getattr(self, f"_add_{kind}")(rows)
        members = self._members.get(kind)
        if members is not None:
            # Each table's members of this kind, by name, now rather than in ``result``:
            # the client has time to spare while the server produces the next rows.
            # Members of views and materialized views (triggers, indexes) stay for them.
            for key, table in self._out["tables"].items():
                table[kind] = _sorted(members.pop(key, None))

    def result(self) -> Data:
        """The objects tree; expressions registered in ``exprs`` must be resolved first."""
        if len(self._seen) != len(self.ORDER):
            raise ValueError(f"missing rows for {self.ORDER[len(self._seen)]!r}")
        self._out["tables"] = _sorted(self._out["tables"])  # rows arrive unordered
        self._out["roles"] = self._relevant_roles()
        return self._out

    def _grants_of(self, kind: str, key: str) -> dict[str, list[str]]:
        entries = self._grants.pop((kind, key), None)
        return _grant_map(entries) if entries else {}

    def _add_grants(self, rows: Iterable[Any]) -> None:
        grants = self._grants
        for kind, key, grantee, privilege, grantable in rows:
            grants[(kind, key)].append((grantee, privilege, grantable))

    def _add_columns(self, rows: Iterable[Any]) -> None:
        exprs, attrs, intern = self.exprs, self._attrs, sys.intern
        table_columns, view_columns = self._columns, self._view_columns
        shared = _SHARED_INTS.setdefault
        column: Data
        for (
            rel,
            relkind,
            name,
            attnum,
            typid,
            collid,
            type_,
            nullable,
            ref,
            tree,
            is_generated,
            identity,
            collation,
            comment,
            grants,
        ) in rows:
            rel = intern(rel)
            if relkind in ("v", "m"):
                column = view_columns[rel][name] = {
                    "comment": comment,
                    "position": 0,
                    "type": intern(type_),
                }
                attrs[rel][attnum] = (name, shared(typid, typid), shared(collid, collid), column)
                continue
            column = table_columns[rel][name] = {
                "collation": collation,
                "comment": comment,
                "default": None,
                "generated": None,
                "grants": _grant_map(grants) if grants else {},
                "identity": identity,
                "nullable": nullable,
                "position": 0,
                "type": intern(type_),
            }
            attrs[rel][attnum] = (name, shared(typid, typid), shared(collid, collid), column)
            if tree is not None:
                exprs.add(
                    "default", ref, tree, rel, column, "generated" if is_generated else "default"
                )
        # position: the dense ordinal among live columns (attnum has gaps after DROP COLUMN,
        # which is history, not schema).
        for columns in attrs.values():
            for position, attnum in enumerate(sorted(columns), 1):
                columns[attnum][3]["position"] = position

    def _add_constraints(self, rows: Iterable[Any]) -> None:
        exprs, quote, attrs = self.exprs, self._quote, self._attrs
        for (
            schema,
            relation,
            name,
            contype,
            definition,
            ref,
            tree,
            flags,
            conkey,
            include,
            ref_schema,
            ref_relation,
            confkey,
            ref_columns,
            on_update,
            on_delete,
            match,
            deferrable,
            deferred,
            validated,
            inherited,
        ) in rows:
            fk = None
            rel = _key(schema, relation)
            columns = _names(attrs[rel], conkey)
            if contype == "f":
                ref_table = _key(ref_schema, ref_relation)
                if ref_columns is None:
                    ref_columns = _names(attrs[ref_table], confkey)
                fk = {
                    "columns": ref_columns,
                    "match": _FK_MATCH[match],
                    "on_delete": _FK_ACTIONS[on_delete],
                    "on_update": _FK_ACTIONS[on_update],
                    "table": ref_table,
                }
            if definition is None and contype != "c":
                definition = constraint_definition(
                    quote,
                    contype=contype,
                    columns=columns,
                    include=include,
                    ref_schema=ref_schema,
                    ref_relation=ref_relation,
                    ref_columns=ref_columns,
                    match=match,
                    on_update=on_update,
                    on_delete=on_delete,
                    deferrable=deferrable,
                    deferred=deferred,
                    validated=validated,
                )
            con = self._constraints[rel][name] = {
                "columns": columns,
                "deferrable": deferrable,
                "deferred": deferred,
                "definition": definition,
                "inherited": inherited,
                "references": fk,
                "type": _CONTYPES[contype],
                "validated": validated,
            }
            if definition is None:
                exprs.add("check", ref, tree, rel, con, "definition", extra=flags)

    def _add_indexes(self, rows: Iterable[Any]) -> None:
        exprs, quote, attrs = self.exprs, self._quote, self._attrs
        for (
            schema,
            relation,
            name,
            definition,
            ref,
            tree,
            indkey,
            indclass,
            indcollation,
            indoption,
            nkey,
            expression_columns,
            is_unique,
            is_primary,
            method,
            constraint_name,
            valid,
        ) in rows:
            rel = _key(schema, relation)
            columns = attrs[rel]
            keys = expression_columns or [quote[columns[n][0]] for n in indkey[:nkey]]
            include = [quote[columns[n][0]] for n in indkey[nkey:]]
            index = self._indexes[rel][name] = {
                "columns": keys,
                "constraint": constraint_name,
                "definition": definition,
                "include": include,
                "method": _i(method),
                "predicate": None,
                "primary": is_primary,
                "unique": is_unique,
                "valid": valid,
            }
            if definition is None:
                if self._plain_keys(indkey, indclass, indcollation, indoption, columns):
                    definition = index["definition"] = index_definition(
                        quote,
                        unique=is_unique,
                        name=name,
                        schema=schema,
                        relation=relation,
                        method=method,
                        keys=keys,
                        include=include,
                    )
                    if tree is not None:
                        exprs.add(
                            "predicate",
                            ref,
                            tree,
                            rel,
                            index,
                            "definition",
                            prefix=definition + " WHERE ",
                        )
                else:
                    exprs.add("indexdef", ref, f"indexdef:{ref}", rel, index, "definition")
            if tree is not None:
                exprs.add("predicate", ref, tree, rel, index, "predicate")

    def _plain_keys(
        self,
        indkey: Sequence[int],
        indclass: Sequence[int],
        indcollation: Sequence[int],
        indoption: Sequence[int],
        columns: dict[int, Attr],
    ) -> bool:
        """Every key column has its type's default operator class, its own collation and
        the default ordering, so pg_get_indexdef would print just its name."""
        default_opclass = self._default_opclass
        for attnum, opclass, collation, option in zip(
            indkey, indclass, indcollation, indoption, strict=False
        ):
            column = columns.get(attnum)
            if (
                option
                or column is None
                or default_opclass.get(opclass) != column[1]
                or (collation and collation != column[2])
            ):
                return False
        return True

    def _role_list(self, oids: Sequence[int]) -> tuple[str, ...]:
        """Role names sorted by code point (as ``name``, C-collated, sorts in the catalog),
        whatever the database's collation."""
        names = self._role_names
        return tuple(sorted(sys.intern(names.get(oid) or f"unknown (OID={oid})") for oid in oids))

    def _add_policies(self, rows: Iterable[Any]) -> None:
        exprs, policies, intern = self.exprs, self._policies, sys.intern
        role_lists: dict[tuple[int, ...], tuple[str, ...]] = {}
        for rel, name, command, permissive, role_oids, ref, using_tree, check_tree in rows:
            rel = intern(rel)
            key = tuple(role_oids)
            roles = role_lists.get(key)
            if roles is None:
                roles = role_lists[key] = self._role_list(key)
            policy = policies[rel][name] = {
                "command": _POLCMD[command],
                "permissive": permissive,
                "roles": list(roles),
                "using": None,
                "with_check": None,
            }
            if using_tree is not None:
                exprs.add("policy_using", ref, using_tree, rel, policy, "using")
            if check_tree is not None:
                exprs.add("policy_check", ref, check_tree, rel, policy, "with_check")

    def _add_triggers(self, rows: Iterable[Row]) -> None:
        for r in rows:
            timing, events, level = _tgtype(r["tgtype"])
            self._triggers[_q(r, "relation")][r["name"]] = {
                "definition": r["definition"],
                "enabled": _TRIGGER_ENABLED.get(r["enabled"]) or str(r["enabled"]),
                "events": events,
                "function": _i(r["function"]),
                "level": level,
                "timing": timing,
            }

    def _add_tables(self, rows: Iterable[Any]) -> None:
        tables = self._out["tables"]
        for (
            schema,
            name,
            relkind,
            owner,
            rls_enabled,
            rls_forced,
            comment,
            is_partition,
            parents,
            partition_bound,
            partition_key,
            persistence,
            options,
        ) in rows:
            key = _key(schema, name)
            tables[key] = {
                "columns": {},  # members: filled in by result()
                "comment": comment,
                "constraints": {},
                "grants": self._grants_of("relation", key),
                "indexes": {},
                "inherits": [] if is_partition else parents,
                "kind": _TABLE_KIND[relkind],
                "options": sorted(options),
                "owner": _i(owner),
                "partition_bound": partition_bound,
                "partition_key": partition_key,
                "partition_of": parents[0] if is_partition and parents else None,
                "persistence": "unlogged" if persistence == "u" else "permanent",
                "policies": {},
                "rls": {"enabled": rls_enabled, "forced": rls_forced},
                "triggers": {},
            }

    def _add_views(self, rows: Iterable[Row]) -> None:
        views, matviews = self._out["views"], self._out["materialized_views"]
        for r in rows:
            key = _q(r)
            if r["relkind"] == "m":
                matviews[key] = {
                    "columns": _sorted(self._view_columns.pop(key, None)),
                    "comment": r["comment"],
                    "definition": r["definition"],
                    "grants": self._grants_of("relation", key),
                    "indexes": _sorted(self._indexes.pop(key, None)),
                    "owner": _i(r["owner"]),
                }
                continue
            opts = _options(r["options"])
            views[key] = {
                "check_option": opts.get("check_option"),
                "columns": _sorted(self._view_columns.pop(key, None)),
                "comment": r["comment"],
                "definition": r["definition"],
                "grants": self._grants_of("relation", key),
                "owner": _i(r["owner"]),
                "security_barrier": opts.get("security_barrier", "false").lower() in _TRUE,
                "security_invoker": opts.get("security_invoker", "false").lower() in _TRUE,
                "triggers": _sorted(self._triggers.pop(key, None)),
            }

    def _add_functions(self, rows: Iterable[Row]) -> None:
        functions = self._out["functions"]
        for r in rows:
            key = f"{r['schema']}.{r['name']}({r['identity_arguments']})"
            body = r["body"] or ""
            functions[key] = {
                "arguments": r["arguments"],
                "body": body,
                "body_digest": "sha256:" + hashlib.sha256(body.encode()).hexdigest(),
                "comment": r["comment"],
                "config": sorted(r["config"]),
                "grants": self._grants_of("function", key),
                "kind": _PROKIND[r["prokind"]],
                "language": _i(r["language"]),
                "leakproof": r["leakproof"],
                "owner": _i(r["owner"]),
                "parallel": _PARALLEL[r["parallel"]],
                "returns": r["returns"],
                "security_definer": r["security_definer"],
                "strict": r["strict"],
                "volatility": _VOLATILITY[r["volatility"]],
            }

    def _add_sequences(self, rows: Iterable[Row]) -> None:
        sequences = self._out["sequences"]
        for r in rows:
            key = _q(r)
            sequences[key] = {
                "cache": r["cache"],
                "comment": r["comment"],
                "cycle": r["cycle"],
                "grants": self._grants_of("relation", key),
                "increment": r["increment"],
                "max_value": r["max_value"],
                "min_value": r["min_value"],
                "owned_by": r["owned_by"],
                "owner": _i(r["owner"]),
                "start": r["start"],
                "type": r["type"],
            }

    def _add_types(self, rows: Iterable[Row]) -> None:
        enums, domains = self._out["enums"], self._out["domains"]
        for r in rows:
            if r["typtype"] == "e":
                enums[_q(r)] = {
                    "comment": r["comment"],
                    "labels": r["labels"],
                    "owner": _i(r["owner"]),
                }
                continue
            domains[_q(r)] = {
                "base_type": r["base_type"],
                "collation": r["collation"],
                "comment": r["comment"],
                "constraints": dict(sorted((r["constraints"] or {}).items())),
                "default": r["default"],
                "nullable": r["nullable"],
                "owner": _i(r["owner"]),
            }

    def _add_extensions(self, rows: Iterable[Row]) -> None:
        self._out["extensions"] = {
            r["name"]: {
                "members": list(r["members"] or ()),
                "schema": r["schema"],
                "version": r["version"],
            }
            for r in rows
        }

    def _add_roles(self, rows: Iterable[Row]) -> None:
        for r in rows:
            self._all_roles[r["name"]] = {
                "bypassrls": r["bypassrls"],
                "inherit": r["inherit"],
                "login": r["login"],
                "member_of": list(r["member_of"]),
                # "name=value" rows, a database-specific value last: it wins.
                "settings": dict(sorted(_options(r["settings"] or ()).items())),
                "superuser": r["superuser"],
            }
            if r["pinned"]:
                self._pinned_roles.add(r["name"])

    def _relevant_roles(self) -> Data:
        """The roles this database's snapshot involves: every role that owns, is granted or
        is named by a policy of a snapshotted object and the roles those are members of
        (transitively), plus the pinned ones (``sql/roles.sql``). Roles are cluster-wide:
        the others belong to other databases and would make the snapshot change with them."""
        out = self._out
        used: set[str] = set(self._pinned_roles)
        for kind in ("tables", "views", "materialized_views", "functions", "sequences", "schemas"):
            for obj in out[kind].values():
                used.add(obj["owner"])
                used.update(obj["grants"])
        for kind in ("enums", "domains"):
            used.update(obj["owner"] for obj in out[kind].values())
        for table in out["tables"].values():
            for col in table["columns"].values():
                if col["grants"]:
                    used.update(col["grants"])
            for pol in table["policies"].values():
                used.update(pol["roles"])
        roles = self._all_roles
        keep = {r for r in used if r in roles}
        todo = list(keep)
        while todo:
            for parent in roles[todo.pop()]["member_of"]:
                if parent in roles and parent not in keep:
                    keep.add(parent)
                    todo.append(parent)
        return {name: roles[name] for name in sorted(keep)}

    def _add_schemas(self, rows: Iterable[Row]) -> None:
        self._out["schemas"] = {
            r["name"]: {
                "comment": r["comment"],
                "grants": self._grants_of("schema", r["name"]),
                "owner": _i(r["owner"]),
            }
            for r in rows
        }


def _sorted(members: Data | None) -> Data:
    """A table's columns, indexes, ... by name (their rows arrive unordered)."""
    return dict(sorted(members.items())) if members else {}


# One int object per distinct type/collation OID instead of one per column.
_SHARED_INTS: dict[int, int] = {}


def _names(columns: dict[int, Attr], attnums: Sequence[int] | None) -> list[str]:
    return [columns[n][0] for n in attnums or ()]


def _i(value: str | None) -> str | None:
    """Intern short strings repeated across thousands of rows (types, defaults, owners)."""
    return sys.intern(value) if value is not None and len(value) < 200 else value
