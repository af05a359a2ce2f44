"""Which migration layout a folder uses, and the order its files apply in.

Layouts (one per folder; mixing them is an error):

* ``supabase``: ``<14-digit timestamp>_<name>.sql`` (``supabase/migrations``);
* ``flyway``: ``V<version>__<name>.sql`` with versions compared numerically by their
  dotted/underscored parts (``V1_10`` after ``V1_9``; ``V1.0`` equals ``V1``), then the
  repeatable ``R__<name>.sql`` files, sorted by name. ``U…`` (undo) files are not applied;
* ``numbered``: ``NNN_name.sql``, compared numerically;
* ``single``: one schema file (a file path, or a folder holding one ``.sql`` file).

Only ``*.sql`` files directly in the folder count; other files (README, .gitkeep) are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from driftwatch.migrations.errors import MigrationLayoutError

_SUPABASE = re.compile(r"^(?P<v>\d{14})_(?P<name>.+)\.sql$", re.IGNORECASE)
_NUMBERED = re.compile(r"^(?P<v>\d+)_(?P<name>.+)\.sql$", re.IGNORECASE)
_FLYWAY_V = re.compile(r"^V(?P<v>\d+(?:[._]\d+)*)__(?P<name>.+)\.sql$")
_FLYWAY_R = re.compile(r"^R__(?P<name>.+)\.sql$")
_FLYWAY_U = re.compile(r"^U\d+(?:[._]\d+)*__.+\.sql$")

Version = tuple[int, ...]


@dataclass(frozen=True)
class Migration:
    path: Path
    version: Version  # () for repeatable and single files
    repeatable: bool = False

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class Plan:
    layout: str  # "supabase" | "flyway" | "numbered" | "single"
    root: Path
    files: tuple[Migration, ...]


def _flyway_version(text: str) -> Version:
    parts = [int(p) for p in re.split(r"[._]", text)]
    while len(parts) > 1 and parts[-1] == 0:  # Flyway: 1.0 == 1
        parts.pop()
    return tuple(parts)


def _kind(name: str) -> str | None:
    if _FLYWAY_V.match(name) or _FLYWAY_R.match(name) or _FLYWAY_U.match(name):
        return "flyway"
    if _SUPABASE.match(name):
        return "supabase"
    if _NUMBERED.match(name):
        return "numbered"
    return None


def detect(path: Path | str) -> Plan:
    """The layout of ``path`` and its migrations in apply order (raises MigrationLayoutError)."""
    root = Path(path)
    if root.is_file():
        return Plan("single", root, (Migration(root, ()),))
    if not root.is_dir():
        raise MigrationLayoutError(f"migrations path {str(root)!r} does not exist")
    try:
        sql_files = sorted(p for p in root.iterdir() if p.is_file() and p.suffix.lower() == ".sql")
    except OSError as exc:
        raise MigrationLayoutError(f"cannot list {root}: {exc.strerror or exc}") from None
    if not sql_files:
        raise MigrationLayoutError(f"no .sql migration files in {root}")
    kinds: dict[str, list[str]] = {}
    for p in sql_files:
        kinds.setdefault(_kind(p.name) or "unknown", []).append(p.name)
    # A Supabase folder whose timestamps all have 14 digits also matches "numbered".
    if "supabase" in kinds and "numbered" in kinds:
        kinds["numbered"].extend(kinds.pop("supabase"))
    if len(sql_files) == 1 and "unknown" in kinds:
        return Plan("single", root, (Migration(sql_files[0], ()),))
    if "unknown" in kinds:
        names = ", ".join(kinds["unknown"][:3]) + (" …" if len(kinds["unknown"]) > 3 else "")
        raise MigrationLayoutError(
            f"{root}: unknown migration layout for {names} (expected <timestamp>_<name>.sql, "
            "V<version>__<name>.sql / R__<name>.sql, or NNN_<name>.sql)"
        )
    if len(kinds) > 1:
        examples = "; ".join(f"{k}: {v[0]}" for k, v in sorted(kinds.items()))
        raise MigrationLayoutError(f"{root}: mixed migration layouts ({examples})")
    layout = next(iter(kinds))
    files = _order_flyway(sql_files) if layout == "flyway" else _order_numbered(sql_files)
    return Plan(layout, root, files)


def _check_unique(versions: list[tuple[Version, str]], root_hint: str) -> None:
    seen: dict[Version, str] = {}
    for version, name in versions:
        if version in seen:
            raise MigrationLayoutError(
                f"{root_hint}: two migrations with the same version: {seen[version]}, {name}"
            )
        seen[version] = name


def _order_numbered(files: list[Path]) -> tuple[Migration, ...]:
    out = []
    for p in files:
        m = _NUMBERED.match(p.name)
        assert m is not None
        out.append(Migration(p, (int(m["v"]),)))
    out.sort(key=lambda m: (m.version, m.name))
    _check_unique([(m.version, m.name) for m in out], str(files[0].parent))
    return tuple(out)


def _order_flyway(files: list[Path]) -> tuple[Migration, ...]:
    versioned: list[Migration] = []
    repeatable: list[Migration] = []
    for p in files:
        if m := _FLYWAY_V.match(p.name):
            versioned.append(Migration(p, _flyway_version(m["v"])))
        elif _FLYWAY_R.match(p.name):
            repeatable.append(Migration(p, (), repeatable=True))
        # undo (U...) files are not part of a forward migration
    versioned.sort(key=lambda m: (m.version, m.name))
    _check_unique([(m.version, m.name) for m in versioned], str(files[0].parent))
    repeatable.sort(key=lambda m: m.name)
    if not versioned and not repeatable:
        raise MigrationLayoutError(
            f"{files[0].parent}: only Flyway undo (U…) files, nothing to apply"
        )
    return tuple(versioned + repeatable)
