"""Small helpers over pglast parse trees (CHECK definitions, claim expressions)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pglast
from pglast import ast


def parse_expr(text: str) -> Any | None:
    """The parse tree of one SQL expression, or None when it does not parse."""
    try:
        stmts = pglast.parse_sql(f"SELECT {text}")
    except pglast.parser.ParseError:
        return None
    stmt = stmts[0].stmt
    if not isinstance(stmt, ast.SelectStmt) or not stmt.targetList:
        return None
    return stmt.targetList[0].val


def walk(node: Any) -> Iterator[Any]:
    """Every pglast node under ``node`` (itself included), depth first."""
    if isinstance(node, list | tuple):
        for item in node:
            yield from walk(item)
    elif isinstance(node, ast.Node):
        yield node
        for name in node.__slots__:
            yield from walk(getattr(node, name, None))


def const_value(node: Any) -> str | int | float | None:
    """The value of a constant (through casts), else None."""
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


def funcname(node: Any) -> tuple[str, ...]:
    if isinstance(node, ast.FuncCall):
        return tuple(str(n.sval) for n in node.funcname)
    return ()


def strip_constraint(definition: str) -> str:
    """``CHECK ((x > 0)) NOT VALID`` → ``(x > 0)``."""
    text = definition.strip()
    if text.upper().startswith("CHECK"):
        text = text[5:].strip()
    for suffix in (" NOT VALID", " NO INHERIT"):
        while text.upper().endswith(suffix):
            text = text[: -len(suffix)].rstrip()
    return text
