"""The configuration reference is generated from the config model and must be current."""

from __future__ import annotations

import dataclasses
import typing

from driftwatch import config
from driftwatch.config import load as configload
from driftwatch.configdoc import DOC_PATH, render


def test_configuration_reference_is_current() -> None:
    assert DOC_PATH.read_text() == render(), "run: python -m driftwatch.configdoc"


def _sections(cls: type, seen: set[type]) -> None:
    seen.add(cls)
    hints = typing.get_type_hints(cls)
    for tp in hints.values():
        for sub in (tp, *typing.get_args(tp)):
            if dataclasses.is_dataclass(sub) and isinstance(sub, type) and sub not in seen:
                _sections(sub, seen)


def test_every_setting_has_a_doc() -> None:
    seen: set[type] = set()
    _sections(config.Config, seen)
    undocumented = []
    for cls in seen:
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            tp = hints[f.name]
            is_section = any(dataclasses.is_dataclass(a) for a in (tp, *typing.get_args(tp)))
            if f.name != "source" and not is_section and not f.metadata.get("doc"):
                undocumented.append(f"{cls.__name__}.{f.name}")
    assert not undocumented, f"settings without a doc: {sorted(undocumented)}"


def test_shipped_example_config_loads(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from driftwatch.configdoc import DOC_PATH

    example = DOC_PATH.parent.parent / "config" / "driftwatch.toml.example"
    monkeypatch.setenv("NEXUS_DB_URL", "postgresql://driftwatch@db.internal/nexus")
    cfg = configload.load(example)
    assert [t.name for t in cfg.targets] == ["nexus-prod"]
    assert cfg.targets[0].dsn == "postgresql://driftwatch@db.internal/nexus"
    monkeypatch.delenv("NEXUS_DB_URL")
    try:
        configload.load(example)
    except config.ConfigError as exc:
        assert "NEXUS_DB_URL" in str(exc)
    else:
        raise AssertionError("an unset ${ENV} reference must be a config error")
