"""Constraint and index definitions spelled by the client, byte for byte as PostgreSQL
prints them, for the cases whose text follows from catalog columns alone.

``pg_get_constraintdef`` and ``pg_get_indexdef`` look up every index, column, operator
class and relation name in the backend's catalog caches; at 10,000 tables those lookups
cost seconds. The catalog queries call them only for the shapes handled here not
(``sql/constraints.sql``, ``sql/indexes.sql`` decide), and tests compare this module's
text with PostgreSQL's for every constraint and index of the sample schemas.

Identifiers are quoted as ``quote_ident`` does (``quote_identifier`` in ruleutils.c):
unquoted only when made of lower-case letters, digits and underscores, not starting with
a digit, and not a keyword other than an unreserved one — the keyword list comes from the
server itself (``pg_get_keywords()``), so it matches the server's version.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

_SAFE_FIRST = frozenset("abcdefghijklmnopqrstuvwxyz_")
_SAFE = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")

_FK_ACTION_SQL = {"r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}
_FK_MATCH_SQL = {"f": " MATCH FULL", "p": " MATCH PARTIAL", "s": ""}


class Quoter:
    """``quote_ident`` for one server: ``keywords`` are its non-unreserved keywords."""

    def __init__(self, keywords: Iterable[str]) -> None:
        self._keywords = frozenset(keywords)
        self._cache: dict[str, str] = {}

    def __call__(self, name: str) -> str:
        quoted = self._cache.get(name)
        if quoted is None:
            safe = bool(name) and name[0] in _SAFE_FIRST and _SAFE.issuperset(name)
            if safe and name not in self._keywords:
                quoted = name
            else:
                quoted = '"' + name.replace('"', '""') + '"'
            self._cache[name] = quoted
        return quoted

    def join(self, names: Sequence[str]) -> str:
        return ", ".join(map(self, names))


def constraint_suffix(row: dict[str, Any]) -> str:
    """What pg_get_constraintdef appends after any constraint's own clause."""
    return (
        (" DEFERRABLE" if row["deferrable"] else "")
        + (" INITIALLY DEFERRED" if row["deferred"] else "")
        + ("" if row["validated"] else " NOT VALID")
    )


def constraint_definition(row: dict[str, Any], q: Quoter) -> str:
    """PRIMARY KEY, UNIQUE or FOREIGN KEY as pg_get_constraintdef(oid) prints it."""
    contype = row["contype"]
    if contype == "f":
        on_update = _FK_ACTION_SQL.get(row["on_update"])
        on_delete = _FK_ACTION_SQL.get(row["on_delete"])
        head = (
            f"FOREIGN KEY ({q.join(row['columns'])}) REFERENCES "
            f"{q(row['ref_schema'])}.{q(row['ref_relation'])}({q.join(row['ref_columns'])})"
            + _FK_MATCH_SQL[row["match"]]
            + (f" ON UPDATE {on_update}" if on_update else "")
            + (f" ON DELETE {on_delete}" if on_delete else "")
        )
    elif contype in ("p", "u"):
        include = row["include"]
        head = (
            ("PRIMARY KEY (" if contype == "p" else "UNIQUE (")
            + q.join(row["columns"])
            + ")"
            + (f" INCLUDE ({q.join(include)})" if include else "")
        )
    else:
        raise ValueError(f"no client-side definition for constraint type {contype!r}")
    return head + constraint_suffix(row)


def index_definition(
    row: dict[str, Any], keys: Sequence[str], include: Sequence[str], q: Quoter
) -> str:
    """A plain-column index (default operator classes, orderings and collations, no
    storage parameters) as pg_get_indexdef(oid) prints it, without its WHERE clause.
    ``keys`` and ``include`` are quoted column names."""
    return (
        f"CREATE {'UNIQUE ' if row['is_unique'] else ''}INDEX {q(row['name'])} ON "
        f"{q(row['schema'])}.{q(row['relation'])} USING {q(row['method'])} ("
        + ", ".join(keys)
        + (") INCLUDE (" + ", ".join(include) if include else "")
        + ")"
    )
