"""Rewrite rules of tables and views.

A rule runs its actions instead of (``DO INSTEAD``) or besides the command, with the rights
of the table's owner: on a table with row-level security, a rule added or changed is
``security`` (the owner is not subject to the table's policies unless RLS is forced, so
the rule can read or write rows the caller's policies hide). Elsewhere ``info``; a dropped
rule is ``breaking`` only when it was ``DO INSTEAD`` (the command now does what it says).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from driftwatch import model
from driftwatch.diff.changes import ADDED, BREAKING, INFO, MODIFIED, REMOVED, SECURITY, Change
from driftwatch.diff.common import data, delta, member, split_keys


def compare(
    owner: str,
    old: Mapping[str, model.Rule],
    new: Mapping[str, model.Rule],
    *,
    rls: bool = False,
    subst: Callable[[str], str] = lambda s: s,
) -> list[Change]:
    """``rls``: the owner (a table) has row-level security enabled on the new side."""
    if old == new:
        return []
    out: list[Change] = []
    added, removed, common = split_keys(old, new)
    widened = SECURITY if rls else INFO

    def c(name: str, change: str, severity: str, before: object, after: object) -> Change:
        return Change("rule", member(owner, name), change, severity, before, after, group=owner)

    out += [c(n, ADDED, widened, None, data(new[n])) for n in added]
    out += [
        c(n, REMOVED, BREAKING if old[n].instead else INFO, data(old[n]), None) for n in removed
    ]
    for n in common:
        o = old[n]
        o = model.Rule(subst(o.definition), o.event, o.instead, o.enabled, o.comment)
        before, after = delta(o, new[n])
        if before:
            severity = INFO if set(before) <= {"comment"} else widened
            out.append(c(n, MODIFIED, severity, before, after))
    return out
