"""Table constraints (primary key, foreign key, unique, check, exclusion).

A constraint added or changed rejects writes that used to succeed: ``breaking``. A
dropped constraint is ``info``. Foreign keys pointing at a renamed table are read with
the new name, so a table rename is not also reported as a change to every referencing key.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping

from driftwatch import model
from driftwatch.diff.changes import ADDED, BREAKING, INFO, MODIFIED, REMOVED, RENAMED, Change
from driftwatch.diff.common import Context, data, delta, member, split_keys, unique_pairs


def compare(
    table: str,
    old: Mapping[str, model.Constraint],
    new: Mapping[str, model.Constraint],
    ctx: Context,
    *,
    subst: Callable[[str], str] = lambda s: s,
) -> list[Change]:
    if old == new:
        return []
    out: list[Change] = []
    added, removed, common = split_keys(old, new)

    def c(name: str, change: str, severity: str, before: object, after: object) -> Change:
        return Change(
            "constraint", member(table, name), change, severity, before, after, group=table
        )

    def fixed(con: model.Constraint) -> model.Constraint:
        ref = con.references
        if ref is not None:
            ref = dataclasses.replace(ref, table=ctx.renamed_table(ref.table))
        return dataclasses.replace(
            con,
            definition=subst(con.definition),
            columns=tuple(subst(col) for col in con.columns),
            references=ref,
        )

    if ctx.options.detect_renames and added and removed:
        olds = {n: repr(fixed(old[n])) for n in removed}
        news = {n: repr(new[n]) for n in added}
        for was, now in unique_pairs(olds, news).items():
            out.append(c(now, RENAMED, INFO, {"name": was}, {"name": now}))
            added.remove(now)
            removed.remove(was)
    out += [c(n, ADDED, BREAKING, None, data(new[n])) for n in added]
    out += [c(n, REMOVED, INFO, data(old[n]), None) for n in removed]
    for n in common:
        o, w = old[n], new[n]
        if o == w:
            continue
        before, after = delta(fixed(o), w)
        if before:
            out.append(c(n, MODIFIED, BREAKING, before, after))
    return out
