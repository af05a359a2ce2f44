"""Row-level security policies.

Dropping a policy, changing its ``USING`` / ``WITH CHECK`` / roles / command / mode, or
adding a *permissive* policy widens (or may widen) what a role can see: ``security``.
A new restrictive policy only narrows access: ``info``. A rename, or a change of the
comment alone, is ``info``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping

from driftwatch import model
from driftwatch.diff.changes import ADDED, INFO, MODIFIED, REMOVED, RENAMED, SECURITY, Change
from driftwatch.diff.common import data, delta, member, split_keys, unique_pairs


def compare(
    table: str,
    old: Mapping[str, model.Policy],
    new: Mapping[str, model.Policy],
    *,
    subst: Callable[[str], str] = lambda s: s,
    detect_renames: bool = True,
) -> list[Change]:
    if old == new:
        return []
    out: list[Change] = []
    added, removed, common = split_keys(old, new)

    def c(name: str, change: str, severity: str, before: object, after: object) -> Change:
        return Change("policy", member(table, name), change, severity, before, after, group=table)

    def fixed(p: model.Policy) -> model.Policy:
        return dataclasses.replace(
            p,
            using=subst(p.using) if p.using else p.using,
            with_check=subst(p.with_check) if p.with_check else p.with_check,
        )

    if detect_renames and added and removed:
        olds = {n: repr(fixed(old[n])) for n in removed}
        news = {n: repr(new[n]) for n in added}
        for was, now in unique_pairs(olds, news).items():
            out.append(c(now, RENAMED, INFO, {"name": was}, {"name": now}))
            added.remove(now)
            removed.remove(was)
    for n in added:
        out.append(c(n, ADDED, SECURITY if new[n].permissive else INFO, None, data(new[n])))
    out += [c(n, REMOVED, SECURITY, data(old[n]), None) for n in removed]
    for n in common:
        o, w = old[n], new[n]
        if o == w:
            continue
        before, after = delta(fixed(o), w)
        if before:
            severity = INFO if set(before) == {"comment"} else SECURITY  # words only
            out.append(c(n, MODIFIED, severity, before, after))
    return out
