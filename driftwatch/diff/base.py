"""The comparator of a top-level object kind (an ``Objects`` field): one subclass per kind,
one signature for all (``name, object(s), Context``). Members of tables and views have
their own level: ``members.MemberComparator``."""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar

from driftwatch import snapshot as snapmod
from driftwatch.diff.changes import (
    ADDED,
    INFO,
    MODIFIED,
    REMOVED,
    RENAMED,
    Change,
    ChangeType,
    Kind,
    Severity,
)
from driftwatch.diff.common import Context, data, delta

T = TypeVar("T")


class Comparator(Generic[T]):
    """Default behaviour: one change per added/removed object, one per modified object.

    Subclasses set ``kind`` and the severities, and override ``modified`` (and ``shape``
    when a renamed object can be told apart from drop + add).
    """

    kind: ClassVar[Kind]
    added_severity: ClassVar[Severity] = INFO
    removed_severity: ClassVar[Severity] = INFO
    renamed_severity: ClassVar[Severity] = INFO
    skip_fields: ClassVar[tuple[str, ...]] = ()  # compared elsewhere (grants, sub-objects)

    def added(self, name: str, obj: T, ctx: Context) -> list[Change]:
        return [self.change(name, ADDED, self.added_severity, None, data(obj))]

    def removed(self, name: str, obj: T, ctx: Context) -> list[Change]:
        return [self.change(name, REMOVED, self.removed_severity, data(obj), None)]

    def renamed(self, old_name: str, new_name: str, old: T, new: T, ctx: Context) -> list[Change]:
        out = [
            self.change(
                new_name, RENAMED, self.renamed_severity, {"name": old_name}, {"name": new_name}
            )
        ]
        return out + self.modified(new_name, old, new, ctx)

    def modified(self, name: str, old: T, new: T, ctx: Context) -> list[Change]:
        before, after = delta(old, new, skip=self.skip_fields)
        if not before:
            return []
        return [
            self.change(name, MODIFIED, self.modified_severity(old, new, before), before, after)
        ]

    def modified_severity(self, old: T, new: T, before: dict[str, Any]) -> Severity:
        return INFO

    def shape(self, name: str, obj: T) -> bytes | None:
        """A rename-detection key (equal for a renamed object), or None to never detect."""
        return None

    def change(
        self, name: str, change: ChangeType, severity: Severity, before: Any, after: Any
    ) -> Change:
        return Change(self.kind, name, change, severity, before, after, group=name)


def plain_shape(obj: Any) -> bytes:
    return snapmod.canonical(data(obj))
