"""What a view or a function body reads, from the PostgreSQL parse tree (pglast).

``view_reads`` follows views through other views down to the relations that hold rows
(tables, materialized views, foreign tables, and relations outside the snapshot such as
``auth.users``). ``function_reads`` parses a SQL function's body, or each statement of a
PL/pgSQL body (``pglast.parse_plpgsql``), and resolves unqualified names through the
function's pinned ``search_path`` (``public`` when none). CTE names are not relations.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

import pglast
from pglast import ast

from driftwatch import idents, model
from driftwatch.rules._context import Context
from driftwatch.sqlexpr import parse_query, walk


def _range_vars(tree: Any) -> Iterator[tuple[str | None, str]]:
    ctes = {n.ctename for n in walk(tree) if isinstance(n, ast.CommonTableExpr)}
    for n in walk(tree):
        if isinstance(n, ast.RangeVar):
            if n.schemaname:
                yield n.schemaname, n.relname
            elif n.relname not in ctes:
                yield None, n.relname


def _resolve(
    ctx: Context, names: Iterable[tuple[str | None, str]], path: tuple[str, ...]
) -> set[str]:
    out = set()
    o = ctx.objects
    for schema, name in names:
        if schema is not None:
            out.add(idents.qualify(schema, name))
            continue
        for s in path:
            key = idents.qualify(s, name)
            if key in o.tables or key in o.views or key in o.materialized_views:
                out.add(key)
                break
        else:
            out.add(idents.qualify(path[0] if path else "public", name))
    return out


def view_reads(ctx: Context, key: str) -> set[str]:
    """The row-holding relations ``key`` (a view or materialized view) reads."""
    out: set[str] = set()
    seen: set[str] = set()
    todo = [key]
    while todo:
        k = todo.pop()
        if k in seen:
            continue
        seen.add(k)
        view = ctx.objects.views.get(k)
        definition = view.definition if view is not None else None
        if k != key and view is None:
            out.add(k)
            continue
        if definition is None:
            mv = ctx.objects.materialized_views.get(k)
            if mv is None:
                continue
            definition = mv.definition
        tree = parse_query(definition)
        if tree is None:
            continue
        todo.extend(_resolve(ctx, _range_vars(tree), ("public",)))
    return out


def search_path(fn: model.Function) -> tuple[str, ...]:
    text = fn.search_path
    if text is None:
        return ("public",)
    names = tuple(p.strip().strip('"') for p in text.split(",") if p.strip().strip('"'))
    return tuple(n for n in names if n != "$user") or ("public",)


@lru_cache(maxsize=4096)
def _body_names(
    language: str, body: str, arguments: str, returns: str | None
) -> tuple[tuple[str | None, str], ...]:
    if language == "sql":
        try:
            stmts = pglast.parse_sql(body)
        except pglast.parser.ParseError:
            return ()
        return tuple(n for s in stmts for n in _range_vars(s.stmt))
    if language != "plpgsql":
        return ()
    tag = "$dwbody$"
    while tag in body:
        tag = tag[:-1] + "x$"
    head = (
        f"PROCEDURE f({arguments})"
        if returns is None
        else f"FUNCTION f({arguments}) RETURNS {returns}"
    )
    text = f"CREATE {head} LANGUAGE plpgsql AS {tag}{body}{tag}"
    try:
        tree = pglast.parse_plpgsql(text)
    except Exception:  # pglast raises its own and parser errors; an odd body reads nothing
        return ()
    found: list[tuple[str | None, str]] = []
    for query in _queries(tree):
        try:
            stmts = pglast.parse_sql(query)
        except pglast.parser.ParseError:
            continue
        found += [n for s in stmts for n in _range_vars(s.stmt)]
    return tuple(found)


def _queries(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "query" and isinstance(v, str):
                yield v
            else:
                yield from _queries(v)
    elif isinstance(node, list):
        for v in node:
            yield from _queries(v)


def function_reads(ctx: Context, fn: model.Function) -> set[str]:
    """The relations a SQL or PL/pgSQL function's body names (empty for other languages)."""
    names = _body_names(fn.language, fn.body, _plain_arguments(fn.arguments), fn.returns)
    return _resolve(ctx, names, search_path(fn))


def _plain_arguments(arguments: str) -> str:
    """Arguments without defaults (``pg_get_function_arguments`` prints them)."""
    return ", ".join(a.split(" DEFAULT ")[0] for a in arguments.split(", ")) if arguments else ""
