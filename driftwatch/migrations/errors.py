"""Errors of migration replay (all exit 2: the migrations are bad input)."""

from __future__ import annotations

from driftwatch.errors import DriftwatchError, InputError


class MigrationLayoutError(InputError):
    """The folder is empty, mixes layouts, or holds files no layout explains."""


class MigrationFailed(DriftwatchError):
    """A migration file did not apply: names the file, the line and the server's message."""

    def __init__(self, file: str, line: int, server_message: str) -> None:
        self.file = file
        self.line = line
        self.server_message = server_message
        super().__init__(f"migration {file}:{line} failed to apply: {server_message}")
