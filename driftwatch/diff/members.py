"""The comparator of one member kind: objects that live inside a table or view (columns,
constraints, indexes, policies, triggers, rules), keyed by their name within the owner.

Every member kind runs the same skeleton (``MemberComparator.compare``): split the names;
pair removed and added members whose rename key is equal and unique on both sides; one
change per remaining added, removed and modified member. The old side is read through
``fixed`` (renamed tables and columns spelled by their new names), so that a rename
elsewhere is not reported again on every member that names it. A member kind states only
what is its own: which members it compares, how its old side is fixed, what its rename
key leaves out, and its severities.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from driftwatch import snapshot
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
from driftwatch.diff.common import Context, data, delta, member, split_keys, unique_pairs

T = TypeVar("T")


def _same(text: str) -> str:
    return text


@dataclass(frozen=True)
class Owner:
    """The table or view whose members are compared, and how to read its old side."""

    name: str  # the owner's key: the group of every change, the prefix of every member
    ctx: Context
    subst: Callable[[str], str] = _same  # old identifiers → new ones in SQL text (renames)
    rls: bool = False  # row-level security is enabled on the owner's new side


class MemberComparator(Generic[T]):
    """Added / removed / renamed / modified members of one kind of one owner."""

    kind: ClassVar[Kind]
    renamed_severity: ClassVar[Severity] = INFO
    skip_fields: ClassVar[tuple[str, ...]] = ()  # compared elsewhere (column grants)
    detect_renames: ClassVar[bool] = True
    # The rename key is the member's canonical JSON, of these fields only when set ...
    shape_fields: ClassVar[tuple[str, ...] | None] = None
    # ... with the member's own name blanked in ``definition`` (CREATE INDEX name ON ...).
    definition_names_itself: ClassVar[bool] = False

    def compare(self, owner: Owner, old: Mapping[str, T], new: Mapping[str, T]) -> list[Change]:
        if old == new:
            return []
        old, new = self.members(old), self.members(new)
        added, removed, common = split_keys(old, new)
        out: list[Change] = []
        if self.detect_renames and owner.ctx.options.detect_renames and added and removed:
            pairs = unique_pairs(
                {n: self.shape(n, self.fixed(owner, old[n])) for n in removed},
                {n: self.shape(n, new[n]) for n in added},
            )
            for was, now in sorted(pairs.items()):
                out.append(
                    self.change(
                        owner, now, RENAMED, self.renamed_severity, {"name": was}, {"name": now}
                    )
                )
                added.remove(now)
                removed.remove(was)
        for n in added:
            out.append(
                self.change(owner, n, ADDED, self.added_severity(owner, new[n]), None, data(new[n]))
            )
        for n in removed:
            severity = self.removed_severity(owner, old[n])
            out.append(self.change(owner, n, REMOVED, severity, data(old[n]), None))
        for n in common:
            if old[n] != new[n]:
                out += self.modified(owner, n, old[n], new[n])
        return out

    def modified(self, owner: Owner, name: str, old: T, new: T) -> list[Change]:
        before, after = delta(self.fixed(owner, old), new, skip=self.skipped(owner))
        if not before:
            return []
        severity = self.modified_severity(owner, old, new, before)
        return [self.change(owner, name, MODIFIED, severity, before, after)]

    def members(self, objs: Mapping[str, T]) -> Mapping[str, T]:
        """The members this kind reports (indexes: not those that back a constraint)."""
        return objs

    def fixed(self, owner: Owner, obj: T) -> T:
        """An old-side member as the new side would spell it after the owner's renames."""
        return obj

    def skipped(self, owner: Owner) -> Iterable[str]:
        return self.skip_fields

    def shape(self, name: str, obj: T) -> bytes:
        """The rename key: equal for a member that only changed its name."""
        fields: dict[str, Any] = data(obj)
        if self.shape_fields is not None:
            fields = {k: fields[k] for k in self.shape_fields}
        if self.definition_names_itself:
            fields = {**fields, "definition": fields["definition"].replace(name, "\0")}
        return snapshot.canonical(fields)

    def added_severity(self, owner: Owner, obj: T) -> Severity:
        return INFO

    def removed_severity(self, owner: Owner, obj: T) -> Severity:
        return INFO

    def modified_severity(self, owner: Owner, old: T, new: T, before: dict[str, Any]) -> Severity:
        return INFO

    def change(
        self,
        owner: Owner,
        name: str,
        change: ChangeType,
        severity: Severity,
        before: Any,
        after: Any,
    ) -> Change:
        return Change(
            self.kind, member(owner.name, name), change, severity, before, after, group=owner.name
        )


def renames_of(changes: Iterable[Change], kind: Kind) -> dict[str, str]:
    """The old → new names of the members of ``kind`` that ``changes`` report renamed."""
    return {
        ch.before["name"]: ch.after["name"]
        for ch in changes
        if ch.kind == kind and ch.change == RENAMED
    }
