"""Composite and range types. Dropping one, or removing or retyping an attribute of a
composite type, is ``breaking`` (columns, functions and casts use them); the rest ``info``.
"""

from __future__ import annotations

from typing import Any

from driftwatch import model
from driftwatch.diff.base import Comparator, plain_shape
from driftwatch.diff.changes import BREAKING, INFO, Severity


class CompositeTypeComparator(Comparator[model.CompositeType]):
    kind = "composite_type"
    removed_severity = BREAKING
    renamed_severity = BREAKING

    def modified_severity(
        self, old: model.CompositeType, new: model.CompositeType, before: dict[str, Any]
    ) -> Severity:
        for name, attribute in old.attributes.items():
            now = new.attributes.get(name)
            if now is None or now.type != attribute.type:
                return BREAKING
        return INFO

    def shape(self, name: str, obj: model.CompositeType) -> bytes | None:
        return plain_shape(obj)


class RangeTypeComparator(Comparator[model.RangeType]):
    kind = "range_type"
    removed_severity = BREAKING
    renamed_severity = BREAKING

    def modified_severity(
        self, old: model.RangeType, new: model.RangeType, before: dict[str, Any]
    ) -> Severity:
        return BREAKING if "subtype" in before else INFO
