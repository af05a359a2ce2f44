"""Catalog rows → the JSON-native ``objects`` tree of a snapshot.

The output has exactly the shape ``model.to_data(model.Objects(...))`` gives (every field
present, tuples as lists); ``tests/test_snapshot.py`` checks that the two agree. Building
plain dicts straight from the rows is several times faster than building the dataclasses
and converting them, which matters at 10,000 tables.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

Row = dict[str, Any]
Data = dict[str, Any]

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


def _q(row: Row, name_key: str = "name") -> str:
    return f"{row['schema']}.{row[name_key]}"


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


def assemble(rows: dict[str, list[Row]]) -> Data:
    """Pure function of the query results; tested without a server too."""
    grants: dict[tuple[str, str], list[tuple[str, str, bool]]] = defaultdict(list)
    for g in rows["grants"]:
        grants[(g["kind"], g["key"])].append((g["grantee"], g["privilege"], g["grantable"]))

    def grants_of(kind: str, key: str) -> dict[str, list[str]]:
        entries = grants.get((kind, key))
        return _grant_map(entries) if entries else {}

    columns: dict[str, Data] = defaultdict(dict)
    view_columns: dict[str, Data] = defaultdict(dict)
    for r in rows["columns"]:
        rel = _q(r, "relation")
        if r["relkind"] in ("v", "m"):
            view_columns[rel][r["name"]] = {
                "position": r["position"],
                "type": r["type"],
                "comment": r["comment"],
            }
            continue
        columns[rel][r["name"]] = {
            "position": r["position"],
            "type": r["type"],
            "nullable": r["nullable"],
            "default": r["default"],
            "identity": r["identity"],
            "generated": r["generated"],
            "collation": r["collation"],
            "comment": r["comment"],
            "grants": _grant_map(r["grants"]) if r["grants"] else {},
        }

    constraints: dict[str, Data] = defaultdict(dict)
    for r in rows["constraints"]:
        fk = None
        if r["contype"] == "f":
            fk = {
                "table": r["ref_table"],
                "columns": r["ref_columns"],
                "on_update": _FK_ACTIONS[r["on_update"]],
                "on_delete": _FK_ACTIONS[r["on_delete"]],
                "match": _FK_MATCH[r["match"]],
            }
        constraints[_q(r, "relation")][r["name"]] = {
            "type": _CONTYPES[r["contype"]],
            "definition": r["definition"],
            "columns": r["columns"],
            "references": fk,
            "deferrable": r["deferrable"],
            "deferred": r["deferred"],
            "validated": r["validated"],
            "inherited": r["inherited"],
        }

    indexes: dict[str, Data] = defaultdict(dict)
    for r in rows["indexes"]:
        indexes[_q(r, "relation")][r["name"]] = {
            "definition": r["definition"],
            "columns": r["columns"],
            "unique": r["is_unique"],
            "primary": r["is_primary"],
            "method": r["method"],
            "predicate": r["predicate"],
            "include": r["include"],
            "constraint": r["constraint_name"],
            "valid": r["valid"],
        }

    policies: dict[str, Data] = defaultdict(dict)
    for r in rows["policies"]:
        policies[_q(r, "relation")][r["name"]] = {
            "command": _POLCMD[r["command"]],
            "permissive": r["permissive"],
            "roles": r["roles"],
            "using": r["using_expr"],
            "with_check": r["with_check"],
        }

    triggers: dict[str, Data] = defaultdict(dict)
    for r in rows["triggers"]:
        timing, events, level = _tgtype(r["tgtype"])
        triggers[_q(r, "relation")][r["name"]] = {
            "definition": r["definition"],
            "function": r["function"],
            "timing": timing,
            "events": events,
            "level": level,
            "enabled": _TRIGGER_ENABLED.get(r["enabled"]) or str(r["enabled"]),
        }

    tables: Data = {}
    for r in rows["tables"]:
        key = _q(r)
        parents = r["parents"]
        tables[key] = {
            "kind": _TABLE_KIND[r["relkind"]],
            "owner": r["owner"],
            "rls": {"enabled": r["rls_enabled"], "forced": r["rls_forced"]},
            "columns": columns.get(key, {}),
            "constraints": constraints.get(key, {}),
            "indexes": indexes.get(key, {}),
            "policies": policies.get(key, {}),
            "triggers": triggers.get(key, {}),
            "grants": grants_of("relation", key),
            "comment": r["comment"],
            "partition_of": parents[0] if r["is_partition"] and parents else None,
            "partition_bound": r["partition_bound"],
            "partition_key": r["partition_key"],
            "inherits": [] if r["is_partition"] else parents,
            "persistence": "unlogged" if r["persistence"] == "u" else "permanent",
            "options": sorted(r["options"]),
        }

    views: Data = {}
    matviews: Data = {}
    for r in rows["views"]:
        key = _q(r)
        if r["relkind"] == "m":
            matviews[key] = {
                "definition": r["definition"],
                "owner": r["owner"],
                "columns": view_columns.get(key, {}),
                "indexes": indexes.get(key, {}),
                "grants": grants_of("relation", key),
                "comment": r["comment"],
            }
            continue
        opts = _options(r["options"])
        views[key] = {
            "definition": r["definition"],
            "owner": r["owner"],
            "columns": view_columns.get(key, {}),
            "security_invoker": opts.get("security_invoker", "false").lower() in _TRUE,
            "security_barrier": opts.get("security_barrier", "false").lower() in _TRUE,
            "check_option": opts.get("check_option"),
            "grants": grants_of("relation", key),
            "comment": r["comment"],
            "triggers": triggers.get(key, {}),
        }

    functions: Data = {}
    for r in rows["functions"]:
        key = f"{r['schema']}.{r['name']}({r['identity_arguments']})"
        body = r["body"] or ""
        functions[key] = {
            "kind": _PROKIND[r["prokind"]],
            "arguments": r["arguments"],
            "returns": r["returns"],
            "language": r["language"],
            "volatility": _VOLATILITY[r["volatility"]],
            "security_definer": r["security_definer"],
            "owner": r["owner"],
            "strict": r["strict"],
            "leakproof": r["leakproof"],
            "parallel": _PARALLEL[r["parallel"]],
            "config": sorted(r["config"]),
            "body": body,
            "body_digest": "sha256:" + hashlib.sha256(body.encode()).hexdigest(),
            "grants": grants_of("function", key),
            "comment": r["comment"],
        }

    sequences: Data = {}
    for r in rows["sequences"]:
        key = _q(r)
        sequences[key] = {
            "type": r["type"],
            "start": r["start"],
            "increment": r["increment"],
            "min_value": r["min_value"],
            "max_value": r["max_value"],
            "cache": r["cache"],
            "cycle": r["cycle"],
            "owner": r["owner"],
            "owned_by": r["owned_by"],
            "grants": grants_of("relation", key),
            "comment": r["comment"],
        }

    enums: Data = {}
    domains: Data = {}
    for r in rows["types"]:
        if r["typtype"] == "e":
            enums[_q(r)] = {"labels": r["labels"], "owner": r["owner"], "comment": r["comment"]}
        else:
            domains[_q(r)] = {
                "base_type": r["base_type"],
                "nullable": r["nullable"],
                "owner": r["owner"],
                "default": r["default"],
                "collation": r["collation"],
                "constraints": dict(sorted((r["constraints"] or {}).items())),
                "comment": r["comment"],
            }

    return {
        "schemas": {
            r["name"]: {
                "owner": r["owner"],
                "grants": grants_of("schema", r["name"]),
                "comment": r["comment"],
            }
            for r in rows["schemas"]
        },
        "tables": tables,
        "views": views,
        "materialized_views": matviews,
        "functions": functions,
        "sequences": sequences,
        "enums": enums,
        "domains": domains,
        "extensions": {
            r["name"]: {"version": r["version"], "schema": r["schema"]} for r in rows["extensions"]
        },
    }
