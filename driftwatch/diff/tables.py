"""Tables: the table itself plus one sub-comparator per attached kind.

Sub-comparators: ``columns``, ``constraints``, ``indexes``, ``policies``, ``triggers``,
``rules``, ``grants`` and RLS (below). RLS switched off or un-forced is ``security``; a dropped or
renamed table is ``breaking``. A renamed table keeps everything but its name (constraint,
index and trigger definitions are compared with the old name replaced by the new one).
"""

from __future__ import annotations

import dataclasses

from driftwatch import model, snapshot
from driftwatch.diff import grants
from driftwatch.diff.base import Comparator
from driftwatch.diff.changes import BREAKING, INFO, MODIFIED, SECURITY, Change
from driftwatch.diff.columns import COLUMNS
from driftwatch.diff.common import Context, data, ident_substituter
from driftwatch.diff.constraints import CONSTRAINTS
from driftwatch.diff.indexes import INDEXES
from driftwatch.diff.members import Owner, renames_of
from driftwatch.diff.policies import POLICIES
from driftwatch.diff.rules import RULES
from driftwatch.diff.triggers import TRIGGERS

_SUB_OBJECTS = (
    "rls",
    "columns",
    "constraints",
    "indexes",
    "policies",
    "triggers",
    "rules",
    "grants",
)


def compare_rls(name: str, old: model.Rls, new: model.Rls) -> list[Change]:
    if old == new:
        return []
    weakened = (old.enabled and not new.enabled) or (old.forced and not new.forced)
    return [
        Change(
            "rls",
            name,
            MODIFIED,
            SECURITY if weakened else INFO,
            data(old),
            data(new),
            group=name,
        )
    ]


class TableComparator(Comparator[model.Table]):
    kind = "table"
    removed_severity = BREAKING
    renamed_severity = BREAKING
    skip_fields = _SUB_OBJECTS

    def modified(self, name: str, old: model.Table, new: model.Table, ctx: Context) -> list[Change]:
        out = super().modified(name, old, new, ctx)
        out += compare_rls(name, old.rls, new.rls)
        owner = Owner(name, ctx, rls=new.rls.enabled)
        col_changes = COLUMNS.compare(owner, old.columns, new.columns)
        out += col_changes
        mapping = {**ctx.table_renames, **renames_of(col_changes, "column")}
        owner = dataclasses.replace(owner, subst=ident_substituter(mapping))
        out += CONSTRAINTS.compare(owner, old.constraints, new.constraints)
        out += INDEXES.compare(owner, old.indexes, new.indexes)
        out += POLICIES.compare(owner, old.policies, new.policies)
        out += TRIGGERS.compare(owner, old.triggers, new.triggers)
        out += RULES.compare(owner, old.rules, new.rules)
        out += grants.compare(name, old.grants, new.grants, ctx, group=name)
        return out

    def shape(self, name: str, obj: model.Table) -> bytes | None:
        text = snapshot.canonical(data(obj)).decode()
        return ident_substituter({name: "\0"})(text).encode()
