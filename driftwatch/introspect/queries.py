"""The catalog queries, kept as ``.sql`` files beside this module (one per object kind).

Where PostgreSQL versions differ, a file ``<kind>.pg<NN>.sql`` holds the variant for
servers older than the next variant: the loader picks the newest variant whose version
is at most the server's major version. Inside a file, a line ending in ``-- pgNN+`` is
kept only for servers of major version NN or newer (a column or condition that older
catalogs lack), and one ending in ``-- pgNN-MM`` only for majors NN to MM (what replaces
it there), so small differences do not need a copy of the whole query.

Small kinds share one query (``COMBINED``): each file returns ``kind, key, rel, data``
(``data`` a JSON object whose fields are read by name), and ``query`` joins them with
``UNION ALL``, so adding a kind does not add a round trip.

``PLAN`` declares the snapshot's catalog queries in the order they run, each with its row
(``rows``: the one place a query's fields are named) and how it runs (``Phase``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from driftwatch.introspect import rows

SQL_DIR = Path(__file__).parent / "sql"

_VARIANT = re.compile(r"^(?P<kind>[a-z_]+)\.pg(?P<major>\d+)\.sql$")
_SINCE = re.compile(r"--\s*pg(?P<major>\d+)\+\s*$")
_BETWEEN = re.compile(r"--\s*pg(?P<low>\d+)-(?P<high>\d+)\s*$")

# One query, several small kinds (see the module docstring).
COMBINED: dict[str, tuple[str, ...]] = {
    "others": (
        "rules",
        "event_triggers",
        "publications",
        "statistics",
        "operators",
        "collations",
        "composite_types",
        "range_types",
    ),
}


def _for_major(sql: str, server_major: int) -> str:
    """Drop the lines marked ``-- pgNN+`` whose NN is newer than the server."""
    kept = []
    for line in sql.splitlines(keepends=True):
        m = _SINCE.search(line)
        if m is not None and server_major < int(m["major"]):
            continue
        b = _BETWEEN.search(line)
        if b is not None and not int(b["low"]) <= server_major <= int(b["high"]):
            continue
        kept.append(line)
    return "".join(kept)


@functools.cache
def _variants() -> dict[str, list[tuple[int, str]]]:
    """kind → [(max major it serves, sql)] sorted; the plain file serves everything newer."""
    out: dict[str, list[tuple[int, str]]] = {}
    for path in sorted(SQL_DIR.glob("*.sql")):
        m = _VARIANT.match(path.name)
        if m:
            out.setdefault(m["kind"], []).append((int(m["major"]), path.read_text()))
    for items in out.values():
        items.sort()
    return out


@functools.cache
def query(kind: str, server_major: int = 999) -> str:
    parts = COMBINED.get(kind)
    if parts is not None:
        return "\nunion all\n".join(f"(\n{query(p, server_major)}\n)" for p in parts)
    for max_major, sql in _variants().get(kind, []):
        if server_major <= max_major:
            return _for_major(sql, server_major)
    return _for_major((SQL_DIR / f"{kind}.sql").read_text(), server_major)


# How a query runs. "stream": its rows are read a chunk at a time as the server produces
# them, and consecutive streamed queries share one libpq pipeline. "savepoint": its
# deparse functions lock user relations (pg_get_viewdef, pg_get_ruledef take
# AccessShareLock through AcquireRewriteLocks), so it runs alone in a rolled-back
# savepoint, which releases those locks when it ends, and its rows are fetched whole.
Phase = Literal["stream", "savepoint"]


@dataclass(frozen=True)
class Query:
    """One catalog query of a snapshot: ``sql/<kind>.sql`` (or ``COMBINED[kind]``)."""

    kind: str
    row: type  # a rows.NamedTuple (tuple rows) or rows.TypedDict (dict rows)
    phase: Phase = "stream"

    @property
    def tuples(self) -> bool:
        """Rows arrive as tuples, unpacked by position (else as dicts)."""
        return issubclass(self.row, tuple)

    @property
    def fields(self) -> tuple[str, ...]:
        """The column names the query must return, in order."""
        return tuple(self.row.__annotations__)  # NamedTuple and TypedDict alike, in order


# The catalog queries in the order they run, which is the order the assembler consumes
# them in (``assemble.Assembler``: grants before the objects they belong to, tables before
# their members, columns before the indexes and constraints that name them by number,
# everything a view collects before the views). Costly queries come after cheap ones so the
# server runs them while the client is busy with the rows before.
PLAN: tuple[Query, ...] = (
    Query("grants", rows.Grant),
    Query("tables", rows.Table),
    Query("columns", rows.Column),
    Query("indexes", rows.Index),
    Query("constraints", rows.Constraint),
    Query("triggers", rows.Trigger),
    Query("policies", rows.Policy),
    Query("functions", rows.Function),
    Query("sequences", rows.Sequence),
    Query("types", rows.Type),
    Query("extensions", rows.Extension),
    Query("roles", rows.Role),
    Query("schemas", rows.Schema),
    Query("others", rows.Other, "savepoint"),  # rules before the views they belong to
    Query("views", rows.View, "savepoint"),
)

KINDS: tuple[str, ...] = tuple(q.kind for q in PLAN)
