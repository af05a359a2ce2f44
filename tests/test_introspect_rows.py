"""The row declarations (introspect/rows.py) are the one list of each query's fields: the
driver checks the server's column names against them, and the assembler's positional
unpacking of tuple rows must name the same fields in the same order (checked here, as
mypy checks their number and types)."""

from __future__ import annotations

import ast
import inspect

import pytest

from driftwatch.introspect import assemble, queries, rows


def _unpacked_names(kind: str) -> list[str]:
    """The names the first tuple-unpacking ``for`` loop of ``Assembler._add_<kind>`` binds."""
    source = inspect.getsource(getattr(assemble.Assembler, f"_add_{kind}"))
    tree = ast.parse(inspect.cleandoc("\n" + source) if source.startswith(" ") else source)
    for node in ast.walk(tree):
        if isinstance(node, ast.For) and isinstance(node.target, ast.Tuple):
            return [n.id.rstrip("_") for n in node.target.elts if isinstance(n, ast.Name)]
    raise AssertionError(f"no unpacking loop in _add_{kind}")


TUPLE_QUERIES = [q for q in queries.PLAN if q.tuples]


@pytest.mark.parametrize("q", TUPLE_QUERIES, ids=[q.kind for q in TUPLE_QUERIES])
def test_assembler_unpacks_the_declared_fields(q: queries.Query) -> None:
    assert _unpacked_names(q.kind) == list(q.fields)


def test_every_query_of_the_plan_is_declared_once() -> None:
    kinds = [q.kind for q in queries.PLAN]
    assert len(kinds) == len(set(kinds))
    assert kinds == list(assemble.Assembler.ORDER)
    declared = {q.row for q in queries.PLAN}
    assert len(declared) == len(queries.PLAN)  # one row type per query
    for q in queries.PLAN:
        assert q.fields, q.kind
        assert getattr(rows, q.row.__name__) is q.row
    assert {q.kind for q in TUPLE_QUERIES} >= {"grants", "tables", "columns", "policies"}
