"""Table groups (``config/table-groups.toml``): group name, prefix patterns, description.

Patterns are shell globs (``organizations*``, ``customer_*``, ``*_analytics``) matched
against the bare table name, or against ``schema.table`` when the pattern holds a dot.
Groups are tried in file order and the first match wins; tables matching none land in
"Other".
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from driftwatch import idents
from driftwatch.errors import ConfigError
from driftwatch.fileio import read_input, toml_of

OTHER = "Other"


@dataclass(frozen=True, slots=True)
class TableGroup:
    name: str
    patterns: tuple[str, ...]
    description: str = ""

    def matches(self, qualified: str) -> bool:
        bare = idents.split_key(qualified)[1] or qualified
        return any(fnmatch.fnmatchcase(qualified if "." in p else bare, p) for p in self.patterns)


def parse_groups(data: dict[str, Any], source: str) -> tuple[TableGroup, ...]:
    groups = data.get("groups", [])
    unknown = sorted(set(data) - {"groups"})
    if unknown:
        raise ConfigError(f"{source}: unknown key(s) {', '.join(unknown)} (expected [[groups]])")
    if not isinstance(groups, list):
        raise ConfigError(f"{source}: 'groups' must be an array of tables ([[groups]])")
    result: list[TableGroup] = []
    seen: set[str] = set()
    for i, g in enumerate(groups):
        where = f"{source}: groups[{i}]"
        if not isinstance(g, dict):
            raise ConfigError(f"{where}: expected a table")
        extra = sorted(set(g) - {"name", "patterns", "description"})
        if extra:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(extra)}")
        name, patterns, desc = g.get("name"), g.get("patterns"), g.get("description", "")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"{where}: 'name' must be a non-empty string")
        if name in seen or name == OTHER:
            raise ConfigError(f"{where}: duplicate or reserved group name {name!r}")
        seen.add(name)
        if (
            not isinstance(patterns, list)
            or not patterns
            or not all(isinstance(p, str) and p for p in patterns)
        ):
            raise ConfigError(f"{where} ({name}): 'patterns' must be a non-empty list of strings")
        if not isinstance(desc, str):
            raise ConfigError(f"{where} ({name}): 'description' must be a string")
        result.append(TableGroup(name, tuple(patterns), desc))
    return tuple(result)


def load_groups(path: str | Path | None) -> tuple[TableGroup, ...]:
    """The groups of ``path``; no file (or None) means no groups: everything is "Other"."""
    if path is None:
        return ()
    p = Path(path)
    if not p.is_file():
        return ()
    raw = read_input(p, what="table groups file", kind="file_size", error=ConfigError)
    data = toml_of(raw, p)
    return parse_groups(data, str(p))


def group_of(qualified: str, groups: tuple[TableGroup, ...]) -> str:
    for g in groups:
        if g.matches(qualified):
            return g.name
    return OTHER


def _compiled(patterns: Iterable[str]) -> re.Pattern[str] | None:
    parts = [fnmatch.translate(p) for p in patterns]
    return re.compile("|".join(f"(?:{p})" for p in parts)) if parts else None


def classify(
    keys: Iterable[str],
    groups: tuple[TableGroup, ...],
    split: Callable[[str], tuple[str, str]] = idents.split_key,
) -> dict[str, str]:
    """``group_of`` of every key, with each group's patterns compiled to one expression
    per form (bare name, ``schema.table``) and each key split once."""
    compiled = [
        (
            g.name,
            _compiled(p for p in g.patterns if "." not in p),
            _compiled(p for p in g.patterns if "." in p),
        )
        for g in groups
    ]
    out: dict[str, str] = {}
    for key in keys:
        bare = split(key)[1] or key
        out[key] = next(
            (
                name
                for name, by_bare, by_qualified in compiled
                if (by_bare is not None and by_bare.match(bare))
                or (by_qualified is not None and by_qualified.match(key))
            ),
            OTHER,
        )
    return out
