"""Row-level security policies.

Dropping a policy, changing its ``USING`` / ``WITH CHECK`` / roles / command / mode, or
adding a *permissive* policy widens (or may widen) what a role can see: ``security``.
A new restrictive policy only narrows access: ``info``. A rename, or a change of the
comment alone, is ``info``. (``verdicts`` then refines each policy change.)
"""

from __future__ import annotations

import dataclasses
from typing import Any

from driftwatch import model
from driftwatch.diff.changes import INFO, SECURITY, Severity
from driftwatch.diff.members import MemberComparator, Owner


class PolicyComparator(MemberComparator[model.Policy]):
    kind = "policy"

    def fixed(self, owner: Owner, obj: model.Policy) -> model.Policy:
        subst = owner.subst
        return dataclasses.replace(
            obj,
            using=subst(obj.using) if obj.using else obj.using,
            with_check=subst(obj.with_check) if obj.with_check else obj.with_check,
        )

    def added_severity(self, owner: Owner, obj: model.Policy) -> Severity:
        return SECURITY if obj.permissive else INFO

    def removed_severity(self, owner: Owner, obj: model.Policy) -> Severity:
        return SECURITY

    def modified_severity(
        self, owner: Owner, old: model.Policy, new: model.Policy, before: dict[str, Any]
    ) -> Severity:
        return INFO if set(before) == {"comment"} else SECURITY  # words only


POLICIES = PolicyComparator()
