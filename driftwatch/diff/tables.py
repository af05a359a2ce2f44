"""Tables: the table itself plus one sub-comparator per attached kind.

Sub-comparators: ``columns``, ``constraints``, ``indexes``, ``policies``, ``triggers``,
``rules``, ``grants`` and RLS (below). RLS switched off or un-forced is ``security``; a dropped or
renamed table is ``breaking``. A renamed table keeps everything but its name (constraint,
index and trigger definitions are compared with the old name replaced by the new one).
"""

from __future__ import annotations

from driftwatch import model, snapshot
from driftwatch.diff import columns, constraints, grants, indexes, policies, rules, triggers
from driftwatch.diff.base import Comparator
from driftwatch.diff.changes import BREAKING, INFO, MODIFIED, SECURITY, Change
from driftwatch.diff.common import Context, data, ident_substituter

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
        col_changes, col_renames = columns.compare(name, old.columns, new.columns, ctx)
        out += col_changes
        mapping = {**ctx.table_renames, **col_renames}
        subst = ident_substituter(mapping)
        renames = ctx.options.detect_renames
        out += constraints.compare(name, old.constraints, new.constraints, ctx, subst=subst)
        out += indexes.compare(name, old.indexes, new.indexes, subst=subst, detect_renames=renames)
        out += policies.compare(
            name, old.policies, new.policies, subst=subst, detect_renames=renames
        )
        out += triggers.compare(
            name, old.triggers, new.triggers, subst=subst, detect_renames=renames
        )
        out += rules.compare(name, old.rules, new.rules, rls=new.rls.enabled, subst=subst)
        out += grants.compare(name, old.grants, new.grants, ctx, group=name)
        return out

    def shape(self, name: str, obj: model.Table) -> bytes | None:
        text = snapshot.canonical(data(obj)).decode()
        return ident_substituter({name: "\0"})(text).encode()
