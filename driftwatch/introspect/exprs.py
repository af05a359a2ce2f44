"""Deparse each distinct expression once instead of once per object.

PostgreSQL turns a stored expression tree (policy USING / WITH CHECK, column default,
CHECK constraint, partial-index predicate) back into SQL with ``pg_get_expr`` or
``pg_get_constraintdef``. Both open the expression's relation, and opening a relation the
backend has not seen builds its relation-cache entry: with RLS that means reading and
parsing every policy of the table. At 10,000 tables that is most of the server's time,
although templated schemas hold only a handful of distinct trees.

So the catalog queries return a digest of each tree (md5 of its text) and the object's
OID; this module groups the objects, asks for one representative per group, and copies
its text to the rest. Two objects share a text when they have

* the same tree — it spells every function, operator, type, collation and relation it
  uses by OID, the same for every table, and constants as bytes;
* the same names for the columns of their own relation that the tree refers to (``Var``
  nodes carry attribute numbers; the deparser prints the relation's current names);
* the same relation name whenever it can be printed: a subquery qualifies the outer
  columns it reads with it (``:varlevelsup`` above 0) and picks aliases for its own
  range-table entries that do not clash with it; a whole-row reference prints it. A
  subquery without a range table that reads no outer column — the
  ``(select auth.jwt())`` of every tenant policy — does neither;
* for CHECK constraints, the same flags printed after the expression (NO INHERIT,
  NOT VALID, ...).

Reading the columns from the tree is conservative: every ``Var`` whose range-table index
is 1 counts, at any subquery level, so two objects are only grouped when all those names
agree — more groups than strictly needed, never a wrong text.

Two queries whatever the size of the schema (both ``sql/exprs.sql``): the trees of one
object per distinct digest, then the deparse of one object per group.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# Where a tree comes from (one branch of sql/exprs.sql). "indexdef" is not a tree: an
# index the client cannot spell (introspect/definitions.py) gets pg_get_indexdef here.
SOURCES: tuple[str, ...] = (
    "policy_using",
    "policy_check",
    "default",
    "predicate",
    "check",
    "indexdef",
)

# pg_get_expr(tree, relation) serves the expressions; CHECK constraints and indexes get
# their whole definition from pg_get_constraintdef / pg_get_indexdef.
_DEPARSER = {
    "policy_using": "expr",
    "policy_check": "expr",
    "default": "expr",
    "predicate": "expr",
    "check": "constraint",
    "indexdef": "index",
}

# Var nodes print as "{VAR :varno 1 :varattno 3 ..." on every supported version; the
# "syn" fields (PG 13+) name the same column for join aliases, read them too.
_VAR = re.compile(r"\{VAR :varno (\d+) :varattno (-?\d+)")
_VAR_SYN = re.compile(r":varnosyn (\d+) :varattnosyn (-?\d+)")
_OUTER_VAR = re.compile(r":varlevelsup [1-9]")

# run(refs by source, deparse) → (source, ref, text) rows of sql/exprs.sql
Run = Callable[[dict[str, list[int]], bool], Iterable[tuple[str, int, str | None]]]
Columns = Mapping[str, Mapping[int, tuple[Any, ...]]]  # relation → attnum → (name, ...)


@dataclass(frozen=True)
class TreeInfo:
    """What, besides the tree itself, the deparsed text of a tree depends on."""

    attnums: tuple[int, ...]  # attribute numbers of the expression's relation it reads
    needs_relation_name: bool  # outer references, subquery range tables, whole rows


def tree_info(text: str) -> TreeInfo:
    attnums = {int(m[2]) for m in _VAR.finditer(text) if m[1] == "1"}
    attnums.update(int(m[2]) for m in _VAR_SYN.finditer(text) if m[1] == "1")
    return TreeInfo(
        attnums=tuple(sorted(attnums)),
        needs_relation_name=(
            "{RANGETBLENTRY" in text or 0 in attnums or _OUTER_VAR.search(text) is not None
        ),
    )


# One registered use: (source, ref, relation, extra, target dict, field, prefix).
_Use = tuple[str, int, str, str, dict[str, Any], str, str]


class Expressions:
    """Collects the expressions of one snapshot, then fills in their text (``resolve``).
    ``columns`` names the columns of each relation by attribute number."""

    def __init__(self, columns: Columns) -> None:
        self._by_tree: dict[str, list[_Use]] = {}
        self._columns = columns

    def add(
        self,
        source: str,
        ref: int,
        tree: str,
        relation: str,
        target: dict[str, Any],
        field: str,
        *,
        extra: str = "",
        prefix: str = "",
    ) -> None:
        """``target[field]`` becomes ``prefix + text`` once resolved; None until then."""
        target[field] = None
        uses = self._by_tree.get(tree)
        if uses is None:
            uses = self._by_tree[sys.intern(tree)] = []
        uses.append((source, ref, relation, extra, target, field, prefix))

    def resolve(self, run: Run) -> int:
        """Fill every registered field; ``run`` answers sql/exprs.sql (``Run``). Returns
        the number of queries sent (0 or 2)."""
        if not self._by_tree:
            return 0
        firsts = [uses[0] for uses in self._by_tree.values()]
        texts = {(source, ref): text for source, ref, text in run(_refs(firsts), False)}
        groups: dict[tuple[Any, ...], list[_Use]] = {}
        # relation → context, per TreeInfo: templated trees read the same columns
        contexts: dict[TreeInfo, dict[str, Any]] = {}
        for tree, uses in self._by_tree.items():
            source, ref, _, extra = uses[0][:4]
            info = tree_info(texts.get((source, ref)) or "")
            fixed = not info.needs_relation_name and not info.attnums  # same text anywhere
            known = contexts.setdefault(info, {})
            if all(use[0] == source and use[3] == extra for use in uses):
                # The common case, one source and one set of flags: only the context varies.
                head = (_DEPARSER[source], tree, extra)
                if fixed:
                    groups[(*head, ())] = uses
                    continue
                by_context: dict[Any, list[_Use]] = {}
                for use in uses:
                    relation = use[2]
                    context = known.get(relation)
                    if context is None:
                        context = self._context(known, info, relation)
                    members = by_context.get(context)
                    if members is None:
                        members = by_context[context] = []
                    members.append(use)
                for context, members in by_context.items():
                    groups[(*head, context)] = members
                continue
            for use in uses:
                context = () if fixed else self._context(known, info, use[2])
                groups.setdefault((_DEPARSER[use[0]], tree, use[3], context), []).append(use)
        self._by_tree.clear()
        deparsed = {
            (source, ref): text
            for source, ref, text in run(_refs(m[0] for m in groups.values()), True)
        }
        for members in groups.values():
            text = deparsed.get((members[0][0], members[0][1]))
            for _, _, _, _, target, field, prefix in members:
                target[field] = None if text is None else prefix + text
        return 2

    def _context(self, known: dict[str, Any], info: TreeInfo, relation: str) -> Any:
        """What the text of a tree depends on in ``relation``: its name where it can be
        printed, else the names of the columns the tree reads (``known`` caches them)."""
        context = known.get(relation)
        if context is not None:
            return context
        if info.needs_relation_name:
            context = relation
        else:
            columns = self._columns.get(relation, {})
            context = tuple(
                column[0] if (column := columns.get(attnum)) else None for attnum in info.attnums
            )
        known[relation] = context
        return context


def _refs(uses: Iterable[_Use]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {source: [] for source in SOURCES}
    for use in uses:
        out[use[0]].append(use[1])
    return out
