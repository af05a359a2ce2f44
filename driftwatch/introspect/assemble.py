"""Catalog rows → the JSON-native ``objects`` tree of a snapshot.

The output has exactly the shape ``model.to_data(model.Objects(...))`` gives (every field
present, tuples as lists); ``tests/test_snapshot.py`` checks that the two agree. Building
plain dicts straight from the rows is several times faster than building the dataclasses
and converting them, which matters at 10,000 tables.

Nothing a catalog row holds may fail the snapshot: a lookup that finds nothing (a column
number 0 in a whole-row CHECK, a member of a relation the snapshot lacks, an expression
PostgreSQL could not deparse) keeps the object with what is known and records why in its
``incomplete`` list, and each such object gives one line in ``warnings``.
"""

from __future__ import annotations

import hashlib
import logging
import sys
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, cast

from driftwatch.introspect import queries
from driftwatch.introspect import rows as R
from driftwatch.introspect.definitions import Quoter, constraint_definition, index_definition
from driftwatch.introspect.exprs import Expressions
from driftwatch.objectgroup import ObjectGroup

log = logging.getLogger("driftwatch.snapshot")

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
    alive at a time; ``result()`` gives the objects tree. Kinds must arrive in ``ORDER``,
    the order of ``queries.PLAN`` (which says why). Tables get their members (columns,
    indexes, ...) as each kind's rows are in, while the server produces the next rows.

    ``server`` is the row of ``sql/server.sql`` (keywords for quoting, default operator
    classes)."""

    ORDER: tuple[str, ...] = queries.KINDS  # the order of queries.PLAN

    # The kinds whose objects are relations (what an incremental read re-reads or keeps).
    RELATION_KINDS: tuple[str, ...] = ("tables", "views", "materialized_views", "sequences")

    def __init__(self, server: R.Server | None = None) -> None:
        # Tests give a partial row or none: every key is read with .get.
        server = server if server is not None else cast(R.Server, {})
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
        self._rules: dict[str, Data] = defaultdict(dict)  # of views, until their rows
        self._out: Data = {
            "collations": {},
            "composite_types": {},
            "domains": {},
            "enums": {},
            "event_triggers": {},
            "extensions": {},
            "functions": {},
            "materialized_views": {},
            "operators": {},
            "publications": {},
            "range_types": {},
            "roles": {},
            "schemas": {},
            "sequences": {},
            "statistics": {},
            "tables": {},
            "views": {},
        }
        self._seen: list[str] = []
        self._base: Mapping[str, Mapping[str, Any]] = {}
        self._base_drop: Collection[str] = ()
        self._base_roles: set[str] = set()
        self._all_roles: dict[str, Data] = {}
        self._pinned_roles: set[str] = set()
        # object key → why it is incomplete (see the module docstring)
        self._problems: dict[str, list[str]] = defaultdict(list)
        self.warnings: list[str] = []

    def _key(self, schema: str, name: str) -> str:
        """The key of a qualified object (``driftwatch.idents``), one shared string per
        relation (every column, index, policy of a table is keyed by it)."""
        quote = self._quote
        return sys.intern(quote[schema] + "." + quote[name])

    def _broken(self, key: str, what: str, exc: BaseException) -> None:
        """A row of ``key`` (``what``: "constraint x", "function", ...) that could not be
        read: recorded, never raised."""
        self._problems[key].append(f"{what}: not read ({type(exc).__name__}: {exc})")

    def add(self, kind: str, rows: Iterable[Any]) -> None:
        """Rows of ``kind``, as its ``queries.PLAN`` entry declares them (``rows``)."""
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

    def keep(
        self,
        base: Mapping[str, Mapping[str, Any]],
        drop: Collection[str] = (),
        roles: Iterable[str] = (),
    ) -> None:
        """Relations of an earlier snapshot that this read does not re-read (kind of
        ``RELATION_KINDS`` → key → object, but the keys in ``drop``): ``result`` has them
        as they are, beside the relations read now (which win), never decoded nor
        modified. ``roles``: the roles they name (``roles_named``), which the snapshot's
        roles then include without looking into them."""
        self._base = base
        self._base_drop = drop
        self._base_roles = set(roles)

    def result(self) -> Data:
        """The objects tree; expressions registered in ``exprs`` must be resolved first.
        Incomplete objects are marked and listed in ``warnings`` (also logged)."""
        if len(self._seen) != len(self.ORDER):
            raise ValueError(f"missing rows for {self.ORDER[len(self._seen)]!r}")
        out = self._out
        out["tables"] = _sorted(out["tables"])  # rows arrive unordered
        for kind in ("statistics", "operators", "collations", "composite_types", "range_types"):
            out[kind] = _sorted(out[kind])
        for source, relation, target, field in self.exprs.unresolved:
            # The deparser gave NULL (an object dropped meanwhile is retried by the loader;
            # this is a tree PostgreSQL itself cannot print): the field is unknown.
            if field == "definition":
                target[field] = ""
            self._problems[relation].append(
                f"{self._member_name(relation, target)}: {source} expression not deparsed"
            )
        self.exprs.unresolved.clear()
        for key, reasons in sorted(self._problems.items()):
            owner, obj = self._owner(key)
            line = f"{owner or 'object'} {key} is incomplete: {'; '.join(sorted(set(reasons)))}"
            if obj is not None:
                obj["incomplete"] = sorted(set(reasons))
            else:
                line += " (the object itself is not in the snapshot)"
            self.warnings.append(line)
            log.warning("snapshot: %s", line)
        self._problems.clear()
        out["roles"] = self._relevant_roles()
        for kind, kept in self._base.items():
            out[kind] = ObjectGroup.spliced(kept, self._base_drop, out[kind])
        return out

    _OWNER_KINDS = (
        "tables",
        "views",
        "materialized_views",
        "functions",
        "sequences",
        "enums",
        "domains",
        "composite_types",
        "range_types",
        "collations",
        "operators",
        "statistics",
        "publications",
    )

    def _owner(self, key: str) -> tuple[str | None, Data | None]:
        for kind in self._OWNER_KINDS:
            obj = self._out[kind].get(key)
            if obj is not None:
                return kind.rstrip("s"), obj
        return None, None

    def _member_name(self, relation: str, target: Data) -> str:
        """Which member of ``relation`` the dict ``target`` is ("column x", "policy y")."""
        _, obj = self._owner(relation)
        for kind in ("columns", "constraints", "indexes", "policies"):
            for name, member in ((obj or {}).get(kind) or {}).items():
                if member is target:
                    return f"{kind[:-1].replace('ie', 'y')} {name}"
        return "an expression"

    def _grants_of(self, kind: str, key: str) -> dict[str, list[str]]:
        entries = self._grants.pop((kind, key), None)
        return _grant_map(entries) if entries else {}

    def _add_grants(self, rows: Iterable[R.Grant]) -> None:
        grants = self._grants
        for kind, key, grantee, privilege, grantable in rows:
            grants[(kind, key)].append((grantee, privilege, grantable))

    def _add_columns(self, rows: Iterable[R.Column]) -> None:
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
            identity_sequence,
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
                "identity_sequence": identity_sequence,
                "nullable": nullable,
                "position": 0,
                "type": intern(type_),
            }
            attrs[rel][attnum] = (name, shared(typid, typid), shared(collid, collid), column)
            if tree is not None and ref is not None:  # both from the column's pg_attrdef row
                exprs.add(
                    "default", ref, tree, rel, column, "generated" if is_generated else "default"
                )
        # position: the dense ordinal among live columns (attnum has gaps after DROP COLUMN,
        # which is history, not schema).
        for columns in attrs.values():
            for position, attnum in enumerate(sorted(columns), 1):
                columns[attnum][3]["position"] = position

    def _add_constraints(self, rows: Iterable[R.Constraint]) -> None:
        exprs, quote, attrs, key = self.exprs, self._quote, self._attrs, self._key
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
            try:
                fk = None
                rel = key(schema, relation)
                # conkey holds 0 for a whole-row reference or an expression (CHECK (t IS NOT
                # NULL), EXCLUDE ((r * x) WITH &&)): no column, the definition says it all.
                columns = _names(attrs[rel], conkey)
                if columns is None:
                    columns = _known_names(attrs[rel], conkey)
                    self._problems[rel].append(f"constraint {name}: a column number is unknown")
                if contype == "f":
                    assert ref_schema is not None and ref_relation is not None  # an FK's table
                    ref_table = key(ref_schema, ref_relation)
                    if ref_columns is None:
                        ref_columns = _names(attrs[ref_table], confkey)
                        if ref_columns is None:
                            ref_columns = _known_names(attrs[ref_table], confkey)
                            self._problems[rel].append(
                                f"constraint {name}: a referenced column number is unknown"
                            )
                    fk = {
                        "columns": ref_columns,
                        "match": _FK_MATCH.get(match) or str(match),
                        "on_delete": _FK_ACTIONS.get(on_delete) or str(on_delete),
                        "on_update": _FK_ACTIONS.get(on_update) or str(on_update),
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
                    "type": _CONTYPES.get(contype) or str(contype),
                    "validated": validated,
                }
                if definition is None and tree is not None:  # a CHECK: its conbin
                    exprs.add("check", ref, tree, rel, con, "definition", extra=flags)
            except Exception as exc:  # one odd row never fails the run
                self._broken(self._key(schema, relation), f"constraint {name}", exc)

    def _add_indexes(self, rows: Iterable[R.Index]) -> None:
        exprs, quote, attrs, key = self.exprs, self._quote, self._attrs, self._key
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
            nkeyatts,
            expression_columns,
            is_unique,
            is_primary,
            method,
            constraint_name,
            valid,
        ) in rows:
            try:
                rel = key(schema, relation)
                columns = attrs[rel]
                try:
                    keys = expression_columns or [quote[columns[n][0]] for n in indkey[:nkeyatts]]
                    include = [quote[columns[n][0]] for n in indkey[nkeyatts:]]
                except KeyError:  # a column the columns query did not return
                    keys = expression_columns or [
                        quote[c[0]] for c in _attrs_of(columns, indkey[:nkeyatts])
                    ]
                    include = [quote[c[0]] for c in _attrs_of(columns, indkey[nkeyatts:])]
                    self._problems[rel].append(f"index {name}: a column number is unknown")
                    if definition is None:
                        definition = ""  # and not spelled by the client from partial keys
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
            except Exception as exc:  # one odd row never fails the run
                self._broken(self._key(schema, relation), f"index {name}", exc)

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

    def _add_policies(self, rows: Iterable[R.Policy]) -> None:
        exprs, policies, intern = self.exprs, self._policies, sys.intern
        role_lists: dict[tuple[int, ...], tuple[str, ...]] = {}
        for rel, name, command, permissive, roles, ref, using_tree, check_tree, comment in rows:
            try:
                rel = intern(rel)
                key = tuple(roles)  # role OIDs
                names = role_lists.get(key)
                if names is None:
                    names = role_lists[key] = self._role_list(key)
                policy = policies[rel][name] = {
                    "command": _POLCMD.get(command) or str(command),
                    "comment": comment,
                    "permissive": permissive,
                    "roles": list(names),
                    "using": None,
                    "with_check": None,
                }
                if using_tree is not None:
                    exprs.add("policy_using", ref, using_tree, rel, policy, "using")
                if check_tree is not None:
                    exprs.add("policy_check", ref, check_tree, rel, policy, "with_check")
            except Exception as exc:  # one odd row never fails the run
                self._broken(rel, f"policy {name}", exc)

    def _add_triggers(self, rows: Iterable[R.Trigger]) -> None:
        for r in rows:
            try:
                timing, events, level = _tgtype(r["tgtype"])
                self._triggers[self._key(r["schema"], r["relation"])][r["name"]] = {
                    "definition": r["definition"],
                    "enabled": _TRIGGER_ENABLED.get(r["enabled"]) or str(r["enabled"]),
                    "events": events,
                    "function": _i(r["function"]),
                    "level": level,
                    "timing": timing,
                }
            except Exception as exc:  # one odd row never fails the run
                self._broken(self._key(r["schema"], r["relation"]), f"trigger {r['name']}", exc)

    def _add_tables(self, rows: Iterable[R.Table]) -> None:
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
            of_type,
            foreign_table,
        ) in rows:
            try:
                key = self._key(schema, name)
                tables[key] = {
                    "columns": {},  # members: filled in by result()
                    "comment": comment,
                    "constraints": {},
                    "foreign": (
                        {
                            "options": sorted(foreign_table["options"] or ()),
                            "server": foreign_table["server"],
                        }
                        if foreign_table
                        else None
                    ),
                    "grants": self._grants_of("relation", key),
                    "incomplete": [],
                    "indexes": {},
                    "inherits": [] if is_partition else parents,
                    "kind": _TABLE_KIND.get(relkind) or str(relkind),
                    "of_type": of_type,
                    "options": sorted(options),
                    "owner": _i(owner),
                    "partition_bound": partition_bound,
                    "partition_key": partition_key,
                    "partition_of": parents[0] if is_partition and parents else None,
                    "persistence": "unlogged" if persistence == "u" else "permanent",
                    "policies": {},
                    "rls": {"enabled": rls_enabled, "forced": rls_forced},
                    "rules": {},
                    "triggers": {},
                }
            except Exception as exc:  # one odd row never fails the run
                self._broken(self._key(schema, name), "table", exc)

    def _add_views(self, rows: Iterable[R.View]) -> None:
        views, matviews = self._out["views"], self._out["materialized_views"]
        for r in rows:
            try:
                key = self._key(r["schema"], r["name"])
                if r["relkind"] == "m":
                    matviews[key] = {
                        "columns": _sorted(self._view_columns.pop(key, None)),
                        "comment": r["comment"],
                        "definition": r["definition"] or "",
                        "grants": self._grants_of("relation", key),
                        "incomplete": [],
                        "indexes": _sorted(self._indexes.pop(key, None)),
                        "owner": _i(r["owner"]),
                        "populated": r["populated"],
                    }
                    if r["definition"] is None:
                        self._problems[key].append("definition not deparsed")
                    continue
                opts = _options(r["options"])
                views[key] = {
                    "check_option": opts.get("check_option"),
                    "columns": _sorted(self._view_columns.pop(key, None)),
                    "comment": r["comment"],
                    "definition": r["definition"] or "",
                    "grants": self._grants_of("relation", key),
                    "incomplete": [],
                    "owner": _i(r["owner"]),
                    "rules": _sorted(self._rules.pop(key, None)),
                    "security_barrier": opts.get("security_barrier", "false").lower() in _TRUE,
                    "security_invoker": opts.get("security_invoker", "false").lower() in _TRUE,
                    "triggers": _sorted(self._triggers.pop(key, None)),
                }
                if r["definition"] is None:
                    self._problems[key].append("definition not deparsed")
            except Exception as exc:  # one odd row never fails the run
                self._broken(self._key(r["schema"], r["name"]), "view", exc)

    def _add_functions(self, rows: Iterable[R.Function]) -> None:
        functions = self._out["functions"]
        for r in rows:
            try:
                key = self._key(r["schema"], r["name"]) + f"({r['identity_arguments']})"
                aggregate = r["aggregate"]
                # An aggregate's prosrc is the placeholder "aggregate_dummy": its definition
                # is in ``aggregate``.
                body = "" if aggregate is not None else (r["body"] or "")
                functions[key] = {
                    "aggregate": aggregate,
                    "arguments": r["arguments"],
                    "body": body,
                    "body_digest": "sha256:" + hashlib.sha256(body.encode()).hexdigest(),
                    "comment": r["comment"],
                    "config": sorted(r["config"]),
                    "grants": self._grants_of("function", key),
                    "incomplete": [],
                    "kind": _PROKIND.get(r["prokind"]) or str(r["prokind"]),
                    "language": _i(r["language"]),
                    "leakproof": r["leakproof"],
                    "owner": _i(r["owner"]),
                    "parallel": _PARALLEL.get(r["parallel"]) or str(r["parallel"]),
                    "returns": r["returns"],
                    "security_definer": r["security_definer"],
                    "strict": r["strict"],
                    "volatility": _VOLATILITY.get(r["volatility"]) or str(r["volatility"]),
                }
            except Exception as exc:  # one odd row never fails the run
                self._broken(
                    self._key(r["schema"], r["name"]) + f"({r['identity_arguments']})",
                    "function",
                    exc,
                )

    def _add_sequences(self, rows: Iterable[R.Sequence]) -> None:
        sequences = self._out["sequences"]
        for r in rows:
            try:
                key = self._key(r["schema"], r["name"])
                sequences[key] = {
                    "cache": r["cache"],
                    "comment": r["comment"],
                    "cycle": r["cycle"],
                    "grants": self._grants_of("relation", key),
                    "incomplete": [],
                    "increment": r["increment"],
                    "max_value": r["max_value"],
                    "min_value": r["min_value"],
                    "owned_by": r["owned_by"],
                    "owner": _i(r["owner"]),
                    "start": r["start"],
                    "type": r["type"],
                }
            except Exception as exc:  # one odd row never fails the run
                self._broken(self._key(r["schema"], r["name"]), "sequence", exc)

    def _add_types(self, rows: Iterable[R.Type]) -> None:
        enums, domains = self._out["enums"], self._out["domains"]
        for r in rows:
            try:
                if r["typtype"] == "e":
                    enums[self._key(r["schema"], r["name"])] = {
                        "comment": r["comment"],
                        "incomplete": [],
                        "labels": r["labels"],
                        "owner": _i(r["owner"]),
                    }
                    continue
                domains[self._key(r["schema"], r["name"])] = {
                    "base_type": r["base_type"],
                    "collation": r["collation"],
                    "comment": r["comment"],
                    "constraints": dict(sorted((r["constraints"] or {}).items())),
                    "default": r["default"],
                    "incomplete": [],
                    "nullable": r["nullable"],
                    "owner": _i(r["owner"]),
                }
            except Exception as exc:  # one odd row never fails the run
                self._broken(self._key(r["schema"], r["name"]), "type", exc)

    def _add_extensions(self, rows: Iterable[R.Extension]) -> None:
        self._out["extensions"] = {
            r["name"]: {
                "members": list(r["members"] or ()),
                "schema": r["schema"],
                "version": r["version"],
            }
            for r in rows
        }

    def _add_roles(self, rows: Iterable[R.Role]) -> None:
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
        used: set[str] = set(self._pinned_roles) | self._base_roles
        for kind in self.RELATION_KINDS:
            for obj in out[kind].values():
                used.update(roles_named(kind, obj))
        for kind in ("functions", "schemas"):
            for obj in out[kind].values():
                used.add(obj["owner"])
                used.update(obj["grants"])
        for kind in (
            "enums",
            "domains",
            "composite_types",
            "range_types",
            "collations",
            "operators",
            "statistics",
            "publications",
            "event_triggers",
        ):
            used.update(o["owner"] for o in out.get(kind, {}).values() if o.get("owner"))
        roles = self._all_roles
        keep = {r for r in used if r in roles}
        todo = list(keep)
        while todo:
            for parent in roles[todo.pop()]["member_of"]:
                if parent in roles and parent not in keep:
                    keep.add(parent)
                    todo.append(parent)
        return {name: roles[name] for name in sorted(keep)}

    def _add_others(self, rows: Iterable[R.Other]) -> None:
        """The small kinds (``queries.COMBINED``): ``data`` has the model's fields but
        ``incomplete``; rules go to their table (or, later, view)."""
        out, tables = self._out, self._out["tables"]
        for kind, key, rel, data in rows:
            try:
                if kind == "rules":
                    assert rel is not None  # a rule's relation
                    table = tables.get(rel)
                    if table is not None:
                        table["rules"][key] = data
                        table["rules"] = _sorted(table["rules"])
                    else:
                        self._rules[rel][key] = data
                    continue
                data = {k: data[k] for k in sorted(data)}
                if kind != "event_triggers":
                    data["incomplete"] = []
                if kind == "publications":
                    data["tables"] = _sorted(data["tables"])
                out[kind][key] = data
            except Exception as exc:  # one odd row never fails the run
                self._broken(str(rel or key), f"{kind} {key}", exc)
        for kind in ("event_triggers", "publications"):
            out[kind] = _sorted(out[kind])

    def _add_schemas(self, rows: Iterable[R.Schema]) -> None:
        self._out["schemas"] = {
            r["name"]: {
                "comment": r["comment"],
                "grants": self._grants_of("schema", r["name"]),
                "owner": _i(r["owner"]),
            }
            for r in rows
        }


def roles_named(kind: str, obj: Mapping[str, Any]) -> set[str]:
    """The roles a relation (of ``Assembler.RELATION_KINDS``) names: its owner, its and
    its columns' grantees, its policies' roles."""
    used = {obj["owner"], *obj["grants"]}
    if kind == "tables":
        for col in obj["columns"].values():
            if col["grants"]:
                used.update(col["grants"])
        for pol in obj["policies"].values():
            used.update(pol["roles"])
    return used


def _sorted(members: Data | None) -> Data:
    """A table's columns, indexes, ... by name (their rows arrive unordered)."""
    return dict(sorted(members.items())) if members else {}


# One int object per distinct type/collation OID instead of one per column.
_SHARED_INTS: dict[int, int] = {}


def _names(columns: dict[int, Attr], attnums: Sequence[int] | None) -> list[str] | None:
    """The names of column numbers, 0 (a whole row, an expression) left out; None when a
    number is not a known column (``_known_names`` then gives the rest)."""
    try:
        return [columns[n][0] for n in attnums or () if n]
    except KeyError:
        return None


def _known_names(columns: dict[int, Attr], attnums: Sequence[int] | None) -> list[str]:
    return [c[0] for c in _attrs_of(columns, attnums or ())]


def _attrs_of(columns: dict[int, Attr], attnums: Sequence[int]) -> list[Attr]:
    return [c for n in attnums if (c := columns.get(n)) is not None]


def _i(value: str | None) -> str | None:
    """Intern short strings repeated across thousands of rows (types, defaults, owners)."""
    return sys.intern(value) if value is not None and len(value) < 200 else value
