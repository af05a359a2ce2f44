"""Indexes of tables and materialized views.

Indexes that back a constraint (primary key, unique, exclusion) are reported through the
constraint, not twice. A new UNIQUE index is ``breaking`` (it rejects duplicate writes).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from driftwatch import model
from driftwatch.diff.changes import BREAKING, INFO, Severity
from driftwatch.diff.members import MemberComparator, Owner


class IndexComparator(MemberComparator[model.Index]):
    kind = "index"
    definition_names_itself = True

    def members(self, objs: Mapping[str, model.Index]) -> Mapping[str, model.Index]:
        return {k: v for k, v in objs.items() if v.constraint is None}

    def fixed(self, owner: Owner, obj: model.Index) -> model.Index:
        subst = owner.subst
        return dataclasses.replace(
            obj,
            definition=subst(obj.definition),
            columns=tuple(subst(col) for col in obj.columns),
            include=tuple(subst(col) for col in obj.include),
            predicate=subst(obj.predicate) if obj.predicate else obj.predicate,
        )

    def added_severity(self, owner: Owner, obj: model.Index) -> Severity:
        return BREAKING if obj.unique else INFO

    def modified_severity(
        self, owner: Owner, old: model.Index, new: model.Index, before: dict[str, Any]
    ) -> Severity:
        return BREAKING if new.unique and not old.unique else INFO


INDEXES = IndexComparator()
