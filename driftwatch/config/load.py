"""Reading a config file: TOML with ``${ENV}`` interpolation, validated into the model.

Unknown keys, wrong types and unset ``${ENV}`` references are one-line ``ConfigError``s
naming the key. Every cross-field check lives here: duplicate target names (``from_dict``),
``[diff] ignore_kinds`` against the diff's change kinds and the ``[rules]``/``[tenancy]``
settings against the rule registry: rule ids, waivers, the claim and helper expressions
(``check``, which ``load`` runs), so that a bad setting is exit 2 at start-up, not a
failed run.
"""

from __future__ import annotations

import dataclasses
import os
import re
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

from driftwatch.config.model import DEFAULT_CONFIG_PATH, Config, Limits
from driftwatch.errors import ConfigError

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_ENV_UNCLOSED = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?![A-Za-z0-9_}])")
# The config file itself is read before its [limits] are known.
CONFIG_MAX_BYTES = 16 << 20
T = TypeVar("T")


def _interpolate(value: str, where: str) -> str:
    def sub(m: re.Match[str]) -> str:
        var = m.group(1)
        if var not in os.environ:
            raise ConfigError(f"{where}: environment variable ${{{var}}} is not set")
        return os.environ[var]

    if _ENV_UNCLOSED.search(value):
        raise ConfigError(f"{where}: '${{' without its closing '}}' (write ${{NAME}})")
    return _ENV_REF.sub(sub, value)


def _check_range(f: dataclasses.Field[Any], value: Any, where: str) -> None:
    if f.metadata.get("nonempty") and isinstance(value, str) and not value.strip():
        raise ConfigError(f"{where}: must not be empty")
    if not isinstance(value, int):
        return
    lo, hi = f.metadata.get("min"), f.metadata.get("max")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        if lo is not None and hi is not None:
            bounds = f"from {lo} to {hi}"
        else:
            bounds = f"at least {lo}" if lo is not None else f"at most {hi}"
        raise ConfigError(f"{where}: {value} is out of range (must be {bounds})")


def _convert(tp: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        inner = [a for a in args if a is not type(None)]
        return _convert(inner[0], value, where)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a table, got {type(value).__name__}")
        return _build(tp, value, where)
    if origin is list:
        if not isinstance(value, list):
            raise ConfigError(f"{where}: expected a list, got {type(value).__name__}")
        return [_convert(args[0], v, f"{where}[{i}]") for i, v in enumerate(value)]
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a string, got {type(value).__name__}")
        return _interpolate(value, where)
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        return float(value)
    raise ConfigError(f"{where}: unsupported setting type")  # pragma: no cover


def _build(cls: type[T], data: dict[str, Any], where: str) -> T:
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{where}.{key}" if where else key
        if key not in fields or key == "source":
            known = ", ".join(sorted(k for k in fields if k != "source"))
            raise ConfigError(f"unknown config key {path!r} (known here: {known})")
        kwargs[key] = _convert(hints[key], value, path)
        _check_range(fields[key], kwargs[key], path)
    for name, f in fields.items():
        if (
            name not in kwargs
            and f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING
        ):
            raise ConfigError(f"{where or 'config'}: missing required key {name!r}")
    return cls(**kwargs)


def check(cfg: Config) -> None:
    """The checks against the engines' vocabulary: ``[diff] ignore_kinds`` and the
    ``[rules]``/``[tenancy]`` settings (``load`` and ``serve`` make them; the audit makes
    the rules' own again, for a config built in code)."""
    from driftwatch import rules  # the registry imports every rule: only when checking
    from driftwatch.diff import unknown_kinds

    problem = unknown_kinds(cfg.diff.ignore_kinds)
    if problem:
        raise ConfigError(f"diff.ignore_kinds: {problem}")
    rules.check_config(cfg)


def from_dict(data: dict[str, Any], source: str | None = None) -> Config:
    """The config a parsed TOML document describes: keys, types and ranges checked, and
    target names unique (``check`` adds the checks against the engines)."""
    cfg = _build(Config, data, "")
    names = [t.name for t in cfg.targets]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"duplicate target name(s): {', '.join(dupes)}")
    return dataclasses.replace(cfg, source=source)


def load(path: str | Path | None = None) -> Config:
    """Load ``path``; with None, ``config/driftwatch.toml`` if it exists, else defaults."""
    if path is None:
        if not DEFAULT_CONFIG_PATH.is_file():
            return Config()
        path = DEFAULT_CONFIG_PATH
    path = Path(path)
    from driftwatch.fileio import read_limited, toml_of

    raw = read_limited(path, what="config file", limit=CONFIG_MAX_BYTES, error=ConfigError)
    data = toml_of(raw, path)
    cfg = from_dict(data, source=str(path))
    check(cfg)
    groups = cfg.docs.groups
    if groups and not Path(groups).is_absolute():  # beside the config, not the cwd
        docs = dataclasses.replace(cfg.docs, groups=str(path.parent / groups))
        cfg = dataclasses.replace(cfg, docs=docs)
    return cfg


def apply_limits(cfg: Config) -> None:
    """Make ``cfg``'s [limits] the ones every input file is read with."""
    from driftwatch import fileio

    fileio.configure({f.name: cfg.limits.bytes(f.name) for f in dataclasses.fields(Limits)})
