"""Object keys: identifiers quoted as PostgreSQL's ``quote_ident`` does, joined by dots.

A qualified key is ``quote_ident(schema) || '.' || quote_ident(name)``, so ``public.orders``
stays ``public.orders`` while ``"a.b".c`` and ``a."b.c"`` stay two keys (snapshot format 2;
format 1 joined the raw names and merged them). A name is left bare only when it is made of
lower-case letters, digits and underscores, not starting with a digit, and is not a keyword other
than an unreserved one. Snapshots quote with the keyword list of the server they read
(``introspect/definitions.Quoter``); code without a server (reading a format-1 file,
naming diff members) uses pglast's list, which is PostgreSQL's own ``kwlist.h``.
"""

from __future__ import annotations

import functools


@functools.cache
def keywords() -> frozenset[str]:
    """Every keyword but the unreserved ones: they force quotes (quote_identifier in
    ruleutils.c). Loaded on first use: importing pglast is slow (bench/README.md) and the
    snapshot path never needs it."""
    from pglast import keywords as kw

    return frozenset(kw.RESERVED_KEYWORDS | kw.COL_NAME_KEYWORDS | kw.TYPE_FUNC_NAME_KEYWORDS)


_SAFE_FIRST = frozenset("abcdefghijklmnopqrstuvwxyz_")
_SAFE = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


def quote(name: str) -> str:
    """``name`` as ``quote_ident`` prints it."""
    if name and name[0] in _SAFE_FIRST and _SAFE.issuperset(name) and name not in keywords():
        return name
    return '"' + name.replace('"', '""') + '"'


@functools.lru_cache(maxsize=65536)
def qualify(schema: str, name: str) -> str:
    """The key of a schema-qualified object."""
    return f"{quote(schema)}.{quote(name)}"


def split(key: str) -> tuple[str, ...]:
    """The raw identifiers of a dotted key (``'"a.b".c'`` → ``('a.b', 'c')``). Anything
    after a ``(`` (a function's argument list) is left on the last part as it is."""
    parts: list[str] = []
    i, n = 0, len(key)
    while i < n:
        if key[i] == '"':
            j, buf = i + 1, []
            while j < n:
                if key[j] == '"':
                    if j + 1 < n and key[j + 1] == '"':
                        buf.append('"')
                        j += 2
                        continue
                    break
                buf.append(key[j])
                j += 1
            part, i = "".join(buf), j + 1
        else:
            j = i
            while j < n and key[j] not in ".(":
                j += 1
            part, i = key[i:j], j
        if i < n and key[i] == "(":
            parts.append(part + key[i:])
            return tuple(parts)
        parts.append(part)
        if i < n:  # the dot
            i += 1
            if i == n:
                parts.append("")
    return tuple(parts)


def head(key: str, parts: int) -> str:
    """The first ``parts`` identifiers of a dotted key, as written (``'"a.b".c.d'``, 2 →
    ``'"a.b".c'``): dots inside quotes do not count."""
    quoted, seen = False, 0
    for i, ch in enumerate(key):
        if ch == '"':
            quoted = not quoted  # a doubled quote toggles twice
        elif ch == "." and not quoted:
            seen += 1
            if seen == parts:
                return key[:i]
    return key


def split_key(key: str) -> tuple[str, str]:
    """(schema, name) of a qualified key, both raw; the name keeps any ``(args)``."""
    parts = split(key)
    if len(parts) < 2:
        return "", key
    return parts[0], ".".join(parts[1:])


def from_v1(key: str) -> str:
    """A format-1 key (raw names joined by a dot) as a format-2 key. Format 1 cannot tell
    ``"a.b".c`` from ``a."b.c"``: the schema is read as the text before the first dot."""
    schema, dot, rest = key.partition(".")
    if not dot:
        return key
    name, paren, args = rest.partition("(")
    return qualify(schema, name) + paren + args
