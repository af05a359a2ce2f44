"""The catalog queries, kept as ``.sql`` files beside this module (one per object kind).

Where PostgreSQL versions differ, a file ``<kind>.pg<NN>.sql`` holds the variant for
servers older than the next variant: the loader picks the newest variant whose version
is at most the server's major version.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

SQL_DIR = Path(__file__).parent / "sql"

_VARIANT = re.compile(r"^(?P<kind>[a-z_]+)\.pg(?P<major>\d+)\.sql$")


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
    for max_major, sql in _variants().get(kind, []):
        if server_major <= max_major:
            return sql
    return (SQL_DIR / f"{kind}.sql").read_text()
