"""Helper functions called from policies: a call resolved to its function in the snapshot,
with its input parameters and its body reduced to what the policy analyser reads.

A body is analysable when it is one expression: ``LANGUAGE sql`` whose last statement is
``SELECT <expr>`` (no FROM), a SQL-standard ``RETURN <expr>``, or a plpgsql block made of
one ``RETURN <expr>``; or, for a set-returning helper used as ``col IN (SELECT f())``, one
``SELECT <col> FROM … WHERE …`` (``RETURN QUERY`` in plpgsql). Everything else (dynamic SQL,
control flow, C functions) is not analysed and said so, never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pglast
from pglast import ast, enums

from driftwatch import idents, model
from driftwatch.sqlexpr import SqlSyntaxError, attr, func_name, parse_expr, scalar_select_value

_INPUT_MODES = frozenset(
    {
        enums.FunctionParameterMode.FUNC_PARAM_IN,
        enums.FunctionParameterMode.FUNC_PARAM_INOUT,
        enums.FunctionParameterMode.FUNC_PARAM_VARIADIC,
        enums.FunctionParameterMode.FUNC_PARAM_DEFAULT,
    }
)


@dataclass(frozen=True, slots=True)
class Param:
    name: str | None
    default: Any  # parse node of the DEFAULT expression, or None


@dataclass(frozen=True, slots=True)
class Helper:
    key: str  # schema.name(identity arguments)
    name: str  # unqualified function name (how a body may qualify its parameters)
    params: tuple[Param, ...]  # input parameters in order
    expr: Any  # the body as one expression, or None
    query: Any  # the body as one SELECT (set-returning helpers), or None
    security_definer: bool
    why: str = ""  # why the body is not analysable


def _split_key(key: str) -> tuple[str, str]:
    schema, name = idents.split_key(key)
    return schema, name.partition("(")[0]


def _params(arguments: str) -> tuple[Param, ...] | None:
    try:
        stmts = pglast.parse_sql(f"CREATE FUNCTION f({arguments}) RETURNS void LANGUAGE sql AS ''")
    except pglast.parser.ParseError:
        return None
    out = []
    for p in attr(stmts[0].stmt, "parameters") or ():
        if p.mode in _INPUT_MODES:
            out.append(Param(attr(p, "name"), attr(p, "defexpr")))
    return tuple(out)


def _sql_body(body: str) -> tuple[Any, Any, str]:
    text = body.strip().rstrip(";").strip()
    if text[:7].upper() == "RETURN " or text[:7].upper() == "RETURN(":
        try:
            return parse_expr(text[6:]), None, ""
        except SqlSyntaxError:
            return None, None, "its RETURN expression could not be parsed"
    if text[:12].upper() == "BEGIN ATOMIC":
        text = text[12:].strip()
        if text[-3:].upper() == "END":
            text = text[:-3]
    try:
        stmts = pglast.parse_sql(text)
    except pglast.parser.ParseError:
        return None, None, "its body could not be parsed"
    if not stmts:
        return None, None, "its body is empty"
    last = stmts[-1].stmt
    if not isinstance(last, ast.SelectStmt):
        return None, None, f"its body ends with {type(last).__name__}, not a SELECT"
    value = scalar_select_value(last)
    if value is not None:
        return value, None, ""
    if len(attr(last, "targetList") or ()) == 1 and attr(last, "fromClause"):
        return None, last, ""
    return None, None, "its body is not one SELECT expression"


def _plpgsql_body(fn: model.Function) -> tuple[Any, Any, str]:
    tag = "$driftwatch$"
    if tag in fn.body:
        return None, None, "its body could not be parsed"
    returns = fn.returns or "void"
    try:
        tree = pglast.parse_plpgsql(
            f"CREATE FUNCTION f({fn.arguments}) RETURNS {returns} LANGUAGE plpgsql"
            f" AS {tag}{fn.body}{tag}"
        )
    except Exception:  # pglast raises ParseError or its own errors for plpgsql
        return None, None, "its plpgsql body could not be parsed"
    block = tree[0]["PLpgSQL_function"]["action"]["PLpgSQL_stmt_block"]
    body = block.get("body") or []
    if len(body) != 1 or block.get("exceptions"):
        return None, None, "its plpgsql body is not a single RETURN"
    stmt = body[0]
    if "PLpgSQL_stmt_return" in stmt:
        query = stmt["PLpgSQL_stmt_return"].get("expr", {}).get("PLpgSQL_expr", {}).get("query")
        if query:
            try:
                return parse_expr(query), None, ""
            except SqlSyntaxError:
                return None, None, "its RETURN expression could not be parsed"
    if "PLpgSQL_stmt_return_query" in stmt:
        query = stmt["PLpgSQL_stmt_return_query"].get("query", {}).get("PLpgSQL_expr", {})
        text = query.get("query")
        if text:
            _expr, sel, why = _sql_body(text)
            if sel is not None:
                return None, sel, ""
            return None, None, why or "its RETURN QUERY is not one SELECT"
    return None, None, "its plpgsql body is not a single RETURN"


def _helper(key: str, fn: model.Function) -> Helper | None:
    params = _params(fn.arguments)
    if params is None:
        return None
    _schema, name = _split_key(key)
    if fn.language == "sql":
        expr, query, why = _sql_body(fn.body)
    elif fn.language == "plpgsql":
        expr, query, why = _plpgsql_body(fn)
    else:
        expr, query, why = None, None, f"it is written in {fn.language}"
    return Helper(key, name, params, expr, query, fn.security_definer, why)


class Helpers:
    """The snapshot's functions, looked up by the calls policies make."""

    def __init__(self, functions: Mapping[str, model.Function]) -> None:
        self._functions = functions
        self._by_name: dict[str, list[str]] = {}
        for key in sorted(functions):
            schema, name = _split_key(key)
            self._by_name.setdefault(f"{schema}.{name}", []).append(key)
            self._by_name.setdefault(name, []).append(key)
        self._memo: dict[str, Helper | None] = {}

    def get(self, key: str) -> Helper | None:
        if key not in self._memo:
            try:
                self._memo[key] = _helper(key, self._functions[key])
            except (RecursionError, ValueError, KeyError, TypeError):
                self._memo[key] = None  # one odd function never fails the audit
        return self._memo[key]

    def resolve(self, call: ast.FuncCall) -> Helper | str:
        """The helper a call invokes, or why none can be named (unknown, overloaded)."""
        name = func_name(call)
        nargs = len(attr(call, "args") or ())
        keys = self._by_name.get(name, [])
        if "." not in name:  # unqualified: public first, as the default search_path
            public = [k for k in keys if k.startswith("public.")]
            keys = public or keys
        fits = []
        for key in keys:
            h = self.get(key)
            if h is None:
                continue
            required = sum(1 for p in h.params if p.default is None)
            if required <= nargs <= len(h.params):
                fits.append(h)
        if not fits:
            return f"{name}() is not a function of the snapshot taking {nargs} argument(s)"
        if len(fits) > 1:
            return f"{name}() has several overloads taking {nargs} argument(s)"
        return fits[0]

    @staticmethod
    def bind(helper: Helper, call: ast.FuncCall) -> tuple[Any, ...] | None:
        """The node each parameter receives (the argument, else its DEFAULT), or None."""
        args = list(attr(call, "args") or ())
        out: list[Any] = [None] * len(helper.params)
        names = [p.name for p in helper.params]
        pos = 0
        for a in args:
            if isinstance(a, ast.NamedArgExpr):
                if a.name not in names:
                    return None
                out[names.index(a.name)] = a.arg
            else:
                if pos >= len(out):
                    return None
                out[pos] = a
                pos += 1
        for i, p in enumerate(helper.params):
            if out[i] is None:
                if p.default is None:
                    return None
                out[i] = p.default
        return tuple(out)
