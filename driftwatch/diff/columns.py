"""Columns of a table.

Column order (``position``) is not drift unless ``strict_order``. A column that left one
name and appeared under another at the same position with everything else equal is one
``renamed`` change (``breaking``); the returned map lets the table comparator read the
old side's indexes, constraints and policies with the new column names.
"""

from __future__ import annotations

from collections.abc import Mapping

from driftwatch import model, snapshot
from driftwatch.diff import grants
from driftwatch.diff.changes import ADDED, BREAKING, INFO, MODIFIED, REMOVED, RENAMED, Change
from driftwatch.diff.common import Context, data, delta, member, split_keys, unique_pairs


def compare(
    table: str,
    old: Mapping[str, model.Column],
    new: Mapping[str, model.Column],
    ctx: Context,
) -> tuple[list[Change], dict[str, str]]:
    """(changes, renames old→new)."""
    if old == new:
        return [], {}
    out: list[Change] = []
    added, removed, common = split_keys(old, new)
    renames: dict[str, str] = {}

    def c(name: str, change: str, severity: str, before: object, after: object) -> Change:
        return Change("column", member(table, name), change, severity, before, after, group=table)

    if ctx.options.detect_renames and added and removed:
        olds = {n: snapshot.canonical(data(old[n])) for n in removed}
        news = {n: snapshot.canonical(data(new[n])) for n in added}
        renames = unique_pairs(olds, news)
        for was, now in sorted(renames.items()):
            out.append(c(now, RENAMED, BREAKING, {"name": was}, {"name": now}))
            added.remove(now)
            removed.remove(was)
    for n in added:
        col = new[n]
        required = (
            not col.nullable and col.default is None and col.identity is None and not col.generated
        )
        out.append(c(n, ADDED, BREAKING if required else INFO, None, data(col)))
    out += [c(n, REMOVED, BREAKING, data(old[n]), None) for n in removed]
    skip = ("grants",) if ctx.options.strict_order else ("grants", "position")
    for n in common:
        o, w = old[n], new[n]
        if o == w:
            continue
        before, after = delta(o, w, skip=skip)
        if before:
            breaking = "type" in before or (o.nullable and not w.nullable)
            out.append(c(n, MODIFIED, BREAKING if breaking else INFO, before, after))
        out += grants.compare(member(table, n), o.grants, w.grants, ctx, group=table)
    return out, renames
