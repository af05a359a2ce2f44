"""SQL expressions as pglast parse trees: parsing (cached), walking, normalising, constants,
and the identifier quoting of generated SQL.

Policy expressions, view bodies, CHECK definitions and the configured claim are parsed with
the real PostgreSQL parser, by the audit, the diff's policy verdicts, fixes and the probe.
Identical texts are parsed once per process: a big schema shares few distinct policy texts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import pglast
from pglast import ast, enums
from pglast.stream import RawStream

from driftwatch import idents

_PLAIN_IDENT = re.compile(r"^[a-z_][a-z0-9_$]*$")


class SqlSyntaxError(ValueError):
    """An expression pglast cannot parse."""


def quote_ident(name: str) -> str:
    """Quote an identifier the way PostgreSQL's quote_ident does (only when needed)."""
    if _PLAIN_IDENT.match(name) and name not in _reserved():
        return name
    return '"' + name.replace('"', '""') + '"'


@lru_cache(maxsize=1)
def _reserved() -> frozenset[str]:
    from pglast import keywords

    return frozenset(keywords.RESERVED_KEYWORDS) | frozenset(keywords.TYPE_FUNC_NAME_KEYWORDS)


def quote_qualified(key: str) -> str:
    """A key (``driftwatch.idents``: already quoted) → quoted ``schema.name``."""
    schema, name = idents.split_key(key)
    return f"{quote_ident(schema)}.{quote_ident(name)}" if name else quote_ident(schema)


def quote_function(key: str) -> str:
    """``schema.name(args)`` → ``schema.name(args)`` with schema and name quoted."""
    head, paren, args = key.partition("(")
    return quote_qualified(head) + paren + args


@lru_cache(maxsize=16384)
def parse_expr(text: str) -> ast.Node:
    """Parse one SQL expression (as PostgreSQL prints it) into a pglast node."""
    try:
        stmts = pglast.parse_sql(f"SELECT {text}")
    except pglast.parser.ParseError as exc:
        raise SqlSyntaxError(str(exc)) from None
    stmt = stmts[0].stmt
    if (
        len(stmts) != 1
        or not isinstance(stmt, ast.SelectStmt)
        or stmt.fromClause
        or len(stmt.targetList or ()) != 1
    ):
        raise SqlSyntaxError(f"not a single expression: {text}")
    node: ast.Node = stmt.targetList[0].val
    return node


@lru_cache(maxsize=4096)
def parse_query(text: str) -> ast.Node | None:
    """Parse a view body; None when it cannot be parsed."""
    try:
        stmts = pglast.parse_sql(text)
    except pglast.parser.ParseError:
        return None
    if not stmts:
        return None
    node: ast.Node = stmts[0].stmt
    return node


def deparse(node: ast.Node) -> str:
    try:
        return str(RawStream()(node))  # type: ignore[no-untyped-call]
    except Exception:  # pragma: no cover - pglast cannot print every raw node
        return type(node).__name__


def attr(node: Any, name: str) -> Any:
    """A node attribute; pglast leaves unset ones out entirely."""
    return getattr(node, name, None)


def children(node: Any) -> Iterator[Any]:
    """Direct child nodes (pglast nodes, flattening lists/tuples)."""
    for name in type(node).__slots__:
        value = getattr(node, name, None)
        if isinstance(value, ast.Node):
            yield value
        elif isinstance(value, list | tuple):
            for item in value:
                if isinstance(item, ast.Node):
                    yield item
                elif isinstance(item, list | tuple):
                    yield from (x for x in item if isinstance(x, ast.Node))


def walk(node: Any) -> Iterator[Any]:
    """Every pglast node under ``node`` (itself included; a list: each item's), depth first."""
    if isinstance(node, ast.Node):
        yield node
        for child in children(node):
            yield from walk(child)
    elif isinstance(node, list | tuple):
        for item in node:
            yield from walk(item)


def func_name(node: ast.FuncCall) -> str:
    parts = [str(s.sval) for s in node.funcname if isinstance(s, ast.String)]
    if len(parts) == 2 and parts[0] == "pg_catalog":
        parts = parts[1:]
    return ".".join(parts)


def op_name(node: ast.A_Expr) -> str:
    return ".".join(str(s.sval) for s in (attr(node, "name") or ()) if isinstance(s, ast.String))


def column_fields(node: ast.ColumnRef) -> tuple[str, ...] | None:
    """The names of a column reference, or None for ``x.*``."""
    out: list[str] = []
    for f in node.fields:
        if not isinstance(f, ast.String):
            return None
        out.append(str(f.sval))
    return tuple(out)


def strip(node: Any) -> Any:
    """Remove what is insignificant for comparing values: casts and the ``(SELECT x)`` wrapper."""
    while True:
        if isinstance(node, ast.TypeCast):
            node = node.arg
        elif isinstance(node, ast.SubLink) and node.subLinkType == enums.SubLinkType.EXPR_SUBLINK:
            inner = scalar_select_value(node.subselect)
            if inner is None:
                return node
            node = inner
        else:
            return node


def scalar_select_value(sel: Any) -> Any:
    """The expression of ``SELECT <expr>`` without FROM/WHERE/…, else None."""
    if (
        isinstance(sel, ast.SelectStmt)
        and not attr(sel, "fromClause")
        and not attr(sel, "whereClause")
        and not attr(sel, "groupClause")
        and not attr(sel, "havingClause")
        and len(attr(sel, "targetList") or ()) == 1
        and not attr(sel, "valuesClause")
        and sel.op == enums.SetOperation.SETOP_NONE
    ):
        return sel.targetList[0].val
    return None


def const_value(node: Any) -> str | int | float | None:
    """The value of a string or number constant (through casts), else None."""
    while isinstance(node, ast.TypeCast):
        node = node.arg
    if not isinstance(node, ast.A_Const) or node.isnull:
        return None
    val = node.val
    if isinstance(val, ast.String):
        return str(val.sval)
    if isinstance(val, ast.Integer):
        return int(val.ival or 0)
    if isinstance(val, ast.Float):
        return float(val.fval or 0)
    return None


def const_text(node: ast.A_Const) -> tuple[str, str]:
    """A non-NULL constant as (its node type, its text): ``('Integer', '1')``."""
    val = node.val
    for name in ("sval", "ival", "fval", "boolval", "bsval"):
        if hasattr(val, name):
            return type(val).__name__, str(getattr(val, name))
    return type(val).__name__, repr(val)  # pragma: no cover


def normalise(node: Any) -> Any:
    """A hashable form of an expression in which casts, parentheses and a ``(select …)``
    wrapper do not matter. Two expressions denote the same value when these are equal."""
    node = strip(node)
    if isinstance(node, ast.A_Expr):
        return ("op", int(node.kind), op_name(node), normalise(node.lexpr), normalise(node.rexpr))
    if isinstance(node, ast.FuncCall):
        return ("fn", func_name(node), tuple(normalise(a) for a in attr(node, "args") or ()))
    if isinstance(node, ast.A_Const):
        if node.isnull:
            return ("null",)
        return ("const", const_text(node)[1])
    if isinstance(node, ast.ColumnRef):
        return ("col", column_fields(node))
    if isinstance(node, ast.BoolExpr):
        return ("bool", int(node.boolop), tuple(normalise(a) for a in attr(node, "args")))
    if isinstance(node, ast.SQLValueFunction):  # current_user, session_user, current_date ...
        return ("svf", int(node.op))
    if isinstance(node, ast.ParamRef):
        return ("param", node.number)
    if isinstance(node, list | tuple):
        return tuple(normalise(x) for x in node)
    if isinstance(node, ast.Node):
        return (type(node).__name__, tuple(normalise(c) for c in children(node)))
    return ("value", repr(node))
