"""Views and materialized views.

A view whose ``security_invoker`` goes from on to off is ``security`` (it now reads the
underlying tables with its owner's rights, bypassing their RLS). A dropped view is
``breaking``. Definition, options and output columns are one ``modified`` change; grants,
triggers and rules (views) and indexes (materialized views) are their own changes.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from driftwatch import model
from driftwatch.diff import grants
from driftwatch.diff.base import Comparator, plain_shape
from driftwatch.diff.changes import BREAKING, INFO, SECURITY, Change, Severity
from driftwatch.diff.common import Context, ident_substituter
from driftwatch.diff.indexes import INDEXES
from driftwatch.diff.members import Owner
from driftwatch.diff.rules import RULES
from driftwatch.diff.triggers import TRIGGERS


class ViewComparator(Comparator[model.View]):
    kind = "view"
    removed_severity = BREAKING
    renamed_severity = BREAKING
    skip_fields = ("grants", "triggers", "rules")

    def modified(self, name: str, old: model.View, new: model.View, ctx: Context) -> list[Change]:
        if ctx.table_renames:  # read the old body with renamed tables' new names
            subst = ident_substituter(ctx.table_renames)
            old = dataclasses.replace(old, definition=subst(old.definition))
        owner = Owner(name, ctx)
        return (
            super().modified(name, old, new, ctx)
            + grants.compare(name, old.grants, new.grants, ctx, group=name)
            + TRIGGERS.compare(owner, old.triggers, new.triggers)
            + RULES.compare(owner, old.rules, new.rules)
        )

    def modified_severity(
        self, old: model.View, new: model.View, before: dict[str, Any]
    ) -> Severity:
        return SECURITY if old.security_invoker and not new.security_invoker else INFO

    def shape(self, name: str, obj: model.View) -> bytes | None:
        return plain_shape(obj)


class MaterializedViewComparator(Comparator[model.MaterializedView]):
    kind = "materialized_view"
    removed_severity = BREAKING
    renamed_severity = BREAKING
    skip_fields = ("grants", "indexes")

    def modified(
        self, name: str, old: model.MaterializedView, new: model.MaterializedView, ctx: Context
    ) -> list[Change]:
        return (
            super().modified(name, old, new, ctx)
            + grants.compare(name, old.grants, new.grants, ctx, group=name)
            + INDEXES.compare(Owner(name, ctx), old.indexes, new.indexes)
        )
