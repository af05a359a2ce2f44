"""Helpers every comparator shares: options, set algebra, field deltas, rename substitution."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from driftwatch import config as configmod
from driftwatch import idents, model

V = TypeVar("V")

DEFAULT_APP_ROLES: tuple[str, ...] = ("anon", "authenticated")


@dataclass(frozen=True)
class DiffOptions:
    """Knobs of the diff engine (config ``[diff]`` and command-line flags)."""

    strict_order: bool = False  # report column position changes
    app_roles: tuple[str, ...] = DEFAULT_APP_ROLES  # a grant to these (or PUBLIC) is security
    detect_renames: bool = True
    ignore_schemas: tuple[str, ...] = ()  # globs on the schema part of an object name
    ignore_objects: tuple[str, ...] = ()  # globs on the full object name
    ignore_kinds: tuple[str, ...] = ()  # change kinds: "grant", "index", ...
    # tenancy settings the policy verdicts read (claim, tenant column); None: the defaults
    config: configmod.Config | None = field(default=None, compare=False)


@dataclass
class Context:
    """Per-diff state handed to comparators: options plus the renames found so far."""

    options: DiffOptions = field(default_factory=DiffOptions)
    table_renames: dict[str, str] = field(default_factory=dict)  # old qualified → new

    def renamed_table(self, name: str) -> str:
        return self.table_renames.get(name, name)


def split_keys(
    old: Mapping[str, V], new: Mapping[str, V]
) -> tuple[list[str], list[str], list[str]]:
    """Sorted (added, removed, common) keys."""
    old_keys = old.keys()
    new_keys = new.keys()
    return (
        sorted(new_keys - old_keys),
        sorted(old_keys - new_keys),
        sorted(old_keys & new_keys),
    )


def data(obj: Any) -> Any:
    return model.to_data(obj)


def delta(old: Any, new: Any, *, skip: Iterable[str] = ()) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields of two dataclass objects that differ, as (before, after) JSON-native dicts."""
    skipped = set(skip)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name in field_names(old):
        if name in skipped:
            continue
        a, b = getattr(old, name), getattr(new, name)
        if a != b:
            before[name] = data(a)
            after[name] = data(b)
    return before, after


_FIELDS: dict[type, tuple[str, ...]] = {}


def field_names(obj: Any) -> tuple[str, ...]:
    names = _FIELDS.get(type(obj))
    if names is None:
        names = _FIELDS[type(obj)] = tuple(f.name for f in dataclasses.fields(obj))
    return names


def schema_of(name: str) -> str:
    """The (raw) schema of a qualified key."""
    return idents.split_key(name)[0]


def member(owner: str, name: str) -> str:
    """The change object of a member of ``owner`` (a column, policy ...): the owner's key,
    a dot and the member's name quoted as an identifier, so that members stay apart from
    each other and from their owners whatever their names (``public.t."a.b"``)."""
    return f"{owner}.{idents.quote(name)}"


_IDENT_CACHE: dict[tuple[tuple[str, str], ...], Callable[[str], str]] = {}


def ident_substituter(mapping: Mapping[str, str]) -> Callable[[str], str]:
    """A function replacing whole identifiers ``old`` by ``new`` in SQL text (for renames)."""
    key = tuple(sorted(mapping.items()))
    fn = _IDENT_CACHE.get(key)
    if fn is None:
        if not mapping:
            fn = lambda s: s  # noqa: E731
        else:
            pattern = re.compile(
                r'(?<![\w$"])("?)('
                + "|".join(re.escape(k) for k in sorted(mapping, key=len, reverse=True))
                + r')\1(?![\w$"])'
            )
            table = dict(mapping)
            fn = lambda s: pattern.sub(lambda m: m.group(1) + table[m.group(2)] + m.group(1), s)  # noqa: E731
        _IDENT_CACHE[key] = fn
    return fn


def unique_pairs(removed: dict[str, Any], added: dict[str, Any]) -> dict[str, str]:
    """Match removed→added names whose shape keys are equal and unique on both sides."""
    by_shape_old: dict[Any, list[str]] = {}
    by_shape_new: dict[Any, list[str]] = {}
    for name, shape in removed.items():
        by_shape_old.setdefault(shape, []).append(name)
    for name, shape in added.items():
        by_shape_new.setdefault(shape, []).append(name)
    pairs: dict[str, str] = {}
    for shape, olds in by_shape_old.items():
        news = by_shape_new.get(shape, [])
        if len(olds) == 1 and len(news) == 1:
            pairs[olds[0]] = news[0]
    return pairs
