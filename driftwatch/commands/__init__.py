"""CLI commands, one module each: ``register(subparsers)`` adds the command and sets ``func``.

``Command`` is the closed list of their names, in the order ``--help`` lists them."""

from __future__ import annotations

from typing import Literal, TypeGuard, get_args

Command = Literal[
    "snapshot",
    "diff",
    "check",
    "docs",
    "baseline",
    "history",
    "probe",
    "serve",
    "demo",
    "fix",
    "init",
]
COMMANDS: tuple[Command, ...] = get_args(Command)


def is_command(text: str | None) -> TypeGuard[Command]:
    return text in COMMANDS
