"""Where a finding lives in the repository, for SARIF's physical locations.

With a migrations folder, the file and line of the statement that last created the
object (``CREATE TABLE``, ``CREATE POLICY``, ``CREATE VIEW``, ``CREATE MATERIALIZED
VIEW``, ``CREATE FUNCTION``), read with pglast's parser; a finding on a column, index or
policy that no statement names falls back to its table. Without one (or for an object no
migration creates), the object's generated docs page. Paths are relative to the
repository root (``--sarif-root``), in POSIX form.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pglast

from driftwatch import idents, model
from driftwatch.docs.site import INDEX, build_site
from driftwatch.findings import Finding
from driftwatch.migrations.errors import MigrationLayoutError
from driftwatch.migrations.layout import detect
from driftwatch.migrations.sqltext import split


@dataclass(frozen=True, slots=True)
class Location:
    path: str  # relative to the repository root, POSIX
    line: int


def _name(schema: str | None, name: str) -> str:
    """The snapshot's key of a created relation (identifiers quoted as in format 2)."""
    return idents.qualify(schema or "public", name)


def _created(stmt: Any) -> str | None:
    """The object key a parsed statement creates (functions: ``schema.name(``)."""
    kind = type(stmt).__name__
    if kind == "CreateStmt":
        return _name(stmt.relation.schemaname, stmt.relation.relname)
    if kind == "CreatePolicyStmt":
        return f"{_name(stmt.table.schemaname, stmt.table.relname)}.{stmt.policy_name}"
    if kind == "ViewStmt":
        return _name(stmt.view.schemaname, stmt.view.relname)
    if kind == "CreateTableAsStmt" and stmt.into is not None:
        return _name(stmt.into.rel.schemaname, stmt.into.rel.relname)
    if kind == "CreateFunctionStmt":
        parts = [p.sval for p in stmt.funcname]
        schema, name = (parts[-2], parts[-1]) if len(parts) > 1 else (None, parts[-1])
        return f"{_name(schema, name)}("
    return None


def migration_origins(folder: Path) -> dict[str, tuple[Path, int]]:
    """Object key → (file, line) of the last statement creating it, in apply order."""
    try:
        plan = detect(folder)
    except MigrationLayoutError:
        return {}
    found: dict[str, tuple[Path, int]] = {}
    for migration in plan.files:
        try:
            sql = migration.path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for statement in split(sql):
            try:
                parsed = pglast.parse_sql(statement.text)
            except pglast.parser.ParseError:
                continue  # the server judges syntax; a location is only a pointer
            for raw in parsed:
                key = _created(raw.stmt)
                if key is not None:
                    found[key] = (migration.path, statement.line)
    return found


def _lookup(obj: str, table: dict[str, Any]) -> Any:
    """``schema.table.detail`` → the entry of its longest known prefix."""
    if "(" in obj:
        return table.get(obj.split("(", 1)[0] + "(")
    while True:
        if obj in table:
            return table[obj]
        if "." not in obj:
            return None
        obj = obj.rsplit(".", 1)[0]


def _relative(path: Path, root: Path) -> str:
    return Path(os.path.relpath(path.absolute(), root.absolute())).as_posix()


def locator(
    snap: model.Snapshot, root: Path, docs_dir: Path, migrations: Path | None
) -> Callable[[Finding], Location]:
    """A function giving each finding its physical location."""
    origins = migration_origins(migrations) if migrations is not None else {}
    pages = {pid.partition(":")[2]: path for pid, path in build_site(snap, (), []).paths.items()}
    functions = {k.split("(", 1)[0] + "(": v for k, v in pages.items() if "(" in k}
    index = _relative(docs_dir / INDEX, root)

    def locate(f: Finding) -> Location:
        origin = _lookup(f.object, origins)
        if origin is not None:
            return Location(_relative(origin[0], root), origin[1])
        page = pages.get(f.object) or _lookup(f.object, functions if "(" in f.object else pages)
        if page is not None:
            return Location(_relative(docs_dir / page, root), 1)
        return Location(index, 1)

    return locate
