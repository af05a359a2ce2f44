"""Where targets come from: ``[[targets]]`` in the config, plus rows of ``fleet.discover_sql``.

A discovered row names a target and where its DSN is (``dsn_env`` or ``dsn_file``), never the
DSN itself: credentials stay in the environment or in mounted files, not in the store.
Optional columns override the ``[fleet]`` defaults per target: ``schedule``, ``schemas``,
``exclude_schemas`` (text[] or comma-separated text), ``baseline``, ``docs_output``. A
``[[targets]]`` entry with the same name as a discovered row wins over the row.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from driftwatch import config as configmod
from driftwatch.config.derive import resolve_dsn
from driftwatch.dsn import redact
from driftwatch.errors import ConfigError

ROW_COLUMNS = frozenset(
    {
        "name",
        "dsn_env",
        "dsn_file",
        "schedule",
        "schemas",
        "exclude_schemas",
        "baseline",
        "docs_output",
    }
)
_SECRET_COLUMNS = frozenset({"dsn", "password", "url", "conninfo"})


def _globs(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        return [p.strip() for p in value.split(",") if p.strip()]
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ConfigError(f"{where}: expected text[] or comma-separated text, got {value!r}")


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{where}: expected text, got {type(value).__name__}")
    return value


def target_from_row(row: Mapping[str, Any], fleet: configmod.Fleet, index: int) -> configmod.Target:
    """One discovered row → a ``Target`` (DSN not resolved yet)."""
    where = f"fleet.discover_sql row {index + 1}"
    secret = sorted(_SECRET_COLUMNS & set(row))
    if secret:
        raise ConfigError(
            f"{where}: column(s) {', '.join(secret)} not allowed: credentials never come from the"
            " store; return dsn_env (an environment variable) or dsn_file (a file) instead"
        )
    unknown = sorted(set(row) - ROW_COLUMNS)
    if unknown:
        known = ", ".join(sorted(ROW_COLUMNS))
        raise ConfigError(f"{where}: unknown column(s) {', '.join(unknown)} (known: {known})")
    name = row.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise ConfigError(f"{where}: 'name' must be non-empty text of at most 200 characters")
    where = f"{where} ({name})"
    values = {k: v for k, v in row.items() if v is not None}
    dsn_env = _text(values.get("dsn_env", ""), f"{where}.dsn_env")
    dsn_file = _text(values.get("dsn_file", ""), f"{where}.dsn_file")
    if bool(dsn_env) == bool(dsn_file):
        raise ConfigError(f"{where}: return exactly one of dsn_env, dsn_file")
    if dsn_file and fleet.credentials_dir:
        base = Path(fleet.credentials_dir).resolve()
        path = (base / dsn_file).resolve()
        if not path.is_relative_to(base):
            raise ConfigError(f"{where}: dsn_file {dsn_file!r} is outside {base}")
        dsn_file = str(path)
    return configmod.Target(
        name=name,
        dsn_env=dsn_env,
        dsn_file=dsn_file,
        schedule=_text(values.get("schedule", fleet.schedule), f"{where}.schedule"),
        schemas=_globs(values["schemas"], f"{where}.schemas")
        if "schemas" in values
        else list(fleet.schemas),
        exclude_schemas=_globs(values.get("exclude_schemas", []), f"{where}.exclude_schemas"),
        baseline=_text(values["baseline"], f"{where}.baseline") if "baseline" in values else None,
        docs_output=_text(values["docs_output"], f"{where}.docs_output")
        if "docs_output" in values
        else None,
    )


def discover(cfg: configmod.Config) -> list[configmod.Target]:
    """Run ``fleet.discover_sql`` (read-only) and turn its rows into targets, sorted by name."""
    fleet = cfg.fleet
    if not fleet.discover_sql.strip():
        return []
    url = fleet.discover_url or cfg.store_url or ""
    if not url.startswith(("postgresql", "postgres:")):
        raise ConfigError(
            "fleet.discover_sql needs a PostgreSQL database: set fleet.discover_url or a"
            " postgresql:// store_url"
        )
    from driftwatch.store import normalize_url

    try:
        engine = sa.create_engine(normalize_url(url), connect_args={"connect_timeout": 10})
    except sa.exc.ArgumentError:
        raise ConfigError(f"fleet.discover_url: invalid URL {redact(url)!r}") from None
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("set transaction read only")
            rows = [dict(r._mapping) for r in conn.execute(sa.text(fleet.discover_sql))]
    except sa.exc.SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        first = detail[0] if detail else type(exc).__name__
        raise ConfigError(f"fleet.discover_sql failed: {redact(first)}") from None
    finally:
        engine.dispose()
    targets = [target_from_row(r, fleet, i) for i, r in enumerate(rows)]
    names = [t.name for t in targets]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(
            f"fleet.discover_sql returned duplicate target name(s): {', '.join(dupes)}"
        )
    return sorted(targets, key=lambda t: t.name)


def expand_targets(cfg: configmod.Config) -> configmod.Config:
    """``cfg`` with discovered targets added and every target's DSN resolved into ``dsn``."""
    configured = {t.name for t in cfg.targets}
    merged = list(cfg.targets) + [t for t in discover(cfg) if t.name not in configured]
    resolved = [
        dataclasses.replace(t, dsn=resolve_dsn(t) or "", dsn_env="", dsn_file="") for t in merged
    ]
    return dataclasses.replace(cfg, targets=resolved)
