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

_SAFE_FIRST = frozenset("abcdefghijklmnopqrstuvwxyz_")
_SAFE = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")

_FK_ACTION_SQL = {"r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}
_FK_MATCH_SQL = {"f": " MATCH FULL", "p": " MATCH PARTIAL", "s": ""}


class Quoter(dict[str, str]):
    """``quote_ident`` for one server: ``keywords`` are its non-unreserved keywords.
    ``q[name]`` is the quoted name: a dict of the names seen so far, so the lookups of
    hundreds of thousands of catalog names cost a dict access, not a call."""

    def __init__(self, keywords: Iterable[str]) -> None:
        super().__init__()
        self._keywords = frozenset(keywords)

    def __missing__(self, name: str) -> str:
        safe = bool(name) and name[0] in _SAFE_FIRST and _SAFE.issuperset(name)
        if safe and name not in self._keywords:
            quoted = name
        else:
            quoted = '"' + name.replace('"', '""') + '"'
        self[name] = quoted
        return quoted

    def join(self, names: Sequence[str]) -> str:
        return ", ".join(map(self.__getitem__, names))


def constraint_suffix(*, deferrable: bool, deferred: bool, validated: bool) -> str:
    """What pg_get_constraintdef appends after any constraint's own clause."""
    return (
        (" DEFERRABLE" if deferrable else "")
        + (" INITIALLY DEFERRED" if deferred else "")
        + ("" if validated else " NOT VALID")
    )


def constraint_definition(
    q: Quoter,
    *,
    contype: str,
    columns: Sequence[str],
    include: Sequence[str] | None,
    ref_schema: str | None,
    ref_relation: str | None,
    ref_columns: Sequence[str] | None,
    match: str,
    on_update: str,
    on_delete: str,
    deferrable: bool,
    deferred: bool,
    validated: bool,
) -> str:
    """PRIMARY KEY, UNIQUE or FOREIGN KEY as pg_get_constraintdef(oid) prints it."""
    if contype == "f":
        update_action = _FK_ACTION_SQL.get(on_update)
        delete_action = _FK_ACTION_SQL.get(on_delete)
        head = (
            f"FOREIGN KEY ({q.join(columns)}) REFERENCES "
            f"{q[ref_schema or '']}.{q[ref_relation or '']}({q.join(ref_columns or ())})"
            + _FK_MATCH_SQL[match]
            + (f" ON UPDATE {update_action}" if update_action else "")
            + (f" ON DELETE {delete_action}" if delete_action else "")
        )
    elif contype in ("p", "u"):
        head = (
            ("PRIMARY KEY (" if contype == "p" else "UNIQUE (")
            + q.join(columns)
            + ")"
            + (f" INCLUDE ({q.join(include)})" if include else "")
        )
    else:
        raise ValueError(f"no client-side definition for constraint type {contype!r}")
    return head + constraint_suffix(deferrable=deferrable, deferred=deferred, validated=validated)


def index_definition(
    q: Quoter,
    *,
    unique: bool,
    name: str,
    schema: str,
    relation: str,
    method: str,
    keys: Sequence[str],
    include: Sequence[str],
) -> str:
    """A plain-column index (default operator classes, orderings and collations, no
    storage parameters) as pg_get_indexdef(oid) prints it, without its WHERE clause.
    ``keys`` and ``include`` are quoted column names."""
    return (
        f"CREATE {'UNIQUE ' if unique else ''}INDEX {q[name]} ON "
        f"{q[schema]}.{q[relation]} USING {q[method]} ("
        + ", ".join(keys)
        + (") INCLUDE (" + ", ".join(include) if include else "")
        + ")"
    )
