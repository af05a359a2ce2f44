"""Noise control: partitions reported on their parent, and ignore rules.

* A partition added to (or detached/dropped from) a partitioned table that exists on both
  sides is one ``partition`` change on the parent (``info``), not a new table.
* A change that a partitioned table passes on to its partitions (a column added to the
  parent appears on every partition; an index or constraint on the parent is cloned onto
  each partition) is reported once, on the parent.
* Ignore rules (config ``[diff]`` and ``--ignore-*`` flags) drop changes by schema glob,
  object glob (matched against the object and the table it belongs to) or kind; each
  ignored change is kept with the rule that dropped it, for ``--verbose`` output.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase
from typing import Any

import orjson

from driftwatch.diff.changes import ADDED, INFO, REMOVED, Change, Ignored
from driftwatch.diff.common import DiffOptions, schema_of


def partition_change(parent: str, name: str, bound: str | None, *, added: bool) -> Change:
    info = {"partition": name, "bound": bound}
    return Change(
        "partition",
        parent,
        ADDED if added else REMOVED,
        INFO,
        None if added else info,
        info if added else None,
        group=parent,
    )


def _local(change: Change) -> str:
    return change.object[len(change.group) + 1 :] if change.group else change.object


def fold_partitions(
    changes: list[Change], old_tables: Mapping[str, Any], new_tables: Mapping[str, Any]
) -> list[Change]:
    """Drop the changes of partitions that repeat a change of their parent (JSON-native
    ``tables`` maps of both sides)."""
    parent_of: dict[str, str] = {}
    groups = {ch.group for ch in changes}
    for tables in (old_tables, new_tables):
        for name in groups:
            parent = (tables.get(name) or {}).get("partition_of")
            if parent and parent in old_tables and parent in new_tables:
                parent_of[name] = parent
    if not parent_of:
        return changes
    on_parent: set[tuple[str, str, str]] = set()
    on_parent_exact: set[tuple[str, str, str, str, bytes]] = set()
    for ch in changes:
        on_parent.add((ch.group, ch.kind, ch.change))
        on_parent_exact.add(
            (ch.group, ch.kind, ch.change, _local(ch), orjson.dumps([ch.before, ch.after]))
        )
    out = []
    for ch in changes:
        parent = parent_of.get(ch.group)
        if parent is not None and ch.object != ch.group:
            if ch.kind in ("column", "grant"):
                key = (parent, ch.kind, ch.change, _local(ch), orjson.dumps([ch.before, ch.after]))
                if key in on_parent_exact:
                    continue
            elif ch.kind in ("index", "constraint", "trigger") and (
                (parent, ch.kind, ch.change) in on_parent
            ):
                continue
        out.append(ch)
    return out


def ignore_rule(change: Change, options: DiffOptions) -> str | None:
    """The ignore rule that drops ``change``, or None."""
    if change.kind in options.ignore_kinds:
        return f"kind {change.kind}"
    if change.kind != "extension":
        schema = schema_of(change.object)
        for glob in options.ignore_schemas:
            if fnmatchcase(schema, glob):
                return f"schema {glob}"
    for glob in options.ignore_objects:
        if fnmatchcase(change.object, glob) or (change.group and fnmatchcase(change.group, glob)):
            return f"object {glob}"
    return None


def apply_ignores(
    changes: Iterable[Change], options: DiffOptions
) -> tuple[list[Change], list[Ignored]]:
    kept: list[Change] = []
    ignored: list[Ignored] = []
    active = options.ignore_kinds or options.ignore_schemas or options.ignore_objects
    for ch in changes:
        rule = ignore_rule(ch, options) if active else None
        if rule is None:
            kept.append(ch)
        else:
            ignored.append(Ignored(ch, rule))
    ignored.sort(key=lambda i: i.change.sort_key())
    return kept, ignored
