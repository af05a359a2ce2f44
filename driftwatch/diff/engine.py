"""The diff engine: digest prefilter, sorted set algebra, one comparator per object kind.

For each kind of top-level object (``Objects`` field) the engine

1. splits the names into added / removed / common by set algebra;
2. keeps the common objects whose per-object digest differs (sha256 of the object's
   canonical JSON; identical objects are skipped without looking inside, which is what
   makes a 10,000-table diff with a handful of changes fast);
3. pairs removed and added objects of the same shape as renames (tables first, so the
   other kinds can follow a renamed table);
4. hands each remaining object to the kind's comparator, which descends only into it.

Then partitions and ignore rules are applied (``noise``), and the changes are sorted.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from typing import Any

from driftwatch import model
from driftwatch import snapshot as snapmod
from driftwatch.diff.base import Comparator
from driftwatch.diff.catalog import CollationComparator, OperatorComparator, StatisticsComparator
from driftwatch.diff.changes import Change, DiffResult, sort_changes
from driftwatch.diff.common import Context, DiffOptions, split_keys, unique_pairs
from driftwatch.diff.domains import DomainComparator
from driftwatch.diff.enums import EnumComparator
from driftwatch.diff.event_triggers import EventTriggerComparator
from driftwatch.diff.extensions import ExtensionComparator
from driftwatch.diff.functions import FunctionComparator
from driftwatch.diff.noise import apply_ignores, fold_partitions, partition_change
from driftwatch.diff.publications import PublicationComparator
from driftwatch.diff.roles import RoleComparator
from driftwatch.diff.schemas import SchemaComparator
from driftwatch.diff.sequences import SequenceComparator
from driftwatch.diff.tables import TableComparator
from driftwatch.diff.types import CompositeTypeComparator, RangeTypeComparator
from driftwatch.diff.views import MaterializedViewComparator, ViewComparator
from driftwatch.objectgroup import ObjectGroup, same

# Order matters: tables before the kinds that refer to tables (sequences OWNED BY).
COMPARATORS: dict[str, Comparator[Any]] = {
    "tables": TableComparator(),
    "schemas": SchemaComparator(),
    "extensions": ExtensionComparator(),
    "enums": EnumComparator(),
    "domains": DomainComparator(),
    "sequences": SequenceComparator(),
    "views": ViewComparator(),
    "materialized_views": MaterializedViewComparator(),
    "functions": FunctionComparator(),
    "roles": RoleComparator(),
    "composite_types": CompositeTypeComparator(),
    "range_types": RangeTypeComparator(),
    "collations": CollationComparator(),
    "operators": OperatorComparator(),
    "statistics": StatisticsComparator(),
    "publications": PublicationComparator(),
    "event_triggers": EventTriggerComparator(),
}
assert set(COMPARATORS) == set(model.OBJECT_KINDS)

_CLASSES: dict[str, type] = {
    kind: typing.get_args(hint)[1] for kind, hint in typing.get_type_hints(model.Objects).items()
}


def object_digest(data: Any) -> str:
    """The per-object digest: sha256 of the object's canonical JSON (``snapshot.digest_of``)."""
    return snapmod.digest_of(data)


def changed_common(old: Mapping[str, Any], new: Mapping[str, Any], common: list[str]) -> list[str]:
    """The common names whose objects differ, by per-object digest (identical objects —
    nearly all of them — are never looked into, nor decoded when the side is an
    ``ObjectGroup`` that knows its objects' digests or canonical JSON)."""
    out = []
    lazy = isinstance(old, ObjectGroup) or isinstance(new, ObjectGroup)
    for name in common:
        if not lazy and old[name] is new[name]:
            continue
        if not same(old, new, name):
            out.append(name)
    return out


def _prefetch(group: Mapping[str, Any], keys: list[str]) -> None:
    if isinstance(group, ObjectGroup):
        group.prefetch(keys)


def _data_of(snap: model.Snapshot | model.Objects) -> Mapping[str, Any]:
    if isinstance(snap, model.Objects):
        data: Mapping[str, Any] = model.to_data(snap)
        return data
    return snap.data


def diff_data(
    old: Mapping[str, Any], new: Mapping[str, Any], options: DiffOptions | None = None
) -> list[Change]:
    """Changes between two JSON-native ``objects`` trees (unsorted, before noise control),
    policy changes with their verdict (``verdicts``)."""
    ctx = Context(options or DiffOptions())
    changes: list[Change] = []
    for kind, comparator in COMPARATORS.items():
        if kind == "roles" and ("roles" not in old or "roles" not in new):
            continue  # a snapshot from before roles were read: unknown, not "all added"
        cls = _CLASSES[kind]
        old_map: Mapping[str, Any] = old.get(kind) or {}
        new_map: Mapping[str, Any] = new.get(kind) or {}
        added, removed, common = split_keys(old_map, new_map)
        modified = changed_common(old_map, new_map, common)
        _prefetch(old_map, removed + modified)
        _prefetch(new_map, added + modified)
        if kind == "tables":
            added, removed, partition_changes = _partition_split(old_map, new_map, added, removed)
            changes += partition_changes
        olds: dict[str, Any] = {n: model.from_data(cls, old_map[n]) for n in removed}
        news: dict[str, Any] = {n: model.from_data(cls, new_map[n]) for n in added}
        if ctx.options.detect_renames and added and removed:
            old_shapes = {n: comparator.shape(n, o) for n, o in olds.items()}
            new_shapes = {n: comparator.shape(n, o) for n, o in news.items()}
            pairs = unique_pairs(
                {n: sh for n, sh in old_shapes.items() if sh is not None},
                {n: sh for n, sh in new_shapes.items() if sh is not None},
            )
            if kind == "tables":
                ctx.table_renames.update(pairs)
            for was, now in sorted(pairs.items()):
                changes += comparator.renamed(was, now, olds.pop(was), news.pop(now), ctx)
        for n, obj in news.items():
            changes += comparator.added(n, obj, ctx)
        for n, obj in olds.items():
            changes += comparator.removed(n, obj, ctx)
        for n in modified:
            a: Any = model.from_data(cls, old_map[n])
            b: Any = model.from_data(cls, new_map[n])
            changes += comparator.modified(n, a, b, ctx)
    if not any(ch.kind == "policy" for ch in changes):
        return changes  # the verdicts need the policy analyser (pglast, the rules): not here
    from driftwatch.diff import verdicts

    return verdicts.classify(changes, old, new, ctx.table_renames, ctx.options.config)


def _partition_split(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    added: list[str],
    removed: list[str],
) -> tuple[list[str], list[str], list[Change]]:
    """Take partitions of a partitioned table present on both sides out of added/removed."""
    out: list[Change] = []
    keep_added = []
    for n in added:
        parent = new[n].get("partition_of")
        if parent and parent in old and parent in new:
            out.append(partition_change(parent, n, new[n].get("partition_bound"), added=True))
        else:
            keep_added.append(n)
    keep_removed = []
    for n in removed:
        parent = old[n].get("partition_of")
        if parent and parent in old and parent in new:
            out.append(partition_change(parent, n, old[n].get("partition_bound"), added=False))
        else:
            keep_removed.append(n)
    return keep_added, keep_removed, out


def diff(
    old: model.Snapshot | model.Objects,
    new: model.Snapshot | model.Objects,
    options: DiffOptions | None = None,
) -> DiffResult:
    """Every change between two snapshots (or ``Objects``), sorted; ignored changes apart."""
    opts = options or DiffOptions()
    old_data, new_data = _data_of(old), _data_of(new)
    old_digest = old.digest if isinstance(old, model.Snapshot) else snapmod.digest_of(old_data)
    new_digest = new.digest if isinstance(new, model.Snapshot) else snapmod.digest_of(new_data)
    if old_digest == new_digest:
        return DiffResult(old_digest, new_digest, ())
    changes = diff_data(old_data, new_data, opts)
    changes = fold_partitions(changes, old_data.get("tables") or {}, new_data.get("tables") or {})
    kept, ignored = apply_ignores(changes, opts)
    return DiffResult(old_digest, new_digest, sort_changes(kept), tuple(ignored))
