"""What the docs need of each object beyond its own page, kept per object digest.

A page shows its own object and, of other objects, only a few facts: the foreign keys a
table declares (the pages and ER diagrams of the tables they point to list them), the
rows the index listings print, the relations a view's body names. ``facts_of`` derives
them from an object's JSON-native form; the docs manifest stores them beside the object's
digest, so the next render takes an unchanged object's facts from the manifest and never
decodes it. Facts are plain JSON (lists, dicts, strings), as the manifest stores them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from driftwatch.objectgroup import group_digest

# Kind of the snapshot → page kind (enums have no page, only rows in their schema's listing).
KINDS: dict[str, str] = {
    "tables": "table",
    "views": "view",
    "materialized_views": "materialized_view",
    "functions": "function",
    "enums": "enum",
}

Facts = dict[str, Any]

_QUALIFIED = re.compile(
    r'((?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*))\.((?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*))'
)


def first_line(text: str | None) -> str:
    if not text or not text.strip():
        return ""
    return text.strip().splitlines()[0]


def _unquote(ident: str) -> str:
    return ident[1:-1].replace('""', '"') if ident.startswith('"') else ident


def named_relations(definition: str) -> list[str]:
    """``schema.name`` pairs (as PostgreSQL prints them) in a view body, whether or not
    such a relation exists; the page keeps those that do."""
    return sorted(
        {f"{_unquote(m.group(1))}.{_unquote(m.group(2))}" for m in _QUALIFIED.finditer(definition)}
    )


def cardinality(table: Mapping[str, Any], columns: list[str]) -> str:
    """Mermaid crow's foot of a foreign key over ``columns`` of ``table`` (JSON-native):
    one-or-many on the child unless the columns are exactly a key, optional on the parent
    when one of them is nullable."""
    cols = set(columns)
    unique = any(
        c.get("type") in ("primary_key", "unique") and set(c.get("columns") or ()) == cols
        for c in (table.get("constraints") or {}).values()
    )
    table_cols = table.get("columns") or {}
    nullable = any(table_cols[c].get("nullable") for c in columns if c in table_cols)
    left = "|o" if unique else "}o"
    right = "o|" if nullable else "||"
    return f"{left}--{right}"


def _table(t: Mapping[str, Any]) -> Facts:
    fks = []
    linked = set(t.get("inherits") or ())
    if t.get("partition_of"):
        linked.add(t["partition_of"])
    for name, con in sorted((t.get("constraints") or {}).items()):
        ref = con.get("references")
        if ref is None:
            continue
        linked.add(ref["table"])
        cols = list(con.get("columns") or ())
        fks.append(
            [name, ref["table"], cols, list(ref["columns"]), ref["on_delete"], cardinality(t, cols)]
        )
    rls = t.get("rls") or {}
    return {
        "kind": t["kind"],
        "rls": [bool(rls.get("enabled")), bool(rls.get("forced"))],
        "policies": len(t.get("policies") or ()),
        "comment": first_line(t.get("comment")),
        "fks": fks,
        "linked": sorted(linked),
    }


def _view(v: Mapping[str, Any]) -> Facts:
    return {"comment": first_line(v.get("comment")), "names": named_relations(v["definition"])}


def _function(f: Mapping[str, Any]) -> Facts:
    return {
        "comment": first_line(f.get("comment")),
        "returns": f.get("returns") or "",
        "security_definer": bool(f.get("security_definer")),
    }


def _enum(e: Mapping[str, Any]) -> Facts:
    return {"comment": first_line(e.get("comment")), "labels": ", ".join(e.get("labels") or ())}


_OF = {
    "tables": _table,
    "views": _view,
    "materialized_views": _view,
    "functions": _function,
    "enums": _enum,
}


# The fields of each kind's facts: a manifest entry with other ones (edited, or written by
# another version) is not taken.
_FIELDS = {
    "tables": frozenset({"kind", "rls", "policies", "comment", "fks", "linked"}),
    "views": frozenset({"comment", "names"}),
    "materialized_views": frozenset({"comment", "names"}),
    "functions": frozenset({"comment", "returns", "security_definer"}),
    "enums": frozenset({"comment", "labels"}),
}


def facts_of(kind: str, obj: Mapping[str, Any]) -> Facts:
    """The facts of one object of ``kind`` (a snapshot kind of ``KINDS``)."""
    return _OF[kind](obj)


def collect(
    data: Mapping[str, Any], previous: Mapping[str, Any]
) -> tuple[dict[str, dict[str, Facts]], dict[str, dict[str, str]], int]:
    """Facts and digests of every object the docs show: kind → key → facts, kind → key →
    digest, and how many objects had to be decoded. ``previous`` is the last render's
    kind → key → [digest, facts]; an object whose digest it holds is not decoded."""
    facts: dict[str, dict[str, Facts]] = {}
    digests: dict[str, dict[str, str]] = {}
    decoded = 0
    for kind in KINDS:
        group = data.get(kind) or {}
        old = previous.get(kind)
        old = old if isinstance(old, Mapping) else {}
        fields = _FIELDS[kind]
        kf: dict[str, Facts] = {}
        kd: dict[str, str] = {}
        for key in group:
            digest = group_digest(group, key)
            kd[key] = digest
            hit = old.get(key)
            if (
                isinstance(hit, list)
                and len(hit) == 2
                and hit[0] == digest
                and isinstance(hit[1], dict)
                and hit[1].keys() == fields
            ):
                kf[key] = hit[1]
            else:
                kf[key] = facts_of(kind, group[key])
                decoded += 1
        facts[kind] = kf
        digests[kind] = kd
    return facts, digests, decoded


def stored(
    facts: Mapping[str, Mapping[str, Facts]], digests: Mapping[str, Mapping[str, str]]
) -> dict[str, dict[str, list[Any]]]:
    """The manifest's form of ``collect``'s result: kind → key → [digest, facts]."""
    return {
        kind: {key: [digests[kind][key], f] for key, f in sorted(kf.items())}
        for kind, kf in facts.items()
    }
