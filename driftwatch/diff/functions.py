"""Functions and procedures, keyed ``schema.name(identity args)``.

``SECURITY DEFINER`` switched on (or a new SECURITY DEFINER function) is ``security``;
a changed result type or kind is ``breaking``; a dropped function is ``breaking`` (its
callers fail). The body is reported, its digest is not (it says the same thing).
"""

from __future__ import annotations

from typing import Any

from driftwatch import model
from driftwatch.diff import grants
from driftwatch.diff.base import Comparator, plain_shape
from driftwatch.diff.changes import ADDED, BREAKING, INFO, SECURITY, Change, Severity
from driftwatch.diff.common import Context, data


class FunctionComparator(Comparator[model.Function]):
    kind = "function"
    removed_severity = BREAKING
    renamed_severity = BREAKING
    skip_fields = ("grants", "body_digest")

    def added(self, name: str, obj: model.Function, ctx: Context) -> list[Change]:
        severity: Severity = SECURITY if obj.security_definer else INFO
        return [self.change(name, ADDED, severity, None, data(obj))]

    def modified(
        self, name: str, old: model.Function, new: model.Function, ctx: Context
    ) -> list[Change]:
        return super().modified(name, old, new, ctx) + grants.compare(
            name, old.grants, new.grants, ctx, group=name
        )

    def modified_severity(
        self, old: model.Function, new: model.Function, before: dict[str, Any]
    ) -> Severity:
        if new.security_definer and not old.security_definer:
            return SECURITY
        if old.returns != new.returns or old.kind != new.kind:
            return BREAKING
        return INFO

    def shape(self, name: str, obj: model.Function) -> bytes | None:
        return plain_shape(obj)
