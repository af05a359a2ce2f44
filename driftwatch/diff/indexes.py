"""Indexes of tables and materialized views.

Indexes that back a constraint (primary key, unique, exclusion) are reported through the
constraint, not twice. A new UNIQUE index is ``breaking`` (it rejects duplicate writes).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping

from driftwatch import model
from driftwatch.diff.changes import ADDED, BREAKING, INFO, MODIFIED, REMOVED, RENAMED, Change
from driftwatch.diff.common import data, delta, member, split_keys, unique_pairs


def compare(
    table: str,
    old: Mapping[str, model.Index],
    new: Mapping[str, model.Index],
    *,
    subst: Callable[[str], str] = lambda s: s,
    detect_renames: bool = True,
) -> list[Change]:
    if old == new:
        return []
    old = {k: v for k, v in old.items() if v.constraint is None}
    new = {k: v for k, v in new.items() if v.constraint is None}
    out: list[Change] = []
    added, removed, common = split_keys(old, new)

    def c(name: str, change: str, severity: str, before: object, after: object) -> Change:
        return Change("index", member(table, name), change, severity, before, after, group=table)

    def fixed(ix: model.Index) -> model.Index:
        return dataclasses.replace(
            ix,
            definition=subst(ix.definition),
            columns=tuple(subst(col) for col in ix.columns),
            include=tuple(subst(col) for col in ix.include),
            predicate=subst(ix.predicate) if ix.predicate else ix.predicate,
        )

    if detect_renames and added and removed:

        def shape(name: str, ix: model.Index) -> str:
            return repr(dataclasses.replace(ix, definition=ix.definition.replace(name, "\0")))

        olds = {n: shape(n, fixed(old[n])) for n in removed}
        news = {n: shape(n, new[n]) for n in added}
        for was, now in unique_pairs(olds, news).items():
            out.append(c(now, RENAMED, INFO, {"name": was}, {"name": now}))
            added.remove(now)
            removed.remove(was)
    out += [c(n, ADDED, BREAKING if new[n].unique else INFO, None, data(new[n])) for n in added]
    out += [c(n, REMOVED, INFO, data(old[n]), None) for n in removed]
    for n in common:
        o, w = old[n], new[n]
        if o == w:
            continue
        before, after = delta(fixed(o), w)
        if before:
            severity = BREAKING if w.unique and not o.unique else INFO
            out.append(c(n, MODIFIED, severity, before, after))
    return out
