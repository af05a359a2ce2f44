"""Rewrite rules of tables and views.

A rule runs its actions instead of (``DO INSTEAD``) or besides the command, with the rights
of the table's owner: on a table with row-level security, a rule added or changed is
``security`` (the owner is not subject to the table's policies unless RLS is forced, so
the rule can read or write rows the caller's policies hide). Elsewhere ``info``; a dropped
rule is ``breaking`` only when it was ``DO INSTEAD`` (the command now does what it says).
Renames are not detected (a rule's definition is all there is to it).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from driftwatch import model
from driftwatch.diff.changes import BREAKING, INFO, SECURITY, Severity
from driftwatch.diff.members import MemberComparator, Owner


def _widened(owner: Owner) -> Severity:
    return SECURITY if owner.rls else INFO


class RuleComparator(MemberComparator[model.Rule]):
    kind = "rule"
    detect_renames = False

    def fixed(self, owner: Owner, obj: model.Rule) -> model.Rule:
        return dataclasses.replace(obj, definition=owner.subst(obj.definition))

    def added_severity(self, owner: Owner, obj: model.Rule) -> Severity:
        return _widened(owner)

    def removed_severity(self, owner: Owner, obj: model.Rule) -> Severity:
        return BREAKING if obj.instead else INFO

    def modified_severity(
        self, owner: Owner, old: model.Rule, new: model.Rule, before: dict[str, Any]
    ) -> Severity:
        return INFO if set(before) <= {"comment"} else _widened(owner)


RULES = RuleComparator()
