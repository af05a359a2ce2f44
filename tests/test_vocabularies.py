"""The closed vocabularies as types: each ``Literal`` names exactly what the code has."""

from __future__ import annotations

import dataclasses
import pkgutil
from typing import get_args

from driftwatch import commands, model, rules
from driftwatch.cli import command_names
from driftwatch.findings import SEVERITIES, Severity, is_severity, severity_rank


def test_object_kinds_are_the_fields_of_objects() -> None:
    fields = tuple(f.name for f in dataclasses.fields(model.Objects))
    assert get_args(model.ObjectKind) == model.OBJECT_KINDS == fields


def test_commands_are_the_modules_of_commands() -> None:
    modules = {m.name for m in pkgutil.iter_modules(commands.__path__)}
    assert set(commands.COMMANDS) == {m for m in modules if not m.startswith("_")}
    assert command_names()[:3] == ["snapshot", "diff", "check"]  # help's order
    assert not commands.is_command("nosuch") and commands.is_command("serve")


def test_severities_rank_most_severe_first() -> None:
    assert get_args(Severity) == SEVERITIES == ("error", "warning", "info")
    assert [severity_rank(s) for s in SEVERITIES] == [0, 1, 2]
    assert is_severity("warning") and not is_severity("critical")
    assert {r.severity for r in rules.REGISTRY.values()} <= set(SEVERITIES)
