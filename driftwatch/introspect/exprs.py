"""Deparse each distinct expression once instead of once per object.

PostgreSQL turns a stored expression tree (policy USING / WITH CHECK, column default,
CHECK constraint, partial-index predicate) back into SQL with ``pg_get_expr`` or
``pg_get_constraintdef``. Both open the expression's relation, and opening a relation the
backend has not seen builds its relation-cache entry: with RLS that means reading and
parsing every policy of the table. At 10,000 tables that is most of the server's time,
although templated schemas hold only a handful of distinct trees.

So the catalog queries return each tree — its text where trees are small, the md5 of its
text where they are large (policies) — and the object's OID; this module groups the
objects, asks for one representative per group, and copies its text to the rest. Two
objects share a text when they have

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

At most two queries whatever the size of the schema (both ``sql/exprs.sql``): the trees
of one object per distinct digest, then the deparse of one object per group.
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


# Sources whose rows carry the md5 of the tree, not the tree (see ``Expressions``).
_DIGESTED = frozenset({"policy_using", "policy_check"})


class Expressions:
    """Collects the expressions of one snapshot, then fills in their text (``resolve``).
    ``columns`` names the columns of each relation by attribute number.

    A tree is given by its text where it is small (defaults, CHECK constraints, partial
    index predicates: the text travels instead of the server hashing it) or by the md5 of
    its text (policies: kilobytes each, tens of thousands of them)."""

    def __init__(self, columns: Columns) -> None:
        # (tree, deparser, extra) → uses: every use in a group could share one text but
        # for its relation (the context, see ``_context``).
        self._groups: dict[tuple[str, str, str], list[_Use]] = {}
        self._columns = columns
        # (source, relation, target, field) of uses PostgreSQL gave no text for
        self.unresolved: list[tuple[str, str, dict[str, Any], str]] = []

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
        key = (tree, _DEPARSER[source], extra)
        uses = self._groups.get(key)
        if uses is None:
            uses = self._groups[(sys.intern(tree), key[1], extra)] = []
        uses.append((source, ref, relation, extra, target, field, prefix))

    def resolve(self, run: Run) -> int:
        """Fill every registered field; ``run`` answers sql/exprs.sql (``Run``). Returns
        the number of queries sent (0, 1 or 2: the texts of digested trees, the deparse)."""
        if not self._groups:
            return 0
        digested: dict[str, _Use] = {}
        for (tree, _, _), uses in self._groups.items():
            if uses[0][0] in _DIGESTED and tree not in digested:
                digested[tree] = uses[0]
        sent = 0
        texts: dict[str, str | None] = {}
        if digested:
            by_ref = {
                (source, ref): text for source, ref, text in run(_refs(digested.values()), False)
            }
            texts = {tree: by_ref.get((use[0], use[1])) for tree, use in digested.items()}
            sent += 1
        groups: dict[tuple[Any, ...], list[_Use]] = {}
        # relation → context, per TreeInfo: templated trees read the same columns
        contexts: dict[TreeInfo, dict[str, Any]] = {}
        infos: dict[str, TreeInfo] = {}
        for (tree, deparser, extra), uses in self._groups.items():
            info = infos.get(tree)
            if info is None:
                text = texts.get(tree) if uses[0][0] in _DIGESTED else tree
                info = infos[tree] = tree_info(text or "")
            head = (deparser, tree, extra)
            if not info.needs_relation_name and not info.attnums:  # the same text anywhere
                groups[(*head, ())] = uses
                continue
            known = contexts.setdefault(info, {})
            by_context: dict[Any, list[_Use]] = {}
            for use in uses:
                relation = use[2]
                context = known.get(relation)
                if context is None:
                    context = known[relation] = self._context(info, relation)
                members = by_context.get(context)
                if members is None:
                    members = by_context[context] = []
                members.append(use)
            for context, members in by_context.items():
                groups[(*head, context)] = members
        self._groups.clear()
        deparsed = {
            (source, ref): text
            for source, ref, text in run(_refs(m[0] for m in groups.values()), True)
        }
        for members in groups.values():
            text = deparsed.get((members[0][0], members[0][1]))
            if text is None:  # the fields stay None (``add``); the assembler marks them
                self.unresolved += [(u[0], u[2], u[4], u[5]) for u in members]
                continue
            for _, _, _, _, target, field, prefix in members:
                target[field] = prefix + text if prefix else text
        return sent + 1

    def _context(self, info: TreeInfo, relation: str) -> Any:
        """What the text of a tree depends on in ``relation``: its name where it can be
        printed, else the names of the columns the tree reads."""
        if info.needs_relation_name:
            return relation
        columns = self._columns.get(relation, {})
        return tuple(
            column[0] if (column := columns.get(attnum)) else None for attnum in info.attnums
        )


def _refs(uses: Iterable[_Use]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {source: [] for source in SOURCES}
    for use in uses:
        out[use[0]].append(use[1])
    return out
