"""Enum types: a removed (or renamed) label is ``breaking``; added labels are ``info``."""

from __future__ import annotations

from typing import Any

from driftwatch import model
from driftwatch.diff.base import Comparator, plain_shape
from driftwatch.diff.changes import BREAKING, INFO, Severity


class EnumComparator(Comparator[model.Enum]):
    kind = "enum"
    removed_severity = BREAKING
    renamed_severity = BREAKING

    def modified_severity(
        self, old: model.Enum, new: model.Enum, before: dict[str, Any]
    ) -> Severity:
        return BREAKING if set(old.labels) - set(new.labels) else INFO

    def shape(self, name: str, obj: model.Enum) -> bytes | None:
        return plain_shape(obj)
