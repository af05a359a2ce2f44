"""Schemas: owner, comment and privileges (``USAGE``/``CREATE``)."""

from __future__ import annotations

from driftwatch import model
from driftwatch.diff import grants
from driftwatch.diff.base import Comparator
from driftwatch.diff.changes import Change
from driftwatch.diff.common import Context


class SchemaComparator(Comparator[model.Schema]):
    kind = "schema"
    skip_fields = ("grants",)

    def modified(
        self, name: str, old: model.Schema, new: model.Schema, ctx: Context
    ) -> list[Change]:
        return super().modified(name, old, new, ctx) + grants.compare(
            name, old.grants, new.grants, ctx, group=name
        )
