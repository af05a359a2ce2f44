"""Domains: stricter domains (new base type, NOT NULL, new/changed CHECK) are ``breaking``."""

from __future__ import annotations

from typing import Any

from driftwatch import model
from driftwatch.diff.base import Comparator, plain_shape
from driftwatch.diff.changes import BREAKING, INFO, Severity


class DomainComparator(Comparator[model.Domain]):
    kind = "domain"
    removed_severity = BREAKING
    renamed_severity = BREAKING

    def modified_severity(
        self, old: model.Domain, new: model.Domain, before: dict[str, Any]
    ) -> Severity:
        stricter_checks = any(old.constraints.get(k) != v for k, v in new.constraints.items())
        if old.base_type != new.base_type or (old.nullable and not new.nullable) or stricter_checks:
            return BREAKING
        return INFO

    def shape(self, name: str, obj: model.Domain) -> bytes | None:
        return plain_shape(obj)
