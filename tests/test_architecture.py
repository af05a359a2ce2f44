"""The one-way import rule of docs/architecture.md, checked on the source.

Every ``import`` in ``driftwatch/`` counts, module-level, function-level and under
``TYPE_CHECKING`` alike: the module graph has no cycle, and each arrow between parts is
one the document's table allows (a lower layer, or a same-layer part it lists).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "driftwatch"
DOC = REPO / "docs" / "architecture.md"
ROW = re.compile(r"^\|\s*(\d+)\s*\|\s*`([\w.]+)`\s*\|([^|]*)\|\s*$")


def modules() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(REPO).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The driftwatch modules ``name`` imports, wherever in the file the import is."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def nearest(dotted: str) -> str:
        while dotted not in known and "." in dotted:
            dotted = dotted.rpartition(".")[0]
        return dotted

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(nearest(a.name) for a in node.names if a.name.startswith("driftwatch"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target != "driftwatch" and not target.startswith("driftwatch."):
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in known else nearest(target))
    found.discard(name)
    return found


def parts() -> dict[str, tuple[int, set[str]]]:
    table: dict[str, tuple[int, set[str]]] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = ROW.match(line)
        if m:
            table[m.group(2)] = (int(m.group(1)), set(re.findall(r"`([\w.]+)`", m.group(3))))
    return table


def part_of(module: str, table: dict[str, tuple[int, set[str]]]) -> str | None:
    """The part with the longest prefix of ``module``; the package part is only itself."""
    best = None
    for p in table:
        inside = module == p or (p != "driftwatch" and module.startswith(p + "."))
        if inside and (best is None or len(p) > len(best)):
            best = p
    return best


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(name, path, known) for name, path in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        top = stack.pop()
                        on_stack.discard(top)
                        component.append(top)
                        if top == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_the_document_lists_every_module() -> None:
    table = parts()
    assert table, "docs/architecture.md has no parts table"
    unplaced = sorted(m for m in modules() if part_of(m, table) is None)
    assert unplaced == []
    listed = {t for _, also in table.values() for t in also}
    assert sorted(listed - set(table)) == [], "an 'also imports' entry names no part"


def test_no_import_cycle() -> None:
    edges = graph()
    # The package names driftwatch.api for type checkers only and imports it on first
    # attribute access, once the package is initialised (see the document): no cycle.
    edges["driftwatch"].discard("driftwatch.api")
    assert cycles(edges) == []


def test_every_arrow_is_allowed() -> None:
    table = parts()
    wrong = []
    for source, targets in sorted(graph().items()):
        if source == "driftwatch":
            continue  # the package's lazy loader of driftwatch.api (see the document)
        src = part_of(source, table)
        for target in sorted(targets):
            dst = part_of(target, table)
            if src is None or dst is None or src == dst:
                continue
            (src_layer, also), (dst_layer, _) = table[src], table[dst]
            if dst_layer < src_layer or dst in also:
                continue
            wrong.append(
                f"{source} -> {target} ({src} layer {src_layer} -> {dst} layer {dst_layer})"
            )
    assert wrong == []


@pytest.mark.parametrize(
    ("edges", "expected"),
    [
        ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
    ],
)
def test_cycle_finder(edges: dict[str, set[str]], expected: list[list[str]]) -> None:
    assert cycles(edges) == expected
