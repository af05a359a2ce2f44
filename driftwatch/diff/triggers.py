"""Triggers of tables and views (``info``); ``pg_get_triggerdef`` text names the trigger."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping

from driftwatch import model
from driftwatch.diff.changes import ADDED, INFO, MODIFIED, REMOVED, RENAMED, Change
from driftwatch.diff.common import data, delta, member, split_keys, unique_pairs


def compare(
    table: str,
    old: Mapping[str, model.Trigger],
    new: Mapping[str, model.Trigger],
    *,
    subst: Callable[[str], str] = lambda s: s,
    detect_renames: bool = True,
) -> list[Change]:
    if old == new:
        return []
    out: list[Change] = []
    added, removed, common = split_keys(old, new)

    def c(name: str, change: str, before: object, after: object) -> Change:
        return Change("trigger", member(table, name), change, INFO, before, after, group=table)

    if detect_renames and added and removed:

        def shape(name: str, t: model.Trigger, fix: Callable[[str], str]) -> str:
            return fix(t.definition).replace(name, "\0") + repr(t.events) + t.function

        olds = {n: shape(n, old[n], subst) for n in removed}
        news = {n: shape(n, new[n], lambda s: s) for n in added}
        for was, now in unique_pairs(olds, news).items():
            out.append(c(now, RENAMED, {"name": was}, {"name": now}))
            added.remove(now)
            removed.remove(was)
    out += [c(n, ADDED, None, data(new[n])) for n in added]
    out += [c(n, REMOVED, data(old[n]), None) for n in removed]
    for n in common:
        o, w = old[n], new[n]
        if o == w:
            continue
        o = dataclasses.replace(o, definition=subst(o.definition))
        before, after = delta(o, w)
        if before:
            out.append(c(n, MODIFIED, before, after))
    return out
