"""Sequences: parameters, ownership (``OWNED BY``, followed through table renames), grants."""

from __future__ import annotations

import dataclasses

from driftwatch import model
from driftwatch.diff import grants
from driftwatch.diff.base import Comparator
from driftwatch.diff.changes import BREAKING, Change
from driftwatch.diff.common import Context


class SequenceComparator(Comparator[model.Sequence]):
    kind = "sequence"
    removed_severity = BREAKING
    skip_fields = ("grants",)

    def modified(
        self, name: str, old: model.Sequence, new: model.Sequence, ctx: Context
    ) -> list[Change]:
        if old.owned_by and ctx.table_renames:
            table, _, column = old.owned_by.rpartition(".")
            old = dataclasses.replace(old, owned_by=f"{ctx.renamed_table(table)}.{column}")
        return super().modified(name, old, new, ctx) + grants.compare(
            name, old.grants, new.grants, ctx, group=name
        )
