"""Columns of a table.

Column order (``position``) is not drift unless ``strict_order``. A column that left one
name and appeared under another at the same position with everything else equal is one
``renamed`` change (``breaking``); the table comparator reads those renames
(``members.renames_of``) to see the old side's indexes, constraints and policies with the
new column names. Column privileges are grant changes on the column.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from driftwatch import model
from driftwatch.diff import grants
from driftwatch.diff.changes import BREAKING, INFO, Change, Severity
from driftwatch.diff.common import member
from driftwatch.diff.members import MemberComparator, Owner


class ColumnComparator(MemberComparator[model.Column]):
    kind = "column"
    renamed_severity = BREAKING

    def skipped(self, owner: Owner) -> Iterable[str]:
        return ("grants",) if owner.ctx.options.strict_order else ("grants", "position")

    def modified(
        self, owner: Owner, name: str, old: model.Column, new: model.Column
    ) -> list[Change]:
        return super().modified(owner, name, old, new) + grants.compare(
            member(owner.name, name), old.grants, new.grants, owner.ctx, group=owner.name
        )

    def added_severity(self, owner: Owner, obj: model.Column) -> Severity:
        required = (
            not obj.nullable and obj.default is None and obj.identity is None and not obj.generated
        )
        return BREAKING if required else INFO

    def removed_severity(self, owner: Owner, obj: model.Column) -> Severity:
        return BREAKING

    def modified_severity(
        self, owner: Owner, old: model.Column, new: model.Column, before: dict[str, Any]
    ) -> Severity:
        return BREAKING if "type" in before or (old.nullable and not new.nullable) else INFO


COLUMNS = ColumnComparator()
