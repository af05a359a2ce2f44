"""Typed change records: what a diff reports, and how it serialises to ``driftwatch.diff/1``.

A :class:`Change` says *what kind* of object changed (``table``, ``column``, ``policy`` …),
*which* object (qualified; objects attached to a table are ``schema.table.name``), *how*
(``added`` / ``removed`` / ``modified`` / ``renamed``), what it looked like before and after
(JSON-native data; for ``modified`` only the fields that changed, and ``fields()``: the
leaves that changed inside those that are lists or maps) and how much it matters
(``breaking`` / ``security`` / ``info``, see ``docs/diff.md``).
"""

from __future__ import annotations

import typing
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import orjson

from driftwatch.diff.fields import FieldChange, field_changes, has_nested

FORMAT = "driftwatch.diff/1"

ChangeType = Literal["added", "removed", "modified", "renamed"]
ADDED: Final = "added"
REMOVED: Final = "removed"
MODIFIED: Final = "modified"
RENAMED: Final = "renamed"
CHANGE_TYPES: tuple[ChangeType, ...] = typing.get_args(ChangeType)

Severity = Literal["security", "breaking", "info"]
BREAKING: Final = "breaking"
SECURITY: Final = "security"
INFO: Final = "info"
SEVERITIES: tuple[Severity, ...] = (SECURITY, BREAKING, INFO)  # most urgent first

# What a policy change does to access (``verdicts``), in report order.
PolicyVerdict = Literal["loosened", "changed", "tightened", "equivalent"]
VERDICTS: tuple[PolicyVerdict, ...] = typing.get_args(PolicyVerdict)

# The kinds of changed object, in the order changes of one group are listed.
Kind = Literal[
    "role",
    "schema",
    "extension",
    "enum",
    "domain",
    "composite_type",
    "range_type",
    "collation",
    "operator",
    "sequence",
    "table",
    "partition",
    "column",
    "constraint",
    "index",
    "rls",
    "policy",
    "trigger",
    "rule",
    "grant",
    "view",
    "materialized_view",
    "function",
    "statistics",
    "publication",
    "event_trigger",
]
KINDS: tuple[Kind, ...] = typing.get_args(Kind)


def unknown_kinds(kinds: Iterable[str]) -> str | None:
    """What is wrong with ``kinds`` as change kinds (``--ignore-kind``, ``[diff]
    ignore_kinds``): the unknown ones and the known ones, in one line; None when none is."""
    unknown = sorted(set(kinds) - set(KINDS))
    if not unknown:
        return None
    return f"unknown change kind(s) {', '.join(unknown)} (known: {', '.join(KINDS)})"


_KIND_RANK = {kind: rank for rank, kind in enumerate(KINDS)}
_CHANGE_RANK = {change: rank for rank, change in enumerate(CHANGE_TYPES)}


@dataclass(frozen=True, slots=True)
class Change:
    kind: Kind
    object: str
    change: ChangeType
    severity: Severity
    before: Any = None
    after: Any = None
    group: str = ""  # the table (or top-level object) the change belongs to, for grouping
    verdict: PolicyVerdict | None = None  # policies: loosened / tightened / equivalent / changed
    why: tuple[str, ...] = ()  # policies: what made the verdict

    def to_data(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "object": self.object,
            "change": self.change,
            "before": self.before,
            "after": self.after,
            "severity": self.severity,
        }
        if self.verdict is not None:
            out["verdict"] = self.verdict
            out["why"] = list(self.why)
        detail = self.fields()
        if detail:
            out["fields"] = [fc.to_data() for fc in detail]
        return out

    def fields(self) -> tuple[FieldChange, ...]:
        """What changed inside a ``modified`` object whose changed fields hold a list or a
        map (``fields.field_changes``), leaf by leaf; empty for any other change."""
        if self.change != MODIFIED or not has_nested(self.before, self.after):
            return ()
        return field_changes(self.before, self.after)

    def sort_key(self) -> tuple[str, int, str, int, bytes, bytes]:
        return (
            self.group or self.object,
            _KIND_RANK[self.kind],
            self.object,
            _CHANGE_RANK[self.change],
            orjson.dumps(self.before, option=orjson.OPT_SORT_KEYS),
            orjson.dumps(self.after, option=orjson.OPT_SORT_KEYS),
        )


@dataclass(frozen=True, slots=True)
class Ignored:
    """A change that an ignore rule removed from the report, and the rule that did it."""

    change: Change
    rule: str  # e.g. "schema glob 'audit*'"


@dataclass(frozen=True, slots=True)
class DiffResult:
    from_digest: str
    to_digest: str
    changes: tuple[Change, ...]
    ignored: tuple[Ignored, ...] = field(default=())

    def __bool__(self) -> bool:
        return bool(self.changes)

    def counts(self) -> dict[str, int]:
        """Change count by severity, plus ``total`` (every key always present)."""
        c = Counter(ch.severity for ch in self.changes)
        out: dict[str, int] = {sev: c.get(sev, 0) for sev in SEVERITIES}
        out["total"] = len(self.changes)
        return out

    def policy_verdicts(self) -> dict[str, int]:
        """Policy changes by verdict (loosened / changed / tightened / equivalent)."""
        c = Counter(ch.verdict for ch in self.changes if ch.verdict is not None)
        return {v: c.get(v, 0) for v in VERDICTS}

    def to_data(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "from": self.from_digest,
            "to": self.to_digest,
            "changes": [ch.to_data() for ch in self.changes],
        }


def sort_changes(changes: Iterable[Change]) -> tuple[Change, ...]:
    return tuple(sorted(changes, key=Change.sort_key))


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
